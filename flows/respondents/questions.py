"""One input through the engine for an invitation on its questions: what the engine decides is stored (with the
Telegram update it came in) and the reply shows the next screen or says why the input was refused.

Shared by the interactors that move through the questionnaire: answering, going back, reviewing and submitting,
and the first question after the privacy notice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flows import engine, once
from flows.engine import Error, State, Step
from flows.i18n import DEFAULT_LANGUAGE
from flows.model import Questionnaire
from flows.ports.respondents import Invitation, RespondentStore
from flows.render import Screen, esc
from flows.replies import ERROR_MESSAGES, Reply, clip, plain
from flows.respondents.screens import Screens

log = logging.getLogger(__name__)


class Questions:
    def __init__(self, screens: Screens, store: RespondentStore):
        self.screens = screens
        self.store = store

    async def step(
        self,
        invitation: Invitation,
        event: engine.Input,
        *,
        via_button: bool,
        welcome: bool = False,
        answers: dict[str, str | None] | None = None,
        update_id: int | None = None,
    ) -> Reply:
        """``answers``: the invitation's stored answers when the caller has just read them with it; ``update_id``:
        the Telegram update the input came in, recorded with what it changes."""
        screens = self.screens
        language = invitation.language or DEFAULT_LANGUAGE
        if invitation.submitted:
            key = "already_submitted" if isinstance(event, engine.Show) else "locked"
            if via_button:
                return Reply(toast=screens.toast(key, language, authority=invitation.authority))
            return screens.say(key, language, authority=invitation.authority)
        if closed := screens.outside_window(invitation, language):
            return Reply(toast=clip(plain(closed.send[0].text))) if via_button else closed
        qn = screens.questionnaire(invitation)
        state = await screens.state(invitation, answers)
        now = screens.clock.now()
        result = engine.step(qn, state, event, now)
        await self._persist(invitation, qn, state, result, now, update_id)
        reply = self._reply(invitation, result, event, via_button)
        if welcome and reply.edit is not None:
            intro = screens.cat.t(
                "welcome", language, title=qn.title.get(language), authority=invitation.council(language)
            )
            text = f"{intro}\n{esc(qn.intro.get(language))}\n\n{reply.edit.text}"
            reply = Reply(edit=Screen(text, reply.edit.buttons), toast=reply.toast)
        return reply

    async def _persist(
        self,
        invitation: Invitation,
        qn: Questionnaire,
        state: State,
        result: Step,
        now: datetime,
        update_id: int | None,
    ) -> None:
        """The update is recorded with the last write it makes, so a crash between the two leaves it to be handled
        again (both writes are idempotent apart from the update)."""
        if result.save or result.cursor != state.cursor:
            await self.store.record(
                invitation.id, result.save, result.cursor, now, update_id=None if result.submit else update_id
            )
            if not result.submit:
                once.changed()
        if result.submit:
            await self.store.submit(invitation.id, qn.id, qn.version, now, update_id=update_id)
            once.changed()
            log.info("invitation %s submitted", invitation.reference)

    def _reply(self, invitation: Invitation, result: Step, event: engine.Input, via_button: bool) -> Reply:
        renderer = self.screens.renderer(invitation)
        toast, say = self.screens.toast, self.screens.cat.t
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
                return Reply(toast=toast(key, language, **params), edit=screen)
            notice = "⚠ " + say(key, language, **params)
            return Reply(send=(renderer.screen(result.prompt, authority=authority, notice=notice),))
        screen = renderer.screen(result.prompt, authority=authority)
        if not via_button:
            return Reply(send=(screen,))
        if result.changed_earlier is not None:
            # A button of an earlier question (an older message, a double tap, or an edit that never arrived): the
            # answer is changed, and the pressed message shows the question the person is on, so it is always on
            # screen somewhere; the toast says what changed.
            changed = result.changed_earlier
            return Reply(edit=screen, toast=toast("changed_earlier", language, question=changed.text.get(language)))
        if not result.save and not result.advanced and isinstance(event, engine.Choose):
            # A double tap, or a tap on an older message whose edit never arrived: nothing changes, and the pressed
            # message shows the question the person is really on (so nobody is left without the next screen).
            return Reply(toast=toast("already_saved", language), edit=screen)
        return Reply(edit=screen)
