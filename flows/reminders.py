"""Reminders: the policy, the slot calendar, who is due, and the delivery loop — pure of Telegram and SQLite.

Slots are wall-clock times in the campaign's time zone on chosen weekdays, so "Tuesday 10:00" stays 10:00 in
Cardiff across the change to and from British Summer Time (its UTC instant moves).  Nothing is ever sent in quiet
hours.  Due reminders are worked out from the database at every tick: no in-memory job has to survive a restart.

Delivery guarantee (also in docs/respondents.md, Reminders): before anything is sent, the whole batch for a slot is written to the
``reminders`` table as ``queued``.  Each row is marked ``sending`` in its own committed transaction just before the
message goes out and ``sent`` just after.  After a crash, ``queued`` rows are sent by the next tick (nobody in the
batch is silently dropped), and a row left ``sending`` becomes ``unknown`` and is never sent again — so each
person gets each slot's reminder at most once; the only message whose delivery can be in doubt after a crash is the
single one in flight at that moment.  A send that Telegram answers too late (a timeout: it may have been delivered)
is recorded ``unknown`` too and never repeated; one that certainly did not go out (flood control, a 5xx, a refused
connection) stays ``queued`` and is tried again (``flows.delivery``).

Each campaign is planned on its own: a campaign whose slots cannot be worked out is logged by type and place and
skipped for that tick, and every other campaign gets its reminders (``flows.diagnostics.isolated``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flows import callbacks, engine
from flows.callbacks import Action
from flows.delivery import Outcome
from flows.diagnostics import isolated
from flows.i18n import Catalogue
from flows.model import Questionnaire, Role
from flows.ports.clock import Clock
from flows.ports.reminders import CampaignWindow, Messenger, Queued, ReminderPolicy, ReminderStore, Slot
from flows.render import Button, Screen

log = logging.getLogger(__name__)

FINAL = "final"
SNOOZE_PREFIX = "snooze:"
MANUAL_PREFIX = "manual:"
MAX_ATTEMPTS = 3
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25))
BATCH = 500


def _local(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """``day at`` in ``zone``, or None when that wall-clock time does not exist (the spring-forward gap)."""
    moment = datetime.combine(day, at, tzinfo=zone)
    round_trip = moment.astimezone(ZoneInfo("UTC")).astimezone(zone)
    return moment if round_trip.replace(tzinfo=None) == moment.replace(tzinfo=None) else None


def campaign_slots(policy: ReminderPolicy, opens_on: date, closes_on: date, zone: ZoneInfo) -> list[Slot]:
    """Every reminder slot of a campaign, in time order: the weekday slots, then the final one."""
    utc = ZoneInfo("UTC")
    close = datetime.combine(closes_on + timedelta(days=1), time(0), tzinfo=zone)  # end of the last day
    final_day = (close - timedelta(days=policy.final_days_before_close)).date()
    final_day = max(final_day, opens_on)
    final_at = _local(final_day, policy.final_time, zone)
    slots: list[Slot] = []
    day = opens_on
    while day <= closes_on:
        if day.weekday() in policy.weekdays:
            for t in sorted(policy.times):
                moment = _local(day, t, zone)
                if moment is not None and moment < close and (final_at is None or moment < final_at):
                    slots.append(Slot(f"{day.isoformat()}T{t:%H:%M}", moment.astimezone(utc)))
        day += timedelta(days=1)
    if final_at is not None and final_at < close:
        slots.append(Slot(FINAL, final_at.astimezone(utc), final=True))
    return slots


def due_slot(policy: ReminderPolicy, slots: Sequence[Slot], now: datetime, zone: ZoneInfo) -> Slot | None:
    """The slot to work on now: the latest one already reached, unless it is older than the grace period or it is
    quiet hours now."""
    if policy.quiet(now.astimezone(zone).time()):
        return None
    reached = [s for s in slots if s.at <= now]
    if not reached:
        return None
    latest = reached[-1]
    return latest if now - latest.at <= timedelta(hours=policy.grace_hours) else None


def after_quiet(policy: ReminderPolicy, moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment``, or the end of the quiet hours it falls in."""
    local = moment.astimezone(zone)
    if not policy.quiet(local.time()):
        return moment
    day = local.date() if local.time() < policy.quiet_end else local.date() + timedelta(days=1)
    return (_local(day, policy.quiet_end, zone) or local).astimezone(ZoneInfo("UTC"))


# ---- ports ----------------------------------------------------------------------------------------------------------


# ---- the service ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickReport:
    queued: int = 0
    sent: int = 0
    unreachable: int = 0
    failed: int = 0
    unknown: int = 0  # may have been delivered (timed out): recorded ``unknown``, never sent again
    paused_until: datetime | None = None


