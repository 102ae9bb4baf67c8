"""Questionnaires as data: the pydantic models a questionnaire YAML file is validated against.

A questionnaire is a list of sections (one per key characteristic or theme); each section holds questions of three
kinds: ``choice`` (explicit options, e.g. the Level 1/2/3 descriptors), ``scale`` (a named answer scale such as
strongly agree ... strongly disagree) and ``text`` (free text).  Follow-up questions are declared with ``show_if``,
so skip logic is data, not code.

Loading refuses a file with the file name, the question id and the reason when: ids are not unique or not of the
allowed shape, a text is missing in a declared language, a ``show_if`` names an unknown or later question or option,
or a button's callback payload would exceed Telegram's 64-byte limit.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from flows import callbacks
from flows.i18n import LANGUAGES, Language

ID_PATTERN = r"^[a-z][a-z0-9_]{0,23}$"
"""Question, option, section and scale ids: short, so every callback payload stays within 64 bytes."""

DONT_KNOW = "dk"
"""The option id stored for "Don't know"; never a Level, never counted in shares."""

Identifier = Annotated[str, Field(pattern=ID_PATTERN)]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]


class Role(StrEnum):
    OFFICER = "officer"
    MEMBER = "member"


class QuestionType(StrEnum):
    CHOICE = "choice"
    SCALE = "scale"
    TEXT = "text"


class SectionKind(StrEnum):
    CHARACTERISTIC = "characteristic"
    THEME = "theme"
    COMMENTS = "comments"


# Rough time a respondent needs per kind of question, for "about N minutes left".
DEFAULT_SECONDS = {QuestionType.CHOICE: 45, QuestionType.SCALE: 12, QuestionType.TEXT: 60}


class Text(BaseModel):
    """A text in every language the questionnaire declares: ``{en: "...", cy: "..."}``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str | None = None
    cy: str | None = None

    def get(self, language: str) -> str:
        value = getattr(self, language, None) or self.en
        if value is None:  # pragma: no cover - prevented by Questionnaire validation
            raise KeyError(language)
        return value

    def missing(self, languages: list[str]) -> list[str]:
        return [lang for lang in languages if not (getattr(self, lang, None) or "").strip()]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    id: Identifier
    label: Text
    """Short button label, e.g. "Level 1"."""
    detail: Text | None = None
    """Long text shown in the message body, e.g. the level descriptor, verbatim."""


class ShowIf(_Strict):
    """Ask this question only when an earlier question's answer is one of ``any_of``."""

    question: Identifier
    any_of: list[Identifier] = Field(min_length=1)


class Question(_Strict):
    id: Identifier
    type: QuestionType
    text: Text
    help: Text | None = None
    options: list[Option] = Field(default_factory=list)
    scale: Identifier | None = None
    dont_know: bool = False
    optional: bool = False
    max_length: int = Field(default=2000, ge=1, le=3500)
    show_if: ShowIf | None = None
    seconds: int | None = Field(default=None, ge=1, le=900)

    @model_validator(mode="after")
    def _kind_fields(self) -> Question:
        if self.type is QuestionType.CHOICE and len(self.options) < 2:
            raise ValueError("a choice question needs at least two options")
        if self.type is QuestionType.SCALE and (self.scale is None or self.options):
            raise ValueError("a scale question names a scale and declares no options of its own")
        if self.type is QuestionType.TEXT and (self.options or self.scale or self.dont_know):
            raise ValueError("a text question has no options, scale or don't know")
        if self.type is not QuestionType.TEXT and self.optional:
            raise ValueError("only text questions can be optional; offer 'Don't know' instead")
        return self

    @property
    def estimated_seconds(self) -> int:
        return self.seconds or DEFAULT_SECONDS[self.type]


class Section(_Strict):
    id: Identifier
    kind: SectionKind
    title: Text
    intro: Text | None = None
    questions: list[Question] = Field(min_length=1)


class ScaleOption(_Strict):
    id: Identifier
    label: Text


