"""The access log (issue 23 item 2): every release of data is written, append-only, before it goes out — one entry
per release path, saying when, to whom (an auditor, the auditors' chat, or "command line" with the OS user), what and
which campaign; each entry carries the hash of the one before, so ``datatool-bot audit-log --verify`` finds an entry
changed or removed (one clear line, exit code 1); no respondent data in any entry; and a posting whose entry cannot
be written is not sent.  All against the local Bot API emulator."""

from __future__ import annotations

import asyncio
import csv
import getpass
import io
import itertools
import sqlite3
from collections import Counter
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from flows.access_log import (
    A_RESPONDENT,
    CAMPAIGNS,
    COMMAND_LINE,
    DIGEST,
    GENESIS,
    INTERIM_SUMMARY,
    INVITES_LIST,
    NATIONAL_REPORT,
    NONSTARTERS,
    POSTED,
    RATES,
    REPORT,
    RESENT,
    RESULTS,
    WITHDRAWAL,
    chain,
    verify,
)
from flows.ports.access_log import Entry, Release
from storage.access_log import AccessLogRepository
from storage.database import connect
from tests.support import (
    World,
    add_campaign,
    compile_once,
    make_settings,
    onboard,
    person,
    prefill,
    seed_answers,
)

AUDITOR = 4545
COMMENT = "Quokka dashboards are the answer"
FLINT = "Flintshire County Council"
_COMPILED: dict = {}


@pytest.fixture
def quick_reports(monkeypatch, tmp_path_factory):
    """Compile the report once and copy it afterwards: these tests are about what is logged, not compiling."""
    compile_once(monkeypatch, tmp_path_factory, _COMPILED)


@pytest.fixture
async def aw(emulator, tmp_path: Path, clock, questionnaires) -> World:
    settings = make_settings(
        emulator, tmp_path / "log.db", auditor_ids=frozenset({AUDITOR}), reports_dir=tmp_path / "reports"
    )
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, FLINT, officers=12, members=12)
    await seed_answers(
        settings.db_path, world.campaign_id, "officer", questionnaires["officer"], count=6, comment=COMMENT
    )
    await seed_answers(
        settings.db_path,
        world.campaign_id,
        "member",
        questionnaires["member"],
        count=6,
        comment=COMMENT,
        first_user=9_100_000,
    )
    return world


async def entries(world: World) -> list[Entry]:
    conn = await connect(world.settings.db_path)
    try:
        return await AccessLogRepository(conn).entries()
    finally:
        await conn.close()


async def new_entries(world: World, before: int) -> list[Entry]:
    return (await entries(world))[before:]


async def close_campaign(world: World) -> None:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'auditor'")
        await conn.commit()


async def run_completion(world: World) -> None:
    (job,) = world.app.job_queue.get_jobs_by_name("completion")
    await job.run(world.app)


async def respondent_data(world: World) -> set[str]:
    """Everything that identifies a respondent or says what they answered: their Telegram and chat ids, invitation
    references and token hashes, and the words of the free-text answers."""
    found: set[str] = {COMMENT}
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT telegram_user_id, chat_id, reference, token_hash FROM invitations") as cur:
            async for row in cur:
                found |= {str(value) for value in row if value is not None}
    return found


def readable(entry: Entry) -> str:
    """An entry's fields other than its hashes (hex, where any digits may turn up)."""
    return "|".join(
        str(v)
        for v in (entry.at, entry.who, entry.os_user, entry.what, entry.campaign_id, entry.authority, entry.detail)
    )


def cli(world: World, monkeypatch, *argv: str) -> int:
    monkeypatch.setenv("DATATOOL_DB_PATH", str(world.settings.db_path))
    monkeypatch.setenv("DATATOOL_BOT_USERNAME", "datatool_test_bot")
    monkeypatch.delenv("DATATOOL_AUDITOR_IDS", raising=False)
    return main(list(argv))


# ---- the chain, pure -------------------------------------------------------------------------------------------------


def release(n: int) -> Release:
    return Release(f"2026-11-25T10:00:0{n}+00:00", f"auditor {n}", RATES, campaign_id=1, authority=FLINT)


