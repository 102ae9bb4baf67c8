"""Scoring the data tool: from submitted answers to the figures of the report's Part 2 (a plain view-model).

``score(data)`` reads a council's ``SurveyData`` and returns its ``SurveyReport`` (both in ``reports.model``):
response rates with their margins, per key characteristic and per theme statement a breakdown for each group, the
total and the weighted total, and the comments; ``score_characteristics(data)`` gives the rates and characteristics
alone, the same figures, for the national view.  Pure functions over plain data: no I/O, no clock, no templates,
no plotting.  The parts it puts together each live in one place:

- ``reports.stats``: margins of error, rounding, the median rule, weights and the effective n;
- ``reports.disclosure``: what may be published of each group (fewer than 5, 5 to 7, a hidden group and the
  total) and the breakdowns built with it applied;
- ``reports.comments``: free-text comments grouped, scrubbed and withheld for small groups;
- ``reports.national``: the national view over several councils' reports;
- ``reports.comparison``: the council among the other councils of its round, beside its previous round, and the
  good practice to learn from (``SurveyReport.comparison``);
- ``reports.early_late``: early against late respondents, per characteristic (``SurveyReport.early_late``).

Characteristics are matched across questionnaires by section id, in the first questionnaire's order; a
characteristic is scored by its first question counted in levels (a choice question: its type's ``Categories`` are
numbered).  Theme statements are the questions of each theme section counted on an agree/disagree scale (their
``Categories`` have sides); a statement has a total only where every group was asked its question id in the same
words (officers' "are up to date" and members' "I am confident they are" are two questions, never pooled).  Category
ids, their order, direction and labels all come from the question types (``flows.questions``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from reports.categories import Categories
from reports.comments import group_comments
from reports.comparison import compare
from reports.disclosure import breakdowns, tally
from reports.early_late import early_late
from reports.inputs import Form, FormQuestion, FormSection, Response, SurveyData
from reports.model import (
    TOTAL,
    Breakdown,
    CharacteristicResult,
    RateResult,
    StatementResult,
    SurveyReport,
    ThemeResult,
    same_wording,
)
from reports.outcomes import outcome_rows
from reports.stats import margin, respondent_weights
from reports.vocabulary import SectionKind
from reports.wording import Wording

__all__ = ["score", "score_characteristics"]


def _levels(qn: Form, question: FormQuestion) -> Categories | None:
    """The question's categories when they are levels (a characteristic's question), else None."""
    categories = question.categories
    return categories if categories is not None and categories.numbered else None


def _statement(qn: Form, question: FormQuestion) -> Categories | None:
    """The question's categories when it is an agree/disagree statement (its scale declares sides), else None."""
    categories = question.categories
    return categories if categories is not None and categories.sides else None


def _sections(qn: Form, kind: SectionKind) -> list[FormSection]:
    return [s for s in qn.sections if s.kind is kind]


