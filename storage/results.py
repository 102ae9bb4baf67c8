"""The council's results for the respondents who asked for them (migration 0012), in SQL.

``RespondentRecords`` is the respondent store the bot uses (``flows.ports.respondents.RespondentStore``): the repository of
``storage/repositories.py`` and the respondent's choice (``invitations.results_wanted_at``).  ``ResultsRepository`` is
``flows.results.ResultsStore``: one row per invitation in ``results_deliveries``, claimed as ``sending`` in a committed
transaction before the message goes out and settled after, so a restart sends whatever is missing and never repeats
what may have gone out.  Once the row exists the choice is fixed.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from flows.completion import MAX_ATTEMPTS
from flows.ports.respondents import ResultsChoice
from flows.ports.results import Wanted
from storage.respondents import RespondentRepository
from storage.transactions import iso, transaction, write

# A submitted invitation of a closed campaign that asked for the results, still bound to a chat.
_OWED = """
FROM invitations i
JOIN campaigns c ON c.id = i.campaign_id AND c.closed_at IS NOT NULL
JOIN submissions s ON s.invitation_id = i.id
WHERE i.results_wanted_at IS NOT NULL AND i.chat_id IS NOT NULL AND i.revoked_at IS NULL"""


class RespondentRecords(RespondentRepository):
    async def want_results(
        self, invitation_id: int, wanted: bool, now: datetime, *, update_id: int | None = None
    ) -> ResultsChoice:
        """The choice is fixed once the results message to this invitation has been claimed (``ResultsRepository``),
        checked in the same transaction."""
        async with self._once(update_id, now, invitation_id):
            async with self.conn.execute(
                "SELECT i.results_wanted_at IS NOT NULL, d.invitation_id IS NOT NULL FROM invitations i"
                " LEFT JOIN results_deliveries d ON d.invitation_id = i.id WHERE i.id = ?",
                (invitation_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return ResultsChoice.UNCHANGED
            if row[1]:
                return ResultsChoice.TOO_LATE
            if bool(row[0]) == wanted:
                return ResultsChoice.UNCHANGED
            await self.conn.execute(
                "UPDATE invitations SET results_wanted_at = ? WHERE id = ?",
                (iso(now) if wanted else None, invitation_id),
            )
        return ResultsChoice.CHANGED


class ResultsRepository:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def due(self, now: datetime, limit: int) -> list[Wanted]:
        rows = await self.conn.execute_fetchall(
            "SELECT i.id, i.campaign_id, i.chat_id, COALESCE(i.language, i.language_hint, 'en')"
            + _OWED
            + " AND NOT EXISTS (SELECT 1 FROM results_deliveries d WHERE d.invitation_id = i.id"
            "   AND NOT (d.status = 'failed' AND d.attempts < ? AND d.not_before IS NOT NULL AND d.not_before <= ?))"
            " ORDER BY i.id LIMIT ?",
            (MAX_ATTEMPTS, iso(now), limit),
        )
        return [Wanted(row[0], row[1], row[2], row[3]) for row in rows]

    async def claim(self, invitation_id: int, now: datetime) -> int | None:
        async with transaction(self.conn):
            async with self.conn.execute(
                "INSERT INTO results_deliveries (invitation_id, status, at, attempts) SELECT i.id, 'sending', ?, 1"
                + _OWED
                + " AND i.id = ?"
                " ON CONFLICT DO UPDATE SET status = 'sending', at = excluded.at, attempts = attempts + 1,"
                " not_before = NULL"
                " WHERE status = 'failed' AND attempts < ? AND not_before IS NOT NULL AND not_before <= excluded.at"
                " RETURNING attempts",
                (iso(now), invitation_id, MAX_ATTEMPTS),
            ) as cur:
                row = await cur.fetchone()
        return int(row[0]) if row else None

    async def record(
        self,
        invitation_id: int,
        status: str,
        now: datetime,
        *,
        not_before: datetime | None = None,
        error: str | None = None,
    ) -> None:
        await write(
            self.conn,
            "UPDATE results_deliveries SET status = ?, at = ?, not_before = ?, error = ? WHERE invitation_id = ?",
            (status, iso(now), iso(not_before) if not_before else None, error, invitation_id),
        )

    async def recover(self) -> int:
        return await write(
            self.conn,
            "UPDATE results_deliveries SET status = 'unknown', error = 'interrupted' WHERE status = 'sending'",
        )
