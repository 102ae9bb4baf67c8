"""Building the python-telegram-bot Application and running it (long polling, or in-process for tests/demo)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import handlers, jobs_lifecycle
from bot.constants import (
    AUDITOR_LANGUAGE_MENU,
    COMPLETION_JOB,
    COMPLETION_TICK_SECONDS,
    DIGEST_JOB,
    FORGET_UPDATES_JOB,
    FORGET_UPDATES_SECONDS,
    LANGUAGE,
    REMINDER_JOB,
    REMINDER_TICK_SECONDS,
    RESPONDENT_COMMANDS,
    SERVICES_KEY,
    START,
)
from bot.health import HealthMonitor
from bot.messenger import TelegramMessenger
from bot.ordering import PerPersonUpdates, PollWhenRoom
from bot.pacing import MessagePacer
from bot.services import Services
from bot.tolerant import TolerantBuilder
from bot.translations_cli import log_unreviewed_welsh
from config.settings import TELEGRAM_API, Settings
from flows import callbacks
from flows.callbacks import Action
from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]


def file_url(base_url: str) -> str:
    """``http://host/bot`` -> ``http://host/file/bot`` (where Telegram serves files)."""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


def build_application(settings: Settings, services: Services | None = None) -> Application:
    services = services or Services(settings)
    monitor = HealthMonitor(settings, services.clock)  # /healthz, the status file, `datatool-bot status`

    async def post_init(app: Application) -> None:
        async def closed_by_auditor(campaign: object) -> None:
            app.job_queue.run_once(handlers.post_completions, 0)  # post the summary now, not at the next tick

        await services.open(TelegramMessenger(app.bot), on_close=closed_by_auditor)
        await register_commands(app, services)
        assert app.job_queue is not None
        app.job_queue.run_daily(
            handlers.send_digest, time=settings.digest_time.replace(tzinfo=settings.zone), name=DIGEST_JOB
        )
        app.job_queue.run_repeating(handlers.send_reminders, interval=REMINDER_TICK_SECONDS, first=1, name=REMINDER_JOB)
        app.job_queue.run_repeating(
            handlers.post_completions, interval=COMPLETION_TICK_SECONDS, first=2, name=COMPLETION_JOB
        )
        app.job_queue.run_repeating(
            handlers.forget_updates, interval=FORGET_UPDATES_SECONDS, first=60, name=FORGET_UPDATES_JOB
        )
        jobs_lifecycle.register(app)  # retention and the nightly backup (issue 23, items 1 and 4)
        await monitor.start(app)  # after the jobs: it follows them
        # Everything loaded so far (questionnaires, catalogue, libraries) lives as long as the bot: kept out of the
        # garbage collector's passes, which then cost in proportion to what each update allocates, not to the heap.
        gc.freeze()

    async def post_shutdown(app: Application) -> None:
        await monitor.stop()
        await services.close()

    queue: asyncio.Queue[object] = asyncio.Queue()
    updates = PerPersonUpdates(settings.concurrent_updates, queued=queue.qsize)
    app = (
        TolerantBuilder()
        .token(settings.require_token())
        .base_url(settings.telegram_base_url)
        .base_file_url(file_url(settings.telegram_base_url))
        .read_timeout(settings.telegram_timeout)
        .write_timeout(settings.telegram_timeout)
        .rate_limiter(MessagePacer(settings.rate_limit_per_second, max_retries=settings.rate_limit_retries))
        .update_queue(queue)
        .concurrent_updates(updates)
        .get_updates_request(PollWhenRoom(updates.room, connection_pool_size=1))  # python-telegram-bot's defaults
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data[SERVICES_KEY] = services
    private = filters.ChatType.PRIVATE
    message = private & filters.UpdateType.MESSAGE
    app.add_handler(CommandHandler(START, handlers.on_start, filters=message))
    app.add_handler(MessageHandler(message & filters.COMMAND, handlers.on_command))
    # Auditors' buttons: confirmations, and a chat's language (lang:<code> carrying no invitation; a respondent's
    # language buttons carry theirs, ~<invitation>, and go to the respondent service).
    sep, owner = callbacks.SEPARATOR, callbacks.OWNER_MARK
    auditor_buttons = (
        rf"^({Action.CONFIRM.value}|{Action.CANCEL.value})({sep}|$)"
        rf"|^{Action.LANGUAGE.value}{sep}[^{owner}]*$"
    )
    app.add_handler(CallbackQueryHandler(handlers.on_auditor_button, pattern=auditor_buttons))
    # The auditors' group chat takes one command, /language, for its own language.
    app.add_handler(
        CommandHandler(
            LANGUAGE, handlers.on_group_language, filters=filters.ChatType.GROUPS & filters.UpdateType.MESSAGE
        )
    )
    app.add_handler(CallbackQueryHandler(handlers.on_button))
    app.add_handler(MessageHandler(message & filters.TEXT & ~filters.COMMAND, handlers.on_text))
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, handlers.on_edited_message))
    app.add_handler(MessageHandler(message, handlers.on_other_message))
    app.add_error_handler(handlers.on_error)
    monitor.install(app)
    return app


