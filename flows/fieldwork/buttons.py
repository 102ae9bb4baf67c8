"""A press of an auditor's button: a confirmation (close, a reminder round), its cancel, or the chat's language
(``lang:<code>`` with no invitation).  In the auditors' group chat anyone may press; only auditors' presses act, and
a button for another council's campaign reads as a campaign that no longer exists."""

from __future__ import annotations

from flows import callbacks
from flows.auditors import Auditors
from flows.callbacks import Action
from flows.chat_language import ChatLanguageService, is_group
from flows.fieldwork.close import Close
from flows.fieldwork.names import CLOSE, REMIND
from flows.fieldwork.remind import Remind
from flows.fieldwork.wording import Wording
from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES
from flows.render import Screen
from flows.replies import Reply, Who


class AuditorPress:
    def __init__(self, auditors: Auditors, chat: ChatLanguageService, words: Wording, *, close: Close, remind: Remind):
        self.auditors = auditors
        self.chat = chat
        self.words = words
        self.close = close
        self.remind = remind

    async def __call__(self, who: Who, payload: str | None) -> Reply:
        words = self.words
        if not await self.auditors.is_auditor(who.user_id):
            if is_group(who):  # say why nothing happens
                return Reply(toast=words.t("auditor_only", await self.chat.language(who)))
            raise PermissionError("auditor buttons are for auditors")  # the adapter routes these elsewhere
        language = await self.chat.language(who)
        cb = callbacks.decode(payload)
        if cb is not None and cb.action is Action.LANGUAGE and cb.owner is None and cb.arg(0) in LANGUAGES:
            return await self.chat.chosen(who, cb.arg(0) or DEFAULT_LANGUAGE)
        if cb is not None and cb.action is Action.CANCEL:
            return Reply(edit=Screen(words.t("auditor_cancelled", language)))
        if cb is not None and cb.action is Action.CONFIRM and cb.arg(0) == REMIND and cb.arg(1):
            return await self.remind.pressed(who.user_id, cb.arg(1) or "", language)
        if cb is None or cb.action is not Action.CONFIRM or cb.arg(0) != CLOSE or not (cb.arg(1) or "").isdigit():
            return Reply(toast=words.t("auditor_stale_button", language))
        return await self.close.pressed(who.user_id, int(cb.arg(1) or 0), language)
