"""Results back to respondents (issue 13 item 4): at submission a respondent may ask for the council's results; on
completion those who said yes get the final report's brief summary in their language, once, through the same
at-most-once delivery as reminders and postings (claimed ``sending`` before the send; ``sent``; ``failed`` and
retried after a 5xx, given up after a 403; ``unknown`` after a timeout, never resent).  All against the local Bot API
emulator, never the real Telegram."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from bot.emulator import parse_html
from flows import callbacks
from flows.callbacks import Action
from flows.i18n import catalogue
from flows.model import Questionnaire
from flows.questions.text import TextQuestion
from tests.support import (
    World,
    add_campaign,
    as_shown,
    last_toast,
    make_settings,
    no_failure,
    onboard,
    person,
    prefill,
    seed_answers,
)

AUTHORITY, AUTHORITY_CY = "Flintshire County Council", "Cyngor Sir y Fflint"
HEADINGS = ("The results of the data tool at", "Canlyniadau'r offeryn data:")
TIMEOUT, HELD = 1.0, 2.0  # the bot's read timeout in the timeout case, and how long the emulator holds its answer


async def results_world(emulator, tmp_path: Path, clock, questionnaires, **settings: object) -> World:
    settings = make_settings(
        emulator, tmp_path / "results.db", reports_dir=tmp_path / "reports", rate_limit_retries=0, **settings
    )
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, AUTHORITY, officers=20, members=20)
    # Officers: enough for a breakdown; members: 3 seeded + at most 2 through the bot, under 5: never broken down.
    await seed_answers(settings.db_path, world.campaign_id, "officer", questionnaires["officer"], count=12)
    await seed_answers(
        settings.db_path,
        world.campaign_id,
        "member",
        questionnaires["member"],
        count=3,
        level="l1",
        first_user=9_100_000,
    )
    return world


@pytest.fixture
async def rw(emulator, tmp_path: Path, clock, questionnaires) -> World:
    return await results_world(emulator, tmp_path, clock, questionnaires)


def answers_for(qn: Questionnaire) -> dict[str, str | None]:
    return {q.id: ("dk" if q.type != TextQuestion.name else None) for q in qn.questions if q.show_if is None}


async def submit(
    world: World, user_id: int, token: str, role: str, *, language: str = "English", results: str | None = None
):
    """Open the link, answer everything, submit, then (optionally) press one of the thank-you screen's buttons."""
    driver = person(world, user_id, "cy" if language == "Cymraeg" else "en")
    await onboard(driver, token, language)
    await prefill(world.settings.db_path, token, answers_for(world.questionnaires[role]))
    await driver.command("review")
    await driver.tap(callbacks.encode(Action.SUBMIT))
    thanks = driver.last
    assert {callbacks.without_owner(d) for d in thanks.callback_data} == {"res:yes", "res:no"}
    if results is not None:
        await driver.tap(callbacks.encode(Action.RESULTS, results))
    return driver


async def close(world: World) -> None:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'auditor'")
        await conn.commit()


async def run_completion(world: World) -> None:
    """The completion job's tick, as bot/app.py schedules it: the auditors' posting, then the results."""
    (job,) = world.app.job_queue.get_jobs_by_name("completion")
    await job.run(world.app)


def results_received(world: World, chat_id: int) -> list:
    return [m for m in world.emu.bot_messages(chat_id) if m.text.startswith(HEADINGS)]


async def wanted(world: World) -> dict[int, bool]:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT id, results_wanted_at IS NOT NULL FROM invitations") as cur:
            return {row[0]: bool(row[1]) async for row in cur}


async def deliveries(world: World) -> list[tuple[str, int, bool]]:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute(
            "SELECT status, attempts, not_before IS NOT NULL FROM results_deliveries ORDER BY invitation_id"
        ) as cur:
            return [tuple(row) async for row in cur]


def expected_text(folder: Path, language: str, authority: str) -> str:
    """The heading, then the bundle's summary file: the very text the auditors get, under the same suppression."""
    summary = (folder / f"summary-{language}.txt").read_text(encoding="utf-8")
    heading = catalogue().t("results_heading", language, authority=authority)
    return parse_html(f"{heading}\n\n{summary}")[0]


