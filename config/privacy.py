"""The privacy notice: wording from configuration (``privacy.yaml`` by default) so each audit body sets its own.

Every text is checked when loaded with Telegram's own HTML rules (``flows.telegram_html``): a text Telegram would
refuse ("Write to our DPO <dpo@example.org>": ``<dpo@example.org>`` reads as a tag) would stop every respondent at the
notice, so it stops start-up instead, with one line naming the file, the text, the line and the fix.  It is refused
rather than escaped: a guess at what was meant (a literal "<", or a tag Telegram does not allow such as ``<p>``)
would show respondents something other than the wording the audit body wrote.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from flows.i18n import LANGUAGES
from flows.ports import Notice
from flows.telegram_html import TelegramHtmlError, parse_html

DEFAULT_PRIVACY_NOTICE = Path(__file__).parent / "privacy.yaml"
MAX_CHARS = 3800  # leaves room in Telegram's 4096 for a heading and buttons
HTML_HINT = ('write a literal "<" as &lt;, ">" as &gt; and "&" as &amp;; the tags Telegram allows are b, i, u, s, '
             'a href, code, pre, blockquote and tg-spoiler')


class _Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str
    cy: str

    @field_validator("en", "cy")
    @classmethod
    def _fits(cls, text: str) -> str:
        text = text.strip()
        if not text:
            raise ValueError("is empty")
        if len(text) > MAX_CHARS:
            raise ValueError(f"is {len(text)} characters; Telegram messages allow about {MAX_CHARS}")
        try:
            parse_html(text)
        except TelegramHtmlError as exc:
            raise ValueError(f"is not valid Telegram HTML: {_located(text, exc)} ({HTML_HINT})") from None
        return text


def _located(text: str, exc: TelegramHtmlError) -> str:
    """Telegram's reason, with the line of the text instead of its byte offset."""
    reason = re.sub(r" at byte offset \d+", "", str(exc))
    if exc.position is None:
        return reason
    return f"{reason} on line {text.count(chr(10), 0, exc.position) + 1}"


class _PrivacyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    short: _Bilingual
    full: _Bilingual


class PrivacyNoticeError(ValueError):
    pass


def load_privacy_notice(path: Path = DEFAULT_PRIVACY_NOTICE) -> Notice:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _PrivacyFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise PrivacyNoticeError(f"{path}: cannot read the privacy notice: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise PrivacyNoticeError(f"{path}: {where} {err['msg'].removeprefix('Value error, ')}") from None
    return Notice(short=parsed.short.model_dump(), full=parsed.full.model_dump())
