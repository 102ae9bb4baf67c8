"""The message catalogue: every text respondents and auditors read, in every supported language (``messages.yaml``)."""

from __future__ import annotations

import html
from functools import cache

from flows import resources
from reports.catalogues import parse_texts
from reports.vocabulary import DEFAULT_LANGUAGE, ENGLISH, LANGUAGES, WELSH, Language, in_language

__all__ = [
    "DEFAULT_LANGUAGE",
    "ENGLISH",
    "LANGUAGES",
    "WELSH",
    "Catalogue",
    "Language",
    "catalogue",
    "in_language",
    "normalise_language",
]


class Catalogue:
    def __init__(self, entries: dict[str, dict[str, str]]):
        self._entries = entries

    @classmethod
    def parse(cls, text: str, where: str) -> Catalogue:
        """The catalogue in the YAML ``text`` (``where`` names it in the error): a mapping of keys to their texts per
        language, a key given twice refused (``reports.catalogues.parse_texts``, the one parser).  ValueError naming
        ``where`` when it is not such a mapping."""
        raw = parse_texts(text, where, "message keys")
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
    """The shipped catalogue (``flows/messages.yaml``, read through ``flows.resources`` when first needed)."""
    return Catalogue.parse(resources.catalogue_text(), f"flows/{resources.CATALOGUE}")


def normalise_language(code: str | None) -> str:
    """Telegram's language_code ("cy", "en-GB", None) to a supported language."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE
