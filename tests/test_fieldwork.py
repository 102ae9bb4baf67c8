"""Fieldwork for auditors: rates in chat and in the terminal, who may see them, campaigns, non-starters, closing,
the daily digest, revoked invitations and the CLI round trips."""

from __future__ import annotations

import asyncio
import csv
import re
from datetime import date, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from bot.constants import DIGEST_JOB
from reports.rates import RateTable
from reports.stats import margin as margin_of_error
from reports.stats import margin_points as moe_points
from storage.database import connect
from storage.repositories import CampaignRepository, RoleRate
from tests.support import World, add_campaign, make_settings, onboard, seed_progress

AUDITOR = 4242
OUTSIDER = 777


@pytest.fixture
async def fw(emulator, tmp_path: Path, clock, questionnaires) -> World:
    """A world whose bot knows one auditor, with Flintshire's real numbers: 62 officers and 65 members invited."""
    settings = make_settings(emulator, tmp_path / "fw.db", auditor_ids=frozenset({AUDITOR}))
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=62, members=65)
    return world


# ---- the figures ---------------------------------------------------------------------------------------------------


def test_report_figures_by_hand():
    # The report: officers 32 of 62, members 9 of 65, total 41 of 127 -> 52%, 14%, 32%; margins ±12, ±31, ±13.
    table = RateTable.from_roles("Flintshire", [RoleRate("officer", 62, 0, 32), RoleRate("member", 65, 0, 9)])
    assert [r.percentage for r in table.rows] == [52, 14, 32]
    assert [(r.invited, r.responded) for r in table.rows] == [(62, 32), (65, 9), (127, 41)]
    assert [r.moe for r in table.rows] == [12, 31, 13]
    # 1.96 * sqrt(0.25/32) * sqrt(30/61) = 0.12149...
    assert margin_of_error(32, 62) == pytest.approx(0.12149, abs=1e-4)
    assert margin_of_error(62, 62) == 0.0 and margin_of_error(0, 62) is None
    assert moe_points(9, 65) == 31


def test_targets_and_what_is_still_needed():
    table = RateTable.from_roles(
        "X", [RoleRate("officer", 62, 3, 32), RoleRate("member", 65, 4, 9)], {"officer": 0.6, "member": 0.5}
    )
    member = table.row("member")
    assert member.target_count == 33  # 50% of 65 = 32.5 -> 33 people
    assert member.still_needed == 24 and member.below_target
    assert table.row("officer").still_needed == 6  # 60% of 62 = 37.2 -> 38


async def test_rates_are_sql_aggregates_matching_the_report(fw: World):
    await seed_progress(fw.settings.db_path, fw.campaign_id, "officer", submitted=32, started=5)
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=9, started=3)
    conn = await connect(fw.settings.db_path)
    try:
        rates = await CampaignRepository(conn).rates(fw.campaign_id)
    finally:
        await conn.close()
    assert rates == [RoleRate("officer", 62, 5, 32), RoleRate("member", 65, 3, 9)]


# ---- /rates in chat --------------------------------------------------------------------------------------------------


async def test_auditor_rates_table_margins_targets_and_change_since_last_time(fw: World):
    await seed_progress(fw.settings.db_path, fw.campaign_id, "officer", submitted=32, started=5)
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=9, started=3)
    async with fw.bot():
        auditor = fw.driver(AUDITOR)
        await auditor.command("rates", "flint")
        text = auditor.last.text
        for expected in (
            "Flintshire County Council",
            "Data tool",
            "recipients",
            "Number",
            "invited",
            "Officers",
            "Elected Members",
            "Total",
            "52%",
            "14%",
            "32%",
            "±12",
            "±31",
            "±13",
            "Officers: 5 started, not finished",
            "Elected Members: 3 started, not finished",
            "target 50% (33 of 65); 24 more needed",
            "First /rates",
        ):
            assert expected in text, expected
        await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=2, first_user=6_000_000)
        fw.clock.advance(hours=3)
        await auditor.command("rates", "Flintshire")
        assert "Since your last /rates (3 h ago): +2 members responded" in auditor.last.text
        assert "11 of 65" not in auditor.last.text and "17%" in auditor.last.text  # 11/65 = 16.9 -> 17%
        await auditor.command("rates", "flint")
        assert "no change" in auditor.last.text


async def test_rates_for_every_open_campaign_lowest_member_rate_first(fw: World):
    cardiff, _ = await add_campaign(fw, "Cardiff Council", officers=10, members=10)
    conwy, _ = await add_campaign(fw, "Conwy County Borough Council", officers=10, members=10)
    await seed_progress(fw.settings.db_path, cardiff, "member", submitted=6)  # 60%
    await seed_progress(fw.settings.db_path, conwy, "member", submitted=2, first_user=7_000_000)  # 20%
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=9, first_user=8_000_000)  # 14%
    async with fw.bot():
        auditor = fw.driver(AUDITOR)
        await auditor.command("rates")
        text = auditor.last.text
    order = [text.index(name) for name in ("Flintshire", "Conwy", "Cardiff")]
    assert order == sorted(order)
    assert "members 14% (9/65)" in text and "members 60% (6/10)" in text


