"""Backups: the nightly copy of the database, and what a copy must pass before it is restored (issue 23, item 4).

The bot takes a backup every night at ``DATATOOL_BACKUP_TIME`` into ``DATATOOL_BACKUP_DIR`` and keeps the newest
``DATATOOL_BACKUPS_KEPT``; one missed while the bot was stopped is taken at the next tick after it starts (the tick
looks at the newest backup in the folder, not at an in-memory schedule, so a restart changes nothing).  Each backup is
taken with SQLite's online backup API while the bot runs, checked (SQLite's integrity check, run on the copy) and made
readable by its owner only (``storage.backup``); beside them the folder keeps a copy of the erasure ledger
(``erasures.jsonl``), so that losing the disk that holds the database does not lose the record of erasures too.

A copy is restored only if it is whole (its integrity check passes), is a datatool-bot database, and its schema is not
newer than this release knows (an older one is migrated as it is restored).

Pure and clock-free: the folder is the ``BackupFolder`` port, the time comes from the ``Clock``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.ports.backups import BackupFolder, BackupInfo
from flows.ports.clock import Clock

log = logging.getLogger(__name__)

_NAME = re.compile(r"^datatool-(\d{8}T\d{6}Z)\.db$")
LEDGER_COPY = "erasures.jsonl"
"""The copy of the erasure ledger kept in the backup folder."""
REQUIRED_TABLES = frozenset({"campaigns", "invitations", "answers"})


def backup_name(moment: datetime) -> str:
    """``datatool-20261125T023000Z.db``: the UTC time it was taken, so the names sort by age."""
    return f"datatool-{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}.db"


def taken_at(name: str) -> datetime | None:
    """When a backup of this folder was taken, from its name; None for any other file."""
    match = _NAME.match(name)
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if match else None


def last_scheduled(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The most recent moment, at or before ``now``, that the nightly backup was due (``at`` local time)."""
    local = now.astimezone(zone)
    for days_back in (0, 1, 2):  # two days back is enough whatever a change of clocks does
        day = local.date() - timedelta(days=days_back)
        due = datetime.combine(day, at, tzinfo=zone)
        if due <= local:
            return due.astimezone(UTC)
    raise AssertionError("unreachable")  # pragma: no cover


def due(now: datetime, newest: datetime | None, at: time, zone: ZoneInfo) -> bool:
    """Is a backup due: none was taken since the last scheduled time (or there is none at all)?"""
    return newest is None or newest < last_scheduled(now, at, zone)


def beyond(names: Iterable[str], keep: int) -> list[str]:
    """The backups to remove so that the newest ``keep`` remain (only files named as backups are ever counted)."""
    dated = sorted(((taken, name) for name in names if (taken := taken_at(name)) is not None), reverse=True)
    return [name for _, name in dated[keep:]]


# ---- checking a copy ------------------------------------------------------------------------------------------------


class NotRestorable(Exception):
    """The copy must not replace the database; the message says why and what to do."""


def check_restorable(info: BackupInfo, latest: int, name: str) -> None:
    if info.integrity != "ok":
        raise NotRestorable(f"{name} is damaged (integrity check: {info.integrity}): choose another backup")
    if info.schema_version == 0 or not REQUIRED_TABLES <= info.tables:
        raise NotRestorable(f"{name} is not a datatool-bot database")
    if info.schema_version > latest:
        raise NotRestorable(
            f"{name} has schema version {info.schema_version}, but this datatool-bot only knows up to "
            f"version {latest}: it was made by a newer release; restore it with that release"
        )


# ---- the nightly backup ---------------------------------------------------------------------------------------------


class BackupService:
    def __init__(self, folder: BackupFolder, clock: Clock, zone: ZoneInfo, at: time, keep: int):
        self.folder, self.clock, self.zone, self.at, self.keep = folder, clock, zone, at, keep

    def newest(self) -> datetime | None:
        return max((t for n in self.folder.names() if (t := taken_at(n)) is not None), default=None)

    async def tick(self) -> str | None:
        """Take the nightly backup if it is due, then keep only the newest ``keep``; the name taken, or None."""
        now = self.clock.now()
        if not due(now, self.newest(), self.at, self.zone):
            return None
        name = backup_name(now)
        info = await self.folder.take(name)
        removed = beyond(self.folder.names(), self.keep)
        for old in removed:
            self.folder.remove(old)
        log.info(
            "backup %s taken (%d bytes, schema version %d); %d old backup(s) removed",
            name,
            info.size,
            info.schema_version,
            len(removed),
        )
        return name
