"""The demo's invented history: what Flintshire's report is compared with, made up for the demonstration.

Before the simulated fieldwork starts, ``seed_history`` writes, through the same services and repositories as the
command line and the bot: Flintshire's campaign of the previous round (a year earlier, fewer invited and fewer
answering, answers generally a level lower) and campaigns of the same round at a few other councils, each with its
own leaning.  Every answer is drawn from a fixed seed, so the demo prints the same comparisons every time.  Each
campaign is created with its dates (the clock set to its opening), its answers written at once
(``SurveyRepository.add_submitted``), closed the way the bot closes a campaign whose close date has passed
(``CampaignService.close_completed``) and recorded as having had its summary posted back then (so the bot does not
compile and post the invented campaigns' reports now).  The councils are real names from the list of authorities;
their answers are not: the demo says so in one line, and the report never names them anyway.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.services import AdminServices, admin_services
from config.settings import Settings
from flows import i18n
from flows.engine import is_visible
from flows.model import MEMBER, OFFICER, Questionnaire
from flows.ports.clock import SettableClock
from flows.records import Campaign
from flows.tokens import hash_token
from reports.categories import Categories
from reports.inputs import Response
from storage.postings import PostingRepository
from storage.respondents import RespondentRepository
from storage.surveys import SurveyRepository

OTHER_COUNCILS = (
    # (council, officers and members invited, where its answers lean: 1 = Level 1 ... 3 = Level 3)
    ("Powys County Council", (54, 68), 1.5),
    ("Gwynedd Council", (47, 69), 2.7),
    ("Wrexham County Borough Council", (60, 56), 2.2),
    ("Swansea Council", (71, 72), 2.9),
    ("Ceredigion County Council", (44, 38), 1.7),
)
"""Councils that appear in none of the good-practice examples (those name their own organisations)."""
ANSWERING = {OFFICER: (0.45, 0.7), MEMBER: (0.25, 0.5)}
"""Range of the share of each group that submitted at the other councils."""
THEN_INVITED = 0.9
THEN_ANSWERING = {OFFICER: 0.45, MEMBER: 0.22}
"""Flintshire's previous round: this share of today's number invited, and this share of those submitted."""
THEN_LOWER = (0.9, 0.3, 0.75, 0.2, 0.85, 0.5, 0.35)
"""Share of Flintshire's answers that were a level lower in the previous round, per characteristic (questionnaire
order): a clear change in some, none detectable in others."""
MEMBERS_LOWER = 0.3
"""How much lower than its officers a council's members lean."""
WELSH = 0.15
DONT_KNOW_SHARE = 0.08


@dataclass(frozen=True)
class History:
    """What was invented: the council's previous round, and how many other councils (and their responses) of
    ``round``."""

    previous_round: str
    round: str
    councils: int
    answering: int


Chooser = Callable[[str, str, Categories], str]
"""A simulated respondent's answer: (role, section id, the question's categories) -> category id."""


async def seed_history(
    settings: Settings,
    flintshire: Campaign,
    questionnaires: dict[str, Questionnaire],
    invited: dict[str, int],
    level_weights: dict[str, tuple[float, ...]],
    agree_weights: tuple[float, ...],
    seed: int,
) -> History:
    """Flintshire's previous round and the other councils' campaigns of its round, closed (module docstring).
    ``level_weights`` and ``agree_weights``: how the demo's simulated people answer now (least favourable first,
    then "Don't know")."""
    rng = random.Random(f"{seed}-history")
    opens_on = flintshire.opens_on
    then_opens = opens_on - timedelta(weeks=52)
    clock = SettableClock(_morning(then_opens, settings))
    previous = str(opens_on.year - 1)  # never the current round, which is the year Flintshire's opens in
    async with admin_services(settings, clock) as admin:
        seeder = Seeder(admin, clock, questionnaires)
        then_invited = {role: max(5, round(THEN_INVITED * n)) for role, n in invited.items()}
        await seeder.campaign(
            flintshire.authority,
            then_opens,
            flintshire.closes_on - opens_on,
            previous,
            then_invited,
            {role: round(THEN_ANSWERING[role] * n) for role, n in then_invited.items()},
            _a_level_lower(rng, questionnaires, level_weights, agree_weights),
            rng,
        )
        answering = 0
        for number, (council, sizes, lean) in enumerate(OTHER_COUNCILS):
            counts = dict(zip((OFFICER, MEMBER), sizes, strict=True))
            responding = {role: round(rng.uniform(*ANSWERING[role]) * n) for role, n in counts.items()}
            answering += sum(responding.values())
            leans = {s: lean + rng.uniform(-0.5, 0.5) for s in _characteristics(questionnaires)}
            await seeder.campaign(
                council,
                opens_on - timedelta(days=70 - 5 * number),
                timedelta(days=21),
                flintshire.round,
                counts,
                responding,
                _leaning(rng, leans, agree_weights),
                rng,
            )
    return History(previous, flintshire.round, len(OTHER_COUNCILS), answering)


