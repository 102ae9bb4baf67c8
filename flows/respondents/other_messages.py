"""Messages that answer nothing: a sticker, photo, voice note, location or file, and an edited message.  Nothing is
stored; the person is told why and shown where they are."""

from __future__ import annotations

from flows.ports.respondents import RespondentStore
from flows.replies import Reply, Who
from flows.respondents.screens import Screens, busy_if_storage_fails


class Unsupported:
    def __init__(self, screens: Screens, store: RespondentStore):
        self.screens = screens
        self.store = store

    @busy_if_storage_fails
    async def __call__(self, who: Who) -> Reply:
        screens = self.screens
        invitation = await self.store.invitation_for_user(who.user_id)
        language = screens.language(invitation, who)
        if invitation is None:
            return screens.say("unsupported_message", language)
        return screens.with_notice(await screens.where(invitation), language, "unsupported_message")


class Edited:
    """Editing a message does not change a stored answer: say how to change one."""

    def __init__(self, screens: Screens, store: RespondentStore):
        self.screens = screens
        self.store = store

    @busy_if_storage_fails
    async def __call__(self, who: Who) -> Reply:
        invitation = await self.store.invitation_for_user(who.user_id)
        return self.screens.say("edit_ignored", self.screens.language(invitation, who))
