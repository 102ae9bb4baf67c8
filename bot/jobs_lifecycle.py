"""The data's lifecycle in the running bot (issue 23, items 1 and 4): the erasure ledger applied again at every start,
the retention job (warnings, purges) and the nightly backup, wired from settings and run from the job queue.

Both jobs decide from what is stored (the purges and notices in the database, the backups in their folder), never
from in-memory schedules, so a restart, however it happens, changes nothing: a purge a crash interrupted is finished
at start-up, a backup missed while the bot was stopped is taken at the next tick.
"""

from __future__ import annotations

import logging
from typing import Any

import aiosqlite
from telegram.ext import Application, ContextTypes

from bot.constants import SERVICES_KEY
from config.settings import Settings
from flows.access_log import AccessLog
from flows.auditors import Auditors
from flows.backups import BackupService
from flows.i18n import Catalogue
from flows.model import Questionnaire
from flows.ports.clock import Clock
from flows.ports.reminders import Messenger
from flows.ports.retention import ReportOutputs
from flows.records import Campaign
from flows.retention import Policy, RetentionService, free_text_questions
from storage.backup import BackupFolder
from storage.erasures import ErasureLedger, use_ledger
from storage.retention import Reapplied, ReportFolder, RetentionRepository, reapply

Services = Any
"""``bot.services.Services`` (not imported: it imports this module)."""

log = logging.getLogger(__name__)

RETENTION_JOB, BACKUP_JOB = "retention", "backup"
RETENTION_TICK_SECONDS = 600
"""The retention job's interval: warnings and purges are days apart, so every ten minutes is plenty."""
BACKUP_TICK_SECONDS = 600
"""The backup job's interval: it takes a backup only when one is due (``DATATOOL_BACKUP_TIME``, or one was missed)."""
FIRST_RETENTION_TICK, FIRST_BACKUP_TICK = 5, 30
"""Seconds after start-up: a purge a crash interrupted is finished at once (``Services.open`` already did, unless
its write-ahead log could not be emptied), and a missed backup is taken once the bot is answering."""


def policy(settings: Settings) -> Policy:
    return Policy(settings.retention_days, settings.retention_warning_days, settings.retention_keep_reports)


def ledger(settings: Settings) -> ErasureLedger:
    return ErasureLedger(settings.erasure_ledger_path)


async def reapply_erasures(conn: aiosqlite.Connection, settings: Settings, clock: Clock) -> Reapplied:
    """Record this connection's erasures in the configured ledger, and apply every erasure in it again: after a
    restore, whoever withdrew and whatever was purged since the backup goes before anything reads the database."""
    erasures = ledger(settings)
    use_ledger(conn, erasures)
    reapplied = await reapply(conn, erasures, clock.now())
    if reapplied:
        log.warning(
            "erasure ledger applied again (a restored or copied database): %d withdrawal(s), %d purge(s)",
            reapplied.withdrawals,
            len(reapplied.purges),
        )
    return reapplied


class AuditorRecipients:
    """``flows.retention.Recipients``: the auditors' group chat, or each auditor who may see the council."""

    def __init__(self, auditors: Auditors):
        self.auditors = auditors

    async def recipients_for(self, campaign: Campaign) -> list[int]:
        """Only chats that may see the council (auditors scoped to their councils, issue 23 item 3)."""
        return [chat for chat in await self.auditors.recipients() if await self.auditors.sees(chat, campaign.authority)]

    async def language(self, chat_id: int) -> str:
        return await self.auditors.language(chat_id)


def retention_service(
    conn: aiosqlite.Connection,
    settings: Settings,
    clock: Clock,
    questionnaires: dict[str, Questionnaire],
    *,
    messenger: Messenger | None = None,
    auditors: Auditors | None = None,
    cat: Catalogue | None = None,
    rebuilds: ReportOutputs | None = None,
    access: AccessLog | None = None,
) -> RetentionService:
    return RetentionService(
        RetentionRepository(conn),
        clock,
        settings.zone,
        policy(settings),
        free_text_questions=free_text_questions(list(questionnaires.values())),
        reports=ReportFolder(settings.reports_dir),
        messenger=messenger,
        recipients=AuditorRecipients(auditors) if auditors is not None else None,
        cat=cat,
        rebuilds=rebuilds,
        access=access,
    )


def backup_service(settings: Settings, clock: Clock) -> BackupService:
    folder = BackupFolder(settings.backup_folder, settings.db_path, ledger(settings))
    return BackupService(folder, clock, settings.zone, settings.backup_time, settings.backups_kept)


async def recover_lifecycle(retention: RetentionService) -> None:
    """Purges a crash left unfinished are finished here, and notices in doubt recorded, before the bot answers
    anyone (the services are built in ``bot.services``)."""
    in_doubt = await retention.recover()
    if in_doubt:
        log.warning(
            "%d retention notice(s) were being sent when the bot stopped: recorded as unknown, never repeated", in_doubt
        )
    finished = await retention.resume()
    if finished:
        log.warning("%d purge(s) a stop had interrupted were finished", finished)


def register(app: Application) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        retention_tick, interval=RETENTION_TICK_SECONDS, first=FIRST_RETENTION_TICK, name=RETENTION_JOB
    )
    app.job_queue.run_repeating(backup_tick, interval=BACKUP_TICK_SECONDS, first=FIRST_BACKUP_TICK, name=BACKUP_JOB)


async def retention_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Warn auditors of campaigns nearing the end of their retention period, and purge those past it."""
    services: Services = context.application.bot_data[SERVICES_KEY]
    report = await services.retention.tick()
    if report.warned or report.purged or report.waiting:
        log.info(
            "retention: %d warning(s) sent, %d purge(s) finished, %d waiting",
            report.warned,
            len(report.purged),
            len(report.waiting),
        )


async def backup_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The nightly backup, when it is due; a failure is logged and tried again at the next tick."""
    services: Services = context.application.bot_data[SERVICES_KEY]
    try:
        await services.backups.tick()
    except Exception as exc:  # a full disk, a folder that cannot be written: by type and place, never a path's contents
        from flows.diagnostics import where

        log.error("nightly backup not taken: %s", where(exc))
