"""Opening the SQLite database: WAL, foreign keys, and numbered SQL migrations tracked in ``PRAGMA user_version``.

Migrations are files ``migrations/NNNN_name.sql``; file NNNN brings the schema to version NNNN.  All pending files
are applied in ONE transaction together with the new ``user_version``, so a failure leaves the database exactly as it
was.  A database whose version is newer than the newest file this code knows is refused (``DatabaseTooNew``) rather
than written to by older code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from flows.ports.errors import StorageUnavailable

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """The database cannot be used; the message says why and what to do."""


class DatabaseTooNew(DatabaseError):
    pass


class MigrationFailed(DatabaseError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    path: Path

    def statements(self) -> list[str]:
        """Split the script into complete statements (``executescript`` would commit behind our back)."""
        statements, buffer = [], ""
        for line in self.path.read_text(encoding="utf-8").splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                if buffer.strip():
                    statements.append(buffer.strip())
                buffer = ""
        if buffer.strip() and not all(
            line.strip().startswith("--") or not line.strip() for line in buffer.splitlines()
        ):
            raise MigrationFailed(f"{self.path.name}: incomplete SQL statement at the end of the file")
        return statements


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationFailed(f"{path.name}: migration files are named NNNN_description.sql")
        migrations.append(Migration(int(match.group(1)), path))
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationFailed(f"migrations in {directory} must be numbered 0001, 0002, ... without gaps: {versions}")
    return migrations


async def user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def migrate(
    conn: aiosqlite.Connection, migrations: list[Migration] | None = None, *, name: str = "database"
) -> int:
    """Bring the schema up to date; returns the resulting version."""
    migrations = discover() if migrations is None else migrations
    latest = migrations[-1].version if migrations else 0
    current = await user_version(conn)
    if current > latest:
        raise DatabaseTooNew(
            f"{name} has schema version {current}, but this datatool-bot only knows up to version {latest}: "
            "it was written by a newer release. Upgrade datatool-bot (or restore a backup made with this release)."
        )
    pending = [m for m in migrations if m.version > current]
    if not pending:
        return current
    await conn.execute("BEGIN IMMEDIATE")
    failing = pending[0].path.name
    try:
        for migration in pending:
            failing = migration.path.name
            for statement in migration.statements():
                await conn.execute(statement)
        # PRAGMA user_version is part of the transaction: it rolls back with the schema changes.
        await conn.execute(f"PRAGMA user_version = {latest:d}")
        await conn.execute("COMMIT")
    except Exception as exc:
        with contextlib.suppress(sqlite3.Error):  # a failing rollback must not hide why the migration failed
            await conn.execute("ROLLBACK")
        raise MigrationFailed(f"{name}: migration {failing} failed and nothing was changed: {exc}") from exc
    log.info("database schema migrated from version %d to %d", current, latest)
    return latest


async def _refuse_foreign(conn: aiosqlite.Connection, migrations: list[Migration] | None, path: Path) -> None:
    """Refuse, without writing anything, a database that is too new or that some other program owns."""
    version = await user_version(conn)
    known = discover() if migrations is None else migrations
    latest = known[-1].version if known else 0
    if version > latest:
        await migrate(conn, known, name=str(path))  # raises DatabaseTooNew with the full explanation
    if version == 0:
        async with conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") as cur:
            row = await cur.fetchone()
        if row and row[0]:
            raise DatabaseError(f"{path} already holds tables of another program: give datatool-bot its own file")


# SQLite's primary result codes (the low byte of ``sqlite3.Error.sqlite_errorcode``) that say what is wrong.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT = 5, 6, 8, 10, 11
SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 13, 14, 26

BUSY_TIMEOUT = 5.0
"""Seconds a statement waits for another connection's write lock before giving up with "database is locked"."""


class DatabaseReadOnly(DatabaseError):
    pass


class DatabaseLocked(DatabaseError):
    pass


