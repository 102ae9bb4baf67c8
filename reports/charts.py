"""Charts of the data tool results, in English or Cymraeg: each as PNG bytes (the photos posted to Telegram), an
inline SVG (the HTML report), alt text, and the same figures as tables.

- ``levels_chart``: share at Level 1/2/3 per key characteristic, officers beside members (and the total), as 100%
  stacked horizontal bars (not a radar: a radar's shape depends on axis order and its area exaggerates).
- ``theme_chart``: a theme's statements as diverging stacked bars (disagree left, neither centred on zero, agree
  right), one bar per group asked.
- ``rates_chart``: response rate per group against its target (bars with a target marker).
- ``national_chart``: councils at each median level per characteristic.

Each is drawn for a phone's width (the PNG posted to Telegram, and the SVG a phone shows) and again for a desk's
(``Chart.svg_wide``: the report's text width there, where the phone's drawing would be scaled up to twice its size).

This module reads the view-model and lays each chart out as rows (``reports.chart_drawing`` draws them, for a
phone's width).  ``Chart.tables`` hold exactly the figures the chart draws, taken from the very rows it draws, so the
report can offer each chart as a table: a chart alone does not serve people who cannot see it, or cannot read it at
a phone's size.  A group whose breakdown is withheld (disclosure control) is drawn as a labelled, hatched gap saying
why (and the median where that is shown).  Colours are colour-blind safe: a single-hue blue ramp for the ordered
levels and the ColorBrewer BrBG diverging palette for agree/disagree, with a mid grey for "neither"; segments are
labelled with their percentage where it fits, and the table beside the chart has every figure, so colour is never
the only cue.  Same data, same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reports.categories import Categories
from reports.chart_drawing import WIDE, Layout, Row, Segment, inline_svg, render
from reports.model import TOTAL, Breakdown, Detail, StatementResult, SurveyReport, ThemeResult
from reports.national import NationalView
from reports.stats import DEFAULT_TARGET_MARGIN, pct, target_rate
from reports.summary import ReportTexts, texts
from reports.vocabulary import DEFAULT_LANGUAGE, Side

LEVEL_COLOURS = ("#c6dbef", "#6baed6", "#08519c")  # ColorBrewer Blues: lightness carries the order
AGREE_COLOURS = ("#80cdc1", "#018571")  # ColorBrewer BrBG, from the centre outwards
DISAGREE_COLOURS = ("#dfc27d", "#a6611a")
NEUTRAL_COLOUR = "#d9d9d9"
RATE_COLOUR = "#0072b2"  # Okabe-Ito blue


@dataclass(frozen=True)
class TableRow:
    """One row of a chart's table: a group (or characteristic) and its figures, or why it is not shown."""

    label: str
    cells: tuple[str, ...] = ()
    note: str | None = None  # the gap's text, in place of the cells


@dataclass(frozen=True)
class ChartTable:
    caption: str
    columns: tuple[str, ...]  # the row label's column first
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class Chart:
    name: str  # file stem, e.g. "levels", "theme-vision", "rates"
    title: str
    png: bytes
    alt: str
    svg: str  # an inline <svg> element: role="img", named by its <title>, described by its <desc> (the alt)
    tables: tuple[ChartTable, ...]  # the figures the chart draws
    svg_wide: str = ""  # the same chart drawn for a desk's width (class "chart wide"; the page shows one of the two)


def _chart(name: str, layout: Layout, alt: str, tables: Sequence[ChartTable]) -> Chart:
    png, svg = render(layout, name)
    _, wide = render(layout, f"{name}-wide", WIDE, png=False)
    return Chart(
        name,
        layout.title,
        png,
        alt,
        inline_svg(svg, name, layout.title, alt),
        tuple(tables),
        inline_svg(wide, name, layout.title, alt, variant="wide"),
    )


def _gap_text(t: ReportTexts, group: str, b: Breakdown | None, value: str | None) -> str:
    return t("gap_label", group=t.group(group), reason=_gap_reason(t, b, value))


