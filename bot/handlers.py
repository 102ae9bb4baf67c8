"""Telegram handlers: each turns an Update into a call of one interactor (``flows.respondents``,
``flows.fieldwork``) and sends the Reply.  No rules live here."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, Chat, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot.constants import (
    AUDITOR_COMMANDS,
    AUDITOR_LANGUAGE_MENU,
    AUDITOR_MENU,
    HELP,
    LANGUAGE,
    RESPONDENT_COMMANDS,
    SERVICES_KEY,
)
from bot.messenger import TelegramMessenger
from bot.services import Services
from flows import callbacks
from flows.callbacks import Action
from flows.delivery import Delivery, Outcome
from flows.diagnostics import where
from flows.i18n import LANGUAGES, Catalogue
from flows.render import Screen
from flows.replies import Reply, Who

log = logging.getLogger(__name__)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[SERVICES_KEY]


def who(update: Update) -> Who:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return Who(user_id=user.id, chat_id=chat.id, language_code=user.language_code, update_id=update.update_id)


async def send(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    """Edit the pressed message, send new ones, then always answer the button press (which stops its spinner).

    Telegram's failures are classified once (``bot/messenger.py``).  An edit that certainly did not happen (message
    too old or deleted, a 5xx, flood control that outlasted the rate limiter) is sent as a new message instead, so
    nobody is left without the next screen; a new message that certainly did not arrive is tried again shortly.  A
    request that timed out may have been carried out, so it is never repeated: the toast then says how to get the
    screen back (/resume).  A blocked chat or a refused message goes to the error handler.
    """
    query = update.callback_query
    chat = update.effective_chat
    assert chat is not None
    messenger = services(context).messenger
    assert messenger is not None
    screens = list(reply.send)
    delivered = True
    try:
        if reply.edit is not None and query is not None and query.message is not None:
            delivery = await messenger.edit(query, reply.edit)
            if delivery.outcome is Outcome.UNKNOWN:
                delivered = False  # perhaps edited: never shown twice
            elif delivery.outcome is not Outcome.SENT:
                _raise_if_refused(delivery, "edit")
                screens.insert(0, reply.edit)
        elif reply.edit is not None:
            screens.insert(0, reply.edit)
        for screen in screens:
            if not await _send_screen(messenger, chat.id, screen):
                delivered = False
                break
    finally:
        if query is not None:
            toast = reply.toast if delivered else (reply.if_lost or reply.toast)
            try:
                await query.answer(toast)
            except TelegramError as exc:  # too old to answer, or Telegram failing: the screens went out regardless
                log.info("button press not answered: %s", type(exc).__name__)


SEND_RETRIES = (0.25, 1.0)  # waits before sending again a screen that certainly did not arrive (5xx, no connection)


async def _send_screen(messenger: TelegramMessenger, chat_id: int, screen: Screen) -> bool:
    """Send one screen; False when it did not, or may not have, arrived."""
    for wait in (*SEND_RETRIES, None):
        delivery = await messenger.send(chat_id, screen)
        if delivery.outcome is Outcome.SENT:
            return True
        _raise_if_refused(delivery, "send")
        if delivery.outcome is not Outcome.RETRY or delivery.flood or wait is None:
            log.warning("screen not sent: %s (%s)", delivery.outcome.value, delivery.error)
            return False
        await asyncio.sleep(wait)
    return False


def _raise_if_refused(delivery: Delivery, what: str) -> None:
    """A blocked chat ends the update quietly; a message Telegram refuses (400) is a defect worth the apology."""
    if delivery.outcome is Outcome.UNREACHABLE:
        raise Forbidden(f"{what}: chat unreachable")
    if delivery.outcome is Outcome.FAILED and what == "send":
        raise BadRequest(f"{what} refused: {delivery.error}")
    if delivery.outcome is Outcome.FAILED:
        log.info("edit refused (%s): sending the screen as a new message", delivery.error)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A deep link binds or resumes an invitation; a bare /start from an auditor shows the auditor commands."""
    payload = context.args[0] if context.args else None
    svc, person = services(context), who(update)
    if payload is None and await svc.auditors.is_auditor(person.user_id):
        reply = await svc.fieldwork.help(person)
    else:
        reply = await svc.respondents.start(person, payload)
    await send(update, context, reply)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    reply = await services(context).respondents.press(who(update), update.callback_query.data)
    await send(update, context, reply)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    reply = await services(context).respondents.answer(who(update), update.effective_message.text)
    await send(update, context, reply)


async def on_other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, await services(context).respondents.unsupported(who(update)))


async def on_edited_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await send(update, context, await services(context).respondents.edited(who(update)))


async def on_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Auditor commands (and /help, /language) for auditors; everything else (including auditor commands from anyone
    else) goes to the respondents' commands, which answer an unknown command the same way whoever sends it."""
    assert update.effective_message is not None and update.effective_message.text is not None
    name, *args = update.effective_message.text.split()
    name = name.lstrip("/").split("@")[0].lower()
    svc, person = services(context), who(update)
    auditor = await svc.auditors.is_auditor(person.user_id)
    if auditor and name in AUDITOR_COMMANDS:
        reply = await svc.fieldwork.command(person, name, args)
    elif auditor and name == HELP:
        reply = await svc.fieldwork.help(person)
    elif auditor and name == LANGUAGE:
        reply = await svc.fieldwork.chat_language.choose(person, args)
    else:
        reply = await svc.respondents.command(person, name)
    await send(update, context, reply)
    if auditor and name == LANGUAGE and args:
        await refresh_menu(context, svc, person)


