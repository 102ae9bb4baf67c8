"""The report texts and the templates' environment, shared by every output of ``reports``: the chat summary
(``reports.summary``), the findings (``reports.findings``), the HTML report, the comparisons and the early/late
partial.

The texts (headings, captions, caveats, chart labels, findings) in English and Cymraeg live in ``i18n_reports.yaml``,
``i18n_comparisons.yaml`` (position among the councils, change since the previous round, good practice),
``i18n_early_late.yaml`` and ``i18n_findings.yaml`` (the sentences of the findings); ``texts(language)`` serves the
keys of all of them (a key in two files is an error, so no file can silently override another).  They lived in
``reports.summary`` until the summary came to lead with the findings, which need the texts themselves: here, both
import them without an import cycle (``reports.summary`` still re-exports every name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from functools import cache

from jinja2 import Environment, FunctionLoader, StrictUndefined
from markupsafe import Markup

from reports import resources
from reports.catalogues import parse_texts
from reports.model import Breakdown, Detail, Reason, StatementResult, SurveyReport
from reports.plain_text import clean_cell, truncate
from reports.vocabulary import DEFAULT_LANGUAGE, LANGUAGES

__all__ = [
    "COMPARISON_TEXTS_FILE",
    "EARLY_LATE_TEXTS_FILE",
    "FINDINGS_TEXTS_FILE",
    "LANGUAGES",
    "MAX_STATEMENT",
    "TEXTS_FILE",
    "TEXT_FILES",
    "ReportTexts",
    "all_entries",
    "names_text",
    "entries_from",
    "load_entries",
    "merged_entries",
    "missing_translations",
    "shorten",
    "template_environment",
    "texts",
]

TEXTS_FILE = "i18n_reports.yaml"
COMPARISON_TEXTS_FILE = "i18n_comparisons.yaml"
EARLY_LATE_TEXTS_FILE = "i18n_early_late.yaml"  # reports.early_late
FINDINGS_TEXTS_FILE = "i18n_findings.yaml"  # reports.findings
TEXT_FILES = (TEXTS_FILE, COMPARISON_TEXTS_FILE, EARLY_LATE_TEXTS_FILE, FINDINGS_TEXTS_FILE)
"""The report texts files of the package, read through ``reports.resources`` when first needed."""
MAX_STATEMENT = 80


# ---- report texts -------------------------------------------------------------------------------------------------


def entries_from(text: str, where: str) -> dict[str, dict[str, object]]:
    """The entries of a report texts file given as YAML ``text`` (``where`` names it in the error)."""
    raw = parse_texts(text, where, "text keys")
    return {str(k): dict(v) if isinstance(v, dict) else {} for k, v in raw.items()}


@cache
def load_entries(name: str = TEXTS_FILE) -> dict[str, dict[str, object]]:
    """The entries of the package's report texts file ``name``."""
    return entries_from(resources.text(name), f"reports/{name}")


def merged_entries(files: Iterable[tuple[str, Mapping[str, dict[str, object]]]]) -> dict[str, dict[str, object]]:
    """The keys of several text files (name, entries), together; ValueError when two files define the same key."""
    merged: dict[str, dict[str, object]] = {}
    for name, entries in files:
        if clash := sorted(set(entries) & set(merged)):
            raise ValueError(f"{name}: key(s) already defined in another report text file: {', '.join(clash)}")
        merged.update(entries)
    return merged


@cache
def all_entries(names: tuple[str, ...] = TEXT_FILES) -> dict[str, dict[str, object]]:
    """The keys of every text file of the package, together; ValueError when two files define the same key."""
    return merged_entries((name, load_entries(name)) for name in names)


def missing_translations(
    entries: str | Mapping[str, dict[str, object]] = TEXTS_FILE, languages: tuple[str, ...] = LANGUAGES
) -> list[tuple[str, str]]:
    """(key, language) pairs without a text, in a file of the package (its name) or in ``entries``: must be empty."""
    if isinstance(entries, str):
        entries = load_entries(entries)
    missing = []
    for key, entry in entries.items():
        for lang in languages:
            value = entry.get(lang)
            empty = not value or (isinstance(value, str) and not value.strip())
            if isinstance(value, list):
                empty = not value or any(not str(v).strip() for v in value)
            if empty:
                missing.append((key, lang))
    return missing


def shorten(text: str, limit: int) -> str:
    return truncate(" ".join(text.split()), limit)


class ReportTexts:
    """The report texts in one language; ``t("key", name=value)`` fills {placeholders} (plain text, not HTML)."""

    def __init__(self, entries: Mapping[str, Mapping[str, object]], language: str):
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self.entries = entries
        self.language = language

    def raw(self, key: str) -> object:
        entry = self.entries[key]
        return entry.get(self.language) or entry[DEFAULT_LANGUAGE]

    def __call__(self, key: str, **params: object) -> str:
        value = self.raw(key)
        return str(value).format(**params) if params else str(value)

    def group(self, name: str) -> str:
        return self(f"group_{name}")

    def short(self, name: str) -> str:
        return self(f"short_{name}")

    def level(self, n: int | None) -> str:
        return "–" if n is None else self("level", n=n)

    def statement(self, statement: StatementResult, limit: int = MAX_STATEMENT) -> str:
        key = f"stmt_{statement.question_id}"
        if key in self.entries:
            return self(key)
        return shorten(statement.text.get(self.language), limit)

    def date(self, value: date) -> str:
        months = self.raw("months")
        assert isinstance(months, list)
        return f"{value.day} {months[value.month - 1]} {value.year}"

    def fieldwork(self, report: SurveyReport) -> str | None:
        if report.opens_on and report.closes_on:
            return self("fieldwork", opens=self.date(report.opens_on), closes=self.date(report.closes_on))
        if report.opens_on:
            return self("fieldwork_from", opens=self.date(report.opens_on))
        return None

    def reason(self, b: Breakdown | None) -> str:
        """Why a breakdown is not shown in full ("" when it is)."""
        if b is None:
            return self("not_asked")
        if b.reason is Reason.FEWER_THAN_5:
            return self("fewer_than_5")
        if b.reason is Reason.FEWER_THAN_8:
            return self("median_only")
        if b.reason is Reason.PROTECTS_OTHER:
            return self("protects_other_hidden" if b.detail is Detail.HIDDEN else "protects_other")
        if b.reason is Reason.PROTECTS_HIDDEN:
            return self("protects_hidden_all" if b.detail is Detail.HIDDEN else "protects_hidden")
        return ""


@cache
def texts(language: str) -> ReportTexts:
    return ReportTexts(all_entries(), language)


def _finalize(value: object) -> object:
    """Every value a template prints, cleaned (``reports.plain_text.clean_cell``: no control characters, no lone
    surrogates), so typed text can never make a report unwritable; markup (a macro's output, a joined list) stays
    markup, cleaned the same way."""
    if isinstance(value, Markup):
        return Markup(clean_cell(str(value)))
    return clean_cell(value)


@cache
def template_environment() -> Environment:
    """Jinja2 for every report template: autoescaping always on, undefined names are errors, every printed value
    cleaned of control characters."""
    return Environment(
        loader=FunctionLoader(resources.template),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        finalize=_finalize,
    )


def names_text(t: ReportTexts, names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    last = names[-1]
    joiner = (
        t("cmp_and_vowel") if last[:1].casefold() in "aeiouwyâêîôûŵŷ" else t("cmp_and")
    )  # Welsh "ac Arweinyddiaeth"
    return t("cmp_list_comma").join(names[:-1]) + joiner + last
