"""The words every layer shares, defined once here at the bottom of the house: the languages, the respondents'
groups (roles), the sides of an agree/disagree scale and the kinds of questionnaire section.

``reports`` is a standalone library (it imports no other package of the project), so what it shares with the rest
of the bot lives in it and the others import it: ``flows.i18n`` re-exports the languages, ``flows.model`` the roles
(as its ``Role`` enum), ``flows.questions.schema`` the sides and section kinds.  No other module of the project spells
``"en"``, ``"cy"``, ``"officer"`` or ``"member"`` (tests/test_one_place.py checks).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = [
    "DEFAULT_LANGUAGE",
    "ENGLISH",
    "LANGUAGES",
    "MEMBER",
    "OFFICER",
    "ROLES",
    "WELSH",
    "Language",
    "SectionKind",
    "Side",
    "in_language",
]

Language = Literal["en", "cy"]
ENGLISH: Language = "en"
WELSH: Language = "cy"
LANGUAGES: tuple[Language, ...] = (ENGLISH, WELSH)
"""The languages of every text the bot and its reports show."""
DEFAULT_LANGUAGE: Language = ENGLISH

OFFICER = "officer"
MEMBER = "member"
ROLES: tuple[str, ...] = (OFFICER, MEMBER)
"""The groups invited, in their fixed order (officers first)."""


def in_language(english: str, welsh: str | None, language: str) -> str:
    """A name known in English and perhaps in Welsh (a council's), in ``language``: the Welsh name in Cymraeg where
    one is known, else the English.  The one place this rule is written."""
    return (welsh or english) if language == WELSH else english


class Side(StrEnum):
    """Which side of an agree/disagree scale a point is on (``side:`` of a scale point in the questionnaire)."""

    AGREE = "agree"
    NEUTRAL = "neutral"
    DISAGREE = "disagree"


class SectionKind(StrEnum):
    """What a questionnaire section measures: a key characteristic (Levels 1-3), a theme (statements on a scale) or
    comments (free text)."""

    CHARACTERISTIC = "characteristic"
    THEME = "theme"
    COMMENTS = "comments"
