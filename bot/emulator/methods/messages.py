"""Bot API methods for messages: sending, editing, deleting text messages, and chat actions.

Sending media lives in ``files.py``; the helpers shared with it (target chat, parse_mode, reply, send) in
``base.py``.
"""

from __future__ import annotations

from typing import Any

from bot.emulator.chats import Chat, ChatMessage
from bot.emulator.errors import (
    ERR_MESSAGE_CANT_BE_EDITED,
    ERR_MESSAGE_ID_MISSING,
    ERR_MESSAGE_TO_DELETE_NOT_FOUND,
    ERR_MESSAGE_TO_EDIT_NOT_FOUND,
    ERR_NO_TEXT_TO_EDIT,
    ERR_NOT_MODIFIED,
    ERR_WRONG_ACTION,
    ApiError,
)
from bot.emulator.markup import validate_markup
from bot.emulator.methods.base import MethodGroup, api_method
from bot.emulator.params import Params

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class MessageMethods(MethodGroup):
    """sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, sendChatAction."""

    @api_method("sendMessage")
    async def _api_send_message(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p)
        text, entities, html = self._message_text(p)
        return self._send(chat, p, text=text, entities=entities, html=html)

    @api_method("editMessageText")
    async def _api_edit_message_text(self, p: Params) -> dict[str, Any]:
        chat, msg = self._editable(p)
        if msg.kind != "text":
            raise ApiError(400, ERR_NO_TEXT_TO_EDIT)
        text, entities, html = self._message_text(p)
        markup = validate_markup(p.obj("reply_markup"), inline_only=True)
        if (text, entities, markup) == (msg.text, msg.entities, msg.inline_keyboard):
            raise ApiError(400, ERR_NOT_MODIFIED)
        msg.text, msg.entities, msg.html, msg.reply_markup = text, entities, html, markup
        return self._mark_edited(chat, msg)

    @api_method("editMessageReplyMarkup")
    async def _api_edit_message_reply_markup(self, p: Params) -> dict[str, Any]:
        chat, msg = self._editable(p)
        markup = validate_markup(p.obj("reply_markup"), inline_only=True)
        if markup == msg.inline_keyboard:
            raise ApiError(400, ERR_NOT_MODIFIED)
        msg.reply_markup = markup
        return self._mark_edited(chat, msg)

    @api_method("deleteMessage")
    async def _api_delete_message(self, p: Params) -> bool:
        chat = self._chat(p)
        msg = chat.messages.get(p.integer("message_id") or 0)
        if msg is None or msg.deleted:
            raise ApiError(400, ERR_MESSAGE_TO_DELETE_NOT_FOUND)
        msg.deleted = True
        self._bump(chat, msg)
        return True

    @api_method("sendChatAction")
    async def _api_send_chat_action(self, p: Params) -> bool:
        self._chat(p)
        if p.text("action") not in _CHAT_ACTIONS:
            raise ApiError(400, ERR_WRONG_ACTION)
        return True

    def _editable(self, p: Params) -> tuple[Chat, ChatMessage]:
        if p.text("inline_message_id") is not None:
            raise ApiError(400, ERR_MESSAGE_TO_EDIT_NOT_FOUND)
        chat = self._chat(p)
        message_id = p.integer("message_id")
        if message_id is None:
            raise ApiError(400, ERR_MESSAGE_ID_MISSING)
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted:
            raise ApiError(400, ERR_MESSAGE_TO_EDIT_NOT_FOUND)
        if not msg.from_bot:
            raise ApiError(400, ERR_MESSAGE_CANT_BE_EDITED)
        return chat, msg

    def _mark_edited(self, chat: Chat, msg: ChatMessage) -> dict[str, Any]:
        msg.edit_count += 1
        msg.edit_date = int(self._clock())
        self._bump(chat, msg)
        return self._message_json(msg)