def test_each_entry_links_to_the_one_before_and_any_change_or_gap_breaks_the_chain():
    built: list[Entry] = []
    for n in range(1, 5):
        built.append(chain(release(n), built[-1] if built else None))
    assert built[0].prev_hash == GENESIS and [e.seq for e in built] == [1, 2, 3, 4]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(built))
    whole = verify(built)
    assert whole.intact and whole.entries == 4 and whole.last_hash == built[-1].hash
    assert verify([]).intact and verify([]).last_hash == GENESIS

    from dataclasses import replace

    for field, value in (
        ("who", "auditor 666"),
        ("detail", "nothing"),
        ("at", "2026-11-26T00:00:00+00:00"),
        ("campaign_id", 2),
        ("os_user", "mallory"),
        ("what", REPORT),
        ("authority", "Cardiff"),
    ):
        changed = [*built[:2], replace(built[2], **{field: value}), built[3]]
        verdict = verify(changed)
        assert not verdict.intact and verdict.broken_at == 3 and "entry 3 was changed" in verdict.reason, field
    # Rewriting an entry and its hash still breaks the link of the entry after it.
    forged = replace(built[2], detail="nothing")
    forged = replace(forged, hash=chain(forged.fields(), built[1]).hash)
    verdict = verify([*built[:2], forged, built[3]])
    assert verdict.broken_at == 4 and "does not link" in verdict.reason
    gap = verify([built[0], built[1], built[3]])
    assert gap.broken_at == 4 and "entry 3 is missing" in gap.reason


# ---- every release path logs one entry --------------------------------------------------------------------------------


async def test_every_auditor_command_and_the_digest_log_one_entry_each_before_the_reply(aw: World):
    cardiff, _ = await add_campaign(aw, "Cardiff Council", officers=2, members=2)
    async with aw.bot() as services:
        auditor = person(aw, AUDITOR)
        before = len(await entries(aw))
        await auditor.command("rates", "flint")
        (entry,) = await new_entries(aw, before)
        assert (entry.what, entry.who, entry.campaign_id, entry.authority) == (
            RATES,
            f"auditor {AUDITOR}",
            aw.campaign_id,
            FLINT,
        )
        before += 1
        await auditor.command("rates")  # every open campaign: one entry per campaign shown
        assert sorted((e.what, e.campaign_id) for e in await new_entries(aw, before)) == [
            (RATES, aw.campaign_id),
            (RATES, cardiff),
        ]
        before += 2
        await auditor.command("campaigns")
        assert sorted((e.what, e.campaign_id) for e in await new_entries(aw, before)) == [
            (CAMPAIGNS, aw.campaign_id),
            (CAMPAIGNS, cardiff),
        ]
        before += 2
        await auditor.command("nonstarters", "flint")
        (entry,) = await new_entries(aw, before)
        assert (entry.what, entry.campaign_id, entry.detail) == (NONSTARTERS, aw.campaign_id, "12 reference(s)")
        assert "C1-O0007" in auditor.last.text  # the references go to the auditor, and only their count to the log
        before += 1
        await auditor.command("summary", "flint")
        (entry,) = await new_entries(aw, before)
        assert (entry.what, entry.campaign_id, entry.who) == (INTERIM_SUMMARY, aw.campaign_id, f"auditor {AUDITOR}")
        before += 1
        await auditor.command("campaign")  # not a command: nothing released, nothing logged
        await auditor.command("language", "cy")
        assert await new_entries(aw, before) == []
        digest = await services.fieldwork.digest()
        assert [chat for chat, _ in digest] == [AUDITOR]
        assert sorted((e.what, e.who, e.campaign_id) for e in await new_entries(aw, before)) == [
            (DIGEST, f"auditor {AUDITOR}", aw.campaign_id),
            (DIGEST, f"auditor {AUDITOR}", cardiff),
        ]
        before += 2
        assert await services.fieldwork.digest() == []  # no second digest that day: no second entry
        assert await new_entries(aw, before) == []
    log = await entries(aw)
    assert verify(log).intact
    secrets = await respondent_data(aw)
    assert not [(e.seq, s) for e in log for s in secrets if s in readable(e)]


async def test_the_final_report_is_logged_item_by_item_as_it_is_claimed_and_resent_and_results_by_count(
    aw: World, quick_reports
):
    async with aiosqlite.connect(aw.settings.db_path) as conn:  # two respondents asked for the results
        await conn.execute(
            "UPDATE invitations SET results_wanted_at = '2026-11-25T09:00:00+00:00' WHERE id IN"
            " (SELECT invitation_id FROM submissions ORDER BY invitation_id LIMIT 2)"
        )
        await conn.commit()
    await close_campaign(aw)
    async with aw.bot():
        auditor = person(aw, AUDITOR)
        await auditor.command("language", "en")  # the auditor has started the bot
        before = len(await entries(aw))
        await run_completion(aw)
        logged = await new_entries(aw, before)
        async with aiosqlite.connect(aw.settings.db_path) as conn:
            async with conn.execute("SELECT chat_id, item FROM postings WHERE item NOT LIKE 'notice:%'") as cur:
                posted = sorted([(f"auditor {row[0]}", row[1]) async for row in cur])
        assert posted and sorted((e.who, e.detail) for e in logged if e.what == POSTED) == posted
        assert {e.campaign_id for e in logged} == {aw.campaign_id} and {e.authority for e in logged} == {FLINT}
        (results,) = [e for e in logged if e.what == RESULTS]
        assert results.who == "respondents" and results.detail == "summary to 2 respondent(s) who asked for it"
        before = len(await entries(aw))
        await run_completion(aw)  # everything settled: nothing claimed, nothing logged
        assert await new_entries(aw, before) == []
        await auditor.command("resend", "flint", "tables.xlsx")
        (entry,) = await new_entries(aw, before)
        assert (entry.what, entry.who, entry.detail) == (RESENT, f"auditor {AUDITOR}", "tables.xlsx")
    log = await entries(aw)
    assert verify(log).intact
    secrets = await respondent_data(aw)
    assert not [(e.seq, s) for e in log for s in secrets if s in readable(e)]


