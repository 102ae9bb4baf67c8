"""What auditors are shown of fieldwork's figures: /rates for one council or every open one, /campaigns, and the daily
digest; a part of ``flows.fieldwork.FieldworkService`` (mixed in), split off by use case.

Each is limited to the councils the auditor may see (``flows.auditors.Auditors.scope``; the auditors' group chat
sees every council), and each release is written to the access log (``flows.access_log``) before the reply or the
digest goes out: one entry per campaign shown, naming who it went to.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from flows import diagnostics
from flows.access_log import CAMPAIGNS, DIGEST, RATES, AccessLog, auditor, chat
from flows.auditors import Auditors
from flows.campaigns import CampaignService
from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES, Catalogue, catalogue
from flows.model import MEMBER
from flows.ports import Clock, RatesForecast
from flows.records import Campaign, RateView, RoleRate
from flows.render import MAX_TEXT, Screen, esc
from flows.service import Reply
from reports import progress
from reports.rates import format_html

log = logging.getLogger("flows.fieldwork")


class RateViews(Protocol):
    """What each auditor saw at their previous /rates of a campaign (``storage.auditors.AuditorRepository``)."""

    async def last_view(self, auditor_id: int, campaign_id: int) -> RateView | None: ...

    async def save_view(self, auditor_id: int, campaign_id: int, rates: list[RoleRate], now: datetime) -> None: ...


class Digests(Protocol):
    """The days whose digest was sent (``storage.auditors.AuditorRepository``)."""

    async def last_digest(self) -> str | None: ...

    async def claim_digest(self, digest_date: date, now: datetime) -> bool:
        """Record the day's digest before sending it; False when it was already claimed."""
        ...


def _fit(lines: list[str], language: str = DEFAULT_LANGUAGE, limit: int = MAX_TEXT - 200) -> str:
    """Join lines, dropping the tail (with a note) when the message would pass Telegram's limit."""
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > limit:
            out.append(catalogue().t("auditor_more_lines", language, count=len(lines) - i))
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def _say(text: str) -> Reply:
    return Reply(send=(Screen(text),))


