"""A respondent's command (``/help``, ``/resume``, ``/review``, ``/language``, ``/privacy``, ``/withdraw``), decided
once and handed to the use case it names; any other command, auditors' included, gets the same "unknown command"."""

from __future__ import annotations

from flows import once
from flows.ports.respondents import RespondentStore
from flows.replies import Reply, RespondentCommand, Who
from flows.respondents.language import ChooseLanguage
from flows.respondents.review import ReviewAnswers
from flows.respondents.screens import Screens, busy_if_storage_fails
from flows.respondents.withdraw import Withdraw


class Command:
    def __init__(
        self,
        screens: Screens,
        store: RespondentStore,
        *,
        review: ReviewAnswers,
        language: ChooseLanguage,
        withdraw: Withdraw,
    ):
        self.screens = screens
        self.store = store
        self.review = review
        self.language = language
        self.withdraw = withdraw

    @busy_if_storage_fails
    @once.once_per_update
    async def __call__(self, who: Who, name: str) -> Reply:
        screens = self.screens
        invitation = await self.store.invitation_for_user(who.user_id)
        language = screens.language(invitation, who)
        if name not in set(RespondentCommand):
            return screens.say("unknown_command", language)  # the same for everyone, auditor commands included
        match name:
            case RespondentCommand.HELP:
                return screens.say("help", language)
            case RespondentCommand.PRIVACY:
                return screens.full_notice(language, invitation)
            case RespondentCommand.LANGUAGE:
                return self.language.command(language, invitation)
        if invitation is None:
            return screens.say("no_invitation", language)
        match name:
            case RespondentCommand.RESUME:
                return await screens.where(invitation)
            case RespondentCommand.REVIEW:
                return await self.review.command(who, invitation)
            case RespondentCommand.WITHDRAW:
                return self.withdraw.command(language)
        raise AssertionError(f"unhandled respondent command {name}")  # pragma: no cover
