"""Questionnaires as data: the pydantic models a questionnaire YAML file is validated against.

A questionnaire is a list of sections (one per key characteristic or theme); each section holds questions, each of
a registered type (``flows.questions``): ``choice`` (explicit options, e.g. the Level 1/2/3 descriptors), ``scale``
(a named answer scale such as strongly agree ... strongly disagree) and ``text`` (free text).  What a question may
declare, its options, input and keyboard belong to its type; ``Questionnaire.kind(question)`` is the type bound to
one question.  Follow-up questions are declared with ``show_if``, so skip logic is data, not code.

``questionnaire`` (called by ``config.questionnaires``, which reads the files) refuses a file with the file name, the question id and the reason when: ids are not unique or not of the
allowed shape, a text is missing in a declared language, the type is unknown or the question declares what its
type does not take, a ``show_if`` names an unknown or later question or option, or a button's callback payload
would exceed Telegram's 64-byte limit.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import Field, ValidationError, field_validator, model_validator

from flows import callbacks
from flows.questions import QuestionKind, kind_class, names
from flows.questions.schema import (
    DONT_KNOW,
    ID_PATTERN,
    Identifier,
    Option,
    ScaleOption,
    SectionKind,
    Side,
    Strict,
    Text,
    duplicate_ids,
    missing_text,
)
from reports.inputs import AskedIf, Form, FormQuestion, FormSection
from reports.vocabulary import MEMBER, OFFICER, ROLES

__all__ = [
    "DEFAULT_TARGETS",
    "DONT_KNOW",
    "ID_PATTERN",
    "MEMBER",
    "OFFICER",
    "ROLES",
    "Identifier",
    "Option",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "Role",
    "ScaleOption",
    "Section",
    "SectionKind",
    "ShowIf",
    "Side",
    "Text",
    "questionnaire",
]

LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]


Role = StrEnum("Role", {"OFFICER": OFFICER, "MEMBER": MEMBER})
"""The groups a questionnaire is for (``reports.vocabulary`` spells them)."""


class ShowIf(Strict):
    """Ask this question only when an earlier question's answer is one of ``any_of``."""

    question: Identifier
    any_of: list[Identifier] = Field(min_length=1)


