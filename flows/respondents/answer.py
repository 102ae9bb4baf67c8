"""Answer: a question answered (or skipped, or opened again to change it) by its button, or answered by typing."""

from __future__ import annotations

import logging

from flows import engine, once
from flows.i18n import normalise_language
from flows.ports.respondents import Invitation, RespondentStore
from flows.replies import Reply, Who
from flows.respondents.questions import Questions
from flows.respondents.screens import Screens, busy_if_storage_fails

log = logging.getLogger(__name__)


class Answer:
    def __init__(self, screens: Screens, questions: Questions, store: RespondentStore):
        self.screens = screens
        self.questions = questions
        self.store = store

    async def pressed(
        self,
        invitation: Invitation,
        event: engine.Choose | engine.Skip | engine.Edit,
        answers: dict[str, str | None],
        update_id: int | None,
    ) -> Reply:
        """An option's button, Skip, or a question's button on the review screen."""
        return await self.questions.step(invitation, event, via_button=True, answers=answers, update_id=update_id)

    @busy_if_storage_fails
    @once.once_per_update
    async def __call__(self, who: Who, text: str) -> Reply:
        """A typed message (not a command)."""
        screens = self.screens
        invitation = await self.store.invitation_for_user(who.user_id)
        if invitation is None:
            return screens.say("no_invitation", normalise_language(who.language_code))
        if invitation.language is None or not invitation.notice_seen:
            return screens.with_notice(
                await screens.where(invitation), screens.language(invitation, who), "use_buttons"
            )
        if once.older(who.update_id, invitation):
            # typed before the screen now shown was put there: it answered an earlier question, never this one
            log.info("typed answer refused: typed before the question now on screen")
            return screens.with_notice(await screens.where(invitation), invitation.language, "typed_stale")
        return await self.questions.step(
            invitation, engine.Write(text, invitation.language), via_button=False, update_id=who.update_id
        )
