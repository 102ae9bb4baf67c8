"""The services the bot needs, built once from settings and opened/closed with the application."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from config.authorities import DEFAULT_AUTHORITIES, load_authorities
from config.privacy import DEFAULT_PRIVACY_NOTICE, load_privacy_notice
from config.settings import Settings
from flows.i18n import Catalogue, catalogue
from flows.model import QUESTIONNAIRE_DIR, Questionnaire, Role, load_questionnaire
from flows.ports import Clock
from flows.service import RespondentService
from reports.fieldwork import FieldworkService
from storage.database import connect
from storage.repositories import CampaignRepository, RespondentRepository


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
        self._conn: aiosqlite.Connection | None = None
        self.respondents: RespondentService
        self.campaigns: CampaignRepository
        self.fieldwork: FieldworkService

    async def open(self) -> None:
        self._conn = await connect(self.settings.db_path)
        self.campaigns = CampaignRepository(self._conn)
        await self.campaigns.sync_authorities([(a.name, a.name_cy) for a in self.authorities])
        self.fieldwork = FieldworkService(self.campaigns, self.clock, self.settings.zone, self.settings.auditor_ids)
        self.respondents = RespondentService(
            RespondentRepository(self._conn),
            self.clock,
            self.questionnaires,
            self.catalogue,
            self.settings.zone,
            self.notice,
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
