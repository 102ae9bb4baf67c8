"""The message catalogue: every text respondents and auditors read, in every supported language (``messages.yaml``)."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

CATALOGUE_PATH = Path(__file__).parent / "messages.yaml"
Language = Literal["en", "cy"]
ENGLISH: Language = "en"
WELSH: Language = "cy"
LANGUAGES: tuple[Language, ...] = (ENGLISH, WELSH)
"""The languages of every text the bot shows: defined here once (no other module of the project spells ``"en"`` or
``"cy"``; tests/test_one_place.py checks)."""
DEFAULT_LANGUAGE: Language = ENGLISH


def in_language(english: str, welsh: str | None, language: str) -> str:
    """A name known in English and perhaps in Welsh (a council's), in ``language``: the Welsh name in Cymraeg where
    one is known, else the English.  The one place this rule is written."""
    return (welsh or english) if language == WELSH else english


class _UniqueKeys(yaml.SafeLoader):
    """YAML that refuses a key given twice in one mapping (PyYAML keeps the last one silently, so a second
    ``retention_reports_kept`` would quietly replace the first everywhere it is used)."""


def _unique_mapping(loader: _UniqueKeys, node: yaml.MappingNode) -> dict[object, object]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ValueError(f"line {key_node.start_mark.line + 1}: the key {key!r} is given twice")
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def load_texts(path: Path, what: str = "message keys") -> dict[object, object]:
    """A file of texts (a mapping of keys to their texts per language) as read from YAML, a key given twice refused:
    the one loader of the message catalogue and of the report texts (``reports.texts``).  ValueError naming the file
    when it is not such a mapping."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys)  # noqa: S506 - a SafeLoader
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of {what}")
    return raw


class Catalogue:
    def __init__(self, entries: dict[str, dict[str, str]]):
        self._entries = entries

    @classmethod
    def load(cls, path: Path = CATALOGUE_PATH) -> Catalogue:
        raw = load_texts(path)
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
