"""Webhook mode: ``datatool-bot run --webhook-url URL --listen HOST:PORT``, and the emulator delivering to a webhook.

End to end, a real ``datatool-bot run`` process serves its webhook and the emulator POSTs each update to it with the
secret, exactly as Telegram does; a POST without the secret, or with a wrong one, is refused (403) and never handled,
and a body over 1 MiB is refused (413) unread.  Without DATATOOL_WEBHOOK_SECRET, or with one Telegram would refuse,
webhook mode does not start; setWebhook is called once, and refused with a server error or lasting flood control it
ends start-up with one line.  The emulator's delivery itself is tested against a tiny aiohttp receiver: the header,
up to max_connections at once but one chat's updates in order, retrying after a failure (no sooner than Retry-After)
while other chats go on, getWebhookInfo's report, and deleteWebhook ending it.  (Acknowledging only what is handled:
``test_webhook_ack.py``.)
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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
    """A tiny webhook: records every POST (its headers and JSON) and answers ``status`` (settable at any time), or
    what ``answer(update)`` gives; while ``gate`` is set and not open, every POST waits for it before answering.
    ``events`` lists ("start" | "end", update_id) in order; ``peak`` is the most POSTs it held at once."""

    def __init__(self) -> None:
        self.posts: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200
        self.answer: Callable[[dict[str, Any]], tuple[int, dict[str, str]]] | None = None
        self.gate: asyncio.Event | None = None
        self.events: list[tuple[str, int]] = []
        self.holding = 0
        self.peak = 0
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.posts.append((dict(request.headers), body))
        self.events.append(("start", body["update_id"]))
        self.holding += 1
        self.peak = max(self.peak, self.holding)
        try:
            if self.gate is not None:
                await self.gate.wait()
            status, headers = self.answer(body) if self.answer else (self.status, {})
        finally:
            self.holding -= 1
            self.events.append(("end", body["update_id"]))
        return web.Response(status=status, headers=headers)

    @property
    def update_ids(self) -> list[int]:
        return [body["update_id"] for _, body in self.posts]

    async def until_holding(self, count: int) -> None:
        """Poll until ``count`` POSTs are held (the emulator's waiting helpers see only the emulator's changes)."""
        async with asyncio.timeout(5):
            while self.holding < count:
                await asyncio.sleep(0.01)


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


async def test_updates_are_posted_in_order_with_the_secret_header(
    emulator: BotApiEmulator, receiver: Receiver, bot: Bot
):
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
    emulator: BotApiEmulator, receiver: Receiver, bot: Bot
):
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


async def test_different_chats_are_posted_at_once_up_to_max_connections_one_chats_in_order(
    emulator: BotApiEmulator, receiver: Receiver, bot: Bot
):
    receiver.gate = asyncio.Event()  # every POST is held until the test lets go
    assert await bot.set_webhook(receiver.url, secret_token=SECRET, max_connections=3)
    assert (await bot.get_webhook_info()).max_connections == 3
    users = [emulator.add_user(510 + n) for n in range(5)]
    for user in users:
        await emulator.send_message(user, "first")
    await emulator.send_message(users[0], "second")  # the same chat as the first update
    await receiver.until_holding(3)
    assert emulator.webhook_in_flight == 3 and emulator.pending_updates == 6  # no more at once; none acknowledged
    receiver.gate.set()
    await emulator.wait_for(lambda: emulator.pending_updates == 0, 5, description="every update delivered")
    assert receiver.peak == 3  # never more than max_connections
    assert sorted(receiver.update_ids) == list(range(1, 7)) and len(receiver.update_ids) == 6  # each once
    first, second = 1, 6  # users[0]'s two messages: the second is POSTed only once the first is answered
    assert receiver.events.index(("end", first)) < receiver.events.index(("start", second))


async def test_a_chat_whose_update_fails_waits_but_the_others_go_on(
    emulator: BotApiEmulator, receiver: Receiver, bot: Bot
):
    stuck, other = emulator.add_user(520), emulator.add_user(521)
    refuse = {"on": True}

    def answer(update: dict[str, Any]) -> tuple[int, dict[str, str]]:
        if update["message"]["chat"]["id"] == stuck.id and refuse["on"]:
            return 503, {"Retry-After": "1"}
        return 200, {}

    receiver.answer = answer
    emulator.webhook_retry_first, emulator.webhook_retry_max = 0.01, 0.3
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    await emulator.send_message(stuck, "one")
    await emulator.send_message(stuck, "two")
    await emulator.send_message(other, "meanwhile")
    await emulator.wait_for(
        lambda: 3 in receiver.update_ids and receiver.update_ids.count(1) >= 2,
        5,
        description="the other chat delivered while the first is refused again",
    )
    assert 2 not in receiver.update_ids  # the stuck chat's next update waits for its first
    assert emulator.pending_updates == 2
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 503 Service Unavailable"
    assert {d.status for d in emulator.webhook_deliveries if d.update_id == 1} == {503}
    refuse["on"] = False
    await emulator.wait_for(lambda: emulator.pending_updates == 0, 5, description="the stuck chat to catch up")
    assert [body["message"]["text"] for _, body in receiver.posts if body["message"]["chat"]["id"] == stuck.id][
        -2:
    ] == ["one", "two"]


async def test_a_refused_update_is_tried_again_no_sooner_than_retry_after(
    emulator: BotApiEmulator, receiver: Receiver, bot: Bot
):
    loop = asyncio.get_running_loop()
    seen: list[float] = []

    def answer(update: dict[str, Any]) -> tuple[int, dict[str, str]]:
        seen.append(loop.time())
        return (429, {"Retry-After": "1"}) if len(seen) == 1 else (200, {})

    receiver.answer = answer
    emulator.webhook_retry_first, emulator.webhook_retry_max = 0.01, 0.25  # Retry-After: 1, capped at 0.25 s here
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    await emulator.send_message(emulator.add_user(522), "later, please")
    await emulator.wait_for(lambda: emulator.pending_updates == 0, 5, description="the second try")
    assert len(seen) == 2 and seen[1] - seen[0] >= 0.25  # without Retry-After it would come after 0.01 s


async def test_a_webhook_nobody_listens_on_is_reported_as_connection_refused(emulator: BotApiEmulator, bot: Bot):
    with socket.socket() as unserved:  # bound, not listening: connecting is refused
        unserved.bind(("127.0.0.1", 0))
        await bot.set_webhook(f"http://127.0.0.1:{unserved.getsockname()[1]}/hook", secret_token=SECRET)
        await emulator.send_message(emulator.add_user(504), "anyone there?")
        await delivered(emulator, 1)
        info = await bot.get_webhook_info()
    assert (info.pending_update_count, info.last_error_message) == (1, "Connection refused")


async def test_delete_webhook_stops_delivery_and_getupdates_works_again(
    emulator: BotApiEmulator, receiver: Receiver, bot: Bot
):
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


# ---- a real `datatool-bot run --webhook-url` ------------------------------------------------------------------------


def bot_env(world: World, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATATOOL_")}
    return env | {
        "DATATOOL_TELEGRAM_TOKEN": world.emu.token,
        "DATATOOL_TELEGRAM_BASE_URL": world.emu.base_url,
        "DATATOOL_BOT_USERNAME": "datatool_test_bot",
        "DATATOOL_DB_PATH": str(world.settings.db_path),
        "DATATOOL_REPORTS_DIR": str(tmp_path / "reports"),
        **extra,
    }


async def until_listening(emu: BotApiEmulator, port: int, process: asyncio.subprocess.Process, log: Path) -> None:
    """Wait until the bot has registered its webhook, then poll the port until it accepts a connection (or the
    process has died, or the deadline passed).  (The bot binds its port before it registers: updates that come before
    it has started wait for it.)"""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START
    await emu.wait_for(
        lambda: bool(emu.webhook_url) or process.returncode is not None, START, description="the bot to set its webhook"
    )
    while True:
        assert process.returncode is None, log.read_text(errors="replace")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert loop.time() < deadline, f"nothing listens on {port}:\n{log.read_text(errors='replace')}"
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


@asynccontextmanager
async def webhook_bot(world: World, tmp_path: Path) -> AsyncIterator[str]:
    """``datatool-bot run`` in webhook mode in another process, listening; yields its webhook URL.  Afterwards it is
    stopped with SIGTERM and must exit cleanly, having logged neither the secret nor the token."""
    await reopen_for_real_clock(world.settings.db_path, world.campaign_id)  # that process reads the real clock
    port = free_port()
    url = f"http://127.0.0.1:{port}/datatool/telegram"
    log = tmp_path / "webhook.log"
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
            env=bot_env(world, tmp_path, DATATOOL_WEBHOOK_SECRET=SECRET),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            await until_listening(world.emu, port, process, log)
            yield url
            process.terminate()
            assert await asyncio.wait_for(process.wait(), START) == 0, log.read_text(errors="replace")
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    output = log.read_text(errors="replace")
    assert "listening on 127.0.0.1" in output
    assert SECRET not in output and world.emu.token not in output and world.emu.token.split(":")[1] not in output


async def test_a_respondent_is_answered_through_the_webhook(world: World, tmp_path: Path):
    async with webhook_bot(world, tmp_path) as url:
        assert (world.emu.webhook_url, world.emu.webhook_secret) == (url, SECRET)
        driver = person(world, 7001)
        await driver.start(world.tokens["member"][0])
        assert "Which language" in driver.last.text
        await driver.tap("English")
        assert "How we use your answers" in driver.last.text
        await driver.tap("Start the questions")
        assert "Question 1 of" in driver.last.text and "Level 1" in driver.last.text
    assert len(world.emu.webhook_deliveries) == 3  # /start and two button presses, each POSTed once
    assert all(d.status == 200 for d in world.emu.webhook_deliveries)
    assert not world.emu.calls_to("getUpdates")  # it never polled


def forged_start(user: dict[str, Any], token: str) -> dict[str, Any]:
    """The update Telegram would send for ``/start TOKEN`` from this user."""
    text = f"/start {token}"
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    return {
        "update_id": 900_001,
        "message": {
            "message_id": 1,
            "date": 1_800_000_000,
            "chat": chat,
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len("/start")}],
        },
    }


async def bound_to(db_path: Path, token: str) -> int | None:
    async with aiosqlite.connect(db_path) as conn:
        async with conn.execute(
            "SELECT telegram_user_id FROM invitations WHERE token_hash = ?", (hash_token(token),)
        ) as cur:
            row = await cur.fetchone()
    assert row is not None
    return row[0]


async def test_a_post_without_the_secret_is_refused_and_never_handled(world: World, tmp_path: Path):
    token = world.tokens["officer"][0]
    driver = person(world, 7002)
    forged = forged_start(driver.user.to_dict(), token)
    async with webhook_bot(world, tmp_path) as url, aiohttp.ClientSession() as session:
        for headers in ({}, {SECRET_HEADER: "not-the-secret"}, {SECRET_HEADER: SECRET[:-1]}):
            async with session.post(url, json=forged, headers=headers) as response:
                assert response.status == 403, headers
        async with session.post(
            url.replace("/telegram", "/other"), json=forged, headers={SECRET_HEADER: SECRET}
        ) as response:
            assert response.status == 404  # the webhook is the URL's path, and only that
        assert not world.emu.calls_about(driver.chat_id)
        assert await bound_to(world.settings.db_path, token) is None
        # The same person then opens the same link through Telegram: one update, one answer. Had a forged one been
        # taken, it would have been handled first (one person's updates are handled in order) and answered too.
        await driver.start(token)
        assert [m.text for m in driver.messages][-1].startswith("Which language")
        assert len(driver.messages) == 1, driver.transcript()
    assert await bound_to(world.settings.db_path, token) == driver.chat_id


def padded(update: dict[str, Any], size: int) -> bytes:
    """``update`` as JSON of exactly ``size`` bytes, padded with a field python-telegram-bot keeps aside."""
    bare = len(json.dumps({**update, "padding": ""}).encode())
    return json.dumps({**update, "padding": "x" * (size - bare)}).encode()


async def status_of(port: int, head: bytes) -> bytes:
    """Send a request's head only (no body) on a raw connection and read the status line of the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head)
        await writer.drain()
        async with asyncio.timeout(START):
            return await reader.readline()
    finally:
        writer.close()


