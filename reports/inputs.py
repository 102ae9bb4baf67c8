"""What the reports are given: the one input model of the ``reports`` library.

``reports`` imports no other package of the project.  Whoever asks for a report (the use cases in ``flows``, with
what ``storage`` and ``config`` hold) builds this input — ``flows.report_input`` hands over each questionnaire's
``Form`` (``flows.model.Questionnaire.form``) and turns a respondent's stored answers into the answers that
count — and the library returns documents and texts.

The questionnaire's structure as reports need it (``Form``)
    sections in order (``FormSection``: id, kind, title), each with its questions (``FormQuestion``): id, type name,
    wording, the categories its answers are counted in (``reports.categories.Categories``: ids, labels, direction,
    sides, the "Don't know" id; None for free text), its answer buttons, and whom a follow-up is asked of
    (``AskedIf``).  Rules of the survey (which questions a respondent saw, what an answer means) are applied before:
    ``Response.answers`` hold only the answers that count.
The responses and the council (``SurveyData``)
    the group's invitations, its responses, its fieldwork, the previous round and the round's other councils for the
    comparisons, the outcome counts, the codebook for comments, the good-practice examples, the publisher and the
    Welsh name's forms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Protocol

from reports.categories import Categories
from reports.coding import Code, Codebook
from reports.outcomes import Outcomes
from reports.publisher import Publisher, WelshName
from reports.vocabulary import DEFAULT_LANGUAGE, ROLES, SectionKind
from reports.wording import Text, Wording

__all__ = [
    "AskedIf",
    "Code",
    "Codebook",
    "Form",
    "FormQuestion",
    "FormSection",
    "Outcomes",
    "PracticeExample",
    "Publisher",
    "Response",
    "RoleCounts",
    "SurveyData",
    "Text",
    "WelshName",
    "Wording",
    "key_questions",
]


# ---- the questionnaire, as reports read it ------------------------------------------------------------------------


@dataclass(frozen=True)
class AskedIf:
    """A follow-up is asked only of those whose answer to ``question`` was one of ``any_of``."""

    question: str
    any_of: tuple[str, ...]


@dataclass(frozen=True)
class FormQuestion:
    id: str
    type: str  # the name of its question type ("choice", "scale", "text"...), for the questions' list
    text: Wording
    categories: Categories | None  # what its answers are counted in; None for free text
    free_text: bool = False
    choices: tuple[tuple[str, Wording], ...] = ()  # its answer buttons (id, label), "Don't know" last
    dont_know: bool = False  # whether "Don't know" is offered
    show_if: AskedIf | None = None


@dataclass(frozen=True)
class FormSection:
    id: str
    kind: SectionKind
    title: Wording
    questions: tuple[FormQuestion, ...]

    @cached_property
    def key_question(self) -> FormQuestion | None:
        """A characteristic's key question: the first question of its section counted in levels (its categories are
        numbered); None when the section has none.  The report scores the characteristic by it (``reports.scoring``,
        ``reports.early_late``), the partial outcome counts it (``key_questions``) and the demo invents its history by
        it: this is the one place the rule is written."""
        for q in self.questions:
            if q.categories is not None and q.categories.numbered:
                return q
        return None


@dataclass(frozen=True)
class Form:
    """One group's questionnaire, as reports read it."""

    id: str
    version: int
    sections: tuple[FormSection, ...]

    @cached_property
    def questions(self) -> tuple[FormQuestion, ...]:
        return tuple(q for s in self.sections for q in s.questions)

    @cached_property
    def _index(self) -> dict[str, tuple[FormSection, FormQuestion]]:
        return {q.id: (s, q) for s in self.sections for q in s.questions}

    def question(self, question_id: str) -> FormQuestion | None:
        found = self._index.get(question_id)
        return found[1] if found else None

    def section_of(self, question_id: str) -> FormSection:
        return self._index[question_id][0]

    @cached_property
    def key_questions(self) -> tuple[str, ...]:
        """The ids of its key characteristic questions, in order: the partial threshold is every one answered."""
        keys = (s.key_question for s in self.sections if s.kind is SectionKind.CHARACTERISTIC)
        return tuple(q.id for q in keys if q is not None)


def key_questions(forms: Mapping[str, Form]) -> dict[str, tuple[str, ...]]:
    """Role -> the ids of its key characteristic questions (``Form.key_questions``)."""
    return {role: form.key_questions for role, form in forms.items()}


# ---- the response rates --------------------------------------------------------------------------------------------


class RoleCounts(Protocol):
    """One role's counts for a campaign (``storage.repositories.RoleRate`` has this shape)."""

    @property
    def role(self) -> str: ...
    @property
    def invited(self) -> int: ...
    @property
    def started(self) -> int: ...
    @property
    def responded(self) -> int: ...
    @property
    def outcomes(self) -> Outcomes | None: ...


# ---- the good practice ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeExample:
    """One example of good practice (``config/good_practice.yaml``), as the reports read it."""

    id: str
    title: Wording
    organisation: Wording
    summary: Wording
    characteristics: tuple[str, ...]  # section ids of the key characteristics it addresses, in the file's order
    source: Wording  # the publication it is summarised from, cited under it in each language


# ---- the responses and the council ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """One submitted respondent."""

    role: str  # one of ``reports.vocabulary.ROLES``
    answers: Mapping[str, str | None]  # question id -> the answer that counts: option id / cleaned free text
    language: str = DEFAULT_LANGUAGE
    reminders_before: int | None = None  # reminders sent before it was submitted: 0 early, 1+ late; None unknown


@dataclass(frozen=True)
class SurveyData:
    authority: str
    authority_cy: str | None
    invited: Mapping[str, int]  # role -> number invited
    responses: Sequence[Response]
    questionnaires: Mapping[str, Form]  # role -> its questionnaire, as reports read it
    interim: bool = False
    opens_on: date | None = None
    closes_on: date | None = None
    targets: Mapping[str, float] | None = None
    """Optional role -> target response rate (0..1) for the response-rate chart."""
    round: str | None = None
    """The round of the data tool ("2026"); with it, the report sets the council among ``peers``."""
    peers: Sequence[SurveyData] = ()
    """Every OTHER council's campaign of the same round with closed fieldwork (``reports.comparison``); read only
    for aggregates across councils, never shown one by one in this council's report."""
    previous: SurveyData | None = None
    """The council's own campaign of the most recent earlier round with closed fieldwork, for "change since"."""
    outcomes: Mapping[str, Outcomes] | None = None  # role -> each invitation's outcome (reports.outcomes)
    demonstration: bool = False  # invented data (``datatool-bot demo``): every output says so
    codebook: Codebook | None = None  # how comments are coded (None: comments not coded)
    publisher: Publisher | None = None  # the audit body publishing it (config/publisher.yaml)
    authority_forms: WelshName | None = None  # the Welsh name's mutated forms (reports.publisher.welsh_after)
    good_practice: Sequence[PracticeExample] = field(default=())
    """The examples of good practice the comparisons may point each group to (config/good_practice.yaml)."""

    def roles(self) -> tuple[str, ...]:
        """The groups, officers first, then members, then any other role in the order given."""
        known = [r for r in ROLES if r in self.questionnaires]
        return (*known, *(r for r in self.questionnaires if r not in known))
