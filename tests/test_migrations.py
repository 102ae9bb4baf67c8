"""storage.database: opening, migrating, refusing newer databases, rolling back failed migrations."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from storage.database import (
    MIGRATIONS_DIR,
    DatabaseError,
    DatabaseTooNew,
    Migration,
    MigrationFailed,
    connect,
    discover,
    migrate,
    user_version,
)

INITIAL = MIGRATIONS_DIR / "0001_initial.sql"
TABLES_0001 = {"authorities", "campaigns", "invitations", "answers", "submissions"}


# -- helpers -----------------------------------------------------------------------------------------------------


async def tables(conn: aiosqlite.Connection) -> set[str]:
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
        return {row[0] for row in await cur.fetchall()}


async def schema(conn: aiosqlite.Connection) -> list[tuple]:
    async with conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name") as cur:
        return [tuple(row) for row in await cur.fetchall()]


async def columns(conn: aiosqlite.Connection, table: str) -> list[str]:
    async with conn.execute(f"PRAGMA table_info({table})") as cur:
        return [row[1] for row in await cur.fetchall()]


def sync_version(path: Path) -> int:
    with sqlite3.connect(path) as plain:
        return plain.execute("PRAGMA user_version").fetchone()[0]


def sync_tables(path: Path) -> set[str]:
    plain = sqlite3.connect(path)
    try:
        return {r[0] for r in plain.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        plain.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def mig_dir(tmp_path: Path) -> Path:
    """A migrations folder holding a copy of the real 0001 only."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(INITIAL, folder / INITIAL.name)
    return folder


BROKEN_0002 = "CREATE TABLE from_0002 (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);\n"
SYNTAX_0002 = "CREATE TABLE from_0002 (id INTEGER PRIMARY KEY);\nCREATE TABEL oops (x);\n"


# -- fresh database ----------------------------------------------------------------------------------------------


async def test_fresh_database_is_fully_migrated(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    conn = await connect(path)
    try:
        shipped = sorted(MIGRATIONS_DIR.glob("*.sql"))
        assert shipped and shipped[0].name == INITIAL.name
        assert await user_version(conn) == len(shipped)
        assert [m.version for m in discover()] == list(range(1, len(shipped) + 1))
        assert TABLES_0001 <= await tables(conn)
        async with conn.execute("PRAGMA journal_mode") as cur:
            assert (await cur.fetchone())[0].lower() == "wal"
        async with conn.execute("PRAGMA foreign_keys") as cur:
            assert (await cur.fetchone())[0] == 1
    finally:
        await conn.close()
    assert sync_version(path) == len(shipped)  # persisted, not just in the connection


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    conn = await connect(tmp_path / "fk.db")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            await conn.execute(
                "INSERT INTO campaigns (authority_id, opens_on, closes_on, created_at) "
                "VALUES (999, '2026-01-01', '2026-02-01', '2026-01-01T00:00:00+00:00')"
            )
        async with conn.execute("SELECT count(*) FROM campaigns") as cur:
            assert (await cur.fetchone())[0] == 0
        # the same insert is accepted once the authority exists
        await conn.execute("INSERT INTO authorities (id, name) VALUES (999, 'Flintshire')")
        await conn.execute(
            "INSERT INTO campaigns (authority_id, opens_on, closes_on, created_at) "
            "VALUES (999, '2026-01-01', '2026-02-01', '2026-01-01T00:00:00+00:00')"
        )
    finally:
        await conn.close()


async def test_connect_twice_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "twice.db"
    conn = await connect(path)
    try:
        await conn.execute("INSERT INTO authorities (name) VALUES ('Flintshire')")
        first_version, first_schema = await user_version(conn), await schema(conn)
    finally:
        await conn.close()
    conn = await connect(path)
    try:
        assert await user_version(conn) == first_version
        assert await schema(conn) == first_schema
        async with conn.execute("SELECT name FROM authorities") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["Flintshire"]
        assert await migrate(conn) == first_version  # nothing pending: no-op
    finally:
        await conn.close()


async def test_missing_folder_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        await connect(tmp_path / "no" / "such" / "folder" / "x.db")
    assert not (tmp_path / "no").exists()


# -- upgrade -----------------------------------------------------------------------------------------------------


async def test_upgrade_keeps_data_and_applies_new_migration(tmp_path: Path, mig_dir: Path) -> None:
    path = tmp_path / "upgrade.db"
    conn = await connect(path, discover(mig_dir))
    try:
        assert await user_version(conn) == 1
        await conn.execute("INSERT INTO authorities (name, name_cy) VALUES ('Flintshire', 'Sir y Fflint')")
        assert "region" not in await columns(conn, "authorities")
    finally:
        await conn.close()

    (mig_dir / "0002_add_region.sql").write_text(
        "-- 0002: a region per authority, and a notes table.\n"
        "ALTER TABLE authorities ADD COLUMN region TEXT;\n"
        "CREATE TABLE notes (\n    id INTEGER PRIMARY KEY,\n    body TEXT NOT NULL -- free text; with a ; inside\n);\n"
        "UPDATE authorities SET region = 'North Wales';\n",
        encoding="utf-8",
    )
    migrations = discover(mig_dir)
    assert [m.version for m in migrations] == [1, 2]
    assert len(migrations[1].statements()) == 3

    conn = await connect(path, migrations)
    try:
        assert await user_version(conn) == 2
        assert "region" in await columns(conn, "authorities")
        assert "notes" in await tables(conn)
        async with conn.execute("SELECT name, name_cy, region FROM authorities") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("Flintshire", "Sir y Fflint", "North Wales")]
    finally:
        await conn.close()
    assert sync_version(path) == 2


