"""Webhook mode: Telegram POSTs each update to the bot's URL instead of the bot asking for updates (long polling).

``datatool-bot run --webhook-url URL [--listen HOST:PORT]`` serves ``HOST:PORT`` in plain HTTP with a small web
server of its own (aiohttp): TLS is the job of a reverse proxy in front of it (or of a self-hosted Bot API server on
the same machine, which may deliver over plain HTTP).  It registers the webhook with ``setWebhook``, ``secret_token``
being ``DATATOOL_WEBHOOK_SECRET``.

**An update is acknowledged only once it is handled.**  Telegram counts an update as delivered when the webhook
answers it with a 2xx, and never sends it again.  python-telegram-bot's own webhook server answers 200 first and
then queues the update in memory, so a crash (SIGKILL, power cut) lost presses Telegram had been told were
received.  Here the POST is answered only after the Application has handled the update — the answer durably
written, the person answered — or, when it cannot start in time, 503 with ``Retry-After``, so Telegram keeps it
and delivers it again:

- each update goes through the same :class:`~bot.ordering.PerPersonUpdates` as in long polling: at most
  ``DATATOOL_CONCURRENT_UPDATES`` at once, one person's in the order they came;
- a POST waits for a free slot for at most :data:`SLOT_WAIT` seconds (also while the bot is still starting), then
  gets 503: the update was never started, so Telegram's next delivery is its first handling;
- at most :func:`connections` POSTs are taken at once, the ``max_connections`` registered with Telegram (which opens
  no more); any beyond that get 503 at once, as do POSTs that arrive while the bot is stopping;
- once an update has started it is seen through, however long Telegram takes to answer the bot's own calls: if
  that outlasts Telegram's patience, Telegram delivers it again, and the copy waits behind the original (one
  person's updates are handled in order) and then changes nothing (each update is decided once);
- an update whose handler failed is acknowledged: the error handler has logged it and told the person, and
  delivering it again would fail the same way while holding up that person's later updates at Telegram.  So is an
  update python-telegram-bot cannot read (logged by its id and the error's type and place only).

A crash therefore loses nothing Telegram was told was received: every update not yet answered 200 is still at
Telegram and comes again when the bot is back.

**The checks**, before anything is read: the path of ``URL`` itself and no other (404); POST only (405); the secret
in the ``X-Telegram-Bot-Api-Secret-Token`` header, compared with :func:`hmac.compare_digest` (403); JSON (415); a
body of at most :data:`MAX_BODY` bytes, refused by its ``Content-Length`` before a byte of it is read, and counted
as it arrives when it is sent in chunks (413).  Telegram's updates are a few kilobytes.

**The health check.**  ``GET /healthz`` on the same port, outside the webhook's path and needing no secret, answers
200 with a small JSON body (the database writable, the last update handled, the jobs alive) or 503 naming what is
wrong, and 503 while the bot starts or stops (``bot/health.py``).  It says nothing about anyone; the reverse proxy
need not forward it.  A webhook URL whose path is ``/healthz`` is refused.

**The path.**  For ``https://bots.example.org/datatool/telegram`` the server answers
``http://HOST:PORT/datatool/telegram``: the reverse proxy forwards the path unchanged (nginx ``proxy_pass
http://127.0.0.1:8443;`` with no path after the address, Caddy's ``reverse_proxy``), one proxy can put several bots
under one host name, and a request that reaches the port by another path gets 404.

**Start-up and stopping.**  The port is bound first (a port in use is one line before Telegram is asked anything),
then getMe checks the token, then ``setWebhook`` is called, once: Telegram refusing it — a bad URL (400), flood
control that outlasts the usual retries (429), a server error (5xx) — ends start-up with one line that says which.
Then the bot starts (commands, jobs) and takes updates.  On Ctrl+C or SIGTERM it stops taking updates (503), lets
those being handled finish and answers them, and stops; the webhook stays registered, so Telegram keeps what arrives
meanwhile.

The command line imports this module for its argument types, so aiohttp, python-telegram-bot and the bot itself are
imported only when webhook mode runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import hmac
import json
import logging
import signal
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.health import HEALTH_KEY, HEALTH_PATH
from config.settings import TELEGRAM_API, Settings

if TYPE_CHECKING:
    from aiohttp import web
    from telegram.ext import Application

log = logging.getLogger(__name__)

DEFAULT_LISTEN = ("127.0.0.1", 8443)
"""Loopback only: the reverse proxy on the same machine reaches it, nothing else does."""
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)
"""The only ports Telegram's own servers deliver to (``telegram.constants.SUPPORTED_WEBHOOK_PORTS``), over HTTPS."""
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024
"""Bytes of a POST's body, at most: Telegram's updates are a few kilobytes (a message is at most 4,096 characters)."""
TELEGRAM_CONNECTIONS = 40
"""Telegram's default ``max_connections``: how many POSTs it sends at once (1 to 100)."""
SLOT_WAIT = 5.0
"""Seconds a POST waits for a free slot before it is answered 503: well inside the time Telegram waits for an answer
(undocumented; its Bot API server drops a webhook connection after 60 s without data), and long enough that only a
bot whose every slot is stuck on Telegram's own timeouts runs out of it (in a burst of 2,000 presses a POST waits
about a tenth of a second)."""
RETRY_AFTER = "1"
"""The ``Retry-After`` sent with a 503, in seconds (Telegram's webhook delivery reads it)."""


