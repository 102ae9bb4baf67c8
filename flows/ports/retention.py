"""Retention: what is purged when, the stored reports, and their rebuilding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flows.ports.access_log import Release
    from flows.records import Campaign


@dataclass(frozen=True)
class Holding:
    """Respondent-level data a campaign holds (or held, before its purge): counts only, never whose."""

    invitations: int = 0
    """Invitations: each with its token hash and its reference."""
    identities: int = 0
    """Telegram identities (user and chat id) bound to them."""
    answers: int = 0
    free_text: int = 0
    """Of the answers, those typed as free text (comments)."""


@dataclass(frozen=True)
class PurgeState:
    claimed_at: str
    expired_at: str
    keep_reports: bool
    erased_at: str | None = None
    finished_at: str | None = None
    reapplied_at: str | None = None
    """Set when the purge was applied again from the erasure ledger after a restore: the auditors were told the
    first time, so they are not told again."""
    erased: Holding | None = None
    files: int | None = None


@dataclass(frozen=True)
class CampaignRetention:
    """A campaign as the retention job sees it (``RetentionStore.retention``)."""

    campaign: Campaign
    days: int | None
    """The campaign's own period; None: the configured one."""
    purge: PurgeState | None


class ReportOutputs(Protocol):
    async def without_withdrawn(self, campaign_id: int) -> bool:
        """Rebuild a closed campaign's stored report files and exports after a withdrawal, so they no longer hold
        the withdrawn answers.  True when auditors had already been sent an earlier copy (which cannot be recalled)."""
        ...


class RetentionStore(Protocol):
    """The retention job's SQL (``storage.retention.RetentionRepository``)."""

    async def retention(self) -> list[CampaignRetention]:
        """Every campaign with its own period and its purge, if one was claimed."""
        ...

    async def holding(self, campaign_id: int, free_text_questions: frozenset[str]) -> Holding: ...

    async def set_days(self, campaign_id: int, days: int | None) -> None: ...

    async def notice_read(self, campaign_id: int) -> bool:
        """Has any respondent of the campaign read the privacy notice (which stated its period)?"""
        ...

    async def claim(self, campaign_id: int, now: datetime, expired_at: datetime, keep_reports: bool) -> bool:
        """Claim the campaign's purge (committed); False when it was claimed before."""
        ...

    async def pending_rebuild(self, campaign_id: int) -> bool: ...

    async def rebuilt(self, campaign_id: int) -> None: ...

    async def erase(
        self, campaign_id: int, now: datetime, free_text_questions: frozenset[str], release: Release | None = None
    ) -> Holding:
        """Delete the campaign's respondent-level rows in one transaction, recording the erasure in the ledger outside
        the database before it commits (and ``release`` in the access log, in the same transaction); what went.
        Repeating it deletes nothing more and returns what the first one erased."""
        ...

    async def files_removed(self, campaign_id: int, count: int) -> None: ...

    async def checkpoint(self) -> bool:
        """Empty the write-ahead log (``TRUNCATE``); False when a reader kept it from being emptied."""
        ...

    async def finish(self, campaign_id: int, now: datetime) -> None: ...

    async def claim_notice(
        self, campaign_id: int, chat_id: int, kind: str, expires_at: datetime, now: datetime, retry_before: datetime
    ) -> bool:
        """Claim one notice to one chat as ``sending`` (committed); also a ``failed`` one last tried before
        ``retry_before``.  False when it was claimed before."""
        ...

    async def settle_notice(
        self, campaign_id: int, chat_id: int, kind: str, expires_at: datetime, status: str, now: datetime
    ) -> None: ...

    async def release_notice(self, campaign_id: int, chat_id: int, kind: str, expires_at: datetime) -> None:
        """Forget a claim whose send certainly did not go out, so the next tick sends it."""
        ...

    async def notices(self, campaign_id: int, kind: str, expires_at: datetime) -> dict[int, str]:
        """The status of each chat's notice of this kind about this expiry, by chat."""
        ...

    async def recover_notices(self) -> int:
        """At start-up: notices left ``sending`` by a crash become ``unknown`` (never sent again)."""
        ...


class StoredReports(Protocol):
    """The campaign's folder of compiled reports (``storage.retention.ReportFolder``)."""

    def respondent_files(self, campaign: Campaign) -> list[str]: ...

    def report_files(self, campaign: Campaign) -> list[str]: ...

    def remove(self, campaign: Campaign, *, keep_reports: bool) -> int:
        """Remove the respondent-level files (and every file, unless ``keep_reports``); how many were removed."""
        ...


class Recipients(Protocol):
    """Who is told about a council's retention, in which language (``flows.auditors.Auditors``)."""

    async def recipients_for(self, campaign: Campaign) -> list[int]: ...

    async def language(self, chat_id: int) -> str: ...


class ReportRebuilds(Protocol):
    async def without_withdrawn(self, campaign_id: int) -> bool: ...
