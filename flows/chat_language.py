"""The language of auditor texts in a chat, and /language for auditors.

An auditor's private chat and the auditors' group chat (``DATATOOL_AUDITOR_CHAT_ID``) each have a language for
everything the bot tells auditors there: command replies, /rates, the daily digest, the final report's summary and
charts, and the notice of an item that may be missing.  It is the one chosen there with /language (stored by chat,
``flows.ports.auditors.ChatLanguages``); until then an auditor's private chat follows their Telegram language when it is Welsh
(``flows.auditors.Auditors.language``) and the group chat is in English.  Only auditors change it, and only in their
own private chat or in the auditors' group chat: in any other group the bot says nothing.

An auditor who is also answering the data tool keeps two languages in the same private chat, apart: /language sets
the auditor one, and while their questionnaire is in progress its screen has a second row of buttons, the respondent
flow's own (they carry the invitation, ``flows.callbacks``), for the language of their questions.  Choosing one never
changes the other, and no respondent's language changes with an auditor's choice.
"""

from __future__ import annotations

from flows import callbacks
from flows.auditors import Auditors
from flows.callbacks import Action
from flows.i18n import ENGLISH, LANGUAGES, WELSH, Catalogue
from flows.ports.auditors import Questionnaires
from flows.ports.respondents import Invitation
from flows.render import Button, Screen
from flows.replies import Reply, Who
from flows.respondents.screens import LANGUAGE_NAMES

LANGUAGE_ARGS = {
    ENGLISH: ENGLISH,
    "english": ENGLISH,
    "saesneg": ENGLISH,
    WELSH: WELSH,
    "cymraeg": WELSH,
    "welsh": WELSH,
}
"""What /language takes as an argument: the code, or the language's name in either language."""


def is_group(who: Who) -> bool:
    """A private chat's id is its user's id (as in Telegram); any other chat is a group."""
    return who.chat_id != who.user_id


class ChatLanguageService:
    def __init__(self, auditors: Auditors, cat: Catalogue, questionnaires: Questionnaires | None = None):
        self.auditors = auditors
        self.cat = cat
        self.questionnaires = questionnaires

    async def language(self, who: Who) -> str:
        """The language of auditor texts in the chat ``who`` writes from; only in a private chat does the auditor's
        own Telegram language count as the default."""
        return await self.auditors.language(who.chat_id, None if is_group(who) else who.language_code)

    async def choose(self, who: Who, args: list[str]) -> Reply:
        """/language: with an argument (``/language cy``) set at once, else the buttons.  (In a private chat the
        adapter sends a non-auditor's /language to the respondent service.)"""
        if is_group(who) and who.chat_id != self.auditors.group_chat:
            return Reply()  # a group the bot was added to by mistake: not the auditors' chat
        if not await self.auditors.is_auditor(who.user_id):
            if is_group(who):
                return _say(self.cat.t("auditor_only", await self.language(who)))
            raise PermissionError("/language for auditors is for auditors")
        current = await self.language(who)
        if args:
            chosen = LANGUAGE_ARGS.get(args[0].casefold())
            if chosen is None:
                return _say(self.cat.t("auditor_language_unknown", current))
            await self.auditors.set_language(who.chat_id, chosen)
            return _say(self.cat.t("auditor_language_set", chosen))
        return Reply(send=(await self._screen(who, current),))

    async def chosen(self, who: Who, language: str) -> Reply:
        """A press of one of the auditor buttons (``lang:<code>`` with no invitation), by an auditor."""
        if is_group(who) and who.chat_id != self.auditors.group_chat:
            return Reply(toast=self.cat.t("auditor_stale_button", await self.language(who)))
        await self.auditors.set_language(who.chat_id, language)
        return Reply(
            edit=Screen(self.cat.t("auditor_language_set", language)),
            toast=self.cat.t("auditor_language_toast", language),
        )

    async def _screen(self, who: Who, current: str) -> Screen:
        """The question in both languages (this chat's first) with a button per language; for an auditor also
        answering the data tool, a second row of the respondent flow's own buttons."""
        ordered = [current] + [lang for lang in LANGUAGES if lang != current]
        key = "auditor_choose_language_group" if is_group(who) else "auditor_choose_language"
        lines = [self.cat.t(key, lang) for lang in ordered]
        rows = [
            tuple(
                Button(
                    ("✓ " if lang == current else "") + LANGUAGE_NAMES[lang], callbacks.encode(Action.LANGUAGE, lang)
                )
                for lang in ordered
            )
        ]
        answering = None if is_group(who) else await self._answering(who)
        if answering is not None:
            lines.append("\n" + self.cat.t("auditor_language_also_answering", current))
            rows.append(
                tuple(
                    Button(
                        ("✓ " if lang == answering.language else "")
                        + self.cat.t("auditor_button_own_questions", current, name=LANGUAGE_NAMES[lang]),
                        callbacks.encode(Action.LANGUAGE, lang, owner=answering.id),
                    )
                    for lang in ordered
                )
            )
        return Screen("\n".join(lines), tuple(rows))

    async def _answering(self, who: Who) -> Invitation | None:
        """The invitation this auditor is answering, when they are in the middle of the questionnaire."""
        if self.questionnaires is None:
            return None
        invitation = await self.questionnaires.invitation_for_user(who.user_id)
        if invitation is None or invitation.submitted or invitation.closed or invitation.revoked:
            return None
        return invitation


def _say(text: str) -> Reply:
    return Reply(send=(Screen(text),))
