"""Who is an auditor, and which councils each may see; and the language auditor texts take in each auditor's chat
and in the auditors' group chat.  Used by the command line, the auditors' chat service and the posting of the final
report alike.

Auditors are the Telegram user ids from settings (``DATATOOL_AUDITOR_IDS``) and those added with ``datatool-bot
auditors add ID [--authority NAME ...]``.  One added with councils listed sees only those (``Auditors.scope``): their
commands, buttons, digest and final reports; one added with none listed, and every id from settings, sees every
council (the national lead).  The auditors' group chat (``DATATOOL_AUDITOR_CHAT_ID``), set in settings too, gets every
council's digest and reports.  Adding and removing an auditor is written to the access log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.access_log import AUDITOR_ADDED, AUDITOR_REMOVED, AccessLog, auditor
from flows.campaigns import AmbiguousAuthority, CampaignService, NoAuthority, match
from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES, normalise_language
from flows.ports.auditors import AuditorStore, ChatLanguages
from flows.ports.clock import Clock
from flows.ports.errors import StorageUnavailable
from flows.records import Campaign

CONFIGURED, ADDED = "settings", "added"
"""Where an auditor comes from (``Auditors.listing``)."""
EVERY_COUNCIL = "all councils"


class ConfiguredEverywhere(ValueError):
    """Councils given for an id from ``DATATOOL_AUDITOR_IDS``, which means every council: settings win."""

    def __init__(self, user_id: int):
        super().__init__(
            f"{user_id} is in DATATOOL_AUDITOR_IDS, which means all councils: remove it there first to limit it to some"
        )
        self.user_id = user_id


def describe(scope: frozenset[str] | None) -> str:
    """A scope in words, for the terminal and the access log."""
    return EVERY_COUNCIL if scope is None else "; ".join(sorted(scope))


async def campaign_in_scope(campaigns: CampaignService, query: str, scope: frozenset[str]) -> Campaign:
    """``CampaignService.campaign_for`` among the councils of ``scope`` only: the query is matched against their
    English and Welsh names alone, so a council outside it is ``NoAuthority`` (exactly as one that does not exist),
    and an ambiguous query lists none of the others."""
    pairs = [(name, cy) for name, cy in await campaigns.store.authority_names() if name in scope]
    by_any = {name: name for name, _ in pairs} | {cy: name for name, cy in pairs if cy}
    names = sorted({by_any[m] for m in match(query, list(by_any))})
    if not names:
        raise NoAuthority(query)
    if len(names) > 1:
        raise AmbiguousAuthority(query, names)
    return await campaigns.campaign_for(names[0])  # its exact English name: that council's campaign


class Auditors:
    def __init__(
        self,
        store: AuditorStore,
        clock: Clock,
        configured: frozenset[int],
        group_chat: int | None = None,
        languages: ChatLanguages | None = None,
    ):
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

    async def add(self, user_id: int, authorities: Sequence[str] = (), *, log: AccessLog | None = None) -> bool:
        """Add an auditor limited to ``authorities`` (English names, as ``CampaignService.find_authority`` gives
        them; none: every council), or set an existing one's councils to these; False when they already were one.
        ``ConfiguredEverywhere`` for councils given to an id from settings."""
        if authorities and user_id in self.configured:
            raise ConfiguredEverywhere(user_id)
        scope = frozenset(authorities) or None
        release = (
            None
            if log is None
            else log.release(AUDITOR_ADDED, detail=f"{auditor(user_id)}; councils: {describe(scope)}")
        )
        return await self.store.add_auditor(user_id, self.clock.now(), sorted(scope or ()), release)

    async def remove(self, user_id: int, *, log: AccessLog | None = None) -> bool:
        """Only the stored list can be changed here: an id from settings stays until settings change."""
        release = None if log is None else log.release(AUDITOR_REMOVED, detail=auditor(user_id))
        return await self.store.remove_auditor(user_id, release)

    # ---- which councils each sees ------------------------------------------------------------------------------------

    async def scope(self, user_id: int) -> frozenset[str] | None:
        """The councils (English names) ``user_id`` may see, or None: every council (an id from settings, or one
        added with no council listed)."""
        if user_id in self.configured:
            return None
        return frozenset(await self.store.auditor_authorities(user_id)) or None

    async def sees(self, chat_id: int, authority: str) -> bool:
        """Whether a recipient chat may be given ``authority``'s data: the auditors' group chat sees every council;
        an auditor's private chat (its id is theirs) what their scope allows."""
        if chat_id == self.group_chat:
            return True
        scope = await self.scope(chat_id)
        return scope is None or authority in scope

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
