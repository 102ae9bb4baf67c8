"""aiosqlite repositories.  Every write that must stay consistent runs in one explicit transaction.

``RespondentRepository`` implements ``flows.ports.RespondentStore``; ``CampaignRepository`` serves the command line
and the auditors' views.  Figures are computed by SQL aggregates, never by loading answers into Python.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from flows.ports import Invitation

ROLES = ("officer", "member")


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return moment.isoformat(timespec="seconds")


@contextlib.asynccontextmanager
async def transaction(conn: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    await conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    else:
        await conn.execute("COMMIT")


_INVITATION_SELECT = """
SELECT i.id, i.campaign_id, i.role, i.reference, a.name AS authority, c.opens_on, c.closes_on,
       c.closed_at IS NOT NULL AS closed, i.telegram_user_id, i.chat_id, i.language, i.cursor,
       i.revoked_at IS NOT NULL AS revoked, s.invitation_id IS NOT NULL AS submitted,
       i.notice_seen_at IS NOT NULL AS notice_seen
FROM invitations i
JOIN campaigns c ON c.id = i.campaign_id
JOIN authorities a ON a.id = c.authority_id
LEFT JOIN submissions s ON s.invitation_id = i.id
"""


def _invitation(row: aiosqlite.Row) -> Invitation:
    return Invitation(
        id=row["id"],
        campaign_id=row["campaign_id"],
        role=row["role"],
        reference=row["reference"],
        authority=row["authority"],
        opens_on=date.fromisoformat(row["opens_on"]),
        closes_on=date.fromisoformat(row["closes_on"]),
        closed=bool(row["closed"]),
        telegram_user_id=row["telegram_user_id"],
        chat_id=row["chat_id"],
        language=row["language"],
        cursor=row["cursor"],
        revoked=bool(row["revoked"]),
        submitted=bool(row["submitted"]),
        notice_seen=bool(row["notice_seen"]),
    )


class RespondentRepository:
    """The respondent's side: invitations by token or user, answers, cursor, submission."""

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def _one(self, where: str, *params: object) -> Invitation | None:
        async with self.conn.execute(_INVITATION_SELECT + where, params) as cur:
            row = await cur.fetchone()
        return _invitation(row) if row else None

    async def invitation_by_token_hash(self, token_hash: str) -> Invitation | None:
        return await self._one("WHERE i.token_hash = ?", token_hash)

    async def invitation_for_user(self, telegram_user_id: int) -> Invitation | None:
        return await self._one(
            "WHERE i.telegram_user_id = ? AND i.revoked_at IS NULL ORDER BY i.last_seen_at DESC, i.id DESC LIMIT 1",
            telegram_user_id,
        )

    async def bind(self, invitation_id: int, telegram_user_id: int, chat_id: int, now: datetime) -> bool:
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "UPDATE invitations SET telegram_user_id = ?, chat_id = ?, language = NULL, bound_at = ?,"
                " last_seen_at = ?, withdrawn_at = NULL"
                " WHERE id = ? AND telegram_user_id IS NULL AND revoked_at IS NULL",
                (telegram_user_id, chat_id, iso(now), iso(now), invitation_id),
            )
            return cur.rowcount == 1

    async def mark_notice_seen(self, invitation_id: int, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE invitations SET notice_seen_at = ?, last_seen_at = ? WHERE id = ?", (iso(now), iso(now), invitation_id)
        )

    async def withdraw(self, invitation_id: int, now: datetime) -> None:
        async with transaction(self.conn):
            await self.conn.execute("DELETE FROM answers WHERE invitation_id = ?", (invitation_id,))
            await self.conn.execute("DELETE FROM submissions WHERE invitation_id = ?", (invitation_id,))
            await self.conn.execute(
                "UPDATE invitations SET telegram_user_id = NULL, chat_id = NULL, language = NULL, cursor = NULL,"
                " bound_at = NULL, last_seen_at = NULL, notice_seen_at = NULL, withdrawn_at = ? WHERE id = ?",
                (iso(now), invitation_id),
            )

    async def answers(self, invitation_id: int) -> dict[str, str | None]:
        async with self.conn.execute(
            "SELECT question_id, value FROM answers WHERE invitation_id = ?", (invitation_id,)
        ) as cur:
            return {row["question_id"]: row["value"] async for row in cur}

    async def record(self, invitation_id: int, answers: dict[str, str | None], cursor: str | None, now: datetime) -> None:
        async with transaction(self.conn):
            await self.conn.executemany(
                "INSERT INTO answers (invitation_id, question_id, value, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (invitation_id, question_id) DO UPDATE SET value = excluded.value,"
                " answered_at = excluded.answered_at",
                [(invitation_id, qid, value, iso(now)) for qid, value in answers.items()],
            )
            await self.conn.execute(
                "UPDATE invitations SET cursor = ?, last_seen_at = ? WHERE id = ?", (cursor, iso(now), invitation_id)
            )

    async def submit(self, invitation_id: int, questionnaire_id: str, version: int, now: datetime) -> bool:
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "INSERT INTO submissions (invitation_id, questionnaire_id, questionnaire_version, submitted_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (invitation_id) DO NOTHING",
                (invitation_id, questionnaire_id, version, iso(now)),
            )
            return cur.rowcount == 1

    async def set_language(self, invitation_id: int, language: str) -> None:
        await self.conn.execute("UPDATE invitations SET language = ? WHERE id = ?", (language, invitation_id))


