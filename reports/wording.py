"""A text in every language, as the reports read it.

``Wording`` is what a report needs of any bilingual text it is given (a questionnaire's question, option or section
title, a good-practice example): its words in a language.  The questionnaire's own texts (pydantic models in
``flows.questions.schema``) already fit it, so they are passed in as they are; ``Text`` is the plain one the reports
build themselves (an answer code that has no label, a council's name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from reports.vocabulary import DEFAULT_LANGUAGE

__all__ = ["Text", "Wording"]


@runtime_checkable
class Wording(Protocol):
    def get(self, language: str) -> str:
        """The text in ``language``, or in English where it has none."""
        ...


@dataclass(frozen=True)
class Text:
    """A plain text in English and perhaps in Cymraeg (``get`` falls back to English)."""

    en: str
    cy: str | None = None

    def get(self, language: str) -> str:
        return getattr(self, language, None) or getattr(self, DEFAULT_LANGUAGE)