# -- newer than the code -----------------------------------------------------------------------------------------


async def test_database_newer_than_code_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    conn = await connect(path)
    latest = await user_version(conn)
    await conn.close()
    newer = latest + 7
    plain = sqlite3.connect(path)
    plain.execute(f"PRAGMA user_version = {newer}")
    plain.commit()
    plain.close()
    before = digest(path)

    with pytest.raises(DatabaseTooNew) as info:
        await connect(path)
    message = str(info.value)
    assert f"version {newer}" in message
    assert f"version {latest}" in message
    assert "upgrade" in message.lower()
    assert isinstance(info.value, DatabaseError)

    assert sync_version(path) == newer
    assert digest(path) == before


async def test_newer_database_in_rollback_journal_mode_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer_delete_mode.db"
    plain = sqlite3.connect(path)
    plain.execute("CREATE TABLE future (x)")
    plain.execute("PRAGMA user_version = 99")
    plain.commit()
    plain.close()
    before = digest(path)
    with pytest.raises(DatabaseTooNew):
        await connect(path)
    assert sync_version(path) == 99
    assert digest(path) == before


async def test_database_of_another_program_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    plain = sqlite3.connect(path)
    plain.execute("CREATE TABLE customers (x)")
    plain.commit()
    plain.close()
    before = digest(path)
    with pytest.raises(DatabaseError, match="another program"):
        await connect(path)
    assert digest(path) == before


async def test_migrate_refuses_newer_database_directly(tmp_path: Path, mig_dir: Path) -> None:
    conn = await aiosqlite.connect(tmp_path / "direct.db", isolation_level=None)
    try:
        await conn.execute("PRAGMA user_version = 5")
        with pytest.raises(DatabaseTooNew, match=r"version 5.*version 1"):
            await migrate(conn, discover(mig_dir), name="direct.db")
        assert await user_version(conn) == 5
        assert await tables(conn) == set()
    finally:
        await conn.close()


# -- failing migrations ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("broken", [BROKEN_0002, SYNTAX_0002], ids=["runtime-error", "syntax-error"])
async def test_failing_migration_rolls_back(tmp_path: Path, mig_dir: Path, broken: str) -> None:
    path = tmp_path / "rollback.db"
    conn = await connect(path, discover(mig_dir))
    try:
        await conn.execute("INSERT INTO authorities (name) VALUES ('Wrexham')")
        before = await schema(conn)
    finally:
        await conn.close()
    (mig_dir / "0002_broken.sql").write_text(broken, encoding="utf-8")

    with pytest.raises(MigrationFailed) as info:
        await connect(path, discover(mig_dir))
    assert "0002_broken.sql" in str(info.value)

    conn = await aiosqlite.connect(path)
    try:
        assert await user_version(conn) == 1
        assert await schema(conn) == before
        assert "from_0002" not in await tables(conn)
        async with conn.execute("SELECT name FROM authorities") as cur:
            assert [r[0] for r in await cur.fetchall()] == ["Wrexham"]
    finally:
        await conn.close()


async def test_all_pending_migrations_roll_back_together(tmp_path: Path, mig_dir: Path) -> None:
    (mig_dir / "0002_broken.sql").write_text(BROKEN_0002, encoding="utf-8")
    path = tmp_path / "together.db"
    with pytest.raises(MigrationFailed) as info:
        await connect(path, discover(mig_dir))
    assert "0002_broken.sql" in str(info.value)
    assert "0001_initial.sql" not in str(info.value)
    assert sync_version(path) == 0
    assert sync_tables(path) == set()  # nothing from 0001 either


async def test_incomplete_last_statement_fails_and_rolls_back(tmp_path: Path, mig_dir: Path) -> None:
    (mig_dir / "0002_truncated.sql").write_text(
        "CREATE TABLE from_0002 (id INTEGER);\nCREATE TABLE half (id INTEGER\n", encoding="utf-8"
    )
    path = tmp_path / "truncated.db"
    with pytest.raises(MigrationFailed, match="0002_truncated.sql"):
        await connect(path, discover(mig_dir))
    assert sync_version(path) == 0
    assert sync_tables(path) == set()