async def on_group_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language in a group chat: the auditors' group chat's own language (flows/chat_language.py decides who may)."""
    svc = services(context)
    await send(update, context, await svc.fieldwork.chat_language.choose(who(update), list(context.args or [])))


async def on_auditor_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Auditors' buttons (confirmations, the chat's language), and any of them pressed in a group chat; from anyone
    else in a private chat they are just stale buttons, answered in their language."""
    assert update.callback_query is not None
    svc, person, data = services(context), who(update), update.callback_query.data
    private = update.effective_chat is not None and update.effective_chat.type == Chat.PRIVATE
    auditor = await svc.auditors.is_auditor(person.user_id)
    if auditor or not private:
        reply = await svc.fieldwork.press(person, data)
    else:
        reply = await svc.respondents.press(person, data)
    await send(update, context, reply)
    cb = callbacks.decode(data)
    if auditor and private and cb is not None and cb.action is Action.LANGUAGE:
        await refresh_menu(context, svc, person)


def auditor_menu(cat: Catalogue, language: str) -> list[BotCommand]:
    """An auditor's command menu in ``language``: the respondent commands (/language described for auditors), then
    the auditor commands."""
    respondent = [
        BotCommand(c.value, cat.raw(AUDITOR_LANGUAGE_MENU if c.value == LANGUAGE else f"cmd_{c.value}", language))
        for c in RESPONDENT_COMMANDS
    ]
    return respondent + [BotCommand(c.value, cat.raw(AUDITOR_MENU[c], language)) for c in AUDITOR_COMMANDS]


async def set_auditor_menu(bot: Bot, cat: Catalogue, chat_id: int, language: str) -> None:
    """Best effort: only a chat that exists can be given a menu; plain commands work without one."""
    try:
        await bot.set_my_commands(auditor_menu(cat, language), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.info("auditor menu not set: %s", type(exc).__name__)


async def refresh_menu(context: ContextTypes.DEFAULT_TYPE, svc: Services, person: Who) -> None:
    """After an auditor chose their chat's language, the command menu follows it."""
    await set_auditor_menu(
        context.bot, svc.catalogue, person.chat_id, await svc.fieldwork.chat_language.language(person)
    )


async def send_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily digest job: claimed in the database first, so a restart never sends it twice."""
    svc = services(context)
    await broadcast(svc, await svc.fieldwork.digest())


async def send_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The reminder tick: queue what is due from the database, then send it (flows/reminders.py)."""
    report = await services(context).reminders.tick()
    if report.sent or report.unreachable or report.failed or report.unknown:
        log.info(
            "reminders: %d sent, %d unreachable, %d failed, %d in doubt",
            report.sent,
            report.unreachable,
            report.failed,
            report.unknown,
        )


async def post_completions(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The completion tick: close campaigns that have completed and post each one's summary, charts and documents
    to the auditors, every item to every recipient at most once (flows/completion.py)."""
    svc = services(context)
    report = await svc.posting.tick(await recipients(svc))
    if report.sent or report.retrying or report.unknown or report.given_up:
        log.info(
            "summary items: %d sent, %d to retry, %d in doubt, %d given up",
            report.sent,
            report.retrying,
            report.unknown,
            report.given_up,
        )


async def forget_updates(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hourly: forget the ids of updates Telegram no longer delivers again (flows/once.py)."""
    forgotten = await services(context).respondents.forget_updates()
    if forgotten:
        log.info("%d handled update id(s) forgotten", forgotten)


async def recipients(svc: Services) -> list[int]:
    return await svc.auditors.recipients()


async def broadcast(svc: Services, screens: list[tuple[int, Screen]]) -> None:
    """Each recipient its screen: the auditors' chat if configured, else each auditor who has started the bot, each
    in that chat's language.  Telegram's failures are classified like every other send (bot/messenger.py); a digest
    in doubt is not sent again."""
    assert svc.messenger is not None
    for chat_id, screen in screens:
        delivery = await svc.messenger.send(chat_id, screen)
        if delivery.outcome is not Outcome.SENT:
            log.warning("digest not delivered to an auditor chat: %s (%s)", delivery.outcome.value, delivery.error)


def apology(cat: Catalogue) -> str:
    """The error handler's apology, in both languages at once: the failure may have come before anyone's language
    was known (texts in ``flows/messages.yaml``)."""
    return "\n".join(cat.t("apology", language) for language in LANGUAGES)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure by type and place only — never its message or a traceback, which may hold answers or
    secrets — then answer the button press and tell the person their answers are safe."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, Forbidden):
        log.warning("update %s: chat unreachable (%s)", update_id, type(error).__name__)
        return
    log.error("update %s failed: %s", update_id, where(error) if error is not None else "unknown error")
    if not isinstance(update, Update):
        return
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    if update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, apology(services(context).catalogue))
        except TelegramError as exc:  # best effort; the original error is already logged
            log.warning("could not tell chat about the failure: %s", type(exc).__name__)
