"""What the auditors' use cases need from storage and from the other services, as Protocols."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from flows.completion import Bundle, Item
from flows.delivery import Delivery
from flows.i18n import DEFAULT_LANGUAGE
from flows.records import Campaign, ManualRound, RateView, RoleRate
from flows.reminders import ReminderPolicy


class RateViews(Protocol):
    """What each auditor saw at their previous /rates of a campaign (``storage.auditors.AuditorRepository``)."""

    async def last_view(self, auditor_id: int, campaign_id: int) -> RateView | None: ...

    async def save_view(self, auditor_id: int, campaign_id: int, rates: list[RoleRate], now: datetime) -> None: ...


class Digests(Protocol):
    """The days whose digest was sent (``storage.auditors.AuditorRepository``)."""

    async def last_digest(self) -> str | None: ...

    async def claim_digest(self, digest_date: date, now: datetime) -> bool:
        """Record the day's digest before sending it; False when it was already claimed."""
        ...


class ReminderRounds(Protocol):
    """Auditors' reminder rounds (``storage.reminders.ReminderRepository``)."""

    async def policy_for_campaign(self, campaign_id: int) -> ReminderPolicy: ...

    async def eligible(self, campaign_id: int, roles: frozenset[str], policy: ReminderPolicy,
                       now: datetime) -> list[int]:
        """Invitation ids the policy lets be reminded now."""
        ...

    async def plan_manual(self, campaign_id: int, roles: str, invitation_ids: list[int], requested_by: int,
                          now: datetime) -> str:
        """Record a confirmation about to be shown, under a new one-time code."""
        ...

    async def manual_round(self, code: str) -> ManualRound | None: ...

    async def claim_manual(self, code: str, roles: frozenset[str], auditor_id: int,
                           now: datetime) -> tuple[ManualRound, bool] | None:
        """The first press queues the round (True); later ones find it sent (False); None for an unknown code."""
        ...


class Reports(Protocol):
    """The maturity summary on request (``flows.completion.CompletionService``)."""

    async def interim_summary(self, campaign: Campaign, language: str = ...) -> str: ...

    async def final_bundle(self, campaign_id: int) -> Bundle: ...


class Resender(Protocol):
    """Posting the final report again (``flows.posting.PostingService``); only in the running bot."""

    async def resend(self, chat_id: int, campaign_id: int, name: str | None,
                     language: str = DEFAULT_LANGUAGE) -> list[tuple[Item, Delivery]]: ...
