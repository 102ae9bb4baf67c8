"""/rates: live response rates for one council, or every open one the auditor may see, with what changed since
their previous /rates and, for one council, the forecast.  Each campaign shown is written to the access log."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from flows import progress
from flows.access_log import RATES, AccessLog, auditor
from flows.auditors import Auditors
from flows.campaigns import CampaignService
from flows.fieldwork.finding import FindCampaign
from flows.fieldwork.names import AuditorCommand
from flows.fieldwork.wording import Wording, say
from flows.i18n import DEFAULT_LANGUAGE
from flows.model import MEMBER
from flows.ports.clock import Clock
from flows.ports.fieldwork import RatesForecast, RateViews
from flows.rate_texts import format_html
from flows.replies import Reply


class Rates:
    def __init__(
        self,
        campaigns: CampaignService,
        auditors: Auditors,
        find: FindCampaign,
        views: RateViews,
        access: AccessLog,
        words: Wording,
        clock: Clock,
        zone: ZoneInfo,
        forecasts: RatesForecast | None = None,
    ):
        self.campaigns = campaigns
        self.auditors = auditors
        self.find = find
        self.views = views
        self.access = access
        self.words = words
        self.clock = clock
        self.zone = zone
        self.forecasts = forecasts  # the /rates forecast (flows.forecast)

    async def __call__(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        return await (self.one(user_id, query, language) if query else self.open_ones(user_id, language))

    def _today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    async def one(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        campaign = await self.find(query, AuditorCommand.RATES, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        rates = await self.campaigns.rates(campaign.id)
        table = await self.campaigns.table(campaign, rates)
        now = self.clock.now()
        change = progress.change_line(await self.views.last_view(user_id, campaign.id), table, now, language)
        named = replace(table, authority=self.words.name(campaign, language))
        lines = [progress.heading(campaign, self._today(), language), format_html(named, language)]
        lines += await self.forecasts.lines(campaign, rates, now, language) if self.forecasts is not None else []
        await self.access.record(RATES, who=auditor(user_id), campaign_id=campaign.id, authority=campaign.authority)
        await self.views.save_view(user_id, campaign.id, rates, now)
        return say(self.words.fit([*lines, change], language))

    async def open_ones(self, user_id: int, language: str = DEFAULT_LANGUAGE) -> Reply:
        words = self.words
        now = self.clock.now()
        open_campaigns = [
            c
            for c in await self.campaigns.open_campaigns(self._today())
            if await self.auditors.sees(user_id, c.authority)
        ]
        if not open_campaigns:
            return words.say("auditor_nothing_open", language)
        tables = []
        for campaign in open_campaigns:
            rates = await self.campaigns.rates(campaign.id)
            tables.append((campaign, await self.campaigns.table(campaign, rates), rates))
        tables.sort(key=lambda ct: (progress.share(ct[1], MEMBER), ct[0].authority))
        await self.access.record_each(RATES, [c.id for c, _, _ in tables], who=auditor(user_id))
        lines = [words.t("auditor_open_heading", language, count=len(tables)), ""]
        for campaign, table, rates in tables:
            lines.append(progress.compact_line(campaign, table, language))
            view = await self.views.last_view(user_id, campaign.id)
            if view is not None and (delta := progress.delta(view, table, language)):
                lines.append(words.html("auditor_since_last_rates", language, change=delta))
            await self.views.save_view(user_id, campaign.id, rates, now)
        lines += ["", words.t("auditor_rates_hint", language)]
        return say(words.fit(lines, language))
