"""The access log: the append-only record of who was given what."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

COLUMNS = ("seq", "at", "who", "os_user", "what", "campaign_id", "authority", "detail", "prev_hash", "hash")
"""The CSV columns of ``datatool-bot audit-log``."""


@dataclass(frozen=True)
class Release:
    """An entry before it is chained: what the use case knows."""

    at: str
    who: str
    what: str
    campaign_id: int | None = None
    authority: str | None = None
    detail: str = ""
    os_user: str = ""


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    who: str
    os_user: str
    what: str
    campaign_id: int | None
    authority: str | None
    detail: str
    prev_hash: str
    hash: str

    def row(self) -> tuple[object, ...]:
        return tuple(getattr(self, c) for c in COLUMNS)

    def fields(self) -> Release:
        """What was hashed, besides the number and the link."""
        return Release(self.at, self.who, self.what, self.campaign_id, self.authority, self.detail, self.os_user)


class AccessLogStore(Protocol):
    """The log in SQL (``storage.access_log.AccessLogRepository``); also appended to inside other transactions (a
    posting's claim, an auditor added or removed)."""

    async def append(self, release: Release) -> Entry:
        """Chain ``release`` to the newest entry and write it, in one transaction."""
        ...

    async def entries(self, campaign_id: int | None = None, since: str | None = None) -> list[Entry]:
        """Entries in order, all of them or those of one campaign, at or after ``since`` (ISO UTC)."""
        ...
