"""The services, wired: storage repositories behind the flows services, built from settings.

``Services`` is what the running bot needs, opened and closed with the application (PTB's ``post_init`` and
``post_shutdown``, in ``bot/app.py``).  ``admin_services`` opens the part the command line, the demo's set-up and the
tests' seeding need outside the bot: campaigns and invitations, auditors, and compiling reports.
"""

from __future__ import annotations

import getpass
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import aiosqlite

from bot import jobs_lifecycle
from config.authorities import DEFAULT_AUTHORITIES, Authority, load_authorities
from config.privacy import DEFAULT_PRIVACY_NOTICE, load_privacy_notice
from config.publisher import DEFAULT_PUBLISHER, load_publisher
from config.questionnaires import load_questionnaires, shipped_key_questions
from config.reminder_policy import DEFAULT_REMINDER_POLICY, load_reminder_policy
from config.settings import Settings
from flows.access_log import COMMAND_LINE, AccessLog
from flows.auditors import Auditors
from flows.backups import BackupService
from flows.campaigns import CampaignService
from flows.completion import CompletionService
from flows.fieldwork import Fieldwork
from flows.forecast import ForecastService
from flows.i18n import Catalogue, catalogue
from flows.model import Questionnaire
from flows.ports.clock import Clock
from flows.ports.completion import Poster
from flows.ports.reminders import Messenger
from flows.posting import PostingService
from flows.records import Campaign
from flows.reminders import ReminderService
from flows.report_input import forms_of
from flows.respondents import Respondents
from flows.results import ResultsService
from flows.retention import RetentionService
from reports.inputs import key_questions
from storage.access_log import AccessLogRepository
from storage.auditors import AuditorRepository
from storage.database import connect, open_reader, open_writer
from storage.history import HistoryRepository
from storage.postings import PostingRepository
from storage.reminders import ReminderRepository
from storage.repositories import CampaignRepository
from storage.results import RespondentRecords, ResultsRepository

log = logging.getLogger(__name__)


