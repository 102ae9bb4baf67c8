"""What the use cases hand to the reports: a questionnaire as the reports read it and the answers that count.

``reports`` is a standalone library with its own input model (``reports.inputs``); this module builds that input from
the questionnaire (``flows.model``) and the stored answers, applying the survey's rules on the way, so the reports
never need them: which questions a respondent was shown (``flows.engine.visible_questions``: a hidden follow-up's
stale answer does not count) and what an answer is (its type's ``stored``: not an answer of the question, or free text
before it was cleaned).  ``config`` builds the codebook and good-practice examples as the same input types, and reads the
shipped key questions, through the names here, so that ``config`` reaches ``reports`` only through ``flows``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from flows.engine import visible_questions
from flows.model import Questionnaire
from reports.coding import pattern
from reports.inputs import (
    Code,
    Codebook,
    Form,
    PracticeExample,
    Response,
    SurveyData,
    key_questions,
)

__all__ = [
    "Code",
    "Codebook",
    "PracticeExample",
    "counted_answers",
    "forms_of",
    "key_questions",
    "pattern",
    "survey_data",
]


def forms_of(questionnaires: Mapping[str, Questionnaire]) -> dict[str, Form]:
    """Role -> its questionnaire as the reports read it (``flows.model.Questionnaire.form``)."""
    return {role: qn.form for role, qn in questionnaires.items()}


def counted_answers(qn: Questionnaire, answers: Mapping[str, str | None]) -> dict[str, str]:
    """The answers that count, by question id: only questions the respondent was shown (``flows.engine``), only
    values that are an answer of the question (free text cleaned), nothing skipped."""
    counted: dict[str, str] = {}
    for q in visible_questions(qn, answers):
        value = answers.get(q.id)
        if value is not None and (stored := qn.kind(q).stored(value)) is not None:
            counted[q.id] = stored
    return counted


def survey_data(
    authority: str,
    authority_cy: str | None,
    invited: Mapping[str, int],
    responses: Sequence[Response],
    questionnaires: Mapping[str, Questionnaire],
    **fields: object,
) -> SurveyData:
    """The reports' input for one council: ``responses`` with their stored answers reduced to those that count
    (``counted_answers``, by the questionnaire of the response's group) and each questionnaire as a form; every
    other field of ``reports.inputs.SurveyData`` as given."""
    counted = [
        dataclasses.replace(r, answers=counted_answers(questionnaires[r.role], r.answers))
        if r.role in questionnaires
        else r
        for r in responses
    ]
    return SurveyData(authority, authority_cy, invited, counted, forms_of(questionnaires), **fields)  # type: ignore[arg-type]