def connections(settings: Settings) -> int:
    """The ``max_connections`` registered with Telegram, and how many POSTs the server takes at once: Telegram's
    default, or the number of updates handled at once if that is larger (Telegram allows at most 100)."""
    return min(max(TELEGRAM_CONNECTIONS, settings.concurrent_updates), 100)


class WebhookError(Exception):
    """Webhook mode cannot start; ``str()`` is the one line to print."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


# ---- the command line's arguments --------------------------------------------------------------------------------


def webhook_url(text: str) -> str:
    """An http(s) URL with a host, as Telegram takes it for setWebhook (whether it must be https is decided later,
    by which Bot API the bot talks to)."""
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is no number, or out of range, raises ValueError
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a webhook URL: use e.g. https://bots.example.org/datatool/telegram"
        )
    return text


def listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8443`` for an IPv6 address) -> (host, port)."""
    host, _, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT, e.g. 127.0.0.1:8443")
    return host, int(port)


def add_webhook_arguments(run: argparse.ArgumentParser) -> None:
    """``--webhook-url`` and ``--listen`` on ``datatool-bot run``."""
    run.add_argument(
        "--webhook-url",
        type=webhook_url,
        metavar="URL",
        help="webhook mode: Telegram POSTs each update to this public URL, e.g. "
        "https://bots.example.org/datatool/telegram, with the secret from DATATOOL_WEBHOOK_SECRET "
        "(required); the bot serves the same path in plain HTTP on --listen, behind a reverse proxy "
        "that terminates TLS and forwards the path unchanged",
    )
    run.add_argument(
        "--listen",
        type=listen_address,
        metavar="HOST:PORT",
        help="webhook mode: the address the bot's web server listens on (default "
        f"{DEFAULT_LISTEN[0]}:{DEFAULT_LISTEN[1]}: reachable only from this machine, i.e. from the "
        "reverse proxy)",
    )


# ---- checks before anything starts -------------------------------------------------------------------------------


def url_path(url: str) -> str:
    """The path the webhook server serves: the URL's own path, as sent (``/`` for none)."""
    return urlsplit(url).path or "/"


