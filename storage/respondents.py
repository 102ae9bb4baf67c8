"""The respondent's side in SQL: invitations by token or Telegram user, answers, cursor, submission, and each
Telegram update recorded with the change it made (``handled_updates``, migration 0013).

``RespondentRepository`` implements ``flows.ports.respondents.RespondentStore``.  The read and the write on every press are the
hot path: both run inline on connections of the event loop's own thread, and the write is batched
(``storage/batching.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta

import aiosqlite

from flows.i18n import DEFAULT_LANGUAGE
from flows.ports.errors import AlreadyHandled
from flows.ports.respondents import Invitation
from storage.batching import COMMIT_SPACING, Batched
from storage.database import write_inline
from storage.retention import record_withdrawals
from storage.transactions import LOCKS, iso, transaction, write

log = logging.getLogger(__name__)

_INVITATION_COLUMNS = """
SELECT i.id, i.campaign_id, i.role, i.reference, a.name AS authority, c.opens_on, c.closes_on,
       c.closed_at IS NOT NULL AS closed, i.telegram_user_id, i.chat_id, i.language, i.cursor,
       i.revoked_at IS NOT NULL AS revoked, s.invitation_id IS NOT NULL AS submitted,
       i.notice_seen_at IS NOT NULL AS notice_seen, i.shown_by, a.name_cy AS authority_cy,
       (SELECT COUNT(*) FROM invitations j WHERE j.telegram_user_id = i.telegram_user_id
        AND j.revoked_at IS NULL) > 1 AS several, c.retention_days"""
_INVITATION_JOINS = """
JOIN campaigns c ON c.id = i.campaign_id
JOIN authorities a ON a.id = c.authority_id
LEFT JOIN submissions s ON s.invitation_id = i.id
"""
_INVITATION_TABLES = "\nFROM invitations i" + _INVITATION_JOINS
_INVITATION_SELECT = _INVITATION_COLUMNS + _INVITATION_TABLES
# The answers as ONE JSON object {question: value or null}, only when the invitation is bound to the asker: one row
# per press whatever the number of answers, parsed by json.loads (a row per answer cost a late press twice as much).
_ANSWERS_OF = (
    ", CASE WHEN i.telegram_user_id = {} THEN (SELECT json_group_object(x.question_id, x.value)"
    " FROM answers x WHERE x.invitation_id = i.id) END AS answers"
)
_WITH_ANSWERS_SELECT = _INVITATION_COLUMNS + _ANSWERS_OF.format("?") + _INVITATION_TABLES + "WHERE i.id = ?"
# Many at once (storage/batching.py): `wanted` lists (invitation id, Telegram user) pairs; answers only where they match.
_MANY_WITH_ANSWERS_SELECT = (
    _INVITATION_COLUMNS
    + ", w.wanted, w.asker"
    + _ANSWERS_OF.format("w.asker")
    + "\nFROM wanted w JOIN invitations i ON i.id = w.wanted"
    + _INVITATION_JOINS
)
_RECORD = "INSERT INTO progress (invitation_id, answers, cursor, at, update_id) VALUES "
_HANDLED = "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)"
# The invitation becomes the one this person's typed text goes to (the highest focus among theirs); ``shown_by``: the
# update that put its current screen there, when one did.
_FOCUS = (
    "UPDATE invitations SET focus = COALESCE((SELECT MAX(j.focus) FROM invitations j"
    " WHERE j.telegram_user_id = invitations.telegram_user_id), 0) + 1,"
    " shown_by = COALESCE(?, shown_by) WHERE id = ?"
)
HANDLED_KEPT = timedelta(days=2)
"""How long an update's id is kept (``handled_updates``): Telegram keeps an unconfirmed update for 24 hours."""


def _already_handled(exc: BaseException) -> bool:
    """Is ``exc`` the second recording of one update (``handled_updates``' primary key)?"""
    return isinstance(exc, sqlite3.IntegrityError) and "handled_updates" in str(exc)


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
        shown_by=row["shown_by"],
        authority_cy=row["authority_cy"],
        several=bool(row["several"]),
        retention_days=row["retention_days"],
    )


Progress = tuple[Invitation, dict[str, str | None]]
ProgressRow = tuple[int, str, str | None, str, int | None]  # invitation id, answers (JSON), cursor, time, update id