async def test_a_body_over_one_mebibyte_is_refused_before_it_is_read(world: World, tmp_path: Path):
    driver = person(world, 7005)
    token = world.tokens["officer"][1]
    limit = 1024 * 1024
    async with webhook_bot(world, tmp_path) as url, aiohttp.ClientSession() as session:
        port, path = int(url.split(":")[2].split("/")[0]), "/datatool/telegram"
        # Refused by its Content-Length, before any of it is sent.
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"{SECRET_HEADER}: {SECRET}\r\nContent-Length: {limit + 1}\r\n\r\n"
        ).encode()
        assert (await status_of(port, head)).startswith(b"HTTP/1.1 413")

        async def chunks():  # sent in chunks, with no length given: refused once past the limit
            body = padded(forged_start(driver.user.to_dict(), token), 2 * limit)
            for start in range(0, len(body), 64 * 1024):
                yield body[start : start + 64 * 1024]

        async with session.post(
            url, data=chunks(), headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        ) as response:
            assert response.status == 413
        async with session.post(
            url,
            data=padded(forged_start(driver.user.to_dict(), token), limit + 1),
            headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"},
        ) as response:
            assert response.status == 413
        assert not world.emu.calls_about(driver.chat_id)  # none of them was handled
        assert await bound_to(world.settings.db_path, token) is None
        # One of exactly the limit is taken (Telegram's updates are a few kilobytes).
        async with session.post(
            url,
            data=padded(forged_start(driver.user.to_dict(), token), limit),
            headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"},
        ) as response:
            assert response.status == 200
        assert await bound_to(world.settings.db_path, token) == driver.chat_id


