"""Opening the SQLite database: WAL, foreign keys, and numbered SQL migrations tracked in ``PRAGMA user_version``.

Migrations are files ``migrations/NNNN_name.sql``; file NNNN brings the schema to version NNNN.  All pending files
are applied in ONE transaction together with the new ``user_version``, so a failure leaves the database exactly as it
was.  A database whose version is newer than the newest file this code knows is refused (``DatabaseTooNew``) rather
than written to by older code.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

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
        if buffer.strip() and not all(l.strip().startswith("--") or not l.strip() for l in buffer.splitlines()):
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


async def migrate(conn: aiosqlite.Connection, migrations: list[Migration] | None = None, *, name: str = "database") -> int:
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
        await conn.execute("ROLLBACK")
        raise MigrationFailed(f"{name}: migration {failing} failed and nothing was changed: {exc}") from exc
    log.info("database schema migrated from version %d to %d", current, latest)
    return latest


async def _refuse_foreign(conn: aiosqlite.Connection, migrations: list[Migration] | None, path: Path) -> None:
    """Refuse, without writing anything, a database that is too new or that some other program owns."""
    version = await user_version(conn)
    known = (discover() if migrations is None else migrations)
    latest = known[-1].version if known else 0
    if version > latest:
        await migrate(conn, known, name=str(path))  # raises DatabaseTooNew with the full explanation
    if version == 0:
        async with conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") as cur:
            row = await cur.fetchone()
        if row and row[0]:
            raise DatabaseError(f"{path} already holds tables of another program: give datatool-bot its own file")


async def connect(path: Path | str, migrations: list[Migration] | None = None) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database. Autocommit mode: transactions are explicit."""
    path = Path(path)
    if str(path) != ":memory:" and not path.parent.exists():
        raise DatabaseError(f"cannot create {path}: folder {path.parent} does not exist")
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot open {path}: {exc}") from exc
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await _refuse_foreign(conn, migrations, path)  # before WAL: switching modes writes to the file
        await conn.execute("PRAGMA journal_mode = WAL")
        # FULL: an answer acknowledged to the respondent survives a power cut as well as a crash.
        await conn.execute("PRAGMA synchronous = FULL")
        await migrate(conn, migrations, name=str(path))
    except sqlite3.DatabaseError as exc:
        await conn.close()
        raise DatabaseError(f"{path} is not a datatool-bot database ({exc})") from exc
    except BaseException:
        await conn.close()
        raise
    return conn
