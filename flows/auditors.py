"""Who is an auditor: the Telegram user ids from settings (``DATATOOL_AUDITOR_IDS``) and those added with
``datatool-bot auditors add``; and the language auditor texts take in each auditor's chat and in the auditors'
group chat.  Used by the command line, the auditors' chat service and the posting of the final report alike."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES, normalise_language
from flows.ports import ChatLanguages, Clock, StorageUnavailable

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
    def __init__(self, store: AuditorStore, clock: Clock, configured: frozenset[int], group_chat: int | None = None,
                 languages: ChatLanguages | None = None):
        self.store = store
        self.clock = clock
        self.configured = configured
        self.group_chat = group_chat
        """The auditors' group chat (``DATATOOL_AUDITOR_CHAT_ID``), if any."""
        self.languages = languages
        """Each chat's chosen language; without it (the command line) everything is in English."""

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

    # ---- the language of auditor texts in a chat -------------------------------------------------------------------

    async def language(self, chat_id: int, language_code: str | None = None) -> str:
        """The language of auditor texts in ``chat_id``: the one chosen there with /language; else the language of
        the auditor's Telegram (``language_code``, given only for an auditor's private chat) when it is Welsh; else
        English, which is also the group chat's default.

        A Welsh default is stored the first time it is seen (never over a choice), because the digest and the final
        report go out with no update to read the auditor's Telegram language from: they then follow it too.  Storing
        it is best effort: a database that cannot take the write just now leaves the default unstored."""
        if self.languages is None:
            return DEFAULT_LANGUAGE
        chosen = await self.languages.chat_language(chat_id)
        if chosen in LANGUAGES:
            return chosen
        default = normalise_language(language_code)
        if default != DEFAULT_LANGUAGE:
            try:
                await self.languages.set_chat_language(chat_id, default, self.clock.now(), keep=True)
            except StorageUnavailable:
                pass
        return default

    async def set_language(self, chat_id: int, language: str) -> None:
        """The language chosen with /language in ``chat_id`` (an auditor's private chat or the auditors' group)."""
        if language not in LANGUAGES:
            raise ValueError(f"not a supported language: {language}")
        assert self.languages is not None, "chat languages are only stored by the running bot"
        await self.languages.set_chat_language(chat_id, language, self.clock.now())
