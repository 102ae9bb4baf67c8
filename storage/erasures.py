"""The erasure ledger: every withdrawal and every purge, recorded OUTSIDE the database, so that restoring a backup
never brings back a person who withdrew, or a campaign purged, after the backup was taken (issue 23, item 4).

The ledger is a file beside the database (``<database>.erasures.jsonl``, or ``DATATOOL_ERASURE_LEDGER``): one JSON
object a line, appended and ``fsync``'d in the same step as the erasure it records — inside the withdrawal's or the
purge's transaction, before it commits — readable by its owner only (0600).  A line says what was erased, by
campaign and invitation hash, never by person:

- ``{"erased": "withdrawal", "campaign": 3, "created": "<the campaign's created_at>", "invitation": "<sha256 of the
  token>", "at": "<when>"}``
- ``{"erased": "purge", "campaign": 3, "created": "...", "at": "...", "keep_reports": true}``

``created`` pins the campaign: a backup older than a campaign may later give its id to another one, which a purge of
the first must never touch.  At every start (``storage.retention.reapply``) each line is applied again to whatever
database is there; on a database that already reflects it, that changes nothing.

When a campaign is purged its withdrawal lines are dropped from the ledger (rewritten atomically: a new file,
``fsync``, rename): the purge line covers them, and the invitation hashes they held are respondent-level data that
the purge is there to remove.  A torn last line (the process killed while appending, before its transaction could
commit) is ignored; any other line that cannot be read stops the bot, naming the file and line, since an erasure
that cannot be read cannot be applied.
"""

from __future__ import annotations

import contextlib
import json
import os
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from storage.database import DatabaseError

LEDGER_SUFFIX = ".erasures.jsonl"
WITHDRAWAL, PURGE = "withdrawal", "purge"
PRIVATE_FILE = 0o600


class LedgerDamaged(DatabaseError):
    """A line of the ledger cannot be read: the message names the file and the line, never its contents.  Like a
    damaged database, it stops the bot and the command line with that one line."""


@dataclass(frozen=True)
class Erasure:
    kind: str  # WITHDRAWAL | PURGE
    campaign_id: int
    created: str  # the campaign's created_at: the same id in an older backup may be another campaign
    at: str  # ISO-8601 UTC, as the database writes times
    invitation: str | None = None  # a withdrawal's invitation: the SHA-256 of its token, as the database holds it
    keep_reports: bool | None = None  # a purge: whether the compiled reports were kept (applied again alike)

    def line(self) -> str:
        fields: dict[str, object] = {
            "erased": self.kind,
            "campaign": self.campaign_id,
            "created": self.created,
            "at": self.at,
        }
        if self.invitation is not None:
            fields["invitation"] = self.invitation
        if self.keep_reports is not None:
            fields["keep_reports"] = self.keep_reports
        return json.dumps(fields, sort_keys=True, separators=(",", ":")) + "\n"

    @classmethod
    def parse(cls, text: str) -> Erasure:
        fields = json.loads(text)
        kind = fields["erased"]
        if kind not in (WITHDRAWAL, PURGE) or not isinstance(fields["campaign"], int):
            raise ValueError("not an erasure")
        invitation = fields.get("invitation") if kind == WITHDRAWAL else None
        if kind == WITHDRAWAL and not isinstance(invitation, str):
            raise ValueError("a withdrawal without its invitation")
        keep = bool(fields.get("keep_reports", True)) if kind == PURGE else None
        return cls(kind, fields["campaign"], str(fields["created"]), str(fields["at"]), invitation, keep)


