"""Sending through Telegram, with every Telegram failure turned into one of the outcomes of ``flows.delivery``.

``classify`` is the one place that decides what a ``TelegramError`` means for a message: reminders, the posting of
the maturity summary and the daily digest all go through it.  What matters is whether the message may have arrived:

- 429 ``RetryAfter`` (after the rate limiter's own retries): not delivered; try again after the wait Telegram names;
- a 5xx answer, a refused or failed connection, a pool timeout: not delivered; try again with back-off;
- a read or write timeout, a connection dropped after the request went out: **may** have been delivered (Telegram
  often carries a request out and answers too late) — ``UNKNOWN``, never sent again automatically;
- 403, or a chat that is gone: unreachable;
- any other refusal (400 ...): failed.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from flows.delivery import SENT, Delivery, Outcome
from flows.ports.completion import Item
from flows.render import Screen

log = logging.getLogger(__name__)

UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "bot was blocked", "bot was kicked")
# Transport failures that happen before a request reaches Telegram: it certainly was not carried out.
NOT_SENT_CAUSES: tuple[type[BaseException], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


EDIT = "editMessageText"
# The edit on every press goes through ``Bot.do_api_request``, which warns that ``Bot.edit_message_text`` exists: it
# is used on purpose (``TelegramMessenger.edit``), so that one warning, and only it, is silenced.
warnings.filterwarnings("ignore", message=rf"Please use 'Bot\.{EDIT}' instead", category=PTBUserWarning)


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    if not screen.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in screen.buttons]
    )


def keyboard_json(screen: Screen) -> dict[str, Any] | None:
    """The Bot API's ``InlineKeyboardMarkup`` of ``screen`` as plain JSON, for ``do_api_request``."""
    if not screen.buttons:
        return None
    return {"inline_keyboard": [[{"text": b.label, "callback_data": b.data} for b in row] for row in screen.buttons]}


def _cause(exc: BaseException) -> BaseException | None:
    return exc.__cause__ or exc.__context__


def classify(exc: TelegramError) -> Delivery:
    """What a ``TelegramError`` raised by a send means for that message (see the module docstring)."""
    kind = type(exc).__name__
    if isinstance(exc, RetryAfter):  # 429 that outlived the rate limiter's own retries
        wait = exc.retry_after  # a timedelta (PTB_TIMEDELTA is on: bot/__init__.py), an int without it
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return Delivery(Outcome.RETRY, retry_after=max(1.0, seconds), error="flood control")
    if isinstance(exc, Forbidden):  # 403: blocked the bot, or never started it
        return Delivery(Outcome.UNREACHABLE, error=kind)
    if isinstance(exc, BadRequest):
        if any(hint in exc.message.lower() for hint in UNREACHABLE_HINTS):
            return Delivery(Outcome.UNREACHABLE, error="chat not found")
        return Delivery(Outcome.FAILED, error=f"{kind}: {exc.message[:100]}")
    if isinstance(exc, (InvalidToken, Conflict, ChatMigrated)):
        return Delivery(Outcome.FAILED, error=kind)
    if isinstance(exc, TimedOut):  # a subclass of NetworkError: test it first
        if isinstance(_cause(exc), NOT_SENT_CAUSES):
            return Delivery(Outcome.RETRY, error=f"{kind} before sending")
        return Delivery(Outcome.UNKNOWN, error=kind)
    if isinstance(exc, NetworkError):
        cause = _cause(exc)
        if cause is None:  # Telegram (or a proxy) answered with an error status (5xx): nothing was done
            return Delivery(Outcome.RETRY, error=f"{kind}: server error")
        if isinstance(cause, NOT_SENT_CAUSES):  # connection refused or never made
            return Delivery(Outcome.RETRY, error=f"{kind}: {type(cause).__name__}")
        return Delivery(Outcome.UNKNOWN, error=f"{kind}: {type(cause).__name__}")  # dropped mid-request
    return Delivery(Outcome.UNKNOWN, error=kind)  # an answer we could not read: it may have been carried out


class TelegramMessenger:
    """The ``Messenger`` of reminders and the digest and the ``Poster`` of completion, over python-telegram-bot."""

    def __init__(self, bot: Bot):
        self.bot = bot

    async def send(self, chat_id: int, screen: Screen) -> Delivery:
        try:
            await self.bot.send_message(chat_id, screen.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(screen))
        except TelegramError as exc:
            return classify(exc)
        return SENT

    async def edit(self, query: CallbackQuery, screen: Screen) -> Delivery:
        """Show ``screen`` on the message whose button was pressed ("message is not modified" counts as shown).

        This is the one request of every press besides the callback's answer, so it is sent as plain JSON and its
        result is not read: ``CallbackQuery.edit_message_text`` would build the keyboard as python-telegram-bot
        objects and parse the edited message Telegram sends back into a ``Message`` nobody uses: together about a
        third of a press's CPU outside the HTTP exchange itself (measured with a fake request; docs/benchmarks.md).
        Errors are raised as python-telegram-bot's own ``TelegramError``s either way."""
        message = query.message
        try:
            if message is None:  # a message sent via inline mode: never the bot's own screens
                await query.edit_message_text(screen.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(screen))
            else:
                params: dict[str, Any] = {
                    "chat_id": message.chat.id,
                    "message_id": message.message_id,
                    "text": screen.text,
                    "parse_mode": ParseMode.HTML.value,
                }
                if (markup := keyboard_json(screen)) is not None:
                    params["reply_markup"] = markup
                await self.bot.do_api_request(EDIT, api_kwargs=params)
        except BadRequest as exc:
            return SENT if "not modified" in exc.message else classify(exc)
        except TelegramError as exc:
            return classify(exc)
        return SENT

    async def post(self, chat_id: int, item: Item) -> Delivery:
        try:
            if item.kind == "message":
                await self.bot.send_message(chat_id, item.text or "", parse_mode=ParseMode.HTML)
            elif item.path is None:
                raise ValueError(f"completion item {item.key} has no file")
            elif item.kind == "photo":
                await self.bot.send_photo(chat_id, item.path.read_bytes(), caption=item.text)
            else:
                await self.bot.send_document(
                    chat_id, item.path.read_bytes(), filename=item.path.name, caption=item.text
                )
        except TelegramError as exc:
            delivery = classify(exc)
            log.warning("%s not delivered: %s (%s)", item.key, delivery.outcome.value, delivery.error)
            return delivery
        except OSError as exc:  # the file went missing or cannot be read: nothing was sent
            log.warning("%s not sent: %s", item.key, type(exc).__name__)
            return Delivery(Outcome.FAILED, error=f"file: {type(exc).__name__}")
        return SENT