async def test_yes_gets_the_summary_in_welsh_once_across_a_restart_and_no_gets_nothing(rw: World):
    async with rw.bot() as services:
        welsh = await submit(rw, 3001, rw.tokens["member"][-1], "member", language="Cymraeg", results="yes")
        assert "Wedi'i nodi" in (last_toast(rw.emu) or "")
        again = await welsh.tap(callbacks.encode(Action.RESULTS, "yes"))  # pressing again: already noted
        assert "eisoes" in (last_toast(rw.emu) or "") and again is not None
        english = await submit(rw, 3002, rw.tokens["officer"][-1], "officer", results="yes")
        declined = await submit(rw, 3003, rw.tokens["officer"][-2], "officer", results="no")
        changed = await submit(rw, 3004, rw.tokens["officer"][-3], "officer", results="yes")
        await changed.tap(callbacks.encode(Action.RESULTS, "no"))  # a change of mind before the results go out
        assert "will not send" in (last_toast(rw.emu) or "")
        silent = await submit(rw, 3005, rw.tokens["member"][-2], "member")  # never answered: the default is no
        await close(rw)
        await run_completion(rw)
        bundle = await services.completion.final_bundle(rw.campaign_id)
        await run_completion(rw)  # the next tick finds nothing owed
    async with rw.bot():  # restart: the job runs again
        await run_completion(rw)
    (cy,) = results_received(rw, 3001)
    (en,) = results_received(rw, 3002)
    assert cy.text == expected_text(bundle.folder, "cy", AUTHORITY_CY) and len(cy.text) <= 4096
    assert en.text == expected_text(bundle.folder, "en", AUTHORITY)
    assert "Response rates" in en.text and "INTERIM" not in en.text.upper()
    for driver in (declined, changed, silent):
        assert results_received(rw, driver.user.id) == []
    assert await deliveries(rw) == [("sent", 1, False), ("sent", 1, False)]
    for driver in (welsh, english, declined, changed, silent):
        no_failure(driver)


async def test_the_summary_respects_suppression(rw: World):
    """A group under 5 (members: 4 answered) is not broken down in the summary the respondent gets: it is the
    auditors' summary file, word for word."""
    async with rw.bot() as services:
        await submit(rw, 3011, rw.tokens["member"][-1], "member", results="yes")
        await close(rw)
        await run_completion(rw)
        bundle = await services.completion.final_bundle(rw.campaign_id)
    (message,) = results_received(rw, 3011)
    summary = (bundle.folder / "summary-en.txt").read_text(encoding="utf-8")
    assert message.text == expected_text(bundle.folder, "en", AUTHORITY)
    assert message.text.endswith(parse_html(summary)[0])
    assert "fewer than 5" in message.text or "<5" in message.text  # the members' breakdown is withheld
    assert next(i.text for i in bundle.items if i.key == "summary") == summary  # what the auditors are posted


async def test_a_5xx_is_retried_and_delivered_once(rw: World):
    async with rw.bot():
        await submit(rw, 3021, rw.tokens["officer"][-1], "officer", results="yes")
        await close(rw)
        rw.emu.strike("sendMessage", "500")
        await run_completion(rw)
        assert results_received(rw, 3021) == []
        assert await deliveries(rw) == [("failed", 1, True)]  # certainly not delivered: waits for its retry
        await run_completion(rw)  # not due yet
        rw.clock.advance(minutes=1, seconds=1)
        await run_completion(rw)
        rw.clock.advance(hours=2)
        await run_completion(rw)
    assert len(results_received(rw, 3021)) == 1
    assert await deliveries(rw) == [("sent", 2, False)]


async def test_a_timeout_after_delivery_is_recorded_unknown_and_not_resent(emulator, tmp_path, clock, questionnaires):
    world = await results_world(emulator, tmp_path, clock, questionnaires, telegram_timeout=TIMEOUT)
    async with world.bot():
        await submit(world, 3031, world.tokens["officer"][-1], "officer", results="yes")
        await close(world)
        world.emu.strike("sendMessage", "timeout", hold=HELD)
        await run_completion(world)
        for minutes in (1, 5, 25, 61):
            world.clock.advance(minutes=minutes, seconds=1)
            await run_completion(world)
    async with world.bot():  # and not after a restart either
        await run_completion(world)
    assert len(results_received(world, 3031)) == 1  # it did arrive, once: the bot could not know
    assert [status for status, _, _ in await deliveries(world)] == ["unknown"]


