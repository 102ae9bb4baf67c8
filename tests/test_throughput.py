"""What makes the bot fast under a burst without breaking its promises: different people's updates side by side but
one person's in order (bot/ordering.py), only new messages paced to Telegram's limit (bot/pacing.py), the
emulator's strict flood limit that the benchmarks run against, and a reminder round larger than one batch going out
in one tick.  Waiting is on events and a fake clock, never on time."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime

import pytest
from telegram import Bot, Update
from telegram.error import RetryAfter
from telegram.ext import Application, CallbackQueryHandler

from bot import pacing
from bot.emulator import BotApiEmulator
from bot.ordering import PerPersonUpdates, PollWhenRoom
from bot.pacing import MessagePacer
from flows import reminders as reminder_flow
from tests.test_reminders import FakeMessenger, rw, service, started, statuses  # noqa: F401 - rw is a fixture

# ---- one person's updates in order, different people's at once ---------------------------------------------------


def press(update_id: int, user_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "chat_instance": "1",
                "data": "x",
                "from": {"id": user_id, "is_bot": False, "first_name": "P"},
            },
        },
        None,
    )


async def test_one_persons_updates_wait_for_each_other_but_not_for_anyone_else():
    processor = PerPersonUpdates(8)
    log: list[str] = []
    gate = asyncio.Event()
    started_ = {name: asyncio.Event() for name in ("a1", "a2", "b1")}

    async def handle(name: str, wait: bool) -> None:
        log.append(f"start {name}")
        started_[name].set()
        if wait:
            await gate.wait()
        log.append(f"end {name}")

    tasks = [
        asyncio.create_task(processor.process_update(press(1, 100), handle("a1", True))),
        asyncio.create_task(processor.process_update(press(2, 100), handle("a2", False))),
        asyncio.create_task(processor.process_update(press(3, 200), handle("b1", False))),
    ]
    await started_["b1"].wait()  # the other person is not held up by the first person's slow update ...
    assert not started_["a2"].is_set()  # ... but the first person's second update waits for their first
    gate.set()
    await asyncio.gather(*tasks)
    assert log.index("end a1") < log.index("start a2")
    assert log.index("start b1") < log.index("end a1")


async def test_a_failing_update_does_not_hold_up_that_persons_next_one():
    processor = PerPersonUpdates(4)
    done: list[int] = []

    async def fail() -> None:
        raise ValueError("handler failed")

    async def ok() -> None:
        done.append(2)

    first = asyncio.create_task(processor.process_update(press(1, 100), fail()))
    second = asyncio.create_task(processor.process_update(press(2, 100), ok()))
    with pytest.raises(ValueError):
        await first
    await second
    assert done == [2] and not processor._tails  # nothing left behind for that person


# ---- long polling fetches more only when an update could start ------------------------------------------------------


async def test_room_for_another_update_is_only_there_while_a_slot_is_free():
    queued = [0]
    processor = PerPersonUpdates(2, queued=lambda: queued[0])
    release = {n: asyncio.Event() for n in (1, 2)}

    async def held(n: int) -> None:
        await release[n].wait()

    await asyncio.wait_for(processor.room(), 1)  # nothing open: room at once
    tasks = [asyncio.create_task(processor.process_update(press(n, 100 + n), held(n))) for n in (1, 2)]
    await asyncio.sleep(0)
    assert processor.open == 2
    waiting = asyncio.create_task(processor.room())
    await asyncio.sleep(0)
    assert not waiting.done()  # both slots taken
    queued[0] = 1  # one fetched update is on its way to the slot about to be freed ...
    release[1].set()
    await tasks[0]
    await asyncio.sleep(0)
    assert not waiting.done()  # ... so that slot is taken already
    queued[0] = 0
    release[2].set()
    await tasks[1]
    await asyncio.wait_for(waiting, 1)
    assert processor.open == 0


async def test_long_polling_leaves_updates_with_telegram_while_every_slot_is_busy():
    """Fetched eagerly (python-telegram-bot's default), updates wait in the bot's memory, already confirmed to
    Telegram, and a crash would lose them; the bot asks for more only once one could start."""
    queue: asyncio.Queue[object] = asyncio.Queue()
    processor = PerPersonUpdates(2, queued=queue.qsize)
    release, started_ = asyncio.Event(), []

    async def on_press(update: Update, context: object) -> None:
        assert update.callback_query is not None and update.effective_user is not None
        started_.append(update.effective_user.id)
        await release.wait()
        await update.callback_query.answer()

    async with BotApiEmulator("1:room") as emulator:
        app = (
            Application.builder()
            .token(emulator.token)
            .base_url(emulator.base_url)
            .update_queue(queue)
            .concurrent_updates(processor)
            .get_updates_request(PollWhenRoom(processor.room, connection_pool_size=1))
            .build()
        )
        app.add_handler(CallbackQueryHandler(on_press))
        shown = {}
        for user in range(1, 6):
            emulator.add_user(user, "P")
            shown[user] = emulator.history(user, "q", [[("A", "a")]])
        for user in (1, 2):
            await emulator.press_button(user, shown[user], "a")
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            await emulator.wait_for(lambda: len(started_) == 2, 10, description="both slots taken")
            for user in (3, 4, 5):
                await emulator.press_button(user, shown[user], "a")
            polls = len(emulator.calls_to("getUpdates"))
            assert emulator.pending_updates == 5  # 1 and 2 not confirmed yet, 3 to 5 not fetched
            release.set()
            await emulator.wait_for(
                lambda: len(emulator.calls_to("answerCallbackQuery")) == 5, 10, description="every press handled"
            )
            await emulator.wait_until_updates_consumed()
            await app.updater.stop()
            await app.stop()
    assert sorted(started_) == [1, 2, 3, 4, 5]
    assert len(emulator.calls_to("getUpdates")) > polls


# ---- pacing: only new messages, evenly, and Telegram's wait obeyed ---------------------------------------------------


class FakeTime:
    """The pacer's clock; its sleeps advance it instead of waiting."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    clock = FakeTime()
    monkeypatch.setattr(pacing.asyncio, "sleep", clock.sleep)
    return clock


def sent_at(clock: FakeTime, log: list[tuple[str, float]], name: str):
    async def call() -> bool:
        log.append((name, clock.now))
        return True

    return call


async def test_new_messages_leave_evenly_spaced_and_edits_and_answers_are_not_held(fake_time: FakeTime):
    pacer = MessagePacer(30, clock=fake_time)
    log: list[tuple[str, float]] = []
    for n in range(5):
        await pacer.process_request(
            sent_at(fake_time, log, f"send{n}"), (), {}, "sendMessage", {"chat_id": n + 1}, None
        )
        await pacer.process_request(
            sent_at(fake_time, log, f"edit{n}"), (), {}, "editMessageText", {"chat_id": 1}, None
        )
        await pacer.process_request(sent_at(fake_time, log, f"answer{n}"), (), {}, "answerCallbackQuery", {}, None)
    sends = [t for name, t in log if name.startswith("send")]
    gaps = [b - a for a, b in itertools.pairwise(sends)]
    assert all(gap == pytest.approx(1 / (30 * pacing.SAFETY)) for gap in gaps)  # at most 29.4 a second, no burst
    for n in range(5):  # an edit or a button answer goes out the moment it is asked for
        assert dict(log)[f"edit{n}"] == dict(log)[f"send{n}"] == dict(log)[f"answer{n}"]


async def test_flood_control_is_waited_out_for_every_message_then_sent_again(fake_time: FakeTime):
    pacer = MessagePacer(30, max_retries=2, clock=fake_time)
    attempts: list[float] = []

    async def refused_once() -> bool:
        attempts.append(fake_time.now)
        if len(attempts) == 1:
            raise RetryAfter(5)
        return True

    assert await pacer.process_request(refused_once, (), {}, "sendMessage", {"chat_id": 1}, None) is True
    assert attempts[1] - attempts[0] >= 5  # sent again only after Telegram's wait: it certainly was not delivered
    log: list[tuple[str, float]] = []
    await pacer.process_request(sent_at(fake_time, log, "next"), (), {}, "sendMessage", {"chat_id": 2}, None)
    assert log[0][1] > attempts[1]


async def test_flood_control_beyond_the_retries_reaches_the_caller(fake_time: FakeTime):
    pacer = MessagePacer(30, max_retries=1, clock=fake_time)

    async def always_refused() -> bool:
        raise RetryAfter(1)

    with pytest.raises(RetryAfter):
        await pacer.process_request(always_refused, (), {}, "sendMessage", {"chat_id": 1}, None)


# ---- the emulator's strict flood limit --------------------------------------------------------------------------------


async def test_the_emulator_refuses_new_messages_beyond_the_limit_but_not_edits(emulator: BotApiEmulator):
    emulator.add_user(7, "P")
    emulator.history(7, "earlier")
    emulator.limit_messages(3)
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        messages = [await bot.send_message(7, f"m{n}") for n in range(3)]
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(7, "one too many")
        await bot.edit_message_text("edited", chat_id=7, message_id=messages[0].message_id)  # not counted
    assert refused.value.retry_after.total_seconds() >= 1
    assert emulator.flood_refusals == 1
    assert [m.text for m in emulator.bot_messages(7)] == [
        "earlier",
        "edited",
        "m1",
        "m2",
    ]  # the refused one is not there
    emulator.limit_messages(None)


# ---- a round larger than one batch goes out in one tick -------------------------------------------------------------


async def test_a_round_larger_than_a_batch_is_sent_in_one_tick(rw, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    monkeypatch.setattr(reminder_flow, "BATCH", 2)
    async with rw.bot():
        await started(rw, "member", 5)
    rw.clock.current = datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
    messenger = FakeMessenger()
    services, reminders = await service(rw, messenger)
    try:
        report = await reminders.tick()
    finally:
        await services.close()
    assert report.sent == 5 and len({chat for chat, _ in messenger.sent}) == 5
    assert await statuses(rw) == {"sent": 5}


# ---- the benchmark's floor bot (bench/floor.py) ---------------------------------------------------------------------


async def test_the_floor_bot_edits_to_the_next_screen_and_leaves_the_last_screens_buttons_alone():
    """Every press on the floor bot's screens but the last leads to the next screen of the same track; the last
    screen (the thanks, whose buttons ask about the results) carries buttons the benchmark's respondents never
    press, as on datatool-bot: a press there would wait for an edit that never comes (make bench timed out so)."""
    from bench import floor
    from bench.traffic import floor_choice

    tracks = [[{"text": f"t{t} s{s}", "labels": [["A", "B"]]} for s in range(3)] for t in range(2)]
    async with BotApiEmulator("1:floor") as emulator:
        app = floor.build(emulator.token, emulator.base_url, tracks, [], False, 1)
        user = 80_000_001
        emulator.add_user(user, "Respondent")
        shown = emulator.history(user, "t1 s0", floor.keyboard(1, 0, [["A", "B"]]))
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            rng = random.Random(1)
            for step in (1, 2):
                message = emulator.messages(user)[-1]
                data = floor_choice(message.buttons, rng)
                assert data is not None
                await emulator.press_button(user, shown, data)
                await emulator.wait_for(
                    lambda step=step: emulator.messages(user)[-1].text == f"t1 s{step}",
                    10,
                    description=f"screen {step}",
                )
            assert floor_choice(emulator.messages(user)[-1].buttons, rng) is None  # the thanks: nothing to press
            await app.updater.stop()
            await app.stop()
