"""The access log in SQL (migration 0015): ``flows.access_log.AccessLogStore``.

An entry is chained to the newest one inside a write transaction (``BEGIN IMMEDIATE``: the command line and the bot
append one at a time, whichever process), and ``append_in`` does the same inside a caller's transaction, so a
posting's claim and its log entry, or an auditor added and its log entry, are committed together or not at all.  The
table refuses UPDATE and DELETE (triggers), so nothing in the program can rewrite it: a campaign's purge leaves it.
"""

from __future__ import annotations

import aiosqlite

from flows.access_log import chain
from flows.ports.access_log import Entry, Release
from storage.transactions import transaction

_COLUMNS = "seq, at, who, os_user, what, campaign_id, authority, detail, prev_hash, hash"


def _entry(row: aiosqlite.Row | tuple) -> Entry:
    return Entry(*row)


async def append_in(conn: aiosqlite.Connection, release: Release) -> Entry:
    """Chain ``release`` to the newest entry and insert it, inside the caller's open write transaction.  The council's
    name is taken from the campaign when the release does not give it (the name is then kept, whatever becomes of the
    campaign)."""
    if release.authority is None and release.campaign_id is not None:
        async with conn.execute(
            "SELECT a.name FROM campaigns c JOIN authorities a ON a.id = c.authority_id WHERE c.id = ?",
            (release.campaign_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is not None:
            release = Release(
                release.at, release.who, release.what, release.campaign_id, row[0], release.detail, release.os_user
            )
    async with conn.execute(f"SELECT {_COLUMNS} FROM access_log ORDER BY seq DESC LIMIT 1") as cur:
        newest = await cur.fetchone()
    entry = chain(release, None if newest is None else _entry(tuple(newest)))
    await conn.execute(f"INSERT INTO access_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", entry.row())
    return entry


class AccessLogRepository:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def append(self, release: Release) -> Entry:
        async with transaction(self.conn):
            return await append_in(self.conn, release)

    async def entries(self, campaign_id: int | None = None, since: str | None = None) -> list[Entry]:
        sql, params = f"SELECT {_COLUMNS} FROM access_log WHERE 1", []
        if campaign_id is not None:
            sql += " AND campaign_id = ?"
            params.append(campaign_id)
        if since is not None:
            sql += " AND at >= ?"
            params.append(since)
        async with self.conn.execute(sql + " ORDER BY seq", params) as cur:
            return [_entry(tuple(row)) async for row in cur]
