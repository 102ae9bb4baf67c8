"""The auditors' aggregate: who may ask for which council, and each chat's language."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flows.ports.access_log import Release
    from flows.ports.respondents import Invitation


class ChatLanguages(Protocol):
    """The language an auditor's private chat, or the auditors' group chat, chose with /language
    (``storage.auditors.AuditorRepository``).  Respondents' languages stay on their invitations."""

    async def chat_language(self, chat_id: int) -> str | None:
        """The stored language, or None when the chat never chose one."""
        ...

    async def set_chat_language(self, chat_id: int, language: str, now: datetime, *, keep: bool = False) -> bool:
        """Store the chat's language; with ``keep`` only when none is stored yet (False when one was)."""
        ...


class AuditorStore(Protocol):
    async def add_auditor(
        self, telegram_user_id: int, now: datetime, authorities: Sequence[str] = (), release: Release | None = None
    ) -> bool:
        """Add the auditor (or keep them) with exactly these councils (none: every council), writing ``release`` to
        the access log in the same transaction; False when they already were one."""
        ...

    async def remove_auditor(self, telegram_user_id: int, release: Release | None = None) -> bool:
        """False when they were not in the list (and nothing is logged)."""
        ...

    async def auditors(self) -> list[int]: ...

    async def auditor_authorities(self, telegram_user_id: int) -> list[str]:
        """The councils a stored auditor is limited to (English names); empty: every council."""
        ...


class Questionnaires(Protocol):
    """The questionnaire an auditor may also be answering (``storage.repositories.RespondentRepository``)."""

    async def invitation_for_user(self, telegram_user_id: int) -> Invitation | None: ...
