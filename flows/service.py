"""The respondent service: turns a respondent's action into stored answers and the screens to show next.

It owns the rules around the engine (invite links, campaign dates, languages) and talks to storage only through the
``RespondentStore`` protocol and to time only through ``Clock``.  ``bot/`` calls one method per kind of update and
sends the ``Reply`` it gets back.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flows import callbacks, engine
from flows.callbacks import Action
from flows.engine import Error, State, Step
from flows.i18n import Catalogue, normalise_language
from flows.model import Questionnaire
from flows.ports import Clock, Invitation, RespondentStore
from flows.render import Renderer, Screen, esc
from flows.tokens import hash_token, looks_like_token

log = logging.getLogger(__name__)

# Errors shown as a line above the re-sent question (typed input) or as a toast (button presses).
ERROR_MESSAGES = {
    Error.UNKNOWN_QUESTION: "stale_button",
    Error.NOT_SHOWN: "stale_button",
    Error.UNKNOWN_OPTION: "stale_button",
    Error.EXPECTED_BUTTON: "expected_button",
    Error.EXPECTED_TEXT: "expected_text",
    Error.TOO_LONG: "too_long",
    Error.EMPTY: "empty",
    Error.NOT_OPTIONAL: "stale_button",
    Error.INCOMPLETE: "incomplete",
    Error.LOCKED: "locked",
    Error.AT_START: "at_start",
}


@dataclass(frozen=True)
class Reply:
    """What the bot should do: edit the message whose button was pressed, send new messages, show a toast."""

    send: tuple[Screen, ...] = ()
    edit: Screen | None = None
    toast: str | None = None


@dataclass(frozen=True)
class Who:
    """The Telegram side of a respondent, as the adapter sees it."""

    user_id: int
    chat_id: int
    language_code: str | None = None


class RespondentService:
    def __init__(
        self,
        store: RespondentStore,
        clock: Clock,
        questionnaires: dict[str, Questionnaire],
        catalogue: Catalogue,
        zone: ZoneInfo,
    ):
        self.store = store
        self.clock = clock
        self.questionnaires = questionnaires
        self.cat = catalogue
        self.zone = zone

    # ---- entry points (one per kind of update) -------------------------------------------------------------------

    async def start(self, who: Who, payload: str | None) -> Reply:
        """``/start`` with or without a deep-link payload."""
        language = normalise_language(who.language_code)
        if not payload:
            invitation = await self.store.invitation_for_user(who.user_id)
            if invitation is None:
                return self._say("no_invitation", language)
            return await self._resume(invitation)
        invitation = await self.store.invitation_by_token_hash(hash_token(payload)) if looks_like_token(payload) else None
        if invitation is None or invitation.revoked:
            log.info("start refused: unknown or revoked link")
            return self._say("link_unknown", language)
        if invitation.telegram_user_id is not None and invitation.telegram_user_id != who.user_id:
            log.info("start refused: invitation %s is bound to another account", invitation.reference)
            return self._say("link_taken", language)
        if closed := self._outside_window(invitation, language):
            return closed
        if invitation.telegram_user_id is None:
            if not await self.store.bind(invitation.id, who.user_id, who.chat_id, language, self.clock.now()):
                return self._say("link_taken", language)
            log.info("invitation %s bound", invitation.reference)
            return self._first_contact(invitation, language)
        return await self._resume(invitation)

    async def press(self, who: Who, payload: str | None) -> Reply:
        """An inline button was pressed; ``payload`` is its callback data, which is never trusted."""
        invitation = await self.store.invitation_for_user(who.user_id)
        language = self._language(invitation, who)
        if invitation is None:
            return Reply(toast=self.cat.raw("no_invitation", language))
        event = _event_for(callbacks.decode(payload))
        if event is None:
            return Reply(toast=self.cat.raw("stale_button", language))
        return await self._apply(invitation, event, via_button=True)

    async def write(self, who: Who, text: str) -> Reply:
        """A typed message (not a command)."""
        invitation = await self.store.invitation_for_user(who.user_id)
        if invitation is None:
            return self._say("no_invitation", normalise_language(who.language_code))
        return await self._apply(invitation, engine.Write(text), via_button=False)

    async def unsupported(self, who: Who) -> Reply:
        """A sticker, photo, voice note, location, file ...: nothing is stored."""
        invitation = await self.store.invitation_for_user(who.user_id)
        language = self._language(invitation, who)
        if invitation is None:
            return self._say("no_invitation", language)
        reply = await self._apply(invitation, engine.Show(), via_button=False)
        notice = self.cat.t("unsupported_message", language)
        return Reply(send=tuple(Screen(f"{notice}\n\n{s.text}", s.buttons) for s in reply.send[:1]) + reply.send[1:])

    # ---- internals -----------------------------------------------------------------------------------------------

    def _say(self, key: str, language: str, **params: object) -> Reply:
        return Reply(send=(Screen(self.cat.t(key, language, **params)),))

    @staticmethod
    def _language(invitation: Invitation | None, who: Who) -> str:
        if invitation is not None and invitation.language:
            return invitation.language
        return normalise_language(who.language_code)

    def _questionnaire(self, invitation: Invitation) -> Questionnaire:
        return self.questionnaires[invitation.role]

    def _outside_window(self, invitation: Invitation, language: str) -> Reply | None:
        if invitation.submitted:
            return None  # a submitted respondent is always told so, whatever the dates
        today = self.clock.now().astimezone(self.zone).date()
        if today < invitation.opens_on:
            return self._say("not_open_yet", language, authority=invitation.authority, date=invitation.opens_on.strftime("%d/%m/%Y"))
        if invitation.closed or today > invitation.closes_on:
            return self._say("closed", language, authority=invitation.authority)
        return None

    async def _state(self, invitation: Invitation) -> State:
        answers = await self.store.answers(invitation.id)
        return State(answers=answers, cursor=invitation.cursor, submitted=invitation.submitted)

    def _renderer(self, invitation: Invitation) -> Renderer:
        return Renderer(self._questionnaire(invitation), self.cat, invitation.language or "en")

    def _first_contact(self, invitation: Invitation, language: str) -> Reply:
        qn = self._questionnaire(invitation)
        welcome = self.cat.t("welcome", language, title=qn.title.get(language), authority=invitation.authority)
        intro = Screen(f"{welcome}\n\n{esc(qn.intro.get(language))}")
        prompt = engine.prompt_for(qn, State(answers={}))
        renderer = Renderer(qn, self.cat, language)
        return Reply(send=(intro, renderer.screen(prompt, authority=invitation.authority)))

    async def _resume(self, invitation: Invitation) -> Reply:
        language = invitation.language or "en"
        if invitation.submitted:
            return self._say("already_submitted", language, authority=invitation.authority)
        if closed := self._outside_window(invitation, language):
            return closed
        qn = self._questionnaire(invitation)
        state = await self._state(invitation)
        shown = engine.visible_questions(qn, state.answers)
        answered = sum(engine.is_answered(q, state.answers) for q in shown)
        notice = self.cat.t("resumed", language, answered=answered, total=len(shown))
        prompt = engine.prompt_for(qn, state)
        return Reply(send=(self._renderer(invitation).screen(prompt, authority=invitation.authority, notice=notice),))

    async def _apply(self, invitation: Invitation, event: engine.Input, *, via_button: bool) -> Reply:
        language = invitation.language or "en"
        if invitation.submitted:
            key = "locked" if not isinstance(event, engine.Show) else "already_submitted"
            if via_button:
                return Reply(toast=self.cat.raw(key, language).format(authority=invitation.authority))
            return self._say(key, language, authority=invitation.authority)
        if closed := self._outside_window(invitation, language):
            return closed if not via_button else Reply(toast=_plain(closed))
        qn = self._questionnaire(invitation)
        state = await self._state(invitation)
        now = self.clock.now()
        result = engine.step(qn, state, event, now)
        await self._persist(invitation, qn, state, result, now)
        return self._reply(invitation, state, result, event, via_button)

    async def _persist(self, invitation: Invitation, qn: Questionnaire, state: State, result: Step, now: datetime) -> None:
        if result.save or result.cursor != state.cursor:
            await self.store.record(invitation.id, result.save, result.cursor, now)
        if result.submit:
            await self.store.submit(invitation.id, qn.id, qn.version, now)
            log.info("invitation %s submitted", invitation.reference)

    def _reply(self, invitation: Invitation, state: State, result: Step, event: engine.Input, via_button: bool) -> Reply:
        renderer = self._renderer(invitation)
        language = renderer.lang
        authority = invitation.authority
        if result.error is not None:
            key = ERROR_MESSAGES[result.error]
            params = {}
            if result.error is Error.TOO_LONG and isinstance(event, engine.Write):
                question = self._questionnaire(invitation).question(result.cursor or "")
                params = {"length": len(event.text.strip()), "limit": question.max_length if question else 0}
            if via_button:
                return Reply(toast=self.cat.raw(key, language).format(**params),
                             edit=renderer.screen(result.prompt, authority=authority))
            notice = self.cat.t(key, language, **params)
            return Reply(send=(renderer.screen(result.prompt, authority=authority, notice=f"⚠ {notice}"),))
        screen = renderer.screen(result.prompt, authority=authority)
        if not via_button:
            return Reply(send=(screen,))
        if result.changed_earlier is not None:
            # The button was on an older question's message: show the new choice there, leave the current one alone.
            changed = result.changed_earlier
            after = State(answers={**state.answers, **result.save}, cursor=changed.id)
            older = renderer.screen(engine.prompt_for(renderer.qn, after, changed.id), authority=authority)
            toast = self.cat.raw("changed_earlier", language).format(question=changed.text.get(language))
            return Reply(edit=older, toast=_clip(toast))
        if not result.save and not result.advanced and isinstance(event, engine.Choose):
            return Reply(toast=self.cat.raw("already_saved", language))  # double tap: nothing changes
        return Reply(edit=screen)


def _event_for(cb: callbacks.Callback | None) -> engine.Input | None:
    if cb is None:
        return None
    question = cb.arg(0)
    match cb.action:
        case Action.ANSWER if question and cb.arg(1):
            return engine.Choose(question, cb.arg(1) or "")
        case Action.SKIP if question:
            return engine.Skip(question)
        case Action.BACK if question:
            return engine.Back(question)
        case Action.EDIT if question:
            return engine.Edit(question)
        case Action.SUBMIT:
            return engine.Submit()
        case Action.REVIEW:
            return engine.Review()
    return None


def _plain(reply: Reply) -> str:
    text = reply.send[0].text if reply.send else ""
    return _clip(re.sub(r"<[^>]+>", "", text))


def _clip(text: str, limit: int = 200) -> str:
    """answerCallbackQuery texts are limited to 200 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
