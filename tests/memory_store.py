"""An in-memory ``flows.ports.respondents.RespondentStore`` for tests that drive the respondents' interactors
(``flows.respondents``) many thousands of times.

It mirrors ``storage.repositories.RespondentRepository`` statement by statement (the SQL is quoted beside each
method), down to the order ``invitation_for_user`` breaks ties in and what ``withdraw_user`` clears.
``tests/test_memory_store.py`` runs the same conversation through the service on this store and on SQLite and
compares every reply and every stored row, so the fake cannot drift from the real thing unnoticed.

Beyond the protocol it offers:

- ``seed_campaign``: a campaign with invitations and their tokens (only hashes are kept, as in the database);
- ``fail_writes``: while true, every write raises ``StorageUnavailable`` before changing anything (a full disk or
  a read-only database: nothing partial is ever written);
- ``answer_reads``: the invitation ids whose answers were read, in order (tests use it to tell which invitation a
  rendered question belongs to);
- ``snapshot()``: everything stored, as plain values, to compare before and after an action.
"""

from __future__ import annotations

import copy
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flows.ports.errors import AlreadyHandled, StorageUnavailable
from flows.ports.respondents import Invitation, ResultsChoice
from flows.tokens import hash_token, new_token

HANDLED_KEPT = timedelta(days=2)  # as storage.repositories.HANDLED_KEPT


