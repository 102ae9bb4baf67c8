"""An auditor's command, in the language of the chat it came from, handed to the use case it names; and /help.

``is_auditor`` is checked by the adapter before any command reaches here."""

from __future__ import annotations

from flows.chat_language import ChatLanguageService
from flows.fieldwork.campaign_list import CampaignList
from flows.fieldwork.close import Close
from flows.fieldwork.names import AuditorCommand
from flows.fieldwork.nonstarters import Nonstarters
from flows.fieldwork.rates import Rates
from flows.fieldwork.remind import Remind
from flows.fieldwork.resend import Resend
from flows.fieldwork.summary import InterimSummary
from flows.fieldwork.wording import Wording
from flows.model import MEMBER, OFFICER
from flows.replies import Reply, Who

ROLE_ARGS = {
    "members": MEMBER,
    "officers": OFFICER,
    MEMBER: MEMBER,
    OFFICER: OFFICER,
    "aelod": MEMBER,
    "aelodau": MEMBER,
    "swyddog": OFFICER,
    "swyddogion": OFFICER,
}


class AuditorHelp:
    """What an auditor can ask (shown on a bare /start and on /help)."""

    def __init__(self, chat: ChatLanguageService, words: Wording):
        self.chat = chat
        self.words = words

    async def __call__(self, who: Who) -> Reply:
        return self.words.say("auditor_help", await self.chat.language(who))


class AuditorCommands:
    def __init__(
        self,
        chat: ChatLanguageService,
        *,
        rates: Rates,
        campaign_list: CampaignList,
        nonstarters: Nonstarters,
        close: Close,
        remind: Remind,
        summary: InterimSummary,
        resend: Resend,
    ):
        self.chat = chat
        self.rates = rates
        self.campaign_list = campaign_list
        self.nonstarters = nonstarters
        self.close = close
        self.remind = remind
        self.summary = summary
        self.resend = resend

    async def __call__(self, who: Who, name: str, args: list[str]) -> Reply:
        query = " ".join(args).strip()
        language = await self.chat.language(who)
        user_id = who.user_id
        match name:
            case AuditorCommand.RATES:
                return await self.rates(user_id, query, language)
            case AuditorCommand.CAMPAIGNS:
                return await self.campaign_list(user_id, language)
            case AuditorCommand.NONSTARTERS:
                return await self.nonstarters(user_id, query, language)
            case AuditorCommand.CLOSE:
                return await self.close.confirm(user_id, query, language)
            case AuditorCommand.SUMMARY:
                return await self.summary(user_id, query, language)
            case AuditorCommand.REMIND:
                role = ROLE_ARGS.get(args[-1].lower()) if args else None
                return await self.remind.confirm(user_id, " ".join(args[:-1]) if role else query, role, language)
            case AuditorCommand.RESEND:
                return await self.resend(who, args, language)
        raise ValueError(f"not an auditor command: {name}")
