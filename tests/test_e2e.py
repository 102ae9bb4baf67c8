"""End to end through the local Bot API emulator: the real bot, PTB's real HTTP stack, a real SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import aiosqlite
import pytest

from bot.emulator import UserDriver
from flows import callbacks
from flows.callbacks import Action
from tests.support import (
    World,
    current_question,
    onboard,
    payloads,
    reopen_for_real_clock,
    stored_answers,
)

pytestmark = pytest.mark.asyncio


def plan_for(world: World, role: str) -> dict[str, str]:
    """A deterministic answer for every question, triggering every follow-up that exists."""
    qn = world.questionnaires[role]
    plan: dict[str, str] = {}
    triggers = {q.show_if.question: q.show_if.any_of[0] for q in qn.questions if q.show_if}
    for i, q in enumerate(qn.questions):
        if q.type == "text":
            plan[q.id] = f"Answer to {q.id}: <b>not bold</b> & kept verbatim"
        else:
            options = qn.option_ids(q)
            plan[q.id] = triggers.get(q.id, options[i % len(options)])
    return plan


async def answer_everything(driver: UserDriver, plan: dict[str, str]) -> list[str]:
    """Answer whatever question is shown until the review screen; returns the question ids seen, in order."""
    seen: list[str] = []
    while True:
        message = driver.last
        if callbacks.encode(Action.SUBMIT) in payloads(message):
            return seen
        qid, kind = current_question(message)
        assert qid not in seen, f"question {qid} asked twice"
        seen.append(qid)
        if kind == "text":
            await driver.send(plan[qid])
        else:
            await driver.tap(callbacks.encode(Action.ANSWER, qid, plan[qid]))


async def test_officer_completes_whole_questionnaire_and_every_answer_is_stored(world: World):
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = world.driver(1001)
        await driver.start(token)
        assert "Which language" in driver.last.text
        await driver.tap("English")
        assert "How we use your answers" in driver.last.text
        await driver.tap("Start the questions")
        first = driver.last
        assert "Flintshire County Council" in first.text  # welcome above the first question
        assert "Question 1 of" in first.text and "Level 1" in first.text
        plan = plan_for(world, "officer")
        seen = await answer_everything(driver, plan)
        review = driver.last
        assert "Check your answers" in review.text
        await driver.tap(callbacks.encode(Action.SUBMIT))
        assert "Thank you" in driver.last.text
    qn = world.questionnaires["officer"]
    assert seen == [q.id for q in qn.questions]  # every question, follow-ups included, each once, in order
    stored = await stored_answers(world.settings.db_path, token)
    assert stored == {qid: plan[qid] for qid in seen}
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT COUNT(*) FROM submissions") as cur:
            assert (await cur.fetchone())[0] == 1


async def test_pressing_a_button_edits_the_question_in_place(world: World):
    async with world.bot():
        driver = world.driver(1002)
        await onboard(driver, world.tokens["member"][0])
        question_message = driver.last
        count = len(driver.messages)
        await driver.tap("Level 2")
        assert len(driver.messages) == count  # no new message: the question was replaced
        assert driver.last.message_id == question_message.message_id
        assert "Question 2 of" in driver.last.text


async def test_unknown_and_malformed_tokens_get_the_same_clear_answer(world: World):
    async with world.bot():
        driver = world.driver(1003)
        await driver.start("A" * 24)
        unknown = driver.last.text
        await driver.start("not a token!")
        malformed = driver.last.text
        await driver.start()
        bare = driver.last.text
    assert "not recognised" in unknown
    assert malformed == unknown
    assert "personal link" in bare
    assert not driver.last.buttons


async def test_bound_link_is_refused_for_another_account(world: World):
    token = world.tokens["member"][1]
    async with world.bot():
        owner = world.driver(1004)
        await onboard(owner, token)
        await owner.tap("Level 1")
        intruder = world.driver(1005)
        await intruder.start(token)
        assert "another Telegram account" in intruder.last.text
        assert not intruder.last.buttons
        # The intruder cannot answer on the owner's behalf either.
        await intruder.send("hello")
        assert "personal link" in intruder.last.text
        # And the owner is unaffected.
        await owner.start(token)
        assert "Question 2 of" in owner.last.text
    stored = await stored_answers(world.settings.db_path, token)
    assert stored == {"kc_leadership": "l1"}


async def test_same_user_reopening_link_resumes(world: World):
    token = world.tokens["officer"][1]
    async with world.bot():
        driver = world.driver(1006)
        await onboard(driver, token)
        await driver.tap("Level 3")
        await driver.tap("Level 2")
        await driver.start(token)
        assert "Welcome back" in driver.last.text
        assert "Question 3 of" in driver.last.text


async def test_restart_in_process_resumes_at_same_question(world: World):
    token = world.tokens["officer"][2]
    async with world.bot():
        driver = world.driver(1007)
        await onboard(driver, token)
        for label in ("Level 2", "Level 2", "Level 1", "Don't know"):
            await driver.tap(label)
        before = driver.last
        assert "Question 5 of" in before.text
    async with world.bot():  # a new Application, new services, same database
        await driver.tap("Level 3")  # the button on the message sent before the restart still works
        assert "Question 6 of" in driver.last.text
    stored = await stored_answers(world.settings.db_path, token)
    assert set(stored) == {"kc_leadership", "kc_standards", "kc_customer_data", "kc_data_protection", "kc_analytics"}
    assert stored["kc_analytics"] == "l3" and stored["kc_data_protection"] == "dk"


async def test_bot_process_killed_mid_questionnaire_resumes_after_restart(world: World, tmp_path: Path):
    """The bot runs as a real `datatool-bot run` process; SIGKILL it between answers and start it again."""
    token = world.tokens["member"][2]
    await reopen_for_real_clock(world.settings.db_path, world.campaign_id)
    env = {
        **os.environ,
        "DATATOOL_TELEGRAM_TOKEN": world.emu.token,
        "DATATOOL_TELEGRAM_BASE_URL": world.emu.base_url,
        "DATATOOL_BOT_USERNAME": "datatool_test_bot",
        "DATATOOL_DB_PATH": str(world.settings.db_path),
    }
    command = [sys.executable, "-m", "bot.cli", "run"]

    def launch() -> subprocess.Popen:
        return subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    driver = world.driver(1008)
    process = launch()
    try:
        await onboard(driver, token, timeout=30)
        await driver.tap("Level 2")
        await driver.tap("Level 1")
        await driver.tap("Level 3")
        assert "Question 4 of" in driver.last.text
    finally:
        process.send_signal(signal.SIGKILL)
        _, stderr = process.communicate(timeout=10)
    assert world.emu.token not in stderr.decode()
    process = launch()
    try:
        await driver.tap("Level 2", timeout=30)
        assert "Question 5 of" in driver.last.text
        await driver.start(token)
        assert "Welcome back" in driver.last.text and "Question 5 of" in driver.last.text
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    log = stderr.decode()
    assert world.emu.token not in log and token not in log
    stored = await stored_answers(world.settings.db_path, token)
    assert stored == {"kc_leadership": "l2", "kc_standards": "l1", "kc_customer_data": "l3", "kc_data_protection": "l2"}