def explain(path: Path, exc: sqlite3.Error) -> DatabaseError:
    """What is wrong with the database file, from SQLite's result code, and what to do about it."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    folder = path.parent if str(path.parent) not in ("", ".") else Path.cwd()
    beside = f"{path.name}-wal and {path.name}-shm"
    if primary == SQLITE_READONLY:
        return DatabaseReadOnly(
            f"{path} is read-only ({exc}): datatool-bot must be able to write to the file and to its folder {folder}, "
            f"where SQLite keeps {beside}; check their owner and permissions, and that the disk is not mounted "
            "read-only"
        )
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return DatabaseLocked(
            f"{path} is locked by another process ({exc}): is another datatool-bot (`run`, or a command) using the "
            "same file? Let it finish or stop it, then try again"
        )
    if primary == SQLITE_CANTOPEN:
        return DatabaseError(
            f"cannot open {path} ({exc}): check that this user can read and write the file and its folder {folder}, "
            f"where SQLite also creates {beside}"
        )
    if primary == SQLITE_FULL:
        return DatabaseError(f"the disk holding {path} is full ({exc}): free some space, then try again")
    if primary == SQLITE_IOERR:
        return DatabaseError(f"the disk holding {path} failed to read or write ({exc}): check the disk")
    if primary == SQLITE_CORRUPT:
        return DatabaseError(f"{path} is damaged ({exc}): restore it from a backup")
    return DatabaseError(f"{path} is not a datatool-bot database ({exc})")


# Conditions of the disk or of another process, not of the data: a write refused for one of these can be tried again
# once it is gone.  An integrity or programming error is none of them.
_UNAVAILABLE = {
    SQLITE_FULL: "the disk is full",
    SQLITE_READONLY: "the database is read-only",
    SQLITE_BUSY: "the database is locked by another process",
    SQLITE_LOCKED: "the database is locked",
    SQLITE_IOERR: "a disk I/O error",
}
_UNAVAILABLE_TEXT = {
    "database or disk is full": SQLITE_FULL,
    "readonly database": SQLITE_READONLY,
    "database is locked": SQLITE_BUSY,
    "database table is locked": SQLITE_LOCKED,
    "disk i/o error": SQLITE_IOERR,
}


def storage_unavailable(exc: BaseException) -> StorageUnavailable | None:
    """The ``StorageUnavailable`` that ``exc`` amounts to, or None when it is not a condition of the storage.

    The message names the condition and SQLite's error name only: never the statement or its parameters.
    """
    if not isinstance(exc, sqlite3.OperationalError):
        return None
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary not in _UNAVAILABLE:
        text = str(exc).lower()
        primary = next((c for fragment, c in _UNAVAILABLE_TEXT.items() if fragment in text), None)
    if primary is None:
        return None
    name = getattr(exc, "sqlite_errorname", None)
    return StorageUnavailable(f"cannot write to the database: {_UNAVAILABLE[primary]}" + (f" ({name})" if name else ""))


async def rollback_quietly(conn: aiosqlite.Connection) -> None:
    """ROLLBACK, when a failure is already on its way up: SQLite may have rolled back by itself (a full disk), or
    the rollback may fail too (an I/O error); either way the first failure is the one to report."""
    with contextlib.suppress(sqlite3.Error, ValueError):  # ValueError: aiosqlite's connection is already closed
        await conn.execute("ROLLBACK")


async def _check_writable(conn: aiosqlite.Connection) -> None:
    """Fail now, not at the first answer, if the file cannot be written or another process holds its write lock.

    ``BEGIN IMMEDIATE`` takes the write lock (busy: locked); rewriting ``user_version`` with its own value dirties
    the first page (read-only: refused).  The rollback leaves the file exactly as it was.
    """
    version = await user_version(conn)
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute(f"PRAGMA user_version = {version:d}")
    except sqlite3.Error:
        await rollback_quietly(conn)
        raise
    await conn.execute("ROLLBACK")


async def connect(
    path: Path | str, migrations: list[Migration] | None = None, *, busy_timeout: float = BUSY_TIMEOUT
) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database. Autocommit mode: transactions are explicit."""
    path = Path(path)
    if str(path) != ":memory:" and not path.parent.exists():
        raise DatabaseError(f"cannot create {path}: folder {path.parent} does not exist")
    if str(path) != ":memory:":
        # a new database is readable by its owner only, whoever starts the bot and whatever their umask: SQLite gives
        # -wal and -shm the database file's own mode.  O_EXCL: an existing file is left as it is.
        with contextlib.suppress(OSError):  # it exists, or its folder cannot be entered or written: sqlite3 says so
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        # Opened once without aiosqlite first: when aiosqlite's connect fails, its worker thread is left to report
        # back to an event loop that may be closed by then (a stray traceback on the way out of the command line).
        await asyncio.to_thread(lambda: sqlite3.connect(path).close())
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise explain(path, exc) from exc
    try:
        conn.row_factory = aiosqlite.Row
        for pragma in WRITING_PRAGMAS:
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute(f"PRAGMA busy_timeout = {round(busy_timeout * 1000):d}")
        await _refuse_foreign(conn, migrations, path)  # before WAL: switching modes writes to the file
        await _check_writable(conn)
        await conn.execute("PRAGMA journal_mode = WAL")
        await migrate(conn, migrations, name=str(path))
    except sqlite3.Error as exc:
        await conn.close()
        raise explain(path, exc) from exc
    except BaseException:
        await conn.close()
        raise
    return conn


