"""Retention: a campaign's respondent-level data is kept for a set period after fieldwork closes, then erased
(issue 23, item 1).

The period is the campaign's own (``campaign create/update --retention-days``) or the configured one
(``DATATOOL_RETENTION_DAYS``), counted from the moment fieldwork closed (``campaigns.closed_at``).  The privacy notice
states the same period (``config/privacy.py`` generates its sentence from it).

What goes at expiry is everything that ties an answer to a person: the invitations (their token hashes and
references, which the council can map to a name), the Telegram user and chat ids bound to them, every answer
(free-text comments included), submissions, reminders and results deliveries, and the respondent-level exports in
the report folder (``answers-NOT-FOR-PUBLICATION``).  What stays: the campaign itself (council, dates, round), the
compiled reports and the aggregate tables (unless the policy removes them too), the access log and the counts of
what was erased.

A purge is run by the retention job (``tick``, from the job queue), once per campaign:

1. **claimed** in the database first (committed): a second claim, by a restart or by another process, finds it;
2. pending report rebuilds from withdrawals are finished, so the kept reports hold no withdrawn answers;
3. **erased**: every respondent-level row deleted in ONE transaction (SQLite's ``secure_delete`` overwrites them),
   which also writes the erasure ledger outside the database (``storage.erasures``) and the access log;
4. the respondent-level files are removed from the report folder (the whole folder too if the policy says so);
5. the write-ahead log is checkpointed and emptied (``wal_checkpoint(TRUNCATE)``), so no deleted row survives in
   ``datatool.db-wal``; while a reader keeps it from being emptied, the purge waits for the next tick;
6. the auditors are told, once per chat; then it is **finished**.

Each step can be repeated without harm, so a purge a crash interrupted is finished by the next tick (or at start-up),
never started again.  A set number of days before expiry (``DATATOOL_RETENTION_WARNING_DAYS``) the auditors are
warned in chat, once per chat and expiry date, with the guarantee of the other sends: claimed ``sending`` before the
send, ``sent`` after; a send that certainly failed is tried again at the next tick (a refusal, once a day); one that
may have arrived (a timeout, a crash) is never repeated.

Pure and clock-free: the time comes from the ``Clock`` port; storage, the report folder, the messenger and the
recipients are the Protocols declared here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.access_log import PURGE, SCHEDULE, AccessLog
from flows.campaigns import CampaignError
from flows.delivery import Outcome
from flows.diagnostics import isolated
from flows.i18n import Catalogue, in_language
from flows.ports.clock import Clock
from flows.ports.reminders import Messenger
from flows.ports.retention import (
    CampaignRetention,
    Holding,
    PurgeState,
    Recipients,
    ReportRebuilds,
    RetentionStore,
    StoredReports,
)
from flows.questions.text import TextQuestion
from flows.records import Campaign
from flows.render import Screen

log = logging.getLogger(__name__)

DEFAULT_DAYS = 365
MIN_DAYS, MAX_DAYS = 1, 3650
"""The bounds of a retention period, in days (``--retention-days``, ``DATATOOL_RETENTION_DAYS``)."""
DEFAULT_WARNING_DAYS = 14

WARNING, ERASED = "warning", "erased"
"""The two notices auditors get about a campaign's retention (``retention_notices.kind``)."""
SENDING, SENT, UNKNOWN, FAILED = "sending", "sent", "unknown", "failed"
REFUSED_WAIT = timedelta(days=1)
"""How long a notice Telegram refused (an auditor who has not started the bot) waits before it is tried again."""

OPEN, KEPT, WARNED, DUE, PURGING, PURGED = "open", "kept", "warned", "due", "purging", "purged"
"""Where a campaign is in its retention (``Plan.state``)."""


# ---- records ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """What the configuration says: the period, the warning and whether the compiled reports are kept."""

    days: int = DEFAULT_DAYS
    warning_days: int = DEFAULT_WARNING_DAYS
    keep_reports: bool = True


@dataclass(frozen=True)
class Plan:
    """One campaign's retention, for ``datatool-bot retention`` and the job."""

    campaign: Campaign
    days: int
    own_period: bool
    expires_at: datetime | None
    """When its respondent-level data goes; None while fieldwork is open."""
    earliest: date | None
    """While fieldwork is open: the earliest day it can go (its close date plus the period)."""
    state: str
    holding: Holding
    """What goes (or, once purged, what went)."""
    files: tuple[str, ...]
    """Respondent-level files that go with it (the exports of each respondent's answers)."""
    reports: tuple[str, ...]
    """The compiled reports and aggregate tables: kept, or removed too (``keep_reports``)."""
    keep_reports: bool
    purge: PurgeState | None = None
    warned: bool = False