def shown(url: str) -> str:
    """The URL as logged: scheme, host, port and path (never a user:password@ or a query)."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def check_url(settings: Settings, url: str) -> None:
    """Telegram's own servers deliver only over HTTPS and only to ports 443, 80, 88 and 8443; a self-hosted Bot
    API server (``telegram-bot-api --local``) delivers to any port, over HTTP too, so it is not held to that."""
    if settings.telegram_base_url != TELEGRAM_API:
        return
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise WebhookError("--webhook-url must be an https:// URL: Telegram delivers updates over HTTPS only", 2)
    if (parts.port or 443) not in TELEGRAM_WEBHOOK_PORTS:
        raise WebhookError(
            f"--webhook-url must use port 443, 80, 88 or 8443, not {parts.port}: the only ports "
            "Telegram delivers to (the reverse proxy forwards to --listen)",
            2,
        )


def cannot_listen(host: str, port: int, exc: OSError) -> WebhookError:
    reason = {
        errno.EADDRINUSE: "the port is in use",
        errno.EADDRNOTAVAIL: "the address is not on this machine",
        errno.EACCES: "permission denied (ports below 1024 need privileges)",
    }.get(exc.errno or 0)
    return WebhookError(f"cannot listen on {host}:{port}: {reason or exc.strerror or exc}: check --listen", 1)


# ---- registering the webhook -------------------------------------------------------------------------------------


def _server_answered(exc: Exception) -> bool:
    """Whether a ``NetworkError`` is the Bot API answering with an error status (5xx) rather than no answer at all.
    python-telegram-bot raises both as ``NetworkError``: a transport failure (refused, reset, timed out) is raised
    from the HTTP library's exception, an error status from nothing (or from the failure to parse its body)."""
    from telegram.error import TelegramError, TimedOut

    return not isinstance(exc, TimedOut) and (exc.__cause__ is None or isinstance(exc.__cause__, TelegramError))


async def register(app: Application, url: str, secret: str, max_connections: int) -> None:
    """setWebhook, once, before the bot starts.  Telegram refusing it is one line naming the cause (the command line
    prints it): a URL it will not deliver to (400: no such host, a bad certificate, a port it does not deliver to),
    flood control that lasts (429: waited out as Telegram asks, ``DATATOOL_RATE_LIMIT_RETRIES`` times, as every
    request is — each wait logged), or a server error (5xx).  No answer at all goes on to the command line, as
    "cannot be reached"; a rejected token too."""
    from telegram.error import (
        BadRequest,
        InvalidToken,
        NetworkError,
        RetryAfter,
        TelegramError,
    )

    from bot.app import ALLOWED_UPDATES

    try:
        await app.bot.set_webhook(
            url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, max_connections=max_connections
        )
    except BadRequest as exc:
        raise WebhookError(f"Telegram refused the webhook URL ({exc.message}): check --webhook-url", 1) from None
    except RetryAfter as exc:
        wait = exc.retry_after if isinstance(exc.retry_after, int | float) else exc.retry_after.total_seconds()
        raise WebhookError(
            f"Telegram refused setWebhook with flood control (429), also after waiting as it asked: "
            f"start the bot again in {wait:.0f} s or later",
            1,
        ) from None
    except InvalidToken:
        raise
    except NetworkError as exc:
        if not _server_answered(exc):
            raise
        raise WebhookError(
            f"Telegram answered setWebhook with a server error ({exc.message}): the Bot API is having "
            "trouble; start the bot again in a few minutes",
            1,
        ) from None
    except TelegramError as exc:
        raise WebhookError(f"Telegram refused setWebhook ({exc.message})", 1) from None


# ---- the web server ----------------------------------------------------------------------------------------------