class Seeder:
    """Creates one invented campaign at a time: invitations, submitted answers, closed, summary posted."""

    def __init__(self, admin: AdminServices, clock: SettableClock, questionnaires: dict[str, Questionnaire]):
        self.admin = admin
        self.clock = clock
        self.questionnaires = questionnaires
        self.invitations = RespondentRepository(admin.conn)
        self.surveys = SurveyRepository(admin.conn)
        self.postings = PostingRepository(admin.conn)

    async def campaign(
        self,
        authority: str,
        opens_on: date,
        length: timedelta,
        round: str,
        invited: dict[str, int],
        responding: dict[str, int],
        choose: Chooser,
        rng: random.Random,
    ) -> int:
        campaigns, settings = self.admin.campaigns, self.admin.settings
        self.clock.current = _morning(opens_on, settings)
        campaign_id = await campaigns.create(authority, opens_on, opens_on + length, round=round)
        responses: list[tuple[int, Response]] = []
        for role, count in invited.items():
            issued = await campaigns.issue_invitations(campaign_id, role, count, settings.bot_username or "")
            qn = self.questionnaires[role]
            for invitation in issued[: responding[role]]:
                found = await self.invitations.invitation_by_token_hash(hash_token(invitation.token))
                assert found is not None
                answers = _answers(qn, role, choose)
                responses.append(
                    (found.id, Response(role, answers, i18n.WELSH if rng.random() < WELSH else i18n.ENGLISH))
                )
        await self.surveys.add_submitted(responses, self.questionnaires, self.clock.now() + length / 2)
        self.clock.current = _morning(opens_on + length + timedelta(days=1), settings)
        closed = await campaigns.close_completed()  # the bot's own path: the close date has passed
        assert [c.id for c in closed] == [campaign_id], closed
        await self.postings.finished(campaign_id, self.clock.now())  # its summary went out back then
        return campaign_id


def _answers(qn: Questionnaire, role: str, choose: Chooser) -> dict[str, str | None]:
    """One respondent's answers to every button question they are asked (free text left unanswered)."""
    answers: dict[str, str | None] = {}
    for section in qn.sections:
        for q in section.questions:
            if not is_visible(qn, q, answers):
                continue
            cats = qn.kind(q).categories()
            if cats is not None:
                answers[q.id] = choose(role, section.id, cats)
    return answers


def _characteristics(questionnaires: dict[str, Questionnaire]) -> list[str]:
    """Ids of the sections asking a level (the key characteristics), in questionnaire order."""
    return list(
        dict.fromkeys(s.id for qn in questionnaires.values() for s in qn.form.sections if s.key_question is not None)
    )


def _a_level_lower(
    rng: random.Random,
    questionnaires: dict[str, Questionnaire],
    level_weights: dict[str, tuple[float, ...]],
    agree_weights: tuple[float, ...],
) -> Chooser:
    """Flintshire's previous round: an answer as the demo's people give it now, then a level lower with the
    characteristic's share in ``THEN_LOWER``."""
    lower = {s: THEN_LOWER[i % len(THEN_LOWER)] for i, s in enumerate(_characteristics(questionnaires))}

    def choose(role: str, section: str, cats: Categories) -> str:
        chosen = _draw(rng, _weights(cats, level_weights[role] if cats.numbered else agree_weights))
        level = cats.level(chosen)
        if level is not None and level > 1 and rng.random() < lower.get(section, 0.0):
            return cats[cats.ranking[level - 2]]
        return chosen

    return choose


def _leaning(rng: random.Random, leans: dict[str, float], agree_weights: tuple[float, ...]) -> Chooser:
    """Another council: levels around its leaning in each characteristic (members a little lower), agree scales as
    the demo's people answer them."""

    def choose(role: str, section: str, cats: Categories) -> str:
        if not cats.numbered:
            return _draw(rng, _weights(cats, agree_weights))
        lean = leans[section] - (MEMBERS_LOWER if role == MEMBER else 0.0)
        ranked = [math.exp(-(((level - lean) / 0.8) ** 2)) for level in range(1, len(cats) + 1)]
        return _draw(rng, _weights(cats, (*ranked, DONT_KNOW_SHARE * sum(ranked))))

    return choose


def _weights(cats: Categories, ranked_then_dont_know: tuple[float, ...]) -> dict[str, float]:
    """Category id -> weight, from weights listed least favourable first, then "Don't know"."""
    *ranked, dont_know = ranked_then_dont_know
    weights = {cats[i]: w for i, w in zip(cats.ranking, ranked, strict=True)}
    if cats.dont_know is not None:
        weights[cats.dont_know] = dont_know
    return weights


def _draw(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _morning(day: date, settings: Settings) -> datetime:
    return datetime.combine(day, time(9), settings.zone).astimezone(UTC)