def _ordered_union(lists: Iterable[Iterable[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item, None)
    return list(seen)


# ---- scoring ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Groups:
    """What every part of scoring reads: the groups, their responses, the numbers invited and responded, the
    weights."""

    data: SurveyData
    roles: tuple[str, ...]
    by_role: dict[str, list[Response]]
    invited: dict[str, int]
    responded: dict[str, int]
    weights: dict[str, Fraction]

    @classmethod
    def of(cls, data: SurveyData) -> _Groups:
        roles = data.roles()
        for response in data.responses:
            if response.role not in data.questionnaires:
                raise ValueError(f"a response has role {response.role!r}, which has no questionnaire")
        by_role = {r: [resp for resp in data.responses if resp.role == r] for r in roles}
        responded = {r: len(by_role[r]) for r in roles}
        invited = {r: int(data.invited.get(r, 0)) for r in roles}
        return cls(data, roles, by_role, invited, responded, respondent_weights(invited, responded))

    def values(self, role: str, question_id: str) -> list[str | None]:
        qn = self.data.questionnaires[role]
        question = qn.question(question_id)
        if question is None:
            return []
        return [resp.answers.get(question.id) for resp in self.by_role[role]]


def _rates(g: _Groups) -> tuple[RateResult, ...]:
    targets = g.data.targets or {}
    rates = [
        RateResult(r, g.invited[r], g.responded[r], margin(g.responded[r], g.invited[r]), targets.get(r))
        for r in g.roles
    ]
    total_invited, total_responded = sum(g.invited.values()), sum(g.responded.values())
    rates.append(RateResult(TOTAL, total_invited, total_responded, margin(total_responded, total_invited)))
    return tuple(rates)


def _characteristics(g: _Groups) -> tuple[CharacteristicResult, ...]:
    """Characteristics, matched by section id, in the first questionnaire's order."""
    data, roles = g.data, g.roles
    characteristics = []
    section_ids = _ordered_union(
        [s.id for s in _sections(data.questionnaires[r], SectionKind.CHARACTERISTIC)] for r in roles
    )
    for section_id in section_ids:
        asked: dict[str, FormQuestion] = {}
        reference: tuple[FormSection, FormQuestion] | None = None
        for r in roles:
            qn = data.questionnaires[r]
            section = next((s for s in qn.sections if s.id == section_id), None)
            question = section.key_question if section else None
            if section is not None and question is not None:
                asked[r] = question
                reference = reference or (section, question)
        if reference is None:
            continue
        section, question = reference
        categories = _levels(data.questionnaires[next(iter(asked))], question)
        assert categories is not None
        tallies = {r: tally(g.values(r, q.id), categories) for r, q in asked.items()}
        groups, total, weighted = breakdowns(tallies, g.invited, g.weights)
        assert total is not None
        characteristics.append(
            CharacteristicResult(
                section_id=section_id,
                question_id=question.id,
                title=section.title,
                descriptors=tuple(d or lab for d, lab in zip(categories.details, categories.labels, strict=True)),
                labels=categories.labels,
                groups=groups,
                total=total,
                weighted=weighted,
            )
        )
    return tuple(characteristics)


def score_characteristics(data: SurveyData) -> tuple[tuple[RateResult, ...], tuple[CharacteristicResult, ...]]:
    """The response rates and the key characteristics alone, exactly as ``score`` gives them (disclosure control
    applied): what the national view reads of each council, without its theme statements and comments."""
    g = _Groups.of(data)
    return _rates(g), _characteristics(g)


def _themes(g: _Groups) -> tuple[ThemeResult, ...]:
    """Statements per theme section; a statement's total only where every group was asked its id in the same
    words (a question asked in different words is shown per group, never pooled)."""
    data, roles, invited, weights, values = g.data, g.roles, g.invited, g.weights, g.values
    themes = []
    theme_ids = _ordered_union([s.id for s in _sections(data.questionnaires[r], SectionKind.THEME)] for r in roles)
    for theme_id in theme_ids:
        title: Wording | None = None
        statement_ids: list[str] = []
        for r in roles:
            qn = data.questionnaires[r]
            section = next((s for s in qn.sections if s.id == theme_id), None)
            if section is None:
                continue
            title = title or section.title
            statement_ids += [q.id for q in section.questions if _statement(qn, q) is not None]
        assert title is not None
        statements = []
        for question_id in _ordered_union([statement_ids]):
            asked_q: dict[str, tuple[Form, FormQuestion]] = {}
            for r in roles:
                qn = data.questionnaires[r]
                q = qn.question(question_id)
                if q is not None and _statement(qn, q) is not None:
                    asked_q[r] = (qn, q)
            qn0, q0 = next(iter(asked_q.values()))
            categories = _statement(qn0, q0)
            assert categories is not None
            tallies = {r: tally(values(r, question_id), categories) for r in asked_q}
            # A Total only for the same question: every group asked it, in the same words (model docstring).
            both = len(asked_q) == len(roles) and len(roles) > 1 and same_wording(q.text for _, q in asked_q.values())
            groups, total, weighted = breakdowns(tallies, invited, weights, with_total=both)
            statements.append(
                StatementResult(
                    question_id=question_id,
                    texts={r: q.text for r, (_, q) in asked_q.items()},
                    categories=categories,
                    labels=categories.labels,
                    groups=groups,
                    total=total,
                    weighted=weighted,
                )
            )
        themes.append(ThemeResult(theme_id, title, tuple(statements)))
    return tuple(themes)


def _published(
    g: _Groups, characteristics: Iterable[CharacteristicResult], themes: Iterable[ThemeResult]
) -> dict[tuple[str, str], Breakdown]:
    """(role, question id) -> the breakdown the report publishes of that group's answers to the question, which
    decides the comments to a follow-up asked after it (``reports.comments``)."""
    found: dict[tuple[str, str], Breakdown] = {}
    for c in characteristics:
        for role, b in c.groups.items():
            qn = g.data.questionnaires[role]
            section = next(s for s in qn.sections if s.id == c.section_id)
            question = section.key_question
            assert question is not None
            found[(role, question.id)] = b
    for theme in themes:
        for statement in theme.statements:
            found.update({(role, statement.question_id): b for role, b in statement.groups.items()})
    return found


def score(data: SurveyData) -> SurveyReport:
    """Every figure of one council's report, with disclosure control applied, and its comparisons
    (``reports.comparison``): the other councils of its round (``data.peers``) and its previous round
    (``data.previous``) scored with ``score_characteristics``, as the national view scores every council."""
    g = _Groups.of(data)
    rates, characteristics, themes = _rates(g), _characteristics(g), _themes(g)
    comments, withheld = group_comments(data, g.roles, g.by_role, _published(g, characteristics, themes))
    peers = [score_characteristics(p) for p in data.peers if p.authority != data.authority]
    previous = None if data.previous is None else score_characteristics(data.previous)
    return SurveyReport(
        authority=data.authority,
        authority_cy=data.authority_cy,
        interim=data.interim,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        roles=g.roles,
        rates=rates,
        weights=g.weights,
        characteristics=characteristics,
        themes=themes,
        comments=comments,
        comments_withheld=withheld,
        round=data.round,
        comparison=compare(data, (rates, characteristics), peers, previous),
        outcomes=() if data.outcomes is None else outcome_rows(data.outcomes, g.roles),
        early_late=early_late(data, characteristics),
        demonstration=data.demonstration,
        publisher=data.publisher,  # C
        authority_forms=data.authority_forms,  # C
    )