async def test_a_posting_whose_entry_cannot_be_written_is_not_sent(aw: World, quick_reports):
    await close_campaign(aw)
    plain = sqlite3.connect(aw.settings.db_path)
    plain.execute("CREATE TRIGGER refuse_log BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'full'); END")
    plain.commit()
    async with aw.bot():
        auditor = person(aw, AUDITOR)
        await auditor.command("language", "en")
        await run_completion(aw)
        assert not [m for m in aw.emu.bot_messages(AUDITOR) if m.kind in ("photo", "document")]
        async with aiosqlite.connect(aw.settings.db_path) as conn:  # the claim went with the entry it could not write
            async with conn.execute("SELECT COUNT(*) FROM postings") as cur:
                assert (await cur.fetchone())[0] == 0
        plain.execute("DROP TRIGGER refuse_log")
        plain.commit()
        await run_completion(aw)  # the next tick: the entries are written, and the items go with them
    plain.close()
    async with aiosqlite.connect(aw.settings.db_path) as conn:
        async with conn.execute("SELECT COUNT(*) FROM postings WHERE status = 'sent'") as cur:
            sent = (await cur.fetchone())[0]
    documents = [m for m in aw.emu.bot_messages(AUDITOR) if m.kind == "document"]
    assert documents and sent == len([e for e in await entries(aw) if e.what == POSTED])


async def test_a_withdrawal_is_logged_by_campaign_and_count_never_by_person(aw: World):
    token = aw.tokens["officer"][-1]
    async with aw.bot():
        driver = person(aw, 7201)
        await onboard(driver, token)
        await prefill(aw.settings.db_path, token, {"leadership": "l2"})
        secrets = await respondent_data(aw)  # before the withdrawal erases them
        before = len(await entries(aw))
        await driver.command("withdraw")
        await driver.tap("Yes")
        assert "deleted" in driver.last.text
    (entry,) = await new_entries(aw, before)
    assert (entry.what, entry.who, entry.campaign_id, entry.authority) == (
        WITHDRAWAL,
        A_RESPONDENT,
        aw.campaign_id,
        FLINT,
    )
    assert entry.detail.startswith("1 invitation(s)")
    assert "7201" in secrets and not [s for s in secrets if s in readable(entry)]


# ---- the command line ------------------------------------------------------------------------------------------------


