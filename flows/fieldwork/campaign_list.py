"""/campaigns: every campaign of the councils the auditor may see, with its dates, status and responses; each
written to the access log."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flows import progress
from flows.access_log import CAMPAIGNS, AccessLog, auditor
from flows.auditors import Auditors
from flows.campaigns import CampaignService
from flows.fieldwork.wording import Wording, say
from flows.i18n import DEFAULT_LANGUAGE
from flows.ports.clock import Clock
from flows.render import esc
from flows.replies import Reply


class CampaignList:
    def __init__(
        self,
        campaigns: CampaignService,
        auditors: Auditors,
        access: AccessLog,
        words: Wording,
        clock: Clock,
        zone: ZoneInfo,
    ):
        self.campaigns = campaigns
        self.auditors = auditors
        self.access = access
        self.words = words
        self.clock = clock
        self.zone = zone

    async def __call__(self, user_id: int, language: str = DEFAULT_LANGUAGE) -> Reply:
        words = self.words
        today = self.clock.now().astimezone(self.zone).date()
        found = [c for c in await self.campaigns.campaigns() if await self.auditors.sees(user_id, c.authority)]
        if not found:
            return words.say("auditor_no_campaigns", language)
        lines = [words.t("auditor_campaigns_heading", language)]
        for c in found:
            table = await self.campaigns.table(c)
            lines.append(
                words.html(
                    "auditor_campaign_line",
                    language,
                    id=c.id,
                    authority=esc(words.name(c, language)),
                    opens=f"{c.opens_on:%d/%m/%Y}",
                    closes=f"{c.closes_on:%d/%m/%Y}",
                    status=progress.status_text(c, today, language),
                    responded=table.total.responded,
                    invited=table.total.invited,
                )
            )
        await self.access.record_each(CAMPAIGNS, [c.id for c in found], who=auditor(user_id))
        return say(words.fit(lines, language))