def iso(moment: datetime) -> str:
    """As ``storage.repositories.iso``: aware datetimes only, to the second (ties compare equal, as in SQL)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return moment.isoformat(timespec="seconds")


@dataclass
class _Campaign:
    id: int
    authority: str
    opens_on: date
    closes_on: date
    closed_at: str | None = None


@dataclass
class _Invitation:
    """One row of ``invitations`` (the columns RespondentRepository reads or writes)."""

    id: int
    campaign_id: int
    role: str
    reference: str
    token_hash: str
    created_at: str
    telegram_user_id: int | None = None
    chat_id: int | None = None
    language: str | None = None
    language_hint: str | None = None
    cursor: str | None = None
    bound_at: str | None = None
    last_seen_at: str | None = None
    revoked_at: str | None = None
    notice_seen_at: str | None = None
    withdrawn_at: str | None = None
    reminders_off_at: str | None = None
    unreachable_at: str | None = None
    snoozed_until: str | None = None
    results_wanted_at: str | None = None
    focus: int = 0
    shown_by: int | None = None


@dataclass
class SeededCampaign:
    id: int
    tokens: dict[str, list[str]]  # role -> tokens, in the order of the invitations
    invitation_ids: dict[str, list[int]]  # role -> invitation ids, same order


@dataclass
class MemoryStore:
    fail_writes: bool = False
    campaigns: dict[int, _Campaign] = field(default_factory=dict)
    invitations: dict[int, _Invitation] = field(default_factory=dict)
    answer_rows: dict[int, dict[str, tuple[str | None, str]]] = field(default_factory=dict)  # inv -> q -> (value, at)
    submissions: dict[int, tuple[str, int, str]] = field(default_factory=dict)  # questionnaire, version, at
    reminders: dict[tuple[int, str], str] = field(default_factory=dict)  # (invitation, slot) -> status
    results_deliveries: dict[int, str] = field(default_factory=dict)  # invitation -> status (storage/results.py)
    handled_updates: dict[int, str] = field(default_factory=dict)  # update id -> when
    pending: dict[int, str] = field(default_factory=dict)  # campaign id -> since (pending_rebuilds)
    answer_reads: list[int] = field(default_factory=list)

    # ---- seeding (what CampaignRepository does for the command line) --------------------------------------------

    def seed_campaign(
        self,
        authority: str,
        opens_on: date,
        closes_on: date,
        now: datetime,
        *,
        per_role: dict[str, int] | None = None,
        tokens: dict[str, list[str]] | None = None,
    ) -> SeededCampaign:
        """A campaign with invitations, referenced like ``C1-O0001``; ``tokens`` (per role) replaces random ones."""
        if closes_on < opens_on:
            raise ValueError("the close date is before the open date")
        campaign_id = max(self.campaigns, default=0) + 1
        self.campaigns[campaign_id] = _Campaign(campaign_id, authority, opens_on, closes_on)
        counts = per_role or {"officer": 2, "member": 2}
        seeded = SeededCampaign(campaign_id, {}, {})
        for role, count in counts.items():
            given = (tokens or {}).get(role)
            role_tokens = list(given) if given is not None else [new_token() for _ in range(count)]
            if len(role_tokens) != count:
                raise ValueError("one token per invitation")
            seeded.tokens[role], seeded.invitation_ids[role] = role_tokens, []
            for n, token in enumerate(role_tokens, start=1):
                token_hash = hash_token(token)
                if any(i.token_hash == token_hash for i in self.invitations.values()):
                    raise ValueError("token_hash is UNIQUE")
                invitation_id = max(self.invitations, default=0) + 1
                reference = f"C{campaign_id}-{role[0].upper()}{n:04d}"
                self.invitations[invitation_id] = _Invitation(
                    invitation_id, campaign_id, role, reference, token_hash, iso(now)
                )
                seeded.invitation_ids[role].append(invitation_id)
        return seeded

    def close_campaign(self, campaign_id: int, now: datetime) -> None:
        self.campaigns[campaign_id].closed_at = iso(now)

    def revoke(self, invitation_id: int, now: datetime) -> None:
        self.invitations[invitation_id].revoked_at = iso(now)

    # ---- inspection ----------------------------------------------------------------------------------------------

    def stored_answers(self, invitation_id: int) -> dict[str, str | None]:
        """The answers of an invitation, without counting as a read by the service."""
        return {q: v for q, (v, _) in self.answer_rows.get(invitation_id, {}).items()}

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(
            {
                "campaigns": self.campaigns,
                "invitations": self.invitations,
                "answers": self.answer_rows,
                "submissions": self.submissions,
                "reminders": self.reminders,
                "results_deliveries": self.results_deliveries,
                "handled_updates": self.handled_updates,
                "pending_rebuilds": self.pending,
            }
        )

    def _write(self, update_id: int | None = None, now: datetime | None = None) -> None:
        """Before a write: the failure knob, then the update's record (INSERT INTO handled_updates, whose primary key
        refuses a second one before anything else of the transaction is written)."""
        if self.fail_writes:
            raise StorageUnavailable("the in-memory store is failing writes (test knob)")
        if update_id is not None:
            if update_id in self.handled_updates:
                raise AlreadyHandled(update_id)
            assert now is not None
            self.handled_updates[update_id] = iso(now)

    def _changed_by(self, invitation_id: int, update_id: int | None) -> None:
        # (in the same transaction) UPDATE invitations SET shown_by = ? WHERE id = ?
        if update_id is not None and (row := self.invitations.get(invitation_id)) is not None:
            row.shown_by = update_id

    def _focus(self, row: _Invitation, shown_by: int | None) -> None:
        # UPDATE invitations SET focus = COALESCE((SELECT MAX(j.focus) FROM invitations j
        #   WHERE j.telegram_user_id = invitations.telegram_user_id), 0) + 1, shown_by = COALESCE(?, shown_by)
        mine = [
            r.focus
            for r in self.invitations.values()
            if row.telegram_user_id is not None and r.telegram_user_id == row.telegram_user_id
        ]
        row.focus = max(mine, default=0) + 1
        if shown_by is not None:
            row.shown_by = shown_by

    # ---- reads: _INVITATION_SELECT ... WHERE ... -----------------------------------------------------------------

    def _view(self, row: _Invitation) -> Invitation:
        campaign = self.campaigns[row.campaign_id]
        return Invitation(
            id=row.id,
            campaign_id=row.campaign_id,
            role=row.role,
            reference=row.reference,
            authority=campaign.authority,
            opens_on=campaign.opens_on,
            closes_on=campaign.closes_on,
            closed=campaign.closed_at is not None,
            telegram_user_id=row.telegram_user_id,
            chat_id=row.chat_id,
            language=row.language,
            cursor=row.cursor,
            revoked=row.revoked_at is not None,
            submitted=row.id in self.submissions,
            notice_seen=row.notice_seen_at is not None,
            shown_by=row.shown_by,
            authority_cy=None,
            several=row.telegram_user_id is not None
            and sum(
                r.telegram_user_id == row.telegram_user_id and r.revoked_at is None for r in self.invitations.values()
            )
            > 1,
        )

    async def invitation_by_token_hash(self, token_hash: str) -> Invitation | None:
        # WHERE i.token_hash = ?
        found = [row for row in self.invitations.values() if row.token_hash == token_hash]
        return self._view(found[0]) if found else None

    async def invitation_by_id(self, invitation_id: int) -> Invitation | None:
        # WHERE i.id = ?
        row = self.invitations.get(invitation_id) if isinstance(invitation_id, int) else None
        return self._view(row) if row is not None else None

    async def with_answers(
        self, invitation_id: int, telegram_user_id: int
    ) -> tuple[Invitation, dict[str, str | None]] | None:
        # LEFT JOIN answers x ON x.invitation_id = i.id AND i.telegram_user_id = ? WHERE i.id = ?
        invitation = await self.invitation_by_id(invitation_id)
        if invitation is None:
            return None
        if invitation.telegram_user_id != telegram_user_id:
            return invitation, {}
        self.answer_reads.append(invitation_id)
        return invitation, self.stored_answers(invitation_id)

    async def bound_in_campaign(self, campaign_id: int, telegram_user_id: int) -> Invitation | None:
        # WHERE i.campaign_id = ? AND i.telegram_user_id = ? AND i.revoked_at IS NULL ORDER BY i.id LIMIT 1
        found = sorted(
            (
                row
                for row in self.invitations.values()
                if row.campaign_id == campaign_id
                and row.telegram_user_id == telegram_user_id
                and row.revoked_at is None
            ),
            key=lambda row: row.id,
        )
        return self._view(found[0]) if found else None

    async def invitation_for_user(self, telegram_user_id: int) -> Invitation | None:
        # WHERE i.telegram_user_id = ? AND i.revoked_at IS NULL ORDER BY i.focus DESC, i.last_seen_at DESC, i.id DESC
        # LIMIT 1 (in SQLite NULL sorts before every string, so a NULL last_seen_at comes last in DESC order)
        found = sorted(
            (
                row
                for row in self.invitations.values()
                if row.telegram_user_id == telegram_user_id and row.revoked_at is None
            ),
            key=lambda row: (row.focus, row.last_seen_at is not None, row.last_seen_at or "", row.id),
            reverse=True,
        )
        return self._view(found[0]) if found else None

    async def handled(self, update_id: int) -> bool:
        # SELECT 1 FROM handled_updates WHERE update_id = ?
        return update_id in self.handled_updates

    async def mark_handled(self, update_id: int, now: datetime) -> None:
        # INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?) ON CONFLICT DO NOTHING
        self._write()
        self.handled_updates.setdefault(update_id, iso(now))

    async def forget_updates(self, now: datetime) -> int:
        # DELETE FROM handled_updates WHERE handled_at < ?
        self._write()
        cutoff = iso(now - HANDLED_KEPT)
        old = [u for u, at in self.handled_updates.items() if at < cutoff]
        for update_id in old:
            del self.handled_updates[update_id]
        return len(old)

    async def pending_rebuilds(self) -> list[int]:
        # SELECT campaign_id FROM pending_rebuilds ORDER BY campaign_id
        return sorted(self.pending)

    async def answers(self, invitation_id: int) -> dict[str, str | None]:
        # SELECT question_id, value FROM answers WHERE invitation_id = ?
        self.answer_reads.append(invitation_id)
        return self.stored_answers(invitation_id)

    # ---- writes: each one whole or not at all --------------------------------------------------------------------

    async def bind(
        self,
        invitation_id: int,
        telegram_user_id: int,
        chat_id: int,
        now: datetime,
        language_hint: str = "en",
        *,
        update_id: int | None = None,
    ) -> bool:
        # UPDATE invitations SET telegram_user_id = ?, chat_id = ?, language = NULL, language_hint = ?, bound_at = ?,
        #   last_seen_at = ?, withdrawn_at = NULL WHERE id = ? AND telegram_user_id IS NULL AND revoked_at IS NULL
        self._write(update_id, now)
        at = iso(now)
        row = self.invitations.get(invitation_id)
        if row is None or row.telegram_user_id is not None or row.revoked_at is not None:
            return False
        row.telegram_user_id, row.chat_id, row.language, row.language_hint = (
            telegram_user_id,
            chat_id,
            None,
            language_hint,
        )
        row.bound_at = row.last_seen_at = at
        row.withdrawn_at = None
        self._focus(row, update_id)
        return True

    async def mark_notice_seen(self, invitation_id: int, now: datetime, *, update_id: int | None = None) -> None:
        # UPDATE invitations SET notice_seen_at = ?, last_seen_at = ? WHERE id = ?; then _FOCUS
        self._write(update_id, now)
        at = iso(now)
        if (row := self.invitations.get(invitation_id)) is not None:
            row.notice_seen_at = row.last_seen_at = at
            self._focus(row, update_id)

    async def focus(self, invitation_id: int, *, shown_by: int | None = None) -> None:
        self._write()
        if (row := self.invitations.get(invitation_id)) is not None:
            self._focus(row, shown_by)

    async def withdraw_user(
        self, telegram_user_id: int, now: datetime, *, update_id: int | None = None
    ) -> list[Invitation]:
        # SELECT ... WHERE i.telegram_user_id = ? ORDER BY i.id; then for each: DELETE FROM answers / submissions /
        # reminders / results_deliveries WHERE invitation_id = ?; UPDATE invitations SET telegram_user_id = NULL,
        # chat_id = NULL, language = NULL, language_hint = NULL, cursor = NULL, bound_at = NULL, last_seen_at = NULL,
        # notice_seen_at = NULL, reminders_off_at = NULL, unreachable_at = NULL, snoozed_until = NULL,
        # results_wanted_at = NULL, focus = 0, shown_by = NULL, withdrawn_at = ? WHERE id = ?; INSERT INTO
        # pending_rebuilds for each closed campaign
        self._write(update_id, now)
        at = iso(now)
        rows = sorted(
            (r for r in self.invitations.values() if r.telegram_user_id == telegram_user_id), key=lambda r: r.id
        )
        withdrawn = [self._view(row) for row in rows]
        for row in rows:
            self.answer_rows.pop(row.id, None)
            self.submissions.pop(row.id, None)
            for key in [k for k in self.reminders if k[0] == row.id]:
                del self.reminders[key]
            self.results_deliveries.pop(row.id, None)
            row.telegram_user_id = row.chat_id = None
            row.language = row.language_hint = row.cursor = None
            row.bound_at = row.last_seen_at = row.notice_seen_at = None
            row.reminders_off_at = row.unreachable_at = row.snoozed_until = None
            row.results_wanted_at = None
            row.focus, row.shown_by = 0, None
            row.withdrawn_at = at
        for invitation in withdrawn:
            if invitation.closed:
                self.pending.setdefault(invitation.campaign_id, at)
        return withdrawn

    async def rebuilt(self, campaign_id: int) -> None:
        # DELETE FROM pending_rebuilds WHERE campaign_id = ?
        self._write()
        self.pending.pop(campaign_id, None)

    async def record(
        self,
        invitation_id: int,
        answers: dict[str, str | None],
        cursor: str | None,
        now: datetime,
        *,
        update_id: int | None = None,
    ) -> None:
        # INSERT INTO handled_updates; INSERT INTO answers ... ON CONFLICT (invitation_id, question_id) DO UPDATE SET
        # value, answered_at; UPDATE invitations SET cursor = ?, last_seen_at = ?, unreachable_at = NULL, shown_by,
        # focus WHERE id = ?
        if invitation_id not in self.invitations and answers:
            raise sqlite3.IntegrityError("FOREIGN KEY constraint failed")  # as the SQL would
        self._write(update_id, now)
        at = iso(now)
        for question_id, value in answers.items():
            self.answer_rows.setdefault(invitation_id, {})[question_id] = (value, at)
        if (row := self.invitations.get(invitation_id)) is not None:
            row.cursor, row.last_seen_at, row.unreachable_at = cursor, at, None
            self._focus(row, update_id)

    async def submit(
        self, invitation_id: int, questionnaire_id: str, version: int, now: datetime, *, update_id: int | None = None
    ) -> bool:
        # INSERT INTO submissions ... ON CONFLICT (invitation_id) DO NOTHING
        if invitation_id not in self.invitations:
            raise sqlite3.IntegrityError("FOREIGN KEY constraint failed")
        self._write(update_id, now)
        self._changed_by(invitation_id, update_id)
        if invitation_id in self.submissions:
            return False
        self.submissions[invitation_id] = (questionnaire_id, version, iso(now))
        return True

    async def set_language(
        self, invitation_id: int, language: str, now: datetime | None = None, *, update_id: int | None = None
    ) -> None:
        # UPDATE invitations SET language = ? WHERE id = ?; with a time (a person's choice), then _FOCUS
        self._write(update_id if now is not None else None, now)
        if (row := self.invitations.get(invitation_id)) is not None:
            row.language = language
            if now is not None:
                self._focus(row, update_id)

    async def snooze(
        self, invitation_id: int, until: datetime, now: datetime | None = None, *, update_id: int | None = None
    ) -> None:
        # UPDATE invitations SET snoozed_until = ? WHERE id = ?
        self._write(update_id, now or until)
        self._changed_by(invitation_id, update_id)
        at = iso(until)
        if (row := self.invitations.get(invitation_id)) is not None:
            row.snoozed_until = at

    async def reminders_off(self, invitation_id: int, now: datetime, *, update_id: int | None = None) -> None:
        # UPDATE invitations SET reminders_off_at = ?, snoozed_until = NULL WHERE id = ?
        self._write(update_id, now)
        self._changed_by(invitation_id, update_id)
        at = iso(now)
        if (row := self.invitations.get(invitation_id)) is not None:
            row.reminders_off_at, row.snoozed_until = at, None

    async def want_results(
        self, invitation_id: int, wanted: bool, now: datetime, *, update_id: int | None = None
    ) -> ResultsChoice:
        # SELECT i.results_wanted_at IS NOT NULL, d.invitation_id IS NOT NULL FROM invitations i
        #   LEFT JOIN results_deliveries d ON d.invitation_id = i.id WHERE i.id = ?;
        # then UPDATE invitations SET results_wanted_at = ? WHERE id = ?, all in one transaction
        self._write(update_id, now)
        self._changed_by(invitation_id, update_id)
        row = self.invitations.get(invitation_id)
        if row is None:
            return ResultsChoice.UNCHANGED
        if invitation_id in self.results_deliveries:
            return ResultsChoice.TOO_LATE
        if (row.results_wanted_at is not None) == wanted:
            return ResultsChoice.UNCHANGED
        row.results_wanted_at = iso(now) if wanted else None
        return ResultsChoice.CHANGED
