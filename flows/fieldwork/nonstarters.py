"""/nonstarters: the references of a council's invitations never opened, by role (written to the access log)."""

from __future__ import annotations

from flows import progress
from flows.access_log import NONSTARTERS, AccessLog, auditor
from flows.campaigns import CampaignService
from flows.fieldwork.finding import FindCampaign
from flows.fieldwork.names import AuditorCommand
from flows.fieldwork.wording import Wording, say
from flows.i18n import DEFAULT_LANGUAGE
from flows.model import MEMBER, OFFICER
from flows.replies import Reply


class Nonstarters:
    def __init__(self, campaigns: CampaignService, find: FindCampaign, access: AccessLog, words: Wording):
        self.campaigns = campaigns
        self.find = find
        self.access = access
        self.words = words

    async def __call__(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        words = self.words
        campaign = await self.find(query, AuditorCommand.NONSTARTERS, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        name = words.name(campaign, language)
        never = await self.campaigns.nonstarters(campaign.id)
        if not never:
            return words.say("auditor_all_opened", language, authority=name)
        lines = [words.t("auditor_nonstarters", language, authority=name, count=len(never))]
        for role in (MEMBER, OFFICER):
            refs = [i.reference for i in never if i.role == role]
            if refs:
                lines.append(
                    "\n"
                    + words.t(
                        "auditor_nonstarters_role",
                        language,
                        count=len(refs),
                        role=progress.role_word(role, progress.ALL, language).capitalize(),
                        references=" ".join(refs),
                    )
                )
        await self.access.record(
            NONSTARTERS,
            who=auditor(user_id),
            campaign_id=campaign.id,
            authority=campaign.authority,
            detail=f"{len(never)} reference(s)",
        )
        return say(words.fit(lines, language))
