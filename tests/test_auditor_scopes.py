"""Auditors scoped to their councils (issue 23 item 3): ``datatool-bot auditors add ID --authority NAME ...`` limits an
auditor to some councils; /rates, /campaigns, every command about a council, the buttons, the daily digest and the
final report's posting then give them those councils only, and any other council reads exactly as a council that does
not exist.  An auditor added with no council listed, every id in DATATOOL_AUDITOR_IDS and the auditors' group chat
see every council.  All against the local Bot API emulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from bot.services import admin_services
from flows import callbacks
from flows.callbacks import Action
from tests.support import (
    World,
    add_campaign,
    compile_once,
    last_toast,
    make_settings,
    person,
    seed_answers,
    seed_progress,
)

NATIONAL = 4242  # in DATATOOL_AUDITOR_IDS: every council
SCOPED = 5151  # added for Flintshire only
FLINT, WREXHAM = "Flintshire County Council", "Wrexham County Borough Council"
UNKNOWN = "No council matches “{query}”. /campaigns lists them."
_COMPILED: dict = {}


@pytest.fixture
async def sw(emulator, tmp_path: Path, clock, questionnaires) -> World:
    """Flintshire and Wrexham in fieldwork, some of each council's members started two days ago (so a reminder
    round can be offered); the national lead from settings and an auditor added for Flintshire alone."""
    settings = make_settings(
        emulator, tmp_path / "scopes.db", auditor_ids=frozenset({NATIONAL}), reports_dir=tmp_path / "reports"
    )
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, FLINT, officers=10, members=10)
    world.wrexham, _ = await add_campaign(world, WREXHAM, officers=10, members=10)  # type: ignore[attr-defined]
    for campaign_id, first in ((world.campaign_id, 6_000_000), (world.wrexham, 6_100_000)):  # type: ignore[attr-defined]
        await seed_progress(
            settings.db_path,
            campaign_id,
            "member",
            submitted=2,
            started=3,
            first_user=first,
            when="2026-11-23T09:00:00+00:00",
        )
    async with admin_services(settings, clock) as admin:
        assert await admin.auditors.add(SCOPED, [FLINT])
    return world


@pytest.fixture
def quick_reports(monkeypatch, tmp_path_factory):
    compile_once(monkeypatch, tmp_path_factory, _COMPILED)


async def say(driver, *command: str) -> str:
    await driver.command(*command)
    return driver.last.text


# ---- commands --------------------------------------------------------------------------------------------------------


async def test_another_council_reads_exactly_as_a_council_that_does_not_exist_for_every_command(sw: World):
    async with sw.bot():
        scoped, national = person(sw, SCOPED), person(sw, NATIONAL)
        for command in ("rates", "nonstarters", "close", "remind", "summary", "resend"):
            for query in ("wrexham", "Wrecsam", WREXHAM):
                assert await say(scoped, command, query) == UNKNOWN.format(query=query), (command, query)
            assert await say(scoped, command, "atlantis") == UNKNOWN.format(query="atlantis")
        assert WREXHAM in await say(national, "rates", "wrexham")  # the national lead sees it
        assert FLINT in await say(scoped, "rates", "flint")  # and the scoped auditor their own council
        # A word many councils share names only theirs: no list of the others, no "say which".
        county = await say(scoped, "rates", "county")
        assert FLINT in county and WREXHAM not in county and "say which" not in county
        assert "say which" in await say(national, "rates", "county")
        await scoped.command("language", "cy")
        assert (
            await say(scoped, "rates", "wrexham") == "Does dim cyngor yn cyfateb i “wrexham”. Mae /campaigns yn "
            "eu rhestru."
        )


async def test_rates_and_campaigns_list_only_the_councils_the_auditor_may_see(sw: World):
    async with sw.bot():
        scoped, national = person(sw, SCOPED), person(sw, NATIONAL)
        every_open = await say(scoped, "rates")
        assert "Flintshire" in every_open and "Wrexham" not in every_open
        both = await say(national, "rates")
        assert "Flintshire" in both and "Wrexham" in both
        listed = await say(scoped, "campaigns")
        assert "Flintshire" in listed and "Wrexham" not in listed
        assert "Wrexham" in await say(national, "campaigns")


# ---- buttons ---------------------------------------------------------------------------------------------------------


async def test_a_button_for_another_councils_campaign_reads_as_a_campaign_that_no_longer_exists(sw: World):
    async with sw.bot():
        scoped, national = person(sw, SCOPED), person(sw, NATIONAL)
        await national.command("remind", "wrexham", "members")
        remind_wrexham = national.data_of(
            national.last, next(d for d in national.last.callback_data if d.startswith(Action.CONFIRM.value))
        )
        await scoped.command("close", "flint")  # a confirmation of their own, to press other data on
        own = scoped.last
        await scoped.tap_on(own.message_id, callbacks.encode(Action.CONFIRM, "close", sw.wrexham), forge=True)
        assert last_toast(sw.emu) == "That campaign no longer exists."
        await scoped.tap_on(own.message_id, remind_wrexham, forge=True)
        assert last_toast(sw.emu) == "That campaign no longer exists."
        async with aiosqlite.connect(sw.settings.db_path) as conn:
            async with conn.execute("SELECT closed_at FROM campaigns WHERE id = ?", (sw.wrexham,)) as cur:
                assert (await cur.fetchone())[0] is None  # still open
            async with conn.execute("SELECT COUNT(*) FROM reminders") as cur:
                assert (await cur.fetchone())[0] == 0  # no round queued
        # Their own council's button works, and the national lead's works for any council.
        await scoped.tap("Close fieldwork now")
        assert "closed" in scoped.last.text.lower() and FLINT in scoped.last.text
        await national.tap_on(national.last.message_id, remind_wrexham)
        assert "Queued 3 reminder(s)" in national.last.text


# ---- the digest and the final report ---------------------------------------------------------------------------------


async def test_the_digest_gives_each_auditor_their_councils_only(sw: World):
    async with sw.bot() as services:
        digest = dict(await services.fieldwork.digest())
    assert set(digest) == {NATIONAL, SCOPED}
    assert FLINT in digest[SCOPED].text and WREXHAM not in digest[SCOPED].text
    assert FLINT in digest[NATIONAL].text and WREXHAM in digest[NATIONAL].text


async def test_the_auditors_group_chat_gets_every_council(sw: World):
    sw.settings = make_settings(
        sw.emu,
        sw.settings.db_path,
        auditor_ids=frozenset({NATIONAL}),
        auditor_chat_id=-100777,
        reports_dir=sw.settings.reports_dir,
    )
    async with sw.bot() as services:
        ((chat, screen),) = await services.fieldwork.digest()
        assert await services.auditors.sees(-100777, WREXHAM)
    assert chat == -100777 and FLINT in screen.text and WREXHAM in screen.text


async def test_the_final_report_is_posted_only_to_auditors_who_may_see_the_council(sw: World, quick_reports):
    for campaign_id in (sw.campaign_id, sw.wrexham):
        await seed_answers(
            sw.settings.db_path,
            campaign_id,
            "officer",
            sw.questionnaires["officer"],
            count=6,
            first_user=7_000_000 + campaign_id * 1000,
        )
    async with aiosqlite.connect(sw.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'auditor'")
        await conn.commit()
    async with sw.bot():
        for auditor in (NATIONAL, SCOPED):
            await person(sw, auditor).command("language", "en")  # both have started the bot
        (job,) = sw.app.job_queue.get_jobs_by_name("completion")
        await job.run(sw.app)
        scoped = person(sw, SCOPED)
        assert await say(scoped, "resend", "wrexham") == UNKNOWN.format(query="wrexham")
    async with aiosqlite.connect(sw.settings.db_path) as conn:
        async with conn.execute("SELECT DISTINCT campaign_id, chat_id FROM postings ORDER BY 1, 2") as cur:
            posted = [tuple(row) async for row in cur]
        async with conn.execute("SELECT COUNT(*) FROM campaigns WHERE summary_posted_at IS NULL") as cur:
            unsettled = (await cur.fetchone())[0]
    assert posted == [(sw.campaign_id, NATIONAL), (sw.campaign_id, SCOPED), (sw.wrexham, NATIONAL)]
    assert unsettled == 0  # the scoped auditor is not owed Wrexham's report: both campaigns are settled
    scoped_files = [m.filename for m in sw.emu.bot_messages(SCOPED) if m.kind == "document"]
    national_files = [m.filename for m in sw.emu.bot_messages(NATIONAL) if m.kind == "document"]
    assert scoped_files and len(national_files) == 2 * len(scoped_files)


# ---- the command line and settings -----------------------------------------------------------------------------------


def cli(world: World, monkeypatch, *argv: str) -> int:
    monkeypatch.setenv("DATATOOL_DB_PATH", str(world.settings.db_path))
    monkeypatch.setenv("DATATOOL_BOT_USERNAME", "datatool_test_bot")
    monkeypatch.setenv("DATATOOL_AUDITOR_IDS", str(NATIONAL))
    return main(list(argv))


async def test_auditors_add_with_councils_list_and_change_them_from_the_command_line(sw: World, monkeypatch, capsys):
    def run(*argv: str):
        return asyncio.to_thread(cli, sw, monkeypatch, *argv)

    assert await run("auditors", "add", "6161", "--authority", "wrex", "--authority", "cardiff", "flint") == 0
    assert capsys.readouterr().out == (f"6161 is now an auditor: Cardiff Council; {FLINT}; {WREXHAM}.\n")
    assert await run("auditors", "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert f"{NATIONAL}\tsettings\tall councils" in listed and f"{SCOPED}\tadded\t{FLINT}" in listed
    assert f"6161\tadded\tCardiff Council; {FLINT}; {WREXHAM}" in listed
    assert await run("auditors", "add", "6161") == 0  # no council listed: every council
    assert capsys.readouterr().out == "6161 was already an auditor, and now sees: all councils.\n"
    # Refused with one line and exit code 2, and nothing changed:
    assert await run("auditors", "add", "6161", "--authority", "atlantis") == 2
    assert capsys.readouterr().err.strip() == (
        "datatool-bot: --authority 'atlantis' matches no council: use part of a council's name (see `campaign list`)"
    )
    assert await run("auditors", "add", "6161", "--authority", "borough") == 2
    assert "councils" in (err := capsys.readouterr().err) and "give more of the name" in err
    assert await run("auditors", "add", str(NATIONAL), "--authority", "flint") == 2
    err = capsys.readouterr().err
    assert "DATATOOL_AUDITOR_IDS, which means all councils" in err and err.count("\n") == 1
    assert await run("auditors", "list") == 0
    assert "6161\tadded\tall councils" in capsys.readouterr().out.splitlines()
    # The change reaches the running bot: limited to Wrexham now, the auditor no longer finds Flintshire.
    assert await run("auditors", "add", "6161", "--authority", "wrexham") == 0
    async with sw.bot():
        auditor = person(sw, 6161)
        assert WREXHAM in await say(auditor, "rates", "wrexham")
        assert await say(auditor, "rates", "flint") == UNKNOWN.format(query="flint")


async def test_an_id_in_settings_sees_every_council_whatever_the_stored_list_says(sw: World):
    async with aiosqlite.connect(sw.settings.db_path) as conn:  # a stored limit for the national lead's id
        await conn.execute("INSERT INTO auditors VALUES (?, '2026-11-25T09:00:00+00:00')", (NATIONAL,))
        await conn.execute(
            "INSERT INTO auditor_authorities SELECT ?, id FROM authorities WHERE name = ?", (NATIONAL, FLINT)
        )
        await conn.commit()
    async with sw.bot() as services:
        assert await services.auditors.scope(NATIONAL) is None
        assert WREXHAM in await say(person(sw, NATIONAL), "rates", "wrexham")
        removed_scope = person(sw, SCOPED)
        assert await say(removed_scope, "rates", "wrexham") == UNKNOWN.format(query="wrexham")