def test_statements_split_and_trailing_comments(tmp_path: Path) -> None:
    path = tmp_path / "0001_x.sql"
    path.write_text(
        "-- header\nCREATE TABLE a (x TEXT DEFAULT ';');\n\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        "  UPDATE a SET x = 'y;z';\nEND;\n-- trailing comment\n",
        encoding="utf-8",
    )
    statements = Migration(1, path).statements()
    assert len(statements) == 2
    assert statements[0].endswith("CREATE TABLE a (x TEXT DEFAULT ';');")
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


# -- discover ----------------------------------------------------------------------------------------------------


def test_discover_real_migrations() -> None:
    migrations = discover()
    assert migrations[0] == Migration(1, INITIAL)
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


def test_discover_ignores_other_files(mig_dir: Path) -> None:
    (mig_dir / "README.md").write_text("notes", encoding="utf-8")
    assert discover(mig_dir) == [Migration(1, mig_dir / INITIAL.name)]


@pytest.mark.parametrize(
    ("names", "fragment"),
    [
        (["0001_a.sql", "0003_c.sql"], "without gaps"),
        (["0002_b.sql"], "without gaps"),
        (["0001_a.sql", "0001_b.sql"], "without gaps"),
        (["0001_a.sql", "0002-b.sql"], "0002-b.sql"),
        (["0001_a.sql", "2_b.sql"], "2_b.sql"),
        (["0001_a.sql", "0002_Add.sql"], "0002_Add.sql"),
        (["0001_a.sql", "0002.sql"], "0002.sql"),
    ],
    ids=["gap", "starts-at-2", "duplicate-number", "dash", "short-number", "uppercase", "no-description"],
)
def test_discover_refuses_bad_numbering_or_names(tmp_path: Path, names: list[str], fragment: str) -> None:
    for name in names:
        (tmp_path / name).write_text("SELECT 1;\n", encoding="utf-8")
    with pytest.raises(MigrationFailed, match=fragment.replace(".", r"\.")):
        discover(tmp_path)


# -- not a database ----------------------------------------------------------------------------------------------


async def test_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"This is a plain text file, not SQLite.\n" * 200)
    before = digest(path)
    with pytest.raises(DatabaseError) as info:
        await connect(path)
    assert "notes.db" in str(info.value)
    assert "not a datatool-bot database" in str(info.value)
    assert digest(path) == before


# -- real databases of earlier versions (zigpy's appdb keeps such fixtures) ------------------------------------------

DATABASES = Path(__file__).parent / "databases"


def load_fixture(name: str, path: Path) -> None:
    """Recreate a stored database dump (schema, data and user_version) as a file."""
    with sqlite3.connect(path) as plain:
        plain.executescript((DATABASES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("fixture", sorted(p.name for p in DATABASES.glob("v*.sql")))
async def test_a_real_database_of_an_earlier_version_migrates_with_its_data(fixture: str, tmp_path: Path) -> None:
    from storage.respondents import RespondentRepository

    old, fresh = tmp_path / "old.db", tmp_path / "fresh.db"
    load_fixture(fixture, old)
    conn = await connect(old)
    try:
        assert await user_version(conn) == discover()[-1].version
        respondents = RespondentRepository(conn)
        submitted = await respondents.invitation_by_id(1)
        assert submitted is not None and submitted.submitted and submitted.language == "cy"
        answers = await respondents.answers(1)
        assert answers["lead_help"] == "Mwy o hyfforddiant\nand dashboards" and answers["kc_leadership"] == "l1"
        started = await respondents.invitation_by_id(2)
        assert started is not None and not started.submitted and started.cursor == "kc_standards"
        async with conn.execute("SELECT status, COUNT(*) FROM reminders GROUP BY status ORDER BY status") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [("sent", 1), ("unknown", 1)]
        async with conn.execute("SELECT item, status FROM postings ORDER BY item") as cur:
            assert [tuple(r) for r in await cur.fetchall()] == [
                ("answers.xlsx", "failed"),
                ("report-cy.html", "unknown"),
                ("summary", "sent"),
            ]
        async with conn.execute("SELECT round, opens_on FROM campaigns") as cur:  # 0010: the year it opened
            rounds = [tuple(r) for r in await cur.fetchall()]
        assert rounds and all(r == opens[:4] and r.isdigit() for r, opens in rounds)
        async with conn.execute("SELECT COUNT(*) FROM chat_languages") as cur:  # 0011: nobody has chosen yet
            assert (await cur.fetchone())[0] == 0
        async with conn.execute("SELECT COUNT(*) FROM invitations WHERE results_wanted_at IS NOT NULL") as cur:
            assert (await cur.fetchone())[0] == 0  # 0012: nobody asked for the results (the default is no)
        async with conn.execute("SELECT COUNT(*) FROM results_deliveries") as cur:
            assert (await cur.fetchone())[0] == 0
        async with conn.execute("PRAGMA foreign_key_check") as cur:
            assert await cur.fetchall() == []
        async with conn.execute("PRAGMA integrity_check") as cur:
            assert (await cur.fetchone())[0] == "ok"
        migrated = await schema(conn)
    finally:
        await conn.close()
    conn = await connect(fresh)
    try:
        assert migrated == await schema(conn)  # the same schema as a database created by this release
    finally:
        await conn.close()