@dataclass(frozen=True)
class TickReport:
    warned: int = 0
    purged: tuple[int, ...] = ()
    waiting: tuple[int, ...] = ()
    """Purges that could not finish this tick (the write-ahead log could not be emptied yet)."""


# ---- ports -----------------------------------------------------------------------------------------------------------


# ---- rules -----------------------------------------------------------------------------------------------------------


class RetentionError(Exception):
    """A change of retention refused; the adapter words it from the attributes."""


class DataErased(CampaignError):
    """The campaign's respondent-level data was erased at the end of its retention period: no report can be built from
    it any more (the one compiled at close is kept, unless the policy removed it)."""

    def __init__(self, campaign: Campaign, kept: Path):
        super().__init__(
            f"campaign {campaign.id} ({campaign.authority}): its respondents' answers were erased on "
            f"{(campaign.erased_at or '')[:10]} at the end of its retention period, so no report can be "
            f"built from them; the final report compiled at close is kept in {kept}"
        )
        self.campaign, self.kept = campaign, kept


class AlreadyPurged(RetentionError):
    def __init__(self, campaign: Campaign, erased_at: str):
        super().__init__(f"campaign {campaign.id}'s respondent-level data was already erased")
        self.campaign, self.erased_at = campaign, erased_at


class LongerAfterNotice(RetentionError):
    """Respondents were told the period in the privacy notice: it may be shortened, never lengthened."""

    def __init__(self, campaign: Campaign, current: int, wanted: int):
        super().__init__(f"campaign {campaign.id}: respondents were told {current} days")
        self.campaign, self.current, self.wanted = campaign, current, wanted


def check_days(days: int) -> int:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"a retention period is {MIN_DAYS} to {MAX_DAYS} days")
    return days


def closed_moment(campaign: Campaign) -> datetime | None:
    return datetime.fromisoformat(campaign.closed_at) if campaign.closed_at else None


def expiry(campaign: Campaign, days: int) -> datetime | None:
    """The end of the retention period: ``days`` after fieldwork closed; None while it is open."""
    closed = closed_moment(campaign)
    return None if closed is None else closed + timedelta(days=days)


def earliest_expiry(campaign: Campaign, days: int) -> date:
    """For a campaign still open: the earliest day its data can go (the day after its close date, plus the period)."""
    return campaign.closes_on + timedelta(days=days + 1)


def warning_from(expires_at: datetime, warning_days: int) -> datetime | None:
    return None if warning_days <= 0 else expires_at - timedelta(days=warning_days)


def state_of(row: CampaignRetention, policy: Policy, now: datetime, warned: bool = False) -> str:
    if row.purge is not None:
        return PURGED if row.purge.finished_at else PURGING
    expires_at = expiry(row.campaign, row.days or policy.days)
    if expires_at is None:
        return OPEN
    if now >= expires_at:
        return DUE
    return WARNED if warned else KEPT


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def counts_in_words(holding: Holding) -> str:
    """For the access log and the terminal: counts only."""
    return (
        f"{holding.invitations} invitation(s) with their hashes and references, {holding.identities} Telegram "
        f"identit{'y' if holding.identities == 1 else 'ies'}, {holding.answers} answer(s) of which "
        f"{holding.free_text} free text"
    )


# ---- the use cases ---------------------------------------------------------------------------------------------------


