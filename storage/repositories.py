"""aiosqlite repositories.  Every write that must stay consistent runs in one explicit transaction.

``RespondentRepository`` implements ``flows.ports.RespondentStore``; ``CampaignRepository`` implements
``flows.campaigns.CampaignStore`` (authorities, campaigns, invitations and their counts).  Figures are computed by
SQL aggregates, never by loading answers into Python.  The other aggregates have their own modules: auditors
(``storage/auditors.py``), reminders (``storage/reminders.py``), postings (``storage/postings.py``) and the
submitted answers as the scoring input (``storage/surveys.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime

import aiosqlite

from flows.model import DEFAULT_TARGETS, ROLES
from flows.ports import Invitation
from flows.records import Campaign, InvitationStatus, NewInvitation, RoleRate
from reports.outcomes import Outcomes
from storage.batching import COMMIT_SPACING, Batched
from storage.database import rollback_quietly, storage_unavailable, write_inline

__all__ = ["Campaign", "CampaignRepository", "InvitationStatus", "NewInvitation", "RespondentRepository", "RoleRate",
           "iso", "transaction", "write"]

def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return moment.isoformat(timespec="seconds")


_LOCKS: weakref.WeakKeyDictionary[aiosqlite.Connection, asyncio.Lock] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def transaction(conn: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """One write transaction at a time per connection.

    The bot shares one connection between handlers and jobs that run concurrently; without this lock a statement
    from one coroutine could land inside another's transaction (and vanish with its rollback).  Every write in
    this package goes through here.

    When a statement or the COMMIT fails because of the disk or another process (disk full, read-only, locked, I/O
    error), the transaction is rolled back and ``flows.ports.StorageUnavailable`` is raised instead, naming the
    condition (never the statement or its parameters), so callers can say "try again shortly".  Any other error
    (an integrity or programming error) propagates unchanged, after the rollback.
    """
    lock = _LOCKS.setdefault(conn, asyncio.Lock())
    async with lock:
        try:
            await conn.execute("BEGIN IMMEDIATE")  # locked by another process, or query_only: refused here
        except Exception as exc:
            if (unavailable := storage_unavailable(exc)) is not None:
                raise unavailable from exc
            raise
        try:
            yield conn
            await conn.execute("COMMIT")
        except BaseException as exc:
            await rollback_quietly(conn)  # nothing partial stays; a failing rollback never hides ``exc``
            if (unavailable := storage_unavailable(exc)) is not None:
                raise unavailable from exc
            raise


async def write(conn: aiosqlite.Connection, sql: str, params: tuple = ()) -> int:
    """A single-statement write, which SQLite makes one atomic transaction of its own (autocommit): one trip to the
    database thread instead of three.  It waits for any explicit transaction on the connection to finish first (the
    same lock as ``transaction``), so it never lands inside one.  Returns the number of rows changed; raises
    ``StorageUnavailable`` as ``transaction`` does."""
    async with _LOCKS.setdefault(conn, asyncio.Lock()):
        try:
            cur = await conn.execute(sql, params)
        except Exception as exc:
            if (unavailable := storage_unavailable(exc)) is not None:
                raise unavailable from exc
            raise
        return cur.rowcount


_INVITATION_COLUMNS = """
SELECT i.id, i.campaign_id, i.role, i.reference, a.name AS authority, c.opens_on, c.closes_on,
       c.closed_at IS NOT NULL AS closed, i.telegram_user_id, i.chat_id, i.language, i.cursor,
       i.revoked_at IS NOT NULL AS revoked, s.invitation_id IS NOT NULL AS submitted,
       i.notice_seen_at IS NOT NULL AS notice_seen"""
_INVITATION_JOINS = """
JOIN campaigns c ON c.id = i.campaign_id
JOIN authorities a ON a.id = c.authority_id
LEFT JOIN submissions s ON s.invitation_id = i.id
"""
_INVITATION_TABLES = "\nFROM invitations i" + _INVITATION_JOINS
_INVITATION_SELECT = _INVITATION_COLUMNS + _INVITATION_TABLES
# The answers as ONE JSON object {question: value or null}, only when the invitation is bound to the asker: one row
# per press whatever the number of answers, parsed by json.loads (a row per answer cost a late press twice as much).
_ANSWERS_OF = (", CASE WHEN i.telegram_user_id = {} THEN (SELECT json_group_object(x.question_id, x.value)"
               " FROM answers x WHERE x.invitation_id = i.id) END AS answers")
_WITH_ANSWERS_SELECT = _INVITATION_COLUMNS + _ANSWERS_OF.format("?") + _INVITATION_TABLES + "WHERE i.id = ?"
# Many at once (storage/batching.py): `wanted` lists (invitation id, Telegram user) pairs; answers only where they match.
_MANY_WITH_ANSWERS_SELECT = (_INVITATION_COLUMNS + ", w.wanted, w.asker" + _ANSWERS_OF.format("w.asker")
                             + "\nFROM wanted w JOIN invitations i ON i.id = w.wanted" + _INVITATION_JOINS)
_RECORD = "INSERT INTO progress (invitation_id, answers, cursor, at) VALUES "


def _progress(row: aiosqlite.Row) -> tuple[Invitation, dict[str, str | None]]:
    return _invitation(row), json.loads(row["answers"]) if row["answers"] else {}


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


Progress = tuple[Invitation, dict[str, str | None]]
ProgressRow = tuple[int, str, str | None, str]  # invitation id, answers (JSON), cursor, time


class RespondentRepository:
    """The respondent's side: invitations by token or user, answers, cursor, submission.

    The read and the write on every press run inline on ``reader`` and ``writer`` when given; the write is batched
    (``storage/batching.py``): presses recorded at the same time share one statement and one commit."""

    def __init__(self, conn: aiosqlite.Connection, reader: sqlite3.Connection | None = None,
                 writer: sqlite3.Connection | None = None, *, spacing: float = COMMIT_SPACING):
        """``reader`` and ``writer``: connections on the event loop's thread (``storage.database.open_reader`` and
        ``open_writer``) for the read and the write on every press; without them those go through ``conn`` too.
        ``spacing``: the least time between two commits of answers (``storage.batching.COMMIT_SPACING``)."""
        self.conn, self.reader, self.writer = conn, reader, writer
        self._reads: Batched[tuple[int, int], Progress | None] = Batched(self._read_many, self._read_one)
        self._writes: Batched[ProgressRow, None] = Batched(self._record_many, self._record_one, spacing=spacing)

    async def _one(self, where: str, *params: object) -> Invitation | None:
        # One trip to aiosqlite's thread (a cursor's execute, fetch and close would be three): on every press.
        rows = await self.conn.execute_fetchall(_INVITATION_SELECT + where, params)
        return _invitation(next(iter(rows))) if rows else None

    async def invitation_by_token_hash(self, token_hash: str) -> Invitation | None:
        return await self._one("WHERE i.token_hash = ?", token_hash)

    async def invitation_by_id(self, invitation_id: int) -> Invitation | None:
        return await self._one("WHERE i.id = ?", invitation_id)

    async def with_answers(self, invitation_id: int, telegram_user_id: int) -> Progress | None:
        """The invitation, and its answers if it is bound to this Telegram user (never anyone else's): what every
        press reads: inline on the reader when there is one (microseconds, no hand-off to another thread), else in
        one query shared with the presses handled at the same time."""
        if self.reader is not None:
            try:
                row = self.reader.execute(_WITH_ANSWERS_SELECT, (telegram_user_id, invitation_id)).fetchone()
            except sqlite3.Error:  # locked, or the file went away: the writer's connection says what is wrong
                pass
            else:
                return _progress(row) if row else None
        return await self._reads((invitation_id, telegram_user_id))

    async def _read_one(self, key: tuple[int, int]) -> Progress | None:
        invitation_id, telegram_user_id = key
        rows = list(await self.conn.execute_fetchall(_WITH_ANSWERS_SELECT, (telegram_user_id, invitation_id)))
        return _progress(rows[0]) if rows else None

    async def _read_many(self, keys: Sequence[tuple[int, int]]) -> list[Progress | None]:
        wanted = "WITH wanted (wanted, asker) AS (VALUES " + ", ".join(["(?, ?)"] * len(keys)) + ") "
        rows = await self.conn.execute_fetchall(wanted + _MANY_WITH_ANSWERS_SELECT,
                                                [value for key in keys for value in key])
        found = {(row["wanted"], row["asker"]): row for row in rows}
        return [_progress(found[key]) if key in found else None for key in keys]

    async def bound_in_campaign(self, campaign_id: int, telegram_user_id: int) -> Invitation | None:
        return await self._one(
            "WHERE i.campaign_id = ? AND i.telegram_user_id = ? AND i.revoked_at IS NULL ORDER BY i.id LIMIT 1",
            campaign_id, telegram_user_id,
        )

    async def invitation_for_user(self, telegram_user_id: int) -> Invitation | None:
        return await self._one(
            "WHERE i.telegram_user_id = ? AND i.revoked_at IS NULL ORDER BY i.last_seen_at DESC, i.id DESC LIMIT 1",
            telegram_user_id,
        )

    async def bind(self, invitation_id: int, telegram_user_id: int, chat_id: int, now: datetime,
                   language_hint: str = "en") -> bool:
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "UPDATE invitations SET telegram_user_id = ?, chat_id = ?, language = NULL, language_hint = ?,"
                " bound_at = ?, last_seen_at = ?, withdrawn_at = NULL"
                " WHERE id = ? AND telegram_user_id IS NULL AND revoked_at IS NULL",
                (telegram_user_id, chat_id, language_hint, iso(now), iso(now), invitation_id),
            )
            return cur.rowcount == 1

    async def mark_notice_seen(self, invitation_id: int, now: datetime) -> None:
        await write(self.conn, 
            "UPDATE invitations SET notice_seen_at = ?, last_seen_at = ? WHERE id = ?", (iso(now), iso(now), invitation_id)
        )

    async def withdraw_user(self, telegram_user_id: int, now: datetime) -> list[Invitation]:
        async with transaction(self.conn):
            async with self.conn.execute(_INVITATION_SELECT + "WHERE i.telegram_user_id = ? ORDER BY i.id",
                                         (telegram_user_id,)) as cur:
                withdrawn = [_invitation(row) async for row in cur]
            ids = [(invitation.id,) for invitation in withdrawn]
            for table in ("answers", "submissions", "reminders", "results_deliveries"):
                await self.conn.executemany(f"DELETE FROM {table} WHERE invitation_id = ?", ids)
            await self.conn.executemany(
                "UPDATE invitations SET telegram_user_id = NULL, chat_id = NULL, language = NULL,"
                " language_hint = NULL, cursor = NULL,"
                " bound_at = NULL, last_seen_at = NULL, notice_seen_at = NULL, reminders_off_at = NULL,"
                " unreachable_at = NULL, snoozed_until = NULL, results_wanted_at = NULL, withdrawn_at = ? WHERE id = ?",
                [(iso(now), invitation.id) for invitation in withdrawn],
            )
        return withdrawn

    async def answers(self, invitation_id: int) -> dict[str, str | None]:
        rows = await self.conn.execute_fetchall(
            "SELECT question_id, value FROM answers WHERE invitation_id = ?", (invitation_id,))
        return {row["question_id"]: row["value"] for row in rows}

    async def record(self, invitation_id: int, answers: dict[str, str | None], cursor: str | None, now: datetime) -> None:
        """Every answer and the new cursor, all or nothing, in one statement (the ``progress`` view, migration 0009)
        shared with the presses recorded at the same time; returns once it is committed."""
        await self._writes((invitation_id, json.dumps(answers, ensure_ascii=False), cursor, iso(now)))

    async def _record_one(self, row: ProgressRow) -> None:
        await self._record_many((row,))

    async def _record_many(self, rows: Sequence[ProgressRow]) -> list[None]:
        sql, params = _RECORD + ", ".join(["(?, ?, ?, ?)"] * len(rows)), tuple(v for row in rows for v in row)
        if not write_inline(self.writer, sql, params):  # another connection is writing: through aiosqlite, in turn
            await write(self.conn, sql, params)
        return [None] * len(rows)

    async def submit(self, invitation_id: int, questionnaire_id: str, version: int, now: datetime) -> bool:
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "INSERT INTO submissions (invitation_id, questionnaire_id, questionnaire_version, submitted_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (invitation_id) DO NOTHING",
                (invitation_id, questionnaire_id, version, iso(now)),
            )
            return cur.rowcount == 1

    async def set_language(self, invitation_id: int, language: str) -> None:
        await write(self.conn, "UPDATE invitations SET language = ? WHERE id = ?", (language, invitation_id))

    async def snooze(self, invitation_id: int, until: datetime) -> None:
        await write(self.conn, "UPDATE invitations SET snoozed_until = ? WHERE id = ?", (iso(until), invitation_id))

    async def reminders_off(self, invitation_id: int, now: datetime) -> None:
        await write(self.conn, 
            "UPDATE invitations SET reminders_off_at = ?, snoozed_until = NULL WHERE id = ?", (iso(now), invitation_id)
        )


# Per role: the counts behind the rates and the outcome codes (reports/outcomes.py); key questions as JSON {role: [id]}.
_RATES = """
WITH wanted(role, question_id) AS (SELECT r.key, q.value FROM json_each(?) r, json_each(r.value) q),
     needed(role, n) AS (SELECT r.key, json_array_length(r.value) FROM json_each(?) r),
     status AS (
        SELECT i.role, s.invitation_id IS NOT NULL AS submitted, i.telegram_user_id IS NOT NULL AS bound,
               i.withdrawn_at IS NOT NULL AS withdrawn,
               EXISTS (SELECT 1 FROM answers a WHERE a.invitation_id = i.id) AS answered,
               (SELECT COUNT(*) FROM answers a JOIN wanted w ON w.question_id = a.question_id
                WHERE a.invitation_id = i.id AND w.role = i.role AND a.value IS NOT NULL) AS keyed,
               COALESCE((SELECT n FROM needed WHERE needed.role = i.role), 0) AS needed
        FROM invitations i LEFT JOIN submissions s ON s.invitation_id = i.id
        WHERE i.campaign_id = ? AND i.revoked_at IS NULL),
     coded AS (
        SELECT role, submitted, bound,
               CASE WHEN submitted THEN 'I'
                    WHEN bound AND needed > 0 AND keyed >= needed THEN 'P'
                    WHEN bound AND answered THEN 'B'
                    WHEN bound THEN 'O'
                    WHEN withdrawn THEN 'W'
                    ELSE 'NC' END AS code
        FROM status)
SELECT role, COUNT(*) AS invited, SUM(bound AND NOT submitted) AS started, SUM(submitted) AS responded,
       SUM(code = 'P') AS partial, SUM(code = 'W') AS withdrew, SUM(code = 'B') AS broke_off,
       SUM(code = 'O') AS other, SUM(code = 'NC') AS non_contact
FROM coded GROUP BY role
"""


def _role_rate(row: aiosqlite.Row, with_outcomes: bool) -> RoleRate:
    outcomes = Outcomes(row["responded"], row["partial"], row["withdrew"], row["broke_off"], row["other"],
                        row["non_contact"]) if with_outcomes else None
    return RoleRate(row["role"], row["invited"], row["started"], row["responded"], outcomes)


_CAMPAIGN_SELECT = """
SELECT c.id, a.name AS authority, a.name_cy AS authority_cy, c.opens_on, c.closes_on, c.closed_at, c.closed_reason,
       c.created_at, c.target_officer, c.target_member, c.round
FROM campaigns c JOIN authorities a ON a.id = c.authority_id
"""


def _campaign(row: aiosqlite.Row) -> Campaign:
    return Campaign(
        id=row["id"],
        authority=row["authority"],
        authority_cy=row["authority_cy"],
        opens_on=date.fromisoformat(row["opens_on"]),
        closes_on=date.fromisoformat(row["closes_on"]),
        closed_at=row["closed_at"],
        closed_reason=row["closed_reason"],
        created_at=row["created_at"],
        targets={"officer": row["target_officer"], "member": row["target_member"]},
        round=row["round"],
    )


class CampaignRepository:
    """Authorities, campaigns, invitations and the figures auditors see.  Counts are SQL aggregates."""

    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    # ---- authorities ---------------------------------------------------------------------------------------------

    async def sync_authorities(self, authorities: list[tuple[str, str | None]]) -> None:
        """Make sure the configured authorities exist (names are never deleted: campaigns refer to them)."""
        async with transaction(self.conn):
            await self.conn.executemany(
                "INSERT INTO authorities (name, name_cy, is_default) VALUES (?, ?, 1)"
                " ON CONFLICT (name) DO UPDATE SET name_cy = COALESCE(excluded.name_cy, name_cy), is_default = 1",
                authorities,
            )

    async def authority_names(self) -> list[tuple[str, str | None]]:
        async with self.conn.execute("SELECT name, name_cy FROM authorities ORDER BY name") as cur:
            return [(row["name"], row["name_cy"]) async for row in cur]

    async def ensure_authority(self, name: str) -> int:
        async with transaction(self.conn):
            await self.conn.execute("INSERT INTO authorities (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
            async with self.conn.execute("SELECT id FROM authorities WHERE name = ?", (name,)) as cur:
                row = await cur.fetchone()
        assert row is not None
        return int(row["id"])

    # ---- campaigns -----------------------------------------------------------------------------------------------

    async def create_campaign(
        self,
        authority: str,
        opens_on: date,
        closes_on: date,
        now: datetime,
        targets: dict[str, float] | None = None,
        reminder_policy: str | None = None,
        round: str | None = None,
    ) -> int:
        """``reminder_policy``: JSON of a ``flows.reminders.ReminderPolicy``; None uses the configured default.
        ``round``: the round of the data tool (None: the year ``opens_on`` falls in, as migration 0010 back-filled;
        the label is checked by ``flows.campaigns.check_round`` before it gets here)."""
        if closes_on < opens_on:
            raise ValueError("the close date is before the open date")
        round = str(opens_on.year) if round is None else round
        targets = DEFAULT_TARGETS | (targets or {})
        authority_id = await self.ensure_authority(authority)
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "INSERT INTO campaigns (authority_id, opens_on, closes_on, created_at, target_officer, target_member,"
                " reminder_policy, round) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (authority_id, opens_on.isoformat(), closes_on.isoformat(), iso(now), targets["officer"],
                 targets["member"], reminder_policy, round),
            )
        return int(cur.lastrowid or 0)

    async def campaign(self, campaign_id: int) -> Campaign | None:
        async with self.conn.execute(_CAMPAIGN_SELECT + " WHERE c.id = ?", (campaign_id,)) as cur:
            row = await cur.fetchone()
        return _campaign(row) if row else None

    async def campaigns(self) -> list[Campaign]:
        async with self.conn.execute(_CAMPAIGN_SELECT + " ORDER BY a.name, c.opens_on DESC, c.id DESC") as cur:
            return [_campaign(row) async for row in cur]

    async def round_peers(self, campaign: Campaign) -> list[Campaign]:
        """The other councils' campaigns of ``campaign``'s round whose fieldwork is closed (marked closed: the bot
        marks a campaign closed within a minute of its close date), the most recent per council, by council name."""
        async with self.conn.execute(
            _CAMPAIGN_SELECT + " WHERE c.round = ? AND c.closed_at IS NOT NULL AND a.name <> ?"
            " ORDER BY a.name, c.opens_on DESC, c.id DESC",
            (campaign.round, campaign.authority),
        ) as cur:
            found = [_campaign(row) for row in await cur.fetchall()]
        latest: dict[str, Campaign] = {}
        for peer in found:
            latest.setdefault(peer.authority, peer)
        return list(latest.values())

    async def previous_round(self, campaign: Campaign) -> Campaign | None:
        """The same council's campaign of the most recent earlier round with closed fieldwork: another round, opened
        before ``campaign`` did (the latest such campaign, should that round have had two)."""
        async with self.conn.execute(
            _CAMPAIGN_SELECT + " WHERE a.name = ? AND c.round <> ? AND c.closed_at IS NOT NULL AND c.opens_on < ?"
            " ORDER BY c.opens_on DESC, c.id DESC LIMIT 1",
            (campaign.authority, campaign.round, campaign.opens_on.isoformat()),
        ) as cur:
            row = await cur.fetchone()
        return _campaign(row) if row else None

    async def update_campaign(self, campaign_id: int, *, closes_on: date, targets: dict[str, float],
                              reminder_policy: str | None = None) -> None:
        """Store a campaign's close date and targets, and its own reminder policy (JSON) when one is given."""
        async with transaction(self.conn):
            await self.conn.execute(
                "UPDATE campaigns SET closes_on = ?, target_officer = ?, target_member = ?,"
                " reminder_policy = COALESCE(?, reminder_policy) WHERE id = ?",
                (closes_on.isoformat(), targets["officer"], targets["member"], reminder_policy, campaign_id),
            )

    async def close_campaign(self, campaign_id: int, reason: str, now: datetime) -> bool:
        """Close fieldwork; False when it was already closed (closing is idempotent)."""
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "UPDATE campaigns SET closed_at = ?, closed_reason = ? WHERE id = ? AND closed_at IS NULL",
                (iso(now), reason, campaign_id),
            )
            return cur.rowcount == 1

    # ---- invitations ---------------------------------------------------------------------------------------------

    async def add_invitations(
        self, campaign_id: int, role: str, count: int, tokens: list[str], token_hashes: list[str], now: datetime
    ) -> list[NewInvitation]:
        """Create ``count`` invitations with references like ``C1-O0001`` / ``C1-M0001`` (numbered per campaign)."""
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

    async def invitations(self, campaign_id: int, role: str | None = None) -> list[InvitationStatus]:
        async with self.conn.execute(
            """
            SELECT i.reference, i.role,
                   CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked'
                        WHEN s.invitation_id IS NOT NULL THEN 'submitted'
                        WHEN i.telegram_user_id IS NOT NULL THEN 'started'
                        WHEN i.withdrawn_at IS NOT NULL THEN 'withdrawn'
                        ELSE 'not opened' END AS status
            FROM invitations i LEFT JOIN submissions s ON s.invitation_id = i.id
            WHERE i.campaign_id = ? AND (? IS NULL OR i.role = ?)
            ORDER BY i.reference
            """,
            (campaign_id, role, role),
        ) as cur:
            return [InvitationStatus(row["reference"], row["role"], row["status"]) async for row in cur]

    async def revoke(self, reference: str, now: datetime) -> str:
        """Revoke an invitation by reference: "revoked", "already revoked" or "not found"."""
        async with transaction(self.conn):
            cur = await self.conn.execute(
                "UPDATE invitations SET revoked_at = ? WHERE reference = ? AND revoked_at IS NULL", (iso(now), reference)
            )
            if cur.rowcount == 1:
                return "revoked"
            async with self.conn.execute("SELECT 1 FROM invitations WHERE reference = ?", (reference,)) as check:
                return "already revoked" if await check.fetchone() else "not found"

    # ---- figures -------------------------------------------------------------------------------------------------

    async def rates(self, campaign_id: int, key_questions: Mapping[str, Sequence[str]] | None = None) -> list[RoleRate]:
        """Invited, started (opened, not submitted) and responded (submitted), per role: one aggregate query.

        Revoked invitations are not counted as invited; a withdrawn respondent counts as invited, not responded.
        With ``key_questions`` (``reports.outcomes.key_questions``) it also counts the outcomes (``RoleRate.outcomes``),
        the key answers counted per invitation in SQL.
        """
        keys = json.dumps({role: list(ids) for role, ids in (key_questions or {}).items()})
        async with self.conn.execute(_RATES, (keys, keys, campaign_id)) as cur:
            found = {row["role"]: _role_rate(row, key_questions is not None) async for row in cur}
        return [found.get(role, RoleRate(role, 0, 0, 0, None if key_questions is None else Outcomes()))
                for role in ROLES]

    async def responded_since(self, campaign_id: int, since: str) -> dict[str, int]:
        async with self.conn.execute(
            "SELECT i.role, COUNT(*) AS n FROM submissions s JOIN invitations i ON i.id = s.invitation_id"
            " WHERE i.campaign_id = ? AND s.submitted_at > ? AND i.revoked_at IS NULL GROUP BY i.role",
            (campaign_id, since),
        ) as cur:
            found = {row["role"]: row["n"] async for row in cur}
        return {role: found.get(role, 0) for role in ROLES}
