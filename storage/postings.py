"""What was posted to whom when fieldwork completed: ``flows.completion.PostingStore`` in SQL.

Each (campaign, chat, item) is claimed here as ``sending`` in a committed transaction before it goes out and settled
after, so a restart posts whatever is missing and never repeats what may have gone out.
"""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from flows.completion import MAX_ATTEMPTS
from flows.ports.access_log import Release
from flows.ports.completion import Posting
from storage.access_log import append_in
from storage.transactions import iso, transaction, write


class PostingRepository:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def awaiting_post(self) -> list[int]:
        async with self.conn.execute(
            "SELECT id FROM campaigns WHERE closed_at IS NOT NULL AND summary_posted_at IS NULL ORDER BY id"
        ) as cur:
            return [row[0] async for row in cur]

    async def claim(
        self, campaign_id: int, chat_id: int, item: str, now: datetime, *, release: Release | None = None
    ) -> int | None:
        """The attempt number when this item has not been tried in this chat yet, or failed and is due again (it is
        now committed as being sent, with ``release`` in the access log in the same transaction); None otherwise."""
        async with transaction(self.conn):
            async with self.conn.execute(
                "INSERT INTO postings (campaign_id, chat_id, item, status, at, attempts) VALUES (?, ?, ?, 'sending', ?, 1)"
                " ON CONFLICT DO UPDATE SET status = 'sending', at = excluded.at, attempts = attempts + 1,"
                " not_before = NULL"
                " WHERE status = 'failed' AND attempts < ? AND not_before IS NOT NULL AND not_before <= excluded.at"
                " RETURNING attempts",
                (campaign_id, chat_id, item, iso(now), MAX_ATTEMPTS),
            ) as cur:
                row = await cur.fetchone()
            if row and release is not None:
                await append_in(self.conn, release)
        return int(row[0]) if row else None

    async def record(
        self,
        campaign_id: int,
        chat_id: int,
        item: str,
        status: str,
        now: datetime,
        *,
        not_before: datetime | None = None,
        error: str | None = None,
    ) -> None:
        await write(
            self.conn,
            "UPDATE postings SET status = ?, at = ?, not_before = ?, error = ?"
            " WHERE campaign_id = ? AND chat_id = ? AND item = ?",
            (status, iso(now), iso(not_before) if not_before else None, error, campaign_id, chat_id, item),
        )

    async def postings(self, campaign_id: int) -> list[Posting]:
        async with self.conn.execute(
            "SELECT chat_id, item, status, attempts, not_before FROM postings WHERE campaign_id = ?"
            " ORDER BY chat_id, item",
            (campaign_id,),
        ) as cur:
            return [
                Posting(row[0], row[1], row[2], row[3], datetime.fromisoformat(row[4]) if row[4] else None)
                async for row in cur
            ]

    async def finished(self, campaign_id: int, now: datetime) -> None:
        await write(
            self.conn,
            "UPDATE campaigns SET summary_posted_at = ? WHERE id = ? AND summary_posted_at IS NULL",
            (iso(now), campaign_id),
        )

    async def recover(self) -> int:
        """Items left ``sending`` by a crash are recorded as ``unknown`` and not posted again."""
        return await write(
            self.conn, "UPDATE postings SET status = 'unknown', error = 'interrupted' WHERE status = 'sending'"
        )