async def register_commands(app: Application, services: Services) -> None:
    """The command menu and the bot's description, in English (the default) and in Cymraeg; auditors also get
    their own commands in their private chats, in each chat's language, and the auditors' group chat gets /language
    (best effort: only chats that exist can be scoped)."""
    cat = services.catalogue
    respondent = {
        lang: [BotCommand(c.value, cat.raw(f"cmd_{c.value}", lang)) for c in RESPONDENT_COMMANDS] for lang in LANGUAGES
    }
    for language in LANGUAGES:
        code = None if language == DEFAULT_LANGUAGE else language
        await app.bot.set_my_commands(respondent[language], language_code=code)
        await app.bot.set_my_description(cat.raw("bot_description", language), language_code=code)
        await app.bot.set_my_short_description(cat.raw("bot_short_description", language), language_code=code)
    for user_id in await services.auditors.ids():
        await handlers.set_auditor_menu(app.bot, cat, user_id, await services.auditors.language(user_id))
    if (group := services.auditors.group_chat) is not None:
        language = await services.auditors.language(group)
        try:
            await app.bot.set_my_commands(
                [BotCommand(LANGUAGE, cat.raw(AUDITOR_LANGUAGE_MENU, language))], scope=BotCommandScopeChat(group)
            )
        except TelegramError:
            pass  # the bot is not in that group yet


@contextlib.asynccontextmanager
async def running(app: Application, *, poll_timeout: float = 10) -> AsyncIterator[Application]:
    """Run the application inside an existing event loop, with the same lifecycle as ``run_polling``."""
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    try:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES)
        await app.start()
        try:
            yield app
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


class _HoldBack(logging.Filter):
    """Holds back python-telegram-bot's own records (e.g. "Can not load invalid JSON data" with a traceback, when the
    base URL is a web server but no Bot API): if connecting fails, the caller's one line replaces them."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "telegram" or record.name.startswith("telegram."):
            self.held.append(record)
            return False
        return True


async def _connect(app: Application) -> None:
    """``initialize``: the HTTP clients and getMe, which checks the token; on failure, close what it opened."""
    outputs = logging.getLogger().handlers[:]
    hold = _HoldBack()
    for handler in outputs:
        handler.addFilter(hold)
    try:
        await app.initialize()
    except BaseException:
        await app.bot.shutdown()
        raise
    finally:
        for handler in outputs:
            handler.removeFilter(hold)
    for record in hold.held:  # connected after all: what PTB said on the way is worth reading
        logging.getLogger(record.name).handle(record)


def run_polling(settings: Settings) -> None:
    """Run the bot until it is stopped (Ctrl+C, SIGTERM).

    The first step, getMe, is taken here rather than inside python-telegram-bot's ``run_polling``: there a rejected
    token (``telegram.error.InvalidToken``) or an unreachable server (``telegram.error.NetworkError``) is logged with
    a full traceback before it is raised.  Here it is simply raised, with nothing started yet, for the caller to
    explain in one line; ``run_polling`` then finds the application initialised and goes on in the same event loop.
    """
    app = build_application(settings)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_connect(app))
    except BaseException:
        loop.close()
        asyncio.set_event_loop(None)
        raise
    log.info(
        "connected to %s as @%s; starting datatool-bot with database %s",
        "Telegram" if settings.telegram_base_url == TELEGRAM_API else "the Bot API at a custom base URL",
        app.bot.username,
        settings.db_path,
    )
    log_unreviewed_welsh(settings)
    app.run_polling(allowed_updates=ALLOWED_UPDATES)
