"""A reminder's buttons: "Remind me tomorrow" (snooze) and no more reminders."""

from __future__ import annotations

from datetime import timedelta

from flows import once
from flows.callbacks import Action
from flows.i18n import DEFAULT_LANGUAGE
from flows.ports.respondents import Invitation, RespondentStore
from flows.render import Screen
from flows.replies import Reply
from flows.respondents.screens import Screens

SNOOZE_FOR = timedelta(days=1)  # "Remind me tomorrow"


class ReminderChoice:
    def __init__(self, screens: Screens, store: RespondentStore):
        self.screens = screens
        self.store = store

    async def pressed(self, invitation: Invitation, action: Action, update_id: int | None = None) -> Reply:
        screens = self.screens
        language = invitation.language or DEFAULT_LANGUAGE
        now = screens.clock.now()
        if invitation.submitted:
            return Reply(toast=screens.toast("already_submitted", language, authority=invitation.council(language)))
        if action is Action.SNOOZE:
            await self.store.snooze(invitation.id, now + SNOOZE_FOR, now, update_id=update_id)
            once.changed()
            return Reply(edit=Screen(screens.cat.t("snoozed", language)))
        await self.store.reminders_off(invitation.id, now, update_id=update_id)
        once.changed()
        return Reply(edit=Screen(screens.cat.t("reminders_stopped", language)))
