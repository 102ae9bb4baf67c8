"""The privacy notice: read (its Start button, which opens the questionnaire with a welcome) before any question."""

from __future__ import annotations

from flows import engine, once
from flows.ports.respondents import Invitation, RespondentStore
from flows.replies import Reply
from flows.respondents.questions import Questions
from flows.respondents.screens import Screens


class ReadNotice:
    def __init__(self, screens: Screens, questions: Questions, store: RespondentStore):
        self.screens = screens
        self.questions = questions
        self.store = store

    async def pressed(self, invitation: Invitation, answers: dict[str, str | None], update_id: int | None) -> Reply:
        """The notice's Start button: the first question (with a welcome the first time)."""
        welcome = not invitation.notice_seen
        if welcome:
            await self.store.mark_notice_seen(invitation.id, self.screens.clock.now(), update_id=update_id)
            once.changed()
        return await self.questions.step(invitation, engine.Show(), via_button=True, welcome=welcome, answers=answers)
