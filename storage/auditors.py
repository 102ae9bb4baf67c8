"""Auditors and what the bot remembers for them: who they are (beside settings) and which councils each may see, the
language each auditor's chat (and the auditors' group chat) chose, what each saw at their previous /rates (to say
what changed since), and which days' digests were claimed.  ``flows.auditors.AuditorStore``,
``flows.ports.auditors.ChatLanguages`` and the fieldwork ports ``RateViews`` and ``Digests`` (``flows.ports.fieldwork``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import aiosqlite

from flows.model import MEMBER, OFFICER, ROLES
from flows.ports.access_log import Release
from flows.records import RateView, RoleRate
from storage.access_log import append_in
from storage.transactions import iso, transaction, write


class AuditorRepository:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    # ---- auditors ------------------------------------------------------------------------------------------------

    async def add_auditor(
        self, telegram_user_id: int, now: datetime, authorities: Sequence[str] = (), release: Release | None = None
    ) -> bool:
        """Add the auditor, or keep them, with exactly ``authorities`` (none: every council; migration 0015), and
        ``release`` in the access log, all in one transaction.  False when they already were one."""
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "INSERT INTO auditors VALUES (?, ?) ON CONFLICT DO NOTHING", (telegram_user_id, iso(now))
            )
            added = cur.rowcount == 1
            await self.conn.execute("DELETE FROM auditor_authorities WHERE telegram_user_id = ?", (telegram_user_id,))
            for name in authorities:
                cur = await self.conn.execute(
                    "INSERT INTO auditor_authorities (telegram_user_id, authority_id)"
                    " SELECT ?, id FROM authorities WHERE name = ?",
                    (telegram_user_id, name),
                )
                if cur.rowcount != 1:
                    raise LookupError(f"no authority named {name!r}")  # rolled back: nothing is half-added
            if release is not None:
                await append_in(self.conn, release)
        return added

    async def remove_auditor(self, telegram_user_id: int, release: Release | None = None) -> bool:
        async with transaction(self.conn):
            cur = await self.conn.execute("DELETE FROM auditors WHERE telegram_user_id = ?", (telegram_user_id,))
            removed = cur.rowcount == 1
            if removed and release is not None:
                await append_in(self.conn, release)
        return removed

    async def auditors(self) -> list[int]:
        async with self.conn.execute("SELECT telegram_user_id FROM auditors ORDER BY telegram_user_id") as cur:
            return [row[0] async for row in cur]

    async def auditor_authorities(self, telegram_user_id: int) -> list[str]:
        async with self.conn.execute(
            "SELECT a.name FROM auditor_authorities s JOIN authorities a ON a.id = s.authority_id"
            " WHERE s.telegram_user_id = ? ORDER BY a.name",
            (telegram_user_id,),
        ) as cur:
            return [row[0] async for row in cur]

    # ---- the language of an auditor's chat or of the auditors' group (migration 0011) --------------------------------

    async def chat_language(self, chat_id: int) -> str | None:
        async with self.conn.execute("SELECT language FROM chat_languages WHERE chat_id = ?", (chat_id,)) as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def set_chat_language(self, chat_id: int, language: str, now: datetime, *, keep: bool = False) -> bool:
        """Store the chat's language; with ``keep`` only when none is stored yet (a default never overwrites a
        choice).  False when ``keep`` found one already."""
        if keep:
            sql = "INSERT INTO chat_languages VALUES (?, ?, ?) ON CONFLICT (chat_id) DO NOTHING"
        else:
            sql = (
                "INSERT INTO chat_languages VALUES (?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET"
                " language = excluded.language, set_at = excluded.set_at"
            )
        return await write(self.conn, sql, (chat_id, language, iso(now))) == 1

    # ---- what each auditor saw at their previous /rates ----------------------------------------------------------

    async def last_view(self, auditor_id: int, campaign_id: int) -> RateView | None:
        async with self.conn.execute(
            "SELECT * FROM rate_views WHERE auditor_id = ? AND campaign_id = ?", (auditor_id, campaign_id)
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return RateView(
            viewed_at=row["viewed_at"],
            responded={role: row[f"{role}_responded"] for role in ROLES},
            started={role: row[f"{role}_started"] for role in ROLES},
        )

    async def save_view(self, auditor_id: int, campaign_id: int, rates: list[RoleRate], now: datetime) -> None:
        by_role = {r.role: r for r in rates}
        await write(
            self.conn,
            "INSERT INTO rate_views VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (auditor_id, campaign_id) DO UPDATE SET"
            " viewed_at = excluded.viewed_at, officer_responded = excluded.officer_responded,"
            " member_responded = excluded.member_responded, officer_started = excluded.officer_started,"
            " member_started = excluded.member_started",
            (
                auditor_id,
                campaign_id,
                iso(now),
                by_role[OFFICER].responded,
                by_role[MEMBER].responded,
                by_role[OFFICER].started,
                by_role[MEMBER].started,
            ),
        )

    # ---- the daily digest ----------------------------------------------------------------------------------------

    async def last_digest(self) -> str | None:
        async with self.conn.execute("SELECT MAX(sent_at) FROM digests") as cur:
            row = await cur.fetchone()
        return row[0] if row else None

    async def claim_digest(self, digest_date: date, now: datetime) -> bool:
        """Record today's digest before sending it; False when it was already sent (or claimed) today."""
        return (
            await write(
                self.conn,
                "INSERT INTO digests VALUES (?, ?) ON CONFLICT DO NOTHING",
                (digest_date.isoformat(), iso(now)),
            )
            == 1
        )
