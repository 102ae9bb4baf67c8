"""Backups that restore (issue 23, item 4).

``datatool-bot backup --out FILE`` copies the database with SQLite's online backup API while the bot writes, checks the
copy and writes it readable by its owner only; the bot takes one every night (fake clock here) and keeps a set number.
``datatool-bot restore FILE`` checks the copy and its schema, keeps the current database aside, and respondents then
resume where the backup left them.  A restored backup never brings back a person who withdrew or a campaign purged after
it was taken: erasures are recorded outside the database and applied again at every start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import stat
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.lifecycle_cli import restore as restore_command
from config.settings import Settings
from flows.backups import LEDGER_COPY, BackupService, backup_name, beyond, due, taken_at
from storage.backup import BackupFolder, RunLock, backup_database
from storage.database import connect
from storage.erasures import Erasure, ErasureLedger, LedgerDamaged, ledger_beside
from storage.retention import reapply
from tests.conftest import FakeClock
from tests.support import (
    World,
    cli_env,
    current_question,
    exit_code,
    onboard,
    person,
    stored_answers,
)

LONDON = ZoneInfo("Europe/London")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def plain_rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> Path:
    return cli_env(monkeypatch, tmp_path, "live.db")


def a_campaign(capsys) -> None:
    closes = (datetime.now(UTC).date() + timedelta(days=20)).isoformat()
    assert main(["campaign", "create", "--authority", "flint", "--closes", closes]) == 0
    assert main(["invites", "create", "--campaign", "1", "--role", "member", "--count", "4"]) == 0
    capsys.readouterr()


# ---- backup --out FILE ------------------------------------------------------------------------------------------------


def test_a_backup_taken_while_another_connection_writes_is_consistent_checked_and_private(
    env: Path, capsys, tmp_path: Path
):
    a_campaign(capsys)
    writer = sqlite3.connect(env, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the bot in the middle of a write: not committed when the backup is taken
    writer.execute("UPDATE invitations SET language = 'cy'")
    try:
        out = tmp_path / "copy.db"
        assert main(["backup", "--out", str(out)]) == 0
    finally:
        writer.execute("COMMIT")
        writer.close()
    printed = capsys.readouterr().out
    assert f"to {out}" in printed and "integrity check ok" in printed and "readable by its owner only" in printed
    assert mode(out) == 0o600
    assert plain_rows(out, "PRAGMA integrity_check") == [("ok",)]
    assert plain_rows(out, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file
    assert plain_rows(out, "SELECT COUNT(*), COUNT(language) FROM invitations") == [(4, 0)]  # committed state only
    assert not out.with_name("copy.db-wal").exists() and not list(tmp_path.glob(".copy.db.part*"))


@pytest.mark.parametrize(
    ("make", "args", "expected"),
    [
        (lambda t: (t / "keep.db").write_text("precious"), ["--out", "keep.db"], "already exists"),
        (lambda t: (t / "folder").mkdir(), ["--out", "folder"], "is a folder"),
        (lambda t: None, ["--out", "nowhere/copy.db"], "does not exist"),
    ],
)
def test_backup_refuses_in_one_line_and_overwrites_nothing(env: Path, capsys, tmp_path: Path, make, args, expected):
    a_campaign(capsys)
    make(tmp_path)
    assert exit_code(["backup", *args]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    if (tmp_path / "keep.db").exists():
        assert (tmp_path / "keep.db").read_text() == "precious"
        assert main(["backup", "--out", "keep.db", "--force"]) == 0
        assert plain_rows(tmp_path / "keep.db", "SELECT COUNT(*) FROM invitations") == [(4,)]


def test_a_backup_of_no_database_says_so(env: Path, capsys, tmp_path: Path):
    assert exit_code(["backup", "--out", str(tmp_path / "copy.db")]) == 2
    assert "there is no database" in capsys.readouterr().err


# ---- the nightly backup, on a fake clock ----------------------------------------------------------------------------


async def test_the_nightly_backup_is_taken_once_a_night_catches_up_after_a_stop_and_keeps_the_newest(tmp_path: Path):
    db = tmp_path / "n.db"
    await (await connect(db)).close()
    ledger = ErasureLedger(ledger_beside(db))
    ledger.append([Erasure("withdrawal", 1, "2026-01-01T00:00:00+00:00", "2026-02-01T00:00:00+00:00", "ab" * 32)])
    folder = tmp_path / "backups"
    clock = FakeClock(datetime(2026, 7, 1, 0, 10, tzinfo=UTC))  # 01:10 in London (summer time)
    service = BackupService(BackupFolder(folder, db, ledger), clock, LONDON, time(2, 30), keep=2)

    assert await service.tick() == "datatool-20260701T001000Z.db"  # none yet: taken at once
    assert mode(folder) == 0o700 and mode(folder / "datatool-20260701T001000Z.db") == 0o600
    clock.current = datetime(2026, 7, 1, 1, 29, tzinfo=UTC)  # 02:29 local
    assert await service.tick() is None
    clock.current = datetime(2026, 7, 1, 1, 30, tzinfo=UTC)  # 02:30 local: the night's backup
    assert await service.tick() == "datatool-20260701T013000Z.db"
    clock.current = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert await service.tick() is None  # once a night
    (folder / "notes.txt").write_text("not a backup")
    # the bot was stopped for two nights: the missed backup is taken at the first tick after it starts
    clock.current = datetime(2026, 7, 4, 9, 0, tzinfo=UTC)
    assert await service.tick() == "datatool-20260704T090000Z.db"
    assert sorted(os.listdir(folder)) == sorted(
        [LEDGER_COPY, "datatool-20260701T013000Z.db", "datatool-20260704T090000Z.db", "notes.txt"]
    )  # the newest 2 kept
    # beside them, a copy of the erasure ledger
    assert (folder / LEDGER_COPY).read_text() == ledger.path.read_text() and mode(folder / LEDGER_COPY) == 0o600
    assert plain_rows(folder / "datatool-20260704T090000Z.db", "PRAGMA integrity_check") == [("ok",)]


def test_due_follows_the_local_time_across_the_change_of_clocks():
    at = time(2, 30)
    winter = datetime(2026, 1, 10, 2, 30, tzinfo=UTC)  # 02:30 GMT
    assert due(winter, winter - timedelta(seconds=1), at, LONDON) and not due(winter, winter, at, LONDON)
    summer = datetime(2026, 7, 10, 1, 30, tzinfo=UTC)  # 02:30 BST
    assert due(summer, summer - timedelta(seconds=1), at, LONDON) and not due(summer, summer, at, LONDON)
    assert due(summer, None, at, LONDON)
    names = [backup_name(summer - timedelta(days=d)) for d in range(4)] + ["other.db"]
    assert taken_at(names[0]) == summer and taken_at("other.db") is None
    assert beyond(names, 2) == names[2:4]


async def test_the_bot_runs_the_backup_and_retention_jobs_from_the_job_queue(world: World, tmp_path: Path):
    async with world.bot() as services:
        jobs = {job.name for job in world.app.job_queue.jobs()}
        assert {"retention", "backup"} <= jobs
        (backup,) = world.app.job_queue.get_jobs_by_name("backup")
        await backup.run(world.app)
        (taken,) = [p for p in world.settings.backup_folder.iterdir() if taken_at(p.name)]
        assert taken.name == backup_name(world.clock.now())
        assert services.backups.newest() == world.clock.now().replace(microsecond=0)


# ---- restore: respondents resume where the backup left them, erasures since are applied again ---------------------


async def test_restore_brings_respondents_back_where_the_backup_left_them_but_not_who_withdrew_since(
    world: World, tmp_path: Path, capsys
):
    token_a, token_b = world.tokens["officer"][0], world.tokens["member"][0]
    copy = tmp_path / "nightly.db"
    async with world.bot():
        a, b = person(world, 6101), person(world, 6102)
        await onboard(a, token_a)
        await a.tap("Level 2")
        await a.tap("Level 3")
        await onboard(b, token_b)
        await b.tap("Level 1")
        await asyncio.to_thread(backup_database, world.settings.db_path, copy)  # online, while the bot runs
        at_backup = await stored_answers(world.settings.db_path, token_a)
        await a.tap("Level 1")
        await a.tap("Level 2")
        await b.command("withdraw")
        await b.tap("Yes")
        assert "deleted" in b.last.text
    assert len(await stored_answers(world.settings.db_path, token_a)) == 4 and len(at_backup) == 2

    assert await restore_command(world.settings, argparse.Namespace(file=copy)) == 0
    printed = capsys.readouterr().out
    assert "Restored" in printed and "1 withdrawal(s), 0 purge(s)" in printed and "before-restore-" in printed
    (aside,) = tmp_path.glob("datatool.db.before-restore-*")
    assert mode(aside) == mode(world.settings.db_path) == 0o600
    assert len(plain_rows(aside, "SELECT * FROM answers")) == 4  # the replaced database is kept as it was

    assert await stored_answers(world.settings.db_path, token_a) == at_backup
    assert await stored_answers(world.settings.db_path, token_b) == {}  # withdrew after the backup: still withdrawn
    assert plain_rows(
        world.settings.db_path,
        "SELECT telegram_user_id, withdrawn_at IS NOT NULL FROM invitations WHERE reference = 'C1-M0001'",
    ) == [(None, 1)]
    async with world.bot():
        reply = await a.command("resume")
        assert "Question 3 of" in reply.text and current_question(reply)[0] == "kc_customer_data"
        reply = await b.command("resume")
        assert "Question" not in reply.text


async def test_a_campaign_purged_after_the_backup_stays_purged_and_one_reopened_later_keeps_its_answers(
    tmp_path: Path, clock: FakeClock, questionnaires
):
    """Applied again from the ledger: the purge (only to the campaign it was: the same id with another creation time
    is another campaign), and the withdrawal (only to answers given before it: a person who opened the link again
    after withdrawing keeps what they gave since)."""
    from tests.test_retention import Lifecycle

    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        db = life.settings.db_path
        before = tmp_path / "before.db"
        await asyncio.to_thread(backup_database, db, before)
        life.at(30)
        await life.service.tick()  # Flintshire's campaign purged after the backup
        rebound = tmp_path / "rebound.db"
        cardiff_user = (
            await life.rows(
                "SELECT telegram_user_id FROM invitations WHERE campaign_id = ? AND"
                " telegram_user_id IS NOT NULL ORDER BY id LIMIT 1",
                (life.other_id,),
            )
        )[0][0]
        from storage.respondents import RespondentRepository

        await RespondentRepository(life.conn).withdraw_user(cardiff_user, life.clock.now())
        life.at(30.5)  # the same person opens their link again and answers anew; a backup is taken then
        await life.conn.execute(
            "UPDATE invitations SET telegram_user_id = ?, bound_at = ?, withdrawn_at = NULL"
            " WHERE id = (SELECT id FROM invitations WHERE campaign_id = ? ORDER BY id LIMIT 1)",
            (cardiff_user, life.clock.now().isoformat(timespec="seconds"), life.other_id),
        )
        await life.conn.execute(
            "INSERT INTO answers SELECT id, 'kc_leadership', 'l3', ? FROM invitations WHERE telegram_user_id = ?",
            (life.clock.now().isoformat(), cardiff_user),
        )
        await asyncio.to_thread(backup_database, db, rebound)
        ledger = ErasureLedger(ledger_beside(db))

    for copy, kept_answers in ((before, 0), (rebound, 1)):
        target = tmp_path / f"restored-{copy.stem}.db"
        shutil.copy(copy, target)
        conn = await connect(target)
        try:
            applied = await reapply(conn, ledger, life.clock.now())
            rows = await conn.execute_fetchall("SELECT COUNT(*) FROM invitations WHERE campaign_id = 1")
            assert list(rows)[0][0] == 0  # purged after the backup: gone again
            answers = await conn.execute_fetchall(
                "SELECT COUNT(*) FROM answers x JOIN invitations i ON i.id = x.invitation_id WHERE i.telegram_user_id = ?",
                (cardiff_user,),
            )
            assert list(answers)[0][0] == kept_answers
            assert (applied.purges, applied.withdrawals) == (((1,), 1) if copy == before else ((), 0))
            assert await reapply(conn, ledger, life.clock.now()) == type(applied)()  # nothing more the second time
            logged = [
                tuple(r)
                for r in await conn.execute_fetchall(
                    "SELECT who, what, campaign_id, detail FROM access_log WHERE detail LIKE '%erased again%'"
                )
            ]
            assert [(who, what, campaign) for who, what, campaign, _ in logged] == (
                [("schedule", "purge", 1), ("schedule", "withdrawal", 2)] if copy == before else []
            )
        finally:
            await conn.close()

    # the same campaign id, created at another time, is another campaign: never purged by this ledger
    other = tmp_path / "other.db"
    shutil.copy(before, other)
    plain = sqlite3.connect(other)
    plain.execute("UPDATE campaigns SET created_at = '2030-01-01T00:00:00+00:00' WHERE id = 1")
    plain.commit()
    plain.close()
    conn = await connect(other)
    try:
        assert (await reapply(conn, ledger, life.clock.now())).purges == ()
        assert list(await conn.execute_fetchall("SELECT COUNT(*) FROM invitations WHERE campaign_id = 1"))[0][0] == 16
    finally:
        await conn.close()


async def test_a_backup_copied_back_by_hand_loses_its_erased_data_when_the_bot_starts(world: World, tmp_path: Path):
    """Not through ``restore``: the ledger is applied at every start, before anything is read."""
    token = world.tokens["officer"][1]
    copy = tmp_path / "by-hand.db"
    async with world.bot():
        driver = person(world, 6201)
        await onboard(driver, token)
        await driver.tap("Level 2")
        await asyncio.to_thread(backup_database, world.settings.db_path, copy)
        await driver.command("withdraw")
        await driver.tap("Yes")
    for suffix in ("-wal", "-shm"):
        world.settings.db_path.with_name(world.settings.db_path.name + suffix).unlink(missing_ok=True)
    shutil.copy(copy, world.settings.db_path)
    assert len(await stored_answers(world.settings.db_path, token)) == 1  # the premise: the copy has the answer
    async with world.bot() as services:
        assert await stored_answers(world.settings.db_path, token) == {}
        assert await services.respondents.store.invitation_for_user(6201) is None


# ---- restore refuses what it must not restore -------------------------------------------------------------------


def damaged(source: Path, target: Path) -> None:
    """The copy with the b-tree page of the invitations table overwritten (a disk that failed under it)."""
    (size,), (root,) = (
        plain_rows(source, "PRAGMA page_size"),
        plain_rows(source, "SELECT rootpage FROM sqlite_master WHERE name = 'invitations'"),
    )
    data = bytearray(source.read_bytes())
    start = (root[0] - 1) * size[0]
    data[start : start + 64] = b"\xff" * 64
    target.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (lambda good, bad: damaged(good, bad), ("damaged", "malformed", "not an SQLite database")),
        (lambda good, bad: bad.write_text("not a database at all"), ("not an SQLite database",)),
        (
            lambda good, bad: (shutil.copy(good, bad), _set(bad, "PRAGMA user_version = 99")),
            ("schema version 99", "newer release"),
        ),
        (lambda good, bad: _set(bad, "CREATE TABLE other (x)"), ("not a datatool-bot database",)),
    ],
)
def test_restore_refuses_a_bad_copy_in_one_line_and_changes_nothing(env: Path, capsys, tmp_path: Path, spoil, expected):
    a_campaign(capsys)
    good, bad = tmp_path / "good.db", tmp_path / "bad.db"
    assert main(["backup", "--out", str(good)]) == 0
    capsys.readouterr()
    spoil(good, bad)
    before = env.read_bytes()
    assert exit_code(["restore", str(bad)]) == 2
    err = capsys.readouterr().err
    assert any(e in err for e in expected), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert env.read_bytes() == before and not list(tmp_path.glob("*.before-restore-*"))


def _set(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_restore_refuses_while_the_bot_runs(env: Path, capsys, tmp_path: Path):
    a_campaign(capsys)
    copy = tmp_path / "copy.db"
    assert main(["backup", "--out", str(copy)]) == 0
    capsys.readouterr()
    with RunLock(env).held("test"):  # what `datatool-bot run` holds while it runs
        assert exit_code(["restore", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "stop it first" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.before-restore-*"))
    assert main(["restore", str(copy)]) == 0  # once it has stopped


def test_restore_migrates_an_older_backup_and_takes_the_folders_copy_of_a_lost_ledger(
    env: Path, capsys, tmp_path: Path
):
    a_campaign(capsys)
    folder = tmp_path / "backups"
    folder.mkdir()
    copy = folder / "old.db"
    assert main(["backup", "--out", str(copy)]) == 0
    created = plain_rows(env, "SELECT created_at FROM campaigns WHERE id = 1")[0][0]
    token_hash = plain_rows(env, "SELECT token_hash FROM invitations ORDER BY id LIMIT 1")[0][0]
    plain = sqlite3.connect(env)
    plain.execute("UPDATE invitations SET telegram_user_id = 77, bound_at = '2026-01-01T00:00:00+00:00'")
    plain.commit()
    plain.close()
    # the ledger beside the database is lost; the backup folder kept a copy holding a withdrawal
    ErasureLedger(folder / LEDGER_COPY).append(
        [Erasure("withdrawal", 1, created, "2026-02-01T00:00:00+00:00", token_hash)]
    )
    _set(copy, "PRAGMA user_version = 13")  # as if made by the release before (0014 and 0015 are additions)
    _drop_newer_tables(copy)
    shutil.copy(copy, tmp_path / "restoring-from.db")
    capsys.readouterr()
    assert main(["restore", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "schema version 13, migrated to" in out and "1 taken from the backup folder's copy" in out
    assert plain_rows(env, "PRAGMA user_version")[0][0] > 13
    assert [json.loads(line)["erased"] for line in ledger_beside(env).read_text().splitlines()] == ["withdrawal"]


def _drop_newer_tables(path: Path) -> None:
    conn = sqlite3.connect(path)
    for table in ("retention_notices", "purges"):
        conn.execute(f"DROP TABLE {table}")
    newer = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if r[0] in ("access_log", "auditor_authorities")
    ]
    for table in newer:
        conn.execute(f"DROP TABLE {table}")
    for trigger in [
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access_log%'")
    ]:
        conn.execute(f"DROP TRIGGER {trigger}")
    conn.execute("ALTER TABLE campaigns DROP COLUMN retention_days")
    conn.commit()
    conn.close()


# ---- the ledger itself --------------------------------------------------------------------------------------------


def test_a_torn_last_line_is_ignored_and_the_next_line_starts_on_its_own(tmp_path: Path):
    ledger = ErasureLedger(tmp_path / "x.erasures.jsonl")
    first = Erasure("purge", 1, "c", "2026-01-01T00:00:00+00:00", keep_reports=True)
    ledger.append([first])
    with open(ledger.path, "a") as f:
        f.write('{"erased": "withdr')  # killed mid-append: its transaction never committed
    assert ledger.entries() == [first]
    second = Erasure("withdrawal", 2, "d", "2026-01-02T00:00:00+00:00", "ef" * 32)
    ledger.append([second])
    assert ledger.entries() == [first, second]
    assert mode(ledger.path) == 0o600


def test_a_damaged_ledger_stops_the_command_line_with_one_line(env: Path, capsys):
    a_campaign(capsys)
    ledger = ledger_beside(env)
    ledger.write_text('{"erased": "purge"}\n{"erased": "purge", "campaign": 1, "created": "x", "at": "y"}\n')
    assert exit_code(["retention"]) == 2
    err = capsys.readouterr().err
    assert "cannot be read at line 1" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    with pytest.raises(LedgerDamaged):
        ErasureLedger(ledger).entries()


async def test_withdrawals_are_recorded_in_the_configured_ledger(tmp_path: Path, clock: FakeClock):
    from bot.jobs_lifecycle import reapply_erasures
    from storage.respondents import RespondentRepository
    from tests.test_redelivery import sqlite_store

    elsewhere = tmp_path / "other-disk" / "erasures.jsonl"
    elsewhere.parent.mkdir()
    settings = Settings(_env_file=None, db_path=tmp_path / "d.db", erasure_ledger=elsewhere)
    assert Settings(_env_file=None, db_path=tmp_path / "d.db").erasure_ledger_path == tmp_path / "d.db.erasures.jsonl"
    assert Settings(_env_file=None, db_path=tmp_path / "d.db").backup_folder == tmp_path / "datatool-backups"
    conn = await sqlite_store(settings.db_path, clock)
    try:
        await reapply_erasures(conn, settings, clock)
        await conn.execute(
            "UPDATE invitations SET telegram_user_id = 55, bound_at = '2026-01-01T00:00:00+00:00' WHERE id = 1"
        )
        await RespondentRepository(conn).withdraw_user(55, clock.now())
    finally:
        await conn.close()
    (line,) = elsewhere.read_text().splitlines()
    assert json.loads(line)["erased"] == "withdrawal" and not ledger_beside(settings.db_path).exists()
    assert mode(elsewhere) == 0o600


# ---- a restore cannot swap the database under a running bot, nor leave one half-swapped ---------------------------


async def test_restore_is_refused_while_the_real_bot_process_runs(world: World, tmp_path: Path, monkeypatch, capsys):
    from tests.test_kill_delivery import bot_process, until_db

    copy = tmp_path / "copy.db"
    await asyncio.to_thread(backup_database, world.settings.db_path, copy)
    monkeypatch.setenv("DATATOOL_DB_PATH", str(world.settings.db_path))
    with bot_process(world, tmp_path, "running"):
        await until_db(world, "SELECT COUNT(*) FROM campaigns", [(1,)], "the bot started")
        driver = person(world, 6301)
        await onboard(driver, world.tokens["officer"][2], timeout=60)  # it answers: it holds the database
        assert await asyncio.to_thread(exit_code, ["restore", str(copy)]) == 2
        assert "is using" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.before-restore-*"))


def test_a_restore_interrupted_in_the_swap_stops_run_until_it_is_run_again(
    env: Path, capsys, tmp_path: Path, monkeypatch
):
    import storage.backup

    a_campaign(capsys)
    copy = tmp_path / "copy.db"
    assert main(["backup", "--out", str(copy)]) == 0
    real_replace = os.replace

    class Killed(BaseException):
        pass

    def dies_before_the_last_rename(source, target):
        if Path(target) == env:
            raise Killed()
        return real_replace(source, target)

    monkeypatch.setattr(storage.backup.os, "replace", dies_before_the_last_rename)
    with pytest.raises(Killed):
        main(["restore", str(copy)])
    monkeypatch.setattr(storage.backup.os, "replace", real_replace)
    assert not env.exists()  # half-swapped: moved aside, the copy not yet in place
    monkeypatch.setenv("DATATOOL_TELEGRAM_TOKEN", "123456789:AAE" + "x" * 32)
    monkeypatch.setenv("DATATOOL_TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")  # never reached
    capsys.readouterr()
    assert exit_code(["run"]) == 2
    err = capsys.readouterr().err
    assert "was interrupted before it finished" in err and len(err.strip().splitlines()) == 1
    assert not env.exists()  # run created no empty database in its place
    assert main(["restore", str(copy)]) == 0
    assert plain_rows(env, "SELECT COUNT(*) FROM invitations") == [(4,)]
    assert not list(tmp_path.glob("*.restore-incomplete"))
