"""SIGKILL of a real ``datatool-bot run`` in the middle of a reminder batch and in the middle of posting the summary.

The bot runs as a subprocess against the local Bot API emulator and reads the real clock, so the campaign's dates
and reminder policy are set around the real now.  The emulator holds back its answer to one send (the message is
delivered at once, the answer would come much later), so the process is certainly in the middle of the batch when it
is killed.  After a restart nothing is repeated and nothing is dropped, except the single in-flight item docs/respondents.md
names as in doubt — and about a summary item in doubt, the auditor is told.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from flows.ports.reminders import ReminderPolicy
from tests.support import (
    DOCUMENTS,
    World,
    add_campaign,
    make_settings,
    onboard,
    person,
    reopen_for_real_clock,
    seed_answers,
)

AUDITOR = 4242
HOLD = 30  # seconds the emulator holds its answer to the send the process is killed in: far longer than the test
WAIT = 60  # seconds to wait for the subprocess to get somewhere (it compiles the report, with matplotlib)
REMINDER = "A reminder about the data tool"


@contextmanager
def bot_process(world: World, tmp_path: Path, name: str, **extra: str) -> Iterator[subprocess.Popen]:
    """``datatool-bot run`` in another process; its log goes to a file (a full pipe would stall it)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATATOOL_")}
    env |= {
        "DATATOOL_TELEGRAM_TOKEN": world.emu.token,
        "DATATOOL_TELEGRAM_BASE_URL": world.emu.base_url,
        "DATATOOL_BOT_USERNAME": "datatool_test_bot",
        "DATATOOL_DB_PATH": str(world.settings.db_path),
        "DATATOOL_REPORTS_DIR": str(tmp_path / "reports"),
        **extra,
    }
    with open(tmp_path / f"{name}.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=20)
    assert world.emu.token not in (tmp_path / f"{name}.log").read_text(errors="replace")


def sigkill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=20)
    assert process.returncode == -signal.SIGKILL


async def wait(world: World, predicate: Callable[[], bool], what: str) -> None:
    await world.emu.wait_for(predicate, WAIT, description=what)


async def db_rows(world: World, sql: str, params: tuple = ()) -> list[tuple]:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute(sql, params) as cur:
            return [tuple(row) async for row in cur]


