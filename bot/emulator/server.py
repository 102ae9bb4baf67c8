"""A local Telegram Bot API emulator.

:class:`BotApiEmulator` is an aiohttp server on 127.0.0.1 that answers ``/bot<token>/<method>``
the way ``api.telegram.org`` does, so a python-telegram-bot ``Application`` built with
``.base_url(emulator.base_url)`` runs unmodified through its real HTTP stack.  The same object
offers an in-process "user side" (fake users who write, press buttons, block the bot) and
event-driven waiting helpers for tests.  Everything runs on the event loop that called
:meth:`BotApiEmulator.start`; nothing blocks it.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.emulator.entities import command_entities, formatted, parse_html
from bot.emulator.errors import (
    ERR_ANSWER_TOO_LONG,
    ERR_BAD_BODY,
    ERR_BAD_COMMANDS,
    ERR_BAD_SCOPE,
    ERR_BOT_BLOCKED,
    ERR_CAPTION_TOO_LONG,
    ERR_CHAT_ID_EMPTY,
    ERR_CHAT_NOT_FOUND,
    ERR_COMMAND_DESCRIPTION_EMPTY,
    ERR_COMMAND_DESCRIPTION_INVALID,
    ERR_COMMAND_INVALID,
    ERR_CONFLICT_POLLING,
    ERR_CONFLICT_WEBHOOK,
    ERR_INVALID_FILE_ID,
    ERR_MESSAGE_CANT_BE_EDITED,
    ERR_MESSAGE_ID_MISSING,
    ERR_MESSAGE_TO_DELETE_NOT_FOUND,
    ERR_MESSAGE_TO_EDIT_NOT_FOUND,
    ERR_NOT_FOUND,
    ERR_NOT_MODIFIED,
    ERR_NO_FILE,
    ERR_NO_TEXT_TO_EDIT,
    ERR_QUERY_INVALID,
    ERR_REPLY_NOT_FOUND,
    ERR_TEXT_EMPTY,
    ERR_TEXT_TOO_LONG,
    ERR_TOO_LONG,
    ERR_TOO_MANY_REQUESTS,
    ERR_UNAUTHORIZED,
    ERR_WRONG_ACTION,
    ERR_WRONG_FILE_ID,
    ApiError,
    EmulatorUsageError,
)
from bot.emulator.markup import validate_markup
from bot.emulator.params import Params, UploadedFile

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-emulator-token-aaaaaaaaaaaaaaaaa"

FAULTS = ("429", "500", "timeout", "403")
"""The faults ``BotApiEmulator.strike`` injects, as Telegram really fails."""

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_TEXT_LIMITS = {"description": 512, "short_description": 120, "name": 64}

_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_SCOPE_TYPES = frozenset({
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
    "chat_administrators", "chat_member",
})
# Sent unless the bot asks for them explicitly (Bot API default for allowed_updates).
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_MESSAGE_KINDS = (
    "text", "photo", "document", "sticker", "voice", "video", "audio", "animation",
    "video_note", "location", "contact", "venue", "poll", "dice",
)
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


@dataclass
class _Fault:
    """One scheduled fault of a method: let ``skip`` calls through first, then either answer with ``error`` (and
    do nothing) or carry the call out and hold the answer back ``delay`` seconds (a timeout after delivery)."""

    skip: int
    error: ApiError | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: canonical method name, parameters (no token), clock time."""

    method: str
    params: dict[str, Any]
    timestamp: float


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


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a callback query."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


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
        return [
            [(button["text"], button.get("callback_data")) for button in row]
            for row in markup["inline_keyboard"]
        ]


@dataclass
class _Chat:
    user: FakeUser
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    blocked: bool = False
    version: int = 0

    def to_dict(self) -> dict[str, Any]:
        names = ("id", "first_name", "last_name", "username")
        return {key: value for key, value in self.user.to_dict().items() if key in names} | {
            "type": "private"
        }


