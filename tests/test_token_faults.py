"""A bot token Telegram rejects, or a Telegram that cannot be reached: one line, a non-zero exit, no secret.

The real ``datatool-bot`` runs as a subprocess against the local Bot API emulator: a token the emulator does not know
gets 401 (a revoked token), a base URL path it does not serve gets 404 (a wrong DATATOOL_TELEGRAM_BASE_URL), and a
port nobody listens on refuses the connection.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator
from tests.support import bot_logging

# Not the emulator's token: the emulator answers 401 Unauthorized to it, as Telegram does to a revoked token.
REVOKED_SECRET = "AAFrevokedSecretPart_0123456789abcdefXYZ"
REVOKED_TOKEN = f"987654321:{REVOKED_SECRET}"
CLOSES = (date.today() + timedelta(days=60)).isoformat()  # a close date `campaign create` accepts
# The emulator is at a custom base URL, which may be what is wrong: the line names both settings.
REJECTED = "Telegram rejected the bot token: check DATATOOL_TELEGRAM_TOKEN and DATATOOL_TELEGRAM_BASE_URL"


def unreachable(port: int) -> str:
    return (
        f"Telegram cannot be reached at 127.0.0.1:{port}: check DATATOOL_TELEGRAM_BASE_URL and that the Bot API "
        "server there is running"
    )


async def datatool_bot(
    tmp_path: Path, *args: str, token: str, base_url: str, username: str | None = None
) -> tuple[int, str, str]:
    """Run ``datatool-bot ARGS`` in a fresh process (awaited, so the emulator on this loop keeps answering)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATATOOL_")}
    env |= {
        "DATATOOL_TELEGRAM_TOKEN": token,
        "DATATOOL_TELEGRAM_BASE_URL": base_url,
        "DATATOOL_DB_PATH": str(tmp_path / "datatool.db"),
    }
    if username:
        env["DATATOOL_BOT_USERNAME"] = username
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"datatool-bot {' '.join(args)} did not stop") from None
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def assert_one_line_without_secrets(code: int, stdout: str, stderr: str, line: str, *secrets: str) -> None:
    assert code != 0
    assert stderr.splitlines() == [line], stderr
    for output in (stdout, stderr):
        assert "Traceback" not in output
        for secret in secrets:
            assert secret not in output


@pytest.fixture
def unserved_port() -> Iterator[int]:
    """A port bound but not listening for as long as the test runs: connecting to it is refused, and nothing else
    can take it meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


async def test_run_with_a_revoked_token_stops_with_one_line(emulator: BotApiEmulator, tmp_path: Path):
    code, out, err = await datatool_bot(tmp_path, "run", token=REVOKED_TOKEN, base_url=emulator.base_url)
    assert_one_line_without_secrets(code, out, err, REJECTED, REVOKED_TOKEN, REVOKED_SECRET)


async def test_run_with_a_base_url_telegram_does_not_serve_stops_with_one_line(
    emulator: BotApiEmulator, tmp_path: Path
):
    wrong_base = emulator.base_url.removesuffix("/bot") + "/telegram/bot"  # a 404 for every request
    secret = emulator.token.split(":", 1)[1]
    code, out, err = await datatool_bot(tmp_path, "run", token=emulator.token, base_url=wrong_base)
    assert_one_line_without_secrets(code, out, err, REJECTED, emulator.token, secret)


async def test_run_when_telegram_cannot_be_reached_stops_with_one_line(unserved_port: int, tmp_path: Path):
    base = f"http://127.0.0.1:{unserved_port}/bot"
    code, out, err = await datatool_bot(tmp_path, "run", token=REVOKED_TOKEN, base_url=base)
    assert_one_line_without_secrets(code, out, err, unreachable(unserved_port), REVOKED_TOKEN, REVOKED_SECRET)


async def test_invites_create_with_a_revoked_token_stops_with_one_line(emulator: BotApiEmulator, tmp_path: Path):
    """``invites create`` asks getMe for the bot's username when DATATOOL_BOT_USERNAME is not set."""
    code, out, err = await datatool_bot(
        tmp_path,
        "campaign",
        "create",
        "--authority",
        "flint",
        "--closes",
        CLOSES,
        token=REVOKED_TOKEN,
        base_url=emulator.base_url,
    )
    assert code == 0, err
    campaign = out.strip()
    code, out, err = await datatool_bot(
        tmp_path,
        "invites",
        "create",
        "--campaign",
        campaign,
        "--role",
        "member",
        "--count",
        "2",
        token=REVOKED_TOKEN,
        base_url=emulator.base_url,
    )
    assert_one_line_without_secrets(code, out, err, REJECTED, REVOKED_TOKEN, REVOKED_SECRET)
    assert "reference,role,link" not in out  # no invitation links were printed for a bot that cannot use them


