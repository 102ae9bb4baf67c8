"""Good-practice examples for councils to learn from (``good_practice.yaml``), in English and Cymraeg.

Configuration rather than code, so an audit body can add the examples of its own studies: ``load_good_practice``
reads a file (by default the shipped one: the six examples of the national study report, "The Maturity of Local
Government in Use of Data", that the Wales Audit Office's council reports carried in their Part 3), checks it (every
text in both languages, the source included, ids unique, at least one characteristic each and, when the caller names
the key characteristics, only those) and returns plain frozen records that the reports read
(``reports.good_practice`` chooses them for each group's weakest characteristics).

Each example cites the publication it is summarised from (``source``), in both languages: for the shipped six, the
national study report, where the examples were identified, not a council's own report that quoted them.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from config.bilingual import Bilingual
from flows.model import Text
from flows.report_input import PracticeExample

DEFAULT_GOOD_PRACTICE = Path(__file__).parent / "good_practice.yaml"
MAX_SUMMARY = 1200
"""A summary is a paragraph, not the case study: the report links to nothing, so it must stay readable on a phone."""


class _Bilingual(Bilingual):
    LONGEST = MAX_SUMMARY


class _Example(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
    title: _Bilingual
    organisation: _Bilingual
    summary: _Bilingual
    characteristics: list[str] = Field(min_length=1)
    source: _Bilingual

    @field_validator("characteristics")
    @classmethod
    def _once_each(cls, ids: list[str]) -> list[str]:
        if len(set(ids)) != len(ids):
            raise ValueError("lists a characteristic twice")
        return ids


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    examples: list[_Example]


class GoodPracticeError(ValueError):
    pass


def _text(value: _Bilingual) -> Text:
    return Text(en=value.en, cy=value.cy)


def load_good_practice(
    path: Path = DEFAULT_GOOD_PRACTICE, characteristics: Collection[str] | None = None
) -> tuple[PracticeExample, ...]:
    """The examples of ``path``, in the file's order.  ``characteristics``: the section ids of the key
    characteristics (``config/questionnaires/*.yaml``); when given, an example naming any other is refused, so a typo
    cannot quietly drop an example from every report.  ``GoodPracticeError`` says which entry and why."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        parsed = _File.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise GoodPracticeError(f"{path}: cannot read the good-practice examples: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise GoodPracticeError(f"{path}: {where} {err['msg'].removeprefix('Value error, ')}") from None
    ids = [e.id for e in parsed.examples]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise GoodPracticeError(f"{path}: example id(s) listed twice: {', '.join(dupes)}")
    if characteristics is not None:
        for e in parsed.examples:
            if unknown := [c for c in e.characteristics if c not in characteristics]:
                raise GoodPracticeError(
                    f"{path}: example {e.id} names unknown characteristic(s) {', '.join(unknown)}; "
                    f"known: {', '.join(characteristics)}"
                )
    return tuple(
        PracticeExample(
            e.id, _text(e.title), _text(e.organisation), _text(e.summary), tuple(e.characteristics), _text(e.source)
        )
        for e in parsed.examples
    )


@cache
def shipped_good_practice() -> tuple[PracticeExample, ...]:
    """The shipped examples, read once per process (every report reads them)."""
    return load_good_practice()
