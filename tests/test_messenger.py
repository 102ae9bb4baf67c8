"""One classification of Telegram's failures (bot/messenger.py): what may have arrived is never sent again; what
certainly did not is tried again.  Checked on the exceptions themselves and through PTB's real HTTP stack against the
emulator (and a port nobody listens on)."""

from __future__ import annotations

import socket

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.messenger import TelegramMessenger, classify
from flows.delivery import Outcome
from flows.ports.completion import Item
from flows.render import Screen


def raised(exc: TelegramError, cause: BaseException | None = None) -> TelegramError:
    """The exception as PTB raises it: ``raise exc from cause``."""
    try:
        raise exc from cause
    except TelegramError as caught:
        return caught


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (raised(RetryAfter(7)), Outcome.RETRY),
        (raised(NetworkError("Internal Server Error")), Outcome.RETRY),  # a 5xx answer: nothing was done
        (raised(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("refused")), Outcome.RETRY),
        (raised(TimedOut("Pool timeout"), httpx.PoolTimeout("pool")), Outcome.RETRY),  # never left the machine
        (raised(TimedOut(), httpx.ConnectTimeout("connect")), Outcome.RETRY),
        (raised(TimedOut(), httpx.ReadTimeout("read")), Outcome.UNKNOWN),  # sent; the answer came too late
        (raised(TimedOut(), httpx.WriteTimeout("write")), Outcome.UNKNOWN),
        (raised(NetworkError("httpx.ReadError"), httpx.ReadError("reset")), Outcome.UNKNOWN),  # dropped mid-request
        (raised(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("gone")), Outcome.UNKNOWN),
        (raised(TelegramError("Invalid server response")), Outcome.UNKNOWN),
        (raised(Forbidden("Forbidden: bot was blocked by the user")), Outcome.UNREACHABLE),
        (raised(BadRequest("Chat not found")), Outcome.UNREACHABLE),
        (raised(BadRequest("Message is too long")), Outcome.FAILED),
    ],
)
def test_every_telegram_error_has_one_meaning(exc: TelegramError, outcome: Outcome):
    delivery = classify(exc)
    assert delivery.outcome is outcome
    assert delivery.flood == isinstance(exc, RetryAfter)
    if isinstance(exc, RetryAfter):
        assert delivery.retry_after == 7


async def test_through_the_real_http_stack(emulator, tmp_path):
    user = emulator.add_user(31, first_name="Auditor")
    await emulator.send_message(user, "/start")  # the chat exists

    bot = Bot(emulator.token, base_url=emulator.base_url, request=HTTPXRequest(read_timeout=1.0))
    async with bot:
        messenger = TelegramMessenger(bot)
        screen = Screen("hello")
        emulator.fail_next("sendMessage", 500)
        assert (await messenger.send(31, screen)).outcome is Outcome.RETRY
        emulator.fail_next("sendMessage", 429, retry_after=3)
        flood = await messenger.send(31, screen)
        assert flood.flood and flood.retry_after == 3
        emulator.fail_next("sendDocument", 403)
        file = tmp_path / "report-en.html"
        file.write_text("<p>report</p>")
        assert (await messenger.post(31, Item("report-en.html", "document", None, file))).outcome is Outcome.UNREACHABLE
        emulator.delay_next("sendPhoto", 2.0)
        chart = tmp_path / "chart.png"
        chart.write_bytes(b"\x89PNG\r\n\x1a\n")
        timed_out = await messenger.post(31, Item("chart.png", "photo", None, chart))
        assert timed_out.outcome is Outcome.UNKNOWN  # and yet it was delivered:
        assert [m.kind for m in emulator.bot_messages(31)] == ["photo"]
        assert (await messenger.send(31, screen)).outcome is Outcome.SENT
        assert (await messenger.send(999, screen)).outcome is Outcome.UNREACHABLE  # chat not found


async def test_a_refused_connection_was_certainly_not_delivered():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = Bot("123456:" + "a" * 35, base_url=f"http://127.0.0.1:{port}/bot")
    delivery = await TelegramMessenger(bot).send(1, Screen("hello"))
    assert delivery.outcome is Outcome.RETRY and "ConnectError" in (delivery.error or "")
