"""A campaign's submitted answers as the scoring input (``reports.scoring.SurveyData``), with what its report is
compared with (the other councils of its round, its own previous round), and their bulk writing (``add_submitted``:
seeding benchmarks and tests)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from flows.engine import REVIEW
from flows.model import Questionnaire
from flows.records import Campaign
from flows.report_input import forms_of, survey_data
from reports.inputs import Response, SurveyData, key_questions
from storage.repositories import CampaignRepository
from storage.transactions import iso, transaction


class SurveyRepository:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def load(
        self,
        campaign: Campaign,
        questionnaires: dict[str, Questionnaire],
        *,
        interim: bool,
        with_comparisons: bool = False,
        with_previous: bool | None = None,
    ) -> SurveyData:
        """Submitted responses only (a respondent who has not submitted is not a response); invited excludes
        revoked.

        ``with_comparisons``: also the other councils' campaigns of the same round with closed fieldwork
        (``SurveyData.peers``, for a council's own report: its position among the councils) and the council's
        campaign of the most recent earlier round with closed fieldwork (``SurveyData.previous``);
        ``with_previous`` (default: as ``with_comparisons``): the previous round alone, which is what the national
        report needs.  Those are loaded without comparisons of their own, so nothing is loaded twice over."""
        data = await self._load(campaign, questionnaires, interim=interim)
        repo = CampaignRepository(self.conn)
        peers: list[SurveyData] = []
        if with_comparisons:
            peers = [await self._load(c, questionnaires, interim=False) for c in await repo.round_peers(campaign)]
        previous = None
        if with_comparisons if with_previous is None else with_previous:
            found = await repo.previous_round(campaign)
            previous = None if found is None else await self._load(found, questionnaires, interim=False)
        return dataclasses.replace(data, peers=tuple(peers), previous=previous) if peers or previous else data

    async def _load(self, campaign: Campaign, questionnaires: dict[str, Questionnaire], *, interim: bool) -> SurveyData:
        conn = self.conn
        rates = await CampaignRepository(conn).rates(campaign.id, key_questions(forms_of(questionnaires)))
        answers: dict[int, dict[str, str | None]] = defaultdict(dict)
        people: dict[int, tuple[str, str, int]] = {}
        # Each submission with the reminders that had gone out to it before it was submitted (reports.early_late):
        # sent before the submission time, or 'unknown'/'sending' (the send was attempted and may have arrived; it
        # has no sent_at, so the time it was queued stands in: it cannot have gone out before that).  Every slot
        # counts: scheduled, final, "remind me tomorrow" and auditors' /remind rounds.  Queued, failed and
        # unreachable reminders never reached anyone.  Timestamps are ISO 8601 UTC, so they compare as text.
        # A reminder in the SAME second as the submission counts as before it (issue 22 item 4).  Times are kept to
        # the second, so the times alone cannot order the two; what the data does say is that this person's reminder
        # was taken for sending only while they had not submitted (storage.reminders: nobody who has submitted is
        # reminded), so it was on its way before the submission was recorded, and it may have arrived first: the
        # rule for 'unknown' above.  The demo's clock stands still while a round goes out and people come back, so
        # every comeback shares its reminder's second; with "<" all 26 of them were counted early (59 early, 8 late).
        async with conn.execute(
            "SELECT i.id, i.role, COALESCE(i.language, 'en') AS language, COUNT(r.slot) AS reminders_before"
            " FROM invitations i JOIN submissions s ON s.invitation_id = i.id"
            " LEFT JOIN reminders r ON r.invitation_id = i.id AND ("
            "  (r.status = 'sent' AND r.sent_at <= s.submitted_at)"
            "  OR (r.status IN ('unknown', 'sending') AND COALESCE(r.sent_at, r.queued_at) <= s.submitted_at))"
            " WHERE i.campaign_id = ? AND i.revoked_at IS NULL GROUP BY i.id ORDER BY i.id",
            (campaign.id,),
        ) as cur:
            for row in await cur.fetchall():
                people[row["id"]] = (row["role"], row["language"], row["reminders_before"])
        async with conn.execute(
            "SELECT a.invitation_id, a.question_id, a.value FROM answers a JOIN invitations i ON i.id = a.invitation_id"
            " JOIN submissions s ON s.invitation_id = i.id WHERE i.campaign_id = ? AND i.revoked_at IS NULL",
            (campaign.id,),
        ) as cur:
            # One fetch: iterating row by row costs a hop to aiosqlite's thread per 64 rows (a council has thousands).
            for row in await cur.fetchall():
                answers[row["invitation_id"]][row["question_id"]] = row["value"]
        return survey_data(
            authority=campaign.authority,
            authority_cy=campaign.authority_cy,
            invited={r.role: r.invited for r in rates},
            responses=[
                Response(role=role, answers=answers.get(i, {}), language=lang, reminders_before=before)
                for i, (role, lang, before) in people.items()
            ],
            questionnaires=questionnaires,
            interim=interim,
            opens_on=campaign.opens_on,
            closes_on=campaign.closes_on,
            targets=campaign.targets,
            round=campaign.round,
            outcomes={r.role: r.outcomes for r in rates if r.outcomes is not None},
        )

    async def add_submitted(
        self,
        responses: Sequence[tuple[int, Response]],
        questionnaires: dict[str, Questionnaire],
        now: datetime,
        *,
        first_user: int = 9_000_000_000,
    ) -> None:
        """Write many submitted responses to existing, unopened invitations at once: ``(invitation id, response)``.

        Each invitation is left as answering through the bot leaves it: bound to a Telegram account (user and chat
        id ``first_user`` + the invitation id: made up, never a real person), its language chosen and the privacy
        notice seen, every answer stored, the cursor on the review step and the submission recorded under the
        response's questionnaire (id and version of ``questionnaires[role]``).  All in ONE transaction with
        ``executemany``, so a benchmark can seed thousands of respondents in a second where the bot's own path
        (``RespondentRepository.record`` and ``submit``, a durable transaction per answer) would take much longer.
        Nothing is written unless every invitation is unopened, unrevoked and of its response's role (ValueError).
        For seeding benchmarks and tests only: the bot never writes answers this way.
        """
        stamp = iso(now)
        async with transaction(self.conn):
            bound = await self.conn.executemany(
                "UPDATE invitations SET telegram_user_id = ?, chat_id = ?, language = ?, language_hint = ?,"
                " cursor = ?, bound_at = ?, last_seen_at = ?, notice_seen_at = ?"
                " WHERE id = ? AND role = ? AND telegram_user_id IS NULL AND revoked_at IS NULL",
                [
                    (first_user + i, first_user + i, r.language, r.language, REVIEW, stamp, stamp, stamp, i, r.role)
                    for i, r in responses
                ],
            )
            if bound.rowcount != len(responses):
                raise ValueError("each response needs an unopened, unrevoked invitation of its role")
            await self.conn.executemany(
                "INSERT INTO answers (invitation_id, question_id, value, answered_at) VALUES (?, ?, ?, ?)",
                [(i, question_id, value, stamp) for i, r in responses for question_id, value in r.answers.items()],
            )
            await self.conn.executemany(
                "INSERT INTO submissions (invitation_id, questionnaire_id, questionnaire_version, submitted_at)"
                " VALUES (?, ?, ?, ?)",
                [(i, questionnaires[r.role].id, questionnaires[r.role].version, stamp) for i, r in responses],
            )
