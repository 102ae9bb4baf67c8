"""The parts of a questionnaire file that the question types read and build: texts in every language, answer
options, scale points and their sides, section kinds, and the reserved "Don't know" id.

They sit here, below both ``flows.model`` (which validates whole questionnaires) and the question types, so a type
module never imports ``flows.model``; ``flows.model`` re-exports every name.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from reports.vocabulary import SectionKind, Side  # noqa: F401 - re-exported: the questionnaire schema names them

ID_PATTERN = r"^[a-z][a-z0-9_]{0,23}$"
"""Question, option, section and scale ids: short, so every callback payload stays within 64 bytes."""

DONT_KNOW = "dk"
"""The option id stored for "Don't know"; never a Level, never counted in shares."""

Identifier = Annotated[str, Field(pattern=ID_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


def missing_text(where: str, text: Text | None, languages: list[str]) -> list[str]:
    """The problem of a text that is absent or blank in a declared language ([] when there is none)."""
    if text is not None and (missing := text.missing(languages)):
        return [f"{where}: text missing in {', '.join(missing)}"]
    return []


def duplicate_ids(where: str, ids: list[str]) -> list[str]:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    return [f"{where}: duplicate option id(s) {', '.join(dupes)}"] if dupes else []


class Words(Strict):
    """Other words that select an option when typed, in each language: ``typed: {en: [...], cy: [...]}``
    (``flows.questions.typed`` says how typed text is matched)."""

    en: tuple[str, ...] = ()
    cy: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return (*self.en, *self.cy)


class Option(Strict):
    id: Identifier
    label: Text
    """Short button label, e.g. "Level 1"."""
    detail: Text | None = None
    """Long text shown in the message body, e.g. the level descriptor, verbatim."""
    typed: Words | None = None
    """Further words that select this option when typed (its label, in every language, always does)."""


class ScaleOption(Strict):
    """One point of a named scale (``scales:`` in the questionnaire)."""

    id: Identifier
    label: Text
    side: Side | None = None
    """agree, neutral or disagree: where the point lies, and so which way the scale runs (``flows.questions.scale``)."""
    typed: Words | None = None
    """Further words that select this point when typed, e.g. "neither" (its label always does)."""