class FiguresForAuditors:
    """/rates, /campaigns and the digest (mixed into ``FieldworkService``, which sets these attributes)."""

    campaigns: CampaignService
    auditors: Auditors
    views: RateViews
    digests: Digests
    access: AccessLog
    forecasts: RatesForecast | None
    cat: Catalogue
    clock: Clock
    zone: ZoneInfo

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def _t(self, key: str, language: str, **params: object) -> str:
        """A catalogue text with ``params`` escaped."""
        return self.cat.t(key, language, **params)

    def _html(self, key: str, language: str, **markup: object) -> str:
        """A catalogue text with ``markup`` filled in as it is: HTML already escaped where it came from."""
        return self.cat.raw(key, language).format(**markup)

    def _say(self, key: str, language: str, **params: object) -> Reply:
        return _say(self._t(key, language, **params))

    def _name(self, campaign: Campaign, language: str) -> str:
        return progress.authority(campaign, language)

    async def _visible(self, user_id: int, campaigns: list[Campaign]) -> list[Campaign]:
        """The campaigns of ``campaigns`` whose council ``user_id`` (an auditor, or a chat) may see."""
        return [c for c in campaigns if await self.auditors.sees(user_id, c.authority)]

    async def rates_for(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        campaign = await self.resolve(query, "rates", language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        rates = await self.campaigns.rates(campaign.id)
        table = await self.campaigns.table(campaign, rates)
        now = self.clock.now()
        change = progress.change_line(await self.views.last_view(user_id, campaign.id), table, now, language)
        named = replace(table, authority=self._name(campaign, language))
        lines = [progress.heading(campaign, self.today(), language), format_html(named, language)]
        lines += await self.forecasts.lines(campaign, rates, now, language) if self.forecasts is not None else []
        await self.access.record(RATES, who=auditor(user_id), campaign_id=campaign.id, authority=campaign.authority)
        await self.views.save_view(user_id, campaign.id, rates, now)
        return _say(_fit([*lines, change], language))

    async def rates_all(self, user_id: int, language: str = DEFAULT_LANGUAGE) -> Reply:
        now = self.clock.now()
        open_campaigns = await self._visible(user_id, await self.campaigns.open_campaigns(self.today()))
        if not open_campaigns:
            return self._say("auditor_nothing_open", language)
        tables = []
        for campaign in open_campaigns:
            rates = await self.campaigns.rates(campaign.id)
            tables.append((campaign, await self.campaigns.table(campaign, rates), rates))
        tables.sort(key=lambda ct: (progress.share(ct[1], MEMBER), ct[0].authority))
        await self.access.record_each(RATES, [c.id for c, _, _ in tables], who=auditor(user_id))
        lines = [self._t("auditor_open_heading", language, count=len(tables)), ""]
        for campaign, table, rates in tables:
            lines.append(progress.compact_line(campaign, table, language))
            view = await self.views.last_view(user_id, campaign.id)
            if view is not None and (delta := progress.delta(view, table, language)):
                lines.append(self._html("auditor_since_last_rates", language, change=delta))
            await self.views.save_view(user_id, campaign.id, rates, now)
        lines += ["", self._t("auditor_rates_hint", language)]
        return _say(_fit(lines, language))

    async def campaign_list(self, user_id: int, language: str = DEFAULT_LANGUAGE) -> Reply:
        today = self.today()
        found = await self._visible(user_id, await self.campaigns.campaigns())
        if not found:
            return self._say("auditor_no_campaigns", language)
        lines = [self._t("auditor_campaigns_heading", language)]
        for c in found:
            table = await self.campaigns.table(c)
            lines.append(self._html(
                "auditor_campaign_line", language, id=c.id, authority=esc(self._name(c, language)),
                opens=f"{c.opens_on:%d/%m/%Y}", closes=f"{c.closes_on:%d/%m/%Y}",
                status=progress.status_text(c, today, language), responded=table.total.responded,
                invited=table.total.invited))
        await self.access.record_each(CAMPAIGNS, [c.id for c in found], who=auditor(user_id))
        return _say(_fit(lines, language))

    async def digest(self) -> list[tuple[int, Screen]]:
        """Today's digest for each recipient chat (the auditors' group chat, or each auditor), each in that chat's
        language and with the councils that chat may see; a chat that may see none of the open councils gets none.
        Empty when it was already sent today or nothing is open.  A council whose figures fail is left out (logged
        by type and place), not the whole digest.  The day is claimed in the database before sending, so a restart
        never sends a second digest that day; each chat's councils are written to the access log before it goes."""
        now = self.clock.now()
        today = now.astimezone(self.zone).date()
        open_campaigns = await self.campaigns.open_campaigns(today)
        if not open_campaigns:
            return []
        since = await self.digests.last_digest()
        if not await self.digests.claim_digest(today, now):
            return []
        blocks: list[tuple[Campaign, dict[str, str]]] = []  # each council's block in each language
        for campaign in sorted(open_campaigns, key=lambda c: c.authority):
            with diagnostics.isolated(log, f"digest: campaign {campaign.id} left out"):
                table = await self.campaigns.table(campaign)
                new = await self.campaigns.responded_since(campaign.id, since) if since else None
                blocks.append((campaign, {lang: progress.digest_block(campaign, table, new, today, lang)
                                          for lang in LANGUAGES}))
        screens: dict[tuple[str, tuple[int, ...]], Screen] = {}
        out = []
        for chat_id in await self.auditors.recipients():
            shown = [(c, block) for c, block in blocks if await self.auditors.sees(chat_id, c.authority)]
            if not shown:
                continue
            language = await self.auditors.language(chat_id)
            key = (language, tuple(c.id for c, _ in shown))
            if key not in screens:
                lines = [progress.digest_heading(today, since, self.zone, language)]
                lines += [block.get(language, block[DEFAULT_LANGUAGE]) for _, block in shown]
                screens[key] = Screen(_fit(lines, language))
            await self.access.record_each(DIGEST, [c.id for c, _ in shown], who=chat(chat_id))
            out.append((chat_id, screens[key]))
        return out

    async def resolve(self, query: str, command: str, language: str = DEFAULT_LANGUAGE,
                      user_id: int | None = None) -> Campaign | Reply:
        raise NotImplementedError  # FieldworkService's