async def test_a_403_is_failed_and_not_retried(rw: World):
    async with rw.bot():
        driver = await submit(rw, 3041, rw.tokens["officer"][-1], "officer", results="yes")
        await close(rw)
        rw.emu.strike("sendMessage", "403")
        await run_completion(rw)
        for minutes in (1, 5, 25, 61, 61):
            rw.clock.advance(minutes=minutes, seconds=1)
            await run_completion(rw)
        # Too late to change one's mind: the results went out (here: were given up).
        await driver.tap_on(driver.last.message_id, as_shown(driver, Action.RESULTS, "no"), forge=True)
        assert "already gone out" in (last_toast(rw.emu) or "")
    assert results_received(rw, 3041) == []
    assert await deliveries(rw) == [("failed", 1, False)]
    assert sum((await wanted(rw)).values()) == 1  # the choice itself is kept as it was


async def test_a_crash_while_sending_is_recorded_unknown_and_never_resent(rw: World):
    async with rw.bot():
        await submit(rw, 3051, rw.tokens["officer"][-1], "officer", results="yes")
    await close(rw)
    async with aiosqlite.connect(rw.settings.db_path) as conn:  # as if the process died while sending it
        await conn.execute(
            "INSERT INTO results_deliveries (invitation_id, status, at) SELECT id, 'sending',"
            " '2026-11-25T09:00:00+00:00' FROM invitations WHERE results_wanted_at IS NOT NULL"
        )
        await conn.commit()
    async with rw.bot():
        await run_completion(rw)
    assert results_received(rw, 3051) == []
    assert await deliveries(rw) == [("unknown", 1, False)]


async def test_a_withdrawn_respondent_gets_nothing(rw: World):
    async with rw.bot():
        driver = await submit(rw, 3061, rw.tokens["officer"][-1], "officer", results="yes")
        assert any((await wanted(rw)).values())
        await driver.command("withdraw")
        await driver.tap(callbacks.encode(Action.WITHDRAW, "yes"))
        assert not any((await wanted(rw)).values())  # cleared with everything else
        await close(rw)
        await run_completion(rw)
    assert results_received(rw, 3061) == []
    assert await deliveries(rw) == []


async def test_forged_or_stale_results_buttons_change_nothing(rw: World):
    async with rw.bot():
        asker = await submit(rw, 3071, rw.tokens["officer"][-1], "officer", results="yes")
        other = person(rw, 3072)
        await onboard(other, rw.tokens["officer"][-2])  # not submitted yet
        question = other.last
        # Someone else's results button (another invitation): the usual stale answer, nothing changes.
        forged = as_shown(asker, Action.RESULTS, "no")
        await other.tap_on(question.message_id, forged, forge=True)
        stale = catalogue().raw("stale_button", "en")
        assert last_toast(rw.emu) == stale
        # Their own invitation's results button before they have submitted: stale too.
        await other.tap_on(question.message_id, as_shown(other, Action.RESULTS, "yes"), forge=True)
        assert last_toast(rw.emu) == stale
        # Malformed arguments on the asker's own invitation.
        for data in (
            as_shown(asker, Action.RESULTS, "maybe"),
            as_shown(asker, Action.RESULTS),
            as_shown(asker, Action.RESULTS, "no", "x"),
        ):
            await asker.tap_on(asker.last.message_id, data, forge=True)
            assert last_toast(rw.emu) == stale
        state = await wanted(rw)
        no_failure(asker), no_failure(other)
    assert [i for i, yes in state.items() if yes] == [invitation_of(asker)]
    for data in (forged, as_shown(asker, Action.RESULTS, "yes")):
        assert len(data.encode()) <= callbacks.MAX_BYTES


def invitation_of(driver) -> int:
    for message in reversed(driver.messages):
        for data in message.callback_data:
            cb = callbacks.decode(data)
            if cb is not None and cb.owner is not None:
                return cb.owner
    raise AssertionError("no invitation on this person's buttons")
