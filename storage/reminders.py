"""The reminders table and the eligibility rules, in SQL (``flows.reminders.ReminderStore``, and the auditors'
reminder rounds of ``flows.fieldwork.ReminderRounds``)."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import date, datetime, timedelta

import aiosqlite

from flows.diagnostics import isolated
from flows.ports.reminders import CampaignWindow, Queued, ReminderPolicy, Slot
from flows.records import ManualRound
from flows.reminders import FINAL, MANUAL_PREFIX, SNOOZE_PREFIX
from storage.repositories import CampaignRepository
from storage.transactions import iso, transaction, write

log = logging.getLogger(__name__)

# Who may be reminded at all: opened the link (bound), not submitted, not withdrawn (then unbound), not revoked,
# reminders not turned off, chat reachable, campaign open.
_ELIGIBLE = """
    i.telegram_user_id IS NOT NULL AND i.chat_id IS NOT NULL
    AND i.revoked_at IS NULL AND i.reminders_off_at IS NULL AND i.unreachable_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM submissions s WHERE s.invitation_id = i.id)
"""
# Reminders that count towards the gap and the maximum: everything but snoozes (which the person asked for).
_COUNTED = f"r.slot NOT LIKE '{SNOOZE_PREFIX}%' AND r.status IN ('queued', 'sending', 'sent', 'unknown')"
MANUAL_CODE_BYTES = 9  # 12 characters in the button's callback data


class ReminderRepository:
    def __init__(self, conn: aiosqlite.Connection, default_policy: ReminderPolicy):
        self.conn = conn
        self.default_policy = default_policy
        self.campaigns = CampaignRepository(conn)

    def policy_of(self, raw: str | None) -> ReminderPolicy:
        return self.default_policy if raw is None else ReminderPolicy.model_validate(json.loads(raw))

    async def policy_for_campaign(self, campaign_id: int) -> ReminderPolicy:
        async with self.conn.execute("SELECT reminder_policy FROM campaigns WHERE id = ?", (campaign_id,)) as cur:
            row = await cur.fetchone()
        return self.policy_of(row[0] if row else None)

    async def open_campaigns(self, today: date) -> list[CampaignWindow]:
        async with self.conn.execute(
            "SELECT c.id, c.reminder_policy FROM campaigns c WHERE c.closed_at IS NULL AND c.opens_on <= ?"
            " AND c.closes_on >= ?",
            (today.isoformat(), today.isoformat()),
        ) as cur:
            rows = [(row["id"], row["reminder_policy"]) async for row in cur]
        windows = []
        for campaign_id, raw in rows:
            # a policy stored before its bounds were checked (JSON null for inf, fractional days) spoils its campaign
            # only: it is logged by type and place and the other campaigns are planned
            with isolated(log, f"campaign {campaign_id}: not planned for reminders"):
                campaign = await self.campaigns.campaign(campaign_id)
                assert campaign is not None
                below = frozenset(
                    r.role
                    for r in await self.campaigns.rates(campaign_id)
                    if r.invited and r.responded < campaign.targets[r.role] * r.invited - 1e-9
                )
                windows.append(
                    CampaignWindow(
                        campaign.id,
                        campaign.authority,
                        campaign.opens_on,
                        campaign.closes_on,
                        self.policy_of(raw),
                        below,
                    )
                )
        return windows

    async def eligible(
        self, campaign_id: int, roles: frozenset[str], policy: ReminderPolicy, now: datetime
    ) -> list[int]:
        """Invitation ids that may be reminded now under the policy — reachable and not finished, under the maximum,
        not reminded within the gap, not active recently — whether for a scheduled slot or an auditor's round (SQL
        does the counting)."""
        gap = (now - timedelta(days=policy.min_gap_days)).isoformat(timespec="seconds")
        active = (now - timedelta(hours=policy.skip_if_active_hours)).isoformat(timespec="seconds")
        placeholders = ",".join("?" * len(roles))
        sql = f"""
            SELECT i.id FROM invitations i
            WHERE i.campaign_id = ? AND i.role IN ({placeholders}) AND {_ELIGIBLE}
              AND (SELECT COUNT(*) FROM reminders r WHERE r.invitation_id = i.id AND {_COUNTED}) < ?
              AND NOT EXISTS (SELECT 1 FROM reminders r WHERE r.invitation_id = i.id AND {_COUNTED}
                              AND COALESCE(r.sent_at, r.queued_at) > ?)
              AND (i.last_seen_at IS NULL OR i.last_seen_at <= ?)
            ORDER BY i.id
        """
        params = [campaign_id, *sorted(roles), policy.max_per_person, gap, active]
        async with self.conn.execute(sql, params) as cur:
            return [row[0] async for row in cur]

    async def queue_slot(self, campaign: CampaignWindow, slot: Slot, roles: frozenset[str], now: datetime) -> int:
        ids = await self.eligible(campaign.id, roles, campaign.policy, now)
        # Anyone already holding this slot keeps their row: INSERT OR IGNORE makes queuing idempotent.
        return await self._queue(ids, slot.id, now)

    # ---- auditors' rounds (/remind): a one-time code per confirmation ------------------------------------------

    async def plan_manual(
        self, campaign_id: int, roles: str, invitation_ids: list[int], requested_by: int, now: datetime
    ) -> str:
        """Record a confirmation about to be shown: the invitations it counts, under a new one-time code."""
        code = secrets.token_urlsafe(MANUAL_CODE_BYTES)
        async with transaction(self.conn):
            await self.conn.execute(
                "INSERT INTO manual_rounds (code, campaign_id, roles, requested_by, requested_at) VALUES (?, ?, ?, ?, ?)",
                (code, campaign_id, roles, requested_by, iso(now)),
            )
            await self.conn.executemany(
                "INSERT INTO manual_round_invitations (code, invitation_id) VALUES (?, ?)",
                [(code, i) for i in invitation_ids],
            )
        return code

    async def manual_round(self, code: str) -> ManualRound | None:
        async with self.conn.execute(
            "SELECT m.code, m.campaign_id, m.roles, m.sent_at, m.sent_by, m.queued,"
            " (SELECT COUNT(*) FROM manual_round_invitations p WHERE p.code = m.code) AS planned"
            " FROM manual_rounds m WHERE m.code = ?",
            (code,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return ManualRound(
            row["code"],
            row["campaign_id"],
            row["roles"],
            row["planned"],
            row["queued"],
            datetime.fromisoformat(row["sent_at"]) if row["sent_at"] else None,
            row["sent_by"],
        )

    async def claim_manual(
        self, code: str, roles: frozenset[str], auditor_id: int, now: datetime
    ) -> tuple[ManualRound, bool] | None:
        """The first press of a confirmation: in one transaction, claim its code and queue the invitations it
        counted that are still eligible now.  Returns the round and whether this call claimed it (False: it was
        already sent), or None for an unknown code."""
        async with transaction(self.conn):
            claimed = await self.conn.execute(
                "UPDATE manual_rounds SET sent_at = ?, sent_by = ? WHERE code = ? AND sent_at IS NULL",
                (iso(now), auditor_id, code),
            )
            fresh = claimed.rowcount == 1
            if fresh:
                async with self.conn.execute(
                    "SELECT m.campaign_id, c.reminder_policy FROM manual_rounds m JOIN campaigns c ON c.id = m.campaign_id"
                    " WHERE m.code = ?",
                    (code,),
                ) as cur:
                    row = await cur.fetchone()
                assert row is not None
                async with self.conn.execute(
                    "SELECT invitation_id FROM manual_round_invitations WHERE code = ?", (code,)
                ) as cur:
                    planned = {r[0] async for r in cur}
                still = [i for i in await self.eligible(row[0], roles, self.policy_of(row[1]), now) if i in planned]
                slot = f"{MANUAL_PREFIX}{iso(now)}"
                queued = 0
                for invitation_id in still:
                    cur = await self.conn.execute(
                        "INSERT INTO reminders (invitation_id, slot, status, queued_at) VALUES (?, ?, 'queued', ?)"
                        " ON CONFLICT DO NOTHING",
                        (invitation_id, slot, iso(now)),
                    )
                    queued += cur.rowcount
                await self.conn.execute("UPDATE manual_rounds SET queued = ? WHERE code = ?", (queued, code))
        found = await self.manual_round(code)
        return None if found is None else (found, fresh)

    async def _queue(self, ids: list[int], slot: str, now: datetime) -> int:
        if not ids:
            return 0
        async with transaction(self.conn):
            cur = await self.conn.executemany(
                "INSERT INTO reminders (invitation_id, slot, status, queued_at) VALUES (?, ?, 'queued', ?)"
                " ON CONFLICT DO NOTHING",
                [(i, slot, iso(now)) for i in ids],
            )
        return cur.rowcount

    async def queue_snoozed(self, now: datetime, policy_for: dict[int, ReminderPolicy]) -> int:
        """Snoozes whose time has come, for campaigns still open: one reminder each, then the snooze is cleared."""
        if not policy_for:
            return 0
        placeholders = ",".join("?" * len(policy_for))
        async with transaction(self.conn):
            async with self.conn.execute(
                f"SELECT i.id, i.snoozed_until FROM invitations i WHERE i.snoozed_until <= ? AND {_ELIGIBLE}"
                f" AND i.campaign_id IN ({placeholders})",
                (iso(now), *policy_for),
            ) as cur:
                due = [(row[0], row[1]) async for row in cur]
            await self.conn.executemany(
                "INSERT INTO reminders (invitation_id, slot, status, queued_at) VALUES (?, ?, 'queued', ?)"
                " ON CONFLICT DO NOTHING",
                [(i, f"{SNOOZE_PREFIX}{until}", iso(now)) for i, until in due],
            )
            await self.conn.executemany(
                "UPDATE invitations SET snoozed_until = NULL WHERE id = ?", [(i,) for i, _ in due]
            )
        return len(due)

    async def due(self, now: datetime, limit: int) -> list[Queued]:
        async with self.conn.execute(
            f"""
            SELECT r.invitation_id, r.slot, r.attempts, i.campaign_id, i.role, i.chat_id,
                   COALESCE(i.language, i.language_hint, 'en') AS language, i.cursor,
                   a.name AS authority, c.closes_on
            FROM reminders r
            JOIN invitations i ON i.id = r.invitation_id
            JOIN campaigns c ON c.id = i.campaign_id
            JOIN authorities a ON a.id = c.authority_id
            WHERE r.status = 'queued' AND (r.not_before IS NULL OR r.not_before <= ?)
              AND c.closed_at IS NULL AND c.closes_on >= ? AND {_ELIGIBLE}
            ORDER BY r.queued_at, r.invitation_id LIMIT ?
            """,
            (iso(now), now.date().isoformat(), limit),
        ) as cur:
            return [
                Queued(
                    invitation_id=row["invitation_id"],
                    slot=row["slot"],
                    campaign_id=row["campaign_id"],
                    role=row["role"],
                    chat_id=row["chat_id"],
                    language=row["language"],
                    cursor=row["cursor"],
                    authority=row["authority"],
                    closes_on=date.fromisoformat(row["closes_on"]),
                    final=row["slot"] == FINAL,
                    attempts=row["attempts"],
                )
                async for row in cur
            ]

    async def answers(self, invitation_id: int) -> dict[str, str | None]:
        async with self.conn.execute(
            "SELECT question_id, value FROM answers WHERE invitation_id = ?", (invitation_id,)
        ) as cur:
            return {row[0]: row[1] async for row in cur}

    async def mark_sending(self, invitation_id: int, slot: str, now: datetime) -> bool:
        changed = await write(
            self.conn,
            "UPDATE reminders SET status = 'sending', attempts = attempts + 1"
            " WHERE invitation_id = ? AND slot = ? AND status = 'queued'",
            (invitation_id, slot),
        )
        return changed == 1

    async def mark(
        self,
        invitation_id: int,
        slot: str,
        status: str,
        now: datetime,
        *,
        not_before: datetime | None = None,
        error: str | None = None,
    ) -> None:
        update = (
            "UPDATE reminders SET status = ?, not_before = ?, error = ?,"
            " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE invitation_id = ? AND slot = ?"
        )
        params = (status, iso(not_before) if not_before else None, error, status, iso(now), invitation_id, slot)
        if status != "unreachable":
            await write(self.conn, update, params)  # one statement: atomic on its own
            return
        async with transaction(self.conn):
            await self.conn.execute(update, params)
            if status == "unreachable":
                await self.conn.execute(
                    "UPDATE invitations SET unreachable_at = ? WHERE id = ?", (iso(now), invitation_id)
                )

    async def recover(self) -> int:
        return await write(self.conn, "UPDATE reminders SET status = 'unknown' WHERE status = 'sending'")

    async def counts(self, campaign_id: int) -> dict[str, int]:
        async with self.conn.execute(
            "SELECT r.status, COUNT(*) FROM reminders r JOIN invitations i ON i.id = r.invitation_id"
            " WHERE i.campaign_id = ? GROUP BY r.status",
            (campaign_id,),
        ) as cur:
            return {row[0]: row[1] async for row in cur}

    async def reminded_chats(self, campaign_id: int, slot: str) -> list[int]:
        """Chats of a campaign that received this slot's reminder."""
        async with self.conn.execute(
            "SELECT i.chat_id FROM reminders r JOIN invitations i ON i.id = r.invitation_id"
            " WHERE i.campaign_id = ? AND r.slot = ? AND r.status = 'sent' ORDER BY i.chat_id",
            (campaign_id, slot),
        ) as cur:
            return [row[0] async for row in cur]
