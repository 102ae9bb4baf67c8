"""What every group of Bot API methods shares: the ``@api_method`` registration and the request helpers.

A method is an ``async def`` on a :class:`MethodGroup` subclass, taking the request's :class:`Params` and returning
the ``result`` of the answer (or raising :class:`ApiError`)::

    @api_method("sendMessage")
    async def _api_send_message(self, p: Params) -> dict[str, Any]: ...

:func:`api_handlers` finds every decorated method of the assembled emulator; the dispatcher in ``server.py`` routes
``/bot<token>/<name>`` to it (names compared case-insensitively, as Telegram does).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.emulator.chats import MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH, Chat, EmulatorState
from bot.emulator.entities import formatted
from bot.emulator.errors import (
    ERR_BOT_BLOCKED,
    ERR_CAPTION_TOO_LONG,
    ERR_CHAT_ID_EMPTY,
    ERR_CHAT_NOT_FOUND,
    ERR_REPLY_NOT_FOUND,
    ERR_TEXT_EMPTY,
    ERR_TEXT_TOO_LONG,
    ApiError,
)
from bot.emulator.markup import validate_markup
from bot.emulator.params import Params

ApiHandler = Callable[[Params], Awaitable[Any]]
_Method = TypeVar("_Method", bound=Callable[..., Awaitable[Any]])
_API_NAMES = "__bot_api_names__"


def api_method(*names: str) -> Callable[[_Method], _Method]:
    """Make the decorated method the handler of the Bot API method(s) ``names`` (e.g. ``"logOut", "close"``)."""
    if not names:
        raise TypeError("api_method needs at least one Bot API method name")

    def register(method: _Method) -> _Method:
        setattr(method, _API_NAMES, names)
        return method

    return register


def api_handlers(emulator: object) -> dict[str, tuple[str, ApiHandler]]:
    """Every ``@api_method`` of ``emulator``'s class: lower-case name -> (Bot API name, bound method)."""
    handlers: dict[str, tuple[str, ApiHandler]] = {}
    cls = type(emulator)
    for attribute in dir(cls):
        for name in getattr(getattr(cls, attribute), _API_NAMES, ()):
            if name.lower() in handlers:
                raise TypeError(f"Bot API method {name} has two handlers")
            handlers[name.lower()] = (name, getattr(emulator, attribute))
    return handlers


class MethodGroup(EmulatorState):
    """Base of every group of methods: finding the target chat, formatting text, sending a bot message."""

    def _chat(self, p: Params) -> Chat:
        """The target chat of a bot request: must exist and not have blocked the bot."""
        raw = p.text("chat_id")
        if raw is None:
            raise ApiError(400, ERR_CHAT_ID_EMPTY)
        try:
            chat = self._chats.get(int(raw))
        except ValueError:
            chat = None
        if chat is None:
            raise ApiError(400, ERR_CHAT_NOT_FOUND)
        if chat.blocked:
            raise ApiError(403, ERR_BOT_BLOCKED)
        return chat

    def _message_text(self, p: Params) -> tuple[str, list[dict[str, Any]], str | None]:
        """The request's ``text`` as shown (after ``parse_mode``), its entities, and the raw HTML if any."""
        text, entities = formatted(p.text("text"), p.text("parse_mode"), p.obj("entities"))
        if not text:
            raise ApiError(400, ERR_TEXT_EMPTY)
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, ERR_TEXT_TOO_LONG)
        return text, entities, self._raw_html(p, "text")

    def _caption(self, p: Params) -> tuple[str, list[dict[str, Any]], str | None]:
        """The request's ``caption`` as shown (after ``parse_mode``), its entities, and the raw HTML if any."""
        caption, entities = formatted(p.text("caption"), p.text("parse_mode"), p.obj("caption_entities"))
        if len(caption) > MAX_CAPTION_LENGTH:
            raise ApiError(400, ERR_CAPTION_TOO_LONG)
        return caption, entities, self._raw_html(p, "caption")

    @staticmethod
    def _raw_html(p: Params, name: str) -> str | None:
        return p.text(name) if (p.text("parse_mode") or "").lower() == "html" else None

    def _reply_to(self, chat: Chat, p: Params) -> int | None:
        """The message the request replies to (``reply_parameters`` or the older ``reply_to_message_id``)."""
        params = p.obj("reply_parameters")
        if isinstance(params, dict):
            message_id, allow = params.get("message_id"), bool(params.get("allow_sending_without_reply"))
        else:
            message_id, allow = p.integer("reply_to_message_id"), p.flag("allow_sending_without_reply")
        if message_id is None:
            return None
        target = chat.messages.get(int(message_id))
        if target is None or target.deleted:
            if allow:
                return None
            raise ApiError(400, ERR_REPLY_NOT_FOUND)
        return target.message_id

    def _send(self, chat: Chat, p: Params, **fields: Any) -> dict[str, Any]:
        """A new bot message in ``chat`` with the request's reply markup and reply; returns the ``Message``."""
        markup = validate_markup(p.obj("reply_markup"))
        reply_to = self._reply_to(chat, p)
        msg = self._add_message(chat, from_bot=True, reply_markup=markup, reply_to_message_id=reply_to, **fields)
        self._bump(chat, msg)
        return self._message_json(msg)
