"""The database when it cannot take a write: read-only, locked by another process, full, failing.

Opening says what is wrong (not "not a datatool-bot database"); a write that fails for one of these reasons is rolled
back whole and becomes ``StorageUnavailable``, which the respondent hears as "try again shortly"; nothing partial is
written and the bot carries on.  Withdrawn answers do not linger in the file (``secure_delete``).

Tests run as root, whom file permissions do not stop: the read-only cases run the real ``datatool-bot`` in a process
that has given up the capabilities to override them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so the permissions
apply to it exactly as to an ordinary user.  A full disk is SQLite's page limit (``PRAGMA max_page_count``), a
read-only database on the bot's own connections is ``PRAGMA query_only``, and a lock is another connection's
``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import asyncio
import ctypes
import hashlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.services import Services
from flows import engine
from flows.ports.errors import StorageUnavailable
from flows.questions.text import TextQuestion
from flows.tokens import hash_token, new_token
from storage.database import DatabaseError, DatabaseLocked, connect
from storage.repositories import CampaignRepository, transaction, write
from tests.support import World, current_question, last_toast, no_failure, onboard, person, prefill, stored_answers

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
NO_LIMIT = 1_073_741_823  # pages: far beyond any test database


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def scalar(conn: aiosqlite.Connection, sql: str) -> int:
    async with conn.execute(sql) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def new_database(path: Path) -> None:
    """A datatool-bot database with a campaign, closed cleanly (no -wal or -shm left beside it)."""
    conn = await connect(path)
    try:
        await CampaignRepository(conn).create_campaign(
            "Flintshire County Council", date(2026, 11, 1), date(2026, 12, 31), NOW
        )
    finally:
        await conn.close()


# ---- opening: say what is wrong ----------------------------------------------------------------------------------

PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2


def _without_permission_override() -> None:  # pragma: no cover - runs in the child, before exec
    """In the child: drop the capabilities that let root ignore file permissions (from the bounding set, so the
    program exec'd next does not get them back)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


async def datatool_bot_as_ordinary_user(db_path: Path, *args: str) -> tuple[int, str]:
    """Run ``datatool-bot ARGS`` where file permissions apply (even when the tests run as root)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATATOOL_")}
    env["DATATOOL_DB_PATH"] = str(db_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        cwd=db_path.parent.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=_without_permission_override,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """A folder for the database whose permissions the test may take away; given back afterwards for clean-up."""
    path = tmp_path / "data"
    path.mkdir()
    yield path
    path.chmod(0o755)
    for child in path.iterdir():
        child.chmod(0o644)


def test_file_permissions_apply_in_that_process(folder: Path):
    """The premise of the read-only tests: such a process cannot write a read-only file, root or not."""
    import subprocess

    probe = folder / "probe"
    probe.write_text("x")
    probe.chmod(0o444)
    result = subprocess.run(
        [sys.executable, "-c", f"open({str(probe)!r}, 'a')"],
        capture_output=True,
        preexec_fn=_without_permission_override,
        check=False,
    )
    assert result.returncode != 0 and b"PermissionError" in result.stderr


async def test_a_read_only_file_is_reported_as_read_only(folder: Path):
    path = folder / "datatool.db"
    await new_database(path)
    path.chmod(0o444)
    before = digest(path)
    code, err = await datatool_bot_as_ordinary_user(path, "campaign", "list")
    assert code == 2
    assert len(err.splitlines()) == 1, err
    [line] = err.splitlines()
    assert line.startswith(f"datatool-bot: {path} is read-only")
    assert f"its folder {folder}" in line and "datatool.db-wal and datatool.db-shm" in line
    assert "not a datatool-bot database" not in line
    assert digest(path) == before


async def test_a_read_only_folder_is_reported_as_read_only(folder: Path):
    """The file is writable, but SQLite cannot create the -wal and -shm files it needs beside it."""
    path = folder / "datatool.db"
    await new_database(path)
    folder.chmod(0o555)
    code, err = await datatool_bot_as_ordinary_user(path, "campaign", "list")
    assert code == 2
    assert len(err.splitlines()) == 1, err
    [line] = err.splitlines()
    assert line.startswith(f"datatool-bot: {path} is read-only") and f"its folder {folder}" in line
    assert "not a datatool-bot database" not in line


async def test_a_database_in_a_folder_this_user_cannot_enter_cannot_be_opened(folder: Path):
    path = folder / "datatool.db"
    await new_database(path)
    folder.chmod(0o000)
    code, err = await datatool_bot_as_ordinary_user(path, "campaign", "list")
    assert code == 2
    assert len(err.splitlines()) == 1, err
    [line] = err.splitlines()
    assert line.startswith(f"datatool-bot: cannot open {path}")
    assert "can read and write the file and its folder" in line
    assert "not a datatool-bot database" not in line


async def test_a_database_locked_by_another_process_is_reported_as_locked(tmp_path: Path):
    path = tmp_path / "datatool.db"
    await new_database(path)
    other = sqlite3.connect(path, isolation_level=None)  # say, another `datatool-bot run` mid-write
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLocked) as info:
            await connect(path, busy_timeout=0.05)
    finally:
        other.execute("ROLLBACK")
        other.close()
    message = str(info.value)
    assert message.startswith(f"{path} is locked by another process")
    assert "another datatool-bot" in message
    assert isinstance(info.value, DatabaseError)
    conn = await connect(path, busy_timeout=0.05)  # the lock gone, the same file opens
    await conn.close()


async def test_withdrawn_answers_do_not_linger_in_the_file(tmp_path: Path):
    path = tmp_path / "datatool.db"
    secret = "Quokka-7781 says the spreadsheet graveyard is behind the boiler"
    conn = await connect(path)
    try:
        assert await scalar(conn, "PRAGMA secure_delete") == 1
        repo = CampaignRepository(conn)
        campaign = await repo.create_campaign("Flintshire County Council", date(2026, 11, 1), date(2026, 12, 31), NOW)
        token = new_token()
        [invitation] = await repo.add_invitations(campaign, "officer", 1, [token], [hash_token(token)], NOW)
        async with conn.execute("SELECT id FROM invitations WHERE token_hash = ?", (hash_token(token),)) as cur:
            row = await cur.fetchone()
        assert row is not None and invitation.reference
        await write(conn, "INSERT INTO answers VALUES (?, 'barriers', ?, ?)", (row[0], secret, NOW.isoformat()))
        await write(conn, "INSERT INTO answers VALUES (?, 'example', 'kept', ?)", (row[0], NOW.isoformat()))
        await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert secret.encode() in path.read_bytes()  # the premise: the answer is in the file
        await write(conn, "DELETE FROM answers WHERE invitation_id = ? AND question_id = 'barriers'", (row[0],))
        await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await conn.close()
    files = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    assert all(secret.encode() not in p.read_bytes() for p in files)
    assert b"kept" in path.read_bytes()  # the other answer is still there


# ---- writes: StorageUnavailable, nothing partial ----------------------------------------------------------------


@pytest.fixture
async def db(tmp_path: Path) -> aiosqlite.Connection:
    conn = await connect(tmp_path / "datatool.db")
    await conn.execute("CREATE TABLE scratch (k TEXT PRIMARY KEY, v BLOB)")
    yield conn
    await conn.close()


async def rows(conn: aiosqlite.Connection) -> list[str]:
    async with conn.execute("SELECT k FROM scratch ORDER BY k") as cur:
        return [r[0] async for r in cur]


async def fill_the_disk(conn: aiosqlite.Connection, *also: sqlite3.Connection) -> None:
    """SQLite may not grow the file by one page more: no free page is left, and the page limit is the size (for
    ``conn`` and the connections ``also`` writing to the same file)."""
    if await scalar(conn, "PRAGMA freelist_count"):
        await conn.execute("VACUUM")
    assert await scalar(conn, "PRAGMA freelist_count") == 0
    pages = await scalar(conn, "PRAGMA page_count")
    assert await scalar(conn, f"PRAGMA max_page_count = {pages}") == pages
    for other in also:
        assert other.execute(f"PRAGMA max_page_count = {pages}").fetchone()[0] == pages


async def on_every_writer(services: Services, pragma: str) -> None:
    """A condition of the file reaches every connection the bot writes with: the aiosqlite one, and the one on the
    event loop's thread that takes the write on every press (``storage.database.open_writer``)."""
    await services._conn.execute(f"PRAGMA {pragma}")
    services._writer.execute(f"PRAGMA {pragma}")


async def two_writes(conn: aiosqlite.Connection, big: bytes) -> None:
    """A small row that fits in a page already there, then one that needs new pages."""
    async with transaction(conn):
        await conn.execute("INSERT INTO scratch VALUES ('first', 'secret-param-1')")
        await conn.execute("INSERT INTO scratch VALUES ('second', ?)", (big,))


async def test_a_full_disk_rolls_back_the_whole_transaction(db: aiosqlite.Connection):
    await fill_the_disk(db)
    big = b"secret-param-2" * 2000
    with pytest.raises(StorageUnavailable) as info:
        await two_writes(db, big)
    assert str(info.value) == "cannot write to the database: the disk is full (SQLITE_FULL)"
    assert await rows(db) == []  # the first insert, which succeeded, was rolled back too
    assert not db.in_transaction
    await db.execute(f"PRAGMA max_page_count = {NO_LIMIT}")
    await two_writes(db, big)  # room again: the same writes go through on the same connection
    assert await rows(db) == ["first", "second"]


async def test_a_read_only_database_refuses_the_transaction(db: aiosqlite.Connection):
    await db.execute("PRAGMA query_only = ON")
    with pytest.raises(StorageUnavailable, match=r"^cannot write to the database: the database is read-only"):
        await write(db, "INSERT INTO scratch VALUES ('k', 'secret-param')")
    await db.execute("PRAGMA query_only = OFF")
    assert await write(db, "INSERT INTO scratch VALUES ('k', 'v')") == 1


async def test_a_database_locked_by_another_process_refuses_the_transaction(db: aiosqlite.Connection, tmp_path: Path):
    await db.execute("PRAGMA busy_timeout = 20")
    other = sqlite3.connect(tmp_path / "datatool.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageUnavailable, match="locked by another process"):
            await write(db, "INSERT INTO scratch VALUES ('k', 'v')")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await write(db, "INSERT INTO scratch VALUES ('k', 'v')") == 1


def disk_io_error() -> sqlite3.OperationalError:
    """What SQLite raises when the disk fails under it (which a test cannot make a real disk do)."""
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode, exc.sqlite_errorname = 10, "SQLITE_IOERR"  # type: ignore[attr-defined]
    return exc


class FailingDisk:
    """The connection, except that ROLLBACK reports a disk I/O error (after rolling back, so the test's connection
    stays usable), and with ``fail_inserts`` every INSERT does too."""

    def __init__(self, conn: aiosqlite.Connection, fail_inserts: bool = False):
        self.conn, self.fail_inserts = conn, fail_inserts

    async def execute(self, sql: str, params: tuple = ()) -> aiosqlite.Cursor:
        if sql == "ROLLBACK":
            await self.conn.execute("ROLLBACK")
            raise disk_io_error()
        if self.fail_inserts and sql.startswith("INSERT"):
            raise disk_io_error()
        return await self.conn.execute(sql, params)


async def test_a_failing_rollback_never_hides_why_the_write_failed(db: aiosqlite.Connection):
    await fill_the_disk(db)
    proxy = FailingDisk(db)
    with pytest.raises(StorageUnavailable, match="the disk is full"):
        async with transaction(proxy):  # type: ignore[arg-type]
            await proxy.execute("INSERT INTO scratch VALUES ('first', 'v')")
            await proxy.execute("INSERT INTO scratch VALUES ('second', ?)", (b"x" * 20000,))
    assert await rows(db) == []


async def test_a_disk_io_error_is_storage_unavailable(db: aiosqlite.Connection):
    with pytest.raises(StorageUnavailable, match=r"a disk I/O error \(SQLITE_IOERR\)$"):
        failing = FailingDisk(db, fail_inserts=True)
        await write(failing, "INSERT INTO scratch VALUES ('k', 'v')")  # type: ignore[arg-type]
    assert await rows(db) == [] and not db.in_transaction


async def test_integrity_and_programming_errors_propagate_unchanged(db: aiosqlite.Connection):
    await write(db, "INSERT INTO scratch VALUES ('k', 'v')")
    with pytest.raises(sqlite3.IntegrityError):
        async with transaction(db):
            await db.execute("INSERT INTO scratch VALUES ('other', 'v')")
            await db.execute("INSERT INTO scratch VALUES ('k', 'again')")
    with pytest.raises(sqlite3.OperationalError, match="syntax error"):
        await write(db, "INSERT INTO scratch VALUES ('k2', 'v') oops")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await write(db, "INSERT INTO missing VALUES (1)")
    assert await rows(db) == ["k"] and not db.in_transaction


# ---- the respondent, end to end --------------------------------------------------------------------------------

TRY_AGAIN = "try again"


async def state(world: World, token: str) -> tuple[dict[str, str | None], str | None]:
    """(stored answers, cursor) of the invitation of ``token``."""
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT cursor FROM invitations WHERE token_hash = ?", (hash_token(token),)) as cur:
            row = await cur.fetchone()
    assert row is not None
    return await stored_answers(world.settings.db_path, token), row[0]


async def at_first_comment(world: World, driver, token: str) -> str:
    """Onboard and prefill every question before the first comment question; returns its id (now on screen)."""
    qn = world.questionnaires["officer"]
    before: dict[str, str | None] = {}
    for question in engine.visible_questions(qn, {}):
        if question.type == TextQuestion.name:
            break
        before[question.id] = "dk"
    await onboard(driver, token)
    await prefill(world.settings.db_path, token, before)
    await driver.command("resume")
    assert current_question(driver.last) == (question.id, "text")
    return question.id


async def test_full_disk_while_typing_a_comment_tells_them_to_try_again_and_keeps_nothing(world: World):
    token = world.tokens["officer"][0]
    comment = ("Our data lives in 40 spreadsheets. " * 40).strip()  # long enough to need pages of its own
    async with world.bot() as services:
        driver = person(world, 4101)
        qid = await at_first_comment(world, driver, token)
        before = await state(world, token)
        await fill_the_disk(services._conn, services._writer)
        await driver.send(comment, wait=False)
        await driver.expect(TRY_AGAIN)
        assert await state(world, token) == before  # neither the answer nor the cursor moved
        await on_every_writer(services, f"max_page_count = {NO_LIMIT}")
        await driver.send(comment)  # the same comment, now that there is room
        assert current_question(driver.last)[0] != qid  # saved, and on to the next question
        no_failure(driver)
    answers, _ = await state(world, token)
    assert answers[qid] == comment


async def test_read_only_database_while_pressing_an_answer_says_try_again_and_keeps_nothing(world: World):
    token = world.tokens["officer"][1]
    async with world.bot() as services:
        driver = person(world, 4102)
        await onboard(driver, token)
        question = driver.last
        assert "Question 1 of" in question.text
        before = await state(world, token)
        await on_every_writer(services, "query_only = ON")
        await driver.tap("Level 2")
        assert TRY_AGAIN in (last_toast(world.emu) or "")
        assert driver.last.message_id == question.message_id and "Question 1 of" in driver.last.text
        assert await state(world, token) == before
        await on_every_writer(services, "query_only = OFF")
        await driver.tap("Level 2")  # the same button on the same message
        assert "Question 2 of" in driver.last.text
        no_failure(driver)
    answers, _ = await state(world, token)
    assert answers == {"kc_leadership": "l2"}


async def test_read_only_database_while_typing_a_comment_says_try_again_and_keeps_nothing(world: World):
    token = world.tokens["officer"][2]
    comment = "We keep the register in a shared drive."
    async with world.bot() as services:
        driver = person(world, 4103)
        qid = await at_first_comment(world, driver, token)
        before = await state(world, token)
        await on_every_writer(services, "query_only = ON")
        await driver.send(comment, wait=False)
        await driver.expect(TRY_AGAIN)
        assert await state(world, token) == before
        await on_every_writer(services, "query_only = OFF")
        await driver.send(comment)
        assert current_question(driver.last)[0] != qid
        no_failure(driver)
    answers, _ = await state(world, token)
    assert answers[qid] == comment


async def test_database_locked_by_another_process_while_pressing_says_try_again(world: World):
    token = world.tokens["member"][0]
    async with world.bot() as services:
        driver = person(world, 4104)
        await onboard(driver, token)
        before = await state(world, token)
        await services._conn.execute("PRAGMA busy_timeout = 20")
        other = sqlite3.connect(world.settings.db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await driver.tap("Level 3")
            assert TRY_AGAIN in (last_toast(world.emu) or "")
            assert await state(world, token) == before
        finally:
            other.execute("ROLLBACK")
            other.close()
        await driver.tap("Level 3")
        assert "Question 2 of" in driver.last.text
        no_failure(driver)
    answers, _ = await state(world, token)
    assert answers == {"kc_leadership": "l3"}
