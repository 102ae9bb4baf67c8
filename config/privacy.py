"""The privacy notice: wording from configuration (``privacy.yaml`` by default) so each audit body sets its own."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from flows.i18n import LANGUAGES
from flows.ports import Notice

DEFAULT_PRIVACY_NOTICE = Path(__file__).parent / "privacy.yaml"
MAX_CHARS = 3800  # leaves room in Telegram's 4096 for a heading and buttons


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
        return text


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
