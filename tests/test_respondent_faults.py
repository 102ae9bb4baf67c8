"""The respondent's promises under Telegram's faults and misuse, end to end through the emulator.

Each test injects a fault the way Telegram really fails (a 5xx, flood control that outlasts the rate limiter, a
message that can no longer be edited, an answer that arrives after the read timeout) or misuses the bot the way a
person can (a second invitation link, an old button, text with control characters), then checks what the person
sees and what is in the database: no answer lost, nobody left without the next screen, nothing sent twice.
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiosqlite
import pytest

from bot.emulator import FAULTS
from flows.callbacks import Action
from flows.tokens import hash_token
from tests.support import (
    FAILURE,
    World,
    add_campaign,
    as_shown,
    current_question,
    last_toast,
    make_settings,
    no_failure,
    onboard,
    person,
    prefill,
    seed_campaign,
    stored_answers,
)

pytestmark = pytest.mark.asyncio

SCREEN_LOST = "Saved. If the next question did not appear, send /resume."


async def world_with(emulator, clock, questionnaires, tmp_path: Path, **settings: object) -> World:
    """A world whose bot has these settings (e.g. no 429 retries, a short read timeout)."""
    world = World(
        emu=emulator,
        settings=make_settings(emulator, tmp_path / "datatool.db", **settings),
        clock=clock,
        questionnaires=questionnaires,
    )
    await seed_campaign(world)
    return world


async def cursor_of(db_path: Path, token: str) -> str | None:
    async with aiosqlite.connect(db_path) as conn:
        async with conn.execute("SELECT cursor FROM invitations WHERE token_hash = ?", (hash_token(token),)) as cur:
            row = await cur.fetchone()
    assert row is not None
    return row[0]


async def press(driver, message_id: int, data: str) -> str | None:
    before = len(driver.emulator.callback_answers)
    await driver.tap_on(message_id, data, forge=True)
    assert len(driver.emulator.callback_answers) == before + 1, "the press was not answered"
    return last_toast(driver.emulator)


def screens_of(driver, question_id: str) -> list:
    return [m for m in driver.messages if m.callback_data and current_question(m)[0] == question_id]


# ---- a failed edit never leaves the respondent stuck -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "description"),
    [
        (500, ""),
        (502, ""),
        (400, "Bad Request: message to edit not found"),
        (400, "Bad Request: message can't be edited"),
    ],
    ids=["500", "502", "deleted", "too-old"],
)
async def test_failed_edit_sends_the_next_question_as_a_new_message(world: World, code: int, description: str):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 7001)
        await onboard(driver, token)
        question = driver.last
        world.emu.fail_next("editMessageText", code, description)
        toast = await press(driver, question.message_id, driver.data_of(question, "a:kc_leadership:l2"))
        assert toast is None  # the press is answered (the spinner stops) and nothing alarming is said
        assert current_question(driver.last) == ("kc_standards", "choice")
        assert driver.last.message_id != question.message_id  # sent anew, since the edit failed
        assert len(screens_of(driver, "kc_standards")) == 1
        no_failure(driver)
        # A second tap on the old message (its edit never arrived) shows the current question there: no one is stuck.
        toast = await press(driver, question.message_id, driver.data_of(question, "a:kc_leadership:l2"))
        assert toast == "Already saved."
        old = next(m for m in driver.messages if m.message_id == question.message_id)
        assert current_question(old) == ("kc_standards", "choice")
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2"}
    assert await cursor_of(world.settings.db_path, token) == "kc_standards"


async def test_persistent_flood_control_on_edit_still_shows_the_next_question(
    tmp_path: Path, emulator, clock, questionnaires
):
    # No retries of a 429 in the rate limiter: the edit fails at once with RetryAfter.
    world = await world_with(emulator, clock, questionnaires, tmp_path, rate_limit_retries=0)
    settings = world.settings
    token = world.tokens["member"][0]
    async with world.bot():
        driver = person(world, 7002)
        await onboard(driver, token)
        question = driver.last
        world.emu.fail_next("editMessageText", 429, retry_after=30, times=3)
        await press(driver, question.message_id, driver.data_of(question, "a:kc_leadership:l3"))
        assert current_question(driver.last) == ("kc_standards", "choice")
        no_failure(driver)
    assert await stored_answers(settings.db_path, token) == {"kc_leadership": "l3"}


async def test_edit_that_times_out_after_delivery_is_not_sent_again(tmp_path: Path, emulator, clock, questionnaires):
    world = await world_with(emulator, clock, questionnaires, tmp_path, telegram_timeout=0.3)
    settings = world.settings
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 7003)
        await onboard(driver, token)
        question = driver.last
        sends_before = len(world.emu.calls_to("sendMessage"))
        world.emu.delay_next("editMessageText", 1.0)  # carried out, but answered after the bot gave up waiting
        toast = await press(driver, question.message_id, driver.data_of(question, "a:kc_leadership:l1"))
        await world.emu.wait_for(lambda: current_question(driver.last)[0] == "lead_help", 5)
        assert toast == SCREEN_LOST  # in doubt: the person is told how to get the screen back, nothing is resent
        assert len(world.emu.calls_to("sendMessage")) == sends_before
        assert len(screens_of(driver, "lead_help")) == 1
        # /resume brings the question back for anyone whose edit really was lost.
        await driver.command("resume")
        assert current_question(driver.last) == ("lead_help", "text")
    assert await stored_answers(settings.db_path, token) == {"kc_leadership": "l1"}


async def test_a_new_screen_that_fails_with_a_5xx_is_sent_again(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 7004)
        await onboard(driver, token)
        await driver.tap("Level 1")
        assert current_question(driver.last) == ("lead_help", "text")
        world.emu.fail_next("sendMessage", 500)  # the reply to the typed answer fails once, certainly undelivered
        await driver.send("More data training")
        await driver.expect("Question 3 of")
        assert len(screens_of(driver, "kc_standards")) == 1
        no_failure(driver)
    assert (await stored_answers(world.settings.db_path, token))["lead_help"] == "More data training"


async def test_an_error_in_a_handler_logs_type_and_place_only_and_answers_the_press(
    world: World, monkeypatch, caplog: pytest.LogCaptureFixture
):
    token = world.tokens["officer"][0]
    secret = "my confidential comment about the chief executive"
    async with world.bot() as services:
        driver = person(world, 7005)
        await onboard(driver, token)

        async def broken(*args: object, **kwargs: object) -> None:
            raise ValueError(secret)

        monkeypatch.setattr(services.respondents, "press", broken)
        with caplog.at_level(logging.DEBUG):
            toast = await press(driver, driver.last.message_id, driver.data_of(driver.last, "a:kc_leadership:l2"))
            await driver.expect(FAILURE)
    assert toast is None
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "ValueError at" in logged and "test_respondent_faults.py" in logged
    assert secret not in logged and "Traceback" not in logged
    assert not any(r.exc_info for r in caplog.records if r.name.startswith("bot"))


# ---- typed text ---------------------------------------------------------------------------------------------------


async def test_control_characters_are_dropped_and_text_normalised_on_the_way_in(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 7010)
        await onboard(driver, token)
        await driver.tap("Level 1")
        # Vertical tab, escape, NUL, a C1 control, a decomposed ŵ (w + combining circumflex), tab and newline kept.
        await driver.send("Data\x0b in\x1b[31m silos\x00\x85 y Cymraeg: w\u0302\tline\r\nnext")
        assert current_question(driver.last) == ("kc_standards", "choice")
    stored = (await stored_answers(world.settings.db_path, token))["lead_help"]
    assert stored == "Data in[31m silos y Cymraeg: \u0175\tline\nnext"


async def test_text_with_a_lone_surrogate_is_refused_with_a_try_again(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 7011)
        await onboard(driver, token)
        await driver.tap("Level 1")
        reply = await driver.send("broken \ud800 text")
        assert "could not be read" in reply.text and "type it again" in reply.text
        assert current_question(reply) == ("lead_help", "text")
        await driver.send("Readable now")
        assert current_question(driver.last) == ("kc_standards", "choice")
        no_failure(driver)
    assert (await stored_answers(world.settings.db_path, token))["lead_help"] == "Readable now"


async def test_stale_skip_never_wipes_a_typed_comment(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 7012)
        await onboard(driver, token)
        await driver.tap("Level 1")
        comment_question = driver.last
        assert current_question(comment_question) == ("lead_help", "text")
        await driver.send("Leaders need dashboards")
        assert current_question(driver.last) == ("kc_standards", "choice")
        toast = await press(driver, comment_question.message_id, driver.data_of(comment_question, "s:lead_help"))
        assert toast is not None and "kept" in toast
        old = next(m for m in driver.messages if m.message_id == comment_question.message_id)
        assert all(not d.startswith("s:") for d in old.callback_data)  # the stale Skip is gone from that message
        no_failure(driver)
    assert (await stored_answers(world.settings.db_path, token))["lead_help"] == "Leaders need dashboards"
    assert await cursor_of(world.settings.db_path, token) == "kc_standards"


# ---- one account, several invitations -----------------------------------------------------------------------------


async def test_a_second_link_in_the_same_campaign_is_refused(world: World):
    first, second = world.tokens["officer"][0], world.tokens["member"][0]
    async with world.bot():
        driver = person(world, 7020)
        await onboard(driver, first)
        reply = await driver.start(second)
        assert "already opened a data tool link for Flintshire County Council" in reply.text
        assert "/resume" in reply.text
        await driver.command("resume")
        assert current_question(driver.last) == ("kc_leadership", "choice")
        no_failure(driver)
        # The second link stays free for the person it was meant for.
        other = person(world, 7021)
        await onboard(other, second)
        assert current_question(other.last) == ("kc_leadership", "choice")
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT COUNT(*) FROM invitations WHERE telegram_user_id = 7020") as cur:
            assert (await cur.fetchone())[0] == 1


async def test_buttons_act_on_the_invitation_they_were_shown_for(world: World):
    officer_token = world.tokens["officer"][0]
    _, other_tokens = await add_campaign(world, "Cardiff Council", officers=1, members=1)
    member_token = other_tokens["member"][0]
    async with world.bot():
        driver = person(world, 7030)
        await onboard(driver, officer_token)
        officer_message = driver.last  # Flintshire, officer questionnaire, question 1
        await onboard(driver, member_token)  # Cardiff, member questionnaire: now the most recently used
        assert "Cardiff" in driver.last.text
        # The old Flintshire message answers for the Flintshire invitation only.
        await press(driver, officer_message.message_id, driver.data_of(officer_message, "a:kc_leadership:l3"))
        # A forged owner (someone else's invitation) changes nothing anywhere.
        intruder = person(world, 7031)
        await onboard(intruder, world.tokens["officer"][1])
        their = as_shown(intruder, Action.ANSWER, "kc_leadership", "l1")
        toast = await press(driver, officer_message.message_id, their)
        assert toast is not None and "older question" in toast
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, officer_token) == {"kc_leadership": "l3"}
    assert await stored_answers(world.settings.db_path, member_token) == {}
    assert await stored_answers(world.settings.db_path, world.tokens["officer"][1]) == {}


async def test_withdraw_covers_every_invitation_bound_to_the_account(world: World):
    first = world.tokens["officer"][0]
    _, other_tokens = await add_campaign(world, "Cardiff Council", officers=1, members=1)
    second = other_tokens["member"][0]
    async with world.bot():
        driver = person(world, 7040)
        await onboard(driver, first)
        await driver.tap("Level 2")
        await onboard(driver, second)
        await driver.tap("Level 1")
        await driver.command("withdraw")
        await driver.tap("Yes")
        assert "deleted" in driver.last.text
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, first) == {}
    assert await stored_answers(world.settings.db_path, second) == {}
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute(
            "SELECT COUNT(*) FROM invitations WHERE telegram_user_id IS NOT NULL OR chat_id IS NOT NULL"
        ) as cur:
            assert (await cur.fetchone())[0] == 0


async def test_legacy_button_without_an_invitation_is_stale(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 7050)
        await onboard(driver, token)
        await prefill(world.settings.db_path, token, {})
        toast = await press(driver, driver.last.message_id, "a:kc_leadership:l2")  # a payload from before owners
        assert toast is not None and "older question" in toast
        assert current_question(driver.last) == ("kc_leadership", "choice")
    assert await stored_answers(world.settings.db_path, token) == {}


# ---- answering under every fault, on every method a press or a typed answer uses ---------------------------------

METHODS = ["editMessageText", "answerCallbackQuery", "sendMessage"]


async def settle(driver, since: int) -> None:
    """Wait until the bot has reacted to the person's last update — made a request about their chat, failed or
    not (under a fault the reply or the button's answer may never arrive) — and then gone quiet there."""
    emu = driver.emulator
    await emu.wait_for(lambda: bool(emu.calls_about(driver.chat_id, since)), 5, description="the bot to react")
    await emu.wait_until_quiet(driver.chat_id, 0.3, 5)


async def tap_anyway(driver, label: str) -> None:
    message, since = driver.last, len(driver.emulator.calls)
    data = next(d for text, d in (b for row in message.buttons for b in row) if text == label)
    await driver.emulator.press_button(driver.user, message.message_id, data)
    await settle(driver, since)


async def type_anyway(driver, text: str) -> None:
    since = len(driver.emulator.calls)
    await driver.send(text, wait=False)
    await settle(driver, since)


async def on_question(driver, question_id: str) -> None:
    """The person is shown ``question_id``: on the latest message, or else (the screen went missing in the fault)
    after /resume, which is what the bot tells them to send."""
    if not driver.last.callback_data or current_question(driver.last)[0] != question_id:
        await driver.command("resume")
    assert current_question(driver.last)[0] == question_id, driver.transcript()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("fault", FAULTS)
async def test_answering_under_a_fault_loses_nothing_and_leaves_nobody_stuck(
    tmp_path: Path, emulator, clock, questionnaires, fault: str, method: str
):
    world = await world_with(emulator, clock, questionnaires, tmp_path, rate_limit_retries=0, telegram_timeout=0.3)
    settings = world.settings
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 7060)
        await onboard(driver, token)
        world.emu.strike(method, fault, retry_after=30, hold=1.0)
        await tap_anyway(driver, "Level 1")  # kc_leadership: a button press (edit, answer)
        await on_question(driver, "lead_help")
        struck = world.emu.pending_faults(method) == 0
        world.emu.clear_faults()  # a fault the press did not meet (it sends no new message) is not carried over
        world.emu.strike(method, fault, retry_after=30, hold=1.0)
        await type_anyway(driver, "Leaders need dashboards")  # a typed answer (a new message)
        struck += world.emu.pending_faults(method) == 0
        await on_question(driver, "kc_standards")
        assert struck, "the fault never struck"
        await tap_anyway(driver, "Level 3")
        await on_question(driver, "kc_customer_data")
        world.emu.clear_faults()
        await driver.command("resume")
        assert current_question(driver.last)[0] == "kc_customer_data"
        # No question was sent twice on the bot's own initiative: only /resume asks for a screen again.
        for qid in ("lead_help", "kc_standards"):
            assert len(screens_of(driver, qid)) <= 2, driver.transcript()
        if fault != "403":  # a blocked chat gets no apology (it could not be delivered)
            no_failure(driver)
    assert await stored_answers(settings.db_path, token) == {
        "kc_leadership": "l1",
        "lead_help": "Leaders need dashboards",
        "kc_standards": "l3",
    }
