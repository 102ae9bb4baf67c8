"""The respondents' aggregate: an invitation as the use cases read it, and what the respondent store does for
them (binding, answers, submission, choices, withdrawal, the ledger of handled updates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from flows.i18n import DEFAULT_LANGUAGE, in_language


class ResultsChoice(StrEnum):
    """What became of a respondent's choice about the results (``RespondentStore.want_results``)."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    TOO_LATE = "too late"  # the results message was already claimed for sending: the choice is fixed


@dataclass(frozen=True)
class Invitation:
    id: int
    campaign_id: int
    role: str
    reference: str
    authority: str
    opens_on: date
    closes_on: date
    closed: bool
    telegram_user_id: int | None
    chat_id: int | None
    language: str | None
    cursor: str | None
    revoked: bool
    submitted: bool
    notice_seen: bool = False
    shown_by: int | None = None
    """The Telegram update that put the invitation's current screen there (typed text from before it is stale)."""
    authority_cy: str | None = None
    several: bool = False
    """The Telegram account holds more than one invitation: every screen names the council."""
    retention_days: int | None = None
    """The campaign's own retention period, which its privacy notice states; None: the configured one."""

    def council(self, language: str) -> str:
        """The council's name in ``language`` (its Welsh name in Cymraeg, where one is known)."""
        return in_language(self.authority, self.authority_cy, language)


class RespondentStore(Protocol):
    """A respondent's invitations, answers and choices.  Every write that takes ``update_id`` records that Telegram
    update in the same transaction as the change and raises ``AlreadyHandled`` (changing nothing) when it was
    recorded before."""

    async def invitation_by_token_hash(self, token_hash: str) -> Invitation | None: ...

    async def invitation_by_id(self, invitation_id: int) -> Invitation | None: ...

    async def with_answers(
        self, invitation_id: int, telegram_user_id: int
    ) -> tuple[Invitation, dict[str, str | None]] | None:
        """The invitation, and its answers only if it is bound to this Telegram user, read together (what every
        button press needs)."""
        ...

    async def invitation_for_user(self, telegram_user_id: int) -> Invitation | None:
        """The invitation of this Telegram user whose screen was shown last (``focus``), if any."""
        ...

    async def bound_in_campaign(self, campaign_id: int, telegram_user_id: int) -> Invitation | None:
        """The invitation of this campaign already bound to this Telegram user (one person, one response)."""
        ...

    async def handled(self, update_id: int) -> bool:
        """Has this Telegram update been recorded (with the change it made, or by ``mark_handled``)?"""
        ...

    async def mark_handled(self, update_id: int, now: datetime) -> None:
        """Record an update that changed nothing, so that it is decided only once."""
        ...

    async def forget_updates(self, now: datetime) -> int:
        """Forget the updates recorded long enough ago that Telegram no longer delivers them again."""
        ...

    async def bind(
        self,
        invitation_id: int,
        telegram_user_id: int,
        chat_id: int,
        now: datetime,
        language_hint: str = DEFAULT_LANGUAGE,
        *,
        update_id: int | None = None,
    ) -> bool:
        """Bind an unbound invitation to a user; False when someone else bound it first.  ``language_hint``: the
        language their Telegram uses, for reminders until they choose one."""
        ...

    async def mark_notice_seen(self, invitation_id: int, now: datetime, *, update_id: int | None = None) -> None: ...

    async def focus(self, invitation_id: int, *, shown_by: int | None = None) -> None:
        """This invitation's screen is the one shown last (typed text goes to it); ``shown_by``: the update that
        showed it (text typed before that update is stale).  Changes nothing a respondent gave, so it records no
        update."""
        ...

    async def withdraw_user(
        self, telegram_user_id: int, now: datetime, *, update_id: int | None = None
    ) -> list[Invitation]:
        """For every invitation bound to this Telegram user: delete the answers, the submission, the reminders and
        the Telegram identity (the invitation then counts as not responded), and record, in the same transaction, a
        pending rebuild of each closed campaign's stored reports.  Returns the invitations as they were."""
        ...

    async def pending_rebuilds(self) -> list[int]:
        """Closed campaigns whose stored reports still hold withdrawn answers."""
        ...

    async def rebuilt(self, campaign_id: int) -> None:
        """The campaign's stored reports no longer hold withdrawn answers."""
        ...

    async def answers(self, invitation_id: int) -> dict[str, str | None]: ...

    async def record(
        self,
        invitation_id: int,
        answers: dict[str, str | None],
        cursor: str | None,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> None:
        """Store answers and the new cursor in one transaction."""
        ...

    async def submit(
        self, invitation_id: int, questionnaire_id: str, version: int, now: datetime, *, update_id: int | None = None
    ) -> bool:
        """Mark submitted; False when it already was."""
        ...

    async def set_language(
        self, invitation_id: int, language: str, now: datetime | None = None, *, update_id: int | None = None
    ) -> None: ...

    async def snooze(
        self, invitation_id: int, until: datetime, now: datetime | None = None, *, update_id: int | None = None
    ) -> None: ...

    async def reminders_off(self, invitation_id: int, now: datetime, *, update_id: int | None = None) -> None: ...

    async def want_results(
        self, invitation_id: int, wanted: bool, now: datetime, *, update_id: int | None = None
    ) -> ResultsChoice:
        """Store whether the respondent wants the council's results (``invitations.results_wanted_at``), in one
        transaction: ``TOO_LATE`` when their results message has already been claimed for sending (the choice is then
        fixed), ``UNCHANGED`` when it already was so, else ``CHANGED``."""
        ...


class WithdrawalStore(Protocol):
    """The part of ``flows.ports.respondents.RespondentStore`` a withdrawal needs."""

    async def withdraw_user(
        self, telegram_user_id: int, now: datetime, *, update_id: int | None = None
    ) -> list[Invitation]: ...

    async def pending_rebuilds(self) -> list[int]: ...

    async def rebuilt(self, campaign_id: int) -> None: ...


class Ledger(Protocol):
    """The part of ``flows.ports.respondents.RespondentStore`` that remembers updates."""

    async def handled(self, update_id: int) -> bool: ...

    async def mark_handled(self, update_id: int, now: datetime) -> None: ...


class Forgetting(Protocol):
    async def forget_updates(self, now: datetime) -> int: ...
