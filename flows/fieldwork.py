"""The auditors' side of fieldwork in chat: live response rates, campaigns, non-starters, closing, reminder rounds
on request, the interim summary, the final report again, the daily digest.

Only auditors (Telegram user ids from settings or ``datatool-bot auditors add``) get answers; ``is_auditor`` is
checked by the adapter before any command reaches this service, and again here for button presses.  The use cases
themselves are ``flows.campaigns.CampaignService``'s (the command line runs the same ones); this service words them
for chat.  Figures come from SQL aggregates behind ``CampaignStore``; the rate table is formatted by
``reports.rates``.  Pure and clock-free like the other flows services: storage only through the narrow Protocols
declared here, time from the ``Clock`` port.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from flows import callbacks
from flows.auditors import Auditors
from flows.callbacks import Action
from flows.campaigns import (
    AmbiguousAuthority,
    CampaignClosed,
    CampaignService,
    NoAuthority,
    NoCampaignFor,
    UnknownCampaign,
)
from flows.completion import SUMMARY, Bundle, Item
from flows.delivery import Delivery, Outcome
from flows.model import ROLES
from flows.ports import Clock
from flows.records import OPEN, Campaign, ManualRound, RateView, RoleRate
from flows.reminders import ReminderPolicy
from flows.render import MAX_TEXT, Button, Screen, esc
from flows.service import Reply
from reports import progress
from reports.progress import ROLE_WORDS
from reports.rates import format_html

log = logging.getLogger(__name__)


class AuditorCommand(StrEnum):
    RATES = "rates"
    CAMPAIGNS = "campaigns"
    NONSTARTERS = "nonstarters"
    CLOSE = "close"
    REMIND = "remind"
    SUMMARY = "summary"
    RESEND = "resend"


CLOSE = "close"  # confirmation kinds: cf:close:<campaign id>
REMIND = "remind"  # cf:remind:<one-time code> (storage.reminders.plan_manual)
ROLE_ARGS = {"member": "member", "members": "member", "officer": "officer", "officers": "officer"}
ALL_ROLES = "all"


# ---- ports ----------------------------------------------------------------------------------------------------------


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


class ReminderRounds(Protocol):
    """Auditors' reminder rounds (``storage.reminders.ReminderRepository``)."""

    async def policy_for_campaign(self, campaign_id: int) -> ReminderPolicy: ...

    async def eligible(self, campaign_id: int, roles: frozenset[str], policy: ReminderPolicy,
                       now: datetime) -> list[int]:
        """Invitation ids the policy lets be reminded now."""
        ...

    async def plan_manual(self, campaign_id: int, roles: str, invitation_ids: list[int], requested_by: int,
                          now: datetime) -> str:
        """Record a confirmation about to be shown, under a new one-time code."""
        ...

    async def manual_round(self, code: str) -> ManualRound | None: ...

    async def claim_manual(self, code: str, roles: frozenset[str], auditor_id: int,
                           now: datetime) -> tuple[ManualRound, bool] | None:
        """The first press queues the round (True); later ones find it sent (False); None for an unknown code."""
        ...


class Reports(Protocol):
    """The maturity summary on request (``flows.completion.CompletionService``)."""

    async def interim_summary(self, campaign: Campaign) -> str: ...

    async def final_bundle(self, campaign_id: int) -> Bundle: ...


class Resender(Protocol):
    """Posting the final report again (``flows.completion.PostingService``); only in the running bot."""

    async def resend(self, chat_id: int, campaign_id: int, name: str | None) -> list[tuple[Item, Delivery]]: ...


# ---- the service ----------------------------------------------------------------------------------------------------


def _fit(lines: list[str], limit: int = MAX_TEXT - 200) -> str:
    """Join lines, dropping the tail (with a note) when the message would pass Telegram's limit."""
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > limit:
            out.append(f"… and {len(lines) - i} more lines")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


