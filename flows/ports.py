"""What the questionnaire service needs from the outside world, declared here as Protocols.

``storage`` implements ``RespondentStore`` with SQLite; tests may use any object of the same shape.  ``Clock`` gives
the service the time, which it passes into the engine (the engine never reads a clock).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from flows.i18n import DEFAULT_LANGUAGE, in_language
from flows.records import Campaign, RoleRate


class StorageUnavailable(Exception):
    """Storage cannot take a write just now (disk full, database read-only or locked, I/O error).

    Raised by storage implementations instead of their own errors, after rolling back, so that nothing partial is
    written; the respondent is told to try again shortly.  The message says what is wrong, for the operator's log.
    """


class AlreadyHandled(Exception):
    """This Telegram update was recorded before (Telegram delivered it again): nothing was changed this time.

    Raised by a store's writes that take an ``update_id`` when that update already changed something; the update id
    is recorded in the same transaction as the change it made, so an update changes state at most once."""

    def __init__(self, update_id: int | None):
        super().__init__(f"update {update_id} was handled before")
        self.update_id = update_id


class ResultsChoice(StrEnum):
    """What became of a respondent's choice about the results (``RespondentStore.want_results``)."""

    CHANGED = "changed"
    UNCHANGED = "unchanged"
    TOO_LATE = "too late"  # the results message was already claimed for sending: the choice is fixed


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime (UTC)."""
        ...


@dataclass
class SettableClock:
    """A ``Clock`` that tells the time it is set to, moved by hand: the one the demo, its invented history, the
    benchmarks and the tests use (no real time, no sleeps)."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move on by ``timedelta(**delta)``; the new time."""
        self.current += timedelta(**delta)
        return self.current


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

    async def with_answers(self, invitation_id: int, telegram_user_id: int) -> tuple[Invitation, dict[str, str | None]] | None:
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

    async def bind(self, invitation_id: int, telegram_user_id: int, chat_id: int, now: datetime,
                   language_hint: str = DEFAULT_LANGUAGE, *, update_id: int | None = None) -> bool:
        """Bind an unbound invitation to a user; False when someone else bound it first.  ``language_hint``: the
        language their Telegram uses, for reminders until they choose one."""
        ...

    async def mark_notice_seen(self, invitation_id: int, now: datetime, *, update_id: int | None = None) -> None: ...

    async def focus(self, invitation_id: int, *, shown_by: int | None = None) -> None:
        """This invitation's screen is the one shown last (typed text goes to it); ``shown_by``: the update that
        showed it (text typed before that update is stale).  Changes nothing a respondent gave, so it records no
        update."""
        ...

    async def withdraw_user(self, telegram_user_id: int, now: datetime, *,
                            update_id: int | None = None) -> list[Invitation]:
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

    async def record(self, invitation_id: int, answers: dict[str, str | None], cursor: str | None, now: datetime,
                     *, update_id: int | None = None) -> None:
        """Store answers and the new cursor in one transaction."""
        ...

    async def submit(self, invitation_id: int, questionnaire_id: str, version: int, now: datetime, *,
                     update_id: int | None = None) -> bool:
        """Mark submitted; False when it already was."""
        ...

    async def set_language(self, invitation_id: int, language: str, now: datetime | None = None, *,
                           update_id: int | None = None) -> None: ...

    async def snooze(self, invitation_id: int, until: datetime, now: datetime | None = None, *,
                     update_id: int | None = None) -> None: ...

    async def reminders_off(self, invitation_id: int, now: datetime, *, update_id: int | None = None) -> None: ...

    async def want_results(self, invitation_id: int, wanted: bool, now: datetime, *,
                           update_id: int | None = None) -> ResultsChoice:
        """Store whether the respondent wants the council's results (``invitations.results_wanted_at``), in one
        transaction: ``TOO_LATE`` when their results message has already been claimed for sending (the choice is then
        fixed), ``UNCHANGED`` when it already was so, else ``CHANGED``."""
        ...


RETENTION_PLACEHOLDER = "{retention}"
"""Where the privacy notice's sentence about how long the data is kept goes (``config/privacy.py`` writes it)."""


@dataclass(frozen=True)
class Notice:
    """The privacy notice in every language: ``short`` before the first question, ``full`` on /privacy (HTML).

    ``short`` and ``full`` state the configured retention period; a campaign kept for another period
    (``campaign create --retention-days``) shows its own, through ``text``."""

    short: dict[str, str]
    full: dict[str, str]
    retention_days: int | None = None
    """The period ``short`` and ``full`` state."""
    templates: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)
    """``short`` and ``full`` as written, with ``{retention}`` where the period's sentence goes."""
    retention_sentence: Callable[[str, int], str] | None = field(default=None, compare=False)
    """The sentence for a period, in a language."""

    def text(self, part: str, language: str, retention_days: int | None = None) -> str:
        """``part`` ("short" or "full") in ``language``, stating ``retention_days`` (None: the configured period)."""
        stated: dict[str, str] = getattr(self, part)
        if retention_days is None or retention_days == self.retention_days or self.retention_sentence is None:
            return stated[language]
        return self.templates[part][language].replace(RETENTION_PLACEHOLDER,
                                                      self.retention_sentence(language, retention_days))

    def of(self, part: str, language: str, invitation: Invitation | None) -> str:
        """``part`` as a respondent of ``invitation``'s campaign reads it (its own retention period)."""
        return self.text(part, language, invitation.retention_days if invitation is not None else None)


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