async def until_db(world: World, sql: str, expected: object, what: str) -> None:
    """Poll the database the other process writes until ``sql`` gives ``expected``."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + WAIT
    while (found := await db_rows(world, sql)) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{what}: {found}"
        await asyncio.sleep(0.1)


# ---- a reminder batch -----------------------------------------------------------------------------------------------


async def test_sigkill_mid_reminder_batch_neither_repeats_nor_drops(world: World, tmp_path: Path):
    async with world.bot():
        people = []
        for i in range(5):
            driver = person(world, 8000 + i)
            await onboard(driver, world.tokens["member"][i])
            await driver.tap("Level 2")
            people.append(driver)
    # The other process reads the real clock: open the campaign around today, with a slot two minutes ago and no quiet
    # hours (the test may run at night), and make the five last active two days ago.
    await reopen_for_real_clock(world.settings.db_path, world.campaign_id)
    now = datetime.now(UTC)
    slot = (now - timedelta(minutes=2)).astimezone(ZoneInfo("Europe/London"))
    policy = ReminderPolicy(
        weekdays=list(range(7)), times=[time(slot.hour, slot.minute)], quiet_start=time(0), quiet_end=time(0)
    )
    async with aiosqlite.connect(world.settings.db_path) as conn:
        await conn.execute(
            "UPDATE campaigns SET reminder_policy = ? WHERE id = ?", (policy.model_dump_json(), world.campaign_id)
        )
        await conn.execute("UPDATE invitations SET last_seen_at = ?", ((now - timedelta(days=2)).isoformat(),))
        await conn.commit()

    def reminded() -> Counter:
        return Counter({d.user.id: sum(REMINDER in m.text for m in d.messages) for d in people})

    world.emu.delay_next("sendMessage", HOLD, after=2)  # the third reminder arrives; its answer never does
    with bot_process(world, tmp_path, "first") as process:
        await wait(world, lambda: sum(reminded().values()) == 3, "three reminders")
        sigkill(process)  # mid-batch: two sent, one in flight, two still queued
    assert await db_rows(world, "SELECT status, COUNT(*) FROM reminders GROUP BY status ORDER BY status") == [
        ("queued", 2),
        ("sending", 1),
        ("sent", 2),
    ]
    in_flight = await db_rows(
        world,
        "SELECT i.chat_id FROM reminders r JOIN invitations i ON i.id = r.invitation_id WHERE r.status = 'sending'",
    )
    with bot_process(world, tmp_path, "second"):
        await wait(world, lambda: sum(reminded().values()) == 5, "the rest of the batch")
        await until_db(
            world,
            "SELECT status, COUNT(*) FROM reminders GROUP BY status ORDER BY status",
            [("sent", 4), ("unknown", 1)],
            "the batch settled",
        )
    assert reminded() == Counter({d.user.id: 1 for d in people})  # everyone once: nobody dropped, nobody twice
    # The one in flight at the kill is the one recorded in doubt, and it was not sent again.
    assert (
        await db_rows(
            world,
            "SELECT i.chat_id FROM reminders r JOIN invitations i ON i.id = r.invitation_id WHERE r.status = 'unknown'",
        )
        == in_flight
    )


# ---- posting the summary --------------------------------------------------------------------------------------------


@pytest.fixture
async def closed(emulator, tmp_path: Path, clock, questionnaires) -> World:
    settings = make_settings(emulator, tmp_path / "kill.db", auditor_ids=frozenset({AUDITOR}))
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=20, members=20)
    await seed_answers(settings.db_path, world.campaign_id, "officer", questionnaires["officer"], count=12)
    await seed_answers(
        settings.db_path,
        world.campaign_id,
        "member",
        questionnaires["member"],
        count=9,
        level="l1",
        first_user=9_100_000,
    )
    async with aiosqlite.connect(settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-25T09:00:00+00:00', closed_reason = 'auditor'")
        await conn.commit()
    return world


async def test_sigkill_mid_posting_neither_repeats_nor_drops_and_tells_the_auditor(closed: World, tmp_path: Path):
    world = closed
    auditor = world.driver(AUDITOR)
    auditor.timeout = WAIT
    await world.emu.send_message(auditor.user, "/campaigns")  # the auditor has started the bot

    def documents() -> Counter:
        return Counter(m.filename for m in auditor.messages if m.kind == "document")

    def photos() -> int:
        return sum(m.kind == "photo" for m in auditor.messages)

    world.emu.delay_next("sendDocument", HOLD, after=1)  # the second document arrives; its answer never does
    with bot_process(world, tmp_path, "first", DATATOOL_AUDITOR_IDS=str(AUDITOR)) as process:
        await wait(world, lambda: sum(documents().values()) == 2, "two documents")
        sigkill(process)
    assert await db_rows(world, "SELECT item FROM postings WHERE status = 'sending'") == [("report-cy.html",)]
    charts = photos()
    assert charts >= 3 and await db_rows(world, "SELECT summary_posted_at FROM campaigns") == [(None,)]

    with bot_process(world, tmp_path, "second", DATATOOL_AUDITOR_IDS=str(AUDITOR)):
        notice = await auditor.expect("may not have reached this chat")
        await until_db(world, "SELECT summary_posted_at IS NOT NULL FROM campaigns", [(1,)], "the campaign finished")
        assert documents() == Counter(DOCUMENTS)  # the one in flight arrived once and was not sent again
        assert photos() == charts and sum("Response rates" in m.text for m in auditor.messages) == 1
        assert "report-cy.html" in notice.text and "/resend flintshire report-cy.html" in notice.text
        # The auditor follows the notice: the item comes again because they asked for it.
        # (Not waiting for the chat to go quiet: the emulator still holds its answer to the killed process.)
        await auditor.send("/resend flintshire report-cy.html", wait=False)
        await auditor.expect("sent again to this chat: report-cy.html")
        assert documents()["report-cy.html"] == 2
    sent = charts + len(DOCUMENTS)  # the summary and every document but the one in doubt
    assert await db_rows(
        world, "SELECT status, COUNT(*) FROM postings WHERE item NOT LIKE 'notice:%' GROUP BY status ORDER BY status"
    ) == [("sent", sent), ("unknown", 1)]
