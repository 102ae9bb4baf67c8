"""Fieldwork: what the auditors' commands read and start (rates, digests, reminder rounds, reports, resends)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from flows.i18n import DEFAULT_LANGUAGE

if TYPE_CHECKING:
    from flows.delivery import Delivery
    from flows.ports.completion import Bundle, Item
    from flows.ports.reminders import ReminderPolicy
    from flows.records import Campaign, ManualRound, RateView, RoleRate


class FieldworkHistory(Protocol):
    """When responses came and reminder rounds went out, per role (``storage.history.HistoryRepository``)."""

    async def submission_times(self, campaign_id: int) -> dict[str, list[datetime]]: ...

    async def reminder_rounds(self, campaign_id: int) -> dict[str, list[datetime]]: ...


class RatesForecast(Protocol):
    """The forecast lines under /rates for one campaign (``flows.forecast.ForecastService``)."""

    async def lines(self, campaign: Campaign, rates: list[RoleRate], now: datetime, language: str) -> list[str]: ...


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

    async def eligible(
        self, campaign_id: int, roles: frozenset[str], policy: ReminderPolicy, now: datetime
    ) -> list[int]:
        """Invitation ids the policy lets be reminded now."""
        ...

    async def plan_manual(
        self, campaign_id: int, roles: str, invitation_ids: list[int], requested_by: int, now: datetime
    ) -> str:
        """Record a confirmation about to be shown, under a new one-time code."""
        ...

    async def manual_round(self, code: str) -> ManualRound | None: ...

    async def claim_manual(
        self, code: str, roles: frozenset[str], auditor_id: int, now: datetime
    ) -> tuple[ManualRound, bool] | None:
        """The first press queues the round (True); later ones find it sent (False); None for an unknown code."""
        ...


class Reports(Protocol):
    """The maturity summary on request (``flows.completion.CompletionService``)."""

    async def interim_summary(self, campaign: Campaign, language: str = ...) -> str: ...

    async def final_bundle(self, campaign_id: int) -> Bundle: ...


class Resender(Protocol):
    """Posting the final report again (``flows.posting.PostingService``); only in the running bot."""

    async def resend(
        self, chat_id: int, campaign_id: int, name: str | None, language: str = DEFAULT_LANGUAGE
    ) -> list[tuple[Item, Delivery]]: ...
