"""A local Telegram Bot API emulator: :class:`BotApiEmulator`, the HTTP server that puts the parts together.

:class:`BotApiEmulator` is an aiohttp server on 127.0.0.1 that answers ``/bot<token>/<method>``
the way ``api.telegram.org`` does, so a python-telegram-bot ``Application`` built with
``.base_url(emulator.base_url)`` runs unmodified through its real HTTP stack.  The same object
offers an in-process "user side" (fake users who write, press buttons, block the bot) and
event-driven waiting helpers for tests.  Everything runs on the event loop that called
:meth:`BotApiEmulator.start`; nothing blocks it.

This module holds the HTTP lifecycle, the dispatch of each request (token check, recording in ``calls``,
scheduled faults, Bot API error answers) and the waiting helpers.  The rest is composed in from:

- ``chats.py`` -- the shared state (users, chats, messages, files, the update queue) and reading it;
- ``users.py`` -- the simulated users (``send_message``, ``press_button``, ``block``...);
- ``faults.py`` -- Telegram's failures on demand (``fail_next``, ``delay_next``, ``strike``);
- ``methods/`` -- the Bot API methods, one module per area, each method an ``@api_method("name")``;
- ``entities.py``, ``markup.py``, ``params.py``, ``errors.py`` -- HTML/Markdown entities, reply markup checks,
  request parameters, and the Bot API's error texts.

To add a Bot API method, write one ``@api_method("methodName") async def _api_method_name(self, p: Params)`` in
the ``methods/`` module of its area; the dispatcher finds it.  A new area is a new ``MethodGroup`` subclass in
``methods/``, exported from ``methods/__init__.py`` and added to :class:`BotApiEmulator`'s bases below.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.emulator.errors import ERR_BAD_BODY, ERR_NOT_FOUND, ERR_UNAUTHORIZED, ApiError
from bot.emulator.faults import FaultSchedule
from bot.emulator.methods import (
    CallbackMethods,
    FileMethods,
    MessageMethods,
    ProfileMethods,
    UpdateMethods,
)
from bot.emulator.methods.base import api_handlers
from bot.emulator.params import Params, UploadedFile
from bot.emulator.users import UserSide

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-emulator-token-aaaaaaaaaaaaaaaaa"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made: canonical method name, parameters (no token), clock time."""

    method: str
    params: dict[str, Any]
    timestamp: float


class BotApiEmulator(
    UpdateMethods, MessageMethods, CallbackMethods, FileMethods, ProfileMethods, UserSide, FaultSchedule
):
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
        self._in_flight: dict[int, int] = {}  # chat id -> bot requests being handled
        self._last_activity: dict[int, float] = {}  # chat id -> loop time of the last one
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._handlers = api_handlers(self)

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
        """Release pending long polls, end any webhook delivery and shut the server down."""
        self._stopping = True
        self._notify()
        await self._end_webhook_delivery()
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

    def calls_to(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method (name compared case-insensitively)."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def calls_about(self, chat_id: int, since: int = 0) -> list[ApiCall]:
        """Calls from number ``since`` on (``len(emulator.calls)`` taken earlier) that concern a chat: sent to it, or
        answering a button pressed in it.  Failed calls count: the bot made them."""
        return [c for c in self.calls[since:] if self._activity_chat(c.method, c.params) == chat_id]

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
                details = "\n".join(f"chat {chat_id}:\n{self.transcript(chat_id, last=5)}" for chat_id in chats)
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