WRITING_PRAGMAS = ("foreign_keys = ON", "secure_delete = ON", "synchronous = FULL")
"""Set on every connection that writes (``connect``'s and ``open_writer``'s), so both are alike: foreign keys
enforced; deleted rows (a withdrawn respondent's answers) overwritten with zeros, not left in free pages; FULL, so an
answer acknowledged to the respondent survives a power cut as well as a crash."""


def open_reader(path: Path | str) -> sqlite3.Connection:
    """A second, read-only connection for the event loop's own thread, for the one read on every press.

    A read of a few indexed rows takes SQLite microseconds, but a trip to aiosqlite's thread costs a busy bot far
    more (a hand-off between threads, measured by ``make bench``), so that read runs inline here.  WAL lets it read
    the last committed state while the writer works; it never writes (``query_only``), and it waits at most
    ``READER_BUSY_TIMEOUT`` for a lock, after which the caller falls back to the aiosqlite connection.
    """
    reader = sqlite3.connect(path, isolation_level=None)
    reader.row_factory = sqlite3.Row
    reader.execute("PRAGMA query_only = ON")
    reader.execute(f"PRAGMA busy_timeout = {round(READER_BUSY_TIMEOUT * 1000):d}")
    return reader


READER_BUSY_TIMEOUT = 0.05
"""Seconds the inline reader may hold up the event loop waiting for a lock (rare in WAL) before giving up."""


def open_writer(path: Path | str) -> sqlite3.Connection:
    """A writing connection for the event loop's own thread, for the one write on every press.

    A trip to aiosqlite's thread costs a busy bot far more CPU than the SQL it carries (under the burst benchmark,
    15 context switches per press from the hand-offs, against about 3 inline).  The commit itself takes SQLite a
    fraction of a millisecond, so the press's single-statement write runs here instead, as durably as on the main
    connection (``synchronous = FULL``, foreign keys on).  It never waits for a lock (``busy_timeout`` 0): when
    another connection is writing, :func:`write_inline` says so at once and the caller goes through aiosqlite,
    which waits its turn.
    """
    writer = sqlite3.connect(path, isolation_level=None)
    for pragma in (*WRITING_PRAGMAS, "busy_timeout = 0"):
        writer.execute(f"PRAGMA {pragma}")
    return writer


def write_inline(writer: sqlite3.Connection | None, sql: str, params: Sequence[object]) -> bool:
    """Run ``sql``, ONE statement (its own atomic, durable transaction), on ``writer``; False when there is no
    writer or the statement failed (another connection holds the write lock, a full disk, a constraint), for the
    caller to run it through aiosqlite, which waits for the lock and names what is wrong.  Only a statement that may
    safely run twice belongs here: a commit that failed may still have reached the file."""
    if writer is None:
        return False
    try:
        writer.execute(sql, params)
    except sqlite3.Error:
        return False
    return True