class ReminderService:
    def __init__(
        self,
        store: ReminderStore,
        messenger: Messenger,
        clock: Clock,
        zone: ZoneInfo,
        questionnaires: dict[str, Questionnaire],
        catalogue: Catalogue,
    ):
        self.store = store
        self.messenger = messenger
        self.clock = clock
        self.zone = zone
        self.questionnaires = questionnaires
        self.cat = catalogue
        self._paused_until: datetime | None = None

    async def recover(self) -> int:
        return await self.store.recover()

    async def plan(self, now: datetime) -> int:
        """Queue whatever is due now: the current slot of each open campaign, and snoozes that have come round."""
        queued = 0
        campaigns = await self.store.open_campaigns(now.astimezone(self.zone).date())
        for campaign in campaigns:
            # One campaign's data (a close date the calendar cannot reach, say) holds back no other's reminders.
            with isolated(log, f"reminders: campaign {campaign.id} skipped this tick"):
                queued += await self._plan_campaign(campaign, now)
        policies = {c.id: c.policy for c in campaigns}
        if not any(p.quiet(now.astimezone(self.zone).time()) for p in policies.values()):
            queued += await self.store.queue_snoozed(now, policies)
        return queued

    async def _plan_campaign(self, campaign: CampaignWindow, now: datetime) -> int:
        """Queue the slot of one campaign that is due now, if any; how many were queued."""
        slots = campaign_slots(campaign.policy, campaign.opens_on, campaign.closes_on, self.zone)
        slot = due_slot(campaign.policy, slots, now, self.zone)
        if slot is None:
            return 0
        # A role at or above its target gets only the final, deadline reminder.
        roles = frozenset(r.value for r in Role) if slot.final else campaign.below_target
        return await self.store.queue_slot(campaign, slot, roles, now) if roles else 0

    async def tick(self) -> TickReport:
        """One pass: queue what is due, then send what is queued (until done, or flood control says wait)."""
        now = self.clock.now()
        if self._paused_until is not None and now < self._paused_until:
            return TickReport(paused_until=self._paused_until)
        queued = await self.plan(now)
        sent = unreachable = failed = unknown = 0
        async for item in self._due(now):
            if not await self.store.mark_sending(item.invitation_id, item.slot, now):
                continue  # someone else (another tick) took it
            screen = None
            with isolated(log, f"reminders: campaign {item.campaign_id}: a reminder could not be written"):
                screen = await self.render(item, now)
            if screen is None:  # recorded as failed, and the others go on
                failed += 1
                await self.store.mark(item.invitation_id, item.slot, "failed", now, error="not rendered")
                continue
            delivery = await self.messenger.send(item.chat_id, screen)
            now_after = self.clock.now()
            match delivery.outcome:
                case Outcome.SENT:
                    sent += 1
                    await self.store.mark(item.invitation_id, item.slot, "sent", now_after)
                case Outcome.UNREACHABLE:
                    unreachable += 1
                    await self.store.mark(item.invitation_id, item.slot, "unreachable", now_after, error=delivery.error)
                case Outcome.UNKNOWN:
                    # Telegram may have delivered it and answered too late: sending again could make it twice.
                    unknown += 1
                    await self.store.mark(item.invitation_id, item.slot, "unknown", now_after, error=delivery.error)
                    log.warning("a reminder may or may not have been delivered (%s): not sent again", delivery.error)
                case Outcome.RETRY if delivery.flood:
                    # Certainly not delivered; Telegram says how long to wait, for everything this bot sends.
                    wait_until = now_after + timedelta(seconds=delivery.retry_after)
                    await self.store.mark(
                        item.invitation_id, item.slot, "queued", now_after, not_before=wait_until, error=delivery.error
                    )
                    self._paused_until = wait_until
                    log.warning("flood control: reminders paused for %.0f s", delivery.retry_after)
                    return TickReport(queued, sent, unreachable, failed, unknown, wait_until)
                case _:  # RETRY (5xx, connection refused) or FAILED: not delivered, tried again with back-off
                    wait = backoff_for(item.attempts + 1)
                    if wait is None:
                        failed += 1
                        await self.store.mark(item.invitation_id, item.slot, "failed", now_after, error=delivery.error)
                    else:
                        await self.store.mark(
                            item.invitation_id,
                            item.slot,
                            "queued",
                            now_after,
                            not_before=now_after + wait,
                            error=delivery.error,
                        )
        self._paused_until = None
        return TickReport(queued, sent, unreachable, failed, unknown)

    async def _due(self, now: datetime) -> AsyncIterator[Queued]:
        """Everything due now, a batch at a time, until none is left (a round of thousands goes out in one tick,
        paced by the messenger; what was deferred has a later ``not_before`` and is not due again)."""
        while batch := await self.store.due(now, BATCH):
            for item in batch:
                yield item

    async def render(self, item: Queued, now: datetime) -> Screen:
        """The reminder in the respondent's language: how far they are, how long is left, and what they can do."""
        qn = self.questionnaires[item.role]
        lang = item.language
        answers = await self.store.answers(item.invitation_id)
        shown = engine.visible_questions(qn, answers)
        remaining = engine.unanswered(qn, answers)
        answered = len(shown) - len(remaining)
        minutes = max(1, round(sum(q.estimated_seconds for q in remaining) / 60)) if remaining else 0
        days = (item.closes_on - now.astimezone(self.zone).date()).days
        key = "reminder_final" if item.final else "reminder"
        text = self.cat.t(
            key,
            lang,
            authority=item.authority,
            answered=answered,
            total=len(shown),
            minutes=minutes,
            days=max(days, 0),
            date=item.closes_on.strftime("%d/%m/%Y"),
        )
        owner = item.invitation_id  # the buttons act on this invitation only (flows/callbacks.py)
        buttons = (
            (Button(self.cat.raw("button_continue", lang), callbacks.encode(Action.RESUME, owner=owner)),),
            (Button(self.cat.raw("button_snooze", lang), callbacks.encode(Action.SNOOZE, owner=owner)),),
            (Button(self.cat.raw("button_reminders_off", lang), callbacks.encode(Action.STOP_REMINDERS, owner=owner)),),
        )
        return Screen(text, buttons)


def backoff_for(attempt: int) -> timedelta | None:
    """How long to wait after failed attempt number ``attempt`` (1-based), or None: give up and record it."""
    return BACKOFF[attempt - 1] if attempt < MAX_ATTEMPTS else None
