"""The respondent's experience, end to end: navigation, review, follow-ups, progress, Cymraeg, commands, privacy,
withdrawal, Telegram's limits and what the logs may carry.

Every test runs the real bot in-process against the local Bot API emulator and checks what the person sees and what
is (or is not) in the SQLite database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import aiosqlite
import pytest

from bot.emulator import ChatMessage, UserDriver
from bot.logs import setup_logging
from flows import callbacks
from flows.callbacks import Action
from flows.model import Questionnaire
from flows.questions.text import TextQuestion
from flows.tokens import hash_token
from storage.database import connect
from storage.repositories import CampaignRepository
from tests.support import (
    World,
    as_shown,
    current_question,
    last_toast,
    no_failure,
    onboard,
    payloads,
    person,
    prefill,
    stored_answers,
)

pytestmark = pytest.mark.asyncio

TELEGRAM_LIMIT = 4096
COMMANDS = ["help", "resume", "review", "language", "privacy", "withdraw"]


# ---- helpers -------------------------------------------------------------------------------------------------------


def message(driver: UserDriver, message_id: int) -> ChatMessage:
    return next(m for m in driver.messages if m.message_id == message_id)


def ticked(msg: ChatMessage) -> list[str]:
    return [label for row in msg.buttons for label, _ in row if label.startswith("✓")]


def filler(qn: Questionnaire) -> dict[str, str | None]:
    """An answer for every question that is not a follow-up ("Don't know" / skipped), so no follow-up applies."""
    return {q.id: ("dk" if q.type != TextQuestion.name else None) for q in qn.questions if q.show_if is None}


def plan_for(qn: Questionnaire, text: Callable[[str], str]) -> dict[str, str]:
    """A deterministic answer for every question, triggering every follow-up."""
    triggers = {q.show_if.question: q.show_if.any_of[0] for q in qn.questions if q.show_if}
    plan: dict[str, str] = {}
    for i, q in enumerate(qn.questions):
        if q.type == TextQuestion.name:
            plan[q.id] = text(q.id)
        else:
            options = qn.option_ids(q)
            plan[q.id] = triggers.get(q.id, options[i % len(options)])
    return plan


def visible_count(qn: Questionnaire, answers: dict[str, str | None]) -> int:
    """How many questions apply, given the answers so far (follow-ups only once their trigger is chosen)."""
    return sum(1 for q in qn.questions if q.show_if is None or answers.get(q.show_if.question) in q.show_if.any_of)


async def invitation_row(db_path: Path, token: str) -> dict:
    async with aiosqlite.connect(db_path) as conn:
        conn.row_factory = aiosqlite.Row
        async with conn.execute("SELECT * FROM invitations WHERE token_hash = ?", (hash_token(token),)) as cur:
            row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def count(db_path: Path, sql: str, *params: object) -> int:
    async with aiosqlite.connect(db_path) as conn:
        async with conn.execute(sql, params) as cur:
            return (await cur.fetchone())[0]


async def responded(world: World, role: str) -> int:
    conn = await connect(world.settings.db_path)
    try:
        rates = await CampaignRepository(conn).rates(world.campaign_id)
    finally:
        await conn.close()
    return next(r.responded for r in rates if r.role == role)


async def walk(
    driver: UserDriver, plan: dict[str, str], check: Callable[[str, ChatMessage], None] | None = None
) -> list[str]:
    """Answer whatever question is shown until the review screen; returns the question ids seen, in order."""
    seen: list[str] = []
    while callbacks.encode(Action.SUBMIT) not in payloads(driver.last):
        shown = driver.last
        qid, kind = current_question(shown)
        assert qid not in seen, f"question {qid} asked twice\n{driver.transcript()}"
        seen.append(qid)
        if check:
            check(qid, shown)
        if kind == "text":
            await driver.send(plan[qid])
        else:
            await driver.tap(callbacks.encode(Action.ANSWER, qid, plan[qid]))
    return seen


# ---- navigation ----------------------------------------------------------------------------------------------------


async def test_back_shows_the_previous_answer_ticked_and_is_refused_on_the_first_question(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 3001)
        await onboard(driver, token)
        await driver.tap("Level 2")
        await driver.tap("Level 3")
        third = driver.last
        assert "Question 3 of" in third.text and current_question(third) == ("kc_customer_data", "choice")
        await driver.tap("◀ Back")
        second = driver.last
        assert second.message_id == third.message_id  # edited in place
        assert "Question 2 of" in second.text and current_question(second) == ("kc_standards", "choice")
        assert ticked(second) == ["✓ Level 3"]
        await driver.tap("◀ Back")
        first = driver.last
        assert "Question 1 of" in first.text and current_question(first) == ("kc_leadership", "choice")
        assert ticked(first) == ["✓ Level 2"]
        await driver.tap("◀ Back")
        assert last_toast(world.emu) == "This is the first question."
        assert "Question 1 of" in driver.last.text and current_question(driver.last) == ("kc_leadership", "choice")
        # Pressing the ticked answer changes nothing and takes the respondent back to where they had got to.
        await driver.tap("✓ Level 2")
        assert "Question 3 of" in driver.last.text and current_question(driver.last) == ("kc_customer_data", "choice")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2", "kc_standards": "l3"}


async def test_review_lists_every_answer_changes_one_and_submit_locks_them(world: World):
    token = world.tokens["officer"][0]
    qn = world.questionnaires["officer"]
    answers: dict[str, str | None] = filler(qn)
    answers.update(kc_leadership="l2", kc_standards="l1", kc_customer_data="l3", barriers="Silo working")
    async with world.bot():
        driver = person(world, 3002)
        await onboard(driver, token)
        await prefill(world.settings.db_path, token, answers)
        review = await driver.command("review")
        assert "Check your answers" in review.text
        lines = [line for line in review.text.splitlines() if re.match(r"\d+\. ", line)]
        assert len(lines) == len(answers) == 24  # every question that applies, follow-ups excluded
        assert lines[0] == "1. Leadership: Level 2"
        assert lines[1] == "2. Corporate Standards: Level 1"
        assert lines[2] == "3. Integrated customer data: Level 3"
        assert "7. Open Data: Don't know" in review.text
        assert "8. Data projects in the council have clear corporate ownership.: Don't know" in review.text
        assert "23. What holds the council back from making better use of data?: Silo working" in review.text
        assert (
            "24. Give an example of a decision the council made using data, and what difference it made.: (skipped)"
            in review.text
        )
        # Change one: press its number, choose again, and come back to the review.
        await driver.tap("2")
        assert current_question(driver.last) == ("kc_standards", "choice") and ticked(driver.last) == ["✓ Level 1"]
        await driver.tap("Level 3")
        review = driver.last
        assert "Check your answers" in review.text and "2. Corporate Standards: Level 3" in review.text
        assert (await stored_answers(world.settings.db_path, token))["kc_standards"] == "l3"
        await driver.tap(callbacks.encode(Action.SUBMIT))
        thanks = driver.last
        assert "Thank you" in thanks.text and "Flintshire County Council" in thanks.text
        assert await count(world.settings.db_path, "SELECT COUNT(*) FROM submissions") == 1
        locked = await stored_answers(world.settings.db_path, token)
        # Every later attempt to change an answer is refused.
        reply = await driver.command("review")
        assert "can no longer be changed" in reply.text and not reply.buttons
        await driver.tap_on(review.message_id, as_shown(driver, Action.EDIT, "kc_standards"), forge=True)
        assert "submitted" in last_toast(world.emu)
        await driver.tap_on(review.message_id, as_shown(driver, Action.ANSWER, "kc_standards", "l2"), forge=True)
        assert "submitted" in last_toast(world.emu)
        await driver.tap_on(review.message_id, as_shown(driver, Action.SUBMIT), forge=True)
        assert "submitted" in last_toast(world.emu)
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == locked == {**answers, "kc_standards": "l3"}
    assert await count(world.settings.db_path, "SELECT COUNT(*) FROM submissions") == 1


async def test_follow_up_is_asked_only_after_level_1_and_the_total_follows(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 3003)
        await onboard(driver, token)
        assert "Question 1 of 24" in driver.last.text
        await driver.tap("Level 1")
        follow_up = driver.last
        assert current_question(follow_up) == ("lead_help", "text")
        assert "Question 2 of 25" in follow_up.text
        assert "What would most help leaders in the council value data more?" in follow_up.text
        await driver.tap("◀ Back")
        assert "Question 1 of 25" in driver.last.text
        await driver.tap("Level 2")
        assert current_question(driver.last) == ("kc_standards", "choice")
        assert "Question 2 of 24" in driver.last.text
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2"}

    # Another respondent who chooses Level 2 straight away never sees the follow-up.
    token = world.tokens["officer"][1]
    async with world.bot():
        driver = person(world, 3004)
        await onboard(driver, token)
        await driver.tap("Level 2")
        assert current_question(driver.last) == ("kc_standards", "choice") and "Question 2 of 24" in driver.last.text
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2"}


async def test_every_question_shows_position_total_section_and_time_left(world: World):
    token = world.tokens["officer"][0]
    qn = world.questionnaires["officer"]
    plan = plan_for(qn, lambda qid: f"My answer to {qid}")
    given: dict[str, str | None] = {}
    lines: list[str] = []

    def check(qid: str, shown: ChatMessage) -> None:
        position, total = len(given) + 1, visible_count(qn, given)
        line = next(line for line in shown.text.splitlines() if line.startswith("Question "))
        lines.append(line)
        assert line.startswith(f"Question {position} of {total} · {qn.section_of(qid).title.get('en')} · "), line
        if position == total:
            assert line.endswith("last question"), line
        else:
            assert re.search(r"· about \d+ min left$", line), line
        given[qid] = plan[qid]

    async with world.bot():
        driver = person(world, 3005)
        await onboard(driver, token)
        seen = await walk(driver, plan, check)
        no_failure(driver)
    assert seen == [q.id for q in qn.questions]  # all 27, follow-ups included
    assert lines[-1] == "Question 27 of 27 · Your comments · last question"
    minutes = [int(re.search(r"about (\d+) min", line).group(1)) for line in lines[:-1]]
    assert minutes[0] >= minutes[-1] >= 1


# ---- Cymraeg -------------------------------------------------------------------------------------------------------


async def test_welsh_speaker_gets_cymraeg_first_and_can_switch_to_english_midway(world: World):
    token = world.tokens["member"][0]
    async with world.bot():
        driver = person(world, 3006, "cy")
        choose = await driver.start(token)
        assert choose.text.startswith("Pa iaith hoffech chi ei defnyddio?")
        assert [label for label, _ in choose.buttons[0]] == ["Cymraeg", "English"]
        await driver.tap("Cymraeg")
        assert last_toast(world.emu) == "Iaith: Cymraeg."
        notice = driver.last
        assert "Sut rydym yn defnyddio eich atebion" in notice.text and "Telegram" in notice.text
        await driver.tap("Dechrau'r cwestiynau")
        assert driver.last.text.startswith(
            "Croeso! Yr offeryn data: cwestiynau i aelodau etholedig · Cyngor Sir y Fflint"
        )
        assert "Cwestiwn 1 o 17" in driver.last.text
        assert "Arweinyddiaeth" in driver.last.text and "Lefel 1" in driver.last.text
        await driver.tap("Lefel 2")
        await driver.tap("Lefel 1")
        assert "Cwestiwn 3 o 17" in driver.last.text
        assert (await invitation_row(world.settings.db_path, token))["language"] == "cy"
        switch = await driver.command("language")
        assert [label for label, _ in switch.buttons[0]] == ["✓ Cymraeg", "English"]
        await driver.tap("English")
        assert last_toast(world.emu) == "Language: English."
        now = driver.last
        assert "Question 3 of 17" in now.text and "Integrated customer data" in now.text
        assert current_question(now) == ("kc_customer_data", "choice")
        assert "You have answered 2 of 17" in now.text
        await driver.tap("Level 3")
        assert "Question 4 of 17" in driver.last.text
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {
        "kc_leadership": "l2",
        "kc_standards": "l1",
        "kc_customer_data": "l3",
    }
    assert (await invitation_row(world.settings.db_path, token))["language"] == "en"


@pytest.mark.parametrize("language_code", [None, "de", "en-GB", "CY"])
async def test_first_contact_works_whatever_the_telegram_language(world: World, language_code: str | None):
    token = world.tokens["officer"][0]
    welsh_first = language_code == "CY"
    async with world.bot():
        driver = person(world, 3007, language_code)
        before = await driver.send("hello")  # no invitation yet
        assert ("agorwch y ddolen" if welsh_first else "open the personal link") in before.text
        choose = await driver.start(token)
        assert [label for label, _ in choose.buttons[0]] == (
            ["Cymraeg", "English"] if welsh_first else ["English", "Cymraeg"]
        )
        await driver.tap("English")
        await driver.tap(callbacks.encode(Action.CONSENT))
        assert "Question 1 of 24" in driver.last.text
        await driver.tap("Level 1")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l1"}


# ---- commands, description, privacy -------------------------------------------------------------------------------


async def test_commands_and_description_are_registered_in_english_and_welsh(world: World):
    emu = world.emu
    async with world.bot():
        english = dict(emu.commands("default", ""))
        welsh = dict(emu.commands("default", "cy"))
        description_en, description_cy = emu.description(""), emu.description("cy")
    assert list(english) == COMMANDS and list(welsh) == COMMANDS
    for name in COMMANDS:
        assert english[name].strip() and welsh[name].strip(), name
        assert english[name] != welsh[name], name
    assert "Wales Audit Office" in description_en
    assert "Swyddfa Archwilio Cymru" in description_cy
    assert emu.short_description("") and emu.short_description("cy")
    assert emu.short_description("") != emu.short_description("cy")


async def test_privacy_notice_is_available_to_anyone_at_any_time(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        stranger = person(world, 3008)
        full = await stranger.command("privacy")
        assert "Privacy notice" in full.text and "controller" in full.text and "ICO" in full.text
        welsh_stranger = person(world, 3009, "cy")
        full_cy = await welsh_stranger.command("privacy")
        assert "Hysbysiad preifatrwydd" in full_cy.text and "rheolydd" in full_cy.text and "ICO" in full_cy.text

        driver = person(world, 3010)
        await driver.start(token)
        await driver.tap("English")
        short = driver.last
        assert "How we use your answers" in short.text
        assert "Telegram" in short.text and "/withdraw" in short.text and "/privacy" in short.text
        await driver.tap("Full privacy notice")
        assert "controller" in driver.last.text and "ICO" in driver.last.text
        await driver.tap(callbacks.encode(Action.CONSENT))
        await driver.tap("Level 2")
        mid_way = await driver.command("privacy")
        assert "controller" in mid_way.text and "ICO" in mid_way.text
        await driver.command("resume")
        assert current_question(driver.last) == ("kc_standards", "choice")  # nothing lost
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2"}


# ---- withdrawal ----------------------------------------------------------------------------------------------------


async def test_withdraw_asks_first_and_yes_deletes_answers_identity_and_the_response(world: World):
    token = world.tokens["member"][0]
    db = world.settings.db_path
    qn = world.questionnaires["member"]
    async with world.bot():
        driver = person(world, 3011)
        await onboard(driver, token)
        await driver.tap("Level 1")
        await driver.send("Clearer reports")
        await prefill(db, token, filler(qn) | {"kc_leadership": "l1"})
        await driver.command("review")
        await driver.tap(callbacks.encode(Action.SUBMIT))
        assert "Thank you" in driver.last.text
        answers = await stored_answers(db, token)
        assert answers["lead_help"] == "Clearer reports" and len(answers) == 18
        assert await responded(world, "member") == 1

        confirm = await driver.command("withdraw")
        assert "Withdraw from the data tool?" in confirm.text
        assert [label for row in confirm.buttons for label, _ in row] == ["Yes, delete my answers", "No, keep them"]
        await driver.tap("No, keep them")
        assert "Nothing was deleted" in driver.last.text
        assert await stored_answers(db, token) == answers
        assert (await invitation_row(db, token))["telegram_user_id"] == 3011
        assert await responded(world, "member") == 1

        await driver.command("withdraw")
        await driver.tap("Yes, delete my answers")
        assert "have been deleted" in driver.last.text
        row = await invitation_row(db, token)
        assert row["telegram_user_id"] is None and row["chat_id"] is None
        assert await count(db, "SELECT COUNT(*) FROM answers WHERE invitation_id = ?", row["id"]) == 0
        assert await count(db, "SELECT COUNT(*) FROM submissions WHERE invitation_id = ?", row["id"]) == 0
        assert await responded(world, "member") == 0

        # From now on the bot no longer knows this person.
        reply = await driver.send("Hello again")
        assert "open the personal link" in reply.text
        reply = await driver.command("resume")
        assert "open the personal link" in reply.text
        no_failure(driver)
    assert await stored_answers(db, token) == {}


# ---- Telegram's limits ---------------------------------------------------------------------------------------------


async def test_no_message_exceeds_telegram_limit_in_either_questionnaire_or_language(world: World):
    """Walk both questionnaires in both languages, every follow-up included, with maximal free-text answers."""
    routes = [("officer", "English", 0), ("officer", "Cymraeg", 1), ("member", "English", 2), ("member", "Cymraeg", 3)]

    def long_answer(qid: str) -> str:
        limit = world.questionnaires["officer"].question(qid) or world.questionnaires["member"].question(qid)
        return ("<&> " * 1000)[: limit.max_length - len(qid)] + qid

    async def route(role: str, language: str, index: int) -> tuple[UserDriver, list[str], str]:
        qn = world.questionnaires[role]
        welsh = language == "Cymraeg"
        driver = person(world, 3100 + index, "cy" if welsh else "en")
        token = world.tokens[role][index]
        await onboard(driver, token, language)

        def check(qid: str, shown: ChatMessage) -> None:
            assert ("Cwestiwn " if welsh else "Question ") in shown.text, (role, language, qid)
            assert len(shown.text) <= TELEGRAM_LIMIT

        seen = await walk(driver, plan_for(qn, long_answer), check)
        review = driver.last.text
        # The longest echo of a free-text answer: back on the last question, showing "Your answer".
        await driver.tap_on(driver.last.message_id, as_shown(driver, Action.EDIT, qn.questions[-1].id))
        return driver, seen, review

    async with world.bot():
        results = await asyncio.gather(*(route(*r) for r in routes))
    for (role, language, index), (driver, seen, review) in zip(routes, results, strict=True):
        qn = world.questionnaires[role]
        assert seen == [q.id for q in qn.questions], (role, language)  # every question was shown, so accepted
        welsh = language == "Cymraeg"
        assert ("Gwiriwch eich atebion" if welsh else "Check your answers") in review
        assert ("Eich ateb:" if welsh else "Your answer:") in driver.last.text
        no_failure(driver)
        for msg in driver.messages:
            assert 0 < len(msg.text) <= TELEGRAM_LIMIT, (role, language, msg.message_id)
        answers = await stored_answers(world.settings.db_path, world.tokens[role][index])
        assert set(answers) == set(seen)


# ---- logs ----------------------------------------------------------------------------------------------------------

PROJECT_LOGGERS = ("bot", "flows", "storage", "config", "reports")


@contextlib.contextmanager
def production_logging(caplog: pytest.LogCaptureFixture, level: int) -> Iterator[None]:
    """The bot's own logging set-up (``bot.logs.setup_logging``: logger levels, and the redaction filter of its
    handler) with caplog's handler in place of the console handler; every logger's level is put back afterwards."""
    root = logging.getLogger()
    saved_handlers = root.handlers[:]
    saved_levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    saved_root_level, saved_filters = root.level, caplog.handler.filters[:]
    setup_logging(level)
    console = root.handlers[0]
    caplog.handler.setLevel(logging.DEBUG)
    for log_filter in console.filters:
        caplog.handler.addFilter(log_filter)
    root.handlers[:] = [caplog.handler]
    try:
        yield
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_root_level)
        caplog.handler.filters[:] = saved_filters
        for name, logger in logging.Logger.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(saved_levels.get(name, logging.NOTSET))


async def full_run_with_secret_answer(world: World, user_id: int, token: str, secret_answer: str) -> None:
    """Link, language, notice, typed answers (a follow-up and a comment), submit, then more messages."""
    async with world.bot():
        driver = person(world, user_id)
        await onboard(driver, token)
        await driver.tap("Level 1")
        await driver.send(f"lead help: {secret_answer}")
        early = {k: v for k, v in filler(world.questionnaires["officer"]).items() if k not in ("barriers", "example")}
        await prefill(world.settings.db_path, token, early | {"kc_leadership": "l1"})
        await driver.command("resume")
        assert current_question(driver.last) == ("barriers", "text")
        await driver.send(secret_answer)
        await driver.send("x" * 2001)  # refused as too long: the refusal is not logged with the text either
        await driver.tap("Skip")
        await driver.tap(callbacks.encode(Action.SUBMIT))
        assert "Thank you" in driver.last.text
        await driver.send(secret_answer)  # after submission: refused, and still not logged
        await driver.start(token)
        no_failure(driver)
    stored = await stored_answers(world.settings.db_path, token)
    assert stored["barriers"] == secret_answer and stored["lead_help"] == f"lead help: {secret_answer}"


async def test_logs_carry_no_answer_text_invite_token_or_bot_token(world: World, caplog: pytest.LogCaptureFixture):
    """A full run with the bot's logging set up at its most verbose level (DEBUG): no record, from the bot or from any
    library, holds an answer, the invite token or the bot token."""
    caplog.set_level(logging.DEBUG)
    token = world.tokens["officer"][0]
    with production_logging(caplog, logging.DEBUG):
        await full_run_with_secret_answer(world, 3012, token, "Zanzibar-quokka-7781 spreadsheet graveyard")
    records = caplog.records
    assert any(r.name.split(".")[0] in PROJECT_LOGGERS for r in records), "the bot's own records were not captured"
    assert any(r.name.startswith("telegram") for r in records), "library records were not captured"
    secrets = {
        "answer text": "Zanzibar-quokka",
        "invite token": token,
        "bot token": world.emu.token,
        "bot token secret": world.emu.token.split(":", 1)[1],
    }
    found = [
        (what, record.name, record.levelname, record.getMessage()[:200])
        for record in records
        for what, secret in secrets.items()
        if secret in record.getMessage()
    ]
    assert not found, (sorted({f[:3] for f in found}), found)
