"""The /rates forecast for one council: where each group's response rate is heading by the close date
(``reports.forecast``), from when responses came and reminders went out so far (``FieldworkHistory``) and the
reminder slots the campaign's policy still has before the close (``flows.reminders.campaign_slots``).

Pure and clock-free like the other flows services: the time is passed in.  Only while fieldwork is open; a group
at or above its target gets only the final reminder (as ``ReminderService.plan`` sends them), so only that slot
counts for it.
"""

from __future__ import annotations

import html
import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows.diagnostics import where
from flows.i18n import DEFAULT_LANGUAGE
from flows.ports.errors import StorageUnavailable
from flows.ports.fieldwork import FieldworkHistory
from flows.ports.reminders import Policies
from flows.rate_texts import forecast_lines
from flows.records import OPEN, Campaign, RoleRate
from flows.reminders import campaign_slots
from reports.forecast import GroupForecast, GroupHistory, forecast_group

log = logging.getLogger(__name__)


class ForecastService:
    def __init__(self, history: FieldworkHistory, policies: Policies, zone: ZoneInfo):
        self.history = history
        self.policies = policies
        self.zone = zone

    async def forecasts(self, campaign: Campaign, rates: list[RoleRate], now: datetime) -> list[GroupForecast]:
        """Each group's forecast at ``now``; none when fieldwork is not open."""
        if campaign.status(now.astimezone(self.zone).date()) != OPEN:
            return []
        policy = await self.policies.policy_for_campaign(campaign.id)
        slots = [s for s in campaign_slots(policy, campaign.opens_on, campaign.closes_on, self.zone) if s.at > now]
        submitted = await self.history.submission_times(campaign.id)
        sent = await self.history.reminder_rounds(campaign.id)
        opens_at = datetime.combine(campaign.opens_on, time(0), tzinfo=self.zone)
        closes_at = datetime.combine(campaign.closes_on + timedelta(days=1), time(0), tzinfo=self.zone)
        out = []
        for rate in rates:
            if not rate.invited:
                continue
            target = campaign.targets.get(rate.role)
            reached = target is not None and rate.responded >= target * rate.invited - 1e-9
            left = tuple(s.at for s in slots if s.final or not reached)
            history = GroupHistory(
                rate.role,
                rate.invited,
                tuple(submitted.get(rate.role, ())),
                tuple(sent.get(rate.role, ())),
                left,
                target,
            )
            out.append(forecast_group(history, opens_at, closes_at, now))
        return out

    async def lines(
        self, campaign: Campaign, rates: list[RoleRate], now: datetime, language: str = DEFAULT_LANGUAGE
    ) -> list[str]:
        """The forecast as lines of Telegram HTML (a blank line, the heading in italics, a line per group); none
        when fieldwork is not open."""
        try:
            found = await self.forecasts(campaign, rates, now)
        except StorageUnavailable:
            raise
        except Exception as exc:  # a policy stored before its bounds were checked: /rates still shows the rates
            log.error("campaign %s: no forecast: %s", campaign.id, where(exc))
            return []
        if not found:
            return []
        heading, *groups = (
            html.escape(line, quote=False) for line in forecast_lines(found, campaign.closes_on, language)
        )
        return ["", f"<i>{heading}</i>", *groups]