class RetentionService:
    def __init__(
        self,
        store: RetentionStore,
        clock: Clock,
        zone: ZoneInfo,
        policy: Policy,
        *,
        free_text_questions: frozenset[str] = frozenset(),
        reports: StoredReports | None = None,
        messenger: Messenger | None = None,
        recipients: Recipients | None = None,
        cat: Catalogue | None = None,
        rebuilds: ReportRebuilds | None = None,
        access: AccessLog | None = None,
    ):
        self.store, self.clock, self.zone, self.policy = store, clock, zone, policy
        self.free_text = free_text_questions
        self.reports = reports
        self.messenger = messenger
        self.recipients = recipients
        self.cat = cat
        self.rebuilds = rebuilds
        self.access = access
        """The access log: each purge by campaign and counts, never by person (``flows.access_log``)."""

    # ---- reading ---------------------------------------------------------------------------------------------------

    async def plans(self) -> list[Plan]:
        """Every campaign's retention: when its respondent-level data goes, and what goes."""
        now = self.clock.now()
        plans = []
        for row in await self.store.retention():
            plans.append(await self._plan(row, now))
        return plans

    async def plan(self, campaign_id: int) -> Plan | None:
        now = self.clock.now()
        row = next((r for r in await self.store.retention() if r.campaign.id == campaign_id), None)
        return None if row is None else await self._plan(row, now)

    async def _plan(self, row: CampaignRetention, now: datetime) -> Plan:
        campaign, days = row.campaign, row.days or self.policy.days
        expires_at = expiry(campaign, days)
        erased = row.purge.erased if row.purge is not None else None  # once erased: what went
        holding = erased if erased is not None else await self.store.holding(campaign.id, self.free_text)
        warned = expires_at is not None and any(
            status in (SENT, UNKNOWN)
            for status in (await self.store.notices(campaign.id, WARNING, expires_at)).values()
        )
        keep = row.purge.keep_reports if row.purge is not None else self.policy.keep_reports
        files = tuple(self.reports.respondent_files(campaign)) if self.reports else ()
        reports = tuple(self.reports.report_files(campaign)) if self.reports else ()
        return Plan(
            campaign,
            days,
            row.days is not None,
            expires_at,
            earliest_expiry(campaign, days) if expires_at is None else None,
            state_of(row, self.policy, now, warned),
            holding,
            files,
            reports,
            keep,
            row.purge,
            warned,
        )

    # ---- changing a campaign's period ------------------------------------------------------------------------------

    async def set_days(self, campaign_id: int, days: int) -> Plan:
        """Set a campaign's retention period.  Shortening is always allowed; lengthening only while no respondent has
        read the privacy notice, which told them the period.  Refused once the data was erased."""
        check_days(days)
        now = self.clock.now()
        row = next((r for r in await self.store.retention() if r.campaign.id == campaign_id), None)
        if row is None:
            raise LookupError(campaign_id)
        if row.purge is not None:
            raise AlreadyPurged(row.campaign, row.purge.erased_at or row.purge.claimed_at)
        current = row.days or self.policy.days
        if days > current and await self.store.notice_read(campaign_id):
            raise LongerAfterNotice(row.campaign, current, days)
        await self.store.set_days(campaign_id, days)
        log.info("campaign %s: retention period set to %d days", campaign_id, days)
        return await self._plan(replace(row, days=days), now)

    # ---- the job ---------------------------------------------------------------------------------------------------

    async def recover(self) -> int:
        """At start-up: notices a crash left ``sending`` are recorded as in doubt, never sent again."""
        return await self.store.recover_notices()

    async def tick(self) -> TickReport:
        """Warn about campaigns nearing expiry, purge those that have expired, and finish purges a crash
        interrupted.  Each campaign on its own: one that fails is logged by type and place, and the others go on."""
        warned, purged, waiting = 0, [], []
        for row in await self.store.retention():
            if row.purge is not None and row.purge.finished_at:
                continue
            with isolated(log, f"retention of campaign {row.campaign.id}"):
                if row.purge is not None:
                    (purged if await self._purge(row) else waiting).append(row.campaign.id)
                    continue
                expires_at = expiry(row.campaign, row.days or self.policy.days)
                if expires_at is None:
                    continue
                now = self.clock.now()
                if now >= expires_at:
                    if await self._purge(row, expires_at):
                        purged.append(row.campaign.id)
                    else:
                        waiting.append(row.campaign.id)
                elif (start := warning_from(expires_at, self.policy.warning_days)) is not None and now >= start:
                    warned += await self._notify(WARNING, row.campaign, expires_at)
        return TickReport(warned, tuple(purged), tuple(waiting))

    async def resume(self) -> int:
        """At start-up, before anything is served: finish every purge that was claimed (by a process a crash
        stopped, or re-applied from the erasure ledger after a restore).  Returns how many finished."""
        finished = 0
        for row in await self.store.retention():
            if row.purge is not None and not row.purge.finished_at:
                with isolated(log, f"retention of campaign {row.campaign.id}"):
                    finished += await self._purge(row)
        return finished

    async def _purge(self, row: CampaignRetention, expires_at: datetime | None = None) -> bool:
        """Run (or go on with) one campaign's purge; True once it is finished."""
        campaign = row.campaign
        purge = row.purge
        if purge is None:
            assert expires_at is not None
            keep = self.policy.keep_reports
            if not await self.store.claim(campaign.id, self.clock.now(), expires_at, keep):
                return False  # claimed meanwhile by another process: it is that one's to run
            purge = PurgeState(claimed_at="", expired_at=expires_at.isoformat(), keep_reports=keep)
            log.info("campaign %s: retention period ended; purge claimed", campaign.id)
        if purge.erased_at is None:
            if await self.store.pending_rebuild(campaign.id):
                if self.rebuilds is not None and purge.keep_reports:
                    await self.rebuilds.without_withdrawn(campaign.id)  # the kept report without withdrawn answers
                await self.store.rebuilt(campaign.id)
            holding = await self.store.holding(campaign.id, self.free_text)
            release = (
                None
                if self.access is None
                else self.access.release(
                    PURGE,
                    who=SCHEDULE,
                    campaign_id=campaign.id,
                    authority=campaign.authority,
                    detail=f"{counts_in_words(holding)} erased at the end of {row.days or self.policy.days} days",
                )
            )
            erased = await self.store.erase(campaign.id, self.clock.now(), self.free_text, release)
            log.info("campaign %s: respondent-level data erased (%s)", campaign.id, counts_in_words(erased))
        if self.reports is not None:
            removed = self.reports.remove(campaign, keep_reports=purge.keep_reports)
            if removed:
                await self.store.files_removed(campaign.id, removed)
                log.info("campaign %s: %d stored file(s) removed", campaign.id, removed)
        if not await self.store.checkpoint():
            log.warning(
                "campaign %s: respondent-level data erased, but the write-ahead log could not be emptied yet "
                "(a reader was busy): the purge finishes at the next tick",
                campaign.id,
            )
            return False
        if purge.reapplied_at is None:
            await self._notify(ERASED, campaign, datetime.fromisoformat(purge.expired_at))
        await self.store.finish(campaign.id, self.clock.now())
        log.info("campaign %s: purge finished", campaign.id)
        return True

    # ---- telling the auditors --------------------------------------------------------------------------------------

    async def _notify(self, kind: str, campaign: Campaign, expires_at: datetime) -> int:
        """Tell each recipient chat once about ``campaign`` (a warning before ``expires_at``, or that its data was
        erased); returns how many were sent now."""
        if self.messenger is None or self.recipients is None or self.cat is None:
            return 0
        sent = 0
        for chat_id in await self.recipients.recipients_for(campaign):
            now = self.clock.now()
            if not await self.store.claim_notice(campaign.id, chat_id, kind, expires_at, now, now - REFUSED_WAIT):
                continue
            language = await self.recipients.language(chat_id)
            screen = Screen(await self._text(kind, campaign, expires_at, language))
            delivery = await self.messenger.send(chat_id, screen)
            outcome = delivery.outcome
            if outcome is Outcome.SENT:
                await self.store.settle_notice(campaign.id, chat_id, kind, expires_at, SENT, self.clock.now())
                sent += 1
                continue
            log.warning(
                "retention %s about campaign %s to a chat: %s (%s)", kind, campaign.id, outcome.value, delivery.error
            )
            if outcome is Outcome.UNKNOWN:  # may have arrived: never repeated
                await self.store.settle_notice(campaign.id, chat_id, kind, expires_at, UNKNOWN, self.clock.now())
            elif outcome is Outcome.RETRY:  # certainly not delivered: the next tick sends it
                await self.store.release_notice(campaign.id, chat_id, kind, expires_at)
                if delivery.flood:
                    break
            else:  # refused (an auditor who has not started the bot, a 400): tried again in a day
                await self.store.settle_notice(campaign.id, chat_id, kind, expires_at, FAILED, self.clock.now())
        return sent

    async def _text(self, kind: str, campaign: Campaign, expires_at: datetime, language: str) -> str:
        assert self.cat is not None
        authority = in_language(campaign.authority, campaign.authority_cy, language)
        plan = await self.plan(campaign.id)
        holding = plan.holding if plan is not None else Holding()
        keep = plan.keep_reports if plan is not None else self.policy.keep_reports
        params = dict(
            id=campaign.id,
            authority=authority,
            round=campaign.round,
            date=f"{local_date(expires_at, self.zone):%d/%m/%Y}",
            days=(plan.days if plan is not None else self.policy.days),
            invitations=holding.invitations,
            identities=holding.identities,
            answers=holding.answers,
            free_text=holding.free_text,
        )
        body = self.cat.t(f"retention_{kind}", language, **params)
        kept = self.cat.t("retention_reports_kept" if keep else "retention_reports_removed", language)
        return f"{body}\n{kept}" + ("\n" + self.cat.t("retention_copies", language) if kind == WARNING else "")


def free_text_questions(questionnaires: Sequence[object]) -> frozenset[str]:
    """The ids of the questions answered in free text, in the given questionnaires (``flows.model.Questionnaire``)."""
    return frozenset(
        q.id
        for qn in questionnaires
        for q in qn.questions  # type: ignore[attr-defined]
        if q.type == TextQuestion.name
    )
