"""Who publishes the data tool reports (``publisher.yaml``): the audit body, its national study report, how to reach
it, and the background the report opens with, in English and Cymraeg.

Configuration rather than code, so another audit body can run the tool under its own name: ``load_publisher`` reads
a file (by default the shipped one, Audit Wales), checks it (every text in both languages, nothing empty) and
returns the fields of ``reports.publisher.Publisher`` as plain data (``PublisherConfig.fields()``); the adapter
that compiles a report builds the ``Publisher`` from them (``reports/`` reads no file and imports nothing from
``config/``).  A file that cannot be read or is malformed raises ``PublisherError`` with one line naming the file
and the entry.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from config.bilingual import Bilingual, folded
from flows.i18n import LANGUAGES

DEFAULT_PUBLISHER = Path(__file__).parent / "publisher.yaml"


class _Text(Bilingual):
    """A text of the publisher's, in both languages."""


class _Lines(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    en: list[str]
    cy: list[str]

    @field_validator(*LANGUAGES)
    @classmethod
    def _filled(cls, lines: list[str]) -> list[str]:
        if not lines:
            raise ValueError("needs at least one line")
        return [folded(line) for line in lines]


class PublisherConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    audit_body: _Text
    national_report: _Text
    national_report_where: _Text
    contact_short: _Text
    contact: _Lines
    context: _Lines
    benefits: _Lines

    def fields(self) -> dict[str, dict[str, object]]:
        """The keyword arguments of ``reports.publisher.Publisher``: each field as language -> text (a str) or
        lines (a tuple)."""
        found: dict[str, dict[str, object]] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            found[name] = {lang: tuple(v) if isinstance(v := getattr(value, lang), list) else v for lang in LANGUAGES}
        return found


class PublisherError(ValueError):
    pass


def load_publisher(path: Path = DEFAULT_PUBLISHER) -> PublisherConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return PublisherConfig.model_validate(raw if raw is not None else {})
    except (OSError, yaml.YAMLError) as exc:
        raise PublisherError(f"{path}: cannot read the publisher: {type(exc).__name__}") from None
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(map(str, err["loc"])) or "the file"
        raise PublisherError(f"{path}: {where}: {err['msg']}") from None
