"""The respondent service: turns a respondent's action into stored answers and the screens to show next.

It owns the rules around the engine — invite links, campaign dates, the first-contact steps (language, then the
privacy notice), commands and withdrawal — and talks to storage only through ``RespondentStore`` and to time only
through ``Clock``.  ``bot/`` calls one method per kind of update and sends the ``Reply`` it gets back.

A respondent is always at exactly one of these steps, derived from the database:
language not chosen → privacy notice not yet read → questions (engine) → submitted.

Every button a respondent is shown carries the invitation it was shown for (``flows.callbacks``), and acts on that
invitation only: an old message can never answer for another invitation of the same person, and one Telegram
account can bind only one invitation per campaign.  When storage cannot take a write (``StorageUnavailable``) the
person is told to try again shortly and nothing is changed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flows import callbacks, engine, once
from flows.callbacks import Action
from flows.engine import Error, State, Step
from flows.i18n import DEFAULT_LANGUAGE, ENGLISH, LANGUAGES, WELSH, Catalogue, normalise_language
from flows.model import Questionnaire
from flows.ports import (
    Clock,
    Invitation,
    Notice,
    ReportOutputs,
    RespondentStore,
    ResultsChoice,
    StorageUnavailable,
)
from flows.render import Button, Renderer, Screen, council_line, esc
from flows.replies import ERROR_MESSAGES, Reply, RespondentCommand, Who, clip, plain
from flows.access_log import AccessLog
from flows.withdrawal import WITHDRAW_YES, Withdrawals
from flows.tokens import hash_token, looks_like_token

log = logging.getLogger(__name__)

__all__ = ["Reply", "RespondentCommand", "RespondentService", "Who"]

SNOOZE_FOR = timedelta(days=1)  # "Remind me tomorrow"
LANGUAGE_NAMES = {ENGLISH: "English", WELSH: "Cymraeg"}
PRIVACY_FULL = "full"


def _busy_if_storage_fails(
    handle: Callable[..., Awaitable[Reply]],
) -> Callable[..., Awaitable[Reply]]:
    """An entry point whose reply, when storage cannot take a write, is the "try again shortly" message."""

    @functools.wraps(handle)
    async def guarded(self: RespondentService, who: Who, *args: object) -> Reply:
        try:
            return await handle(self, who, *args)
        except StorageUnavailable as exc:
            return self._busy(who, exc)

    return guarded


class RespondentService:
    def __init__(
        self,
        store: RespondentStore,
        clock: Clock,
        questionnaires: dict[str, Questionnaire],
        catalogue: Catalogue,
        zone: ZoneInfo,
        notice: Notice,
        outputs: ReportOutputs | None = None,
        access: AccessLog | None = None,
    ):
        self.store = store
        self.clock = clock
        self.questionnaires = questionnaires
        self.cat = catalogue
        self.zone = zone
        self.notice = notice
        self.withdrawals = Withdrawals(store, clock, catalogue, outputs, access)
        """Withdrawing, with the rebuild of stored reports and the access log's count (``access``)."""

    # ---- entry points (one per kind of update) -------------------------------------------------------------------

    @_busy_if_storage_fails
    @once.once_per_update
    async def start(self, who: Who, payload: str | None) -> Reply:
        """``/start`` with or without a deep-link payload."""
        language = normalise_language(who.language_code)
        if not payload:
            invitation = await self.store.invitation_for_user(who.user_id)
            return self._say("no_invitation", language) if invitation is None else await self._where(invitation)
        invitation = await self.store.invitation_by_token_hash(hash_token(payload)) if looks_like_token(payload) else None
        if invitation is None or invitation.revoked:
            log.info("start refused: unknown or revoked link")
            return self._say("link_unknown", language)
        if invitation.telegram_user_id is not None and invitation.telegram_user_id != who.user_id:
            log.info("start refused: invitation %s is bound to another account", invitation.reference)
            return self._say("link_taken", language)
        if invitation.telegram_user_id is None:
            if closed := self._outside_window(invitation, language):
                return closed
            earlier = await self.store.bound_in_campaign(invitation.campaign_id, who.user_id)
            if earlier is not None:
                log.info("start refused: a second link in campaign %s for one account", invitation.campaign_id)
                return self._say("second_link", earlier.language or language, authority=invitation.authority)
            if not await self.store.bind(invitation.id, who.user_id, who.chat_id, self.clock.now(), language,
                                         update_id=who.update_id):
                return self._say("link_taken", language)
            once.changed()
            log.info("invitation %s bound", invitation.reference)
            return Reply(send=(self._language_screen(language, invitation.id, first_contact=True),))
        return await self._where(invitation)

    async def press(self, who: Who, payload: str | None) -> Reply:
        """An inline button was pressed; ``payload`` is its callback data, which is never trusted."""
        try:
            reply, language = await once.deciding(lambda: self._press(who, payload), self.store, self.clock, who,
                                                  lambda: self._again_pressed(who))
        except StorageUnavailable as exc:
            busy = self._busy(who, exc)
            return Reply(toast=clip(plain(busy.send[0].text)))
        if reply.edit is not None or reply.send:
            reply = replace(reply, if_lost=self._toast("screen_lost", language))
        return reply

    async def _press(self, who: Who, payload: str | None) -> tuple[Reply, str]:
        """The reply, and the language it is in."""
        cb = callbacks.decode(payload)
        if cb is not None and cb.action is Action.PRIVACY:
            current = await self.store.invitation_for_user(who.user_id)
            language = self._language(current, who)
            return Reply(send=(Screen(self.notice.of("full", language, current)),)), language
        if cb is not None and cb.action is Action.WITHDRAW:
            language = self._language(await self.store.invitation_for_user(who.user_id), who)
            return await self.withdrawals.withdraw(who, language, confirmed=cb.arg(0) == WITHDRAW_YES), language
        reply, language, shown = await self._owned_press(who, cb)
        if shown is not None and shown.several and (reply.edit is not None or reply.send):
            # one person with invitations of several councils: typed text goes to the one whose screen was shown last
            await self.store.focus(shown.id, shown_by=who.update_id)
        return reply, language

    async def _owned_press(self, who: Who, cb: callbacks.Callback | None) -> tuple[Reply, str, Invitation | None]:
        """A press on a button shown for one of this person's invitations: the reply, its language, and the
        invitation whose screen it shows (None when it shows none of theirs)."""
        owned = await self._owner(who, cb)
        if owned is None:
            return (*await self._stale(who), None)
        invitation, answers = owned
        language = self._language(invitation, who)
        now, update_id = self.clock.now(), who.update_id
        if once.older(update_id, invitation):  # delivered again, or overtaken by a later update of theirs
            return (*await self._again_pressed(who, invitation), invitation)
        if cb is not None and cb.action is Action.LANGUAGE and cb.arg(0) in LANGUAGES:
            chosen = cb.arg(0) or DEFAULT_LANGUAGE
            return await self._choose_language(invitation, chosen, update_id), chosen, invitation
        if invitation.language is None:
            return Reply(toast=self._toast("choose_language_first", language),
                         edit=self._language_screen(language, invitation.id)), language, invitation
        if cb is not None and cb.action is Action.CONSENT:
            welcome = not invitation.notice_seen
            if welcome:
                await self.store.mark_notice_seen(invitation.id, now, update_id=update_id)
                once.changed()
            return await self._questions(invitation, engine.Show(), via_button=True, welcome=welcome,
                                         answers=answers), language, invitation
        if not invitation.notice_seen:
            return Reply(toast=self._toast("read_notice_first", language),
                         edit=self._notice_screen(language, invitation)), language, invitation
        if cb is not None and cb.action is Action.RESULTS:
            if not invitation.submitted or len(cb.args) != 1 or cb.arg(0) not in (callbacks.RESULTS_YES, callbacks.RESULTS_NO):
                return (*await self._stale(who), None)  # only a submitted invitation's own thank-you buttons
            wanted = cb.arg(0) == callbacks.RESULTS_YES
            return await self._results_choice(invitation, wanted, update_id), language, invitation
        if cb is not None and cb.action in (Action.SNOOZE, Action.STOP_REMINDERS):
            return await self._reminder_choice(invitation, cb.action, update_id), language, None
        if cb is not None and cb.action is Action.RESUME:
            where = await self._where(invitation)  # the reminder turns into the question
            return Reply(edit=where.send[0] if where.send else None), language, invitation
        event = _event_for(cb)
        if event is None:
            return (*await self._stale(who), None)
        return await self._questions(invitation, event, via_button=True, answers=answers,
                                     update_id=update_id), language, invitation

    async def _owner(self, who: Who, cb: callbacks.Callback | None) -> tuple[Invitation, dict[str, str | None]] | None:
        """The invitation a button was shown for, with its answers, if it is this person's and still in use; else
        None (stale).  One read: this is on every press."""
        if cb is None or cb.owner is None:
            return None
        found = await self.store.with_answers(cb.owner, who.user_id)
        if found is None or found[0].telegram_user_id != who.user_id or found[0].revoked:
            return None
        return found

    async def _stale(self, who: Who) -> tuple[Reply, str]:
        """A forged button, or one shown for an invitation that is no longer this person's: nothing changes; the
        pressed message shows where they are now."""
        current = await self.store.invitation_for_user(who.user_id)
        language = self._language(current, who)
        if current is None:
            return Reply(toast=self._toast("no_invitation", language)), language
        where = await self._where(current)
        edit = where.send[0] if where.send else None
        return Reply(toast=self._toast("stale_button", language), edit=edit), language

    @_busy_if_storage_fails
    @once.once_per_update
    async def write(self, who: Who, text: str) -> Reply:
        """A typed message (not a command)."""
        invitation = await self.store.invitation_for_user(who.user_id)
        if invitation is None:
            return self._say("no_invitation", normalise_language(who.language_code))
        if invitation.language is None or not invitation.notice_seen:
            return self._with_notice(await self._where(invitation), self._language(invitation, who), "use_buttons")
        if once.older(who.update_id, invitation):
            # typed before the screen now shown was put there: it answered an earlier question, never this one
            log.info("typed answer refused: typed before the question now on screen")
            return self._with_notice(await self._where(invitation), invitation.language, "typed_stale")
        return await self._questions(invitation, engine.Write(text, invitation.language), via_button=False,
                                     update_id=who.update_id)

    @_busy_if_storage_fails
    async def unsupported(self, who: Who) -> Reply:
        """A sticker, photo, voice note, location, file ...: nothing is stored; show where the respondent is."""
        invitation = await self.store.invitation_for_user(who.user_id)
        language = self._language(invitation, who)
        if invitation is None:
            return self._say("unsupported_message", language)
        return self._with_notice(await self._where(invitation), language, "unsupported_message")

    @_busy_if_storage_fails
    async def edited(self, who: Who) -> Reply:
        """An edited message: editing does not change a stored answer; say how to change one."""
        invitation = await self.store.invitation_for_user(who.user_id)
        return self._say("edit_ignored", self._language(invitation, who))

    @_busy_if_storage_fails
    @once.once_per_update
    async def command(self, who: Who, name: str) -> Reply:
        invitation = await self.store.invitation_for_user(who.user_id)
        language = self._language(invitation, who)
        if name not in set(RespondentCommand):
            return self._say("unknown_command", language)  # the same for everyone, auditor commands included
        match name:
            case RespondentCommand.HELP:
                return self._say("help", language)
            case RespondentCommand.PRIVACY:
                return Reply(send=(Screen(self.notice.of("full", language, invitation)),))
            case RespondentCommand.LANGUAGE:
                owner = invitation.id if invitation is not None else None
                return Reply(send=(self._language_screen(language, owner, usable=invitation is not None),))
        if invitation is None:
            return self._say("no_invitation", language)
        match name:
            case RespondentCommand.RESUME:
                return await self._where(invitation)
            case RespondentCommand.REVIEW:
                if invitation.language is None or not invitation.notice_seen:
                    return await self._where(invitation)
                return await self._questions(invitation, engine.Review(), via_button=False, update_id=who.update_id)
            case RespondentCommand.WITHDRAW:
                return self.withdrawals.confirm_screen(language)
        raise AssertionError(f"unhandled respondent command {name}")  # pragma: no cover

    # ---- first-contact steps -------------------------------------------------------------------------------------

    def _language_screen(self, default: str, owner: int | None, *, first_contact: bool = False,
                         usable: bool = True) -> Screen:
        """The language question, in both languages (the person's default first)."""
        ordered = [default] + [lang for lang in LANGUAGES if lang != default]
        text = "\n".join(self.cat.t("choose_language", lang) for lang in ordered)
        if not usable:
            return Screen(text + "\n\n" + self.cat.t("no_invitation", default))
        buttons = tuple(
            Button(("✓ " if lang == default and not first_contact else "") + LANGUAGE_NAMES[lang],
                   callbacks.encode(Action.LANGUAGE, lang, owner=owner))
            for lang in ordered
        )
        return Screen(text, (buttons,))

    def _notice_screen(self, language: str, invitation: Invitation) -> Screen:
        buttons = (
            (Button(self.cat.raw("button_start", language), callbacks.encode(Action.CONSENT, owner=invitation.id)),),
            (Button(self.cat.raw("button_full_notice", language), callbacks.encode(Action.PRIVACY, PRIVACY_FULL)),),
        )
        return Screen(self.notice.of("short", language, invitation), buttons)  # its campaign's retention period

    async def _choose_language(self, invitation: Invitation, language: str, update_id: int | None = None) -> Reply:
        await self.store.set_language(invitation.id, language, self.clock.now(), update_id=update_id)
        once.changed()
        invitation = replace(invitation, language=language)
        toast = self._toast("language_set", language)
        if not invitation.notice_seen:
            return Reply(edit=self._named(invitation, self._notice_screen(language, invitation)), toast=toast)
        reply = await self._where(invitation)
        return Reply(edit=reply.send[0] if reply.send else None, toast=toast)

    async def _where(self, invitation: Invitation) -> Reply:
        """Whatever the respondent should see now: language choice, privacy notice, question, review or thanks."""
        language = invitation.language or DEFAULT_LANGUAGE
        if invitation.submitted:
            return self._say("already_submitted", language, authority=invitation.authority)
        if closed := self._outside_window(invitation, language):
            return closed
        if invitation.language is None:
            return Reply(send=(self._named(invitation, self._language_screen(language, invitation.id)),))
        if not invitation.notice_seen:
            return Reply(send=(self._named(invitation, self._notice_screen(language, invitation)),))
        qn = self._questionnaire(invitation)
        state = await self._state(invitation)
        shown = engine.visible_questions(qn, state.answers)
        answered = sum(engine.is_answered(q, state.answers) for q in shown)
        notice = self.cat.t("resumed", language, answered=answered, total=len(shown)) if answered else None
        prompt = engine.prompt_for(qn, state)
        return Reply(send=(self._renderer(invitation).screen(prompt, authority=invitation.authority, notice=notice),))

    async def _reminder_choice(self, invitation: Invitation, action: Action, update_id: int | None = None) -> Reply:
        language = invitation.language or DEFAULT_LANGUAGE
        now = self.clock.now()
        if invitation.submitted:
            return Reply(toast=self._toast("already_submitted", language, authority=invitation.council(language)))
        if action is Action.SNOOZE:
            await self.store.snooze(invitation.id, now + SNOOZE_FOR, now, update_id=update_id)
            once.changed()
            return Reply(edit=Screen(self.cat.t("snoozed", language)))
        await self.store.reminders_off(invitation.id, now, update_id=update_id)
        once.changed()
        return Reply(edit=Screen(self.cat.t("reminders_stopped", language)))

    async def _results_choice(self, invitation: Invitation, wanted: bool, update_id: int | None = None) -> Reply:
        """Yes or No to the council's results when ready (the thank-you screen): stored until the results go out
        (``flows.results``), then fixed.  The pressed message shows the choice made."""
        language = invitation.language or DEFAULT_LANGUAGE
        outcome = await self.store.want_results(invitation.id, wanted, self.clock.now(), update_id=update_id)
        once.changed()
        if outcome == ResultsChoice.TOO_LATE:
            return Reply(toast=self._toast("results_too_late", language))
        key = ("results_" if outcome == ResultsChoice.CHANGED else "results_already_") + ("noted" if wanted else "declined")
        return Reply(edit=self._renderer(invitation).thanks(invitation.authority, wanted), toast=self._toast(key, language))

    # ---- withdrawal ----------------------------------------------------------------------------------------------

    async def forget_updates(self) -> int:
        """Forget the ids of updates handled long enough ago that Telegram no longer delivers them again."""
        return await self.store.forget_updates(self.clock.now())

    # ---- questions -----------------------------------------------------------------------------------------------

    async def _questions(self, invitation: Invitation, event: engine.Input, *, via_button: bool,
                         welcome: bool = False, answers: dict[str, str | None] | None = None,
                         update_id: int | None = None) -> Reply:
        """``answers``: the invitation's stored answers when the caller has just read them with it; ``update_id``:
        the Telegram update the input came in, recorded with what it changes."""
        language = invitation.language or DEFAULT_LANGUAGE
        if invitation.submitted:
            key = "already_submitted" if isinstance(event, engine.Show) else "locked"
            if via_button:
                return Reply(toast=self._toast(key, language, authority=invitation.authority))
            return self._say(key, language, authority=invitation.authority)
        if closed := self._outside_window(invitation, language):
            return Reply(toast=clip(plain(closed.send[0].text))) if via_button else closed
        qn = self._questionnaire(invitation)
        state = await self._state(invitation, answers)
        now = self.clock.now()
        result = engine.step(qn, state, event, now)
        await self._persist(invitation, qn, state, result, now, update_id)
        reply = self._reply(invitation, state, result, event, via_button)
        if welcome and reply.edit is not None:
            intro = self.cat.t("welcome", language, title=qn.title.get(language),
                               authority=invitation.council(language))
            text = f"{intro}\n{esc(qn.intro.get(language))}\n\n{reply.edit.text}"
            reply = Reply(edit=Screen(text, reply.edit.buttons), toast=reply.toast)
        return reply

    async def _persist(self, invitation: Invitation, qn: Questionnaire, state: State, result: Step, now: datetime,
                       update_id: int | None) -> None:
        """The update is recorded with the last write it makes, so a crash between the two leaves it to be handled
        again (both writes are idempotent apart from the update)."""
        if result.save or result.cursor != state.cursor:
            await self.store.record(invitation.id, result.save, result.cursor, now,
                                    update_id=None if result.submit else update_id)
            if not result.submit:
                once.changed()
        if result.submit:
            await self.store.submit(invitation.id, qn.id, qn.version, now, update_id=update_id)
            once.changed()
            log.info("invitation %s submitted", invitation.reference)

    def _reply(self, invitation: Invitation, state: State, result: Step, event: engine.Input, via_button: bool) -> Reply:
        renderer = self._renderer(invitation)
        language = renderer.lang
        authority = invitation.authority
        if result.error is not None:
            key = ERROR_MESSAGES[result.error]
            params: dict[str, object] = {}
            if result.error is Error.TOO_LONG and isinstance(event, engine.Write):
                question = renderer.qn.question(result.cursor or "")
                params = {"length": len(event.text.strip()), "limit": question.max_length if question else 0}
            screen = renderer.screen(result.prompt, authority=authority)
            if via_button:
                return Reply(toast=self._toast(key, language, **params), edit=screen)
            notice = "⚠ " + self.cat.t(key, language, **params)
            return Reply(send=(renderer.screen(result.prompt, authority=authority, notice=notice),))
        screen = renderer.screen(result.prompt, authority=authority)
        if not via_button:
            return Reply(send=(screen,))
        if result.changed_earlier is not None:
            # A button of an earlier question (an older message, a double tap, or an edit that never arrived): the
            # answer is changed, and the pressed message shows the question the person is on, so it is always on
            # screen somewhere; the toast says what changed.
            changed = result.changed_earlier
            return Reply(edit=screen, toast=self._toast("changed_earlier", language, question=changed.text.get(language)))
        if not result.save and not result.advanced and isinstance(event, engine.Choose):
            # A double tap, or a tap on an older message whose edit never arrived: nothing changes, and the pressed
            # message shows the question the person is really on (so nobody is left without the next screen).
            return Reply(toast=self._toast("already_saved", language), edit=screen)
        return Reply(edit=screen)

    # ---- updates delivered again ----------------------------------------------------------------------------------

    async def again(self, who: Who) -> Reply:
        """An update Telegram delivered again after it had changed something: nothing changes; the person's current
        screen is shown."""
        log.info("update delivered again: nothing changed")
        current = await self.store.invitation_for_user(who.user_id)
        if current is None:
            return self._say("no_invitation", normalise_language(who.language_code))
        return await self._where(current)

    async def _again_pressed(self, who: Who, current: Invitation | None = None) -> tuple[Reply, str]:
        """A button press delivered again: the pressed message shows where the person is now (``current``: the
        invitation the button was for, else the one they are working on)."""
        current = current or await self.store.invitation_for_user(who.user_id)
        language = self._language(current, who)
        if current is None:
            return Reply(), language
        where = await self._where(current)
        return Reply(edit=where.send[0] if where.send else None), language

    # ---- small helpers -------------------------------------------------------------------------------------------

    def _busy(self, who: Who, exc: StorageUnavailable) -> Reply:
        log.warning("storage unavailable: %s", exc)
        return self._say("storage_busy", normalise_language(who.language_code))

    def _say(self, key: str, language: str, **params: object) -> Reply:
        return Reply(send=(Screen(self.cat.t(key, language, **params)),))

    def _toast(self, key: str, language: str, **params: object) -> str:
        return clip(plain(self.cat.raw(key, language).format(**params)))

    def _with_notice(self, reply: Reply, language: str, key: str) -> Reply:
        """Put a one-line explanation above the first screen of ``reply``."""
        if not reply.send:
            return self._say(key, language)
        first = reply.send[0]
        return Reply(send=(Screen(f"{self.cat.t(key, language)}\n\n{first.text}", first.buttons), *reply.send[1:]))

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
            opens = invitation.opens_on.strftime("%d/%m/%Y")
            return self._say("not_open_yet", language, authority=invitation.authority, date=opens)
        if invitation.closed or today > invitation.closes_on:
            return self._say("closed", language, authority=invitation.authority)
        return None

    async def _state(self, invitation: Invitation, answers: dict[str, str | None] | None = None) -> State:
        if answers is None:
            answers = await self.store.answers(invitation.id)
        return State(answers=answers, cursor=invitation.cursor, submitted=invitation.submitted)

    def _renderer(self, invitation: Invitation) -> Renderer:
        language = invitation.language or DEFAULT_LANGUAGE
        council = invitation.council(language) if invitation.several else None
        return Renderer(self._questionnaire(invitation), self.cat, language, invitation.id, council=council)

    def _named(self, invitation: Invitation, screen: Screen) -> Screen:
        """A screen of an account holding invitations of several councils names the council it is for."""
        if not invitation.several:
            return screen
        return Screen(f"{council_line(invitation.council(invitation.language or DEFAULT_LANGUAGE))}\n\n{screen.text}", screen.buttons)


def _event_for(cb: callbacks.Callback | None) -> engine.Input | None:
    if cb is None:
        return None
    question = cb.arg(0)
    match cb.action:
        case Action.ANSWER if question and cb.arg(1) and len(cb.args) == 2:
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