# ---- refusing to start ---------------------------------------------------------------------------------------------


async def run_briefly(world: World, tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    """``datatool-bot ARGS`` that is expected to stop by itself: (exit code, standard error)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=bot_env(world, tmp_path, **env),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), START)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_webhook_mode_without_the_secret_does_not_start(world: World, tmp_path: Path):
    code, err = await run_briefly(world, tmp_path, "run", "--webhook-url", "http://127.0.0.1:9/datatool/telegram")
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("datatool-bot: DATATOOL_WEBHOOK_SECRET is not set"), err
    assert not world.emu.calls  # refused before anything was asked of Telegram


async def test_a_secret_telegram_would_refuse_stops_start_up(world: World, tmp_path: Path):
    secret = "has spaces:and-a-colon"
    code, err = await run_briefly(
        world, tmp_path, "run", "--webhook-url", "http://127.0.0.1:9/datatool/telegram", DATATOOL_WEBHOOK_SECRET=secret
    )
    assert code == 2
    assert len(err.splitlines()) == 1 and secret not in err, err
    assert err.startswith("datatool-bot: DATATOOL_WEBHOOK_SECRET is not a valid secret token: "), err
    assert not world.emu.calls


@pytest.mark.parametrize("secret", ["has spaces", "colon:s", "semi;colon", "é", "x" * 257, "line\nbreak"])
def test_the_secret_is_held_to_telegrams_rule(secret: str):
    from config.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match="^DATATOOL_WEBHOOK_SECRET is not a valid secret token: ") as refused:
        load_settings(_env_file=None, webhook_secret=secret)
    assert secret not in str(refused.value)


def test_a_secret_telegram_takes_is_taken():
    from config.settings import load_settings

    for secret in ("a", "x" * 256, "A-z_0-9", SECRET):
        assert load_settings(_env_file=None, webhook_secret=secret).require_webhook_secret() == secret
    assert load_settings(_env_file=None, webhook_secret=f"  {SECRET}\n").require_webhook_secret() == SECRET
    assert load_settings(_env_file=None, webhook_secret="  ").webhook_secret is None  # blank is unset


async def test_a_listen_address_in_use_stops_start_up_before_the_webhook_is_set(world: World, tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = await run_briefly(
            world,
            tmp_path,
            "run",
            "--webhook-url",
            "http://127.0.0.1:9/datatool/telegram",
            "--listen",
            f"127.0.0.1:{port}",
            DATATOOL_WEBHOOK_SECRET=SECRET,
        )
    assert code == 1
    assert err.splitlines() == [f"datatool-bot: cannot listen on 127.0.0.1:{port}: the port is in use: check --listen"]
    assert not world.emu.calls_to("setWebhook")


async def test_a_webhook_url_telegram_refuses_stops_start_up_with_one_line(world: World, tmp_path: Path):
    world.emu.fail_next(
        "setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host: Name or service not known"
    )
    code, err = await run_briefly(
        world,
        tmp_path,
        "run",
        "--webhook-url",
        "https://nowhere.invalid/datatool/telegram",
        DATATOOL_WEBHOOK_SECRET=SECRET,
    )
    assert code == 1
    # (worded as python-telegram-bot words Telegram's description: "Bad Request: " off, the rest capitalize()d)
    assert err.splitlines() == [
        "datatool-bot: Telegram refused the webhook URL (Bad webhook: failed to resolve host: "
        "name or service not known): check --webhook-url"
    ], err
    assert SECRET not in err and world.emu.token not in err


def test_against_telegram_itself_the_webhook_must_be_https_on_a_port_telegram_delivers_to():
    from bot.webhook import WebhookError, check_url
    from config.settings import Settings

    cloud = Settings(_env_file=None)  # type: ignore[call-arg]
    own = Settings(_env_file=None, telegram_base_url="http://127.0.0.1:8081/bot")  # type: ignore[call-arg]
    for fine in ("https://bots.example.org/datatool/telegram", "https://bots.example.org:8443/hook"):
        check_url(cloud, fine)
    with pytest.raises(WebhookError, match="https:// URL"):
        check_url(cloud, "http://bots.example.org/datatool/telegram")
    with pytest.raises(WebhookError, match="port 443, 80, 88 or 8443, not 9443"):
        check_url(cloud, "https://bots.example.org:9443/hook")
    check_url(own, "http://127.0.0.1:9443/hook")  # a self-hosted Bot API server (--local) delivers anywhere


def test_the_webhook_server_serves_the_urls_own_path():
    from bot.webhook import url_path

    assert url_path("https://bots.example.org/datatool/telegram") == "/datatool/telegram"
    assert url_path("https://bots.example.org") == "/"
    assert url_path("https://bots.example.org/hook.v2?x=1") == "/hook.v2"  # compared as it is, not as a pattern


# ---- setWebhook refused: one line, whichever way --------------------------------------------------------------------


@pytest.mark.parametrize(("status", "reason"), [(500, "Internal Server Error"), (502, "Bad Gateway")])
async def test_setwebhook_refused_with_a_server_error_stops_start_up_with_one_line_naming_it(
    world: World, tmp_path: Path, status: int, reason: str
):
    world.emu.fail_next("setWebhook", status)
    expected = (
        f"datatool-bot: Telegram answered setWebhook with a server error ({reason}): the Bot API is having "
        "trouble; start the bot again in a few minutes"
    )
    code, err = await run_briefly(
        world,
        tmp_path,
        "run",
        "--webhook-url",
        "http://127.0.0.1:9/datatool/telegram",
        "--listen",
        f"127.0.0.1:{free_port()}",
        DATATOOL_WEBHOOK_SECRET=SECRET,
    )
    assert code == 1
    assert err.splitlines() == [expected], err  # no traceback, and a server error is no "cannot be reached"
    assert len(world.emu.calls_to("setWebhook")) == 1
    assert not world.emu.calls_to("setMyCommands")  # refused before the bot started


async def test_no_answer_to_setwebhook_is_telegram_not_reached_in_one_line(world: World, tmp_path: Path):
    world.emu.delay_next("setWebhook", 30)  # carried out, but answered long after the bot's 1 s timeout
    code, err = await run_briefly(
        world,
        tmp_path,
        "run",
        "--webhook-url",
        "http://127.0.0.1:9/datatool/telegram",
        "--listen",
        f"127.0.0.1:{free_port()}",
        DATATOOL_WEBHOOK_SECRET=SECRET,
        DATATOOL_TELEGRAM_TIMEOUT="1",
    )
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith("Telegram cannot be reached at 127.0.0.1:"), err


async def test_setwebhook_refused_with_flood_control_is_waited_out_and_if_it_lasts_stops_with_one_line(
    world: World, tmp_path: Path
):
    # As every request: Telegram's wait is waited out, DATATOOL_RATE_LIMIT_RETRIES times (here 1), each wait logged.
    world.emu.fail_next("setWebhook", 429, retry_after=1, times=2)
    code, err = await run_briefly(
        world,
        tmp_path,
        "run",
        "--webhook-url",
        "http://127.0.0.1:9/datatool/telegram",
        "--listen",
        f"127.0.0.1:{free_port()}",
        DATATOOL_WEBHOOK_SECRET=SECRET,
        DATATOOL_RATE_LIMIT_RETRIES="1",
    )
    assert code == 1 and "Traceback" not in err, err
    *logged, last = err.splitlines()
    assert last == (
        "datatool-bot: Telegram refused setWebhook with flood control (429), also after waiting as it "
        "asked: start the bot again in 1 s or later"
    )
    assert len(logged) == 1 and "WARNING bot.pacing: flood control on setWebhook: waiting 1.0 s" in logged[0], err
    assert len(world.emu.calls_to("setWebhook")) == 2 and not world.emu.calls_to("setMyCommands")


async def test_setwebhook_refused_with_flood_control_once_starts_after_the_wait(world: World, tmp_path: Path):
    world.emu.fail_next("setWebhook", 429, retry_after=1)
    async with webhook_bot(world, tmp_path):
        driver = person(world, 7004)
        await driver.start(world.tokens["member"][2])
        assert "Which language" in driver.last.text
    assert len(world.emu.calls_to("setWebhook")) == 2


async def test_setwebhook_is_called_once_so_there_is_no_second_call_to_fail(world: World, tmp_path: Path):
    """python-telegram-bot's run_webhook set the webhook a second time after the bot's own call, and a 429 or 5xx
    there ended in its traceback (and, for a 5xx, in "cannot be reached").  Now there is one call only."""
    world.emu.fail_next("setWebhook", 500, after=1)
    async with webhook_bot(world, tmp_path):
        driver = person(world, 7003)
        await driver.start(world.tokens["member"][1])  # the bot is up and answering
        assert "Which language" in driver.last.text
        assert len(world.emu.calls_to("setWebhook")) == 1
        assert world.emu.pending_faults("setWebhook") == 1  # the fault for a second call never struck
    max_connections = world.emu.calls_to("setWebhook")[0].params["max_connections"]
    assert int(max_connections) == 40  # Telegram's default, registered explicitly: the server takes as many at once