class TelegramSender(Messenger, Poster, Protocol):
    """What the running bot sends through (bot/messenger.py): messages, and the summary's photos and documents."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


async def campaign_service(
    conn: aiosqlite.Connection,
    settings: Settings,
    clock: Clock,
    authorities: list[Authority],
    questionnaires: dict[str, Questionnaire] | None = None,
) -> CampaignService:
    """The campaigns use cases on ``conn``, with the configured authorities present in the database; the outcome
    threshold (``reports.inputs.key_questions``) from ``questionnaires`` when the caller has loaded them."""
    repo = CampaignRepository(conn)
    await repo.sync_authorities([(a.name, a.name_cy) for a in authorities])
    return CampaignService(
        repo,
        clock,
        settings.zone,
        shipped_key_questions if questionnaires is None else key_questions(forms_of(questionnaires)),
    )


def completion_service(
    conn: aiosqlite.Connection,
    settings: Settings,
    campaigns: CampaignService,
    questionnaires: dict[str, Questionnaire],
    *,
    demonstration: bool = False,
) -> CompletionService:
    """Compiling and posting reports (``demonstration``: the demo's invented data, said in every output).  The
    compiler (matplotlib, Jinja2, scoring) is imported only when needed, so the command line's other commands start
    quickly."""
    from bot.compiler import Compiler
    from storage.surveys import SurveyRepository

    compiler = Compiler(
        SurveyRepository(conn),
        questionnaires,
        demonstration=demonstration,
        publisher=load_publisher(settings.publisher or DEFAULT_PUBLISHER),
        authorities=load_authorities(settings.authorities or DEFAULT_AUTHORITIES),
    )
    return CompletionService(campaigns, PostingRepository(conn), compiler, settings.reports_dir)


@dataclass
class AdminServices:
    """The use cases run outside the bot, on the configured database."""

    settings: Settings
    conn: aiosqlite.Connection
    campaigns: CampaignService
    auditors: Auditors
    access: AccessLog
    """The access log, written to as "command line" by the operating-system user."""
    clock: Clock

    def retention(self, questionnaires: dict[str, Questionnaire] | None = None) -> RetentionService:
        """Retention periods and purges on this database (``questionnaires`` name the free-text questions a purge
        empties: needed only to purge)."""
        return jobs_lifecycle.retention_service(self.conn, self.settings, self.clock, questionnaires or {})

    def completion(self, questionnaires: dict[str, Questionnaire] | None = None) -> CompletionService:
        """Compiling reports (the questionnaires are loaded and validated here unless given)."""
        return completion_service(self.conn, self.settings, self.campaigns, questionnaires or load_questionnaires())


@asynccontextmanager
async def admin_services(settings: Settings, clock: Clock | None = None) -> AsyncIterator[AdminServices]:
    """Campaigns, invitations, auditors and reports on the configured database (opened here, closed after the
    block), with the configured authorities present."""
    clock = clock or SystemClock()
    conn = await connect(settings.db_path)
    try:
        await jobs_lifecycle.reapply_erasures(conn, settings, clock)  # a restored backup brings back no erased data
        authorities = load_authorities(settings.authorities or DEFAULT_AUTHORITIES)
        campaigns = await campaign_service(conn, settings, clock, authorities)
        auditor_records = AuditorRepository(conn)
        yield AdminServices(
            settings,
            conn,
            campaigns,
            Auditors(auditor_records, clock, settings.auditor_ids, settings.auditor_chat_id, auditor_records),
            AccessLog(AccessLogRepository(conn), clock, who=COMMAND_LINE, os_user=os_user()),
            clock,
        )
    finally:
        await conn.close()


def os_user() -> str:
    """Who runs this command, as the operating system knows them (for the access log): the login name, else the
    numeric user id."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this user id (a container's arbitrary uid)
        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


class Services:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        cat: Catalogue | None = None,
        demonstration: bool = False,
    ):
        self.settings = settings
        self.demonstration = demonstration  # the demo: its reports say they hold invented data
        self.clock: Clock = clock or SystemClock()
        self.catalogue = cat or catalogue()
        self.questionnaires = load_questionnaires()
        self.notice = load_privacy_notice(
            settings.privacy_notice or DEFAULT_PRIVACY_NOTICE,
            retention_days=settings.retention_days,
            keep_reports=settings.retention_keep_reports,
        )
        self.authorities = load_authorities(settings.authorities or DEFAULT_AUTHORITIES)
        self.reminder_policy = load_reminder_policy(settings.reminder_policy or DEFAULT_REMINDER_POLICY)
        self._conn: aiosqlite.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self.respondents: Respondents
        self.campaigns: CampaignService
        self.auditors: Auditors
        self.fieldwork: Fieldwork
        self.access: AccessLog
        self.reminders: ReminderService
        self.completion: CompletionService
        self.reminder_store: ReminderRepository
        self.postings: PostingRepository
        self.messenger: Messenger | None = None
        self.posting: PostingService
        self.results: ResultsService
        self.retention: RetentionService
        self.backups: BackupService

    async def open(
        self, messenger: TelegramSender | None = None, *, on_close: Callable[[Campaign], Awaitable[None]] | None = None
    ) -> None:
        """Open the database and build every service with all it needs (the composition root: nothing is set on a
        service after it is built).  ``messenger`` (Telegram) is needed only to send reminders, the digest, the
        results and the final summary; ``on_close`` is told when an auditor closes a campaign early."""
        self._conn = conn = await connect(self.settings.db_path)
        await jobs_lifecycle.reapply_erasures(conn, self.settings, self.clock)  # before anything reads it (issue 23)
        self._reader = open_reader(self.settings.db_path)  # after connect: the file exists and is migrated
        self._writer = open_writer(self.settings.db_path)
        self.campaigns = await campaign_service(conn, self.settings, self.clock, self.authorities, self.questionnaires)
        self.access = AccessLog(AccessLogRepository(conn), self.clock)  # who received what (flows/access_log.py)
        # who is an auditor and which councils each sees, each chat's language, what each saw at /rates, the digests
        auditor_records = AuditorRepository(conn)
        self.auditors = Auditors(
            auditor_records, self.clock, self.settings.auditor_ids, self.settings.auditor_chat_id, auditor_records
        )
        self.reminder_store = ReminderRepository(conn, self.reminder_policy)
        self.postings = PostingRepository(conn)
        self.completion = completion_service(
            conn, self.settings, self.campaigns, self.questionnaires, demonstration=self.demonstration
        )
        respondent_records = RespondentRecords(self._conn, self._reader, self._writer)  # with the results choice
        posting: PostingService | None = None
        if messenger is not None:
            self.messenger = messenger
            self.reminders = ReminderService(
                self.reminder_store, messenger, self.clock, self.settings.zone, self.questionnaires, self.catalogue
            )
            self.results = ResultsService(
                ResultsRepository(conn), self.completion, messenger, self.clock, self.catalogue, access=self.access
            )
            self.posting = posting = PostingService(
                self.postings,
                self.completion,
                messenger,
                self.clock,
                self.auditors,
                results=self.results,
                access=self.access,
                audience=self.auditors,
            )
        self.fieldwork = Fieldwork(
            self.campaigns,
            self.auditors,
            auditor_records,
            auditor_records,
            self.clock,
            self.settings.zone,
            self.access,
            reminders=self.reminder_store,
            completion=self.completion,
            on_close=on_close,
            posting=posting,
            forecasts=ForecastService(HistoryRepository(conn), self.reminder_store, self.settings.zone),
            questionnaires=respondent_records,
            cat=self.catalogue,
        )
        self.respondents = Respondents(
            respondent_records,
            self.clock,
            self.questionnaires,
            self.catalogue,
            self.settings.zone,
            self.notice,
            outputs=self.completion,
            access=self.access,  # withdrawals by campaign and count
        )
        self.retention = jobs_lifecycle.retention_service(
            conn,
            self.settings,
            self.clock,
            self.questionnaires,
            messenger=self.messenger,
            auditors=self.auditors,
            cat=self.catalogue,
            rebuilds=self.completion,
            access=self.access,
        )
        self.backups = jobs_lifecycle.backup_service(self.settings, self.clock)
        await self._recover()

    async def _recover(self) -> None:
        """Settle what a stop left half done, before the bot answers anyone: sends in doubt are recorded as unknown
        (never repeated), reports a withdrawal was rebuilding are rebuilt, interrupted purges are finished."""
        if self.messenger is not None:
            in_doubt = await self.posting.recover()
            if in_doubt:
                log.warning(
                    "%d summary item(s) were being posted when the bot stopped: recorded as unknown, never "
                    "repeated; the auditors are told how to get them again",
                    in_doubt,
                )
            results_in_doubt = await self.results.recover()
            if results_in_doubt:
                log.warning(
                    "%d results message(s) to respondents were being sent when the bot stopped: recorded as "
                    "unknown, never repeated",
                    results_in_doubt,
                )
            recovered = await self.reminders.recover()
            if recovered:
                log.warning(
                    "%d reminder(s) were being sent when the bot stopped: recorded as unknown, never repeated",
                    recovered,
                )
        rebuilt = await self.respondents.withdraw.finish_pending()
        if rebuilt:
            log.warning(
                "%d stored report(s) rebuilt without the answers of a withdrawal the bot was stopped in", rebuilt
            )
        await jobs_lifecycle.recover_lifecycle(self.retention)  # retention (issue 23, item 1)

    async def close(self) -> None:
        for inline in (self._reader, self._writer):
            if inline is not None:
                inline.close()
        self._reader = self._writer = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Services:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
