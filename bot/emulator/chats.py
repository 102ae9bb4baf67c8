"""The world the bot talks to: users, their private chats with the bot, messages, files, and the update queue.

:class:`EmulatorState` holds what every part of the emulator shares (the simulated users in ``users.py``, the
Bot API methods in ``methods/``, the HTTP server in ``server.py``) and the ways to read it (``messages``,
``transcript``, ``version``...).  Every state change calls ``_notify()``, which wakes whoever waits for one.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
BOT_TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}
"""The bot's profile texts (set by setMyDescription, setMyShortDescription, setMyName) and their maximum length."""


@dataclass
class FakeUser:
    """A human Telegram user played by a test."""

    id: int
    first_name: str = "Test"
    language_code: str = "en"
    username: str | None = None
    last_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``User`` object as the Bot API serialises it."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        data["language_code"] = self.language_code
        return data


@dataclass
class ChatMessage:
    """A message in a private chat, in its current state (after edits)."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    kind: str = "text"
    text: str = ""  # what the user sees: text after entity parsing, or the caption
    html: str | None = None  # the raw text/caption as sent with parse_mode HTML
    caption: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    media: dict[str, Any] = field(default_factory=dict)  # e.g. {"document": {...}}
    filename: str | None = None
    file_bytes: bytes | None = None
    mime_type: str | None = None
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False
    version: int = 0  # chat version at which the bot last sent or edited this message

    @property
    def edited(self) -> bool:
        return self.edit_count > 0

    @property
    def inline_keyboard(self) -> dict[str, Any] | None:
        """The reply markup if it is an inline keyboard (the only kind shown on a message)."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    @property
    def callback_data(self) -> list[str]:
        """Every callback_data on the inline keyboard, row by row."""
        return [data for row in self.buttons for _, data in row if data is not None]

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard rows as ``(text, callback_data)`` pairs (``None`` for URL buttons)."""
        markup = self.inline_keyboard or {"inline_keyboard": []}
        return [[(button["text"], button.get("callback_data")) for button in row] for row in markup["inline_keyboard"]]


@dataclass
class Chat:
    """A user's private chat with the bot."""

    user: FakeUser
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        names = ("id", "first_name", "last_name", "username")
        return {key: value for key, value in self.user.to_dict().items() if key in names} | {"type": "private"}