@dataclass(frozen=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


_METHODS = (
    "getMe", "logOut", "close", "getWebhookInfo", "setWebhook", "deleteWebhook", "getUpdates",
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "deleteMessage",
    "answerCallbackQuery", "sendChatAction", "sendPhoto", "sendDocument", "getFile",
    "setMyCommands", "getMyCommands", "deleteMyCommands", "setMyDescription",
    "getMyDescription", "setMyShortDescription", "getMyShortDescription", "setMyName",
    "getMyName", "setChatMenuButton", "getChatMenuButton",
)

_ApiHandler = Callable[[Params], Awaitable[Any]]


class BotApiEmulator:
    """A Telegram Bot API server for one bot, plus the users who talk to it."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_id: int | None = None,
        username: str = "datatool_test_bot",
        first_name: str = "Data tool",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._token = token
        self.bot_id = bot_id if bot_id is not None else int(token.split(":", 1)[0])
        self.username = username
        self.first_name = first_name
        self._clock = clock
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.users: dict[int, FakeUser] = {}
        self.webhook_url = ""
        self._chats: dict[int, _Chat] = {}
        self._query_chats: dict[str, int] = {}  # callback query id -> chat id
        self._files: dict[str, _StoredFile] = {}
        self._pending: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._next_query_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._faults: dict[str, deque[_Fault]] = {}
        self._commands: dict[tuple[str, int | None, int | None, str], list[tuple[str, str]]] = {}
        self._texts: dict[str, dict[str, str]] = {kind: {} for kind in _TEXT_LIMITS}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._changed = asyncio.Event()
        self._change_count = 0
        self._stopping = False
        self._in_flight: dict[int, int] = {}  # chat id -> bot requests being handled
        self._last_activity: dict[int, float] = {}  # chat id -> loop time of the last one
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._handlers: dict[str, tuple[str, _ApiHandler]] = {
            name.lower(): (name, getattr(self, f"_api_{_snake_case(name)}")) for name in _METHODS
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port`` (port 0 picks a free port)."""
        self._stopping = False
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # No access log: request paths contain the token.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self._host, self._port = host, self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Release pending long polls and shut the server down."""
        self._stopping = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        return self._token

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder.base_url`` / ``Bot(base_url=...)``."""
        return f"http://{self._host}:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder.base_file_url`` / ``Bot(base_file_url=...)``."""
        return f"http://{self._host}:{self._port}/file/bot"

    # ------------------------------------------------------------------ test controls

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str = "",
        *,
        retry_after: int | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make ``times`` calls of ``method`` fail with this error (and do nothing), after letting ``after`` calls
        through normally (``after=2``: the third call fails).

        Without ``description``, 429 gets "Too Many Requests: retry after N", others the
        HTTP reason phrase; ``retry_after`` is sent as ``parameters.retry_after``.
        """
        if not description:
            description = (
                ERR_TOO_MANY_REQUESTS.format(retry_after)
                if error_code == HTTPStatus.TOO_MANY_REQUESTS and retry_after is not None
                else HTTPStatus(error_code).phrase
            )
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        self._schedule(method, after, [_Fault(0, error=ApiError(error_code, description, parameters))
                                       for _ in range(times)])

    def delay_next(self, method: str, seconds: float, *, times: int = 1, after: int = 0) -> None:
        """Carry out ``times`` calls of ``method`` (after ``after`` normal ones) but answer each only ``seconds``
        later: a client whose read timeout is shorter sees a timeout although the message was delivered."""
        self._schedule(method, after, [_Fault(0, delay=seconds) for _ in range(times)])

    def strike(self, method: str, fault: str, *, after: int = 0, retry_after: int = 5, hold: float = 2.0) -> None:
        """One of Telegram's real faults on call number ``after + 1`` of ``method``: ``"429"`` (flood control with
        ``retry_after``), ``"500"``, ``"403"`` (the user blocked the bot), or ``"timeout"`` (carried out, but
        answered only after ``hold`` seconds: a timeout after delivery for a bot with a shorter read timeout)."""
        match fault:
            case "429":
                self.fail_next(method, 429, retry_after=retry_after, after=after)
            case "500":
                self.fail_next(method, 500, after=after)
            case "403":
                self.fail_next(method, 403, ERR_BOT_BLOCKED, after=after)
            case "timeout":
                self.delay_next(method, hold, after=after)
            case _:
                raise EmulatorUsageError(f"unknown fault {fault!r}: one of {', '.join(FAULTS)}")

    def calls_about(self, chat_id: int, since: int = 0) -> list[ApiCall]:
        """Calls from number ``since`` on (``len(emulator.calls)`` taken earlier) that concern a chat: sent to it, or
        answering a button pressed in it.  Failed calls count: the bot made them."""
        return [c for c in self.calls[since:] if self._activity_chat(c.method, c.params) == chat_id]

    def pending_faults(self, method: str) -> int:
        """How many scheduled faults of ``method`` have not struck yet."""
        return len(self._faults.get(method.lower(), ()))

    def clear_faults(self) -> None:
        """Forget every scheduled fault."""
        self._faults.clear()

    def _schedule(self, method: str, after: int, faults: list[_Fault]) -> None:
        if after < 0 or not faults:
            raise EmulatorUsageError("after must be >= 0 and times >= 1")
        faults[0].skip = after
        self._faults.setdefault(method.lower(), deque()).extend(faults)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method.lower())
        if not queue:
            return None
        if queue[0].skip > 0:
            queue[0].skip -= 1
            return None
        return queue.popleft()

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends and edits to their chat fail with 403."""
        self._set_blocked(user_id, blocked=True)

    def unblock(self, user_id: int) -> None:
        """The user unblocks (restarts) the bot."""
        self._set_blocked(user_id, blocked=False)

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method (name compared case-insensitively)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

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

    def commands(
        self,
        scope_type: str = "default",
        language_code: str = "",
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[tuple[str, str]]:
        """The command list set for exactly this scope and language."""
        return list(self._commands.get((scope_type, chat_id, user_id, language_code), []))

    def description(self, language_code: str = "") -> str:
        return self._effective_text("description", language_code)

    def short_description(self, language_code: str = "") -> str:
        return self._effective_text("short_description", language_code)

    def bot_name(self, language_code: str = "") -> str:
        return self._effective_text("name", language_code) or self.first_name

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        return self._menu_buttons.get(chat_id) or self._menu_buttons.get(None) or {"type": "default"}

    def transcript(self, chat_id: int, *, last: int | None = None) -> str:
        """A readable rendering of a chat, one line per message."""
        lines = []
        for msg in self.messages(chat_id, include_deleted=True)[-last if last else 0:]:
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

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,
        *,
        chat_ids: Iterable[int] | None = None,
        description: str = "condition",
    ) -> None:
        """Return once ``predicate()`` holds, re-checking after every state change.

        Raises :class:`TimeoutError` with the end of the relevant chats' transcripts.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                chats = list(chat_ids) if chat_ids is not None else self.chat_ids
                details = "\n".join(
                    f"chat {chat_id}:\n{self.transcript(chat_id, last=5)}" for chat_id in chats
                )
                raise TimeoutError(f"Timed out after {timeout}s waiting for {description}.\n{details}")
            await self._wait_change(remaining)

    async def wait_until_updates_consumed(self, timeout: float = 10.0) -> None:
        """Return once the bot has fetched and confirmed (via offset) every enqueued update."""
        await self.wait_for(lambda: not self._pending, timeout, description="the bot to confirm all updates")

    async def wait_until_quiet(self, chat_id: int, quiet: float = 0.1, timeout: float = 10.0) -> None:
        """Return once no bot request concerning the chat has run for ``quiet`` seconds.

        A request concerns a chat when its ``chat_id`` is that chat, or when it answers a
        callback query pressed there.  Use it to let a handler finish a burst of messages.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            now = loop.time()
            busy = self._in_flight.get(chat_id, 0) > 0
            idle = now - self._last_activity.get(chat_id, float("-inf"))
            if not busy and idle >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"Chat {chat_id} did not go quiet within {timeout}s.\n{self.transcript(chat_id, last=5)}"
                )
            await self._wait_change(deadline - now if busy else min(quiet - idle, deadline - now))

    def _activity_chat(self, method: str, raw: Mapping[str, Any]) -> int | None:
        if method == "answerCallbackQuery":
            return self._query_chats.get(str(raw.get("callback_query_id")))
        try:
            return int(raw["chat_id"])
        except (KeyError, TypeError, ValueError):
            return None

    def _track_activity(self, chat_id: int, delta: int) -> None:
        self._in_flight[chat_id] = self._in_flight.get(chat_id, 0) + delta
        self._last_activity[chat_id] = asyncio.get_running_loop().time()
        self._notify()

    async def _wait_change(self, timeout: float) -> None:
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return

    def _notify(self) -> None:
        self._change_count += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def _bump(self, chat: _Chat, msg: ChatMessage | None = None) -> None:
        chat.version += 1
        if msg is not None:
            msg.version = chat.version
        self._notify()

    # ------------------------------------------------------------------ user side

    def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        language_code: str = "en",
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """Register a user.  Their private chat exists once they send the bot something."""
        user = FakeUser(user_id, first_name, language_code, username, last_name)
        self.users[user_id] = user
        return user

    async def send_message(self, user: FakeUser | int, text: str) -> dict[str, Any]:
        """The user sends a text message; a leading /command gets a bot_command entity."""
        if not text.strip() or len(text) > MAX_TEXT_LENGTH:
            raise EmulatorUsageError(f"a user can send 1-{MAX_TEXT_LENGTH} characters, got {len(text)}")
        chat = self._user_chat(user)
        msg = self._add_message(chat, from_bot=False, text=text, entities=command_entities(text))
        return self._enqueue("message", self._message_json(msg))

    async def send_update_message(self, user: FakeUser | int, **fields: Any) -> dict[str, Any]:
        """The user sends a message with arbitrary content (``sticker=...``, ``photo=...``)."""
        chat = self._user_chat(user)
        kind = next((kind for kind in _MESSAGE_KINDS if kind in fields), "other")
        caption = fields.pop("caption", None)
        text = fields.pop("text", None)
        document = fields.get("document")
        msg = self._add_message(
            chat, from_bot=False, kind=kind, text=text or caption or "", caption=caption,
            entities=command_entities(text) if text else [], media=fields,
            filename=document.get("file_name") if isinstance(document, dict) else None,
        )
        return self._enqueue("message", self._message_json(msg))

    async def send_sticker(self, user: FakeUser | int, emoji: str = "👍") -> dict[str, Any]:
        file_id, unique_id = self._register_file("sticker", b"RIFF-webp-sticker", "webp")
        sticker = {
            "file_id": file_id, "file_unique_id": unique_id, "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False, "emoji": emoji, "file_size": 17,
        }
        return await self.send_update_message(user, sticker=sticker)

    async def send_photo(self, user: FakeUser | int, caption: str | None = None) -> dict[str, Any]:
        file_id, unique_id = self._register_file("photo", b"\xff\xd8\xff\xe0fake-jpeg", "jpg")
        photo = [{"file_id": file_id, "file_unique_id": unique_id, "width": 90, "height": 90, "file_size": 13}]
        return await self.send_update_message(user, photo=photo, caption=caption)

    async def send_voice(self, user: FakeUser | int, duration: int = 2) -> dict[str, Any]:
        file_id, unique_id = self._register_file("voice", b"OggS-fake-voice", "oga")
        voice = {
            "file_id": file_id, "file_unique_id": unique_id, "duration": duration,
            "mime_type": "audio/ogg", "file_size": 15,
        }
        return await self.send_update_message(user, voice=voice)

    async def send_location(
        self, user: FakeUser | int, latitude: float = 51.4816, longitude: float = -3.1791
    ) -> dict[str, Any]:
        return await self.send_update_message(user, location={"latitude": latitude, "longitude": longitude})

    async def send_document(
        self,
        user: FakeUser | int,
        filename: str = "notes.txt",
        content: bytes = b"hello",
        mime_type: str = "text/plain",
        caption: str | None = None,
    ) -> dict[str, Any]:
        file_id, unique_id = self._register_file("document", content, filename.rpartition(".")[2])
        document = {
            "file_id": file_id, "file_unique_id": unique_id, "file_name": filename,
            "mime_type": mime_type, "file_size": len(content),
        }
        return await self.send_update_message(user, document=document, caption=caption)

    async def edit_user_message(self, user: FakeUser | int, message_id: int, new_text: str) -> dict[str, Any]:
        """The user edits one of their text messages (an ``edited_message`` update)."""
        chat = self._user_chat(user)
        msg = chat.messages.get(message_id)
        if msg is None or msg.from_bot or msg.deleted or msg.kind != "text":
            raise EmulatorUsageError(f"user {chat.user.id} has no text message {message_id} to edit")
        msg.text, msg.entities = new_text, command_entities(new_text)
        msg.edit_count += 1
        msg.edit_date = int(self._clock())
        return self._enqueue("edited_message", self._message_json(msg))

    async def press_button(
        self, user: FakeUser | int, message_id: int, callback_data: str, *, forge: bool = False
    ) -> str:
        """The user presses an inline button; returns the callback query id.

        Refuses data that the message's current keyboard does not offer unless ``forge``.
        """
        chat = self._user_chat(user)
        msg = chat.messages.get(message_id)
        if msg is None or msg.deleted or not msg.from_bot:
            raise EmulatorUsageError(f"chat {chat.user.id} has no bot message {message_id}")
        if not forge and callback_data not in msg.callback_data:
            raise EmulatorUsageError(
                f"message {message_id} has no button with callback_data {callback_data!r}; "
                f"current buttons: {msg.buttons} (pass forge=True to send it anyway)"
            )
        query_id = str(4_000_000_000_000_000 + self._next_query_id)
        self._next_query_id += 1
        self._query_chats[query_id] = chat.user.id
        self._enqueue("callback_query", {
            "id": query_id,
            "from": chat.user.to_dict(),
            "message": self._message_json(msg),
            "chat_instance": str(-(chat.user.id * 7919 + self.bot_id)),
            "data": callback_data,
        })
        return query_id

    def _user(self, user: FakeUser | int) -> FakeUser:
        user_id = user if isinstance(user, int) else user.id
        if user_id not in self.users:
            raise EmulatorUsageError(f"unknown user {user_id}; call add_user() first")
        return self.users[user_id]

    def _user_chat(self, user: FakeUser | int) -> _Chat:
        known = self._user(user)
        chat = self._chats.setdefault(known.id, _Chat(known))
        if chat.blocked:
            raise EmulatorUsageError(f"user {known.id} has blocked the bot; call unblock() first")
        return chat

    def _set_blocked(self, user_id: int, *, blocked: bool) -> None:
        user = self._user(user_id)
        chat = self._chats.setdefault(user_id, _Chat(user))
        if chat.blocked == blocked:
            return
        chat.blocked = blocked

        def member(status: str) -> dict[str, Any]:
            banned = {"until_date": 0} if status == "kicked" else {}
            return {"user": self._bot_user(), "status": status, **banned}

        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        self._enqueue("my_chat_member", {
            "chat": chat.to_dict(), "from": user.to_dict(), "date": int(self._clock()),
            "old_chat_member": member(old), "new_chat_member": member(new),
        })

    def _enqueue(self, update_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        self._pending.append({"update_id": self._next_update_id, update_type: payload})
        self._next_update_id += 1
        self._notify()
        return payload

    def _register_file(self, kind: str, data: bytes, extension: str) -> tuple[str, str]:
        seq = len(self._files) + 1
        suffix = base64.urlsafe_b64encode(f"{kind}:{seq}:{self.bot_id}".encode()).decode()
        file_id, unique_id = f"AgACAgIAAxkB{suffix.rstrip('=')}", f"AQAD{seq:06d}"
        folder = {"photo": "photos", "sticker": "stickers", "voice": "voice"}.get(kind, "documents")
        self._files[file_id] = _StoredFile(file_id, unique_id, f"{folder}/file_{seq}.{extension}", data)
        return file_id, unique_id

    # ------------------------------------------------------------------ messages

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name(), "username": self.username}

    def _add_message(self, chat: _Chat, *, from_bot: bool, **fields: Any) -> ChatMessage:
        msg = ChatMessage(chat.next_message_id, chat.user.id, from_bot, int(self._clock()), **fields)
        chat.next_message_id += 1
        chat.messages[msg.message_id] = msg
        return msg

    def _message_json(self, msg: ChatMessage, *, with_reply: bool = True) -> dict[str, Any]:
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
            data["reply_to_message"] = self._message_json(
                chat.messages[msg.reply_to_message_id], with_reply=False
            )
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

    def _message_text(self, p: Params) -> tuple[str, list[dict[str, Any]], str | None]:
        text, entities = formatted(p.text("text"), p.text("parse_mode"), p.obj("entities"))
        if not text:
            raise ApiError(400, ERR_TEXT_EMPTY)
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, ERR_TEXT_TOO_LONG)
        return text, entities, self._raw_html(p, "text")

    def _caption(self, p: Params) -> tuple[str, list[dict[str, Any]], str | None]:
        caption, entities = formatted(p.text("caption"), p.text("parse_mode"), p.obj("caption_entities"))
        if len(caption) > MAX_CAPTION_LENGTH:
            raise ApiError(400, ERR_CAPTION_TOO_LONG)
        return caption, entities, self._raw_html(p, "caption")

    @staticmethod
    def _raw_html(p: Params, name: str) -> str | None:
        return p.text(name) if (p.text("parse_mode") or "").lower() == "html" else None

    def _chat(self, p: Params) -> _Chat:
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

    def _reply_to(self, chat: _Chat, p: Params) -> int | None:
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

    def _send(self, chat: _Chat, p: Params, **fields: Any) -> dict[str, Any]:
        markup = validate_markup(p.obj("reply_markup"))
        reply_to = self._reply_to(chat, p)
        msg = self._add_message(chat, from_bot=True, reply_markup=markup, reply_to_message_id=reply_to, **fields)
        self._bump(chat, msg)
        return self._message_json(msg)

    def _editable(self, p: Params) -> tuple[_Chat, ChatMessage]:
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

    def _mark_edited(self, chat: _Chat, msg: ChatMessage) -> dict[str, Any]:
        msg.edit_count += 1
        msg.edit_date = int(self._clock())
        self._bump(chat, msg)
        return self._message_json(msg)

    def _input_file(self, p: Params, kind: str) -> tuple[_StoredFile, str | None, str | None]:
        """Store an uploaded file (or resolve a file_id/URL); return it, filename, MIME type."""
        value = p.file(kind)
        if value is None:
            raise ApiError(400, ERR_NO_FILE.format(kind))
        if isinstance(value, UploadedFile):
            extension = (value.filename or "file.bin").rpartition(".")[2]
            file_id, _ = self._register_file(kind, value.data, extension)
            return self._files[file_id], value.filename, value.content_type
        if value in self._files:
            return self._files[value], None, None
        if re.match(r"https?://\S+$", value):
            name = value.rstrip("/").rpartition("/")[2] or "file"
            file_id, _ = self._register_file(kind, b"", name.rpartition(".")[2])
            return self._files[file_id], name, None
        raise ApiError(400, ERR_WRONG_FILE_ID)

    # ------------------------------------------------------------------ HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.match_info["token"].encode(), self._token.encode()):
            return self._error_response(ApiError(401, ERR_UNAUTHORIZED))
        requested = request.match_info["method"]
        name, handler = self._handlers.get(requested.lower(), (requested, None))
        try:
            raw = await self._read_params(request)
        except ApiError as error:
            return self._error_response(error)
        self.calls.append(ApiCall(name, raw, self._clock()))
        self._notify()
        if handler is None:
            return self._error_response(ApiError(404, ERR_NOT_FOUND))
        chat_id = self._activity_chat(name, raw)
        if chat_id is not None:
            self._track_activity(chat_id, +1)
        fault = self._take_fault(name)
        try:
            if fault is not None and fault.error is not None:
                raise fault.error
            result = await handler(Params(raw))
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)  # done, but the answer comes too late for the client
        except ApiError as error:
            return self._error_response(error)
        except Exception:
            _LOGGER.exception("Bot API emulator failed while handling %s", name)
            return self._error_response(ApiError(500, "Internal Server Error"))
        finally:
            if chat_id is not None:
                self._track_activity(chat_id, -1)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.match_info["token"].encode(), self._token.encode()):
            return self._error_response(ApiError(401, ERR_UNAUTHORIZED))
        path = request.match_info["path"]
        stored = next((stored for stored in self._files.values() if stored.file_path == path), None)
        if stored is None:
            return self._error_response(ApiError(404, ERR_NOT_FOUND))
        return web.Response(body=stored.data, content_type="application/octet-stream")

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        """Query string, then a JSON, urlencoded or multipart body (body wins)."""
        params: dict[str, Any] = dict(request.query)
        if not request.can_read_body:
            return params
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, ERR_BAD_BODY) from None
            if not isinstance(body, dict):
                raise ApiError(400, ERR_BAD_BODY)
            params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    params[key] = UploadedFile(value.filename, value.content_type, value.file.read())
                else:
                    params[key] = value
        return params

    @staticmethod
    def _error_response(error: ApiError) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
        if error.parameters:
            body["parameters"] = error.parameters
        return web.json_response(body, status=error.code)

    # ------------------------------------------------------------------ API methods

    async def _api_get_me(self, p: Params) -> dict[str, Any]:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_log_out(self, p: Params) -> bool:
        return True

    _api_close = _api_log_out

    async def _api_get_webhook_info(self, p: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        return info

    async def _api_set_webhook(self, p: Params) -> bool:
        self.webhook_url = p.text("url") or ""
        if p.flag("drop_pending_updates"):
            self._pending.clear()
        self._notify()
        return True

    async def _api_delete_webhook(self, p: Params) -> bool:
        self.webhook_url = ""
        if p.flag("drop_pending_updates"):
            self._pending.clear()
        self._notify()
        return True

    async def _api_get_updates(self, p: Params) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, ERR_CONFLICT_WEBHOOK)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an earlier long poll, if any, now ends with 409
        offset = p.integer("offset", 0) or 0
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = max(p.number("timeout"), 0.0)
        allowed = p.obj("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, ERR_CONFLICT_POLLING)
            batch = self._deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._stopping:
                return batch
            await self._wait_change(remaining)

    def _confirm(self, offset: int) -> None:
        before = len(self._pending)
        if offset > 0:
            self._pending = [update for update in self._pending if update["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
        if len(self._pending) != before:
            self._notify()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        """Pending updates of allowed types; updates of other types are dropped, as Telegram does."""
        def allowed(update: dict[str, Any]) -> bool:
            kind = next(key for key in update if key != "update_id")
            if self._allowed_updates is None:
                return kind not in _OPT_IN_UPDATES
            return kind in self._allowed_updates

        kept = [update for update in self._pending if allowed(update)]
        if len(kept) != len(self._pending):
            self._pending = kept
            self._notify()
        return kept[:limit]

    async def _api_send_message(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p)
        text, entities, html = self._message_text(p)
        return self._send(chat, p, text=text, entities=entities, html=html)

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

    async def _api_edit_message_reply_markup(self, p: Params) -> dict[str, Any]:
        chat, msg = self._editable(p)
        markup = validate_markup(p.obj("reply_markup"), inline_only=True)
        if markup == msg.inline_keyboard:
            raise ApiError(400, ERR_NOT_MODIFIED)
        msg.reply_markup = markup
        return self._mark_edited(chat, msg)

    async def _api_delete_message(self, p: Params) -> bool:
        chat = self._chat(p)
        msg = chat.messages.get(p.integer("message_id") or 0)
        if msg is None or msg.deleted:
            raise ApiError(400, ERR_MESSAGE_TO_DELETE_NOT_FOUND)
        msg.deleted = True
        self._bump(chat, msg)
        return True

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

    async def _api_send_chat_action(self, p: Params) -> bool:
        self._chat(p)
        if p.text("action") not in _CHAT_ACTIONS:
            raise ApiError(400, ERR_WRONG_ACTION)
        return True

    async def _api_send_photo(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p)
        caption, entities, html = self._caption(p)
        stored, filename, mime_type = self._input_file(p, "photo")
        photo = [{
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "width": 512, "height": 512, "file_size": len(stored.data),
        }]
        return self._send(
            chat, p, kind="photo", text=caption, caption=caption or None, entities=entities, html=html,
            media={"photo": photo}, filename=filename, file_bytes=stored.data, mime_type=mime_type,
        )

    async def _api_send_document(self, p: Params) -> dict[str, Any]:
        chat = self._chat(p)
        caption, entities, html = self._caption(p)
        stored, filename, mime_type = self._input_file(p, "document")
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if filename:
            document["file_name"] = filename
        if mime_type:
            document["mime_type"] = mime_type
        document["file_size"] = len(stored.data)
        return self._send(
            chat, p, kind="document", text=caption, caption=caption or None, entities=entities,
            html=html, media={"document": document}, filename=filename, file_bytes=stored.data,
            mime_type=mime_type,
        )

    async def _api_get_file(self, p: Params) -> dict[str, Any]:
        stored = self._files.get(p.text("file_id") or "")
        if stored is None:
            raise ApiError(400, ERR_INVALID_FILE_ID)
        return {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data), "file_path": stored.file_path,
        }

    @staticmethod
    def _scope_key(p: Params) -> tuple[str, int | None, int | None, str]:
        scope = p.obj("scope") or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise ApiError(400, ERR_BAD_SCOPE)
        chat_id, user_id = scope.get("chat_id"), scope.get("user_id")
        return (
            scope["type"],
            int(chat_id) if chat_id is not None else None,
            int(user_id) if user_id is not None else None,
            p.text("language_code") or "",
        )

    async def _api_set_my_commands(self, p: Params) -> bool:
        key = self._scope_key(p)
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise ApiError(400, ERR_BAD_COMMANDS)
        parsed = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, ERR_BAD_COMMANDS)
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME_RE.fullmatch(name):
                raise ApiError(400, ERR_COMMAND_INVALID)
            if not isinstance(description, str) or not description.strip():
                raise ApiError(400, ERR_COMMAND_DESCRIPTION_EMPTY)
            if len(description) > 256:
                raise ApiError(400, ERR_COMMAND_DESCRIPTION_INVALID)
            parsed.append((name, description))
        if parsed:
            self._commands[key] = parsed
        else:
            self._commands.pop(key, None)
        self._notify()
        return True

    async def _api_get_my_commands(self, p: Params) -> list[dict[str, str]]:
        commands = self._commands.get(self._scope_key(p), [])
        return [{"command": name, "description": description} for name, description in commands]

    async def _api_delete_my_commands(self, p: Params) -> bool:
        self._commands.pop(self._scope_key(p), None)
        self._notify()
        return True

    def _effective_text(self, kind: str, language_code: str) -> str:
        texts = self._texts[kind]
        return texts.get(language_code) or texts.get("", "")

    def _set_text(self, kind: str, p: Params) -> bool:
        value = p.text(kind) or ""
        if len(value) > _TEXT_LIMITS[kind]:
            raise ApiError(400, ERR_TOO_LONG.format(kind.replace("_", " ")))
        language = p.text("language_code") or ""
        if value:
            self._texts[kind][language] = value
        else:
            self._texts[kind].pop(language, None)
        self._notify()
        return True

    async def _api_set_my_description(self, p: Params) -> bool:
        return self._set_text("description", p)

    async def _api_get_my_description(self, p: Params) -> dict[str, str]:
        return {"description": self.description(p.text("language_code") or "")}

    async def _api_set_my_short_description(self, p: Params) -> bool:
        return self._set_text("short_description", p)

    async def _api_get_my_short_description(self, p: Params) -> dict[str, str]:
        return {"short_description": self.short_description(p.text("language_code") or "")}

    async def _api_set_my_name(self, p: Params) -> bool:
        return self._set_text("name", p)

    async def _api_get_my_name(self, p: Params) -> dict[str, str]:
        return {"name": self.bot_name(p.text("language_code") or "")}

    async def _api_set_chat_menu_button(self, p: Params) -> bool:
        chat_id = p.integer("chat_id")
        if chat_id is not None and chat_id not in self._chats:
            raise ApiError(400, ERR_CHAT_NOT_FOUND)
        button = p.obj("menu_button")
        if isinstance(button, dict):
            self._menu_buttons[chat_id] = button
        else:
            self._menu_buttons.pop(chat_id, None)
        self._notify()
        return True

    async def _api_get_chat_menu_button(self, p: Params) -> dict[str, Any]:
        return self.menu_button(p.integer("chat_id"))
