"""A campaign's submitted answers as the scoring input (``reports.scoring.SurveyData``)."""

from __future__ import annotations

from collections import defaultdict

import aiosqlite

from flows.model import Questionnaire
from flows.records import Campaign
from reports.model import Response, SurveyData
from storage.repositories import CampaignRepository


class SurveyRepository:
    def __init__(self, conn: aiosqlite.Connection):
        self.conn = conn

    async def load(self, campaign: Campaign, questionnaires: dict[str, Questionnaire], *, interim: bool) -> SurveyData:
        """Submitted responses only (a respondent who has not submitted is not a response); invited excludes
        revoked."""
        conn = self.conn
        rates = await CampaignRepository(conn).rates(campaign.id)
        answers: dict[int, dict[str, str | None]] = defaultdict(dict)
        people: dict[int, tuple[str, str]] = {}
        async with conn.execute(
            "SELECT i.id, i.role, COALESCE(i.language, 'en') AS language FROM invitations i"
            " JOIN submissions s ON s.invitation_id = i.id WHERE i.campaign_id = ? AND i.revoked_at IS NULL ORDER BY i.id",
            (campaign.id,),
        ) as cur:
            async for row in cur:
                people[row["id"]] = (row["role"], row["language"])
        async with conn.execute(
            "SELECT a.invitation_id, a.question_id, a.value FROM answers a JOIN invitations i ON i.id = a.invitation_id"
            " JOIN submissions s ON s.invitation_id = i.id WHERE i.campaign_id = ? AND i.revoked_at IS NULL",
            (campaign.id,),
        ) as cur:
            async for row in cur:
                answers[row["invitation_id"]][row["question_id"]] = row["value"]
        return SurveyData(
            authority=campaign.authority,
            authority_cy=campaign.authority_cy,
            invited={r.role: r.invited for r in rates},
            responses=[Response(role=role, answers=answers.get(i, {}), language=lang) for i, (role, lang) in people.items()],
            questionnaires=questionnaires,
            interim=interim,
            opens_on=campaign.opens_on,
            closes_on=campaign.closes_on,
            targets=campaign.targets,
        )