async def test_the_command_line_logs_its_releases_with_the_os_user_and_prints_and_verifies_the_log(
    aw: World, tmp_path: Path, monkeypatch, capsys, quick_reports
):
    def run(*argv: str):
        return asyncio.to_thread(cli, aw, monkeypatch, *argv)

    before = len(await entries(aw))
    assert await run("report", "--authority", "flint", "--out", str(tmp_path / "out")) == 0
    assert await run("report", "--national", "--out", str(tmp_path / "national")) == 0
    assert await run("rates", "--authority", "flint") == 0
    assert await run("invites", "list", "--campaign", str(aw.campaign_id)) == 0
    assert await run("auditors", "add", "31337", "--authority", "flint") == 0
    assert await run("auditors", "remove", "31337") == 0
    assert await run("auditors", "remove", "31337") == 2  # not removed: nothing logged
    assert await run("campaign", "list") == 0  # not one of the releases the log keeps
    capsys.readouterr()
    logged = await new_entries(aw, before)
    assert [(e.what, e.campaign_id) for e in logged] == [
        (REPORT, aw.campaign_id),
        (NATIONAL_REPORT, aw.campaign_id),
        (RATES, aw.campaign_id),
        (INVITES_LIST, aw.campaign_id),
        ("auditor added", None),
        ("auditor removed", None),
    ]
    assert {(e.who, e.os_user) for e in logged} == {(COMMAND_LINE, getpass.getuser())}
    assert logged[0].detail == f"to {tmp_path / 'out'}" and logged[3].detail == "24 invitation(s)"
    assert logged[4].detail == "auditor 31337; councils: Flintshire County Council"
    secrets = await respondent_data(aw)
    assert not [(e.seq, s) for e in logged for s in secrets if s in readable(e)]

    assert await run("audit-log", "--verify") == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [
        "seq",
        "at",
        "who",
        "os_user",
        "what",
        "campaign_id",
        "authority",
        "detail",
        "prev_hash",
        "hash",
    ]
    assert [r["what"] for r in rows][-6:] == [
        REPORT,
        NATIONAL_REPORT,
        RATES,
        INVITES_LIST,
        "auditor added",
        "auditor removed",
    ]
    assert f"access log verified: {len(rows)} entries, chain intact; last hash {rows[-1]['hash']}" in err
    other, _ = await add_campaign(aw, "Cardiff Council", officers=1, members=1)
    assert await run("rates", "--authority", "cardiff") == 0
    capsys.readouterr()
    assert await run("audit-log", "--campaign", str(other)) == 0
    (only,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (only["what"], only["campaign_id"], only["authority"]) == (RATES, str(other), "Cardiff Council")
    assert await run("audit-log", "--since", "2099-01-01") == 0
    assert capsys.readouterr().out.splitlines()[1:] == []
    with pytest.raises(SystemExit) as refused:  # a bad date: one line and exit code 2, before anything is read
        cli(aw, monkeypatch, "audit-log", "--since", "yesterday")
    assert refused.value.code == 2 and "'yesterday' is not a date" in capsys.readouterr().err


async def test_a_tampered_or_removed_entry_is_found_by_verify_with_one_line_and_exit_code_1(
    aw: World, monkeypatch, capsys
):
    def run(*argv: str):
        return asyncio.to_thread(cli, aw, monkeypatch, *argv)

    for _ in range(3):
        assert await run("rates", "--authority", "flint") == 0
    assert await run("audit-log", "--verify") == 0
    capsys.readouterr()
    plain = sqlite3.connect(aw.settings.db_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # the program itself can never rewrite it
        plain.execute("UPDATE access_log SET who = 'auditor 1' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        plain.execute("DELETE FROM access_log WHERE seq = 2")
    assert plain.execute("SELECT COUNT(*) FROM pragma_foreign_key_list('access_log')").fetchone()[0] == 0
    # Someone with the database file in hand drops the guard and rewrites who received the figures.
    plain.execute("DROP TRIGGER access_log_no_update")
    plain.execute("UPDATE access_log SET who = 'auditor 1', os_user = 'nobody' WHERE seq = 2")
    plain.commit()
    assert await run("audit-log", "--verify") == 1
    out, err = capsys.readouterr()
    assert err.strip().splitlines() == [
        (
            "datatool-bot: the access log does not verify: entry 2 was changed after it was written: its hash does not "
            "match its fields"
        )
    ]
    assert "Traceback" not in err and out.startswith("seq,")
    assert await run("audit-log") == 0  # without --verify it only prints
    capsys.readouterr()
    plain.execute("UPDATE access_log SET who = 'command line', os_user = ? WHERE seq = 2", (getpass.getuser(),))
    plain.commit()
    assert await run("audit-log", "--verify") == 0  # put back exactly as written: intact again
    plain.execute("DROP TRIGGER access_log_no_delete")
    plain.execute("DELETE FROM access_log WHERE seq = 2")
    plain.commit()
    plain.close()
    capsys.readouterr()
    assert await run("audit-log", "--verify") == 1
    assert "entry 2 is missing: entry 3 follows entry 1" in capsys.readouterr().err


async def test_the_log_outlives_a_campaigns_respondent_data(aw: World, monkeypatch, capsys):
    """A purge erases the respondent-level rows; the log, which has no foreign key and names the council itself,
    keeps every entry and still verifies."""

    def run(*argv: str):
        return asyncio.to_thread(cli, aw, monkeypatch, *argv)

    assert await run("invites", "list", "--campaign", str(aw.campaign_id)) == 0
    async with aiosqlite.connect(aw.settings.db_path) as conn:
        await conn.execute("PRAGMA foreign_keys = ON")
        for table in ("answers", "submissions"):
            await conn.execute(f"DELETE FROM {table}")
        await conn.execute("DELETE FROM invitations")
        await conn.commit()
    capsys.readouterr()
    assert await run("audit-log", "--campaign", str(aw.campaign_id), "--verify") == 0
    (row,) = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert (row["what"], row["authority"], row["detail"]) == (INVITES_LIST, FLINT, "24 invitation(s)")
    assert Counter(e.what for e in await entries(aw)) == Counter({INVITES_LIST: 1})
