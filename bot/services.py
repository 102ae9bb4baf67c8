"""The services the bot needs, built once from settings and opened/closed with the application."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import aiosqlite

from config.authorities import DEFAULT_AUTHORITIES, load_authorities
from config.privacy import DEFAULT_PRIVACY_NOTICE, load_privacy_notice
from config.reminder_policy import DEFAULT_REMINDER_POLICY, load_reminder_policy
from config.settings import Settings
from flows.completion import Poster, PostingService
from flows.i18n import Catalogue, catalogue
from flows.model import QUESTIONNAIRE_DIR, Questionnaire, Role, load_questionnaire
from flows.ports import Clock
from flows.reminders import Messenger, ReminderService
from flows.service import RespondentService
from reports.completion import CompletionService
from reports.fieldwork import FieldworkService
from storage.database import connect
from storage.reminders import ReminderRepository
from storage.repositories import CampaignRepository, RespondentRepository

log = logging.getLogger(__name__)


class TelegramSender(Messenger, Poster, Protocol):
    """What the running bot sends through (bot/messenger.py): messages, and the summary's photos and documents."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def load_questionnaires(directory: Path = QUESTIONNAIRE_DIR) -> dict[str, Questionnaire]:
    """One questionnaire per role, validated at start-up (an invalid file stops the bot with its reason)."""
    return {role.value: load_questionnaire(directory / f"{role.value}.yaml") for role in Role}


class Services:
    def __init__(self, settings: Settings, *, clock: Clock | None = None, cat: Catalogue | None = None):
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.catalogue = cat or catalogue()
        self.questionnaires = load_questionnaires()
        self.notice = load_privacy_notice(settings.privacy_notice or DEFAULT_PRIVACY_NOTICE)
        self.authorities = load_authorities(settings.authorities or DEFAULT_AUTHORITIES)
        self.reminder_policy = load_reminder_policy(settings.reminder_policy or DEFAULT_REMINDER_POLICY)
        self._conn: aiosqlite.Connection | None = None
        self.respondents: RespondentService
        self.campaigns: CampaignRepository
        self.fieldwork: FieldworkService
        self.reminders: ReminderService
        self.completion: CompletionService
        self.reminder_store: ReminderRepository
        self.messenger: Messenger | None = None
        self.posting: PostingService

    async def open(self, messenger: TelegramSender | None = None) -> None:
        """Open the database and build the services; ``messenger`` (Telegram) is needed only to send reminders, the
        digest and the final summary."""
        self._conn = await connect(self.settings.db_path)
        self.campaigns = CampaignRepository(self._conn)
        await self.campaigns.sync_authorities([(a.name, a.name_cy) for a in self.authorities])
        self.reminder_store = ReminderRepository(self._conn, self.reminder_policy)
        self.completion = CompletionService(
            self._conn, self.clock, self.settings.zone, self.questionnaires, self.settings.reports_dir
        )
        self.fieldwork = FieldworkService(
            self.campaigns, self.clock, self.settings.zone, self.settings.auditor_ids,
            reminders=self.reminder_store, completion=self.completion,
        )
        if messenger is not None:
            self.messenger = messenger
            self.reminders = ReminderService(
                self.reminder_store, messenger, self.clock, self.settings.zone, self.questionnaires, self.catalogue
            )
            self.posting = PostingService(self.completion, messenger, self.clock)
            self.fieldwork.posting = self.posting
            in_doubt = await self.posting.recover()
            if in_doubt:
                log.warning("%d summary item(s) were being posted when the bot stopped: recorded as unknown, never "
                            "repeated; the auditors are told how to get them again", in_doubt)
            recovered = await self.reminders.recover()
            if recovered:
                log.warning("%d reminder(s) were being sent when the bot stopped: recorded as unknown, never repeated",
                            recovered)
        self.respondents = RespondentService(
            RespondentRepository(self._conn),
            self.clock,
            self.questionnaires,
            self.catalogue,
            self.settings.zone,
            self.notice,
            outputs=self.completion,
        )

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Services:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