async def test_authority_names_unambiguous_parts_and_welsh(fw: World):
    await add_campaign(fw, "Cardiff Council", officers=2, members=2)
    async with fw.bot():
        auditor = fw.driver(AUDITOR)
        await auditor.command("rates", "county")
        assert "matches" in auditor.last.text and "say which" in auditor.last.text
        await auditor.command("rates", "nowhere")
        assert "No council matches" in auditor.last.text
        await auditor.command("rates", "Caerdydd")  # Welsh name
        assert "Cardiff Council" in auditor.last.text and "Number" in auditor.last.text
        await auditor.command("rates", "gwynedd")
        assert "no campaign for Gwynedd Council" in auditor.last.text


async def test_non_auditors_learn_nothing(fw: World):
    token = fw.tokens["member"][0]
    async with fw.bot():
        outsider = fw.driver(OUTSIDER)
        await onboard(outsider, token)  # even a respondent with a live invitation
        await outsider.command("nosuchcommand")
        unknown = outsider.last.text
        for command in ("rates", "campaigns", "nonstarters flint", "close flint"):
            await outsider.command(*command.split())
            assert outsider.last.text == unknown, command
            assert not outsider.last.buttons
        await outsider.tap_on(outsider.last.message_id, f"cf:close:{fw.campaign_id}", forge=True)
    assert "older question" in next(iter(reversed(fw.emu.callback_answers.values()))).text  # a stale button to them
    conn = await connect(fw.settings.db_path)
    try:
        campaign = await CampaignRepository(conn).campaign(fw.campaign_id)
    finally:
        await conn.close()
    assert campaign is not None and campaign.closed_at is None


async def test_campaigns_nonstarters_and_close_with_confirmation(fw: World):
    await seed_progress(fw.settings.db_path, fw.campaign_id, "officer", submitted=60)
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=62, started=1)
    async with fw.bot():
        auditor = fw.driver(AUDITOR)
        await auditor.command("campaigns")
        assert "Flintshire County Council" in auditor.last.text and "open, 20 day(s) left" in auditor.last.text
        assert "122/127 responded" in auditor.last.text
        await auditor.command("nonstarters", "flint")
        text = auditor.last.text
        assert "4 invitation(s) never opened" in text
        assert "C1-M0064" in text and "C1-O0061" in text and "C1-M0001" not in text
        await auditor.command("close", "flint")
        assert "Close fieldwork for Flintshire County Council" in auditor.last.text
        await auditor.tap("Cancel")
        assert "nothing was changed" in auditor.last.text
        await auditor.command("close", "flint")
        await auditor.tap("Close fieldwork now")
        assert "is closed" in auditor.last.text
        await auditor.command("campaigns")
        assert "closed early" in auditor.last.text
        # A respondent who had not started is now told fieldwork has closed.
        late = fw.driver(9100)
        await late.start(fw.tokens["member"][-1])
        assert "has closed" in late.last.text


async def test_revoked_invitation_stops_working(fw: World, monkeypatch, capsys):
    token = fw.tokens["officer"][0]
    monkeypatch.setenv("DATATOOL_DB_PATH", str(fw.settings.db_path))
    assert await asyncio.to_thread(main, ["invites", "revoke", "C1-O0001"]) == 0
    assert await asyncio.to_thread(main, ["invites", "revoke", "C1-O0001"]) == 2
    assert "already revoked" in capsys.readouterr().err
    async with fw.bot():
        person = fw.driver(9200)
        await person.start(token)
        assert "not recognised" in person.last.text
    conn = await connect(fw.settings.db_path)
    try:
        rates = await CampaignRepository(conn).rates(fw.campaign_id)
    finally:
        await conn.close()
    assert rates[0].invited == 61  # a revoked invitation is no longer counted as invited


async def test_daily_digest_once_per_day_with_new_responses(fw: World):
    async with fw.bot() as services:
        await seed_progress(
            fw.settings.db_path, fw.campaign_id, "member", submitted=3, when="2026-11-24T12:00:00+00:00"
        )
        ((chat, first),) = await services.fieldwork.digest()  # one screen per recipient chat
        assert chat == AUDITOR and "Flintshire County Council" in first.text and "members 3/65" in first.text
        assert await services.fieldwork.digest() == []  # same day: never twice, even after a restart
        fw.clock.advance(days=1)
        await seed_progress(
            fw.settings.db_path,
            fw.campaign_id,
            "member",
            submitted=2,
            first_user=6_100_000,
            when="2026-11-26T09:00:00+00:00",
        )
        ((_, second),) = await services.fieldwork.digest()
        assert "members 5/65 (+2)" in second.text
    async with fw.bot() as services:  # restarted on the same day
        assert await services.fieldwork.digest() == []