class Question(Strict):
    id: Identifier
    type: str  # the name of its kind (flows.questions: ``TextQuestion.name`` and so on, or one registered later)
    text: Text
    help: Text | None = None
    options: list[Option] = Field(default_factory=list)
    scale: Identifier | None = None
    dont_know: bool = False
    optional: bool = False
    max_length: int = Field(default=2000, ge=1, le=3500)
    show_if: ShowIf | None = None
    seconds: int | None = Field(default=None, ge=1, le=900)

    @field_validator("type")
    @classmethod
    def _registered(cls, name: str) -> str:
        try:
            kind_class(name)
        except KeyError:
            raise ValueError(f"unknown question type {name!r} (known: {', '.join(names())})") from None
        return name

    @model_validator(mode="after")
    def _kind_fields(self) -> Question:
        problems = kind_class(self.type).check_declaration(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def estimated_seconds(self) -> int:
        return self.seconds or kind_class(self.type).seconds


class Section(Strict):
    id: Identifier
    kind: SectionKind
    title: Text
    intro: Text | None = None
    questions: list[Question] = Field(min_length=1)


class Questionnaire(Strict):
    id: Identifier
    version: int = Field(ge=1)
    role: Role
    languages: list[LanguageCode] = Field(min_length=1)
    title: Text
    intro: Text
    dont_know: Text
    """Label of the "Don't know" button, in every language."""
    scales: dict[Identifier, list[ScaleOption]] = Field(default_factory=dict)
    """Named answer scales (``flows.questions.scale`` says what a point declares)."""
    sections: list[Section] = Field(min_length=1)

    @field_validator("languages")
    @classmethod
    def _distinct(cls, languages: list[str]) -> list[str]:
        if len(set(languages)) != len(languages):
            raise ValueError("a language is listed twice")
        return languages

    @model_validator(mode="after")
    def _consistent(self) -> Questionnaire:
        problems: list[str] = []
        seen_questions: dict[str, Question] = {}
        seen_sections: set[str] = set()

        def check_text(where: str, text: Text | None) -> None:
            problems.extend(missing_text(where, text, self.languages))

        for name, value in (("title", self.title), ("intro", self.intro), ("dont_know", self.dont_know)):
            check_text(name, value)
        for type_name in names():
            problems.extend(kind_class(type_name).check_questionnaire(self))
        for section in self.sections:
            if section.id in seen_sections:
                problems.append(f"section {section.id}: duplicate section id")
            seen_sections.add(section.id)
            check_text(f"section {section.id} title", section.title)
            check_text(f"section {section.id} intro", section.intro)
            for q in section.questions:
                where = f"question {q.id}"
                if q.id in seen_questions:
                    problems.append(f"{where}: duplicate question id")
                check_text(f"{where} text", q.text)
                check_text(f"{where} help", q.help)
                option_ids = [o.id for o in q.options]
                problems.extend(duplicate_ids(where, option_ids))
                for opt in q.options:
                    check_text(f"{where} option {opt.id} label", opt.label)
                    check_text(f"{where} option {opt.id} detail", opt.detail)
                if q.dont_know and DONT_KNOW in option_ids:
                    problems.append(f"{where}: option id {DONT_KNOW!r} is reserved for Don't know")
                kind = self.kind(q)
                problems.extend(f"{where}: {problem}" for problem in kind.check())
                if q.show_if is not None:
                    target = seen_questions.get(q.show_if.question)
                    if target is None:
                        problems.append(
                            f"{where}: show_if names {q.show_if.question!r}, which is not an earlier question"
                        )
                    else:
                        valid = set(self.option_ids(target))
                        for opt in q.show_if.any_of:
                            if opt not in valid:
                                problems.append(f"{where}: show_if option {opt!r} is not an answer of {target.id}")
                for payload in callbacks.payloads_for(q.id, kind.option_ids()):
                    if len(payload.encode()) > callbacks.MAX_BYTES:
                        problems.append(f"{where}: button payload {payload!r} exceeds {callbacks.MAX_BYTES} bytes")
                seen_questions[q.id] = q
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- lookups used by the engine and renderers ------------------------------------------------------------------

    @cached_property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    @cached_property
    def _index(self) -> dict[str, tuple[Section, Question]]:
        return {q.id: (s, q) for s in self.sections for q in s.questions}

    @cached_property
    def _kinds(self) -> dict[int, QuestionKind]:
        return {id(q): kind_class(q.type)(q, self) for q in self.questions}

    @cached_property
    def gates(self) -> tuple[str, ...]:
        """The questions whose answers decide which questions are shown (those named by a ``show_if``)."""
        return tuple(dict.fromkeys(q.show_if.question for q in self.questions if q.show_if is not None))

    @cached_property
    def shown_for(self) -> dict[tuple[str | None, ...], tuple[Question, ...]]:
        """``flows.engine.visible_questions``' memory: the questions shown, by the answers to the ``gates``."""
        return {}

    def question(self, question_id: str) -> Question | None:
        found = self._index.get(question_id)
        return found[1] if found else None

    def section_of(self, question_id: str) -> Section:
        return self._index[question_id][0]

    def kind(self, q: Question) -> QuestionKind:
        """The question's type, bound to this question of this questionnaire."""
        found = self._kinds.get(id(q))
        return found if found is not None and found.question is q else kind_class(q.type)(q, self)

    def choices(self, q: Question) -> list[Option]:
        """The answer buttons of a question, "Don't know" last."""
        return self.kind(q).options()

    def option_ids(self, q: Question) -> list[str]:
        return self.kind(q).option_ids()

    @cached_property
    def form(self) -> Form:
        """The questionnaire as the reports read it (``reports.inputs.Form``): its sections and questions with their
        wording, the categories each type counts its answers in, its buttons and whom a follow-up is asked of; built
        once, like the other lookups here (``flows.report_input`` hands it to the reports)."""
        sections = []
        for s in self.sections:
            questions = []
            for q in s.questions:
                kind = self.kind(q)
                asked_if = None if q.show_if is None else AskedIf(q.show_if.question, tuple(q.show_if.any_of))
                buttons = tuple((o.id, o.label) for o in kind.options())
                questions.append(
                    FormQuestion(
                        q.id, q.type, q.text, kind.categories(), kind.free_text, buttons, q.dont_know, asked_if
                    )
                )
            sections.append(FormSection(s.id, s.kind, s.title, tuple(questions)))
        return Form(self.id, self.version, tuple(sections))


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used; the message names the file, the question and the reason."""


def questionnaire(raw: object, where: str) -> Questionnaire:
    """The questionnaire a parsed YAML document describes (``config.questionnaires`` reads the file); ``where`` names
    it in the QuestionnaireError that says which question is wrong and why."""
    if not isinstance(raw, dict):
        raise QuestionnaireError(f"{where}: a questionnaire file must be a mapping at the top level")
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as exc:
        raise QuestionnaireError(f"{where}: {_describe(exc, raw)}") from None


def _describe(exc: ValidationError, raw: dict) -> str:
    """One readable line per error, naming the question id rather than a list index where possible."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        where = _locate(loc, raw)
        message = err["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)


def _locate(loc: list, raw: dict) -> str:
    if len(loc) >= 4 and loc[0] == "sections" and loc[2] == "questions":
        try:
            question = raw["sections"][loc[1]]["questions"][loc[3]]
            qid = question.get("id", f"#{loc[3] + 1}")
        except (IndexError, KeyError, TypeError, AttributeError):
            qid = f"#{loc[3]}"
        rest = ".".join(str(p) for p in loc[4:])
        return f"question {qid}" + (f" ({rest})" if rest else "")
    if len(loc) >= 2 and loc[0] == "sections":
        try:
            sid = raw["sections"][loc[1]].get("id", f"#{loc[1] + 1}")
        except (IndexError, KeyError, TypeError, AttributeError):
            sid = f"#{loc[1]}"
        rest = ".".join(str(p) for p in loc[2:])
        return f"section {sid}" + (f" ({rest})" if rest else "")
    return ".".join(str(p) for p in loc)


DEFAULT_TARGETS: dict[str, float] = {OFFICER: 0.6, MEMBER: 0.5}
"""Target response rate per role when a campaign names none (a fraction)."""
