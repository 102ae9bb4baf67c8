"""Logging that never carries a bot token, an invite token, or what a respondent is or wrote.

httpx logs every request URL at INFO, and Bot API URLs contain the bot token: httpx is raised to WARNING.  What
slips through is masked twice: a filter on the handler rewrites the message of every record (so any other handler
put beside it, such as a test's capture, sees it masked too), and the handler's formatter masks its whole output —
message, exception text with its chained causes, and stack — because python-telegram-bot puts the token in the
*exception* it raises for a rejected token (``The token `123:ABC…` was rejected by the server``), which a filter
never sees.  Our own code logs invitation references and counts, never answers.

Libraries log what they were handed.  python-telegram-bot logs an update it cannot read at CRITICAL with the whole
update (``Error while parsing updates! Received data was [{… 'first_name': …, 'text': …}]``) and the raw body of a
webhook POST or of an answer that is not JSON; asyncio logs a failed task with its exception's message.
:class:`WithholdContents`, on the same handler, rewrites such records whatever their level: an update, a Telegram
object, a dict, a list or a JSON-looking string among a library record's arguments is replaced by what it is (an
update and its ``update_id``), and a library record's exception keeps its traceback (types and places) but not its
message, unless it is one whose message is about the connection rather than the data (Telegram's errors, network
and database errors).
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from enum import Enum
from pathlib import PurePath
from typing import TextIO

# A bot token: the bot's numeric id, a colon (or its URL encoding), and the secret.
BOT_TOKEN = re.compile(r"\d{3,}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
# An invite token after /start (a command or a deep link).
START_PAYLOAD = re.compile(r"(/start[ =]|start=)[A-Za-z0-9_-]{8,}")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

PROJECT_LOGGERS = ("bot", "flows", "storage", "config", "reports")
"""Our own loggers: what they log is written to be safe (references, counts, types and places).  Every other logger
is a library's, and its records pass :class:`WithholdContents`."""

WITHHELD = "not logged"
CONTENT_TEMPLATES = (
    "Webhook received data:",  # python-telegram-bot: the raw body of a webhook POST
    "Can not load invalid JSON data:",  # python-telegram-bot: the raw body of an answer that is not JSON
    "Request had the wrong secret token:",  # python-telegram-bot: the header a stranger sent
)
"""Library messages whose every argument is withheld, whatever it looks like."""
SAFE_ARGUMENTS = (int, float, bool, type(None), PurePath, date, datetime, time, timedelta, Enum, type)
SAFE_MESSAGE_MODULES = ("telegram.error", "httpx", "httpcore", "sqlite3", *PROJECT_LOGGERS)
"""Exceptions whose message is kept in a library record: Telegram's answers, the connection's and the database's
failures, and the project's own refusals — none of them quotes an update."""
SAFE_MESSAGE_TYPES = (OSError, TimeoutError)
MAX_PLAIN_ARGUMENT = 200
"""A longer string argument of a library record is withheld: log text is short; data is not."""


def redact(text: str) -> str:
    """``text`` with every bot token and /start payload masked."""
    return START_PAYLOAD.sub(r"\1[redacted]", BOT_TOKEN.sub("[bot-token]", text))


class RedactSecrets(logging.Filter):
    """Masks the message of a record (its exception is left to :class:`RedactingFormatter`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingFormatter(logging.Formatter):
    """Masks everything it writes: the message, the exception and its traceback, and the stack."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# ---- contents ----------------------------------------------------------------------------------------------------


def is_library(name: str) -> bool:
    return not any(name == own or name.startswith(own + ".") for own in PROJECT_LOGGERS)


def update_ids(value: object) -> list[int] | None:
    """The update_id(s) ``value`` carries when it is an update (a python-telegram-bot ``Update`` or the Bot API's
    dict) or a list of them; None when it is not."""
    if isinstance(value, Mapping):
        found = value.get("update_id")
        return [found] if isinstance(found, int) else None
    if isinstance(value, (list, tuple)):
        ids = [update_ids(item) for item in value]
        return [i for one in ids for i in one] if value and all(ids) else None  # type: ignore[union-attr]
    if type(value).__name__ == "Update" and type(value).__module__.startswith("telegram"):
        found = getattr(value, "update_id", None)
        return [found] if isinstance(found, int) else None
    return None


def is_telegram_object(value: object) -> bool:
    return any(cls.__name__ == "TelegramObject" for cls in type(value).__mro__)


class Summary(str):
    """What an argument was, in its place: the same under ``%s`` and ``%r``."""

    def __repr__(self) -> str:
        return str(self)