@dataclass(frozen=True)
class StoredFile:
    """A file the bot sent or a user uploaded, served under ``/file/bot<token>/<file_path>``."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


class EmulatorState:
    """The state shared by every part of the emulator, and how to read it.

    Parts with state of their own (the fault schedule, the webhook, commands...) add it in a cooperative
    ``__init__(self, **kwargs)`` that first calls ``super().__init__(**kwargs)``.
    """

    def __init__(self, *, bot_id: int, username: str, first_name: str, clock: Callable[[], float]) -> None:
        super().__init__()
        self.bot_id = bot_id
        self.username = username
        self.first_name = first_name
        self._clock = clock
        self.users: dict[int, FakeUser] = {}
        self._chats: dict[int, Chat] = {}
        self._query_chats: dict[str, int] = {}  # callback query id -> chat id
        self._files: dict[str, StoredFile] = {}
        self._pending: list[dict[str, Any]] = []
        self._again: list[dict[str, Any]] = []  # delivered before, handed out again by the next getUpdates
        self._enqueued: dict[int, dict[str, Any]] = {}  # every update ever queued, by id (for deliver_again)
        self._next_update_id = 1
        self._texts: dict[str, dict[str, str]] = {kind: {} for kind in BOT_TEXT_LIMITS}
        self._changed = asyncio.Event()
        self._change_count = 0
        self._stopping = False

    # ------------------------------------------------------------------ reading state

    @property
    def chat_ids(self) -> list[int]:
        return list(self._chats)

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[ChatMessage]:
        """All messages of a chat in order (deleted ones only on request)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [msg for msg in chat.messages.values() if include_deleted or not msg.deleted]

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[ChatMessage]:
        return [msg for msg in self.messages(chat_id, include_deleted=include_deleted) if msg.from_bot]

    def last_bot_message(self, chat_id: int) -> ChatMessage | None:
        messages = self.bot_messages(chat_id)
        return messages[-1] if messages else None

    def version(self, chat_id: int) -> int:
        """Counter of bot-made changes (send, edit, delete) in a chat."""
        chat = self._chats.get(chat_id)
        return chat.version if chat else 0

    @property
    def change_count(self) -> int:
        """Counter of every state change (API calls, updates, answers)."""
        return self._change_count

    @property
    def pending_updates(self) -> int:
        """Updates enqueued but not yet confirmed by the bot."""
        return len(self._pending)

    def description(self, language_code: str = "") -> str:
        return self._effective_text("description", language_code)

    def short_description(self, language_code: str = "") -> str:
        return self._effective_text("short_description", language_code)

    def bot_name(self, language_code: str = "") -> str:
        return self._effective_text("name", language_code) or self.first_name

    def transcript(self, chat_id: int, *, last: int | None = None) -> str:
        """A readable rendering of a chat, one line per message."""
        lines = []
        for msg in self.messages(chat_id, include_deleted=True)[-last if last else 0 :]:
            line = f"#{msg.message_id} {'bot' if msg.from_bot else 'user'}: {msg.text}"
            if msg.kind != "text":
                line += f" <{msg.kind}{': ' + msg.filename if msg.filename else ''}>"
            if msg.buttons:
                rows = [" | ".join(f"{text} [{data}]" for text, data in row) for row in msg.buttons]
                line += "  buttons: " + " / ".join(rows)
            if msg.edited:
                line += f"  (edited {msg.edit_count}x)"
            if msg.deleted:
                line += "  (deleted)"
            lines.append(line)
        return "\n".join(lines) or "(empty chat)"

    def _effective_text(self, kind: str, language_code: str) -> str:
        texts = self._texts[kind]
        return texts.get(language_code) or texts.get("", "")

    # ------------------------------------------------------------------ changes

    async def _wait_change(self, timeout: float) -> None:
        event = self._changed
        try:
            # asyncio.timeout, not wait_for: on Python 3.11, wait_for swallows a cancellation that lands just as the
            # event is set, and a waiter in a loop (a benchmark's watch) then waits on past its cancellation.
            async with asyncio.timeout(timeout):
                await event.wait()
        except TimeoutError:
            return

    def _notify(self) -> None:
        self._change_count += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def _bump(self, chat: Chat, msg: ChatMessage | None = None) -> None:
        chat.version += 1
        if msg is not None:
            msg.version = chat.version
        self._notify()

    # ------------------------------------------------------------------ building

    def _enqueue(self, update_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue an update of ``update_type`` for the bot's next getUpdates; return the payload."""
        update = {"update_id": self._next_update_id, update_type: payload}
        self._pending.append(update)
        self._enqueued[self._next_update_id] = update
        self._next_update_id += 1
        self._notify()
        return payload

    def updates_from(self, user_id: int) -> list[dict[str, Any]]:
        """Every update a user's actions queued, oldest first (as the bot received them)."""
        return [
            update
            for update in self._enqueued.values()
            if any(
                isinstance(body, dict) and body.get("from", {}).get("id") == user_id
                for key, body in update.items()
                if key != "update_id"
            )
        ]

    def deliver_again(self, update_id: int) -> None:
        """Hand an update the bot already received to it once more, the same update with the same id, as Telegram
        does when the bot's receipt never reached it (a long-polling bot that died before its next getUpdates
        confirmed the offset): the next getUpdates returns it first, whatever offset it gives."""
        self._again.append(self._enqueued[update_id])
        self._notify()

    def _register_file(self, kind: str, data: bytes, extension: str) -> tuple[str, str]:
        """Store a file; return its file_id and file_unique_id."""
        seq = len(self._files) + 1
        suffix = base64.urlsafe_b64encode(f"{kind}:{seq}:{self.bot_id}".encode()).decode()
        file_id, unique_id = f"AgACAgIAAxkB{suffix.rstrip('=')}", f"AQAD{seq:06d}"
        folder = {"photo": "photos", "sticker": "stickers", "voice": "voice"}.get(kind, "documents")
        self._files[file_id] = StoredFile(file_id, unique_id, f"{folder}/file_{seq}.{extension}", data)
        return file_id, unique_id

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name(), "username": self.username}

    def _add_message(self, chat: Chat, *, from_bot: bool, **fields: Any) -> ChatMessage:
        msg = ChatMessage(chat.next_message_id, chat.user.id, from_bot, int(self._clock()), **fields)
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        return msg

    def _message_json(self, msg: ChatMessage, *, with_reply: bool = True) -> dict[str, Any]:
        """The ``Message`` object as the Bot API serialises it."""
        chat = self._chats[msg.chat_id]
        data: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": self._bot_user() if msg.from_bot else chat.user.to_dict(),
            "chat": chat.to_dict(),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            data["edit_date"] = msg.edit_date
        if with_reply and msg.reply_to_message_id in chat.messages:
            data["reply_to_message"] = self._message_json(chat.messages[msg.reply_to_message_id], with_reply=False)
        if msg.kind == "text":
            data["text"] = msg.text
        data.update(msg.media)
        if msg.kind != "text" and msg.caption:
            data["caption"] = msg.caption
        if msg.entities:
            data["entities" if msg.kind == "text" else "caption_entities"] = msg.entities
        if msg.inline_keyboard:
            data["reply_markup"] = msg.inline_keyboard
        return data
