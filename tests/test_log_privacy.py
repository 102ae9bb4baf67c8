"""Nothing personal in the log, even from the libraries: no name, username or message text, whatever the level.

python-telegram-bot logs an update it cannot read at CRITICAL with the whole update; these tests hand the real
``datatool-bot run`` such an update through the local Bot API emulator (by long polling and by webhook) and read
every line it wrote.  The other tests feed the bot's logging set-up the records libraries write on their other
paths: an Update object or a raw body among the arguments, an exception whose message quotes the data, asyncio's
report of a failed task.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.emulator import BotApiEmulator
from tests.support import bot_logging

WAIT = 60  # seconds for the other process to get somewhere
FIRST_NAME, LAST_NAME, USERNAME = "Gwenllian", "Pryderi-Vaughan", "gwen_quokka_private"
TEXT = "Zanzibar spreadsheet graveyard 7781"
PERSONAL = (FIRST_NAME, LAST_NAME, USERNAME, TEXT, "Zanzibar")
SECRET = "webhook_secret_for_the_log_test"


def unreadable_message(user_id: int = 777001) -> dict:
    """A private message python-telegram-bot cannot read (its date is not a number), from a person with a name, a
    username and something typed."""
    person = {
        "id": user_id,
        "is_bot": False,
        "first_name": FIRST_NAME,
        "last_name": LAST_NAME,
        "username": USERNAME,
        "language_code": "cy",
    }
    chat = {"id": user_id, "type": "private", "first_name": FIRST_NAME, "last_name": LAST_NAME, "username": USERNAME}
    return {"message_id": 1, "date": "Tuesday", "chat": chat, "from": person, "text": TEXT}


def assert_nothing_personal(output: str) -> None:
    for value in PERSONAL:
        assert value not in output, f"{value!r} was logged:\n{output}"


def bot_env(emulator: BotApiEmulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATATOOL_")}
    return env | {
        "DATATOOL_TELEGRAM_TOKEN": emulator.token,
        "DATATOOL_TELEGRAM_BASE_URL": emulator.base_url,
        "DATATOOL_BOT_USERNAME": "datatool_test_bot",
        "DATATOOL_DB_PATH": str(tmp_path / "datatool.db"),
        "DATATOOL_REPORTS_DIR": str(tmp_path / "reports"),
        **extra,
    }


async def end(process: asyncio.subprocess.Process) -> None:
    """Kill the process: every record it wrote is in the file already (a handler writes and flushes each one)."""
    if process.returncode is None:
        process.kill()
        await process.wait()


async def test_an_update_the_library_cannot_read_is_logged_without_its_contents_when_polling(
    emulator: BotApiEmulator, tmp_path: Path
):
    update_id = emulator.send_raw_update("message", unreadable_message())
    log = tmp_path / "bot.log"
    with open(log, "wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=bot_env(emulator, tmp_path),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            # The second getUpdates is made only once the answer to the first (the update) has been dealt with, and
            # python-telegram-bot logs the failure before it asks again.
            await emulator.wait_for(
                lambda: len(emulator.calls_to("getUpdates")) >= 2,
                WAIT,
                description="the bot to fetch the update and ask again",
            )
        finally:
            await end(process)
    output = log.read_text(errors="replace")
    # python-telegram-bot's record did come out, saying which update it was about and where reading it failed.
    assert "CRITICAL telegram.ext.ExtBot: Error while parsing updates!" in output
    assert f"[update {update_id}: contents not logged]" in output
    assert "TypeError: [message not logged]" in output and "in from_timestamp" in output
    assert_nothing_personal(output)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_update_the_library_cannot_read_is_logged_without_its_contents_by_webhook(
    emulator: BotApiEmulator, tmp_path: Path
):
    update_id = emulator.send_raw_update("message", unreadable_message())
    port = free_port()
    url = f"http://127.0.0.1:{port}/datatool/telegram"
    log = tmp_path / "bot.log"
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
            env=bot_env(emulator, tmp_path, DATATOOL_WEBHOOK_SECRET=SECRET),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            # The emulator POSTs the update once the webhook is set, and records the answer.
            await emulator.wait_for(
                lambda: any(d.update_id == update_id and d.status is not None for d in emulator.webhook_deliveries),
                WAIT,
                description="the webhook to answer the update",
            )
        finally:
            await end(process)
    output = log.read_text(errors="replace")
    assert f"update {update_id}" in output  # the failure was logged, by update_id
    assert_nothing_personal(output)


# ---- the other paths, through the bot's logging set-up -------------------------------------------------------------


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """The bot's logging set-up writing to a StringIO at DEBUG; everything is put back afterwards."""
    with bot_logging(logging.DEBUG) as stream:
        yield stream


