"""Logging that never carries a bot token, an invite token or answer text.

httpx logs every request URL at INFO, and Bot API URLs contain the bot token: httpx is raised to WARNING, and a
filter on every handler masks anything shaped like a bot token or an invite payload that slips through.  Our own
code logs invitation references and counts, never answers.
"""

from __future__ import annotations

import logging
import re

BOT_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}")
START_PAYLOAD = re.compile(r"(/start[ =]|start=)[A-Za-z0-9_-]{8,}")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = START_PAYLOAD.sub(r"\1[redacted]", BOT_TOKEN.sub("[bot-token]", message))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
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