def describe(value: object, *, library: bool, withhold_text: bool = False) -> object:
    """``value`` as a log argument, or a :class:`Summary` of it when it may carry what people wrote or who they
    are."""
    ids = update_ids(value)
    if ids is not None:
        noun = "update" if len(ids) == 1 else "updates"
        return Summary(f"[{noun} {', '.join(map(str, ids))}: contents {WITHHELD}]")
    if is_telegram_object(value):
        return Summary(f"[{type(value).__name__}: contents {WITHHELD}]")
    if isinstance(value, BaseException):
        return Summary(f"[{type(value).__name__}]")
    if not library or isinstance(value, SAFE_ARGUMENTS):
        return value
    if isinstance(value, str):
        if withhold_text or len(value) > MAX_PLAIN_ARGUMENT or any(c in value for c in '{}[]"\n'):
            return Summary(f"[{len(value)} characters: {WITHHELD}]")
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(item, SAFE_ARGUMENTS) for item in value):
        return value  # e.g. the update ids python-telegram-bot fetched
    if isinstance(value, (bytes, bytearray)):
        return Summary(f"[{len(value)} bytes: {WITHHELD}]")
    return Summary(f"[{type(value).__name__}: {WITHHELD}]")


def from_module(cls: type, modules: tuple[str, ...]) -> bool:
    return any(cls.__module__ == m or cls.__module__.startswith(m + ".") for m in modules)


def private_message(exc: BaseException) -> bool:
    """True when the message of ``exc`` may quote data (an update, an answer): every exception but those about the
    connection, Telegram's answers, the database and the project's own."""
    if isinstance(exc, SAFE_MESSAGE_TYPES):
        return False
    return not any(from_module(cls, SAFE_MESSAGE_MODULES) for cls in type(exc).__mro__)


CAUSE = "The above exception was the direct cause of the following exception:"
CONTEXT = "During handling of the above exception, another exception occurred:"


def traceback_without_messages(exc: BaseException) -> str:
    """The traceback of ``exc`` and its causes, as Python prints it, with each message that may quote data left
    out: the types and places of the failure are kept."""
    chain: list[tuple[BaseException, str | None]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    link: str | None = None
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, CONTEXT
        else:
            current = None
    parts: list[str] = []
    for failure, link in reversed(chain):
        if failure.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.StackSummary.extract(traceback.walk_tb(failure.__traceback__)).format())
        name = type(failure).__qualname__
        module = type(failure).__module__
        if module not in ("builtins", "__main__"):
            name = f"{module}.{name}"
        text = f"[message {WITHHELD}]" if private_message(failure) else str(failure)
        parts.append(f"{name}: {text}\n" if text else f"{name}\n")
        if link is not None:
            parts.append(f"\n{link}\n\n")
    return "".join(parts).rstrip("\n")


class WithholdContents(logging.Filter):
    """Rewrites a record that may carry an update's contents (names, usernames, what people typed) so that only
    what it is about is left: the message's own wording, each update by its ``update_id``, and a library's
    exception by its types and places.  Applies whatever the level, and before any formatter sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "contents_withheld", False):
            return True
        library = is_library(record.name)
        record.msg = self.message(record, library)
        record.args = None
        if library and record.exc_info and record.exc_info[1] is not None:
            record.exc_text = traceback_without_messages(record.exc_info[1])
            record.exc_info = None
        elif library and record.exc_info:
            record.exc_info = None
        record.contents_withheld = True
        return True

    @staticmethod
    def message(record: logging.LogRecord, library: bool) -> str:
        template = record.msg
        if not isinstance(template, str):  # e.g. an exception logged as the message itself
            return str(describe(template, library=True))
        if library and record.name == "asyncio":  # the failed task, future or callback and its exception's repr
            template = template.split("\n", 1)[0]
            if template.startswith("Exception in callback "):
                template = "Exception in callback"
        withhold_text = library and template.startswith(CONTENT_TEMPLATES)
        args = record.args
        if not args:
            return template
        try:
            if isinstance(args, Mapping):
                if re.search(r"%\(\w+\)", template):
                    return template % {
                        key: describe(value, library=library, withhold_text=withhold_text)
                        for key, value in args.items()
                    }
                args = (args,)  # one mapping logged with a positional %s or %r
            return template % tuple(describe(value, library=library, withhold_text=withhold_text) for value in args)
        except (TypeError, ValueError, KeyError):
            return f"{template} [arguments: {WITHHELD}]"


def setup_logging(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Log to ``stream`` (default: standard error) through the masking formatter and filters."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler.addFilter(WithholdContents())
    handler.addFilter(RedactSecrets())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # At DEBUG, python-telegram-bot logs whole updates and request parameters, and aiosqlite logs SQL parameters:
    # both would carry respondents' answers. They stay at INFO whatever level the rest of the bot logs at.
    for chatty in ("telegram", "aiosqlite"):
        logging.getLogger(chatty).setLevel(max(level, logging.INFO))
