"""A configured text in English and Cymraeg: the one model every editable YAML file uses for its bilingual texts
(the codebook's labels, the good-practice examples, the publisher).  Each language is folded to single spaces and
must not be empty; a subclass sets ``LONGEST`` to bound its length."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, field_validator

from flows.i18n import LANGUAGES


def folded(value: object) -> str:
    """A configured text folded to single spaces; refused when nothing is left."""
    text = " ".join(str(value).split())
    if not text:
        raise ValueError("is empty")
    return text


class Bilingual(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str
    cy: str

    LONGEST: ClassVar[int | None] = None
    WHAT: ClassVar[str] = "it"  # how the refusal names the text: "keep a label under 80"

    @field_validator(*LANGUAGES)
    @classmethod
    def _filled(cls, text: str) -> str:
        text = folded(text)
        if cls.LONGEST is not None and len(text) > cls.LONGEST:
            raise ValueError(f"is {len(text)} characters; keep {cls.WHAT} under {cls.LONGEST}")
        return text
