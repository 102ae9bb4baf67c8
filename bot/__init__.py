"""The Telegram adapter of datatool-bot."""

import os

# Opt in to python-telegram-bot's forthcoming behaviour (durations as datetime.timedelta): the bot reads
# RetryAfter waits as timedeltas either way, and this keeps PTB 22's deprecation warnings out of the logs.
os.environ.setdefault("PTB_TIMEDELTA", "true")
