"""Completion: posting a council's compiled report to its auditors once, and what compiles it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from flows.i18n import DEFAULT_LANGUAGE, catalogue, in_language

if TYPE_CHECKING:
    from flows.delivery import Delivery
    from flows.manifest import Manifest
    from flows.ports.access_log import Release
    from flows.records import Campaign


SUMMARY = "summary"


@dataclass(frozen=True)
class Item:
    key: str  # unique per campaign and chat: "summary", "chart-levels-en.png", "report-en.html", ...
    kind: str  # "message" | "photo" | "document"
    text: str | None = None  # the message, or the caption
    path: Path | None = None

    @property
    def label(self) -> str:
        """How an auditor sees the item named (and names it to /resend)."""
        return self.label_in(DEFAULT_LANGUAGE)

    def label_in(self, language: str) -> str:
        return catalogue().raw("completion_summary_label", language) if self.key == SUMMARY else self.key


@dataclass(frozen=True)
class Bundle:
    campaign_id: int
    authority: str
    handle: str  # a word that names the council in a command unambiguously ("flint")
    folder: Path
    items: tuple[Item, ...]
    """What a chat in ``CHART_LANGUAGE`` (English) gets, in order."""
    by_language: Mapping[str, tuple[Item, ...]] = field(default_factory=dict)
    """What a chat in each language gets, in order (``items`` for a language missing here)."""
    authority_cy: str | None = None

    def items_in(self, language: str) -> tuple[Item, ...]:
        return self.by_language.get(language, self.items)

    def name_in(self, language: str) -> str:
        return in_language(self.authority, self.authority_cy, language)

    def only_in(self, language: str) -> set[str]:
        """Keys of the items only a chat in ``language`` gets (its charts)."""
        others = {i.key for lang, items in self.by_language.items() if lang != language for i in items}
        return {i.key for i in self.items_in(language)} - others

    def find(self, name: str, language: str = DEFAULT_LANGUAGE) -> list[Item]:
        """The items ``name`` means: the exact key, the key without its extension, or the only key starting so;
        among a chat's own items first (``language``), then any language's (an English chart asked for by name)."""
        wanted = name.strip().casefold()
        own = self.items_in(language)
        every = {i.key: i for items in (own, self.items, *self.by_language.values()) for i in items}
        for pool in (own, tuple(every.values())):
            for rule in (
                lambda k: k == wanted,
                lambda k: k.rsplit(".", 1)[0] == wanted,
                lambda k: k.startswith(wanted),
            ):
                found = [i for i in pool if rule(i.key.casefold())]
                if found:
                    return found
        return []


SENDING, SENT, UNKNOWN, FAILED = "sending", "sent", "unknown", "failed"
"""The states of a posting (and of a result sent to a respondent): being sent, sent, outcome unknown, failed."""


@dataclass(frozen=True)
class Posting:
    chat_id: int
    item: str
    status: str  # sending | sent | unknown | failed
    attempts: int
    not_before: datetime | None = None  # a failed item waiting for its next try; None when failed: given up

    @property
    def settled(self) -> bool:
        return self.status in (SENT, UNKNOWN) or (self.status == FAILED and self.not_before is None)


class Poster(Protocol):
    async def post(self, chat_id: int, item: Item) -> Delivery:
        """Send one item (a message, a photo or a document) and say what became of it."""
        ...


class PostingStore(Protocol):
    """The at-most-once record of what was posted to whom (``storage.postings.PostingRepository``)."""

    async def awaiting_post(self) -> list[int]:
        """Ids of closed campaigns whose summary is not yet settled everywhere."""
        ...

    async def claim(
        self, campaign_id: int, chat_id: int, item: str, now: datetime, *, release: Release | None = None
    ) -> int | None:
        """Commit the item as ``sending`` when it has not been tried in this chat, or failed and is due again, with
        ``release`` in the access log in the same transaction; returns the attempt number, or None (already sent, in
        doubt, in flight, not due, or given up: nothing is logged)."""
        ...

    async def record(
        self,
        campaign_id: int,
        chat_id: int,
        item: str,
        status: str,
        now: datetime,
        *,
        not_before: datetime | None = None,
        error: str | None = None,
    ) -> None: ...

    async def postings(self, campaign_id: int) -> list[Posting]: ...

    async def finished(self, campaign_id: int, now: datetime) -> None: ...

    async def recover(self) -> int:
        """Items left ``sending`` by a crash become ``unknown`` (never resent); returns how many."""
        ...


class RecipientLanguages(Protocol):
    """The language of each recipient chat (``flows.auditors.Auditors``)."""

    async def language(self, chat_id: int) -> str: ...


class ReportCompiler(Protocol):
    """Loads a campaign's submitted answers and writes the report files (``bot/compiler.py``: storage + reports/)."""

    async def write_report(self, campaign: Campaign, folder: Path, *, interim: bool) -> Manifest:
        """Write the summary, charts, reports and exports into ``folder``; the manifest of what was written (an
        output that failed to build is missing, and logged)."""
        ...

    async def write_national(self, campaigns: list[tuple[Campaign, bool]], folder: Path) -> Manifest:
        """Each council's median level per characteristic and the spread, from (campaign, interim) pairs."""
        ...

    async def stored(self, folder: Path) -> Manifest | None:
        """What an earlier compilation left in ``folder``; None when there is no such folder."""
        ...

    async def summary(self, campaign: Campaign, *, interim: bool, language: str = DEFAULT_LANGUAGE) -> str:
        """The maturity summary message (HTML), in ``language``."""
        ...


class FinalReports(Protocol):
    """What the posting loop needs besides its record (``CompletionService``)."""

    async def close_completed(self) -> list[Campaign]: ...

    async def final_bundle(self, campaign_id: int) -> Bundle: ...


class Audience(Protocol):
    """Which chats may be given a council's data (``flows.auditors.Auditors``)."""

    async def sees(self, chat_id: int, authority: str) -> bool: ...
