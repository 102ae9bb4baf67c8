"""Webhook mode: Telegram POSTs each update to the bot's URL instead of the bot asking for updates (long polling).

``datatool-bot run --webhook-url URL [--listen HOST:PORT]`` runs python-telegram-bot's own webhook server (tornado)
on ``HOST:PORT`` in plain HTTP: TLS is the job of a reverse proxy in front of it (or of a self-hosted Bot API server
on the same machine, which may deliver over plain HTTP).  The server registers the webhook with ``setWebhook``,
``secret_token`` being ``DATATOOL_WEBHOOK_SECRET``, and answers 403 to, and ignores, any POST without that secret in
its ``X-Telegram-Bot-Api-Secret-Token`` header.

**The path.**  The server accepts POSTs on the path of ``URL`` itself, and on no other: for
``https://bots.example.org/datatool/telegram`` it serves ``http://HOST:PORT/datatool/telegram``.  So the reverse proxy
forwards the path unchanged (nginx ``proxy_pass http://127.0.0.1:8443;`` with no path after the address, Caddy's
``reverse_proxy``), one proxy can put several bots under one host name, and a request that reaches the port by
another path gets 404.

Everything else is as in :func:`bot.app.run_polling`: the same application, getMe first so that a rejected token or
an unreachable Bot API is one line, the same update types.  The command line imports this module for its argument
types, so python-telegram-bot and the bot itself are imported only when webhook mode runs.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import re
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from config.settings import TELEGRAM_API, Settings

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger(__name__)

DEFAULT_LISTEN = ("127.0.0.1", 8443)
"""Loopback only: the reverse proxy on the same machine reaches it, nothing else does."""
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)
"""The only ports Telegram's own servers deliver to (``telegram.constants.SUPPORTED_WEBHOOK_PORTS``), over HTTPS."""


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
        raise argparse.ArgumentTypeError(f"{text!r} is not a webhook URL: use e.g. "
                                         "https://bots.example.org/datatool/telegram")
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
    run.add_argument("--webhook-url", type=webhook_url, metavar="URL",
                     help="webhook mode: Telegram POSTs each update to this public URL, e.g. "
                     "https://bots.example.org/datatool/telegram, with the secret from DATATOOL_WEBHOOK_SECRET "
                     "(required); the bot serves the same path in plain HTTP on --listen, behind a reverse proxy "
                     "that terminates TLS and forwards the path unchanged")
    run.add_argument("--listen", type=listen_address, metavar="HOST:PORT",
                     help="webhook mode: the address the bot's web server listens on (default "
                     f"{DEFAULT_LISTEN[0]}:{DEFAULT_LISTEN[1]}: reachable only from this machine, i.e. from the "
                     "reverse proxy)")


# ---- checks before anything starts --------------------------------------------------------------------------------


def url_path(url: str) -> str:
    """The path the webhook server serves: the URL's own path (``/`` for none), escaped for tornado's routing,
    which reads it as a regular expression."""
    return re.escape(urlsplit(url).path or "/")


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
        raise WebhookError(f"--webhook-url must use port 443, 80, 88 or 8443, not {parts.port}: the only ports "
                           "Telegram delivers to (the reverse proxy forwards to --listen)", 2)


def check_listen(host: str, port: int) -> None:
    """Bind ``host:port`` and let go, so that a port in use or an address not on this machine stops start-up in
    one line before anything is registered with Telegram."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado binds it
            sock.bind(address)
    except OSError as exc:
        raise cannot_listen(host, port, exc) from None


def cannot_listen(host: str, port: int, exc: OSError) -> WebhookError:
    reason = {errno.EADDRINUSE: "the port is in use", errno.EADDRNOTAVAIL: "the address is not on this machine",
              errno.EACCES: "permission denied (ports below 1024 need privileges)"}.get(exc.errno or 0)
    return WebhookError(f"cannot listen on {host}:{port}: {reason or exc.strerror or exc}: check --listen", 1)


# ---- running -------------------------------------------------------------------------------------------------------


async def register(app: Application, url: str, secret: str) -> None:
    """setWebhook, once before anything starts, so that Telegram refusing the URL (no such host, a bad
    certificate, a port it does not deliver to) is one line rather than python-telegram-bot's traceback.
    ``run_webhook`` sets the same webhook again as it starts; doing it twice changes nothing."""
    from telegram.error import BadRequest

    from bot.app import ALLOWED_UPDATES

    try:
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    except BadRequest as exc:
        raise WebhookError(f"Telegram refused the webhook URL ({exc.message}): check --webhook-url", 1) from None


def run_webhook(settings: Settings, url: str, listen: tuple[str, int] = DEFAULT_LISTEN) -> None:
    """Run the bot in webhook mode until it is stopped (Ctrl+C, SIGTERM).  The webhook stays registered when it
    stops, so Telegram keeps the updates that arrive meanwhile and delivers them once the bot is back."""
    secret = settings.require_webhook_secret()
    check_url(settings, url)
    host, port = listen
    check_listen(host, port)
    from bot.app import ALLOWED_UPDATES, _connect, build_application

    app = build_application(settings)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_connect(app))
        try:
            loop.run_until_complete(register(app, url, secret))
        except BaseException:
            loop.run_until_complete(app.shutdown())
            raise
    except BaseException:
        loop.close()
        asyncio.set_event_loop(None)
        raise
    log.info("connected to %s as @%s; webhook %s, listening on %s:%d; starting datatool-bot with database %s",
             "Telegram" if settings.telegram_base_url == TELEGRAM_API else "the Bot API at a custom base URL",
             app.bot.username, shown(url), host, port, settings.db_path)
    try:
        app.run_webhook(listen=host, port=port, url_path=url_path(url), webhook_url=url, secret_token=secret,
                        allowed_updates=ALLOWED_UPDATES)
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
            raise
        raise cannot_listen(host, port, exc) from None  # taken between the check and now
