"""The Telegram summary of a council's data tool results (one message, HTML parse mode).

``render_summary(report, language)`` reads only the view-model (``reports.model``) and returns Telegram HTML
(tags b and i only; every value escaped by the template's autoescaping) whose visible text is at most 4096
characters.  It leads with the key findings (``reports.findings.key_findings``: the five strongest, in words), then
the response rates in the report's columns with margins, one line per key characteristic with the median level per
group and a "divided" marker, the themes' headline (share agreeing per statement; a statement asked of the groups in
different words shows each group's share, never a pooled one) and an INTERIM label;
and, when the report carries its comparisons (``SurveyReport.comparison``), a line on the position among the other
councils of the round (aggregates only: never another council's name or figure) and a line on the change since the
council's previous round (only changes beyond the margin of error are named), just above the footer.
A figure withheld so that a group of fewer than 5 cannot be worked out is marked † and explained in a note.
When a long authority name or a long questionnaire would overflow, the themes are shortened, then left out, then
four and then three findings are kept, then whole lines are dropped from the end (each line is balanced HTML on its
own, so the result always parses, and the findings, at the top, stay).

The report texts (``texts(language)``, the text files, the templates' environment) live in ``reports.texts`` and
are re-exported here, where they used to be.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from markupsafe import escape

from reports.comparison import position_summary
from reports.findings import Finding, key_findings
from reports.model import (
    TOTAL,
    WEIGHTED,
    Breakdown,
    CharacteristicResult,
    Detail,
    GroupChange,
    Movement,
    Reason,
    StatementResult,
    SurveyReport,
)
from reports.stats import pct
from reports.texts import (  # re-exported (__all__): the report texts lived here before reports.texts
    COMPARISON_TEXTS_FILE,
    EARLY_LATE_TEXTS_FILE,
    FINDINGS_TEXTS_FILE,
    LANGUAGES,
    MAX_STATEMENT,
    TEXT_FILES,
    TEXTS_FILE,
    ReportTexts,
    all_entries,
    entries_from,
    load_entries,
    merged_entries,
    missing_translations,
    shorten,
    template_environment,
    texts,
)
from reports.vocabulary import DEFAULT_LANGUAGE

__all__ = [
    "COMPARISON_TEXTS_FILE",
    "EARLY_LATE_TEXTS_FILE",
    "FINDINGS_TEXTS_FILE",
    "KEY_FINDINGS",
    "LANGUAGES",
    "MAX_AUTHORITY",
    "MAX_MESSAGE",
    "MAX_STATEMENT",
    "PROTECTED",
    "TEXTS_FILE",
    "TEXT_FILES",
    "ReportTexts",
    "all_entries",
    "characteristic_cells",
    "comparison_lines",
    "entries_from",
    "load_entries",
    "merged_entries",
    "missing_translations",
    "render_summary",
    "shorten",
    "statement_line",
    "template_environment",
    "texts",
    "visible_length",
]

MAX_MESSAGE = 4096
MAX_AUTHORITY = 100
KEY_FINDINGS = (5, 4, 3)
"""The summary leads with the five strongest findings; four, then three, when the message would overflow."""


# ---- the Telegram summary -----------------------------------------------------------------------------------------

_TAG = re.compile(r"</?[a-z]+(?:\s[^<>]*)?>", re.IGNORECASE)


def visible_length(message: str) -> int:
    """Length of a Telegram HTML message after entity parsing, in UTF-16 code units (how Telegram counts)."""
    text = html.unescape(_TAG.sub("", message))
    return len(text.encode("utf-16-le")) // 2


PROTECTED = "†"
"""Marks a figure the summary would show but withholds so that a group of fewer than 5 cannot be worked out (a
group's median withheld beside the total, a total's share of those agreeing); the summary then explains it."""


def _hidden_cell(b: Breakdown) -> str:
    return "<5" if b.reason is Reason.FEWER_THAN_5 else PROTECTED


def _level_cell(b: Breakdown | None) -> str:
    """A characteristic's median level (the summary never shows its shares, so a total reduced to its median shows
    just that)."""
    if b is None:
        return "–"
    if b.detail is Detail.HIDDEN:
        return _hidden_cell(b)
    level = b.median_level
    cell = "–" if level is None else str(level)
    return cell + ("↔" if b.divided else "")


def _agree_cell(b: Breakdown | None, t: ReportTexts, labels: dict[str, str]) -> str:
    if b is None:
        return "–"
    if b.detail is Detail.HIDDEN:
        return _hidden_cell(b)
    if b.detail is Detail.MEDIAN:
        mark = PROTECTED if b.reason is Reason.PROTECTS_HIDDEN else ""
        return t("median_label", value=labels.get(b.median or "", "–")) + mark
    return f"{pct(b.agree)}%"


def characteristic_cells(c: CharacteristicResult, t: ReportTexts, roles: tuple[str, ...]) -> list[str]:
    cells = [f"{t.short(r)} {_level_cell(c.groups.get(r))}" for r in roles]
    cells.append(f"{t.short(TOTAL)} {_level_cell(c.total)}")
    if c.weighted is not None:
        cells.append(f"{t.short(WEIGHTED)} {_level_cell(c.weighted)}")
    return cells


def statement_line(s: StatementResult, t: ReportTexts, detail: bool) -> str:
    labels = {c: label.get(t.language) for c, label in zip(s.categories, s.labels, strict=True)}
    label = t.statement(s)
    if s.total is not None:
        line = f"{label}: {_agree_cell(s.total, t, labels)}"
        if detail:
            parts = ", ".join(f"{t.short(r)} {_agree_cell(b, t, labels)}" for r, b in s.groups.items())
            line += f" ({parts})"
        return line
    if len(s.groups) > 1:  # asked of every group in different words: each group's own figure, never a pooled one
        parts = ", ".join(f"{t.short(r)} {_agree_cell(b, t, labels)}" for r, b in s.groups.items())
        return f"{label}: {parts} ({t('sum_reworded')})"
    parts = ", ".join(f"{_agree_cell(b, t, labels)} ({t('only_group', group=t.short(r))})" for r, b in s.groups.items())
    return f"{label}: {parts}"


_MOVED = (Movement.UP, Movement.DOWN, Movement.MIXED)
_NOT_COMPARED = (Movement.MEDIANS_ONLY, Movement.WITHHELD, Movement.NOT_ASKED)


def _moved_detail(g: GroupChange, t: ReportTexts) -> str:
    """ "Level 1 → Level 2" when the median moved, else the share that did ("Level 2 or above 20% → 45%")."""
    if g.then_level != g.now_level:
        return f"{t.level(g.then_level)} → {t.level(g.now_level)}"
    return "; ".join(
        f"{t(f'cmp_share_from_{s.from_level}')} {pct(s.then)}% → {pct(s.now)}%" for s in g.shares if s.detected
    )


def comparison_lines(report: SurveyReport, t: ReportTexts) -> list[str]:
    """At most two lines of Telegram HTML (each balanced on its own; every value escaped): the council among the
    other councils of its round, and the change since its previous round (Totals).  [] without comparisons."""
    comparison = report.comparison
    if comparison is None:
        return []
    lines = []
    authority = shorten(report.authority_name(t.language), MAX_AUTHORITY)
    p = comparison.position
    if p is not None:  # each group beside the same group elsewhere, in words (reports.comparison, issue 22 item 5)
        head, text = position_summary(p, t, authority)
        lines.append(f"<b>{escape(head)}</b>: {escape(text)}")
    change = comparison.change
    if change is not None:
        rates = next((r for r in change.rates if r.group == TOTAL), None)
        head = t("cmp_summary_change_head", previous=change.previous_round or t("cmp_previous_unnamed"))
        if rates is not None and rates.then is not None and rates.now is not None:
            head += " " + t("cmp_summary_responses", then=rates.then.responded, now=rates.now.responded)
        totals = [(c.title.get(t.language), c.total) for c in change.characteristics if c.total is not None]
        moved = [
            t(
                "cmp_summary_moved",
                characteristic=title,
                direction=t(f"cmp_movement_{g.movement.value}"),
                detail=_moved_detail(g, t),
            )
            for title, g in totals
            if g.movement in _MOVED
        ]
        steady = sum(1 for _, g in totals if g.movement is Movement.NONE)
        untested = sum(1 for _, g in totals if g.movement in _NOT_COMPARED)
        parts = []
        if moved:
            parts.append(", ".join(moved) + (t("cmp_summary_elsewhere") if steady else ""))
        elif steady:
            parts.append(t("cmp_movement_none"))
        if untested:
            parts.append(t("cmp_summary_not_compared", count=untested))
        lines.append(f"<b>{escape(head)}</b>: {escape('; '.join(parts) or t('cmp_none'))}")
    return lines


def _render(report: SurveyReport, language: str, theme_mode: str, findings: Sequence[Finding] = ()) -> str:
    t = texts(language)
    template = template_environment().get_template("summary.html.j2")
    margin_cells = {r.group: "" if r.margin_points is None else f"(±{r.margin_points})" for r in report.rates}
    characteristics = [
        (c.title.get(language), characteristic_cells(c, t, report.roles)) for c in report.characteristics
    ]
    themes = [
        (th.title.get(language), [statement_line(s, t, theme_mode == "full") for s in th.statements])
        for th in report.themes
    ]
    protected = any(PROTECTED in cell for _, cells in characteristics for cell in cells) or (
        theme_mode != "omit" and any(PROTECTED in line for _, lines in themes for line in lines)
    )
    text = template.render(
        t=t,
        lang=language,
        authority=shorten(report.authority_name(language), MAX_AUTHORITY),
        interim=report.interim,
        fieldwork=t.fieldwork(report),
        rates=report.rates,
        margin_cells=margin_cells,
        characteristics=characteristics,
        themes=themes,
        theme_mode=theme_mode,
        protected=protected,
        findings=[f.text[language] for f in findings],
    )
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    text = f"<b>⚠️ {escape(t('demonstration'))}</b>\n{text}" if report.demonstration else text  # E: invented data
    if extra := comparison_lines(report, t):
        body, _, footer = text.rpartition("\n\n")  # the footer is the last paragraph: the comparisons go above it
        text = "\n\n".join((body, "\n".join(extra), footer))
    return text


def render_summary(report: SurveyReport, language: str = DEFAULT_LANGUAGE, limit: int = MAX_MESSAGE) -> str:
    """Telegram HTML for one message, at most ``limit`` visible characters, in ``language`` ("en" or "cy"), leading
    with the strongest findings (``reports.findings``: five, or four or three when the message would overflow)."""
    strongest = key_findings(report, KEY_FINDINGS[0])
    attempts = [(mode, KEY_FINDINGS[0]) for mode in ("full", "headline", "omit")]
    attempts += [("omit", n) for n in KEY_FINDINGS[1:]]
    for mode, n in attempts:
        message = _render(report, language, mode, strongest[:n])
        if visible_length(message) <= limit:
            return message
    # Last resort (a questionnaire far longer than the shipped ones): drop whole lines from the end.
    lines = message.split("\n")
    while lines and visible_length("\n".join(lines)) > limit:
        lines.pop()
    return "\n".join(lines).strip()
