"""/summary: an interim maturity summary at any time (labelled as interim), in the chat's language; the final one is
posted on completion.  Written to the access log."""

from __future__ import annotations

from flows.access_log import INTERIM_SUMMARY, AccessLog, auditor
from flows.fieldwork.finding import FindCampaign
from flows.fieldwork.names import AuditorCommand
from flows.fieldwork.wording import say
from flows.i18n import DEFAULT_LANGUAGE
from flows.ports.fieldwork import Reports
from flows.replies import Reply


class InterimSummary:
    def __init__(self, find: FindCampaign, completion: Reports, access: AccessLog):
        self.find = find
        self.completion = completion
        self.access = access

    async def __call__(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        campaign = await self.find(query, AuditorCommand.SUMMARY, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        text = await self.completion.interim_summary(campaign, language)
        await self.access.record(
            INTERIM_SUMMARY,
            who=auditor(user_id),
            campaign_id=campaign.id,
            authority=campaign.authority,
            detail=language,
        )
        return say(text)
