"""The auditors' side of fieldwork in chat: live response rates, campaigns, non-starters, closing, reminder rounds
on request, the interim summary, the final report again, the daily digest (the figures, /rates, /campaigns and the
digest, are in ``flows.fieldwork_rates``, mixed in here).

Only auditors (Telegram user ids from settings or ``datatool-bot auditors add``) get answers; ``is_auditor`` is
checked by the adapter before any command reaches this service, and again here for button presses.  An auditor
limited to some councils (``flows.auditors.Auditors.scope``) finds only those: every command about a council looks
for it among theirs, so any other reads exactly as a council that does not exist ("No council matches …"), and a
button for another council's campaign as a campaign that no longer exists.  Every release of data (figures, the
references of non-starters, a summary) is written to the access log (``flows.access_log``) before it goes out.

The use cases themselves are ``flows.campaigns.CampaignService``'s (the command line runs the same ones); this
service words them for chat.  Figures come from SQL aggregates behind ``CampaignStore``; the rate table is formatted
by ``reports.rates``.  Pure and clock-free like the other flows services: storage only through the narrow Protocols
declared here, time from the ``Clock`` port.

Every text is in the language of the chat it goes to, chosen there with /language (``flows.chat_language``); the
texts are in the message catalogue (``flows/messages.yaml``, ``auditor_*``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from flows import callbacks
from flows.access_log import INTERIM_SUMMARY, NONSTARTERS, AccessLog, auditor
from flows.auditors import Auditors, campaign_in_scope
from flows.callbacks import Action
from flows.campaigns import (
    AmbiguousAuthority,
    CampaignClosed,
    CampaignService,
    NoAuthority,
    NoCampaignFor,
    UnknownCampaign,
)
from flows.chat_language import ChatLanguageService, Questionnaires, is_group
from flows.completion import SUMMARY, Bundle, Item
from flows.delivery import Delivery, Outcome
from flows.fieldwork_rates import Digests, FiguresForAuditors, RateViews, _fit, _say
from flows.i18n import DEFAULT_LANGUAGE, LANGUAGES, Catalogue, catalogue
from flows.model import MEMBER, OFFICER, ROLES
from flows.ports import Clock, RatesForecast
from flows.records import OPEN, Campaign, ManualRound
from flows.reminders import ReminderPolicy
from flows.render import Button, Screen, esc
from flows.service import Reply, Who
from reports import progress

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
ROLE_ARGS = {"members": MEMBER, "officers": OFFICER, MEMBER: MEMBER, OFFICER: OFFICER,
             "aelod": MEMBER, "aelodau": MEMBER, "swyddog": OFFICER, "swyddogion": OFFICER}
ALL_ROLES = "all"


# ---- ports ----------------------------------------------------------------------------------------------------------


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

    async def interim_summary(self, campaign: Campaign, language: str = ...) -> str: ...

    async def final_bundle(self, campaign_id: int) -> Bundle: ...


class Resender(Protocol):
    """Posting the final report again (``flows.completion.PostingService``); only in the running bot."""

    async def resend(self, chat_id: int, campaign_id: int, name: str | None,
                     language: str = DEFAULT_LANGUAGE) -> list[tuple[Item, Delivery]]: ...


# ---- the service ----------------------------------------------------------------------------------------------------


__all__ = ["AuditorCommand", "Digests", "FieldworkService", "RateViews", "ReminderRounds", "Reports", "Resender"]


class FieldworkService(FiguresForAuditors):
    def __init__(self, campaigns: CampaignService, auditors: Auditors, views: RateViews, digests: Digests,
                 clock: Clock, zone: ZoneInfo, access: AccessLog, *, reminders: ReminderRounds, completion: Reports,
                 on_close: Callable[[Campaign], Awaitable[None]] | None = None, posting: Resender | None = None,
                 forecasts: RatesForecast | None = None, questionnaires: Questionnaires | None = None,
                 cat: Catalogue | None = None):
        self.campaigns = campaigns
        self.auditors = auditors
        self.access = access
        """Where every release of data to an auditor is written first."""
        self.views = views
        self.digests = digests
        self.reminders = reminders
        self.completion = completion
        self.posting = posting  # posts items to Telegram (/resend); only in the running bot
        self.forecasts = forecasts  # the /rates forecast (flows.forecast)
        self.cat = cat or catalogue()
        self.chat = ChatLanguageService(auditors, self.cat, questionnaires)
        """The language of each chat, and /language."""
        self.clock = clock
        self.zone = zone
        self.on_close = on_close

    async def is_auditor(self, user_id: int) -> bool:
        return await self.auditors.is_auditor(user_id)

    async def auditor_ids(self) -> list[int]:
        return await self.auditors.ids()

    # ---- words -----------------------------------------------------------------------------------------------------

    async def language(self, who: Who) -> str:
        """The language of auditor texts in the chat ``who`` writes from."""
        return await self.chat.language(who)

    async def choose_language(self, who: Who, args: list[str]) -> Reply:
        """/language from an auditor, in their private chat or in the auditors' group chat."""
        return await self.chat.choose(who, args)

    async def help(self, who: Who) -> Reply:
        """What an auditor can ask (shown on a bare /start and on /help)."""
        return self._say("auditor_help", await self.language(who))

    # ---- commands ------------------------------------------------------------------------------------------------

    async def command(self, who: Who, name: str, args: list[str]) -> Reply:
        query = " ".join(args).strip()
        language = await self.language(who)
        user_id = who.user_id
        match name:
            case AuditorCommand.RATES:
                return await (self.rates_for(user_id, query, language) if query
                              else self.rates_all(user_id, language))
            case AuditorCommand.CAMPAIGNS:
                return await self.campaign_list(user_id, language)
            case AuditorCommand.NONSTARTERS:
                return await self.nonstarters(user_id, query, language)
            case AuditorCommand.CLOSE:
                return await self.confirm_close(user_id, query, language)
            case AuditorCommand.SUMMARY:
                return await self.summary(user_id, query, language)
            case AuditorCommand.REMIND:
                role = ROLE_ARGS.get(args[-1].lower()) if args else None
                return await self.confirm_remind(user_id, " ".join(args[:-1]) if role else query, role, language)
            case AuditorCommand.RESEND:
                return await self.resend(who, args, language)
        raise ValueError(f"not an auditor command: {name}")

    async def resolve(self, query: str, command: str, language: str = DEFAULT_LANGUAGE,
                      user_id: int | None = None) -> Campaign | Reply:
        """The campaign a command about an authority means (the authority from any unambiguous part of its name,
        among the councils auditor ``user_id`` may see), or the reply explaining why there is none: a council they
        may not see is answered exactly as one that does not exist."""
        if not query:
            return self._say("auditor_which_council", language, command=command)
        scope = None if user_id is None else await self.auditors.scope(user_id)
        try:
            if scope is not None:
                return await campaign_in_scope(self.campaigns, query, scope)
            return await self.campaigns.campaign_for(query)
        except NoAuthority:
            return self._say("auditor_no_council", language, query=query)
        except AmbiguousAuthority as many:
            listed = "\n".join(f"• {esc(n)}" for n in many.names[:15])
            return _say(self._html("auditor_ambiguous_council", language, query=esc(query), count=len(many.names),
                                   names=listed))
        except NoCampaignFor as none:
            return self._say("auditor_no_campaign_for", language, authority=none.authority)

    async def nonstarters(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        campaign = await self.resolve(query, AuditorCommand.NONSTARTERS, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        name = self._name(campaign, language)
        never = await self.campaigns.nonstarters(campaign.id)
        if not never:
            return self._say("auditor_all_opened", language, authority=name)
        lines = [self._t("auditor_nonstarters", language, authority=name, count=len(never))]
        for role in (MEMBER, OFFICER):
            refs = [i.reference for i in never if i.role == role]
            if refs:
                lines.append("\n" + self._t("auditor_nonstarters_role", language, count=len(refs),
                                            role=progress.role_word(role, progress.ALL, language).capitalize(),
                                            references=" ".join(refs)))
        await self.access.record(NONSTARTERS, who=auditor(user_id), campaign_id=campaign.id,
                                 authority=campaign.authority, detail=f"{len(never)} reference(s)")
        return _say(_fit(lines, language))

    async def confirm_close(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        campaign = await self.resolve(query, AuditorCommand.CLOSE, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        name = self._name(campaign, language)
        if campaign.closed_at is not None:
            return self._say("auditor_already_closed", language, authority=name)
        table = await self.campaigns.table(campaign)
        buttons = (
            (Button(self._t("auditor_button_close", language), callbacks.encode(Action.CONFIRM, CLOSE, campaign.id)),),
            (Button(self._t("auditor_button_cancel", language), callbacks.encode(Action.CANCEL)),),
        )
        text = self._t("auditor_close_confirm", language, authority=name, closes=f"{campaign.closes_on:%d/%m/%Y}",
                       responded=table.total.responded, invited=table.total.invited)
        return Reply(send=(Screen(text, buttons),))

    async def press(self, who: Who, payload: str | None) -> Reply:
        """A press of an auditor's button: a confirmation, its cancel, or a language (``lang:<code>`` with no
        invitation).  In the auditors' group chat anyone may press; only auditors' presses act."""
        if not await self.is_auditor(who.user_id):
            if is_group(who):  # say why nothing happens
                return Reply(toast=self._t("auditor_only", await self.language(who)))
            raise PermissionError("auditor buttons are for auditors")  # the adapter routes these elsewhere
        language = await self.language(who)
        cb = callbacks.decode(payload)
        if cb is not None and cb.action is Action.LANGUAGE and cb.owner is None and cb.arg(0) in LANGUAGES:
            return await self.chat.chosen(who, cb.arg(0) or DEFAULT_LANGUAGE)
        if cb is not None and cb.action is Action.CANCEL:
            return Reply(edit=Screen(self._t("auditor_cancelled", language)))
        if cb is not None and cb.action is Action.CONFIRM and cb.arg(0) == REMIND and cb.arg(1):
            return await self.remind(who.user_id, cb.arg(1) or "", language)
        if cb is None or cb.action is not Action.CONFIRM or cb.arg(0) != CLOSE or not (cb.arg(1) or "").isdigit():
            return Reply(toast=self._t("auditor_stale_button", language))
        try:
            campaign = await self.campaigns.campaign(int(cb.arg(1) or 0))
            if not await self.auditors.sees(who.user_id, campaign.authority):
                raise UnknownCampaign(campaign.id)  # another council's: as if it did not exist
            closed = await self.campaigns.close(campaign.id)
        except UnknownCampaign:
            return Reply(toast=self._t("auditor_no_such_campaign", language))
        except CampaignClosed as already:
            return Reply(edit=Screen(self._t("auditor_was_already_closed", language,
                                             authority=self._name(already.campaign, language))))
        log.info("campaign %s closed early by an auditor", closed.id)
        if self.on_close is not None:
            await self.on_close(closed)
        return Reply(edit=Screen(self._t("auditor_closed", language, authority=self._name(closed, language))))

    async def summary(self, user_id: int, query: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        """An interim summary at any time (labelled as interim), in the chat's language; the final one is posted on
        completion."""
        campaign = await self.resolve(query, AuditorCommand.SUMMARY, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        text = await self.completion.interim_summary(campaign, language)
        await self.access.record(INTERIM_SUMMARY, who=auditor(user_id), campaign_id=campaign.id,
                                 authority=campaign.authority, detail=language)
        return _say(text)

    def _roles(self, role: str | None) -> frozenset[str]:
        return frozenset({role}) if role in ROLES else frozenset(ROLES)

    async def _cannot_remind(self, campaign: Campaign, language: str) -> str | None:
        """Why no reminder round can be sent for this campaign now, if so."""
        if self.campaigns.status(campaign) != OPEN:
            return self._t("auditor_not_open", language, authority=self._name(campaign, language))
        policy = await self.reminders.policy_for_campaign(campaign.id)
        if policy.quiet(self.clock.now().astimezone(self.zone).time()):
            return self._t("auditor_quiet_hours", language, start=f"{policy.quiet_start:%H:%M}",
                           end=f"{policy.quiet_end:%H:%M}")
        return None

    async def confirm_remind(self, user_id: int, query: str, role: str | None,
                             language: str = DEFAULT_LANGUAGE) -> Reply:
        """The confirmation of a round now: it counts exactly those the policy lets be reminded now, and its button
        carries a one-time code under which those people are recorded."""
        campaign = await self.resolve(query, AuditorCommand.REMIND, language, user_id)
        if isinstance(campaign, Reply):
            return campaign
        if problem := await self._cannot_remind(campaign, language):
            return _say(problem)
        roles = self._roles(role)
        policy = await self.reminders.policy_for_campaign(campaign.id)
        now = self.clock.now()
        ids = await self.reminders.eligible(campaign.id, roles, policy, now)
        name = self._name(campaign, language)
        rules = self._t("auditor_remind_rules", language, gap=f"{policy.min_gap_days:g}", most=policy.max_per_person,
                        hours=f"{policy.skip_if_active_hours:g}")
        if not ids:
            return _say(self._html("auditor_remind_nobody", language, authority=esc(name), rules=rules,
                                   who=progress.role_word(role or "respondent", progress.ALL, language),
                                   handle=esc(campaign.authority.split()[0].lower())))
        code = await self.reminders.plan_manual(campaign.id, role or ALL_ROLES, ids, user_id, now)
        buttons = (
            (Button(self._t("auditor_button_remind", language, count=len(ids)),
                    callbacks.encode(Action.CONFIRM, REMIND, code)),),
            (Button(self._t("auditor_button_cancel", language), callbacks.encode(Action.CANCEL)),),
        )
        who = progress.counted(role or "respondent", len(ids), language)
        text = self._html("auditor_remind_confirm", language, count=len(ids), who=who, authority=esc(name),
                          rules=rules)
        return Reply(send=(Screen(text, buttons),))

    async def remind(self, user_id: int, code: str, language: str = DEFAULT_LANGUAGE) -> Reply:
        """A press of a round's confirmation: the first one queues it; every later one says it was already sent."""
        found = await self.reminders.manual_round(code)
        if found is None:
            return Reply(toast=self._t("auditor_remind_stale", language))
        try:
            campaign = await self.campaigns.campaign(found.campaign_id)
            if not await self.auditors.sees(user_id, campaign.authority):
                raise UnknownCampaign(campaign.id)  # another council's: as if it did not exist
        except UnknownCampaign:
            return Reply(toast=self._t("auditor_no_such_campaign", language))
        if found.sent_at is not None:
            return self._already_sent(found, user_id, language)
        if problem := await self._cannot_remind(campaign, language):
            return Reply(edit=Screen(problem))
        claimed = await self.reminders.claim_manual(code, self._roles(found.roles), user_id, self.clock.now())
        assert claimed is not None
        done, fresh = claimed
        if not fresh:
            return self._already_sent(done, user_id, language)
        queued = done.queued or 0
        log.info("manual reminder round for campaign %s: %d of %d queued", campaign.id, queued, done.planned)
        text = self._t("auditor_remind_queued", language, queued=queued, authority=self._name(campaign, language))
        if queued < done.planned:
            text += " " + self._t("auditor_remind_no_longer_due", language, skipped=done.planned - queued,
                                  planned=done.planned)
        return Reply(edit=Screen(text))

    def _already_sent(self, found: ManualRound, user_id: int, language: str) -> Reply:
        assert found.sent_at is not None
        by = self._t("auditor_round_sent_by_you" if found.sent_by == user_id else "auditor_round_sent_by_other",
                     language)
        when = found.sent_at.astimezone(self.zone)
        return Reply(edit=Screen(self._html("auditor_round_already_sent", language, by=by, time=f"{when:%H:%M}",
                                            date=f"{when:%d/%m/%Y}", queued=found.queued or 0)),
                     toast=self._t("auditor_already_sent", language))

    # ---- the final report again -----------------------------------------------------------------------------------

    async def resend(self, who: Who, args: list[str], language: str = DEFAULT_LANGUAGE) -> Reply:
        """/resend council [item]: post the final report's items (all, or one) to the asking auditor's chat again,
        in its language (each item written to the access log as it goes, by ``PostingService.resend``).  Asked for
        explicitly, so a duplicate of something that did arrive is the auditor's choice."""
        if self.posting is None:
            return self._say("auditor_resend_offline", language)
        chat_id = who.chat_id
        name = args[-1] if len(args) > 1 and _looks_like_item(args[-1]) else None
        campaign = await self.resolve(" ".join(args[:-1] if name else args), AuditorCommand.RESEND, language,
                                      who.user_id)
        if isinstance(campaign, Reply):
            return campaign
        council = self._name(campaign, language)
        if campaign.closed_at is None:
            return self._say("auditor_resend_still_open", language, authority=council)
        bundle = await self.completion.final_bundle(campaign.id)
        items = bundle.items_in(language)
        if name is not None and len(bundle.find(name, language)) != 1:
            listed = ", ".join(i.key for i in items)
            return self._say("auditor_resend_no_item", language, authority=council, name=name, items=listed)
        results = await self.posting.resend(chat_id, campaign.id, name, language)
        sent = [item.label_in(language) for item, d in results if d.outcome is Outcome.SENT]
        doubtful = [item.label_in(language) for item, d in results if d.outcome is Outcome.UNKNOWN]
        missed = [item.label_in(language) for item, d in results if d.outcome not in (Outcome.SENT, Outcome.UNKNOWN)]
        missed += [item.label_in(language) for item in (items if name is None else bundle.find(name, language))
                   if item.key not in {i.key for i, _ in results}]
        lines = [self._t("auditor_resend_sent", language, authority=council,
                         items=", ".join(sent) if sent else self.cat.raw("auditor_resend_nothing", language))]
        if doubtful:
            lines.append(self._t("auditor_resend_doubtful", language, items=", ".join(doubtful)))
        if missed:
            lines.append(self._t("auditor_resend_missed", language, items=", ".join(missed)))
        return _say("\n".join(lines))


def _looks_like_item(word: str) -> bool:
    """Whether the last word of /resend names a report item rather than part of a council's name."""
    w = word.casefold()
    return w == SUMMARY or "." in w or w.startswith(("chart", "report", "answers", "questions"))