def ledger_beside(db_path: Path | str) -> Path:
    path = Path(db_path)
    return path.with_name(path.name + LEDGER_SUFFIX)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a folder be opened for fsync
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class ErasureLedger:
    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"ErasureLedger({str(self.path)!r})"

    def append(self, erasures: Iterable[Erasure]) -> int:
        """Append and fsync; returns how many lines.  A line a crash cut short (after the last newline) is dropped
        first: its transaction never committed, and the next line must not be glued to it."""
        lines = "".join(e.line() for e in erasures)
        if not lines:
            return 0
        new = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, PRIVATE_FILE)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                whole = os.pread(fd, size, 0)
                os.ftruncate(fd, whole.rfind(b"\n") + 1)
            os.write(fd, lines.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        if new:
            _fsync_folder(self.path.parent)
        return lines.count("\n")

    def entries(self) -> list[Erasure]:
        """Every erasure, in the order recorded; ``LedgerDamaged`` for a line that cannot be read (but the last)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise LedgerDamaged(f"cannot read the erasure ledger {self.path}: {type(exc).__name__}") from None
        lines = text.split("\n")
        found = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                found.append(Erasure.parse(line))
            except (ValueError, KeyError, TypeError):
                torn = number == len(lines) and not text.endswith("\n")
                if torn:  # cut short by a crash mid-append: its transaction never committed
                    continue
                raise LedgerDamaged(
                    f"the erasure ledger {self.path} cannot be read at line {number}: restore the file from the "
                    "backup folder's copy (erasures.jsonl), or remove that line if it was added by hand"
                ) from None
        return found

    def has(self, erasure: Erasure) -> bool:
        return erasure in self.entries()

    def rewrite(self, erasures: Iterable[Erasure]) -> None:
        """Replace the ledger with ``erasures`` atomically (a new file, fsync, rename, fsync of the folder)."""
        part = self.path.with_name(self.path.name + ".part")
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        try:
            os.write(fd, "".join(e.line() for e in erasures).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(part, self.path)
        _fsync_folder(self.path.parent)

    def forget_withdrawals(self, campaign_id: int, created: str) -> int:
        """After a purge: drop the campaign's withdrawal lines (with their invitation hashes), which its purge line
        covers.  Returns how many were dropped."""
        entries = self.entries()
        kept = [
            e for e in entries if not (e.kind == WITHDRAWAL and e.campaign_id == campaign_id and e.created == created)
        ]
        if len(kept) != len(entries):
            self.rewrite(kept)
        return len(entries) - len(kept)

    def merge(self, other: Iterable[Erasure]) -> int:
        """Add the erasures of another copy of the ledger (the backup folder's) that this one lacks; returns how many
        were added.  A withdrawal of a campaign purged since is not taken back in: its purge covers it."""
        have = self.entries()
        purged = {(e.campaign_id, e.created) for e in have if e.kind == PURGE}
        incoming = list(other)
        purged |= {(e.campaign_id, e.created) for e in incoming if e.kind == PURGE}
        known = set(have)
        missing = [
            e
            for e in incoming
            if e not in known and not (e.kind == WITHDRAWAL and (e.campaign_id, e.created) in purged)
        ]
        return self.append(dict.fromkeys(missing))  # each once, in their order

    def copy_to(self, target: Path) -> None:
        """A copy of the ledger as it is now (for the backup folder), written atomically, 0600."""
        ErasureLedger(target).rewrite(self.entries())


# ---- which ledger a connection writes to ---------------------------------------------------------------------------

_LEDGERS: weakref.WeakKeyDictionary[aiosqlite.Connection, ErasureLedger | None] = weakref.WeakKeyDictionary()


def use_ledger(conn: aiosqlite.Connection, ledger: ErasureLedger | None) -> None:
    """Erasures made on ``conn`` are recorded in ``ledger`` (the bot's configured one, ``DATATOOL_ERASURE_LEDGER``);
    a connection given none records beside its database file."""
    _LEDGERS[conn] = ledger


async def ledger_of(conn: aiosqlite.Connection) -> ErasureLedger | None:
    """The ledger erasures on ``conn`` go to: the one set with :func:`use_ledger`, else beside the database file;
    None for a database in memory."""
    if conn in _LEDGERS:
        return _LEDGERS[conn]
    rows = await conn.execute_fetchall("PRAGMA database_list")
    main = next((row[2] for row in rows if row[1] == "main"), "")
    ledger = ErasureLedger(ledger_beside(main)) if main else None
    _LEDGERS[conn] = ledger
    return ledger