def _gap_reason(t: ReportTexts, b: Breakdown | None, value: str | None) -> str:
    reason = t.reason(b)
    if b is not None and b.detail is Detail.MEDIAN and value:
        reason = f"{reason} — {t('median_label', value=value)}"
    return reason


def _table_row(label: str, row: Row) -> TableRow:
    """A chart row as the table shows it: its segments' figures, in the order drawn, or the gap's text."""
    if row.gap is not None:
        return TableRow(label, note=row.gap)
    return TableRow(label, cells=tuple(s.label for s in row.segments))


# ---- key characteristics ------------------------------------------------------------------------------------------


def _level_segments(b: Breakdown) -> tuple[Segment, ...]:
    assert b.shares is not None
    left, segments = 0.0, []
    for share, colour in zip(b.shares, LEVEL_COLOURS, strict=False):
        width = float(share) * 100
        segments.append(Segment(left, width, colour, f"{pct(share)}%"))
        left += width
    return tuple(segments)


def _level_description(t: ReportTexts, group: str, b: Breakdown | None) -> str:
    if b is not None and b.shown and b.shares is not None:
        parts = ", ".join(f"{t.level(i + 1)} {pct(s)}%" for i, s in enumerate(b.shares))
        return f"{t.group(group)}: {parts}"
    return _gap_text(t, group, b, t.level(b.median_level) if b and b.median_level else None)


def _level_layout(t: ReportTexts, name: str) -> Layout:
    """A 0–100% chart whose legend is Level 1, 2, 3 (titles from the ``<name>_title`` and ``<name>_axis`` texts)."""
    return Layout(
        title=t(f"{name}_title"),
        xlabel=t(f"{name}_axis"),
        xlim=(0, 100),
        legend=[(c, t.level(i + 1)) for i, c in enumerate(LEVEL_COLOURS)],
    )


def _levels(t: ReportTexts) -> tuple[str, ...]:
    return tuple(t.level(i + 1) for i in range(len(LEVEL_COLOURS)))


def levels_chart(report: SurveyReport, language: str = DEFAULT_LANGUAGE) -> Chart:
    """Share at each level per characteristic, each group a 100% bar; withheld groups as labelled gaps."""
    t = texts(language)
    layout = _level_layout(t, "levels_chart")
    alt = [t("alt_levels")]
    tables = []
    for c in report.characteristics:
        title = c.title.get(language)
        layout.rows.append(Row(title, header=True))
        parts, rows = [], []
        for group in (*report.roles, TOTAL):
            b = c.group(group)
            if b is not None and b.shown:
                row = Row(t.short(group), segments=_level_segments(b))
            else:
                value = t.level(b.median_level) if b is not None and b.median_level else None
                row = Row(t.short(group), gap=_gap_reason(t, b, value))
            layout.rows.append(row)
            rows.append(_table_row(t.group(group), row))
            parts.append(_level_description(t, group, b))
        alt.append(f"{title}: " + "; ".join(parts) + ".")
        tables.append(ChartTable(title, (t("col_group"), *_levels(t)), tuple(rows)))
    return _chart("levels", layout, " ".join(alt), tables)


# ---- theme statements ---------------------------------------------------------------------------------------------


def _ranked(categories: Categories) -> list[str]:
    """A scale's points from the least to the most favourable (strongly disagree ... strongly agree): left to right."""
    return [categories[i] for i in categories.ranking]


def _shade(index: int, count: int, palette: Sequence[str]) -> str:
    """The colour of the index-th of count points on one side, from the centre outwards (darker further out)."""
    return palette[-1] if count == 1 else palette[round(index * (len(palette) - 1) / (count - 1))]


def _scale_colours(categories: Categories) -> dict[str, str]:
    """Each point's colour by its side (declared in the questionnaire): BrBG, darker towards either end; neutral
    points (and points of a scale without sides) grey."""
    ranked = _ranked(categories)
    colours = dict.fromkeys(ranked, NEUTRAL_COLOUR)
    agree = [c for c in ranked if categories.sides.get(c) is Side.AGREE]
    disagree = [c for c in reversed(ranked) if categories.sides.get(c) is Side.DISAGREE]
    for points, palette in ((agree, AGREE_COLOURS), (disagree, DISAGREE_COLOURS)):
        for i, c in enumerate(points):
            colours[c] = _shade(i, len(points), palette)
    return colours


