"""The campaign a command about a council means, among the councils the asking auditor may see."""

from __future__ import annotations

from flows.auditors import Auditors, campaign_in_scope
from flows.campaigns import AmbiguousAuthority, CampaignService, NoAuthority, NoCampaignFor
from flows.fieldwork.wording import Wording, say
from flows.i18n import DEFAULT_LANGUAGE
from flows.records import Campaign
from flows.render import esc
from flows.replies import Reply


class FindCampaign:
    def __init__(self, campaigns: CampaignService, auditors: Auditors, words: Wording):
        self.campaigns = campaigns
        self.auditors = auditors
        self.words = words

    async def __call__(
        self, query: str, command: str, language: str = DEFAULT_LANGUAGE, user_id: int | None = None
    ) -> Campaign | Reply:
        """The campaign a command about an authority means (the authority from any unambiguous part of its name,
        among the councils auditor ``user_id`` may see), or the reply explaining why there is none: a council they
        may not see is answered exactly as one that does not exist."""
        words = self.words
        if not query:
            return words.say("auditor_which_council", language, command=command)
        scope = None if user_id is None else await self.auditors.scope(user_id)
        try:
            if scope is not None:
                return await campaign_in_scope(self.campaigns, query, scope)
            return await self.campaigns.campaign_for(query)
        except NoAuthority:
            return words.say("auditor_no_council", language, query=query)
        except AmbiguousAuthority as many:
            listed = "\n".join(f"• {esc(n)}" for n in many.names[:15])
            return say(
                words.html("auditor_ambiguous_council", language, query=esc(query), count=len(many.names), names=listed)
            )
        except NoCampaignFor as none:
            return words.say("auditor_no_campaign_for", language, authority=none.authority)
