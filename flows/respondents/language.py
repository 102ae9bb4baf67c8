"""Language: the respondent's choice of English or Cymraeg (the first step after the link, and /language)."""

from __future__ import annotations

from dataclasses import replace

from flows import once
from flows.ports.respondents import Invitation, RespondentStore
from flows.replies import Reply
from flows.respondents.screens import Screens


class ChooseLanguage:
    def __init__(self, screens: Screens, store: RespondentStore):
        self.screens = screens
        self.store = store

    def command(self, language: str, invitation: Invitation | None) -> Reply:
        """/language: the question, for the invitation they are working on (none: it only says so)."""
        owner = invitation.id if invitation is not None else None
        return Reply(send=(self.screens.language_screen(language, owner, usable=invitation is not None),))

    async def pressed(self, invitation: Invitation, language: str, update_id: int | None = None) -> Reply:
        screens = self.screens
        await self.store.set_language(invitation.id, language, screens.clock.now(), update_id=update_id)
        once.changed()
        invitation = replace(invitation, language=language)
        toast = screens.toast("language_set", language)
        if not invitation.notice_seen:
            return Reply(edit=screens.named(invitation, screens.notice_screen(language, invitation)), toast=toast)
        return Reply(edit=await screens.where_edited(invitation), toast=toast)
