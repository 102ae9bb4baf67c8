"""Logging that never carries a bot token, an invite token or answer text.

httpx logs every request URL at INFO, and Bot API URLs contain the bot token: httpx is raised to WARNING.  What
slips through is masked twice: a filter on the handler rewrites the message of every record (so any other handler
put beside it, such as a test's capture, sees it masked too), and the handler's formatter masks its whole output —
message, exception text with its chained causes, and stack — because python-telegram-bot puts the token in the
*exception* it raises for a rejected token (``The token `123:ABC…` was rejected by the server``), which a filter
never sees.  Our own code logs invitation references and counts, never answers.
"""

from __future__ import annotations

import logging
import re
from typing import TextIO

# A bot token: the bot's numeric id, a colon (or its URL encoding), and the secret.
BOT_TOKEN = re.compile(r"\d{3,}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
# An invite token after /start (a command or a deep link).
START_PAYLOAD = re.compile(r"(/start[ =]|start=)[A-Za-z0-9_-]{8,}")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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


def setup_logging(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Log to ``stream`` (default: standard error) through the masking formatter and filter."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter(FORMAT))
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
