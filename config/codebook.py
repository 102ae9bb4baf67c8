"""The codebook that groups respondents' comments in the report (``codebook.yaml``), in English and Cymraeg.

Configuration rather than code, so the audit team can add a code or change its keywords between rounds:
``load_codebook`` reads a file (by default the shipped one, whose codes start from the barriers the Wales Audit Office
report names), checks it and returns a ``reports.inputs.Codebook`` (named for ``config`` by ``flows.report_input``): plain frozen
data that the adapters pass to the report (``SurveyData.codebook``; ``reports/`` reads no file).  A file that cannot
be used stops whoever loads it (the bot at start-up, the command line) with one line naming the file, the code and
what is wrong: every code has an id (lower case letters, digits, _; unique), a label in both languages (each its
own) and at least one keyword in each, and each keyword is one the matcher can read (``reports.coding.pattern``: "*"
only at the end, a stem of 3 letters or more), listed once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.bilingual import Bilingual
from flows.i18n import LANGUAGES
from flows.model import Text
from flows.report_input import Code, Codebook, pattern

DEFAULT_CODEBOOK = Path(__file__).parent / "codebook.yaml"
MAX_LABEL = 80
"""A label heads a list of comments and a row of a table on a phone: a few words."""


class CodebookError(ValueError):
    pass


class _Label(Bilingual):
    LONGEST, WHAT = MAX_LABEL, "a label"


class _Keywords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    en: list[str] = Field(min_length=1)
    cy: list[str] = Field(min_length=1)

    @field_validator(*LANGUAGES)
    @classmethod
    def _readable(cls, keywords: list[str]) -> list[str]:
        seen: dict[object, str] = {}
        for keyword in keywords:
            read = pattern(keyword)  # ValueError naming the keyword
            if read in seen:
                raise ValueError(f"keyword {keyword!r} is listed twice (as {seen[read]!r})")
            seen[read] = keyword
        return [k.strip() for k in keywords]


class _Code(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: _Label
    keywords: _Keywords


def _fail(path: Path, message: str) -> CodebookError:
    return CodebookError(f"{path}: {message}")


def load_codebook(path: Path = DEFAULT_CODEBOOK) -> Codebook:
    """The codes of ``path``, in the file's order; ``CodebookError`` (a ValueError) naming the file, the code and the
    problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise _fail(path, f"cannot read the codebook: {' '.join(str(exc).split())}") from None
    if not isinstance(raw, dict) or set(raw) != {"codes"} or not isinstance(raw["codes"], list) or not raw["codes"]:
        raise _fail(path, "expected one key, codes: a list of codes (id, label, keywords)")
    codes: list[Code] = []
    for number, entry in enumerate(raw["codes"], start=1):
        name = entry.get("id") if isinstance(entry, dict) else None
        which = f"code {name}" if isinstance(name, str) and name.strip() else f"code number {number}"
        try:
            parsed = _Code.model_validate(entry)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            raise _fail(path, f"{which}: {where} {err['msg'].removeprefix('Value error, ')}") from None
        if any(c.id == parsed.id for c in codes):
            raise _fail(path, f"{which}: the id is used by an earlier code; each code needs its own")
        for language in LANGUAGES:
            label = getattr(parsed.label, language)
            if any(getattr(c.label, language) == label for c in codes):
                raise _fail(path, f"{which}: label.{language} {label!r} is an earlier code's label too")
        codes.append(
            Code(
                id=parsed.id,
                label=Text(en=parsed.label.en, cy=parsed.label.cy),
                keywords={language: tuple(getattr(parsed.keywords, language)) for language in LANGUAGES},
            )
        )
    return Codebook(tuple(codes))


@cache
def shipped_codebook() -> Codebook:
    """The shipped codebook (``DEFAULT_CODEBOOK``), read once per process."""
    return load_codebook(DEFAULT_CODEBOOK)
