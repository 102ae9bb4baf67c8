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

from flows.i18n import LANGUAGES, catalogue
from flows.notice import RETENTION_PLACEHOLDER, Notice
from flows.telegram_html import TelegramHtmlError, parse_html

DEFAULT_PRIVACY_NOTICE = Path(__file__).parent / "privacy.yaml"
MAX_CHARS = 3800  # leaves room in Telegram's 4096 for a heading and buttons
HTML_HINT = (
    'write a literal "<" as &lt;, ">" as &gt; and "&" as &amp;; the tags Telegram allows are b, i, u, s, '
    "a href, code, pre, blockquote and tg-spoiler"
)


class _Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str
    cy: str

    @field_validator(*LANGUAGES)
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


# ---- how long the data is kept (issue 23, item 1) -------------------------------------------------------------------
# The notice says what the retention job does (flows/retention.py): the sentence is written here from the same
# settings (DATATOOL_RETENTION_DAYS, DATATOOL_RETENTION_KEEP_REPORTS) and put where each text has {retention}.
# The Welsh must be reviewed by a qualified translator before live use, like every Welsh text.


def retention_period(language: str, days: int) -> str:
    """ "365 days" / "365 diwrnod" (Welsh counts with the singular noun), from the message catalogue."""
    return catalogue().raw("notice_days_one" if days == 1 else "notice_days_other", language).format(days=days)


def retention_sentence(language: str, days: int, keep_reports: bool = True) -> str:
    """The notice's sentence about how long the data is kept, in ``language`` (texts in ``flows/messages.yaml``, so a
    translator reviews them with every other text)."""
    cat = catalogue()
    tail = cat.raw("notice_reports_kept" if keep_reports else "notice_reports_deleted", language)
    return f"{cat.raw('notice_retention', language).format(period=retention_period(language, days))} {tail}"


def load_privacy_notice(
    path: Path = DEFAULT_PRIVACY_NOTICE, *, retention_days: int = 365, keep_reports: bool = True
) -> Notice:
    """The notice in ``path``, its ``{retention}`` filled in with the retention period (``retention_days`` after
    fieldwork closes, and whether the reports are kept); a campaign kept for another period gets its own sentence
    (``Notice.text``).  Every text must say how long the data is kept: one without ``{retention}`` is refused."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _PrivacyFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise PrivacyNoticeError(f"{path}: cannot read the privacy notice: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise PrivacyNoticeError(f"{path}: {where} {err['msg'].removeprefix('Value error, ')}") from None
    templates = {"short": parsed.short.model_dump(), "full": parsed.full.model_dump()}
    for part, texts in templates.items():
        for language, text in texts.items():
            if RETENTION_PLACEHOLDER not in text:
                raise PrivacyNoticeError(
                    f"{path}: {part}.{language} does not say how long the data is kept: put {RETENTION_PLACEHOLDER} "
                    "where that sentence goes, and the bot writes it from DATATOOL_RETENTION_DAYS"
                )

    def sentence(language: str, days: int) -> str:
        return retention_sentence(language, days, keep_reports)

    stated = {
        part: {
            language: text.replace(RETENTION_PLACEHOLDER, sentence(language, retention_days))
            for language, text in texts.items()
        }
        for part, texts in templates.items()
    }
    for part, texts in stated.items():
        for language, text in texts.items():
            try:
                _Bilingual._fits(text)
            except ValueError as exc:
                raise PrivacyNoticeError(f"{path}: {part}.{language} {exc}") from None
    return Notice(
        short=stated["short"],
        full=stated["full"],
        retention_days=retention_days,
        templates=templates,
        retention_sentence=sentence,
    )
