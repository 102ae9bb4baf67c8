"""Bad input, end to end: whatever a respondent sends or presses, they get a clear answer and nothing is lost.

Every test runs the real bot in-process against the local Bot API emulator and checks both what the person sees and
what is (or is not) in the SQLite database.  To reach the free-text questions quickly, answers are pre-filled straight
into the database after onboarding, then ``/resume`` shows the question the respondent is on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
import pytest

from bot.emulator import BotApiEmulator, UserDriver
from flows import callbacks
from flows.callbacks import Action
from flows.model import Questionnaire
from flows.questions.text import TextQuestion
from flows.tokens import hash_token
from tests.support import (
    World,
    as_shown,
    current_question,
    last_toast,
    no_failure,
    onboard,
    person,
    prefill,
    stored_answers,
)

pytestmark = pytest.mark.asyncio


# ---- helpers -------------------------------------------------------------------------------------------------------


async def user_action(driver: UserDriver, action: Callable[[], Awaitable[object]]) -> None:
    """Do something a person does outside the driver's vocabulary (a sticker, an edit) and wait for the bot's reply."""
    emu, chat = driver.emulator, driver.chat_id
    since = emu.version(chat)
    await action()
    await emu.wait_for(lambda: emu.version(chat) > since, 10, chat_ids=[chat], description="the bot's reply")
    await emu.wait_until_quiet(chat, driver.quiet, 10)


async def press(driver: UserDriver, message_id: int, data: str) -> str | None:
    """Press (possibly forged) callback data on a message; returns the toast shown for it."""
    emu = driver.emulator
    before = len(emu.callback_answers)
    await driver.tap_on(message_id, data, forge=True)
    assert len(emu.callback_answers) == before + 1
    return last_toast(emu)


def filler(qn: Questionnaire) -> dict[str, str | None]:
    """An answer for every question that is not a follow-up: "Don't know" everywhere, so no follow-up applies."""
    answers: dict[str, str | None] = {}
    for q in qn.questions:
        if q.show_if is not None:
            continue
        answers[q.id] = "dk" if q.type != TextQuestion.name else None
    return answers


async def to_free_text(
    world: World, driver: UserDriver, token: str, question: str = "barriers", role: str = "officer"
) -> dict[str, str | None]:
    """Onboard, pre-fill every question before ``question``, /resume: ends on ``question``.  Returns the pre-fill."""
    await onboard(driver, token)
    qn = world.questionnaires[role]
    ids = [q.id for q in qn.questions]
    answers = {qid: v for qid, v in filler(qn).items() if ids.index(qid) < ids.index(question)}
    await prefill(world.settings.db_path, token, answers)
    await driver.command("resume")
    assert current_question(driver.last) == (question, "text"), driver.transcript()
    return answers


async def submissions(db_path: Path) -> int:
    async with aiosqlite.connect(db_path) as conn:
        async with conn.execute("SELECT COUNT(*) FROM submissions") as cur:
            return (await cur.fetchone())[0]


# ---- typed text, buttons, other kinds of message -------------------------------------------------------------------


async def test_text_where_a_button_is_expected_asks_for_the_buttons_and_stores_nothing(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2001)
        await onboard(driver, token)
        await driver.tap("Level 2")
        assert current_question(driver.last) == ("kc_standards", "choice")
        count = len(driver.messages)
        reply = await driver.send("Level 3 I think")
        assert len(driver.messages) == count + 1  # a new message, at the bottom of the chat
        assert "Please press one of the buttons, or type your answer as a button shows it" in reply.text
        assert current_question(reply) == ("kc_standards", "choice")  # the question again, with its buttons
        assert "Question 2 of" in reply.text
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2"}


async def test_button_where_text_is_expected_gets_a_toast_and_stores_nothing(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2002)
        before = await to_free_text(world, driver, token)
        question = driver.last
        toast = await press(driver, question.message_id, as_shown(driver, Action.ANSWER, "barriers", "l1"))
        assert toast == "This question needs a typed answer: please send it as a message."
        assert current_question(driver.last) == ("barriers", "text")
        # The bot still takes the typed answer afterwards.
        await driver.send("Too many spreadsheets")
        assert current_question(driver.last) == ("example", "text")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {**before, "barriers": "Too many spreadsheets"}


async def _sticker(emu: BotApiEmulator, user: int) -> object:
    return await emu.send_sticker(user)


async def _photo(emu: BotApiEmulator, user: int) -> object:
    return await emu.send_photo(user, caption="A photo of our data strategy")


async def _voice(emu: BotApiEmulator, user: int) -> object:
    return await emu.send_voice(user)


async def _location(emu: BotApiEmulator, user: int) -> object:
    return await emu.send_location(user)


async def _document(emu: BotApiEmulator, user: int) -> object:
    return await emu.send_document(user, "barriers.txt", b"my answer in a file", caption="See the file")


@pytest.mark.parametrize(
    "send", [_sticker, _photo, _voice, _location, _document], ids=["sticker", "photo", "voice", "location", "document"]
)
async def test_unsupported_message_kinds_are_not_stored_and_the_question_is_shown_again(world: World, send):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2003)
        before = await to_free_text(world, driver, token)
        count = len(driver.messages)
        await user_action(driver, lambda: send(world.emu, driver.chat_id))
        reply = driver.last
        assert len(driver.messages) == count + 1
        assert "I can only read typed text and button presses, so that was not saved." in reply.text
        assert current_question(reply) == ("barriers", "text")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == before  # not even a caption was taken as an answer


async def test_an_edited_message_does_not_change_the_stored_answer(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2004)
        await to_free_text(world, driver, token)
        await driver.send("Legacy systems that do not talk to each other")
        assert current_question(driver.last) == ("example", "text")
        mine = [m for m in world.emu.messages(driver.chat_id) if not m.from_bot]
        answer_message = mine[-1]
        assert answer_message.text == "Legacy systems that do not talk to each other"
        count = len(driver.messages)
        await user_action(
            driver, lambda: world.emu.edit_user_message(driver.user, answer_message.message_id, "Nothing at all")
        )
        reply = driver.last
        assert len(driver.messages) == count + 1
        assert "does not change your answer" in reply.text and "/review" in reply.text
        no_failure(driver)
    stored = await stored_answers(world.settings.db_path, token)
    assert stored["barriers"] == "Legacy systems that do not talk to each other"
    assert "example" not in stored


async def test_free_text_over_the_limit_says_length_and_limit_and_stores_nothing(world: World):
    token = world.tokens["officer"][0]
    qn = world.questionnaires["officer"]
    limit = qn.question("barriers").max_length
    assert limit == 2000
    async with world.bot():
        driver = person(world, 2005)
        before = await to_free_text(world, driver, token)
        reply = await driver.send("x" * (limit + 1))
        assert "Your answer is 2001 characters long; the limit is 2000." in reply.text
        assert "It has not been saved" in reply.text
        assert current_question(reply) == ("barriers", "text")
        assert await stored_answers(world.settings.db_path, token) == before
        # Exactly at the limit is fine.
        await driver.send("y" * limit)
        assert current_question(driver.last) == ("example", "text")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {**before, "barriers": "y" * limit}


async def test_html_and_markdown_in_free_text_is_stored_verbatim_and_shown_escaped(world: World):
    token = world.tokens["officer"][0]
    answer = "<b>bold</b> & <script>x</script> *stars* _under_"
    async with world.bot():
        driver = person(world, 2006)
        await to_free_text(world, driver, token)
        await driver.send(answer)
        assert current_question(driver.last) == ("example", "text")
        await driver.tap("Skip")
        review = driver.last
        assert "Check your answers" in review.text
        # The emulator parsed the review as HTML without error, and the person sees their text literally.
        assert answer in review.text
        assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;" in review.html
        assert not any(
            e.get("type") == "bold" and review.text[e["offset"] : e["offset"] + e["length"]] == "bold"
            for e in review.entities
        )
        # Going back to the question shows "Your answer" escaped too.
        await driver.tap_on(review.message_id, driver.data_of(review, callbacks.encode(Action.EDIT, "barriers")))
        assert f"Your answer: {answer}" in driver.last.text
        no_failure(driver)
    assert (await stored_answers(world.settings.db_path, token))["barriers"] == answer


# ---- forged and repeated button presses ----------------------------------------------------------------------------


FORGED = [  # (callback data, what it is)
    ("a:lead_help:l1", "follow-up-not-shown"),
    ("s:lead_help", "skip-follow-up-not-shown"),
    ("a:no_such_question:l1", "unknown-question"),
    ("a:kc_standards:l9", "unknown-option"),
    ("\x00\xff\x7f\u202e garbage \ufffd", "garbage"),
    ("a:" + "kc_standards" * 8 + ":l1", "over-64-bytes"),
    ("a:kc_standards:l1:extra", "extra-field"),
    ("a::", "empty-fields"),
    ("b:", "back-without-question"),
    ("lang:xx", "unknown-language"),
    (":::", "separators-only"),
]


async def test_forged_callback_data_gets_a_toast_and_files_nothing(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2007)
        await onboard(driver, token)
        await driver.tap("Level 2")  # lead_help (the Level 1 follow-up) does not apply
        question = driver.last
        assert current_question(question) == ("kc_standards", "choice")
        # An auditor's confirmation buttons, forged by a respondent: refused, and fieldwork stays open.
        auditor = [(f"cf:close:{world.campaign_id}", "auditor-close"), ("cx", "auditor-cancel")]
        for data, what in FORGED + auditor:
            toast = await press(driver, question.message_id, data)
            assert toast, (what, toast)
            if (data, what) in FORGED:
                assert "That button belongs to an older question" in toast, (what, toast)
            shown = next(m for m in driver.messages if m.message_id == question.message_id)
            assert current_question(shown) == ("kc_standards", "choice"), what
            assert "Question 2 of" in shown.text, what
        # The bot still answers a normal press.
        await driver.tap("Level 3")
        assert current_question(driver.last) == ("kc_customer_data", "choice")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2", "kc_standards": "l3"}
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT closed_at FROM campaigns WHERE id = ?", (world.campaign_id,)) as cur:
            assert (await cur.fetchone())[0] is None


async def test_double_tap_stores_one_answer_and_moves_one_question(world: World):
    token = world.tokens["officer"][0]
    emu = world.emu
    async with world.bot():
        driver = person(world, 2008)
        await onboard(driver, token)
        question = driver.last
        edits_before = question.edit_count
        data = as_shown(driver, Action.ANSWER, "kc_leadership", "l3")
        # Two presses of the same button, both sent before the bot has reacted to the first (as on a slow phone).
        first = await emu.press_button(driver.user, question.message_id, data)
        second = await emu.press_button(driver.user, question.message_id, data)
        await emu.wait_for(lambda: first in emu.callback_answers and second in emu.callback_answers, 10)
        await emu.wait_until_quiet(driver.chat_id, driver.quiet, 10)
        assert emu.callback_answers[second].text == "Already saved."
        assert emu.callback_answers[first].text is None
        assert driver.last.message_id == question.message_id
        assert "Question 2 of" in driver.last.text
        assert current_question(driver.last) == ("kc_standards", "choice")
        assert driver.last.edit_count == edits_before + 1  # edited once, by the first press
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l3"}
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT cursor FROM invitations WHERE token_hash = ?", (hash_token(token),)) as cur:
            assert (await cur.fetchone())[0] == "kc_standards"


async def test_button_on_an_older_message_changes_that_answer_and_keeps_the_current_question(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2009)
        await onboard(driver, token)
        older = driver.last  # question 1
        await driver.command("resume")  # a second copy of question 1, lower down
        newer = driver.last
        assert newer.message_id != older.message_id
        await driver.tap("Level 2")  # on the newer copy
        await driver.tap("Level 1")  # kc_standards
        assert current_question(driver.last) == ("kc_customer_data", "choice")
        toast = await press(driver, older.message_id, as_shown(driver, Action.ANSWER, "kc_leadership", "l3"))
        assert toast is not None and toast.startswith("Answer changed:")
        older = next(m for m in driver.messages if m.message_id == older.message_id)
        # The pressed message shows the question the person is on (never an older one in its place: that could
        # leave the current question on no message at all); the toast says what changed.
        assert current_question(older) == ("kc_customer_data", "choice")
        # The current question is untouched, and /resume still lands on it.
        assert current_question(world.emu.last_bot_message(driver.chat_id)) == ("kc_customer_data", "choice")
        await driver.command("resume")
        assert current_question(driver.last) == ("kc_customer_data", "choice")
        assert "Question 3 of" in driver.last.text
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l3", "kc_standards": "l1"}


async def test_button_on_an_older_message_whose_question_is_now_hidden_is_explained(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2010)
        await onboard(driver, token)
        await driver.tap("Level 1")  # the follow-up lead_help applies
        older = driver.last
        assert current_question(older) == ("lead_help", "text")
        await driver.command("resume")  # a second copy of the follow-up
        assert current_question(driver.last) == ("lead_help", "text")
        await driver.tap("Back")
        assert current_question(driver.last) == ("kc_leadership", "choice")
        await driver.tap("Level 2")  # the follow-up no longer applies
        assert current_question(driver.last) == ("kc_standards", "choice")
        toast = await press(driver, older.message_id, as_shown(driver, Action.SKIP, "lead_help"))
        assert toast == "That button belongs to an older question that no longer applies. Here is where you are now."
        older = next(m for m in driver.messages if m.message_id == older.message_id)
        assert current_question(older) == ("kc_standards", "choice")  # the old message now shows where they are
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2"}


# ---- after submission ----------------------------------------------------------------------------------------------


async def test_messages_and_buttons_after_submission_change_nothing(world: World):
    token = world.tokens["member"][0]
    answers = filler(world.questionnaires["member"])
    async with world.bot():
        driver = person(world, 2011)
        await onboard(driver, token)
        await prefill(world.settings.db_path, token, answers)
        await driver.command("review")
        review = driver.last
        assert "Check your answers" in review.text
        await driver.tap(callbacks.encode(Action.SUBMIT))
        thanks = driver.last
        assert (
            "Thank you" in thanks.text
        )  # its only buttons ask whether to send the results (tests/test_results_back.py)
        assert {callbacks.decode(d).action for d in thanks.callback_data} == {Action.RESULTS}
        reply = await driver.send("Actually, Level 3 for leadership")
        assert "submitted" in reply.text and "can no longer be changed" in reply.text
        assert not reply.buttons
        toast = await press(driver, thanks.message_id, as_shown(driver, Action.ANSWER, "kc_leadership", "l3"))
        assert toast is not None and "submitted" in toast
        toast = await press(driver, thanks.message_id, as_shown(driver, Action.EDIT, "kc_leadership"))
        assert toast is not None and "submitted" in toast
        toast = await press(driver, thanks.message_id, as_shown(driver, Action.SUBMIT))
        assert toast is not None and "submitted" in toast
        assert "Thank you" in next(m for m in driver.messages if m.message_id == thanks.message_id).text
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == answers
    assert await submissions(world.settings.db_path) == 1


# ---- commands and links --------------------------------------------------------------------------------------------


async def test_unknown_command_gets_a_neutral_reply_pointing_to_help(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2012)
        await onboard(driver, token)
        await driver.tap("Level 2")
        reply = await driver.command("frobnicate")
        assert "I don't know that command" in reply.text and "/help" in reply.text
        assert not reply.buttons
        await driver.command("resume")  # the respondent carries on where they were
        assert current_question(driver.last) == ("kc_standards", "choice")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2"}


async def test_unknown_command_without_an_invitation_also_points_to_help(world: World):
    async with world.bot():
        driver = person(world, 2013)
        reply = await driver.command("frobnicate")
        assert "I don't know that command" in reply.text and "/help" in reply.text
        reply = await driver.command("help")
        assert "/resume" in reply.text and "/withdraw" in reply.text
        no_failure(driver)


async def test_reused_link_after_withdrawal_starts_afresh_for_the_same_person(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2014)
        await onboard(driver, token)
        await driver.tap("Level 1")
        await driver.send("More training for leaders")
        await driver.tap("Level 2")
        assert await stored_answers(world.settings.db_path, token) == {
            "kc_leadership": "l1",
            "lead_help": "More training for leaders",
            "kc_standards": "l2",
        }
        await driver.command("withdraw")
        await driver.tap(callbacks.encode(Action.WITHDRAW, "yes"))
        assert "have been deleted" in driver.last.text
        assert await stored_answers(world.settings.db_path, token) == {}
        await driver.start(token)
        assert "Which language" in driver.last.text  # first contact again: language, notice, question 1
        assert "Welcome back" not in driver.last.text
        await driver.tap("English")
        await driver.tap(callbacks.encode(Action.CONSENT))
        first = driver.last
        assert current_question(first) == ("kc_leadership", "choice")
        assert "Question 1 of" in first.text and "Welcome back" not in first.text
        assert not any(label.startswith("✓") for row in first.buttons for label, _ in row)  # no old answer shown
        await driver.tap("Level 3")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l3"}


BAD_PAYLOADS = [
    "A" * 24,  # well-formed, but no such invitation
    "not a token!",
    "short",
    "x" * 65,
    "../../etc/passwd",
    "ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ",
    "<b>token</b>_______",
]


async def test_unknown_and_malformed_tokens_are_refused_clearly_and_bind_nothing(world: World):
    async with world.bot():
        driver = person(world, 2015)
        for payload in BAD_PAYLOADS:
            reply = await driver.start(payload)
            assert "this link is not recognised" in reply.text, payload
            assert not reply.buttons, payload
        # Nothing was bound, so the person still has no questionnaire.
        reply = await driver.send("hello")
        assert "open the personal link" in reply.text
        no_failure(driver)
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT COUNT(*) FROM invitations WHERE telegram_user_id IS NOT NULL") as cur:
            assert (await cur.fetchone())[0] == 0
        async with conn.execute("SELECT COUNT(*) FROM answers") as cur:
            assert (await cur.fetchone())[0] == 0
