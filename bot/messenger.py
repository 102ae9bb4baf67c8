"""Sending a reminder through Telegram, with Telegram's failures turned into outcomes the reminder loop handles."""

from __future__ import annotations

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.handlers import keyboard
from flows.reminders import Delivery, Outcome
from flows.render import Screen

UNREACHABLE_HINTS = ("chat not found", "user is deactivated", "bot was blocked")


class TelegramMessenger:
    def __init__(self, bot: Bot):
        self.bot = bot

    async def send(self, chat_id: int, screen: Screen) -> Delivery:
        try:
            await self.bot.send_message(chat_id, screen.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(screen))
        except Forbidden as exc:  # 403: the person blocked the bot
            return Delivery(Outcome.UNREACHABLE, error=type(exc).__name__)
        except RetryAfter as exc:  # 429 that outlived the rate limiter's own retries
            return Delivery(Outcome.RETRY_AFTER, retry_after=exc._retry_after.total_seconds())
        except BadRequest as exc:
            if any(hint in exc.message.lower() for hint in UNREACHABLE_HINTS):
                return Delivery(Outcome.UNREACHABLE, error="chat not found")
            return Delivery(Outcome.FAILED, error=f"BadRequest: {exc.message[:100]}")
        except TelegramError as exc:  # network errors, timeouts, server errors: retried with backoff
            return Delivery(Outcome.FAILED, error=type(exc).__name__)
        return Delivery(Outcome.SENT)
