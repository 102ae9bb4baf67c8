"""Start: ``/start`` with an invite link binds the invitation to this Telegram account (and asks for a language);
``/start`` alone, or with a link already bound to them, shows where the respondent is."""

from __future__ import annotations

import logging

from flows import once
from flows.i18n import normalise_language
from flows.ports.respondents import RespondentStore
from flows.replies import Reply, Who
from flows.respondents.screens import Screens, busy_if_storage_fails
from flows.tokens import hash_token, looks_like_token

log = logging.getLogger(__name__)


class Start:
    def __init__(self, screens: Screens, store: RespondentStore):
        self.screens = screens
        self.store = store

    @busy_if_storage_fails
    @once.once_per_update
    async def __call__(self, who: Who, payload: str | None) -> Reply:
        """``/start`` with or without a deep-link payload."""
        screens, store = self.screens, self.store
        language = normalise_language(who.language_code)
        if not payload:
            invitation = await store.invitation_for_user(who.user_id)
            return screens.say("no_invitation", language) if invitation is None else await screens.where(invitation)
        invitation = await store.invitation_by_token_hash(hash_token(payload)) if looks_like_token(payload) else None
        if invitation is None or invitation.revoked:
            log.info("start refused: unknown or revoked link")
            return screens.say("link_unknown", language)
        if invitation.telegram_user_id is not None and invitation.telegram_user_id != who.user_id:
            log.info("start refused: invitation %s is bound to another account", invitation.reference)
            return screens.say("link_taken", language)
        if invitation.telegram_user_id is None:
            if closed := screens.outside_window(invitation, language):
                return closed
            earlier = await store.bound_in_campaign(invitation.campaign_id, who.user_id)
            if earlier is not None:
                log.info("start refused: a second link in campaign %s for one account", invitation.campaign_id)
                return screens.say("second_link", earlier.language or language, authority=invitation.authority)
            if not await store.bind(
                invitation.id, who.user_id, who.chat_id, screens.clock.now(), language, update_id=who.update_id
            ):
                return screens.say("link_taken", language)
            once.changed()
            log.info("invitation %s bound", invitation.reference)
            return Reply(send=(screens.language_screen(language, invitation.id, first_contact=True),))
        return await screens.where(invitation)
