"""Reply markup as the Bot API checks it: inline keyboards button by button, other keyboards by shape."""

from __future__ import annotations

from typing import Any

from bot.emulator.errors import (
    ERR_BAD_MARKUP,
    ERR_BUTTON_DATA_INVALID,
    ERR_BUTTON_TEXT_INVALID,
    ERR_BUTTON_TEXT_MISSING,
    ERR_BUTTON_TYPE_AMBIGUOUS,
    ERR_BUTTON_URL_INVALID,
    ERR_INLINE_KEYBOARD_EXPECTED,
    ERR_TEXT_BUTTONS_UNALLOWED,
    ApiError,
)

MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_KINDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _validate_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError(400, ERR_BUTTON_TEXT_MISSING)
    if not button["text"].strip():
        raise ApiError(400, ERR_BUTTON_TEXT_INVALID)
    kinds = [kind for kind in _BUTTON_KINDS if button.get(kind) not in (None, "")]
    if not kinds:
        raise ApiError(400, ERR_TEXT_BUTTONS_UNALLOWED)
    if len(kinds) > 1:
        raise ApiError(400, ERR_BUTTON_TYPE_AMBIGUOUS)
    if kinds[0] == "callback_data":
        data = button["callback_data"]
        if not isinstance(data, str) or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise ApiError(400, ERR_BUTTON_DATA_INVALID)
    elif kinds[0] == "url":
        url = button["url"]
        if not isinstance(url, str) or any(char.isspace() for char in url):
            raise ApiError(400, ERR_BUTTON_URL_INVALID)


def validate_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate a reply_markup object; inline keyboards are checked button by button."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, ERR_BAD_MARKUP)
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, ERR_BAD_MARKUP)
        for row in rows:
            for button in row:
                _validate_button(button)
        return markup
    if inline_only:
        raise ApiError(400, ERR_INLINE_KEYBOARD_EXPECTED)
    if isinstance(markup.get("keyboard"), list) or markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup
    raise ApiError(400, ERR_BAD_MARKUP)