@dataclass(frozen=True)
class Campaign:
    id: int
    authority: str
    opens_on: date
    closes_on: date
    closed_at: str | None
    created_at: str


@dataclass(frozen=True)
class NewInvitation:
    reference: str
    role: str
    token: str  # only ever held in memory, to write the link once


@dataclass(frozen=True)
class RoleRate:
    role: str
    invited: int
    started: int
    responded: int


class CampaignRepository:
    """Authorities, campaigns and invitations: the auditors' side."""

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def ensure_authority(self, name: str) -> int:
        async with transaction(self.conn):
            await self.conn.execute("INSERT INTO authorities (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
            async with self.conn.execute("SELECT id FROM authorities WHERE name = ?", (name,)) as cur:
                row = await cur.fetchone()
        assert row is not None
        return int(row["id"])

    async def create_campaign(self, authority: str, opens_on: date, closes_on: date, now: datetime) -> int:
        if closes_on < opens_on:
            raise ValueError("the close date is before the open date")
        authority_id = await self.ensure_authority(authority)
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "INSERT INTO campaigns (authority_id, opens_on, closes_on, created_at) VALUES (?, ?, ?, ?)",
                (authority_id, opens_on.isoformat(), closes_on.isoformat(), iso(now)),
            )
        return int(cur.lastrowid or 0)

    async def campaign(self, campaign_id: int) -> Campaign | None:
        async with self.conn.execute(
            "SELECT c.id, a.name AS authority, c.opens_on, c.closes_on, c.closed_at, c.created_at"
            " FROM campaigns c JOIN authorities a ON a.id = c.authority_id WHERE c.id = ?",
            (campaign_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return Campaign(
            id=row["id"],
            authority=row["authority"],
            opens_on=date.fromisoformat(row["opens_on"]),
            closes_on=date.fromisoformat(row["closes_on"]),
            closed_at=row["closed_at"],
            created_at=row["created_at"],
        )

    async def add_invitations(
        self, campaign_id: int, role: str, count: int, tokens: list[str], token_hashes: list[str], now: datetime
    ) -> list[NewInvitation]:
        """Create ``count`` invitations with references like ``O-0001`` / ``M-0001`` (numbered per campaign)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        if not (len(tokens) == len(token_hashes) == count):
            raise ValueError("one token per invitation")
        prefix = f"C{campaign_id}-{role[0].upper()}"
        async with transaction(self.conn):
            async with self.conn.execute(
                "SELECT COUNT(*) FROM invitations WHERE campaign_id = ? AND role = ?", (campaign_id, role)
            ) as cur:
                row = await cur.fetchone()
            start = int(row[0]) + 1 if row else 1
            created = [
                NewInvitation(reference=f"{prefix}{start + i:04d}", role=role, token=tokens[i]) for i in range(count)
            ]
            await self.conn.executemany(
                "INSERT INTO invitations (campaign_id, role, reference, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [(campaign_id, role, inv.reference, token_hashes[i], iso(now)) for i, inv in enumerate(created)],
            )
        return created

    async def rates(self, campaign_id: int) -> list[RoleRate]:
        """Invited, started (bound, not submitted) and responded (submitted), per role: one aggregate query."""
        async with self.conn.execute(
            """
            SELECT i.role,
                   COUNT(*) AS invited,
                   SUM(i.telegram_user_id IS NOT NULL AND s.invitation_id IS NULL) AS started,
                   SUM(s.invitation_id IS NOT NULL) AS responded
            FROM invitations i LEFT JOIN submissions s ON s.invitation_id = i.id
            WHERE i.campaign_id = ? AND i.revoked_at IS NULL
            GROUP BY i.role
            """,
            (campaign_id,),
        ) as cur:
            found = {row["role"]: RoleRate(row["role"], row["invited"], row["started"], row["responded"]) async for row in cur}
        return [found.get(role, RoleRate(role, 0, 0, 0)) for role in ROLES]
