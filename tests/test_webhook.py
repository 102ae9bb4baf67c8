"""Webhook mode: ``datatool-bot run --webhook-url URL --listen HOST:PORT``, and the emulator delivering to a webhook.

End to end, a real ``datatool-bot run`` process serves python-telegram-bot's webhook server and the emulator POSTs
each update to it with the secret, exactly as Telegram does; a POST without the secret, or with a wrong one, is
refused (403) and never handled.  Without DATATOOL_WEBHOOK_SECRET, or with one Telegram would refuse, webhook mode
does not start.  The emulator's delivery itself is tested against a tiny aiohttp receiver: the header, the order,
retrying after a failure, getWebhookInfo's report, and deleteWebhook ending it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import aiosqlite
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from bot.emulator import BotApiEmulator
from bot.emulator.methods.updates import SECRET_HEADER
from flows.tokens import hash_token
from tests.support import World, person, reopen_for_real_clock

SECRET = "Webhook_secret-0123456789abcdefXYZ"
START = 20  # seconds a bot process may take to start listening (imports, getMe, setWebhook, the first jobs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- the emulator delivers to a webhook ------------------------------------------------------------------------------


class Receiver:
    """A tiny webhook: records every POST (its headers and JSON) and answers ``status`` (settable at any time)."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.posts.append((dict(request.headers), await request.json()))
        return web.Response(status=self.status)

    @property
    def update_ids(self) -> list[int]:
        return [body["update_id"] for _, body in self.posts]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        yield hook
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    """python-telegram-bot's Bot, to call the webhook methods exactly as the bot does."""
    async with Bot(emulator.token, base_url=emulator.base_url) as client:
        yield client


async def delivered(emu: BotApiEmulator, count: int, what: str = "deliveries") -> None:
    await emu.wait_for(lambda: len(emu.webhook_deliveries) >= count, 5, description=what)


async def test_updates_are_posted_in_order_with_the_secret_header(emulator: BotApiEmulator, receiver: Receiver,
                                                                  bot: Bot):
    assert await bot.set_webhook(receiver.url, secret_token=SECRET)
    user = emulator.add_user(501)
    for text in ("one", "two", "three"):
        await emulator.send_message(user, text)
    await emulator.wait_for(lambda: emulator.pending_updates == 0, 5, description="every update delivered")
    assert [body["message"]["text"] for _, body in receiver.posts] == ["one", "two", "three"]
    assert receiver.update_ids == sorted(receiver.update_ids)
    for headers, _ in receiver.posts:
        assert headers[SECRET_HEADER] == SECRET
        assert headers["Content-Type"] == "application/json"  # exactly: python-telegram-bot refuses anything else
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_message) == (receiver.url, 0, None)
    with pytest.raises(Conflict):
        await bot.get_updates()  # no long polling while a webhook is set


async def test_without_a_secret_no_header_is_sent(emulator: BotApiEmulator, receiver: Receiver, bot: Bot):
    await bot.set_webhook(receiver.url)
    await emulator.send_message(emulator.add_user(502), "hello")
    await delivered(emulator, 1)
    assert SECRET_HEADER not in receiver.posts[0][0]


async def test_a_failed_delivery_is_reported_and_retried_until_the_webhook_answers(
        emulator: BotApiEmulator, receiver: Receiver, bot: Bot):
    receiver.status = 500
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    await emulator.send_message(emulator.add_user(503), "again and again")
    await delivered(emulator, 2, "two failed deliveries")
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1  # still queued
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None
    receiver.status = 200
    await emulator.wait_for(lambda: emulator.pending_updates == 0, 5, description="the retry to succeed")
    statuses = [d.status for d in emulator.webhook_deliveries]
    assert statuses[-1] == 200 and set(statuses[:-1]) == {500}
    assert len(set(receiver.update_ids)) == 1  # the same update each time, never a later one first


async def test_a_webhook_nobody_listens_on_is_reported_as_connection_refused(emulator: BotApiEmulator, bot: Bot):
    with socket.socket() as unserved:  # bound, not listening: connecting is refused
        unserved.bind(("127.0.0.1", 0))
        await bot.set_webhook(f"http://127.0.0.1:{unserved.getsockname()[1]}/hook", secret_token=SECRET)
        await emulator.send_message(emulator.add_user(504), "anyone there?")
        await delivered(emulator, 1)
        info = await bot.get_webhook_info()
    assert (info.pending_update_count, info.last_error_message) == (1, "Connection refused")


async def test_delete_webhook_stops_delivery_and_getupdates_works_again(emulator: BotApiEmulator,
                                                                         receiver: Receiver, bot: Bot):
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    user = emulator.add_user(505)
    await emulator.send_message(user, "by webhook")
    await delivered(emulator, 1)
    assert await bot.delete_webhook()
    await emulator.send_message(user, "by polling")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates] == ["by polling"]
    assert len(receiver.posts) == len(emulator.webhook_deliveries) == 1
    assert (await bot.get_webhook_info()).url == ""


async def test_stop_ends_a_delivery_that_is_still_retrying():
    with socket.socket() as unserved:
        unserved.bind(("127.0.0.1", 0))
        async with BotApiEmulator() as emu, Bot(emu.token, base_url=emu.base_url) as client:
            await client.set_webhook(f"http://127.0.0.1:{unserved.getsockname()[1]}/hook")
            await emu.send_message(emu.add_user(506), "never delivered")
            await delivered(emu, 1)
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "webhook delivery"]


async def test_a_secret_token_telegram_would_refuse_is_refused(bot: Bot, receiver: Receiver):
    for bad in ("with space", "x" * 257, "colon:s"):
        with pytest.raises(BadRequest, match="(?i)secret token contains unallowed characters"):
            await bot.set_webhook(receiver.url, secret_token=bad)
    assert (await bot.get_webhook_info()).url == ""
