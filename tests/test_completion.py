"""Completion: fieldwork closes (date, everyone, auditor), the summary is compiled and posted to the auditors once,
even across restarts; /summary gives an interim one; the CLI writes the report."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from bot.emulator import FAULTS, parse_html
from bot.handlers import post_completions
from tests.support import (
    DOCUMENTS,
    World,
    add_campaign,
    compile_once,
    make_settings,
    person,
    seed_answers,
)

AUDITOR = 4242


@pytest.fixture
async def cw(emulator, tmp_path: Path, clock, questionnaires) -> World:
    settings = make_settings(
        emulator, tmp_path / "done.db", auditor_ids=frozenset({AUDITOR}), reports_dir=tmp_path / "reports"
    )
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=20, members=20)
    await seed_answers(settings.db_path, world.campaign_id, "officer", questionnaires["officer"], count=12, level="l2")
    await seed_answers(
        settings.db_path,
        world.campaign_id,
        "member",
        questionnaires["member"],
        count=9,
        level="l1",
        comment="<script>alert(1)</script> & call 07700 900123",
        first_user=9_100_000,
    )
    return world


async def run_completion(world: World) -> None:
    (job,) = world.app.job_queue.get_jobs_by_name("completion")
    await job.run(world.app)


def kinds(world: World, chat_id: int) -> list[str]:
    return [m.kind for m in world.emu.bot_messages(chat_id)]


async def test_auditor_close_posts_summary_charts_and_documents_once_across_restarts(cw: World, quick_reports):
    async with cw.bot():
        auditor = cw.driver(AUDITOR)
        await auditor.command("close", "flint")
        await auditor.tap("Close fieldwork now")
        # Closing schedules the posting at once (rather than at the next minute's tick) ...
        (now_job,) = [j for j in cw.app.job_queue.jobs() if j.callback is post_completions and j.name != "completion"]
        await now_job.run(cw.app)
        assert sum(m.kind == "document" for m in auditor.messages) == len(DOCUMENTS)
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
    assert files == [
        "answers-NOT-FOR-PUBLICATION.csv",
        "answers-NOT-FOR-PUBLICATION.xlsx",
        "questions.csv",
        "report-cy.docx",
        "report-cy.html",
        "report-en.docx",
        "report-en.html",
        "tables-cy.csv",
        "tables-en.csv",
        "tables.xlsx",
    ]
    report = next(m for m in messages if m.filename == "report-en.html").file_bytes.decode()
    assert "<script>alert(1)</script>" not in report and "&lt;script&gt;" in report
    assert "07700 900123" not in report
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        async with conn.execute("SELECT closed_reason, summary_posted_at IS NOT NULL FROM campaigns") as cur:
            assert await cur.fetchone() == ("auditor", 1)


async def test_a_crash_while_posting_resumes_without_repeating(cw: World, quick_reports):
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'auditor'")
        # As if the process died while sending the summary: it may or may not have arrived; never send it again.
        await conn.execute(
            "INSERT INTO postings (campaign_id, chat_id, item, status, at) VALUES (1, ?, 'summary', 'sending',"
            " '2026-11-25T09:00:00+00:00')",
            (AUDITOR,),
        )
        await conn.commit()
    async with cw.bot():
        await cw.driver(AUDITOR).command("campaigns")  # a bot can only post to auditors who have started it
        await run_completion(cw)
    assert not any("Response rates" in m.text for m in cw.emu.bot_messages(AUDITOR))
    assert sum(m.kind == "document" for m in cw.emu.bot_messages(AUDITOR)) == len(DOCUMENTS)
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        async with conn.execute("SELECT status FROM postings WHERE item = 'summary'") as cur:
            assert (await cur.fetchone())[0] == "unknown"


async def test_fieldwork_completes_when_the_close_date_passes_or_everyone_has_answered(cw: World):
    small, tokens = await add_campaign(cw, "Cardiff Council", officers=1, members=1)
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        await conn.execute(
            "INSERT INTO submissions SELECT id, role, 1, '2026-11-25T09:00:00+00:00' FROM invitations"
            " WHERE campaign_id = ?",
            (small,),
        )
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


async def test_interim_summary_follows_the_auditors_language(cw: World):
    async with cw.bot():
        auditor = cw.driver(AUDITOR)
        await auditor.command("language", "cy")
        await auditor.command("summary", "flint")
        text = auditor.last.text
    assert "DROS DRO" in text and "Interim" not in text and "INTERIM" not in text and "Leadership" not in text
    assert "Cyngor Sir y Fflint" in text and len(text) <= 4096
    parse_html(auditor.last.html or "")


async def test_cli_writes_the_report_for_a_council_and_the_national_picture(
    cw: World, tmp_path: Path, monkeypatch, capsys
):
    monkeypatch.setenv("DATATOOL_DB_PATH", str(cw.settings.db_path))
    out = tmp_path / "out"
    assert await asyncio.to_thread(main, ["report", "--authority", "flint", "--out", str(out)]) == 0
    written = {Path(line).name for line in capsys.readouterr().out.split()}
    assert {
        "report-en.html",
        "report-cy.html",
        "report-en.docx",
        "tables.xlsx",
        "answers-NOT-FOR-PUBLICATION.csv",
        "answers-NOT-FOR-PUBLICATION.xlsx",
        "summary-en.txt",
    } <= written
    html = (out / "report-cy.html").read_text()
    assert 'lang="cy"' in html and "viewport" in html
    national = tmp_path / "national"
    assert await asyncio.to_thread(main, ["report", "--national", "--out", str(national)]) == 0
    assert (national / "national.csv").read_text().count("Flintshire County Council") == 1


async def test_an_auditor_who_had_not_started_the_bot_gets_the_summary_later(cw: World, quick_reports):
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
        assert sum(m.kind == "document" for m in auditor.messages) == len(DOCUMENTS)
        cw.clock.advance(hours=2)
        await run_completion(cw)  # finished: nothing is posted twice
    assert sum("Response rates" in m.text for m in auditor.messages) == 1
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        async with conn.execute("SELECT summary_posted_at IS NOT NULL FROM campaigns") as cur:
            assert (await cur.fetchone())[0] == 1


# ---- Telegram faults while posting, items in doubt, /resend (issue 9, defect 5) -------------------------------------

SECOND = 4343
TIMEOUT, HELD = 1.0, 2.0  # the bot's read timeout in the timeout cases, and how long the emulator holds its answer
_COMPILED: dict[str, tuple[Path, list[Path]]] = {}


@pytest.fixture
def quick_reports(monkeypatch, tmp_path_factory):
    """Compile the report once and copy it afterwards: these tests are about posting, not compiling."""
    compile_once(monkeypatch, tmp_path_factory, _COMPILED)


async def two_auditors(world: World, **settings: object) -> None:
    world.settings = make_settings(
        world.emu,
        world.settings.db_path,
        auditor_ids=frozenset({AUDITOR, SECOND}),
        reports_dir=world.settings.reports_dir,
        rate_limit_retries=0,
        **settings,
    )
    async with aiosqlite.connect(world.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'date'")
        await conn.commit()


def received(world: World, chat_id: int) -> Counter:
    """What reached a chat, by item: the summary, each chart (photos are told apart by their order), each file."""
    counts: Counter = Counter()
    photos = 0
    for m in world.emu.bot_messages(chat_id):
        if m.kind == "text" and "Response rates" in m.text:
            counts["summary"] += 1
        elif m.kind == "photo":
            photos += 1
        elif m.kind == "document":
            counts[m.filename] += 1
    counts["photos"] = photos
    return counts


def notices(world: World, chat_id: int) -> list[str]:
    return [m.text for m in world.emu.bot_messages(chat_id) if "/resend" in m.text and "may not have reached" in m.text]


async def posted_at(world: World) -> str | None:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT summary_posted_at FROM campaigns WHERE id = ?", (world.campaign_id,)) as cur:
            return (await cur.fetchone())[0]


async def posting_statuses(world: World) -> Counter:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT status FROM postings WHERE item NOT LIKE 'notice:%'") as cur:
            return Counter([row[0] async for row in cur])


# The second call of each method meets the fault: the second auditor's summary (each auditor's first message is
# the reply to their /campaigns, sent before the fault is set), the first auditor's second chart, the first
# auditor's second document (report-cy.html).
HIT = {
    "sendMessage": (SECOND, "message", 0),
    "sendPhoto": (AUDITOR, "photo", 1),
    "sendDocument": (AUDITOR, "document", 1),
}


@pytest.mark.parametrize("method", ["sendMessage", "sendPhoto", "sendDocument"])
@pytest.mark.parametrize("fault", FAULTS)
async def test_posting_under_a_telegram_fault_reaches_every_auditor_once_and_tells_them_what_is_in_doubt(
    cw: World, quick_reports, method: str, fault: str
):
    await two_auditors(cw, telegram_timeout=TIMEOUT if fault == "timeout" else 10.0)
    async with cw.bot() as services:
        first, second = person(cw, AUDITOR), person(cw, SECOND)
        for auditor in (first, second):
            await auditor.command("campaigns")  # a bot can only post to auditors who have started it
        bundle = await services.completion.final_bundle(cw.campaign_id)
        cw.emu.strike(method, fault, after=1, hold=HELD)
        await run_completion(cw)  # no exception escapes, whatever Telegram does
        settled_at_once = await posted_at(cw)
        for minutes in (1, 5, 25, 61, 61):  # flood control's 5 s, the back-off, the hourly retry of a refusal
            cw.clock.advance(minutes=minutes, seconds=1)
            await run_completion(cw)
        chat, kind, index = HIT[method]
        key = [i.key for i in bundle.items if i.kind == kind][index]
        if fault == "timeout":  # follow the notice's instruction: the item comes again, because the auditor asked
            (notice,) = notices(cw, chat)
            command = re.search(r"/resend \S+ \S+", notice).group(0)
            driver = first if chat == AUDITOR else second
            await driver.send(command)
            assert "sent again to this chat" in driver.last.text
    charts = sum(i.kind == "photo" for i in bundle.items)
    expected = Counter({"summary": 1, "photos": charts, **{i.key: 1 for i in bundle.items if i.kind == "document"}})
    for auditor in (AUDITOR, SECOND):
        got = received(cw, auditor)
        if fault == "timeout" and auditor == chat:  # in doubt, told, and re-sent only on request
            assert got == expected + Counter({"photos" if kind == "photo" else key: 1}), got
            (notice,) = notices(cw, auditor)
            assert key in notice and f"/resend flintshire {key}" in notice and "Flintshire County Council" in notice
        else:
            assert got == expected, (auditor, got)  # every item exactly once
            assert notices(cw, auditor) == []
    statuses = await posting_statuses(cw)
    total = 2 * len(bundle.items)
    assert statuses == (Counter({"sent": total - 1, "unknown": 1}) if fault == "timeout" else Counter({"sent": total}))
    # Finished only when everything is settled: at once when the one in doubt was told, else after the retry.
    assert (settled_at_once is not None) == (fault == "timeout")
    assert await posted_at(cw) is not None


async def test_resend_posts_the_final_report_again_to_the_asking_auditor_only(cw: World, quick_reports):
    await two_auditors(cw)
    async with cw.bot() as services:
        auditor, outsider = person(cw, AUDITOR), person(cw, 777)
        await auditor.command("resend", "flint")
        assert "still open" not in auditor.last.text  # the campaign is closed: its final report exists
        bundle = await services.completion.final_bundle(cw.campaign_id)
        assert received(cw, AUDITOR) == Counter(
            {
                "summary": 1,
                "photos": sum(i.kind == "photo" for i in bundle.items),
                **{i.key: 1 for i in bundle.items if i.kind == "document"},
            }
        )
        assert "sent again to this chat: the summary message" in auditor.last.text
        await auditor.command("resend", "flint", "tables.xlsx")
        assert received(cw, AUDITOR)["tables.xlsx"] == 2 and "tables.xlsx" in auditor.last.text
        await auditor.command("resend", "flint", "questions")  # the extension may be left off
        assert received(cw, AUDITOR)["questions.csv"] == 2
        await auditor.command("resend", "flint", "chart-nothing.png")
        assert "No single item" in auditor.last.text and "report-cy.html" in auditor.last.text
        await outsider.command("resend", "flint")
        assert "don't know that command" in outsider.last.text
        assert received(cw, 777) == Counter({"photos": 0})
        cardiff, _ = await add_campaign(cw, "Cardiff Council", officers=1, members=1)
        await auditor.command("resend", "cardiff")
        assert "still open" in auditor.last.text
    # /resend is explicit and outside the record: the scheduled posting still owes everyone their copy.
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        async with conn.execute("SELECT COUNT(*) FROM postings") as cur:
            assert (await cur.fetchone())[0] == 0


async def test_a_crash_while_posting_tells_the_auditor_what_may_be_missing(cw: World, quick_reports):
    await two_auditors(cw)
    async with aiosqlite.connect(cw.settings.db_path) as conn:
        # The process died while sending report-en.html to the first auditor: it may or may not have arrived.
        await conn.execute(
            "INSERT INTO postings (campaign_id, chat_id, item, status, at) VALUES (?, ?, 'report-en.html',"
            " 'sending', '2026-11-25T09:00:00+00:00')",
            (cw.campaign_id, AUDITOR),
        )
        await conn.commit()
    async with cw.bot():
        for auditor in (AUDITOR, SECOND):
            await person(cw, auditor).command("campaigns")
        await run_completion(cw)
        await run_completion(cw)  # nothing more: the notice is posted once too
    assert received(cw, AUDITOR)["report-en.html"] == 0 and received(cw, SECOND)["report-en.html"] == 1
    (notice,) = notices(cw, AUDITOR)
    assert "report-en.html" in notice and "/resend flintshire report-en.html" in notice
    assert notices(cw, SECOND) == []
    assert await posted_at(cw) is not None


async def test_failed_items_from_before_the_upgrade_keep_their_hourly_retry(tmp_path: Path):
    from storage.database import discover, migrate

    shipped = discover()
    async with aiosqlite.connect(tmp_path / "old.db") as conn:
        await migrate(conn, [m for m in shipped if m.version <= 7])
        await conn.execute("INSERT INTO authorities (name) VALUES ('Flintshire County Council')")
        await conn.execute(
            "INSERT INTO campaigns (authority_id, opens_on, closes_on, created_at)"
            " VALUES (1, '2026-11-01', '2026-11-20', '2026-11-01T00:00:00+00:00')"
        )
        await conn.executemany(
            "INSERT INTO postings (campaign_id, chat_id, item, status, at, attempts) VALUES (1, ?, 'summary', ?, ?, ?)",
            [
                (1, "failed", "2026-11-25T10:00:00+00:00", 3),
                (2, "failed", "2026-11-25T10:00:00+00:00", 48),
                (3, "sent", "2026-11-25T10:00:00+00:00", 1),
            ],
        )
        await conn.commit()
        await migrate(conn, shipped)
        async with conn.execute("SELECT chat_id, not_before FROM postings ORDER BY chat_id") as cur:
            rows = [tuple(row) async for row in cur]
    # Still due an hour after the last attempt; given up (48 attempts) and sent stay as they were.
    assert rows == [(1, "2026-11-25T11:00:00+00:00"), (2, None), (3, None)]


def test_what_settles_a_campaign_and_how_long_a_retry_waits():
    from datetime import timedelta

    from flows.completion import BACKOFF, MAX_ATTEMPTS, NOTICE_PREFIX, REFUSED_WAIT, settled, wait_after
    from flows.delivery import Delivery, Outcome
    from flows.ports.completion import Item, Posting

    items = [Item("summary", "message", "x"), Item("report-en.html", "document")]
    later = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    sent = [Posting(1, "summary", "sent", 1), Posting(1, "report-en.html", "sent", 1)]
    assert settled(sent, [1], items) and not settled(sent, [1, 2], items)  # a recipient still owed everything
    retrying = [sent[0], Posting(1, "report-en.html", "failed", 2, later)]
    assert not settled(retrying, [1], items)
    given_up = [sent[0], Posting(1, "report-en.html", "failed", MAX_ATTEMPTS, None)]
    assert settled(given_up, [1], items)
    in_doubt = [sent[0], Posting(1, "report-en.html", "unknown", 1)]
    assert not settled(in_doubt, [1], items)  # not until the chat has been told
    assert not settled([*in_doubt, Posting(1, NOTICE_PREFIX + "report-en.html", "sending", 1)], [1], items)
    assert settled([*in_doubt, Posting(1, NOTICE_PREFIX + "report-en.html", "sent", 1)], [1], items)
    server_error, refused = Delivery(Outcome.RETRY), Delivery(Outcome.UNREACHABLE)
    assert [wait_after(server_error, n) for n in (1, 2, 3, 4)] == [*BACKOFF, REFUSED_WAIT]
    assert BACKOFF[0] <= timedelta(minutes=1)  # back-off starts within a minute
    assert wait_after(Delivery(Outcome.RETRY, retry_after=30), 1) == timedelta(seconds=30)
    assert wait_after(refused, 1) == timedelta(hours=1) and wait_after(refused, MAX_ATTEMPTS) is None