def _diverging_segments(s: StatementResult, b: Breakdown) -> tuple[Segment, ...]:
    """Disagreeing points left of zero, the neutral ones centred on it, agreeing ones right of it."""
    assert b.shares is not None
    categories = s.categories
    shares = {c: float(v) * 100 for c, v in zip(categories, b.shares, strict=True)}
    labels = {c: f"{pct(v)}%" for c, v in zip(categories, b.shares, strict=True)}
    neutral = sum(shares[c] for c in categories if categories.sides.get(c, Side.NEUTRAL) is Side.NEUTRAL)
    left = neutral / 2
    for c in categories.on_side(Side.DISAGREE):
        left += shares[c]
    left = -left
    colours = _scale_colours(categories)
    segments = []
    for category in _ranked(categories):
        width = shares[category]
        segments.append(Segment(left, width, colours[category], labels[category]))
        left += width
    return tuple(segments)


def theme_chart(report: SurveyReport, theme: ThemeResult, language: str = DEFAULT_LANGUAGE) -> Chart:
    """A theme's statements as diverging stacked bars, one bar per group asked (and the total where it exists)."""
    t = texts(language)
    title = theme.title.get(language)
    first = theme.statements[0] if theme.statements else None
    scale_labels = (
        {c: lab.get(language) for c, lab in zip(first.categories, first.labels, strict=True)} if first else {}
    )
    colours = _scale_colours(first.categories) if first else {}
    layout = Layout(
        title=t("theme_chart_title", theme=title),
        xlabel=t("theme_chart_axis"),
        xlim=(-100, 100),
        centre_line=True,
        xticks=(-100, -50, 0, 50, 100),
        xticklabels=("100", "50", "0", "50", "100"),
        legend=[(colours[c], scale_labels.get(c, c)) for c in colours],
    )
    alt = [t("alt_theme", theme=title)]
    tables = []
    for s in theme.statements:
        label = t.statement(s, limit=60)
        layout.rows.append(Row(label, header=True))
        labels = {c: lab.get(language) for c, lab in zip(s.categories, s.labels, strict=True)}
        groups = [*s.groups, *([TOTAL] if s.total is not None else [])]
        rows = []
        for group in groups:
            b = s.group(group)
            assert b is not None
            if b.shown:
                row = Row(t.short(group), segments=_diverging_segments(s, b))
                alt.append(
                    t(
                        "alt_statement_row",
                        statement=label,
                        group=t.group(group),
                        agree=pct(b.agree),
                        neutral=pct(b.neutral),
                        disagree=pct(b.disagree),
                    )
                    + "."
                )
            else:
                row = Row(t.short(group), gap=_gap_reason(t, b, labels.get(b.median or "")))
                alt.append(f"{label}, {_gap_text(t, group, b, labels.get(b.median or ''))}.")
            layout.rows.append(row)
            rows.append(_table_row(t.group(group), row))
        columns = (t("col_group"), *(labels[c] for c in _ranked(s.categories)))
        tables.append(ChartTable(label, columns, tuple(rows)))
    return _chart(f"theme-{theme.section_id}", layout, " ".join(alt), tables)


# ---- response rates -----------------------------------------------------------------------------------------------


