"""Backing the database up while the bot runs, and restoring a backup (issue 23, item 4).

- ``backup_database``: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot while
  the bot goes on writing (WAL: the copy reads one snapshot, writers are not held up); the copy is made a single
  self-contained file (rollback journal, no ``-wal``), checked with ``PRAGMA integrity_check``, fsync'd and only then
  renamed into place, readable by its owner only (0600).  A copy that fails its check is removed, never left looking
  like a backup.
- ``restore_database``: checks the copy (whole, a datatool-bot database, a schema this release knows), refuses while
  ``datatool-bot run`` holds the database (``RunLock``), copies it beside the database, migrates it, applies the
  erasure ledger to it (``storage.retention.reapply``: nobody who withdrew, no campaign purged, after the backup was
  taken comes back), then moves the current database (with its ``-wal`` and ``-shm``) aside as
  ``<database>.before-restore-<time>`` and puts the copy in its place.
- ``RunLock``: ``run`` holds an exclusive ``flock`` on ``<database>.lock`` for as long as it runs (released by the
  kernel however the process ends, SIGKILL included), so a restore cannot swap the file under a running bot.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flows.backups import LEDGER_COPY, NotRestorable, check_restorable
from flows.ports.backups import BackupInfo
from storage.database import BUSY_TIMEOUT, DatabaseError, connect, discover
from storage.erasures import ErasureLedger, use_ledger
from storage.retention import Reapplied, checkpoint, reapply

PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupFailed(DatabaseError):
    """The backup could not be taken or did not pass its check; nothing was left at the target."""


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(folder)


def _private_new(path: Path) -> None:
    """Create ``path`` empty, 0600, whatever the umask (and fail if something is there)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def _remove_with_side_files(path: Path) -> None:
    for suffix in ("", *SIDE_FILES):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def inspect(conn: sqlite3.Connection, size: int = 0) -> BackupInfo:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    integrity = "ok" if [tuple(r) for r in rows] == [("ok",)] else str(rows[0][0])
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    tables = frozenset(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
    return BackupInfo(integrity, version, tables, size)


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A backup opened without changing it (a copy still in WAL mode, without its -shm, as immutable)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.Error:
        return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def inspect_file(path: Path) -> BackupInfo:
    """What a backup file says about itself; ``NotRestorable`` when it is no SQLite database at all."""
    if not path.is_file():
        raise NotRestorable(f"{path} is not a file")
    try:
        conn = _open_read_only(path)
        try:
            return inspect(conn, path.stat().st_size)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotRestorable(f"{path} is not an SQLite database ({exc})") from None


def _copy(source: sqlite3.Connection, target: Path) -> BackupInfo:
    """The online backup of ``source`` into a new file ``target`` (0600), made self-contained and checked."""
    _private_new(target)
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one file: the copy needs no -wal beside it
        return inspect(copy, target.stat().st_size)
    finally:
        copy.close()


def backup_database(db_path: Path, out: Path) -> BackupInfo:
    """A consistent, checked copy of the database at ``out`` (0600), taken while the bot may be writing; written
    under a temporary name and renamed into place only once checked and on disk.  ``BackupFailed`` otherwise."""
    if not db_path.is_file():
        raise BackupFailed(f"there is no database at {db_path} to back up")
    if out.resolve() == db_path.resolve():
        raise BackupFailed(f"{out} is the database itself: give another file")
    part = out.with_name(f".{out.name}.part")
    _remove_with_side_files(part)
    try:
        source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
        try:
            info = _copy(source, part)
        finally:
            source.close()
    except sqlite3.Error as exc:
        _remove_with_side_files(part)
        raise BackupFailed(f"cannot back up {db_path}: {exc}") from None
    if info.integrity != "ok":
        _remove_with_side_files(part)
        raise BackupFailed(
            f"the copy of {db_path} failed its integrity check ({info.integrity}): the database itself "
            f"may be damaged; nothing was written to {out}"
        )
    _fsync(part)
    os.replace(part, out)
    os.chmod(out, PRIVATE_FILE)
    _fsync_folder(out.parent)
    return info


class BackupFolder:
    """``flows.backups.BackupFolder`` on a folder of the file system (created 0700 when missing)."""

    def __init__(self, folder: Path, db_path: Path, ledger: ErasureLedger | None):
        self.folder, self.db_path, self.ledger = Path(folder), Path(db_path), ledger

    def names(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if p.is_file()) if self.folder.is_dir() else []

    async def take(self, name: str) -> BackupInfo:
        import asyncio

        return await asyncio.to_thread(self._take, name)

    def _take(self, name: str) -> BackupInfo:
        if not self.folder.exists():
            self.folder.mkdir(parents=True, mode=PRIVATE_FOLDER)
            os.chmod(self.folder, PRIVATE_FOLDER)
        info = backup_database(self.db_path, self.folder / name)
        if self.ledger is not None:
            self.ledger.copy_to(self.folder / LEDGER_COPY)
        return info

    def remove(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


# ---- only one process may hold the database while a restore swaps it --------------------------------------------


class RunLock:
    """An exclusive ``flock`` on ``<database>.lock``: ``run`` holds it while it runs, ``restore`` while it works."""

    def __init__(self, db_path: Path):
        self.path = Path(db_path).with_name(Path(db_path).name + ".lock")
        self._fd: int | None = None

    def acquire(self, what: str, *, after_restore: bool = True) -> RunLock:
        """Hold the lock, or ``DatabaseError`` when another process does, or (``after_restore``) when a restore was
        interrupted half-way.  A folder where no lock file can be made (missing, read-only) holds no database this
        process could write either: opening it says so."""
        database = self.path.with_suffix("")
        if after_restore and interrupted_marker(database).exists():
            raise DatabaseError(
                f"{what}: a restore of {database} was interrupted before it finished: run "
                "`datatool-bot restore FILE` again with the same backup, then start"
            )
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE)
        except OSError:
            return self
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseError(
                f"{what}: another datatool-bot (`run`, or a restore) is using {database} right now: stop it first"
            ) from None
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @contextlib.contextmanager
    def held(self, what: str, *, after_restore: bool = True) -> Iterator[RunLock]:
        self.acquire(what, after_restore=after_restore)
        try:
            yield self
        finally:
            self.release()


# ---- restore -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Restored:
    info: BackupInfo
    """The backup as it was (its schema version before migrating)."""
    schema_version: int
    """The database's schema version now."""
    aside: Path | None
    """Where the database it replaced was kept (None: there was none)."""
    reapplied: Reapplied
    merged: int
    """Erasures taken from the backup folder's copy of the ledger that the ledger itself lacked."""


async def restore_database(backup: Path, db_path: Path, ledger: ErasureLedger, now: datetime) -> Restored:
    """Replace the database with ``backup`` (see the module's docstring); ``NotRestorable`` or ``DatabaseError`` with
    nothing changed when it cannot."""
    backup, db_path = Path(backup), Path(db_path)
    if db_path.exists() and backup.resolve() == db_path.resolve():
        raise NotRestorable(f"{backup} is the database itself: give a backup file")
    info = inspect_file(backup)
    latest = discover()[-1].version
    check_restorable(info, latest, str(backup))
    with RunLock(db_path).held("cannot restore", after_restore=False):
        copy_of_ledger = backup.parent / LEDGER_COPY
        merged = (
            ledger.merge(ErasureLedger(copy_of_ledger).entries())
            if copy_of_ledger.is_file() and copy_of_ledger.resolve() != ledger.path.resolve()
            else 0
        )
        part = db_path.with_name(db_path.name + ".restoring")
        _remove_with_side_files(part)
        try:
            source = _open_read_only(backup)
            try:
                _copy(source, part)
            finally:
                source.close()
            conn = await connect(part)  # migrates an older schema, in WAL mode like the database it replaces
            try:
                use_ledger(conn, ledger)
                reapplied = await reapply(conn, ledger, now)
                await checkpoint(conn)
                version = int(next(iter(await conn.execute_fetchall("PRAGMA user_version")))[0])
            finally:
                await conn.close()
        except BaseException:
            _remove_with_side_files(part)
            raise
        # The swap: a few renames.  Until the last one is on disk a marker says a restore is under way, and `run`
        # refuses to start on a half-swapped database (``RunLock``); running the restore again finishes it.
        marker = interrupted_marker(db_path)
        marker.write_text(f"restoring {backup}\n", encoding="utf-8")
        _fsync(marker)
        _fsync_folder(db_path.parent)
        aside = None
        if db_path.exists():
            aside = db_path.with_name(f"{db_path.name}.before-restore-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}")
            for suffix in ("", *SIDE_FILES):
                current = db_path.with_name(db_path.name + suffix)
                if current.exists():
                    os.replace(current, aside.with_name(aside.name + suffix))
        for suffix in SIDE_FILES:  # the copy was closed cleanly: normally there are none
            side = part.with_name(part.name + suffix)
            if side.exists():
                os.replace(side, db_path.with_name(db_path.name + suffix))
        _fsync(part)
        os.replace(part, db_path)
        os.chmod(db_path, PRIVATE_FILE)
        _fsync_folder(db_path.parent)
        marker.unlink()
        _fsync_folder(db_path.parent)
    return Restored(info, version, aside, reapplied, merged)


def interrupted_marker(db_path: Path) -> Path:
    """Present while a restore swaps the database file: its absence says the database is whole."""
    return Path(db_path).with_name(Path(db_path).name + ".restore-incomplete")
