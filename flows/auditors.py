"""Who is an auditor: the Telegram user ids from settings (``DATATOOL_AUDITOR_IDS``) and those added with
``datatool-bot auditors add``.  Used by the command line and by the auditors' chat service alike."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flows.ports import Clock

CONFIGURED, ADDED = "settings", "added"
"""Where an auditor comes from (``Auditors.listing``)."""


class AuditorStore(Protocol):
    async def add_auditor(self, telegram_user_id: int, now: datetime) -> bool:
        """False when they already were one."""
        ...

    async def remove_auditor(self, telegram_user_id: int) -> bool:
        """False when they were not in the list."""
        ...

    async def auditors(self) -> list[int]: ...


class Auditors:
    def __init__(self, store: AuditorStore, clock: Clock, configured: frozenset[int], group_chat: int | None = None):
        self.store = store
        self.clock = clock
        self.configured = configured
        self.group_chat = group_chat
        """The auditors' group chat (``DATATOOL_AUDITOR_CHAT_ID``), if any."""

    async def is_auditor(self, user_id: int) -> bool:
        return user_id in self.configured or user_id in await self.store.auditors()

    async def ids(self) -> list[int]:
        return sorted(self.configured | set(await self.store.auditors()))

    async def recipients(self) -> list[int]:
        """Where the digest and the final summary go: the auditors' group chat if there is one, else each auditor."""
        return [self.group_chat] if self.group_chat else await self.ids()

    async def listing(self) -> list[tuple[int, str]]:
        """Every auditor with where they come from (settings win over the stored list)."""
        return [(user_id, CONFIGURED if user_id in self.configured else ADDED) for user_id in await self.ids()]

    async def add(self, user_id: int) -> bool:
        return await self.store.add_auditor(user_id, self.clock.now())

    async def remove(self, user_id: int) -> bool:
        """Only the stored list can be changed here: an id from settings stays until settings change."""
        return await self.store.remove_auditor(user_id)
