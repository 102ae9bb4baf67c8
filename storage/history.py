"""The history of a campaign's fieldwork, for the /rates forecast (``flows.ports.fieldwork.FieldworkHistory``): when each
response came and when reminder rounds went out, per role.  Reads only."""

from __future__ import annotations

from datetime import UTC, datetime

import aiosqlite

from flows.model import ROLES
from flows.reminders import SNOOZE_PREFIX


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class HistoryRepository:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def submission_times(self, campaign_id: int) -> dict[str, list[datetime]]:
        """Per role, when each response still counted (invitation not revoked) was submitted, in time order."""
        found: dict[str, list[datetime]] = {role: [] for role in ROLES}
        async with self.conn.execute(
            "SELECT i.role, s.submitted_at FROM submissions s JOIN invitations i ON i.id = s.invitation_id"
            " WHERE i.campaign_id = ? AND i.revoked_at IS NULL ORDER BY s.submitted_at",
            (campaign_id,),
        ) as cur:
            async for row in cur:
                found.setdefault(row[0], []).append(_moment(row[1]))
        return found

    async def reminder_rounds(self, campaign_id: int) -> dict[str, list[datetime]]:
        """Per role, when each reminder round (a slot, the final one or an auditor's round; not the snoozes people
        asked for) first went out to that role, in time order."""
        found: dict[str, list[datetime]] = {role: [] for role in ROLES}
        async with self.conn.execute(
            "SELECT i.role, MIN(COALESCE(r.sent_at, r.queued_at)) AS at FROM reminders r"
            " JOIN invitations i ON i.id = r.invitation_id"
            " WHERE i.campaign_id = ? AND r.status IN ('sent', 'unknown') AND r.slot NOT LIKE ?"
            " GROUP BY i.role, r.slot ORDER BY at",
            (campaign_id, f"{SNOOZE_PREFIX}%"),
        ) as cur:
            async for row in cur:
                found.setdefault(row[0], []).append(_moment(row[1]))
        return found
