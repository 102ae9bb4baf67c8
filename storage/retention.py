"""Retention in SQL: each campaign's period, its purge (claimed, erased, finished), the notices to auditors, the
stored report files a purge removes, and applying the erasure ledger again at start-up (issue 23, items 1 and 4).

``RetentionRepository`` implements ``flows.retention.RetentionStore``; ``ReportFolder`` implements
``flows.retention.StoredReports``.  The erasure ledger itself is ``storage.erasures``.

Respondent-level rows are every row tied to an invitation — ``answers``, ``submissions``, ``reminders``,
``results_deliveries``, ``manual_round_invitations`` — and the invitations themselves (token hash, reference, Telegram
user and chat id, language, times).  The connection has ``secure_delete`` on (``storage.database``), so SQLite
overwrites them with zeros in the file; the write-ahead log is then emptied by ``checkpoint``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosqlite

from flows.access_log import PURGE as LOGGED_PURGE
from flows.access_log import SCHEDULE, moment
from flows.access_log import WITHDRAWAL as LOGGED_WITHDRAWAL
from flows.completion import slug
from flows.ports.access_log import Release
from flows.ports.retention import CampaignRetention, Holding, PurgeState
from flows.records import Campaign
from storage.access_log import append_in
from storage.erasures import PURGE, WITHDRAWAL, Erasure, ErasureLedger, ledger_of
from storage.repositories import _CAMPAIGN_SELECT, _campaign
from storage.transactions import LOCKS, iso, transaction, write

log = logging.getLogger(__name__)

RESPONDENT_TABLES = ("answers", "submissions", "reminders", "results_deliveries", "manual_round_invitations")
"""Every table whose rows belong to one invitation (a test checks that no other table has an ``invitation_id``)."""
AUDIT_ONLY = "NOT-FOR-PUBLICATION"
"""The mark in the names of the respondent-level exports (``reports.export.AUDIT_ONLY``: each respondent's answers)."""

_HOLDING = """
SELECT (SELECT COUNT(*) FROM invitations WHERE campaign_id = :c) AS invitations,
       (SELECT COUNT(*) FROM invitations WHERE campaign_id = :c AND telegram_user_id IS NOT NULL) AS identities,
       (SELECT COUNT(*) FROM answers x JOIN invitations i ON i.id = x.invitation_id WHERE i.campaign_id = :c) AS answers,
       (SELECT COUNT(*) FROM answers x JOIN invitations i ON i.id = x.invitation_id WHERE i.campaign_id = :c
        AND x.value IS NOT NULL AND x.question_id IN (SELECT value FROM json_each(:text))) AS free_text
"""
_PURGE_COLUMNS = (
    "claimed_at, expired_at, keep_reports, erased_at, finished_at, reapplied_at, invitations, identities,"
    " answers, free_text, files"
)
# A withdrawal applied again from the ledger: the same rows and columns as RespondentRepository.withdraw_user.
_WITHDRAW_ONE = (
    "UPDATE invitations SET telegram_user_id = NULL, chat_id = NULL, language = NULL, language_hint = NULL,"
    " cursor = NULL, focus = 0, shown_by = NULL, bound_at = NULL, last_seen_at = NULL, notice_seen_at = NULL,"
    " reminders_off_at = NULL, unreachable_at = NULL, snoozed_until = NULL, results_wanted_at = NULL, withdrawn_at = ?"
    " WHERE id = ?"
)


def _purge_state(row: aiosqlite.Row) -> PurgeState:
    erased = (
        None
        if row["erased_at"] is None
        else Holding(row["invitations"] or 0, row["identities"] or 0, row["answers"] or 0, row["free_text"] or 0)
    )
    return PurgeState(
        row["claimed_at"],
        row["expired_at"],
        bool(row["keep_reports"]),
        row["erased_at"],
        row["finished_at"],
        row["reapplied_at"],
        erased,
        row["files"],
    )


class RetentionRepository:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    # ---- reading ---------------------------------------------------------------------------------------------------

    async def retention(self) -> list[CampaignRetention]:
        campaigns = await self.conn.execute_fetchall(_CAMPAIGN_SELECT + " ORDER BY c.id")
        purges = {
            row["campaign_id"]: _purge_state(row)
            for row in await self.conn.execute_fetchall(f"SELECT campaign_id, {_PURGE_COLUMNS} FROM purges")
        }
        return [CampaignRetention(_campaign(row), row["retention_days"], purges.get(row["id"])) for row in campaigns]

    async def holding(self, campaign_id: int, free_text_questions: frozenset[str]) -> Holding:
        return await _holding(self.conn, campaign_id, free_text_questions)

    async def notice_read(self, campaign_id: int) -> bool:
        rows = await self.conn.execute_fetchall(
            "SELECT 1 FROM invitations WHERE campaign_id = ? AND notice_seen_at IS NOT NULL LIMIT 1", (campaign_id,)
        )
        return bool(rows)

    async def pending_rebuild(self, campaign_id: int) -> bool:
        rows = await self.conn.execute_fetchall("SELECT 1 FROM pending_rebuilds WHERE campaign_id = ?", (campaign_id,))
        return bool(rows)

    # ---- writing ---------------------------------------------------------------------------------------------------

    async def set_days(self, campaign_id: int, days: int | None) -> None:
        await write(self.conn, "UPDATE campaigns SET retention_days = ? WHERE id = ?", (days, campaign_id))

    async def rebuilt(self, campaign_id: int) -> None:
        await write(self.conn, "DELETE FROM pending_rebuilds WHERE campaign_id = ?", (campaign_id,))

    async def claim(self, campaign_id: int, now: datetime, expired_at: datetime, keep_reports: bool) -> bool:
        return (
            await write(
                self.conn,
                "INSERT INTO purges (campaign_id, claimed_at, expired_at, keep_reports) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (campaign_id) DO NOTHING",
                (campaign_id, iso(now), iso(expired_at), int(keep_reports)),
            )
            == 1
        )

    async def erase(
        self, campaign_id: int, now: datetime, free_text_questions: frozenset[str], release: Release | None = None
    ) -> Holding:
        """One transaction: the ledger line (outside the database, fsync'd before the commit), every respondent-level
        row, the counts and ``erased_at``, and ``release`` in the access log.  The purge must have been claimed."""
        async with transaction(self.conn) as conn:
            rows = await conn.execute_fetchall(
                "SELECT p.erased_at, p.keep_reports, p.invitations, p.identities, p.answers, p.free_text, c.created_at"
                " FROM purges p JOIN campaigns c ON c.id = p.campaign_id WHERE p.campaign_id = ?",
                (campaign_id,),
            )
            claimed = next(iter(rows), None)
            if claimed is None:
                raise LookupError(f"campaign {campaign_id}: a purge must be claimed before it erases anything")
            if claimed["erased_at"] is not None:
                return Holding(claimed["invitations"], claimed["identities"], claimed["answers"], claimed["free_text"])
            holding = await _holding(conn, campaign_id, free_text_questions)
            ledger = await ledger_of(conn)
            if ledger is not None:
                await asyncio.to_thread(
                    _record_purge,
                    ledger,
                    Erasure(
                        PURGE, campaign_id, claimed["created_at"], iso(now), keep_reports=bool(claimed["keep_reports"])
                    ),
                )
            await _delete_respondent_rows(conn, campaign_id)
            await conn.execute(
                "UPDATE purges SET erased_at = ?, invitations = ?, identities = ?, answers = ?, free_text = ?"
                " WHERE campaign_id = ?",
                (iso(now), holding.invitations, holding.identities, holding.answers, holding.free_text, campaign_id),
            )
            if release is not None:
                await append_in(conn, release)
        return holding

    async def files_removed(self, campaign_id: int, count: int) -> None:
        await write(
            self.conn, "UPDATE purges SET files = COALESCE(files, 0) + ? WHERE campaign_id = ?", (count, campaign_id)
        )

    async def checkpoint(self) -> bool:
        return await checkpoint(self.conn)

    async def finish(self, campaign_id: int, now: datetime) -> None:
        """The purge is complete.  Its campaign's withdrawal lines then leave the ledger (the purge line covers them,
        and the invitation hashes they hold are what the purge removes)."""
        rows = await self.conn.execute_fetchall("SELECT created_at FROM campaigns WHERE id = ?", (campaign_id,))
        await write(
            self.conn,
            "UPDATE purges SET finished_at = ? WHERE campaign_id = ? AND finished_at IS NULL",
            (iso(now), campaign_id),
        )
        ledger = await ledger_of(self.conn)
        if ledger is not None and rows:
            dropped = await asyncio.to_thread(ledger.forget_withdrawals, campaign_id, next(iter(rows))[0])
            if dropped:
                log.info(
                    "campaign %s: %d withdrawal line(s) of the erasure ledger covered by its purge",
                    campaign_id,
                    dropped,
                )

    # ---- notices ---------------------------------------------------------------------------------------------------

    async def claim_notice(
        self, campaign_id: int, chat_id: int, kind: str, expires_at: datetime, now: datetime, retry_before: datetime
    ) -> bool:
        return (
            await write(
                self.conn,
                "INSERT INTO retention_notices (campaign_id, chat_id, kind, expires_at, status, at)"
                " VALUES (?, ?, ?, ?, 'sending', ?)"
                " ON CONFLICT (campaign_id, kind, expires_at, chat_id) DO UPDATE SET status = 'sending', at = excluded.at"
                " WHERE retention_notices.status = 'failed' AND retention_notices.at < ?",
                (campaign_id, chat_id, kind, iso(expires_at), iso(now), iso(retry_before)),
            )
            == 1
        )

    async def settle_notice(
        self, campaign_id: int, chat_id: int, kind: str, expires_at: datetime, status: str, now: datetime
    ) -> None:
        await write(
            self.conn,
            "UPDATE retention_notices SET status = ?, at = ?"
            " WHERE campaign_id = ? AND chat_id = ? AND kind = ? AND expires_at = ?",
            (status, iso(now), campaign_id, chat_id, kind, iso(expires_at)),
        )

    async def release_notice(self, campaign_id: int, chat_id: int, kind: str, expires_at: datetime) -> None:
        await write(
            self.conn,
            "DELETE FROM retention_notices WHERE campaign_id = ? AND chat_id = ? AND kind = ? AND expires_at = ?",
            (campaign_id, chat_id, kind, iso(expires_at)),
        )

    async def notices(self, campaign_id: int, kind: str, expires_at: datetime) -> dict[int, str]:
        rows = await self.conn.execute_fetchall(
            "SELECT chat_id, status FROM retention_notices WHERE campaign_id = ? AND kind = ? AND expires_at = ?",
            (campaign_id, kind, iso(expires_at)),
        )
        return {row["chat_id"]: row["status"] for row in rows}

    async def recover_notices(self) -> int:
        return await write(self.conn, "UPDATE retention_notices SET status = 'unknown' WHERE status = 'sending'")


async def _holding(conn: aiosqlite.Connection, campaign_id: int, free_text_questions: frozenset[str]) -> Holding:
    rows = await conn.execute_fetchall(_HOLDING, {"c": campaign_id, "text": json.dumps(sorted(free_text_questions))})
    row = next(iter(rows))
    return Holding(row["invitations"], row["identities"], row["answers"], row["free_text"])


async def _delete_respondent_rows(conn: aiosqlite.Connection, campaign_id: int) -> None:
    for table in RESPONDENT_TABLES:
        await conn.execute(
            f"DELETE FROM {table} WHERE invitation_id IN (SELECT id FROM invitations WHERE campaign_id = ?)",
            (campaign_id,),
        )
    await conn.execute("DELETE FROM invitations WHERE campaign_id = ?", (campaign_id,))
    await conn.execute("DELETE FROM pending_rebuilds WHERE campaign_id = ?", (campaign_id,))


def _record_purge(ledger: ErasureLedger, erasure: Erasure) -> None:
    """Once per campaign: a purge re-applied or resumed finds its line already there."""
    if not any(
        e.kind == PURGE and e.campaign_id == erasure.campaign_id and e.created == erasure.created
        for e in ledger.entries()
    ):
        ledger.append([erasure])


async def checkpoint(conn: aiosqlite.Connection) -> bool:
    """Copy the write-ahead log into the database file and empty it (``TRUNCATE``); False when a reader kept it from
    being emptied (after waiting the connection's busy timeout)."""
    async with LOCKS.setdefault(conn, asyncio.Lock()):
        rows = await conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
    row = next(iter(rows), None)
    return row is None or row[0] == 0


# ---- erasures made by withdrawals ----------------------------------------------------------------------------------


async def record_withdrawals(conn: aiosqlite.Connection, invitation_ids: Sequence[int], now: datetime) -> None:
    """Within a withdrawal's transaction, before it commits: one ledger line per invitation (its campaign and token
    hash), appended and fsync'd, so a backup restored later cannot bring the answers back."""
    if not invitation_ids:
        return
    ledger = await ledger_of(conn)
    if ledger is None:
        return
    marks = ", ".join("?" * len(invitation_ids))
    rows = await conn.execute_fetchall(
        f"SELECT i.token_hash, i.campaign_id, c.created_at FROM invitations i JOIN campaigns c ON c.id = i.campaign_id"
        f" WHERE i.id IN ({marks}) ORDER BY i.id",
        tuple(invitation_ids),
    )
    erasures = [Erasure(WITHDRAWAL, row["campaign_id"], row["created_at"], iso(now), row["token_hash"]) for row in rows]
    await asyncio.to_thread(ledger.append, erasures)


# ---- applying the ledger again (start-up, restore) ---------------------------------------------------------------


REAPPLIED = "{what} erased again: a restored backup held what was erased at {at} (the erasure ledger)"
"""The access log's detail for an erasure applied again (the log itself came back with the backup without it)."""


@dataclass(frozen=True)
class Reapplied:
    withdrawals: int = 0
    """Invitations whose answers and Telegram identity were erased again."""
    purges: tuple[int, ...] = ()
    """Campaigns whose respondent-level data was erased again (their purge is finished by the retention job)."""

    def __bool__(self) -> bool:
        return bool(self.withdrawals or self.purges)


async def reapply(conn: aiosqlite.Connection, ledger: ErasureLedger | None, now: datetime) -> Reapplied:
    """Apply every erasure in the ledger to this database again: what a restored backup brought back goes.

    - a withdrawal: the invitation (by token hash, in the campaign it names, created when the ledger says) loses its
      answers and Telegram identity if it was bound before the withdrawal (a person who opened the link again after
      withdrawing, in a backup taken after that, keeps their new answers); an invitation not bound is marked
      withdrawn;
    - a purge: the campaign (same id and created_at) gets its purge claimed, marked as re-applied (its auditors were
      told the first time), and its rows erased now; the retention job then finishes it (files, log, checkpoint).

    On a database that already reflects the ledger this changes nothing."""
    if ledger is None:
        return Reapplied()
    entries = await asyncio.to_thread(ledger.entries)
    withdrawn, purged = 0, []
    for entry in entries:
        if entry.kind == WITHDRAWAL:
            withdrawn += await _reapply_withdrawal(conn, entry, now)
        elif await _reapply_purge(conn, entry, now):
            purged.append(entry.campaign_id)
    if withdrawn or purged:
        await checkpoint(conn)
    return Reapplied(withdrawn, tuple(purged))


async def _reapply_withdrawal(conn: aiosqlite.Connection, entry: Erasure, now: datetime) -> int:
    async with transaction(conn) as tx:
        rows = await tx.execute_fetchall(
            "SELECT i.id, i.telegram_user_id, i.bound_at, i.withdrawn_at, c.closed_at IS NOT NULL AS closed,"
            " EXISTS (SELECT 1 FROM answers x WHERE x.invitation_id = i.id) AS answered"
            " FROM invitations i JOIN campaigns c ON c.id = i.campaign_id"
            " WHERE i.token_hash = ? AND c.id = ? AND c.created_at = ?",
            (entry.invitation, entry.campaign_id, entry.created),
        )
        found = next(iter(rows), None)
        if found is None:
            return 0
        bound = found["telegram_user_id"] is not None or found["answered"]
        if bound and (found["bound_at"] is None or found["bound_at"] <= entry.at):
            for table in RESPONDENT_TABLES:
                await tx.execute(f"DELETE FROM {table} WHERE invitation_id = ?", (found["id"],))
            await tx.execute(_WITHDRAW_ONE, (entry.at, found["id"]))
            await append_in(
                tx,
                Release(
                    moment(now),
                    SCHEDULE,
                    LOGGED_WITHDRAWAL,
                    entry.campaign_id,
                    None,
                    REAPPLIED.format(what="1 invitation: answers and Telegram identity", at=entry.at),
                ),
            )
            if found["closed"]:
                await tx.execute(
                    "INSERT INTO pending_rebuilds (campaign_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (entry.campaign_id, entry.at),
                )
            return 1
        if not bound and (found["withdrawn_at"] is None or found["withdrawn_at"] < entry.at):
            await tx.execute("UPDATE invitations SET withdrawn_at = ? WHERE id = ?", (entry.at, found["id"]))
        return 0


async def _reapply_purge(conn: aiosqlite.Connection, entry: Erasure, now: datetime) -> bool:
    rows = await conn.execute_fetchall(
        "SELECT c.id, p.erased_at, p.finished_at FROM campaigns c LEFT JOIN purges p ON p.campaign_id = c.id"
        " WHERE c.id = ? AND c.created_at = ?",
        (entry.campaign_id, entry.created),
    )
    found = next(iter(rows), None)
    if found is None or found["erased_at"] is not None:
        return False
    await write(
        conn,
        "INSERT INTO purges (campaign_id, claimed_at, expired_at, keep_reports, reapplied_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (campaign_id) DO UPDATE SET reapplied_at = excluded.reapplied_at",
        (entry.campaign_id, entry.at, entry.at, int(entry.keep_reports is not False), iso(now)),
    )
    repo = RetentionRepository(conn)
    holding = await repo.holding(entry.campaign_id, frozenset())
    await repo.erase(
        entry.campaign_id,
        now,
        frozenset(),
        Release(
            moment(now),
            SCHEDULE,
            LOGGED_PURGE,
            entry.campaign_id,
            None,
            REAPPLIED.format(what=f"{holding.invitations} invitation(s), {holding.answers} answer(s)", at=entry.at),
        ),
    )
    return True


# ---- the report folder -------------------------------------------------------------------------------------------


class ReportFolder:
    """A campaign's compiled reports under ``DATATOOL_REPORTS_DIR`` (``flows.completion.CompletionService.folder``):
    ``campaign-<id>-<council>/final`` and ``/interim``."""

    def __init__(self, out_root: Path):
        self.out_root = Path(out_root)

    def folder(self, campaign: Campaign) -> Path:
        return self.out_root / f"campaign-{campaign.id}-{slug(campaign.authority)}"

    def _files(self, campaign: Campaign) -> list[Path]:
        folder = self.folder(campaign)
        return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []

    def respondent_files(self, campaign: Campaign) -> list[str]:
        return [str(p.relative_to(self.out_root)) for p in self._files(campaign) if AUDIT_ONLY in p.name]

    def report_files(self, campaign: Campaign) -> list[str]:
        return [str(p.relative_to(self.out_root)) for p in self._files(campaign) if AUDIT_ONLY not in p.name]

    def remove(self, campaign: Campaign, *, keep_reports: bool) -> int:
        files = self._files(campaign)
        going = [p for p in files if AUDIT_ONLY in p.name] if keep_reports else files
        for path in going:
            path.unlink(missing_ok=True)
        if not keep_reports and self.folder(campaign).is_dir():
            shutil.rmtree(self.folder(campaign))
        return len(going)
