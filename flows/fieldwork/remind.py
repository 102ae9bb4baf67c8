"""/remind: a reminder round now, for a council's members, officers or both, after a confirmation that counts
exactly those the reminder policy lets be reminded now.  Its button carries a one-time code: the first press queues
the round, every later one says it was already sent (and by whom)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from flows import callbacks, progress
from flows.auditors import Auditors
from flows.callbacks import Action
from flows.campaigns import CampaignService, UnknownCampaign
from flows.fieldwork.finding import FindCampaign
from flows.fieldwork.names import REMIND, AuditorCommand
from flows.fieldwork.wording import Wording, say
from flows.i18n import DEFAULT_LANGUAGE
from flows.model import ROLES
from flows.ports.clock import Clock
from flows.ports.fieldwork import ReminderRounds
from flows.records import OPEN, Campaign, ManualRound
from flows.render import Button, Screen, esc
from flows.replies import Reply

log = logging.getLogger("flows.fieldwork")

ALL_ROLES = "all"


class Remind:
    def __init__(
        self,
        campaigns: CampaignService,
        auditors: Auditors,
        find: FindCampaign,
        reminders: ReminderRounds,
        words: Wording,
        clock: Clock,
        zone: ZoneInfo,
    ):
        self.campaigns = campaigns
        self.auditors = auditors
        self.find = find
        self.reminders = reminders
        self.words = words
        self.clock = clock
        self.zone = zone

    async def confirm(self, user_id: int, query: str, role: str | None, language: str = DEFAULT_LANGUAGE) -> Reply:
        """The confirmation of a round now: it counts exactly those the policy lets be reminded now, and its button
        carries a one-time code under which those people are recorded."""
        words = self.words
        campaign = await self.find(query, AuditorCommand.REMIND, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        if problem := await self._cannot_remind(campaign, language):
            return say(problem)
        roles = _roles(role)
        policy = await self.reminders.policy_for_campaign(campaign.id)
        now = self.clock.now()
        ids = await self.reminders.eligible(campaign.id, roles, policy, now)
        name = words.name(campaign, language)
        rules = words.t(
            "auditor_remind_rules",
            language,
            gap=f"{policy.min_gap_days:g}",
            most=policy.max_per_person,
            hours=f"{policy.skip_if_active_hours:g}",
        )
        if not ids:
            return say(
                words.html(
                    "auditor_remind_nobody",
                    language,
                    authority=esc(name),
                    rules=rules,
                    who=progress.role_word(role or "respondent", progress.ALL, language),
                    handle=esc(campaign.authority.split()[0].lower()),
                )
            )
        code = await self.reminders.plan_manual(campaign.id, role or ALL_ROLES, ids, user_id, now)
        buttons = (
            (
                Button(
                    words.t("auditor_button_remind", language, count=len(ids)),
                    callbacks.encode(Action.CONFIRM, REMIND, code),
                ),
            ),
            (Button(words.t("auditor_button_cancel", language), callbacks.encode(Action.CANCEL)),),
        )
        who = progress.counted(role or "respondent", len(ids), language)
        text = words.html("auditor_remind_confirm", language, count=len(ids), who=who, authority=esc(name), rules=rules)
        return Reply(send=(Screen(text, buttons),))

    async def pressed(self, user_id: int, code: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        """A press of a round's confirmation: the first one queues it; every later one says it was already sent."""
        words = self.words
        found = await self.reminders.manual_round(code)
        if found is None:
            return Reply(toast=words.t("auditor_remind_stale", language))
        try:
            campaign = await self.campaigns.campaign(found.campaign_id)
            if not await self.auditors.sees(user_id, campaign.authority):
                raise UnknownCampaign(campaign.id)  # another council's: as if it did not exist
        except UnknownCampaign:
            return Reply(toast=words.t("auditor_no_such_campaign", language))
        if found.sent_at is not None:
            return self._already_sent(found, user_id, language)
        if problem := await self._cannot_remind(campaign, language):
            return Reply(edit=Screen(problem))
        claimed = await self.reminders.claim_manual(code, _roles(found.roles), user_id, self.clock.now())
        assert claimed is not None
        done, fresh = claimed
        if not fresh:
            return self._already_sent(done, user_id, language)
        queued = done.queued or 0
        log.info("manual reminder round for campaign %s: %d of %d queued", campaign.id, queued, done.planned)
        text = words.t("auditor_remind_queued", language, queued=queued, authority=words.name(campaign, language))
        if queued < done.planned:
            text += " " + words.t(
                "auditor_remind_no_longer_due", language, skipped=done.planned - queued, planned=done.planned
            )
        return Reply(edit=Screen(text))

    async def _cannot_remind(self, campaign: Campaign, language: str) -> str | None:
        """Why no reminder round can be sent for this campaign now, if so."""
        if self.campaigns.status(campaign) != OPEN:
            return self.words.t("auditor_not_open", language, authority=self.words.name(campaign, language))
        policy = await self.reminders.policy_for_campaign(campaign.id)
        if policy.quiet(self.clock.now().astimezone(self.zone).time()):
            return self.words.t(
                "auditor_quiet_hours", language, start=f"{policy.quiet_start:%H:%M}", end=f"{policy.quiet_end:%H:%M}"
            )
        return None

    def _already_sent(self, found: ManualRound, user_id: int, language: str) -> Reply:
        words = self.words
        assert found.sent_at is not None
        by = words.t(
            "auditor_round_sent_by_you" if found.sent_by == user_id else "auditor_round_sent_by_other", language
        )
        when = found.sent_at.astimezone(self.zone)
        return Reply(
            edit=Screen(
                words.html(
                    "auditor_round_already_sent",
                    language,
                    by=by,
                    time=f"{when:%H:%M}",
                    date=f"{when:%d/%m/%Y}",
                    queued=found.queued or 0,
                )
            ),
            toast=words.t("auditor_already_sent", language),
        )


def _roles(role: str | None) -> frozenset[str]:
    return frozenset({role}) if role in ROLES else frozenset(ROLES)
