"""Back: the previous question shown again, its answer kept."""

from __future__ import annotations

from flows import engine
from flows.ports.respondents import Invitation
from flows.replies import Reply
from flows.respondents.questions import Questions


class GoBack:
    def __init__(self, questions: Questions):
        self.questions = questions

    async def pressed(
        self, invitation: Invitation, event: engine.Back, answers: dict[str, str | None], update_id: int | None
    ) -> Reply:
        return await self.questions.step(invitation, event, via_button=True, answers=answers, update_id=update_id)
