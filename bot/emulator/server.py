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
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.emulator.chats import (
    BOT_TEXT_LIMITS,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    Chat,
    ChatMessage,
    FakeUser,  # noqa: F401  (re-exported)
    StoredFile,
)
from bot.emulator.entities import formatted, parse_html  # noqa: F401  (re-exported)
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
    ERR_UNAUTHORIZED,
    ERR_WRONG_ACTION,
    ERR_WRONG_FILE_ID,
    ApiError,
    EmulatorUsageError,
)
from bot.emulator.markup import validate_markup
from bot.emulator.faults import FAULTS, FaultSchedule  # noqa: F401  (FAULTS re-exported)
from bot.emulator.params import Params, UploadedFile
from bot.emulator.users import UserSide

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-emulator-token-aaaaaaaaaaaaaaaaa"


MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

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
_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: canonical method name, parameters (no token), clock time."""

    method: str
    params: dict[str, Any]
    timestamp: float


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to a callback query."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


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


class BotApiEmulator(UserSide, FaultSchedule):
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
        super().__init__(
            bot_id=bot_id if bot_id is not None else int(token.split(":", 1)[0]),
            username=username,
            first_name=first_name,
            clock=clock,
        )
        self._token = token
        self.calls: list[ApiCall] = []
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.webhook_url = ""
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._commands: dict[tuple[str, int | None, int | None, str], list[tuple[str, str]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
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

    # ------------------------------------------------------------------ recorded calls

    def calls_about(self, chat_id: int, since: int = 0) -> list[ApiCall]:
        """Calls from number ``since`` on (``len(emulator.calls)`` taken earlier) that concern a chat: sent to it, or
        answering a button pressed in it.  Failed calls count: the bot made them."""
        return [c for c in self.calls[since:] if self._activity_chat(c.method, c.params) == chat_id]

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method (name compared case-insensitively)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    # ------------------------------------------------------------------ commands and menu button

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

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any]:
        return self._menu_buttons.get(chat_id) or self._menu_buttons.get(None) or {"type": "default"}

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

    # ------------------------------------------------------------------ messages

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

    def _reply_to(self, chat: Chat, p: Params) -> int | None:
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
        markup = validate_markup(p.obj("reply_markup"))
        reply_to = self._reply_to(chat, p)
        msg = self._add_message(chat, from_bot=True, reply_markup=markup, reply_to_message_id=reply_to, **fields)
        self._bump(chat, msg)
        return self._message_json(msg)

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

    def _input_file(self, p: Params, kind: str) -> tuple[StoredFile, str | None, str | None]:
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

    def _set_text(self, kind: str, p: Params) -> bool:
        value = p.text(kind) or ""
        if len(value) > BOT_TEXT_LIMITS[kind]:
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