class FieldworkService:
    def __init__(self, campaigns: CampaignService, auditors: Auditors, views: RateViews, digests: Digests,
                 clock: Clock, zone: ZoneInfo, *, on_close: Callable[[Campaign], Awaitable[None]] | None = None,
                 reminders: ReminderRounds | None = None, completion: Reports | None = None,
                 posting: Resender | None = None):
        self.campaigns = campaigns
        self.auditors = auditors
        self.views = views
        self.digests = digests
        self.reminders = reminders
        self.completion = completion
        self.posting = posting
        """Posts items to Telegram (/resend); only in the running bot."""
        self.clock = clock
        self.zone = zone
        self.on_close = on_close

    async def is_auditor(self, user_id: int) -> bool:
        return await self.auditors.is_auditor(user_id)

    async def auditor_ids(self) -> list[int]:
        return await self.auditors.ids()

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    def help(self) -> Reply:
        """What an auditor can ask (shown on a bare /start and on /help)."""
        return _say(
            "<b>Auditor commands</b> (any unambiguous part of a council's name will do, e.g. <i>flint</i>)\n"
            "/rates – every open campaign, lowest member response first\n"
            "/rates council – the report's table with margins, targets and what changed since you last asked\n"
            "/campaigns – campaigns, dates and status\n"
            "/nonstarters council – invitations never opened, for the council to chase by email\n"
            "/remind council [member|officer] – a reminder round now, after a confirmation\n"
            "/close council – close fieldwork early, after a confirmation\n"
            "/summary council – an interim maturity summary\n"
            "/resend council [item] – the final report again (all of it, or one item such as report-en.html)\n\n"
            "A digest arrives every morning; the final summary, charts and reports when fieldwork completes."
        )

    # ---- commands ------------------------------------------------------------------------------------------------

    async def command(self, user_id: int, name: str, args: list[str]) -> Reply:
        query = " ".join(args).strip()
        match name:
            case AuditorCommand.RATES:
                return await (self.rates_for(user_id, query) if query else self.rates_all(user_id))
            case AuditorCommand.CAMPAIGNS:
                return await self.campaign_list()
            case AuditorCommand.NONSTARTERS:
                return await self.nonstarters(query)
            case AuditorCommand.CLOSE:
                return await self.confirm_close(query)
            case AuditorCommand.SUMMARY:
                return await self.summary(query)
            case AuditorCommand.REMIND:
                role = ROLE_ARGS.get(args[-1].lower()) if args else None
                return await self.confirm_remind(user_id, " ".join(args[:-1]) if role else query, role)
            case AuditorCommand.RESEND:
                return await self.resend(user_id, args)
        raise ValueError(f"not an auditor command: {name}")

    async def resolve(self, query: str, command: str) -> Campaign | Reply:
        """The campaign a command about an authority means (the authority from any unambiguous part of its name),
        or the reply explaining why there is none."""
        if not query:
            return _say(f"Which council? For example: /{command} flint")
        try:
            return await self.campaigns.campaign_for(query)
        except NoAuthority:
            return _say(f"No council matches “{esc(query)}”. /campaigns lists them.")
        except AmbiguousAuthority as many:
            listed = "\n".join(f"• {esc(n)}" for n in many.names[:15])
            return _say(f"“{esc(query)}” matches {len(many.names)} councils; say which:\n{listed}")
        except NoCampaignFor as none:
            return _say(f"There is no campaign for {esc(none.authority)} yet.")

    async def rates_for(self, user_id: int, query: str) -> Reply:
        campaign = await self.resolve(query, AuditorCommand.RATES)
        if isinstance(campaign, Reply):
            return campaign
        rates = await self.campaigns.rates(campaign.id)
        table = await self.campaigns.table(campaign, rates)
        now = self.clock.now()
        change = progress.change_line(await self.views.last_view(user_id, campaign.id), table, now)
        await self.views.save_view(user_id, campaign.id, rates, now)
        text = "\n".join([progress.heading(campaign, self.today()), format_html(table), change])
        return _say(text)

    async def rates_all(self, user_id: int) -> Reply:
        now = self.clock.now()
        open_campaigns = await self.campaigns.open_campaigns(self.today())
        if not open_campaigns:
            return _say("No campaign is open. /campaigns lists them all.")
        tables = []
        for campaign in open_campaigns:
            rates = await self.campaigns.rates(campaign.id)
            tables.append((campaign, await self.campaigns.table(campaign, rates), rates))
        tables.sort(key=lambda ct: (progress.share(ct[1], "member"), ct[0].authority))
        lines = [f"<b>Open fieldwork: {len(tables)} council(s)</b>, lowest member response first", ""]
        for campaign, table, rates in tables:
            lines.append(progress.compact_line(campaign, table))
            view = await self.views.last_view(user_id, campaign.id)
            if view is not None and (delta := progress.delta(view, table)):
                lines.append(f"   since your last /rates: {delta}")
            await self.views.save_view(user_id, campaign.id, rates, now)
        lines.append("\n/rates &lt;council&gt; gives the full table with margins and targets.")
        return _say(_fit(lines))

    async def campaign_list(self) -> Reply:
        today = self.today()
        found = await self.campaigns.campaigns()
        if not found:
            return _say("No campaigns yet. Create one with: datatool-bot campaign create --authority NAME --closes YYYY-MM-DD")
        lines = ["<b>Campaigns</b>"]
        for c in found:
            table = await self.campaigns.table(c)
            lines.append(
                f"#{c.id} <b>{esc(c.authority)}</b> · {c.opens_on:%d/%m/%Y}–{c.closes_on:%d/%m/%Y} · "
                f"{progress.status_text(c, today)} · {table.total.responded}/{table.total.invited} responded"
            )
        return _say(_fit(lines))

    async def nonstarters(self, query: str) -> Reply:
        campaign = await self.resolve(query, AuditorCommand.NONSTARTERS)
        if isinstance(campaign, Reply):
            return campaign
        never = await self.campaigns.nonstarters(campaign.id)
        if not never:
            return _say(f"Everyone invited to {esc(campaign.authority)} has opened their link.")
        lines = [
            f"<b>{esc(campaign.authority)}</b>: {len(never)} invitation(s) never opened. A bot cannot message people "
            "who have not started it: ask the council to chase these references by email.",
        ]
        for role in ("member", "officer"):
            refs = [i.reference for i in never if i.role == role]
            if refs:
                lines.append(f"\n<b>{ROLE_WORDS[role][1].capitalize()} ({len(refs)})</b>\n<code>{' '.join(refs)}</code>")
        return _say(_fit(lines))

    async def confirm_close(self, query: str) -> Reply:
        campaign = await self.resolve(query, AuditorCommand.CLOSE)
        if isinstance(campaign, Reply):
            return campaign
        if campaign.closed_at is not None:
            return _say(f"Fieldwork for {esc(campaign.authority)} is already closed.")
        table = await self.campaigns.table(campaign)
        buttons = (
            (Button("Close fieldwork now", callbacks.encode(Action.CONFIRM, CLOSE, campaign.id)),),
            (Button("Cancel", callbacks.encode(Action.CANCEL)),),
        )
        text = (
            f"Close fieldwork for <b>{esc(campaign.authority)}</b> now, before {campaign.closes_on:%d/%m/%Y}?\n"
            f"{table.total.responded} of {table.total.invited} have responded. Respondents will no longer be able to "
            "answer, and the summary will be compiled."
        )
        return Reply(send=(Screen(text, buttons),))

    async def press(self, user_id: int, payload: str | None) -> Reply:
        if not await self.is_auditor(user_id):  # the adapter routes these elsewhere; refuse all the same
            raise PermissionError("auditor buttons are for auditors")
        cb = callbacks.decode(payload)
        if cb is not None and cb.action is Action.CANCEL:
            return Reply(edit=Screen("Cancelled: nothing was changed."))
        if cb is not None and cb.action is Action.CONFIRM and cb.arg(0) == REMIND and cb.arg(1):
            return await self.remind(user_id, cb.arg(1) or "")
        if cb is None or cb.action is not Action.CONFIRM or cb.arg(0) != CLOSE or not (cb.arg(1) or "").isdigit():
            return Reply(toast="That button is out of date.")
        try:
            closed = await self.campaigns.close(int(cb.arg(1) or 0))
        except UnknownCampaign:
            return Reply(toast="That campaign no longer exists.")
        except CampaignClosed as already:
            return Reply(edit=Screen(f"Fieldwork for {esc(already.campaign.authority)} was already closed."))
        log.info("campaign %s closed early by an auditor", closed.id)
        if self.on_close is not None:
            await self.on_close(closed)
        return Reply(edit=Screen(f"Fieldwork for <b>{esc(closed.authority)}</b> is closed."))

    async def summary(self, query: str) -> Reply:
        """An interim summary at any time (labelled as interim); the final one is posted on completion."""
        assert self.completion is not None
        campaign = await self.resolve(query, AuditorCommand.SUMMARY)
        if isinstance(campaign, Reply):
            return campaign
        return _say(await self.completion.interim_summary(campaign))

    def _roles(self, role: str | None) -> frozenset[str]:
        return frozenset({role}) if role in ROLES else frozenset(ROLES)

    async def _cannot_remind(self, campaign: Campaign) -> str | None:
        """Why no reminder round can be sent for this campaign now, if so."""
        assert self.reminders is not None
        if self.campaigns.status(campaign) != OPEN:
            return f"Fieldwork for {esc(campaign.authority)} is not open."
        policy = await self.reminders.policy_for_campaign(campaign.id)
        if policy.quiet(self.clock.now().astimezone(self.zone).time()):
            return (f"It is quiet hours ({policy.quiet_start:%H:%M}–{policy.quiet_end:%H:%M}): reminders are never "
                    "sent at night. Try again after quiet hours end.")
        return None

    async def confirm_remind(self, user_id: int, query: str, role: str | None) -> Reply:
        """The confirmation of a round now: it counts exactly those the policy lets be reminded now, and its button
        carries a one-time code under which those people are recorded."""
        assert self.reminders is not None
        campaign = await self.resolve(query, AuditorCommand.REMIND)
        if isinstance(campaign, Reply):
            return campaign
        if problem := await self._cannot_remind(campaign):
            return _say(problem)
        roles = self._roles(role)
        policy = await self.reminders.policy_for_campaign(campaign.id)
        now = self.clock.now()
        ids = await self.reminders.eligible(campaign.id, roles, policy, now)
        who = ROLE_WORDS[role][1] if role else "respondents"
        rules = (f"reminders go only to people who opened their link, have not submitted, have not turned reminders "
                 f"off or blocked the bot, were not reminded in the last {policy.min_gap_days:g} day(s), have had fewer "
                 f"than {policy.max_per_person} and were not active in the last {policy.skip_if_active_hours:g} hour(s)")
        if not ids:
            return _say(f"No {who} at {esc(campaign.authority)} can be reminded now: {rules}. "
                        f"/nonstarters {esc(campaign.authority.split()[0].lower())} lists those who never opened it.")
        code = await self.reminders.plan_manual(campaign.id, role or ALL_ROLES, ids, user_id, now)
        buttons = (
            (Button(f"Send to {len(ids)} now", callbacks.encode(Action.CONFIRM, REMIND, code)),),
            (Button("Cancel", callbacks.encode(Action.CANCEL)),),
        )
        return Reply(send=(Screen(f"Send a reminder now to <b>{len(ids)}</b> {who} at <b>{esc(campaign.authority)}</b> "
                                  f"who started and have not finished? The reminder policy still applies: {rules}.",
                                  buttons),))

    async def remind(self, user_id: int, code: str) -> Reply:
        """A press of a round's confirmation: the first one queues it; every later one says it was already sent."""
        assert self.reminders is not None
        found = await self.reminders.manual_round(code)
        if found is None:
            return Reply(toast="That button is out of date: send /remind again.")
        if found.sent_at is not None:
            return self._already_sent(found, user_id)
        try:
            campaign = await self.campaigns.campaign(found.campaign_id)
        except UnknownCampaign:
            return Reply(toast="That campaign no longer exists.")
        if problem := await self._cannot_remind(campaign):
            return Reply(edit=Screen(problem))
        claimed = await self.reminders.claim_manual(code, self._roles(found.roles), user_id, self.clock.now())
        assert claimed is not None
        done, fresh = claimed
        if not fresh:
            return self._already_sent(done, user_id)
        queued = done.queued or 0
        log.info("manual reminder round for campaign %s: %d of %d queued", campaign.id, queued, done.planned)
        text = (f"Queued {queued} reminder(s) for {esc(campaign.authority)}: they go out within a minute, in each "
                "person's language.")
        if queued < done.planned:
            text += (f" {done.planned - queued} of the {done.planned} counted are no longer due (reminded, finished, "
                     "active or opted out since the confirmation).")
        return Reply(edit=Screen(text))

    def _already_sent(self, found: ManualRound, user_id: int) -> Reply:
        assert found.sent_at is not None
        by = "you" if found.sent_by == user_id else "another auditor"
        when = found.sent_at.astimezone(self.zone)
        return Reply(edit=Screen(f"This reminder round was already sent by {by} at {when:%H:%M} on {when:%d/%m/%Y}: "
                                 f"{found.queued or 0} reminder(s) queued. Nothing more was sent."),
                     toast="Already sent")

    # ---- the final report again -----------------------------------------------------------------------------------

    async def resend(self, user_id: int, args: list[str]) -> Reply:
        """/resend council [item]: post the final report's items (all, or one) to the asking auditor again.  Asked
        for explicitly, so a duplicate of something that did arrive is the auditor's choice."""
        assert self.completion is not None
        if self.posting is None:
            return _say("Re-sending works only in the running bot.")
        name = args[-1] if len(args) > 1 and _looks_like_item(args[-1]) else None
        campaign = await self.resolve(" ".join(args[:-1] if name else args), AuditorCommand.RESEND)
        if isinstance(campaign, Reply):
            return campaign
        if campaign.closed_at is None:
            return _say(f"Fieldwork for {esc(campaign.authority)} is still open: the final report is posted when it "
                        "closes. /summary gives an interim summary.")
        bundle = await self.completion.final_bundle(campaign.id)
        if name is not None and len(bundle.find(name)) != 1:
            listed = ", ".join(i.key for i in bundle.items)
            return _say(f"No single item of the final report of {esc(campaign.authority)} is called “{esc(name)}”. "
                        f"Items: {esc(listed)}.")
        results = await self.posting.resend(user_id, campaign.id, name)
        sent = [item.label for item, d in results if d.outcome is Outcome.SENT]
        doubtful = [item.label for item, d in results if d.outcome is Outcome.UNKNOWN]
        missed = [item.label for item, d in results if d.outcome not in (Outcome.SENT, Outcome.UNKNOWN)]
        missed += [item.label for item in (bundle.items if name is None else bundle.find(name))
                   if item.key not in {i.key for i, _ in results}]
        lines = [f"<b>{esc(campaign.authority)}</b>, final report: sent again to this chat: "
                 f"{esc(', '.join(sent)) if sent else 'nothing'}."]
        if doubtful:
            lines.append(f"Telegram did not confirm {esc(', '.join(doubtful))}: look above before asking again.")
        if missed:
            lines.append(f"Not sent (Telegram failed): {esc(', '.join(missed))}. Try /resend again in a minute.")
        return _say("\n".join(lines))

    # ---- the daily digest ----------------------------------------------------------------------------------------

    async def digest(self) -> Screen | None:
        """Today's digest for auditors, or None when it was already sent today or nothing is open.

        The day is claimed in the database before sending, so a restart never sends a second digest that day.
        """
        now = self.clock.now()
        today = now.astimezone(self.zone).date()
        open_campaigns = await self.campaigns.open_campaigns(today)
        if not open_campaigns:
            return None
        since = await self.digests.last_digest()
        if not await self.digests.claim_digest(today, now):
            return None
        lines = [progress.digest_heading(today, since, self.zone)]
        for campaign in sorted(open_campaigns, key=lambda c: c.authority):
            table = await self.campaigns.table(campaign)
            new = await self.campaigns.responded_since(campaign.id, since) if since else None
            lines.append(progress.digest_block(campaign, table, new, today))
        return Screen(_fit(lines))


def _looks_like_item(word: str) -> bool:
    """Whether the last word of /resend names a report item rather than part of a council's name."""
    w = word.casefold()
    return w == SUMMARY or "." in w or w.startswith(("chart", "report", "answers", "questions"))


def _say(text: str) -> Reply:
    return Reply(send=(Screen(text),))