def rates_chart(
    report: SurveyReport, language: str = DEFAULT_LANGUAGE, target_margin: float = DEFAULT_TARGET_MARGIN
) -> Chart:
    """Percentage responded per group, with a marker at each group's target (``SurveyReport.target_rates``).  Each
    group's figures are written above its bar, across the width, so they never run off a narrow chart."""
    t = texts(language)
    layout = Layout(
        title=t("rates_chart_title"),
        xlabel=t("rates_chart_axis") + " (%)\n" + t("rates_chart_target_note"),
        xlim=(0, 100),
        xticks=(0, 20, 40, 60, 80, 100),
        xticklabels=("0", "20", "40", "60", "80", "100"),
        legend=[(RATE_COLOUR, t("rates_chart_axis"))],
        legend_marker=t("rates_chart_target"),
    )
    alt = [t("alt_rates")]
    rows = []
    goals = report.target_rates(target_margin)
    for r in report.rates:
        goal = goals[r.group]
        width = float(r.rate or 0) * 100
        percent = "–" if r.percentage is None else r.percentage
        target = "–" if goal is None else pct(goal)
        note = t("rates_bar_label", percent=percent, received=r.responded, invited=r.invited)
        layout.rows.append(Row(t("gap_label", group=t.group(r.group), reason=note), header=True, bold=False))
        layout.rows.append(
            Row("", segments=(Segment(0, width, RATE_COLOUR),), marker=None if goal is None else goal * 100)
        )
        rows.append(
            TableRow(
                t.group(r.group),
                (f"{percent}%", str(r.responded), str(r.invited), "–" if goal is None else f"{target}%"),
            )
        )
        alt.append(
            t(
                "alt_rates_row",
                group=t.group(r.group),
                percent=percent,
                received=r.responded,
                invited=r.invited,
                target=target,
            )
            + "."
        )
    columns = (t("col_recipients"), t("col_percentage"), t("col_received"), t("col_invited"), t("rates_chart_target"))
    return _chart("rates", layout, " ".join(alt), [ChartTable(layout.title, columns, tuple(rows))])


# ---- national -----------------------------------------------------------------------------------------------------


def national_chart(view: NationalView, language: str = DEFAULT_LANGUAGE) -> Chart:
    """Share of councils at each median level per characteristic (councils without a median left out); each bar
    labelled with the number of councils, the characteristic written above it."""
    t = texts(language)
    layout = _level_layout(t, "national_chart")
    alt = [t("alt_national")]
    rows = []
    for c in view.characteristics:
        title = c.title.get(language)
        layout.rows.append(Row(title, header=True, bold=False))
        if c.councils == 0:
            row = Row("", gap=t("fewer_than_5"))
            alt.append(f"{title}: {t('fewer_than_5')}.")
        else:
            left, segments = 0.0, []
            for i, count in enumerate(c.at_level):
                width = 100 * count / c.councils
                segments.append(Segment(left, width, LEVEL_COLOURS[i], str(count)))
                left += width
            row = Row("", segments=tuple(segments))
            alt.append(f"{title}: " + ", ".join(f"{t.level(i + 1)} {n}" for i, n in enumerate(c.at_level)) + ".")
        layout.rows.append(row)
        rows.append(_table_row(title, row))
    columns = (t("col_characteristic"), *(t("col_councils_at_level", n=i + 1) for i in range(len(LEVEL_COLOURS))))
    return _chart("national", layout, " ".join(alt), [ChartTable(layout.title, columns, tuple(rows))])


def chart_makers(report: SurveyReport, language: str = DEFAULT_LANGUAGE) -> list[tuple[str, Callable[[], Chart]]]:
    """Every chart of a council report as (name, a function drawing it): rates, levels, then one per theme.  Each is
    drawn on its own, so one chart that fails need not stop the others."""
    return [
        ("rates", lambda: rates_chart(report, language)),
        ("levels", lambda: levels_chart(report, language)),
        *((f"theme-{th.section_id}", lambda th=th: theme_chart(report, th, language)) for th in report.themes),
    ]


def report_charts(report: SurveyReport, language: str = DEFAULT_LANGUAGE) -> list[Chart]:
    """Every chart of a council report: rates, levels, then one per theme."""
    return [draw() for _, draw in chart_makers(report, language)]


__all__ = [
    "Chart",
    "ChartTable",
    "TableRow",
    "chart_makers",
    "levels_chart",
    "national_chart",
    "rates_chart",
    "report_charts",
    "target_rate",  # from reports.stats, kept importable from here
    "theme_chart",
]
