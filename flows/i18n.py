"""The message catalogue: every text respondents and auditors read, in every supported language (``messages.yaml``)."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

CATALOGUE_PATH = Path(__file__).parent / "messages.yaml"
Language = Literal["en", "cy"]
LANGUAGES: tuple[Language, ...] = ("en", "cy")
"""The languages of every text the bot shows: defined here once."""
DEFAULT_LANGUAGE = "en"


class Catalogue:
    def __init__(self, entries: dict[str, dict[str, str]]):
        self._entries = entries

    @classmethod
    def load(cls, path: Path = CATALOGUE_PATH) -> Catalogue:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a mapping of message keys")
        return cls({str(k): {str(lang): str(text) for lang, text in v.items()} for k, v in raw.items()})

    def keys(self) -> list[str]:
        return list(self._entries)

    def missing(self, languages: tuple[str, ...] = LANGUAGES) -> list[tuple[str, str]]:
        """(key, language) pairs with no text: must be empty before live use."""
        return [(k, lang) for k, v in self._entries.items() for lang in languages if not v.get(lang, "").strip()]

    def raw(self, key: str, language: str) -> str:
        entry = self._entries[key]
        return entry.get(language) or entry[DEFAULT_LANGUAGE]

    def t(self, key: str, language: str, **params: object) -> str:
        """The HTML text of ``key`` in ``language`` with ``params`` escaped and filled in."""
        return self.raw(key, language).format(**{k: html.escape(str(v), quote=False) for k, v in params.items()})


@cache
def catalogue() -> Catalogue:
    return Catalogue.load()


def normalise_language(code: str | None) -> str:
    """Telegram's language_code ("cy", "en-GB", None) to a supported language."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE
