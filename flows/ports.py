"""What the questionnaire service needs from the outside world, declared here as Protocols.

``storage`` implements ``RespondentStore`` with SQLite; tests may use any object of the same shape.  ``Clock`` gives
the service the time, which it passes into the engine (the engine never reads a clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


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

    async def invitation_for_user(self, telegram_user_id: int) -> Invitation | None:
        """The invitation this Telegram user is working on (most recently used), if any."""
        ...

    async def bind(self, invitation_id: int, telegram_user_id: int, chat_id: int, now: datetime,
                   language_hint: str = "en") -> bool:
        """Bind an unbound invitation to a user; False when someone else bound it first.  ``language_hint``: the
        language their Telegram uses, for reminders until they choose one."""
        ...

    async def mark_notice_seen(self, invitation_id: int, now: datetime) -> None: ...

    async def withdraw(self, invitation_id: int, now: datetime) -> None:
        """Delete the answers, the submission and the Telegram identity; the invitation counts as not responded."""
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


@dataclass(frozen=True)
class Notice:
    """The privacy notice in every language: ``short`` before the first question, ``full`` on /privacy (HTML)."""

    short: dict[str, str]
    full: dict[str, str]