async def test_invites_create_when_telegram_cannot_be_reached_stops_with_one_line(unserved_port: int, tmp_path: Path):
    base = f"http://127.0.0.1:{unserved_port}/bot"
    code, out, err = await datatool_bot(
        tmp_path, "campaign", "create", "--authority", "flint", "--closes", CLOSES, token=REVOKED_TOKEN, base_url=base
    )
    assert code == 0, err
    code, out, err = await datatool_bot(
        tmp_path,
        "invites",
        "create",
        "--campaign",
        out.strip(),
        "--role",
        "officer",
        "--count",
        "1",
        token=REVOKED_TOKEN,
        base_url=base,
    )
    assert_one_line_without_secrets(code, out, err, unreachable(unserved_port), REVOKED_TOKEN, REVOKED_SECRET)


# ---- the logging formatter -------------------------------------------------------------------------------------------


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """The bot's logging set-up writing to a StringIO at INFO; everything is put back afterwards."""
    with bot_logging(logging.INFO) as stream:
        yield stream


def test_a_traceback_carrying_the_bot_token_is_masked(console: io.StringIO):
    """What python-telegram-bot raises for a rejected token, logged with its traceback by a library logger.  (A
    library record keeps the messages of Telegram's errors only: any other exception's may quote an update.)"""
    from telegram.error import InvalidToken, NetworkError

    try:
        try:
            raise NetworkError(f"GET http://127.0.0.1/bot{REVOKED_TOKEN}/getMe: 401")
        except NetworkError as cause:
            raise InvalidToken(f"The token `{REVOKED_TOKEN}` was rejected by the server.") from cause
    except InvalidToken:
        logging.getLogger("telegram.ext.Application").exception("Invalid token. Aborting retry loop.")
    output = console.getvalue()
    assert "Invalid token. Aborting retry loop." in output and "Traceback" in output  # the record did come out
    assert "InvalidToken: The token `[bot-token]` was rejected" in output
    assert "/bot[bot-token]/getMe" in output  # the chained cause is masked too
    assert REVOKED_SECRET not in output


def test_an_invite_token_in_an_exception_or_stack_is_masked(console: io.StringIO):
    invite = "Qx7_invite-TOKEN-9f8e7d6c5b4a"
    try:
        raise KeyError(f"/start {invite}")
    except KeyError:
        logging.getLogger("bot.handlers").error("update failed", exc_info=True, stack_info=True)
    logging.getLogger("bot.handlers").warning("link https://t.me/datatool_bot?start=%s opened", invite)
    output = console.getvalue()
    assert "update failed" in output and "Stack (most recent call last)" in output
    assert "start=[redacted]" in output and "/start [redacted]" in output
    assert invite not in output


def test_against_telegram_itself_the_lines_name_only_what_can_be_wrong():
    """With the default base URL, a rejection can only be the token's fault, and no answer the network's."""
    from bot.cli import telegram_unreachable, token_rejected
    from config.settings import Settings

    settings = Settings(_env_file=None, telegram_token=REVOKED_TOKEN)  # type: ignore[call-arg]
    assert str(token_rejected(settings)) == "Telegram rejected the bot token: check DATATOOL_TELEGRAM_TOKEN"
    assert str(telegram_unreachable(settings)) == (
        "Telegram cannot be reached at api.telegram.org: check the network connection"
    )
    own_server = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_base_url="https://user:pw@bots.example.org:8443/bot",
    )
    assert str(telegram_unreachable(own_server)).startswith(
        "Telegram cannot be reached at bots.example.org:8443: check DATATOOL_TELEGRAM_BASE_URL"
    )
