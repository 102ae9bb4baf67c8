"""Review and submit: every answer on one screen (the Review button, /review), and Submit, which locks them."""

from __future__ import annotations

from flows import engine
from flows.ports.respondents import Invitation
from flows.replies import Reply, Who
from flows.respondents.questions import Questions
from flows.respondents.screens import Screens


class ReviewAnswers:
    def __init__(self, screens: Screens, questions: Questions):
        self.screens = screens
        self.questions = questions

    async def pressed(
        self,
        invitation: Invitation,
        event: engine.Review | engine.Submit,
        answers: dict[str, str | None],
        update_id: int | None,
    ) -> Reply:
        return await self.questions.step(invitation, event, via_button=True, answers=answers, update_id=update_id)

    async def command(self, who: Who, invitation: Invitation) -> Reply:
        """/review: before the language and the notice there is nothing to review, so it shows where they are."""
        if invitation.language is None or not invitation.notice_seen:
            return await self.screens.where(invitation)
        return await self.questions.step(invitation, engine.Review(), via_button=False, update_id=who.update_id)