class Questionnaire(_Strict):
    id: Identifier
    version: int = Field(ge=1)
    role: Role
    languages: list[LanguageCode] = Field(min_length=1)
    title: Text
    intro: Text
    dont_know: Text
    """Label of the "Don't know" button, in every language."""
    scales: dict[Identifier, list[ScaleOption]] = Field(default_factory=dict)
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
            if text is not None and (missing := text.missing(self.languages)):
                problems.append(f"{where}: text missing in {', '.join(missing)}")

        for name, value in (("title", self.title), ("intro", self.intro), ("dont_know", self.dont_know)):
            check_text(name, value)
        for scale_id, scale in self.scales.items():
            if len(scale) < 2:
                problems.append(f"scale {scale_id}: needs at least two points")
            _check_unique(f"scale {scale_id}", [o.id for o in scale], problems)
            for opt in scale:
                check_text(f"scale {scale_id} option {opt.id}", opt.label)
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
                _check_unique(where, option_ids, problems)
                for opt in q.options:
                    check_text(f"{where} option {opt.id} label", opt.label)
                    check_text(f"{where} option {opt.id} detail", opt.detail)
                if q.dont_know and DONT_KNOW in option_ids:
                    problems.append(f"{where}: option id {DONT_KNOW!r} is reserved for Don't know")
                if q.type is QuestionType.SCALE and q.scale not in self.scales:
                    problems.append(f"{where}: unknown scale {q.scale!r}")
                if q.show_if is not None:
                    target = seen_questions.get(q.show_if.question)
                    if target is None:
                        problems.append(f"{where}: show_if names {q.show_if.question!r}, which is not an earlier question")
                    else:
                        valid = set(self._option_ids(target))
                        for opt in q.show_if.any_of:
                            if opt not in valid:
                                problems.append(f"{where}: show_if option {opt!r} is not an answer of {target.id}")
                for payload in callbacks.payloads_for(q.id, self._option_ids(q)):
                    if len(payload.encode()) > callbacks.MAX_BYTES:
                        problems.append(f"{where}: button payload {payload!r} exceeds {callbacks.MAX_BYTES} bytes")
                seen_questions[q.id] = q
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _option_ids(self, q: Question) -> list[str]:
        if q.type is QuestionType.CHOICE:
            ids = [o.id for o in q.options]
        elif q.type is QuestionType.SCALE:
            ids = [o.id for o in self.scales.get(q.scale or "", [])]
        else:
            return []
        return ids + ([DONT_KNOW] if q.dont_know else [])

    # -- lookups used by the engine and renderers ------------------------------------------------------------------

    @cached_property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    @cached_property
    def _index(self) -> dict[str, tuple[Section, Question]]:
        return {q.id: (s, q) for s in self.sections for q in s.questions}

    def question(self, question_id: str) -> Question | None:
        found = self._index.get(question_id)
        return found[1] if found else None

    def section_of(self, question_id: str) -> Section:
        return self._index[question_id][0]

    def choices(self, q: Question) -> list[Option]:
        """The answer buttons of a question, "Don't know" last."""
        if q.type is QuestionType.CHOICE:
            opts = list(q.options)
        elif q.type is QuestionType.SCALE:
            opts = [Option(id=o.id, label=o.label) for o in self.scales[q.scale or ""]]
        else:
            return []
        if q.dont_know:
            opts.append(Option(id=DONT_KNOW, label=self.dont_know))
        return opts

    def option_ids(self, q: Question) -> list[str]:
        return self._option_ids(q)


def _check_unique(where: str, ids: list[str], problems: list[str]) -> None:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        problems.append(f"{where}: duplicate option id(s) {', '.join(dupes)}")


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used; the message names the file, the question and the reason."""


def load_questionnaire(path: Path) -> Questionnaire:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise QuestionnaireError(f"{path}: cannot read questionnaire: {exc}") from exc
    if not isinstance(raw, dict):
        raise QuestionnaireError(f"{path}: a questionnaire file must be a mapping at the top level")
    try:
        return Questionnaire.model_validate(raw)
    except ValidationError as exc:
        raise QuestionnaireError(f"{path}: {_describe(exc, raw)}") from None


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


QUESTIONNAIRE_DIR = Path(__file__).parent / "questionnaires"

ROLES: tuple[str, ...] = tuple(role.value for role in Role)
"""Role names in their fixed order (officers first): defined here once."""
DEFAULT_TARGETS: dict[str, float] = {"officer": 0.6, "member": 0.5}
"""Target response rate per role when a campaign names none (a fraction)."""
