"""What the questionnaire service needs from the outside world, declared here as Protocols.

``storage`` implements ``RespondentStore`` with SQLite; tests may use any object of the same shape.  ``Clock`` gives
the service the time, which it passes into the engine (the engine never reads a clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from flows.records import Campaign, RoleRate


class StorageUnavailable(Exception):
    """Storage cannot take a write just now (disk full, database read-only or locked, I/O error).

    Raised by storage implementations instead of their own errors, after rolling back, so that nothing partial is
    written; the respondent is told to try again shortly.  The message says what is wrong, for the operator's log.
    """


class ResultsChoice(StrEnum):
    """What became of a respondent's choice about the results (``RespondentStore.want_results``)."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    TOO_LATE = "too late"  # the results message was already claimed for sending: the choice is fixed


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime (UTC)."""
        ...


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


class RespondentStore(Protocol):
    async def invitation_by_token_hash(self, token_hash: str) -> Invitation | None: ...

    async def invitation_by_id(self, invitation_id: int) -> Invitation | None: ...

    async def with_answers(self, invitation_id: int, telegram_user_id: int) -> tuple[Invitation, dict[str, str | None]] | None:
        """The invitation, and its answers only if it is bound to this Telegram user, read together (what every
        button press needs)."""
        ...

    async def invitation_for_user(self, telegram_user_id: int) -> Invitation | None:
        """The invitation this Telegram user is working on (most recently used), if any."""
        ...

    async def bound_in_campaign(self, campaign_id: int, telegram_user_id: int) -> Invitation | None:
        """The invitation of this campaign already bound to this Telegram user (one person, one response)."""
        ...

    async def bind(self, invitation_id: int, telegram_user_id: int, chat_id: int, now: datetime,
                   language_hint: str = "en") -> bool:
        """Bind an unbound invitation to a user; False when someone else bound it first.  ``language_hint``: the
        language their Telegram uses, for reminders until they choose one."""
        ...

    async def mark_notice_seen(self, invitation_id: int, now: datetime) -> None: ...

    async def withdraw_user(self, telegram_user_id: int, now: datetime) -> list[Invitation]:
        """For every invitation bound to this Telegram user: delete the answers, the submission, the reminders and
        the Telegram identity (the invitation then counts as not responded).  Returns the invitations as they were."""
        ...

    async def answers(self, invitation_id: int) -> dict[str, str | None]: ...

    async def record(
        self, invitation_id: int, answers: dict[str, str | None], cursor: str | None, now: datetime
    ) -> None:
        """Store answers and the new cursor in one transaction."""
        ...

    async def submit(self, invitation_id: int, questionnaire_id: str, version: int, now: datetime) -> bool:
        """Mark submitted; False when it already was."""
        ...

    async def set_language(self, invitation_id: int, language: str) -> None: ...

    async def snooze(self, invitation_id: int, until: datetime) -> None: ...

    async def reminders_off(self, invitation_id: int, now: datetime) -> None: ...

    async def want_results(self, invitation_id: int, wanted: bool, now: datetime) -> ResultsChoice:
        """Store whether the respondent wants the council's results (``invitations.results_wanted_at``), in one
        transaction: ``TOO_LATE`` when their results message has already been claimed for sending (the choice is then
        fixed), ``UNCHANGED`` when it already was so, else ``CHANGED``."""
        ...


@dataclass(frozen=True)
class Notice:
    """The privacy notice in every language: ``short`` before the first question, ``full`` on /privacy (HTML)."""

    short: dict[str, str]
    full: dict[str, str]


class ReportOutputs(Protocol):
    async def without_withdrawn(self, campaign_id: int) -> bool:
        """Rebuild a closed campaign's stored report files and exports after a withdrawal, so they no longer hold
        the withdrawn answers.  True when auditors had already been sent an earlier copy (which cannot be recalled)."""
        ...


class ChatLanguages(Protocol):
    """The language an auditor's private chat, or the auditors' group chat, chose with /language
    (``storage.auditors.AuditorRepository``).  Respondents' languages stay on their invitations."""

    async def chat_language(self, chat_id: int) -> str | None:
        """The stored language, or None when the chat never chose one."""
        ...

    async def set_chat_language(self, chat_id: int, language: str, now: datetime, *, keep: bool = False) -> bool:
        """Store the chat's language; with ``keep`` only when none is stored yet (False when one was)."""
        ...


class FieldworkHistory(Protocol):
    """When responses came and reminder rounds went out, per role (``storage.history.HistoryRepository``)."""

    async def submission_times(self, campaign_id: int) -> dict[str, list[datetime]]: ...

    async def reminder_rounds(self, campaign_id: int) -> dict[str, list[datetime]]: ...


class RatesForecast(Protocol):
    """The forecast lines under /rates for one campaign (``flows.forecast.ForecastService``)."""

    async def lines(self, campaign: Campaign, rates: list[RoleRate], now: datetime, language: str) -> list[str]: ...
