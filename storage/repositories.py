"""aiosqlite repositories of campaigns.  Every write that must stay consistent runs in one explicit transaction.

``CampaignRepository`` implements ``flows.campaigns.CampaignStore`` (authorities, campaigns, invitations and their
counts).  Figures are computed by SQL aggregates, never by loading answers into Python.  The other aggregates have
their own modules: respondents (``storage/respondents.py``), auditors (``storage/auditors.py``), reminders
(``storage/reminders.py``), postings (``storage/postings.py``) and the submitted answers as the scoring input
(``storage/surveys.py``); ``storage/transactions.py`` holds the one way every module writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import aiosqlite

from flows.model import DEFAULT_TARGETS, MEMBER, OFFICER, ROLES
from flows.records import Campaign, InvitationStatus, NewInvitation, RoleRate
from reports.inputs import Outcomes
from storage.transactions import iso, transaction, write

__all__ = [
    "Campaign",
    "CampaignRepository",
    "InvitationStatus",
    "NewInvitation",
    "RoleRate",
    "iso",
    "transaction",
    "write",
]


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
    outcomes = (
        Outcomes(row["responded"], row["partial"], row["withdrew"], row["broke_off"], row["other"], row["non_contact"])
        if with_outcomes
        else None
    )
    return RoleRate(row["role"], row["invited"], row["started"], row["responded"], outcomes)


_CAMPAIGN_SELECT = """
SELECT c.id, a.name AS authority, a.name_cy AS authority_cy, c.opens_on, c.closes_on, c.closed_at, c.closed_reason,
       c.created_at, c.target_officer, c.target_member, c.round, c.retention_days,
       (SELECT p.erased_at FROM purges p WHERE p.campaign_id = c.id) AS erased_at
FROM campaigns c JOIN authorities a ON a.id = c.authority_id
"""
_NOT_ERASED = " AND NOT EXISTS (SELECT 1 FROM purges p WHERE p.campaign_id = c.id AND p.erased_at IS NOT NULL)"
"""A campaign whose respondent-level data was erased at the end of its retention period (``flows.retention``) has no
answers left to compare with: it is no council's peer or previous round."""


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
        targets={role: row[f"target_{role}"] for role in ROLES},
        round=row["round"],
        retention_days=row["retention_days"],
        erased_at=row["erased_at"],
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
                (
                    authority_id,
                    opens_on.isoformat(),
                    closes_on.isoformat(),
                    iso(now),
                    targets[OFFICER],
                    targets[MEMBER],
                    reminder_policy,
                    round,
                ),
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
            _CAMPAIGN_SELECT
            + " WHERE c.round = ? AND c.closed_at IS NOT NULL AND a.name <> ?"
            + _NOT_ERASED
            + " ORDER BY a.name, c.opens_on DESC, c.id DESC",
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
            _CAMPAIGN_SELECT
            + " WHERE a.name = ? AND c.round <> ? AND c.closed_at IS NOT NULL AND c.opens_on < ?"
            + _NOT_ERASED
            + " ORDER BY c.opens_on DESC, c.id DESC LIMIT 1",
            (campaign.authority, campaign.round, campaign.opens_on.isoformat()),
        ) as cur:
            row = await cur.fetchone()
        return _campaign(row) if row else None

    async def update_campaign(
        self, campaign_id: int, *, closes_on: date, targets: dict[str, float], reminder_policy: str | None = None
    ) -> None:
        """Store a campaign's close date and targets, and its own reminder policy (JSON) when one is given."""
        async with transaction(self.conn):
            await self.conn.execute(
                "UPDATE campaigns SET closes_on = ?, target_officer = ?, target_member = ?,"
                " reminder_policy = COALESCE(?, reminder_policy) WHERE id = ?",
                (closes_on.isoformat(), targets[OFFICER], targets[MEMBER], reminder_policy, campaign_id),
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
                "UPDATE invitations SET revoked_at = ? WHERE reference = ? AND revoked_at IS NULL",
                (iso(now), reference),
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
        return [
            found.get(role, RoleRate(role, 0, 0, 0, None if key_questions is None else Outcomes())) for role in ROLES
        ]

    async def responded_since(self, campaign_id: int, since: str) -> dict[str, int]:
        async with self.conn.execute(
            "SELECT i.role, COUNT(*) AS n FROM submissions s JOIN invitations i ON i.id = s.invitation_id"
            " WHERE i.campaign_id = ? AND s.submitted_at > ? AND i.revoked_at IS NULL GROUP BY i.role",
            (campaign_id, since),
        ) as cur:
            found = {row["role"]: row["n"] async for row in cur}
        return {role: found.get(role, 0) for role in ROLES}
