"""English and Cymraeg: no text exists in one language and not the other, and every text is valid Telegram HTML."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from bot.emulator import parse_html
from config.privacy import (
    DEFAULT_PRIVACY_NOTICE,
    PrivacyNoticeError,
    load_privacy_notice,
)
from flows.i18n import LANGUAGES, Catalogue, catalogue, normalise_language
from flows.model import Text
from flows.render import MAX_TEXT

CAT = catalogue()


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_exists_in_every_language():
    assert CAT.missing() == []


@pytest.mark.parametrize("key", CAT.keys())
def test_both_languages_take_the_same_values_and_parse_as_telegram_html(key):
    english, welsh = (CAT.raw(key, lang) for lang in LANGUAGES)
    assert placeholders(english) == placeholders(welsh), f"{key}: placeholders differ between languages"
    for text in (english, welsh):
        filled = text.format(**{name: "x" for name in placeholders(text)})
        parse_html(filled)  # raises on anything Telegram would refuse


def test_a_missing_translation_is_detected(tmp_path: Path):
    broken = tmp_path / "messages.yaml"
    broken.write_text(yaml.safe_dump({"hello": {"en": "Hello", "cy": ""}, "bye": {"en": "Bye"}}))
    assert sorted(Catalogue.parse(broken.read_text(), str(broken)).missing()) == [("bye", "cy"), ("hello", "cy")]


def test_every_questionnaire_text_is_bilingual(questionnaires):
    def texts(node):
        if isinstance(node, Text):
            yield node
        elif isinstance(node, (list, tuple)):
            for item in node:
                yield from texts(item)
        elif isinstance(node, dict):
            for item in node.values():
                yield from texts(item)
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                yield from texts(getattr(node, name))

    for qn in questionnaires.values():
        found = list(texts(qn))
        assert len(found) > 50
        assert all(not t.missing(list(LANGUAGES)) for t in found)


def test_privacy_notice_is_bilingual_valid_html_and_fits():
    notice = load_privacy_notice(DEFAULT_PRIVACY_NOTICE)
    for part in (notice.short, notice.full):
        assert set(part) == set(LANGUAGES)
        for text in part.values():
            visible, _ = parse_html(text)
            assert 200 < len(visible) <= MAX_TEXT
    assert "ICO" in notice.full["en"] and "Telegram" in notice.short["en"] and "/withdraw" in notice.short["cy"]


def test_privacy_notice_missing_welsh_is_refused(tmp_path: Path):
    path = tmp_path / "privacy.yaml"
    path.write_text(yaml.safe_dump({"short": {"en": "Short"}, "full": {"en": "Full", "cy": "Llawn"}}))
    with pytest.raises(PrivacyNoticeError, match=r"short\.cy"):
        load_privacy_notice(path)


@pytest.mark.parametrize(
    ("code", "expected"), [("cy", "cy"), ("cy-GB", "cy"), ("en-GB", "en"), ("de", "en"), (None, "en")]
)
def test_telegram_language_code_sets_the_default(code, expected):
    assert normalise_language(code) == expected


def test_a_message_key_given_twice_is_refused(tmp_path):
    """PyYAML keeps the last of two equal keys silently: the catalogue refuses them, naming the key and the line."""
    import pytest

    from flows.i18n import Catalogue

    path = tmp_path / "messages.yaml"
    path.write_text(
        'a:\n  en: "One"\n  cy: "Un"\nb:\n  en: "Two"\n  cy: "Dau"\na:\n  en: "Again"\n  cy: "Eto"\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"line 7: the key 'a' is given twice"):
        Catalogue.parse(path.read_text(encoding="utf-8"), str(path))