class RespondentRepository:
    """The respondent's side: invitations by token or user, answers, cursor, submission.

    The read and the write on every press run inline on ``reader`` and ``writer`` when given; the write is batched
    (``storage/batching.py``): presses recorded at the same time share one statement and one commit."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        reader: sqlite3.Connection | None = None,
        writer: sqlite3.Connection | None = None,
        *,
        spacing: float = COMMIT_SPACING,
    ):
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
        rows = await self.conn.execute_fetchall(
            wanted + _MANY_WITH_ANSWERS_SELECT, [value for key in keys for value in key]
        )
        found = {(row["wanted"], row["asker"]): row for row in rows}
        return [_progress(found[key]) if key in found else None for key in keys]

    async def bound_in_campaign(self, campaign_id: int, telegram_user_id: int) -> Invitation | None:
        return await self._one(
            "WHERE i.campaign_id = ? AND i.telegram_user_id = ? AND i.revoked_at IS NULL ORDER BY i.id LIMIT 1",
            campaign_id,
            telegram_user_id,
        )

    async def invitation_for_user(self, telegram_user_id: int) -> Invitation | None:
        return await self._one(
            "WHERE i.telegram_user_id = ? AND i.revoked_at IS NULL ORDER BY i.focus DESC, i.last_seen_at DESC, i.id DESC"
            " LIMIT 1",
            telegram_user_id,
        )

    async def handled(self, update_id: int) -> bool:
        """Has this update already changed something (``handled_updates``)?  Read inline when there is a reader."""
        sql, params = "SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)
        if self.reader is not None:
            try:
                return self.reader.execute(sql, params).fetchone() is not None
            except sqlite3.Error:  # locked, or the file went away: the main connection says what is wrong
                pass
        return bool(await self.conn.execute_fetchall(sql, params))

    async def mark_handled(self, update_id: int, now: datetime) -> None:
        """Record an update that changed nothing (it is still decided only once)."""
        await write(self.conn, _HANDLED + " ON CONFLICT DO NOTHING", (update_id, iso(now)))

    async def forget_updates(self, now: datetime) -> int:
        """Drop the ids of updates handled more than ``HANDLED_KEPT`` ago (no longer redelivered by Telegram)."""
        return await write(self.conn, "DELETE FROM handled_updates WHERE handled_at < ?", (iso(now - HANDLED_KEPT),))

    @contextlib.asynccontextmanager
    async def _once(
        self, update_id: int | None, now: datetime, invitation_id: int | None = None
    ) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction that also records ``update_id`` (when given), so the change and the fact that this
        update made it commit together; a second delivery of the update raises ``AlreadyHandled``, changing nothing.
        ``invitation_id``: the invitation changed, whose ``shown_by`` becomes this update."""
        try:
            async with transaction(self.conn) as conn:
                if update_id is not None:
                    await conn.execute(_HANDLED, (update_id, iso(now)))
                yield conn
                if update_id is not None and invitation_id is not None:
                    await conn.execute("UPDATE invitations SET shown_by = ? WHERE id = ?", (update_id, invitation_id))
        except sqlite3.IntegrityError as exc:
            if _already_handled(exc):
                raise AlreadyHandled(update_id) from None
            raise

    async def bind(
        self,
        invitation_id: int,
        telegram_user_id: int,
        chat_id: int,
        now: datetime,
        language_hint: str = DEFAULT_LANGUAGE,
        *,
        update_id: int | None = None,
    ) -> bool:
        async with self._once(update_id, now) as conn:
            cur = await conn.execute(
                "UPDATE invitations SET telegram_user_id = ?, chat_id = ?, language = NULL, language_hint = ?,"
                " bound_at = ?, last_seen_at = ?, withdrawn_at = NULL"
                " WHERE id = ? AND telegram_user_id IS NULL AND revoked_at IS NULL",
                (telegram_user_id, chat_id, language_hint, iso(now), iso(now), invitation_id),
            )
            if cur.rowcount == 1:
                await conn.execute(_FOCUS, (update_id, invitation_id))
            return cur.rowcount == 1

    async def mark_notice_seen(self, invitation_id: int, now: datetime, *, update_id: int | None = None) -> None:
        async with self._once(update_id, now) as conn:
            await conn.execute(
                "UPDATE invitations SET notice_seen_at = ?, last_seen_at = ? WHERE id = ?",
                (iso(now), iso(now), invitation_id),
            )
            await conn.execute(_FOCUS, (update_id, invitation_id))

    async def focus(self, invitation_id: int, *, shown_by: int | None = None) -> None:
        await write(self.conn, _FOCUS, (shown_by, invitation_id))

    async def withdraw_user(
        self, telegram_user_id: int, now: datetime, *, update_id: int | None = None
    ) -> list[Invitation]:
        async with self._once(update_id, now) as conn:
            async with conn.execute(
                _INVITATION_SELECT + "WHERE i.telegram_user_id = ? ORDER BY i.id", (telegram_user_id,)
            ) as cur:
                withdrawn = [_invitation(row) async for row in cur]
            ids = [(invitation.id,) for invitation in withdrawn]
            # the erasure ledger, outside the database, before this commits: a restored backup cannot bring them back
            await record_withdrawals(conn, [invitation.id for invitation in withdrawn], now)
            for table in ("answers", "submissions", "reminders", "results_deliveries"):
                await conn.executemany(f"DELETE FROM {table} WHERE invitation_id = ?", ids)
            await conn.executemany(
                "UPDATE invitations SET telegram_user_id = NULL, chat_id = NULL, language = NULL,"
                " language_hint = NULL, cursor = NULL, focus = 0, shown_by = NULL,"
                " bound_at = NULL, last_seen_at = NULL, notice_seen_at = NULL, reminders_off_at = NULL,"
                " unreachable_at = NULL, snoozed_until = NULL, results_wanted_at = NULL, withdrawn_at = ? WHERE id = ?",
                [(iso(now), invitation.id) for invitation in withdrawn],
            )
            # the stored reports of a closed campaign still hold the answers: rebuilt next, or at start-up after a crash
            await conn.executemany(
                "INSERT INTO pending_rebuilds (campaign_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING",
                sorted({(invitation.campaign_id, iso(now)) for invitation in withdrawn if invitation.closed}),
            )
        if withdrawn:
            await self.checkpoint()
        return withdrawn

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and empty it, so deleted rows (overwritten there by
        ``secure_delete``) no longer survive in ``-wal``.  Best effort: a reader in the middle of a query can keep
        the log from being emptied this time; the next checkpoint does it."""
        async with LOCKS.setdefault(self.conn, asyncio.Lock()):
            rows = await self.conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = next(iter(rows))[0] if rows else 0
        if busy:
            log.warning("write-ahead log not emptied after a withdrawal (a reader was busy); the next checkpoint will")

    async def pending_rebuilds(self) -> list[int]:
        rows = await self.conn.execute_fetchall("SELECT campaign_id FROM pending_rebuilds ORDER BY campaign_id")
        return [row[0] for row in rows]

    async def rebuilt(self, campaign_id: int) -> None:
        await write(self.conn, "DELETE FROM pending_rebuilds WHERE campaign_id = ?", (campaign_id,))

    async def answers(self, invitation_id: int) -> dict[str, str | None]:
        rows = await self.conn.execute_fetchall(
            "SELECT question_id, value FROM answers WHERE invitation_id = ?", (invitation_id,)
        )
        return {row["question_id"]: row["value"] for row in rows}

    async def record(
        self,
        invitation_id: int,
        answers: dict[str, str | None],
        cursor: str | None,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> None:
        """Every answer, the new cursor and the update that made them (``update_id``), all or nothing, in one statement
        (the ``progress`` view, migrations 0009 and 0013) shared with the presses recorded at the same time; returns
        once it is committed.  ``AlreadyHandled`` when that update was recorded before."""
        try:
            await self._writes((invitation_id, json.dumps(answers, ensure_ascii=False), cursor, iso(now), update_id))
        except sqlite3.IntegrityError as exc:
            if _already_handled(exc):
                raise AlreadyHandled(update_id) from None
            raise

    async def _record_one(self, row: ProgressRow) -> None:
        await self._record_many((row,))

    async def _record_many(self, rows: Sequence[ProgressRow]) -> list[None]:
        sql, params = _RECORD + ", ".join(["(?, ?, ?, ?, ?)"] * len(rows)), tuple(v for row in rows for v in row)
        if not write_inline(self.writer, sql, params):  # another connection is writing: through aiosqlite, in turn
            await write(self.conn, sql, params)
        return [None] * len(rows)

    async def submit(
        self, invitation_id: int, questionnaire_id: str, version: int, now: datetime, *, update_id: int | None = None
    ) -> bool:
        async with self._once(update_id, now, invitation_id) as conn:
            cur = await conn.execute(
                "INSERT INTO submissions (invitation_id, questionnaire_id, questionnaire_version, submitted_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (invitation_id) DO NOTHING",
                (invitation_id, questionnaire_id, version, iso(now)),
            )
            return cur.rowcount == 1

    async def set_language(
        self, invitation_id: int, language: str, now: datetime | None = None, *, update_id: int | None = None
    ) -> None:
        if now is None:  # not a person's choice (seeding the benchmark): nothing is put on screen
            await write(self.conn, "UPDATE invitations SET language = ? WHERE id = ?", (language, invitation_id))
            return
        async with self._once(update_id, now) as conn:
            await conn.execute("UPDATE invitations SET language = ? WHERE id = ?", (language, invitation_id))
            await conn.execute(_FOCUS, (update_id, invitation_id))

    async def snooze(
        self, invitation_id: int, until: datetime, now: datetime | None = None, *, update_id: int | None = None
    ) -> None:
        async with self._once(update_id, now or until, invitation_id) as conn:
            await conn.execute("UPDATE invitations SET snoozed_until = ? WHERE id = ?", (iso(until), invitation_id))

    async def reminders_off(self, invitation_id: int, now: datetime, *, update_id: int | None = None) -> None:
        async with self._once(update_id, now, invitation_id) as conn:
            await conn.execute(
                "UPDATE invitations SET reminders_off_at = ?, snoozed_until = NULL WHERE id = ?",
                (iso(now), invitation_id),
            )