async def test_daily_digest_is_sent_to_auditors_by_the_job_queue(fw: World):
    async with fw.bot():
        auditor = fw.driver(AUDITOR)
        await auditor.command("campaigns")  # the auditor has started the bot
        app = fw.app
        (job,) = app.job_queue.get_jobs_by_name(DIGEST_JOB)
        assert job.next_t.astimezone(fw.settings.zone).time().replace(second=0) == fw.settings.digest_time
        await job.run(app)  # what the scheduler does at 08:30, without waiting for it
        await auditor.expect("Daily digest")
        await job.run(app)  # a second run the same day sends nothing
    assert sum("Daily digest" in m.text for m in auditor.messages) == 1


# ---- the terminal ----------------------------------------------------------------------------------------------------


def test_cli_campaign_life_cycle(monkeypatch, tmp_path: Path, capsys):
    for key in list(__import__("os").environ):
        if key.startswith("DATATOOL_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATATOOL_DB_PATH", str(tmp_path / "cli.db"))
    monkeypatch.setenv("DATATOOL_BOT_USERNAME", "datatool_test_bot")
    closes, later, latest = ((date.today() + timedelta(days=days)).isoformat() for days in (60, 120, 150))
    assert main(["campaign", "create", "--authority", "wrex", "--closes", closes, "--target-members", "55"]) == 0
    assert capsys.readouterr().out.strip() == "1"
    assert main(["campaign", "create", "--authority", "borough", "--closes", closes]) == 2
    assert "matches" in capsys.readouterr().err
    out = tmp_path / "members.csv"
    assert main(["invites", "create", "--campaign", "1", "--role", "member", "--count", "3", "--out", str(out)]) == 0
    capsys.readouterr()
    refs = [row["reference"] for row in csv.DictReader(out.open())]
    qr = sorted(p.name for p in (tmp_path / "members-qr").iterdir())
    assert qr == [f"{r}.png" for r in refs] and (tmp_path / "members-qr" / qr[0]).read_bytes()[:4] == b"\x89PNG"
    assert main(["invites", "list", "--campaign", "1"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == "reference,role,status" and listed[1] == "C1-M0001,member,not opened"
    assert "https://" not in "\n".join(listed)  # links are never shown again
    assert main(["auditors", "add", "12345"]) == 0
    assert main(["auditors", "list"]) == 0
    assert "12345\tadded" in capsys.readouterr().out
    assert main(["auditors", "remove", "12345"]) == 0
    assert main(["auditors", "remove", "12345"]) == 2
    assert main(["rates", "--authority", "wrexham"]) == 0
    printed = capsys.readouterr().out
    assert "Wrexham County Borough Council" in printed
    assert re.search(r"^Elected Members +\| +3 \| +0 \| +0% \| +–$", printed, re.M)
    assert "target 55% (2 of 3)" in printed
    assert main(["campaign", "update", "1", "--closes", later, "--target-members", "60"]) == 0
    assert f"closes {later}, targets officers 60%, members 60%" in capsys.readouterr().out
    assert main(["campaign", "update", "1"]) == 2
    assert "nothing to change" in capsys.readouterr().err
    assert main(["campaign", "list"]) == 0
    assert "open" in capsys.readouterr().out
    assert main(["campaign", "close", "1"]) == 0
    assert main(["campaign", "close", "1"]) == 2
    assert main(["campaign", "update", "1", "--closes", latest]) == 2
    assert "closed and can no longer be changed" in capsys.readouterr().err
    assert main(["rates"]) == 0
    assert "No campaign is open" in capsys.readouterr().out


async def test_invitations_added_to_a_running_campaign_continue_numbering(fw: World, monkeypatch, capsys):
    monkeypatch.setenv("DATATOOL_DB_PATH", str(fw.settings.db_path))
    monkeypatch.setenv("DATATOOL_BOT_USERNAME", "datatool_test_bot")
    argv = ["invites", "create", "--campaign", str(fw.campaign_id), "--role", "member", "--count", "2"]
    assert await asyncio.to_thread(main, argv) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [r.split(",")[0] for r in rows] == ["C1-M0066", "C1-M0067"]
    async with aiosqlite.connect(fw.settings.db_path) as conn:
        async with conn.execute("SELECT COUNT(*) FROM invitations WHERE role = 'member'") as cur:
            assert (await cur.fetchone())[0] == 67


async def test_auditors_see_their_commands_on_start_and_help_and_respondents_do_not(fw: World):
    async with fw.bot():
        auditor = fw.driver(AUDITOR)
        await auditor.start()
        assert "Auditor commands" in auditor.last.text and "/nonstarters council" in auditor.last.text
        assert "/resend council [item]" in auditor.last.text
        await auditor.command("help")
        assert "Auditor commands" in auditor.last.text
        outsider = fw.driver(OUTSIDER)
        await outsider.start()
        assert "personal link" in outsider.last.text
        await outsider.command("help")
        assert "Auditor" not in outsider.last.text and "/withdraw" in outsider.last.text


async def test_the_auditor_command_menu_lists_resend(fw: World):
    auditor = fw.driver(AUDITOR)
    await fw.emu.send_message(auditor.user, "/campaigns")  # the chat exists before the bot starts
    async with fw.bot():
        await auditor.expect("Campaigns")
    menu = dict(fw.emu.commands("chat", chat_id=AUDITOR))
    assert menu["resend"] == "The final report again: /resend council [item]" and "remind" in menu
