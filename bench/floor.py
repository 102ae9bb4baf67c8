"""The floor bot: the least work any Telegram questionnaire bot must do, to measure datatool-bot against.

Per button press it only edits the pressed message to the next question and answers the callback — in that order,
as datatool-bot does — with no storage, no rendering and no checks: the screens are read once at start-up from
``FLOOR_SCREENS``, a JSON list of tracks (one per role), each the list of screens datatool-bot shows from the first
question to the thanks after submitting (HTML text and button labels), so both bots send the same bytes and parse the
same replies.  It uses python-telegram-bot as any minimal bot would: the same HTTP stack and number of updates
handled at once as datatool-bot, and python-telegram-bot's usual calls (updates fetched as soon as a batch arrives,
the edit through ``CallbackQuery.edit_message_text``), so the difference between the two is what datatool-bot does on
top, its database, its rules and its screens, less what it saves on those two calls.

For the reminder fan-out, ``/fanout`` from anyone sends one message to every chat listed in ``FLOOR_CHATS`` (a file
of chat ids), one after another through python-telegram-bot's own ``AIORateLimiter`` at 30 messages a second: the
least a bot must do to keep under Telegram's limit.

In webhook mode (``FLOOR_WEBHOOK_URL``) it takes updates as python-telegram-bot's ``run_webhook`` does, the way a
minimal bot would: its own web server (tornado) answers each POST 200 at once and queues the update in memory.

Run by ``bench`` as ``python -m bench.floor`` with ``FLOOR_TOKEN``, ``FLOOR_BASE_URL``, ``FLOOR_SCREENS`` and
optionally ``FLOOR_CHATS``, ``FLOOR_RATE_LIMIT`` (1: use the rate limiter),
``FLOOR_CONCURRENCY`` (updates handled at once; 1, python-telegram-bot's default, handles them one by one) and
``FLOOR_WEBHOOK_URL`` with ``FLOOR_WEBHOOK_SECRET`` (webhook mode, listening on the URL's host, port and path).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, ContextTypes

PREFIX = "f"
END = "fx"


def keyboard(track: int, step: int, labels: list[list[str]], prefix: str = PREFIX) -> list[list[tuple[str, str]]]:
    """Screen ``step`` of ``track``'s buttons as ``(label, callback data)`` rows, the data ``f:<track>:<step>:<n>``.
    The last screen of a track (the thanks, whose buttons ask about the results) carries ``END`` instead: shown with
    the same bytes, never pressed by the benchmark's respondents, as on datatool-bot."""
    rows, n = [], 0
    for row in labels:
        rows.append([(label, f"{prefix}:{track}:{step}:{(n := n + 1)}") for label in row])
    return rows


def markup(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def build(
    token: str, base_url: str, tracks: list[list[dict]], chats: list[int], rate_limit: bool, concurrency: int
) -> Application:
    screens = [
        [
            (q["text"], markup(keyboard(t, s, q["labels"], END if s == len(track) - 1 else PREFIX)))
            for s, q in enumerate(track)
        ]
        for t, track in enumerate(tracks)
    ]

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        kind, track, step, _ = query.data.split(":")
        if kind == END:  # a button of the thanks: nothing follows it
            await query.answer()
            return
        text, buttons = screens[int(track)][int(step) + 1]
        await query.edit_message_text(text, reply_markup=buttons, parse_mode=ParseMode.HTML)
        await query.answer()

    async def on_fanout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        for chat_id in chats:
            await context.bot.send_message(chat_id, "A reminder: the data tool closes soon.")

    builder = Application.builder().token(token).base_url(base_url).concurrent_updates(concurrency)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=30, max_retries=10))
    app = builder.build()
    app.add_handler(CallbackQueryHandler(on_press))
    app.add_handler(CommandHandler("fanout", on_fanout))
    return app


def main() -> None:
    chats_file = os.environ.get("FLOOR_CHATS")
    chats = [int(line) for line in Path(chats_file).read_text().split()] if chats_file else []
    tracks = json.loads(Path(os.environ["FLOOR_SCREENS"]).read_text(encoding="utf-8"))
    app = build(
        os.environ["FLOOR_TOKEN"],
        os.environ["FLOOR_BASE_URL"],
        tracks,
        chats,
        os.environ.get("FLOOR_RATE_LIMIT") == "1",
        int(os.environ.get("FLOOR_CONCURRENCY", "1")),
    )
    allowed = [Update.MESSAGE, Update.CALLBACK_QUERY]
    webhook = os.environ.get("FLOOR_WEBHOOK_URL")
    if webhook:
        where = urlsplit(webhook)
        app.run_webhook(
            listen=where.hostname or "127.0.0.1",
            port=where.port or 80,
            url_path=where.path,
            webhook_url=webhook,
            secret_token=os.environ["FLOOR_WEBHOOK_SECRET"],
            allowed_updates=allowed,
        )
    else:
        app.run_polling(allowed_updates=allowed, poll_interval=0, timeout=10)


if __name__ == "__main__":
    main()
