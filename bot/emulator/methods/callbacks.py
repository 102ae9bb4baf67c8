"""Bot API methods for inline buttons: answering the callback query a user's press (``users.py``) created."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.emulator.errors import ERR_ANSWER_TOO_LONG, ERR_QUERY_INVALID, ApiError
from bot.emulator.methods.base import MethodGroup, api_method
from bot.emulator.params import Params

MAX_CALLBACK_ANSWER_LENGTH = 200


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a callback query."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


class CallbackMethods(MethodGroup):
    """answerCallbackQuery; what the bot answered is in ``callback_answers`` (query id -> answer)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.callback_answers: dict[str, CallbackAnswer] = {}

    @api_method("answerCallbackQuery")
    async def _api_answer_callback_query(self, p: Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        if query_id not in self._query_chats or query_id in self.callback_answers:
            raise ApiError(400, ERR_QUERY_INVALID)
        text = p.text("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(400, ERR_ANSWER_TOO_LONG)
        self.callback_answers[query_id] = CallbackAnswer(
            query_id, text, p.flag("show_alert"), p.text("url"), p.integer("cache_time", 0) or 0
        )
        self._notify()
        return True
