"""Completion: fieldwork closes (date, everyone, auditor), the summary is compiled and posted to the auditors once,
even across restarts; /summary gives an interim one; the CLI writes the report."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from bot.emulator import parse_html
from bot.handlers import post_completions
from tests.support import World, add_campaign, make_settings, seed_answers

AUDITOR = 4242


@pytest.fixture
async def cw(emulator, tmp_path: Path, clock, questionnaires) -> World:
    settings = make_settings(emulator, tmp_path / "done.db", auditor_ids=frozenset({AUDITOR}),
                             reports_dir=tmp_path / "reports")
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=20, members=20)
    await seed_answers(settings.db_path, world.campaign_id, "officer", questionnaires["officer"], count=12, level="l2")
    await seed_answers(settings.db_path, world.campaign_id, "member", questionnaires["member"], count=9, level="l1",
                       comment="<script>alert(1)</script> & call 07700 900123", first_user=9_100_000)
    return world


async def run_completion(world: World) -> None:
    (job,) = world.app.job_queue.get_jobs_by_name("completion")
    await job.run(world.app)


def kinds(world: World, chat_id: int) -> list[str]:
    return [m.kind for m in world.emu.bot_messages(chat_id)]


async def test_auditor_close_posts_summary_charts_and_documents_once_across_restarts(cw: World):
    async with cw.bot():
        auditor = cw.driver(AUDITOR)
        await auditor.command("close", "flint")
        await auditor.tap("Close fieldwork now")
        # Closing schedules the posting at once (rather than at the next minute's tick) ...
        (now_job,) = [j for j in cw.app.job_queue.jobs() if j.callback is post_completions and j.name != "completion"]
        await now_job.run(cw.app)
        assert sum(m.kind == "document" for m in auditor.messages) == 5
        await run_completion(cw)  # ... and the regular tick then finds nothing left to post
    async with cw.bot():  # restart: the job runs again at start-up
        await run_completion(cw)
    messages = cw.emu.bot_messages(AUDITOR)
    summaries = [m for m in messages if m.kind == "text" and "Response rates" in m.text]
    assert len(summaries) == 1
    summary = summaries[0]
    assert len(summary.text) <= 4096 and "Flintshire County Council" in summary.text
    assert "INTERIM" not in summary.text.upper()
    assert sum(m.kind == "photo" for m in messages) >= 3
    files = sorted(m.filename for m in messages if m.kind == "document")
    assert files == ["answers.csv", "answers.xlsx", "questions.csv", "report-cy.html", "report-en.html"]
    report = next(m for m in messages if m.filename == "report-en.html").file_bytes.decode()
    assert "<script>alert(1)</script>" not in report and "&lt;script&gt;" in report
    assert "07700 900123" not in report
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        async with conn.execute("SELECT closed_reason, summary_posted_at IS NOT NULL FROM campaigns") as cur:
            assert await cur.fetchone() == ("auditor", 1)


async def test_a_crash_while_posting_resumes_without_repeating(cw: World):
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'auditor'")
        # As if the process died while sending the summary: it may or may not have arrived; never send it again.
        await conn.execute("INSERT INTO postings (campaign_id, chat_id, item, status, at) VALUES (1, ?, 'summary', 'sending',"
                           " '2026-11-25T09:00:00+00:00')", (AUDITOR,))
        await conn.commit()
    async with cw.bot():
        await cw.driver(AUDITOR).command("campaigns")  # a bot can only post to auditors who have started it
        await run_completion(cw)
    assert not any("Response rates" in m.text for m in cw.emu.bot_messages(AUDITOR))
    assert sum(m.kind == "document" for m in cw.emu.bot_messages(AUDITOR)) == 5
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        async with conn.execute("SELECT status FROM postings WHERE item = 'summary'") as cur:
            assert (await cur.fetchone())[0] == "unknown"


async def test_fieldwork_completes_when_the_close_date_passes_or_everyone_has_answered(cw: World):
    small, tokens = await add_campaign(cw, "Cardiff Council", officers=1, members=1)
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        await conn.execute("INSERT INTO submissions SELECT id, role, 1, '2026-11-25T09:00:00+00:00' FROM invitations"
                           " WHERE campaign_id = ?", (small,))
        await conn.commit()
    async with cw.bot() as services:
        closed = await services.completion.close_completed()
        assert [c.authority for c in closed] == ["Cardiff Council"]  # everyone answered
        cw.clock.advance(days=21)  # Flintshire closes 20 days after the fake today
        closed = await services.completion.close_completed()
        assert [c.authority for c in closed] == ["Flintshire County Council"]
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        async with conn.execute("SELECT closed_reason FROM campaigns ORDER BY id") as cur:
            assert [row[0] async for row in cur] == ["date", "complete"]


async def test_interim_summary_on_request_is_labelled(cw: World):
    async with cw.bot():
        auditor = cw.driver(AUDITOR)
        await auditor.command("summary", "flint")
        text = auditor.last.text
        outsider = cw.driver(555)
        await outsider.command("summary", "flint")
        assert "don't know that command" in outsider.last.text
    assert "interim" in text.lower() and "Leadership" in text and len(text) <= 4096
    parse_html(auditor.last.html or "")


async def test_cli_writes_the_report_for_a_council_and_the_national_picture(cw: World, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("DATATOOL_DB_PATH", str(cw.settings.db_path))
    out = tmp_path / "out"
    assert await asyncio.to_thread(main, ["report", "--authority", "flint", "--out", str(out)]) == 0
    written = {Path(line).name for line in capsys.readouterr().out.split()}
    assert {"report-en.html", "report-cy.html", "answers.csv", "answers.xlsx", "summary-en.txt"} <= written
    html = (out / "report-cy.html").read_text()
    assert 'lang="cy"' in html and "viewport" in html
    national = tmp_path / "national"
    assert await asyncio.to_thread(main, ["report", "--national", "--out", str(national)]) == 0
    assert (national / "national.csv").read_text().count("Flintshire County Council") == 1


async def test_an_auditor_who_had_not_started_the_bot_gets_the_summary_later(cw: World):
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'date'")
        await conn.commit()
    async with cw.bot():
        await run_completion(cw)  # the auditor has never written to the bot: Telegram refuses ("chat not found")
        assert cw.emu.bot_messages(AUDITOR) == []
        auditor = cw.driver(AUDITOR)
        await auditor.command("campaigns")
        await run_completion(cw)  # too soon: retries wait an hour
        assert not any("Response rates" in m.text for m in auditor.messages)
        cw.clock.advance(hours=1, minutes=1)
        await run_completion(cw)
        assert sum("Response rates" in m.text for m in auditor.messages) == 1
        assert sum(m.kind == "document" for m in auditor.messages) == 5
        cw.clock.advance(hours=2)
        await run_completion(cw)  # finished: nothing is posted twice
    assert sum("Response rates" in m.text for m in auditor.messages) == 1
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        async with conn.execute("SELECT summary_posted_at IS NOT NULL FROM campaigns") as cur:
            assert (await cur.fetchone())[0] == 1