def readable_update(update_id: int = 41) -> dict:
    return {"update_id": update_id, "message": unreadable_message() | {"date": 1_780_000_000}}


def test_an_update_object_or_raw_body_among_a_library_records_arguments_is_withheld(console: io.StringIO):
    from telegram import Bot, Update

    update = Update.de_json(readable_update(41), Bot("123456:" + "A" * 35))
    ptb = logging.getLogger("telegram.ext.Application")
    ptb.setLevel(logging.DEBUG)  # whatever the level: set lower than the bot ever sets it
    ptb.critical("Error while building CallbackContext for update %s. Update will not be processed.", update)
    ptb.debug("Processing update %s", update)
    webhook = logging.getLogger("telegram.ext._utils.webhookhandler")
    webhook.setLevel(logging.DEBUG)
    webhook.debug("Webhook received data: %s", json.dumps(readable_update(42)))
    webhook.critical("Received data was: %r", readable_update(43))  # one mapping: logging keeps it as the args
    logging.getLogger("telegram.request.BaseRequest").error(
        'Can not load invalid JSON data: "%s"', json.dumps(readable_update(44))[:-3]
    )
    logging.getLogger("telegram.ext.ExtBot").warning(
        "Call to Bot API endpoint `%s` finished with return value `%s`",
        "sendMessage",
        {"text": TEXT, "chat": {"id": 1}},
    )
    output = console.getvalue()
    assert "Error while building CallbackContext for update [update 41: contents not logged]" in output
    assert "Processing update [update 41: contents not logged]" in output
    assert "Received data was: [update 43: contents not logged]" in output
    assert "Webhook received data: [" in output and "Can not load invalid JSON data:" in output
    assert "endpoint `sendMessage` finished with return value `[dict: not logged]`" in output
    assert_nothing_personal(output)


def test_a_library_records_exception_keeps_its_type_and_place_but_not_its_message(console: io.StringIO):
    def parse(data: dict) -> int:
        return int(data["from"]["first_name"])  # a ValueError quoting the name

    try:
        try:
            parse(readable_update()["message"])
        except ValueError as exc:
            raise KeyError(f"no field for {TEXT}") from exc
    except KeyError:
        logging.getLogger("telegram.ext.Updater").exception(
            "Something went wrong processing the data received from Telegram. Received data was *not* processed!"
        )
    output = console.getvalue()
    assert "Something went wrong processing the data received from Telegram." in output
    assert "ValueError: [message not logged]" in output and "KeyError: [message not logged]" in output
    assert "in parse" in output and "The above exception was the direct cause" in output
    assert_nothing_personal(output)


def test_telegrams_own_errors_keep_their_message(console: io.StringIO):
    """The message of a Telegram or network error says what Telegram answered, not what a person wrote."""
    from telegram.error import BadRequest

    try:
        raise BadRequest("Message to edit not found")
    except BadRequest:
        logging.getLogger("telegram.ext.Application").exception("No error handlers are registered, logging exception.")
    assert "telegram.error.BadRequest: Message to edit not found" in console.getvalue()


async def test_asyncio_reporting_a_failed_task_does_not_quote_its_exception(console: io.StringIO):
    async def fails() -> None:
        raise ValueError(f"{FIRST_NAME} (@{USERNAME}) typed {TEXT}")

    task = asyncio.get_running_loop().create_task(fails())
    await asyncio.wait([task])
    asyncio.get_running_loop().default_exception_handler(
        {"message": "Task exception was never retrieved", "exception": task.exception(), "future": task}
    )
    output = console.getvalue()
    assert "ERROR asyncio: Task exception was never retrieved" in output and "ValueError" in output
    assert_nothing_personal(output)


def test_the_bots_own_records_are_left_as_they_are(console: io.StringIO):
    logging.getLogger("bot.handlers").info("update %s failed: %s at %s", 7, "ValueError", "flows/service.py:12")
    assert "update 7 failed: ValueError at flows/service.py:12" in console.getvalue()
