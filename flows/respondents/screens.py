"""The screens every respondent use case shows: where a respondent is now (language question, privacy notice, the
question, review or thanks), the language question and the notice themselves, and the one-line replies and toasts.

Shared by the interactors of ``flows.respondents``; it changes nothing that is stored.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol
from zoneinfo import ZoneInfo

from flows import callbacks, engine
from flows.callbacks import Action
from flows.engine import State
from flows.i18n import DEFAULT_LANGUAGE, ENGLISH, LANGUAGES, WELSH, Catalogue, normalise_language
from flows.model import Questionnaire
from flows.notice import Notice
from flows.ports.clock import Clock
from flows.ports.errors import StorageUnavailable
from flows.ports.respondents import Invitation, RespondentStore
from flows.render import Button, Renderer, Screen, council_line
from flows.replies import Reply, Who, clip, plain

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {ENGLISH: "English", WELSH: "Cymraeg"}
PRIVACY_FULL = "full"


class Screens:
    def __init__(
        self,
        store: RespondentStore,
        clock: Clock,
        questionnaires: dict[str, Questionnaire],
        catalogue: Catalogue,
        zone: ZoneInfo,
        notice: Notice,
    ):
        self.store = store
        self.clock = clock
        self.questionnaires = questionnaires
        self.cat = catalogue
        self.zone = zone
        self.notice = notice

    # ---- where the respondent is ---------------------------------------------------------------------------------

    async def where(self, invitation: Invitation) -> Reply:
        """Whatever the respondent should see now: language choice, privacy notice, question, review or thanks."""
        language = invitation.language or DEFAULT_LANGUAGE
        if invitation.submitted:
            return self.say("already_submitted", language, authority=invitation.authority)
        if closed := self.outside_window(invitation, language):
            return closed
        if invitation.language is None:
            return Reply(send=(self.named(invitation, self.language_screen(language, invitation.id)),))
        if not invitation.notice_seen:
            return Reply(send=(self.named(invitation, self.notice_screen(language, invitation)),))
        qn = self.questionnaire(invitation)
        state = await self.state(invitation)
        shown = engine.visible_questions(qn, state.answers)
        answered = sum(engine.is_answered(q, state.answers) for q in shown)
        notice = self.cat.t("resumed", language, answered=answered, total=len(shown)) if answered else None
        prompt = engine.prompt_for(qn, state)
        return Reply(send=(self.renderer(invitation).screen(prompt, authority=invitation.authority, notice=notice),))

    async def where_edited(self, invitation: Invitation) -> Screen | None:
        """Where the respondent is, as the edit of a pressed message."""
        where = await self.where(invitation)
        return where.send[0] if where.send else None

    async def again(self, who: Who) -> Reply:
        """An update Telegram delivered again after it had changed something: nothing changes; the person's current
        screen is shown."""
        log.info("update delivered again: nothing changed")
        current = await self.store.invitation_for_user(who.user_id)
        if current is None:
            return self.say("no_invitation", normalise_language(who.language_code))
        return await self.where(current)

    async def again_pressed(self, who: Who, current: Invitation | None = None) -> tuple[Reply, str]:
        """A button press delivered again: the pressed message shows where the person is now (``current``: the
        invitation the button was for, else the one they are working on)."""
        current = current or await self.store.invitation_for_user(who.user_id)
        language = self.language(current, who)
        if current is None:
            return Reply(), language
        return Reply(edit=await self.where_edited(current)), language

    def outside_window(self, invitation: Invitation, language: str) -> Reply | None:
        if invitation.submitted:
            return None  # a submitted respondent is always told so, whatever the dates
        today = self.clock.now().astimezone(self.zone).date()
        if today < invitation.opens_on:
            opens = invitation.opens_on.strftime("%d/%m/%Y")
            return self.say("not_open_yet", language, authority=invitation.authority, date=opens)
        if invitation.closed or today > invitation.closes_on:
            return self.say("closed", language, authority=invitation.authority)
        return None

    # ---- the first-contact screens -------------------------------------------------------------------------------

    def language_screen(
        self, default: str, owner: int | None, *, first_contact: bool = False, usable: bool = True
    ) -> Screen:
        """The language question, in both languages (the person's default first)."""
        ordered = [default] + [lang for lang in LANGUAGES if lang != default]
        text = "\n".join(self.cat.t("choose_language", lang) for lang in ordered)
        if not usable:
            return Screen(text + "\n\n" + self.cat.t("no_invitation", default))
        buttons = tuple(
            Button(
                ("✓ " if lang == default and not first_contact else "") + LANGUAGE_NAMES[lang],
                callbacks.encode(Action.LANGUAGE, lang, owner=owner),
            )
            for lang in ordered
        )
        return Screen(text, (buttons,))

    def notice_screen(self, language: str, invitation: Invitation) -> Screen:
        buttons = (
            (Button(self.cat.raw("button_start", language), callbacks.encode(Action.CONSENT, owner=invitation.id)),),
            (Button(self.cat.raw("button_full_notice", language), callbacks.encode(Action.PRIVACY, PRIVACY_FULL)),),
        )
        return Screen(self.notice.of("short", language, invitation), buttons)  # its campaign's retention period

    def full_notice(self, language: str, invitation: Invitation | None) -> Reply:
        """The full privacy notice (the button under the short one, and /privacy)."""
        return Reply(send=(Screen(self.notice.of(PRIVACY_FULL, language, invitation)),))

    # ---- the questionnaire as this invitation sees it ------------------------------------------------------------

    def questionnaire(self, invitation: Invitation) -> Questionnaire:
        return self.questionnaires[invitation.role]

    async def state(self, invitation: Invitation, answers: dict[str, str | None] | None = None) -> State:
        if answers is None:
            answers = await self.store.answers(invitation.id)
        return State(answers=answers, cursor=invitation.cursor, submitted=invitation.submitted)

    def renderer(self, invitation: Invitation) -> Renderer:
        language = invitation.language or DEFAULT_LANGUAGE
        council = invitation.council(language) if invitation.several else None
        return Renderer(self.questionnaire(invitation), self.cat, language, invitation.id, council=council)

    def named(self, invitation: Invitation, screen: Screen) -> Screen:
        """A screen of an account holding invitations of several councils names the council it is for."""
        if not invitation.several:
            return screen
        council = invitation.council(invitation.language or DEFAULT_LANGUAGE)
        return Screen(f"{council_line(council)}\n\n{screen.text}", screen.buttons)

    # ---- words ---------------------------------------------------------------------------------------------------

    @staticmethod
    def language(invitation: Invitation | None, who: Who) -> str:
        if invitation is not None and invitation.language:
            return invitation.language
        return normalise_language(who.language_code)

    def busy(self, who: Who, exc: StorageUnavailable) -> Reply:
        log.warning("storage unavailable: %s", exc)
        return self.say("storage_busy", normalise_language(who.language_code))

    def say(self, key: str, language: str, **params: object) -> Reply:
        return Reply(send=(Screen(self.cat.t(key, language, **params)),))

    def toast(self, key: str, language: str, **params: object) -> str:
        return clip(plain(self.cat.raw(key, language).format(**params)))

    def with_notice(self, reply: Reply, language: str, key: str) -> Reply:
        """Put a one-line explanation above the first screen of ``reply``."""
        if not reply.send:
            return self.say(key, language)
        first = reply.send[0]
        return Reply(send=(Screen(f"{self.cat.t(key, language)}\n\n{first.text}", first.buttons), *reply.send[1:]))


class ShowsScreens(Protocol):
    screens: Screens


def busy_if_storage_fails(handle: Callable[..., Awaitable[Reply]]) -> Callable[..., Awaitable[Reply]]:
    """An entry point whose reply, when storage cannot take a write, is the "try again shortly" message."""

    @functools.wraps(handle)
    async def guarded(self: ShowsScreens, who: Who, *args: object) -> Reply:
        try:
            return await handle(self, who, *args)
        except StorageUnavailable as exc:
            return self.screens.busy(who, exc)

    return guarded
