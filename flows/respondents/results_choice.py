"""The results choice: Yes or No to the council's results when ready (the thank-you screen's buttons)."""

from __future__ import annotations

from flows import once
from flows.i18n import DEFAULT_LANGUAGE
from flows.ports.respondents import Invitation, RespondentStore, ResultsChoice
from flows.replies import Reply
from flows.respondents.screens import Screens


class ChooseResults:
    def __init__(self, screens: Screens, store: RespondentStore):
        self.screens = screens
        self.store = store

    async def pressed(self, invitation: Invitation, wanted: bool, update_id: int | None = None) -> Reply:
        """Stored until the results go out (``flows.results``), then fixed.  The pressed message shows the choice
        made."""
        screens = self.screens
        language = invitation.language or DEFAULT_LANGUAGE
        outcome = await self.store.want_results(invitation.id, wanted, screens.clock.now(), update_id=update_id)
        once.changed()
        if outcome == ResultsChoice.TOO_LATE:
            return Reply(toast=screens.toast("results_too_late", language))
        key = ("results_" if outcome == ResultsChoice.CHANGED else "results_already_") + (
            "noted" if wanted else "declined"
        )
        return Reply(
            edit=screens.renderer(invitation).thanks(invitation.authority, wanted), toast=screens.toast(key, language)
        )