class WebhookServer:
    """Takes Telegram's POSTs on one path and answers each only once its update is handled (module docstring).

    ``listen`` binds the port; until ``open`` is called (the Application running) POSTs wait, as for a slot;
    ``close`` answers 503 to whatever comes next, lets what is being handled finish, and lets go of the port."""

    def __init__(
        self,
        app: Application,
        path: str,
        secret: str,
        *,
        connections: int = TELEGRAM_CONNECTIONS,
        slot_wait: float = SLOT_WAIT,
        max_body: int = MAX_BODY,
    ):
        from telegram.ext import BaseUpdateProcessor

        self.app = app
        self.path = path
        self._secret = secret.encode()
        self.connections = connections
        self.slot_wait = slot_wait
        self.max_body = max_body
        self._processor: BaseUpdateProcessor = app.update_processor
        self._runner: web.ServerRunner | None = None
        self._ready = asyncio.Event()
        self._closing = False
        self.taken = 0
        """POSTs past the checks and not answered yet: waiting for a slot, or being handled."""
        self._handling: dict[asyncio.Task[None], asyncio.Future[None]] = {}  # each update's task -> started
        self.port = 0

    async def listen(self, host: str, port: int) -> int:
        """Bind ``host:port`` (0: any free port) and serve; returns the port.  ``OSError`` if it cannot be bound."""
        from aiohttp import web

        server = web.Server(self._serve, access_log=None)  # no access log: nothing about a request is worth keeping
        runner = web.ServerRunner(server, shutdown_timeout=5)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        return self.port

    def open(self) -> None:
        """The Application is running: updates are handled from now on."""
        self._ready.set()

    async def close(self) -> None:
        """Stop taking updates (503 from now on, so Telegram keeps them), let those being handled finish and answer
        them, then let go of the port."""
        self._closing = True
        self._ready.set()  # wakes whatever waits for the bot to start, to be answered 503
        for task, started in list(self._handling.items()):
            if not started.done():
                task.cancel()  # still waiting for a slot: it stays with Telegram
        while self._handling:
            await asyncio.gather(*self._handling, return_exceptions=True)
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # ---- one POST

    async def _serve(self, request: web.BaseRequest) -> web.StreamResponse:
        from aiohttp import web

        try:
            return await self._answer(request)
        except Exception as exc:  # a bug here: logged by type and place, and Telegram will send the update again
            from flows.diagnostics import where

            log.error("webhook: a POST failed: %s", where(exc))
            return web.Response(status=500)

    async def _answer(self, request: web.BaseRequest) -> web.StreamResponse:
        from aiohttp import web

        if request.rel_url.raw_path == HEALTH_PATH:
            return await self._health(request)
        if request.rel_url.raw_path != self.path:
            return web.Response(status=404)
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST"})
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self._secret):
            return web.Response(status=403)
        if request.content_type != "application/json":
            return web.Response(status=415)
        if request.content_length is not None and request.content_length > self.max_body:
            refused = web.Response(status=413)
            refused.force_close()  # its size is known: none of it is read
            return refused
        if self._closing or self.taken >= self.connections:
            return self._busy()
        self.taken += 1
        try:
            body = await self._body(request)
            if body is None:
                return web.Response(status=413)  # sent in chunks, and more than max_body of them
            return await self._update(body)
        finally:
            self.taken -= 1

    async def _body(self, request: web.BaseRequest) -> bytes | None:
        """The body, or None once it is longer than ``max_body`` (the rest is left unread)."""
        body = bytearray()
        while chunk := await request.content.readany():
            body += chunk
            if len(body) > self.max_body:
                return None
        return bytes(body)

    async def _health(self, request: web.BaseRequest) -> web.Response:
        """``GET /healthz``: 200 and the health as JSON, or 503 with the same body naming what is wrong
        (``bot/health.py``); outside the webhook's path, needing no secret, and revealing nothing about anyone."""
        from aiohttp import web

        from bot.health import HEALTH_KEY, Health

        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        monitor = self.app.bot_data.get(HEALTH_KEY)
        if monitor is None:
            return web.Response(status=404)
        if self._closing:
            health = Health(False, {"status": "stopping", "mode": "webhook"})
        elif not self._ready.is_set():
            health = Health(False, {"status": "starting", "mode": "webhook"})
        else:
            health = await monitor.report()
        return web.json_response(health.body, status=200 if health.ok else 503, headers={"Cache-Control": "no-store"})

    def _busy(self) -> web.Response:
        from aiohttp import web

        return web.Response(status=503, headers={"Retry-After": RETRY_AFTER})

    async def _update(self, body: bytes) -> web.Response:
        from aiohttp import web
        from telegram import Update

        from flows.diagnostics import where

        try:
            data = json.loads(body)
        except ValueError:
            return web.Response(status=400)
        if not isinstance(data, dict):
            return web.Response(status=400)
        update_id = data.get("update_id") if isinstance(data.get("update_id"), int) else None
        try:
            update = Update.de_json(data, self.app.bot)
        except Exception as exc:  # it would fail the same way each time Telegram sent it again
            log.error("webhook: update %s could not be read, and is dropped: %s", update_id, where(exc))
            return web.Response()
        self.app.bot.insert_callback_data(update)  # as python-telegram-bot's own webhook does (no-op unless enabled)
        if not await self._handled(update):
            return self._busy()
        return web.Response()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._handling.pop(task, None)

    async def _handled(self, update: object) -> bool:
        """Handle ``update`` through the Application's update processor and return True once it is done; False,
        having never started it, if no slot came free within ``slot_wait`` (or the server is closing)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.slot_wait
        if not self._ready.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._ready.wait()
        if self._closing or not self._ready.is_set():
            return False
        started: asyncio.Future[None] = loop.create_future()

        async def handle() -> None:
            started.set_result(None)
            await self.app.process_update(update)  # a handler's failure goes to the error handler, not here

        work = handle()
        task = loop.create_task(self._processor.process_update(update, work))
        self._handling[task] = started
        task.add_done_callback(self._finished)
        if not started.done():
            await asyncio.wait(
                (started, task), timeout=max(deadline - loop.time(), 0), return_when=asyncio.FIRST_COMPLETED
            )
        if not started.done():  # still waiting for a slot, or for this person's previous update
            task.cancel()
            await asyncio.wait((task,))
            work.close()
            return False
        try:
            await asyncio.shield(task)  # not cut short if the connection goes: the update is seen through
        except Exception as exc:
            from flows.diagnostics import where

            log.error(
                "webhook: update %s failed outside its handlers: %s", getattr(update, "update_id", None), where(exc)
            )
        return True


# ---- running -----------------------------------------------------------------------------------------------------


async def serve(
    app: Application,
    settings: Settings,
    url: str,
    listen: tuple[str, int],
    stop: asyncio.Event,
    *,
    connect: bool = True,
    max_connections: int | None = None,
    slot_wait: float = SLOT_WAIT,
) -> None:
    """Webhook mode, in this event loop, until ``stop`` is set: bind ``listen``, getMe (``connect``), setWebhook,
    start the Application, take updates; then stop taking them, finish those being handled, shut everything down.
    ``max_connections``: how many POSTs at once, registered with Telegram (default :func:`connections`)."""
    from bot.app import _connect
    from bot.translations_cli import log_unreviewed_welsh

    secret = settings.require_webhook_secret()
    limit = max_connections or connections(settings)
    host, port = listen
    if url_path(url) == HEALTH_PATH:
        raise WebhookError(
            f"--webhook-url cannot end in {HEALTH_PATH}: that path is the health check; use e.g. /datatool/telegram", 2
        )
    server = WebhookServer(app, url_path(url), secret, connections=limit, slot_wait=slot_wait)
    try:
        await server.listen(host, port)
    except OSError as exc:
        raise cannot_listen(host, port, exc) from None
    if (monitor := app.bot_data.get(HEALTH_KEY)) is not None:
        monitor.serving_webhook(host, server.port)
    try:
        if connect:
            await _connect(app)
        if stop.is_set():  # Ctrl+C while connecting: nothing registered, nothing started
            return
        await register(app, url, secret, limit)
        log.info(
            "connected to %s as @%s; webhook %s, listening on %s:%d; starting datatool-bot with database %s",
            "Telegram" if settings.telegram_base_url == TELEGRAM_API else "the Bot API at a custom base URL",
            app.bot.username,
            shown(url),
            host,
            server.port,
            settings.db_path,
        )
        log_unreviewed_welsh(settings)
        if app.post_init:
            await app.post_init(app)
        await app.start()
        server.open()
        await stop.wait()
    finally:
        await server.close()
        if app.running:
            await app.stop()
        await app.shutdown()  # nothing, if it was never initialised
        if app.post_shutdown:
            await app.post_shutdown(app)


def run_webhook(settings: Settings, url: str, listen: tuple[str, int] = DEFAULT_LISTEN) -> None:
    """Run the bot in webhook mode until it is stopped (Ctrl+C, SIGTERM).  The webhook stays registered when it
    stops, so Telegram keeps the updates that arrive meanwhile and delivers them once the bot is back."""
    settings.require_webhook_secret()
    check_url(settings, url)
    from bot.app import build_application

    app = build_application(settings)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stop = asyncio.Event()
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):  # stop as python-telegram-bot's run_polling does
            loop.add_signal_handler(sig, stop.set)
        loop.run_until_complete(serve(app, settings, url, listen, stop))
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        loop.close()
        asyncio.set_event_loop(None)
