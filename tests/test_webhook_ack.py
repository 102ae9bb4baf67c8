"""Webhook mode acknowledges an update only once it is handled, or answers 503 so that Telegram keeps it.

python-telegram-bot's own webhook server answered 200 and only then queued the update in memory: a SIGKILL lost
presses Telegram had been told were received.  Here, end to end, a real ``datatool-bot run --webhook-url`` process
is killed in the middle of a burst that the emulator POSTs as Telegram does (up to 40 at once) and started again:
every press ends up recorded.  In process, against the bot's real Application and the emulator: the POST is
answered only after the bot has replied; with no slot free it gets 503 (never started, handled once when it comes
again); beyond the connections registered, 503 at once; the secret is compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.app import build_application
from bot.emulator import ChatMessage
from bot.emulator.methods.updates import SECRET_HEADER
from bot.services import Services
from bot.webhook import SLOT_WAIT, serve
from flows import callbacks
from tests.support import (
    World,
    add_campaign,
    make_settings,
    onboard,
    person,
    reopen_for_real_clock,
    stored_answers,
)
from tests.test_webhook import (
    SECRET,
    START,
    bot_env,
    forged_start,
    free_port,
    until_listening,
)

HOLD = 30  # seconds the emulator holds its answer to the edits the first process is killed in: longer than the test


def level_2(message: ChatMessage) -> str:
    """The callback data of the "Level 2" button on a question."""
    return next(data for row in message.buttons for text, data in row if data and "Level 2" in text)


class Gate:
    """Holds the updates of chosen people inside the bot (a handler run before the bot's own) until opened."""

    def __init__(self, *user_ids: int) -> None:
        self.user_ids = set(user_ids)
        self.opened = asyncio.Event()
        self.holding = asyncio.Event()

    async def hold(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_user is not None and update.effective_user.id in self.user_ids:
            self.holding.set()
            await self.opened.wait()


@contextlib.asynccontextmanager
async def webhook_in_process(
    world: World,
    *,
    gate: Gate | None = None,
    concurrent: int = 8,
    connections: int | None = None,
    slot_wait: float = SLOT_WAIT,
) -> AsyncIterator[str]:
    """The bot in webhook mode in this event loop (``bot.webhook.serve``, as ``run --webhook-url`` runs it), its
    scheduled jobs left out (they would run on the wall clock); yields its URL once the webhook is registered."""
    settings = make_settings(world.emu, world.settings.db_path, webhook_secret=SECRET, concurrent_updates=concurrent)
    app = build_application(settings, Services(settings, clock=world.clock))
    bot_post_init = app.post_init
    assert bot_post_init is not None

    async def post_init(application: Any) -> None:
        await bot_post_init(application)
        for job in application.job_queue.jobs():
            job.schedule_removal()

    app.post_init = post_init
    if gate is not None:
        app.add_handler(TypeHandler(Update, gate.hold), group=-1)
    port = free_port()
    url = f"http://127.0.0.1:{port}/datatool/telegram"
    stop = asyncio.Event()
    running = asyncio.create_task(
        serve(app, settings, url, ("127.0.0.1", port), stop, max_connections=connections, slot_wait=slot_wait)
    )
    registered = asyncio.create_task(
        world.emu.wait_for(lambda: world.emu.webhook_url == url, START, description="the webhook to be set")
    )
    await asyncio.wait((registered, running), return_when=asyncio.FIRST_COMPLETED)
    if running.done():  # it stopped before it got there: say why
        registered.cancel()
        running.result()
    registered.result()
    try:
        yield url
    finally:
        stop.set()
        await running


async def post(url: str, update: dict[str, Any], secret: str = SECRET) -> tuple[int, dict[str, str]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers={SECRET_HEADER: secret}) as response,
    ):
        return response.status, dict(response.headers)


# ---- in process --------------------------------------------------------------------------------------------------


async def test_an_update_is_acknowledged_only_once_the_bot_has_replied(world: World):
    driver = person(world, 7101)
    gate = Gate(driver.user.id)
    gate.opened.set()
    async with webhook_in_process(world, gate=gate):
        await onboard(driver, world.tokens["member"][0])
        question = driver.last
        gate.opened.clear()
        await world.emu.press_button(driver.user, question.message_id, level_2(question))
        await asyncio.wait_for(gate.holding.wait(), START)
        # Being handled: POSTed and not answered, so still Telegram's.
        assert (world.emu.pending_updates, world.emu.webhook_in_flight) == (1, 1)
        mark = len(world.emu.calls)
        gate.opened.set()
        await world.emu.wait_for(lambda: world.emu.pending_updates == 0, START, description="the acknowledgement")
    acknowledged = world.emu.webhook_deliveries[-1]
    assert acknowledged.status == 200
    replies = [
        n
        for n, call in enumerate(world.emu.calls)
        if n >= mark and call.method in ("editMessageText", "answerCallbackQuery")
    ]
    assert len(replies) == 2 and max(replies) < acknowledged.calls  # the edit and the answer, then the 200
    assert "Question 2 of" in driver.last.text


async def test_with_no_slot_free_an_update_gets_503_and_is_handled_once_when_it_comes_again(world: World):
    first, second = person(world, 7102), person(world, 7103)
    gate = Gate(first.user.id)
    gate.opened.set()
    async with webhook_in_process(world, gate=gate, concurrent=1, slot_wait=0.3):
        for driver, token in ((first, world.tokens["member"][0]), (second, world.tokens["member"][1])):
            await onboard(driver, token)
        gate.opened.clear()
        one, two = first.last, second.last
        await world.emu.press_button(first.user, one.message_id, level_2(one))
        await asyncio.wait_for(gate.holding.wait(), START)  # the only slot is taken
        mark = len(world.emu.calls)
        query = await world.emu.press_button(second.user, two.message_id, level_2(two))
        await world.emu.wait_for(
            lambda: any(d.status == 503 for d in world.emu.webhook_deliveries),
            START,
            description="the second press refused for want of a slot",
        )
        refused = next(d for d in world.emu.webhook_deliveries if d.status == 503)
        assert world.emu.pending_updates == 2  # both still Telegram's
        assert not world.emu.calls_about(second.chat_id, since=mark)  # the refused one was never started
        # A POST refused for want of a slot says when to come again.
        status, headers = await post(world.emu.webhook_url, forged_start(person(world, 7104).user.to_dict(), "x"))
        assert (status, headers.get("Retry-After")) == (503, "1")
        gate.opened.set()
        await world.emu.wait_for(lambda: world.emu.pending_updates == 0, START, description="both handled")
    assert [d.status for d in world.emu.webhook_deliveries if d.update_id == refused.update_id][-1] == 200
    assert (
        sum(call.params.get("callback_query_id") == query for call in world.emu.calls_to("answerCallbackQuery")) == 1
    )  # handled once, when it came again
    assert "Question 2 of" in first.last.text and "Question 2 of" in second.last.text


async def test_beyond_the_connections_registered_a_post_gets_503_at_once(world: World):
    held = person(world, 7105)
    gate = Gate(held.user.id)
    gate.opened.set()
    async with webhook_in_process(world, gate=gate, connections=1, slot_wait=60) as url:
        await onboard(held, world.tokens["member"][0])
        assert int(world.emu.calls_to("setWebhook")[-1].params["max_connections"]) == 1
        gate.opened.clear()
        await world.emu.press_button(held.user, held.last.message_id, level_2(held.last))
        await asyncio.wait_for(gate.holding.wait(), START)
        other = person(world, 7106)
        token = world.tokens["member"][1]
        async with asyncio.timeout(10):  # at once, not after the 60 s a POST may wait for a slot
            status, headers = await post(url, forged_start(other.user.to_dict(), token))
        assert (status, headers.get("Retry-After")) == (503, "1")
        assert not world.emu.calls_about(other.chat_id)
        gate.opened.set()
        await world.emu.wait_for(lambda: world.emu.pending_updates == 0, START, description="the held press")
        status, _ = await post(url, forged_start(other.user.to_dict(), token))  # delivered again: handled
        assert status == 200
        assert world.emu.calls_about(other.chat_id)  # the bot answered it (to a chat the emulator never opened)


async def test_the_secret_is_compared_in_constant_time(world: World, monkeypatch: pytest.MonkeyPatch):
    import bot.webhook

    compared: list[tuple[bytes, bytes]] = []
    real = bot.webhook.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(bot.webhook, "hmac", SimpleNamespace(compare_digest=spy))  # the bot's comparisons only
    driver = person(world, 7107)
    update = forged_start(driver.user.to_dict(), world.tokens["member"][0])
    async with webhook_in_process(world) as url:
        assert (await post(url, update, secret=SECRET[:-1] + "Q"))[0] == 403
        # a header Telegram's rule forbids (not ASCII) is refused the same way, not a failure of the comparison
        host, port = "127.0.0.1", int(url.split(":")[2].split("/")[0])
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(
            b"POST /datatool/telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2\r\n" + SECRET_HEADER.encode() + b": \xc3\xa9t\xc3\xa9\r\n\r\n{}"
        )
        await writer.drain()
        assert (await reader.readline()).startswith(b"HTTP/1.1 403")
        writer.close()
    assert compared and all(isinstance(a, bytes) and b == SECRET.encode() for a, b in compared)
    assert compared[0][0] == (SECRET[:-1] + "Q").encode()
    assert not world.emu.calls_about(driver.chat_id)


# ---- a real process, killed in the middle of a burst ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def webhook_process(
    world: World, tmp_path: Path, name: str, **extra: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``datatool-bot run --webhook-url`` in another process, its webhook set and its port listening."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/datatool/telegram"
    log = tmp_path / f"{name}.log"
    with open(log, "wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--webhook-url",
            url,
            "--listen",
            f"127.0.0.1:{port}",
            env=bot_env(world, tmp_path, DATATOOL_WEBHOOK_SECRET=SECRET, **extra),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            await until_listening(world.emu, port, process, log)
            yield process
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    output = log.read_text(errors="replace")
    assert SECRET not in output and world.emu.token not in output and "Traceback" not in output, output


async def test_a_sigkill_in_the_middle_of_a_burst_loses_no_press_telegram_was_told_was_received(
    world: World, tmp_path: Path
):
    campaign_id, tokens = await add_campaign(world, "Conwy County Borough Council", officers=12, members=12)
    people = [person(world, 7200 + n) for n in range(24)]
    async with world.bot():
        await asyncio.gather(
            *(
                onboard(driver, token, timeout=30)
                for driver, token in zip(people, tokens["officer"] + tokens["member"], strict=True)
            )
        )
    await reopen_for_real_clock(world.settings.db_path, campaign_id)
    pressed = {driver.user.id: level_2(driver.last) for driver in people}
    token_of = {
        driver.user.id: token for driver, token in zip(people, tokens["officer"] + tokens["member"], strict=True)
    }
    emu = world.emu
    emu.delay_next("editMessageText", HOLD, times=8)  # the first eight presses are edited, their answers held
    async with webhook_process(world, tmp_path, "first", DATATOOL_TELEGRAM_TIMEOUT="60") as process:
        edits = len(emu.calls_to("editMessageText"))
        for driver in people:
            await emu.press_button(driver.user, driver.last.message_id, pressed[driver.user.id])
        # Eight presses are being handled (their answers written, their edits held), and every other press has been
        # POSTed to the bot: none is waiting at the emulator without the bot having it.
        await emu.wait_for(
            lambda: len(emu.calls_to("editMessageText")) - edits >= 8 and emu.pending_updates == emu.webhook_in_flight,
            START,
            description="eight presses being handled and the rest with the bot",
        )
        process.send_signal(signal.SIGKILL)
        await process.wait()
    unanswered = emu.pending_updates  # what Telegram still has: everything the bot never answered 200
    recorded = [driver for driver in people if await stored_answers(world.settings.db_path, token_of[driver.user.id])]
    assert len(recorded) == 8  # killed in the middle: eight presses recorded, sixteen not yet
    async with webhook_process(world, tmp_path, "second"):
        await emu.wait_for(
            lambda: emu.pending_updates == 0 and emu.webhook_in_flight == 0,
            60,
            description="every press delivered again to be acknowledged",
        )
    for driver in people:  # acknowledged means handled: every press is recorded, once, and nothing else
        question, option = callbacks.decode(pressed[driver.user.id]).args
        answers = await stored_answers(world.settings.db_path, token_of[driver.user.id])
        assert answers == {question: option}, f"user {driver.user.id}: {answers}"
    assert unanswered == 24  # at the kill, none had been acknowledged: the eight being handled came again too
