"""A respondent's button press, decided once and handed to the use case it belongs to.

Every button a respondent is shown carries the invitation it was shown for (``flows.callbacks``), and acts on that
invitation only: an old message can never answer for another invitation of the same person.  The callback data is
never trusted: a forged button, or one for an invitation no longer theirs, changes nothing and the pressed message
shows where they are now.
"""

from __future__ import annotations

from dataclasses import replace

from flows import callbacks, engine, once
from flows.callbacks import Action
from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES
from flows.ports.errors import StorageUnavailable
from flows.ports.respondents import Invitation, RespondentStore
from flows.replies import Reply, Who, clip, plain
from flows.respondents.answer import Answer
from flows.respondents.back import GoBack
from flows.respondents.language import ChooseLanguage
from flows.respondents.notice import ReadNotice
from flows.respondents.reminder_choice import ReminderChoice
from flows.respondents.results_choice import ChooseResults
from flows.respondents.review import ReviewAnswers
from flows.respondents.screens import Screens
from flows.respondents.withdraw import WITHDRAW_YES, Withdraw


class Press:
    def __init__(
        self,
        screens: Screens,
        store: RespondentStore,
        *,
        answer: Answer,
        back: GoBack,
        review: ReviewAnswers,
        language: ChooseLanguage,
        notice: ReadNotice,
        results: ChooseResults,
        reminders: ReminderChoice,
        withdraw: Withdraw,
    ):
        self.screens = screens
        self.store = store
        self.answer = answer
        self.back = back
        self.review = review
        self.language = language
        self.notice = notice
        self.results = results
        self.reminders = reminders
        self.withdraw = withdraw

    async def __call__(self, who: Who, payload: str | None) -> Reply:
        """An inline button was pressed; ``payload`` is its callback data, which is never trusted."""
        screens = self.screens
        try:
            reply, language = await once.deciding(
                lambda: self._press(who, payload), self.store, screens.clock, who, lambda: screens.again_pressed(who)
            )
        except StorageUnavailable as exc:
            busy = screens.busy(who, exc)
            return Reply(toast=clip(plain(busy.send[0].text)))
        if reply.edit is not None or reply.send:
            reply = replace(reply, if_lost=screens.toast("screen_lost", language))
        return reply

    async def _press(self, who: Who, payload: str | None) -> tuple[Reply, str]:
        """The reply, and the language it is in."""
        cb = callbacks.decode(payload)
        if cb is not None and cb.action is Action.PRIVACY:
            current = await self.store.invitation_for_user(who.user_id)
            language = self.screens.language(current, who)
            return self.screens.full_notice(language, current), language
        if cb is not None and cb.action is Action.WITHDRAW:
            language = self.screens.language(await self.store.invitation_for_user(who.user_id), who)
            return await self.withdraw.pressed(who, language, confirmed=cb.arg(0) == WITHDRAW_YES), language
        reply, language, shown = await self._owned_press(who, cb)
        if shown is not None and shown.several and (reply.edit is not None or reply.send):
            # one person with invitations of several councils: typed text goes to the one whose screen was shown last
            await self.store.focus(shown.id, shown_by=who.update_id)
        return reply, language

    async def _owned_press(self, who: Who, cb: callbacks.Callback | None) -> tuple[Reply, str, Invitation | None]:
        """A press on a button shown for one of this person's invitations: the reply, its language, and the
        invitation whose screen it shows (None when it shows none of theirs)."""
        screens = self.screens
        owned = await self._owner(who, cb)
        if owned is None:
            return (*await self._stale(who), None)
        invitation, answers = owned
        language = screens.language(invitation, who)
        update_id = who.update_id
        if once.older(update_id, invitation):  # delivered again, or overtaken by a later update of theirs
            return (*await screens.again_pressed(who, invitation), invitation)
        if cb is not None and cb.action is Action.LANGUAGE and cb.arg(0) in LANGUAGES:
            chosen = cb.arg(0) or DEFAULT_LANGUAGE
            return await self.language.pressed(invitation, chosen, update_id), chosen, invitation
        if invitation.language is None:
            return (
                Reply(
                    toast=screens.toast("choose_language_first", language),
                    edit=screens.language_screen(language, invitation.id),
                ),
                language,
                invitation,
            )
        if cb is not None and cb.action is Action.CONSENT:
            return await self.notice.pressed(invitation, answers, update_id), language, invitation
        if not invitation.notice_seen:
            return (
                Reply(
                    toast=screens.toast("read_notice_first", language), edit=screens.notice_screen(language, invitation)
                ),
                language,
                invitation,
            )
        if cb is not None and cb.action is Action.RESULTS:
            answers_of_results = (callbacks.RESULTS_YES, callbacks.RESULTS_NO)
            if not invitation.submitted or len(cb.args) != 1 or cb.arg(0) not in answers_of_results:
                return (*await self._stale(who), None)  # only a submitted invitation's own thank-you buttons
            wanted = cb.arg(0) == callbacks.RESULTS_YES
            return await self.results.pressed(invitation, wanted, update_id), language, invitation
        if cb is not None and cb.action in (Action.SNOOZE, Action.STOP_REMINDERS):
            return await self.reminders.pressed(invitation, cb.action, update_id), language, None
        if cb is not None and cb.action is Action.RESUME:  # the reminder turns into the question
            return Reply(edit=await screens.where_edited(invitation)), language, invitation
        event = _event_for(cb)
        if isinstance(event, (engine.Choose, engine.Skip, engine.Edit)):
            reply = await self.answer.pressed(invitation, event, answers, update_id)
        elif isinstance(event, engine.Back):
            reply = await self.back.pressed(invitation, event, answers, update_id)
        elif isinstance(event, (engine.Review, engine.Submit)):
            reply = await self.review.pressed(invitation, event, answers, update_id)
        else:
            return (*await self._stale(who), None)
        return reply, language, invitation

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
        screens = self.screens
        current = await self.store.invitation_for_user(who.user_id)
        language = screens.language(current, who)
        if current is None:
            return Reply(toast=screens.toast("no_invitation", language)), language
        return Reply(toast=screens.toast("stale_button", language), edit=await screens.where_edited(current)), language


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
