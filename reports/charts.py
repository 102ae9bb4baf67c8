"""Charts of the data tool results as PNG bytes with alt text, in English or Cymraeg (matplotlib, Agg, no display).

- ``levels_chart``: share at Level 1/2/3 per key characteristic, officers beside members (and the total), as 100%
  stacked horizontal bars (not a radar: a radar's shape depends on axis order and its area exaggerates).
- ``theme_chart``: a theme's statements as diverging stacked bars (disagree left, neither centred on zero, agree
  right), one bar per group asked.
- ``rates_chart``: response rate per group against its target (bars with a target marker).
- ``national_chart``: councils at each median level per characteristic.

Drawing uses the Agg canvas directly (``FigureCanvasAgg``), never pyplot: no display, no global figure state, and
the process-wide backend is left alone.  A group whose breakdown is withheld (disclosure control) is drawn as a labelled, hatched gap saying why (and the
median where that is shown).  Colours are colour-blind safe: a single-hue blue ramp for the ordered levels and the
ColorBrewer BrBG diverging palette for agree/disagree, with a mid grey for "neither"; every segment is labelled with
its percentage when wide enough, so colour is never the only cue.  Output is deterministic: same data, same bytes
(no timestamp or software name in the PNG, fixed size and fonts, no pyplot global state).
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from flows.model import Side
from flows.questions.categories import Categories
from reports.model import TOTAL, Breakdown, Detail, StatementResult, SurveyReport, ThemeResult
from reports.national import NationalView
from reports.stats import DEFAULT_TARGET_MARGIN, pct, target_rate
from reports.summary import ReportTexts, texts

LEVEL_COLOURS = ("#c6dbef", "#6baed6", "#08519c")  # ColorBrewer Blues: lightness carries the order
AGREE_COLOURS = ("#80cdc1", "#018571")  # ColorBrewer BrBG, from the centre outwards
DISAGREE_COLOURS = ("#dfc27d", "#a6611a")
NEUTRAL_COLOUR = "#d9d9d9"
DARK = {"#08519c", "#018571", "#a6611a", "#0072b2"}
RATE_COLOUR = "#0072b2"  # Okabe-Ito blue
GAP_COLOUR = "#9a9a9a"
DPI = 100
WIDTH = 9.0
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.hashsalt": "datatool",
    "path.simplify": True,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
}


@dataclass(frozen=True)
class Chart:
    name: str  # file stem, e.g. "levels", "theme-vision", "rates"
    title: str
    png: bytes
    alt: str


@dataclass(frozen=True)
class _Segment:
    left: float
    width: float
    colour: str
    label: str = ""


@dataclass(frozen=True)
class _Row:
    label: str
    header: bool = False
    segments: tuple[_Segment, ...] = ()
    gap: str | None = None
    marker: float | None = None  # x of a target marker
    note: str = ""  # text after the bar


@dataclass
class _Layout:
    title: str
    xlabel: str
    xlim: tuple[float, float]
    rows: list[_Row] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, label)
    legend_marker: str | None = None
    centre_line: bool = False
    xticks: Sequence[float] | None = None
    xticklabels: Sequence[str] | None = None
    legend_columns: int = 3


_LOCK = threading.Lock()
"""rc_context changes matplotlib's global settings: one chart at a time (reports are drawn in worker threads)."""


def _render(layout: _Layout) -> bytes:
    with _LOCK, matplotlib.rc_context(RC):
        n = len(layout.rows)
        height = max(2.8, 0.3 * n + 2.0)
        fig = Figure(figsize=(WIDTH, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        ys = list(range(n, 0, -1))
        lo, hi = layout.xlim
        for y, row in zip(ys, layout.rows, strict=True):
            if row.header:
                # A heading row: bold text across the plot, so long statements do not squeeze the bars.
                ax.text(lo, y - 0.05, textwrap.shorten(row.label, 95, placeholder="…"), ha="left", va="center",
                        fontweight="bold", fontsize=9)
                continue
            for seg in row.segments:
                if seg.width <= 0:
                    continue
                ax.barh(y, seg.width, left=seg.left, height=0.72, color=seg.colour, edgecolor="white", linewidth=0.6)
                if seg.label and seg.width >= 7:
                    colour = "white" if seg.colour.lower() in DARK else "black"
                    ax.text(seg.left + seg.width / 2, y, seg.label, ha="center", va="center", fontsize=8, color=colour)
            if row.gap is not None:
                ax.barh(y, hi - lo, left=lo, height=0.72, fill=False, hatch="///", edgecolor="#c8c8c8", linewidth=0)
                ax.text(lo + (hi - lo) * 0.01, y, row.gap, ha="left", va="center", fontsize=8, style="italic",
                        color="#333333", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5})
            if row.marker is not None:
                ax.plot([row.marker, row.marker], [y - 0.42, y + 0.42], color="black", linewidth=2.2)
                ax.plot([row.marker], [y + 0.42], marker="v", color="black", markersize=6)
            if row.note:
                end = max((s.left + s.width for s in row.segments), default=lo)
                ax.text(end + (hi - lo) * 0.01, y, row.note, ha="left", va="center", fontsize=8)
        ax.set_yticks(ys)
        ax.set_yticklabels(["" if r.header else r.label for r in layout.rows])
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(0.4, n + 0.6)
        ax.set_xlim(lo, hi)
        if layout.xticks is not None:
            ax.set_xticks(list(layout.xticks))
            if layout.xticklabels is not None:
                ax.set_xticklabels(list(layout.xticklabels))
        if layout.centre_line:
            ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlabel(layout.xlabel)
        ax.set_title(textwrap.fill(layout.title, 70), loc="left")
        ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        handles: list = [Patch(facecolor=c, edgecolor="#888888", linewidth=0.4, label=lab) for c, lab in layout.legend]
        if layout.legend_marker:
            handles.append(Line2D([0], [0], color="black", linewidth=2.2, label=layout.legend_marker))
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncol=layout.legend_columns, frameon=False,
                       fontsize=8)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
        return buffer.getvalue()


def _gap_text(t: ReportTexts, group: str, b: Breakdown | None, value: str | None) -> str:
    reason = t.reason(b)
    if b is not None and b.detail is Detail.MEDIAN and value:
        reason = f"{reason} — {t('median_label', value=value)}"
    return t("gap_label", group=t.group(group), reason=reason)


# ---- key characteristics ------------------------------------------------------------------------------------------


def _level_segments(b: Breakdown) -> tuple[_Segment, ...]:
    assert b.shares is not None
    left, segments = 0.0, []
    for share, colour in zip(b.shares, LEVEL_COLOURS, strict=False):
        width = float(share) * 100
        segments.append(_Segment(left, width, colour, f"{pct(share)}%"))
        left += width
    return tuple(segments)


def _level_description(t: ReportTexts, group: str, b: Breakdown | None) -> str:
    if b is not None and b.shown and b.shares is not None:
        parts = ", ".join(f"{t.level(i + 1)} {pct(s)}%" for i, s in enumerate(b.shares))
        return f"{t.group(group)}: {parts}"
    return _gap_text(t, group, b, t.level(b.median_level) if b and b.median_level else None)


def _level_layout(t: ReportTexts, name: str) -> _Layout:
    """A 0–100% chart whose legend is Level 1, 2, 3 (titles from the ``<name>_title`` and ``<name>_axis`` texts)."""
    return _Layout(
        title=t(f"{name}_title"),
        xlabel=t(f"{name}_axis"),
        xlim=(0, 100),
        legend=[(c, t.level(i + 1)) for i, c in enumerate(LEVEL_COLOURS)],
    )


def levels_chart(report: SurveyReport, language: str = "en") -> Chart:
    """Share at each level per characteristic, each group a 100% bar; withheld groups as labelled gaps."""
    t = texts(language)
    layout = _level_layout(t, "levels_chart")
    alt = [t("alt_levels")]
    for c in report.characteristics:
        title = c.title.get(language)
        layout.rows.append(_Row(title, header=True))
        parts = []
        for group in (*report.roles, TOTAL):
            b = c.group(group)
            if b is None:
                layout.rows.append(_Row(t.group(group), gap=_gap_text(t, group, None, None)))
            elif b.shown:
                layout.rows.append(_Row(t.group(group), segments=_level_segments(b)))
            else:
                value = t.level(b.median_level) if b.median_level else None
                layout.rows.append(_Row(t.group(group), gap=_gap_text(t, group, b, value)))
            parts.append(_level_description(t, group, b))
        alt.append(f"{title}: " + "; ".join(parts) + ".")
    return Chart("levels", layout.title, _render(layout), " ".join(alt))


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


def _diverging_segments(s: StatementResult, b: Breakdown) -> tuple[_Segment, ...]:
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
        segments.append(_Segment(left, width, colours[category], labels[category]))
        left += width
    return tuple(segments)


def theme_chart(report: SurveyReport, theme: ThemeResult, language: str = "en") -> Chart:
    """A theme's statements as diverging stacked bars, one bar per group asked (and the total where it exists)."""
    t = texts(language)
    title = theme.title.get(language)
    first = theme.statements[0] if theme.statements else None
    scale_labels = (
        {c: lab.get(language) for c, lab in zip(first.categories, first.labels, strict=True)} if first else {}
    )
    colours = _scale_colours(first.categories) if first else {}
    layout = _Layout(
        title=t("theme_chart_title", theme=title),
        xlabel=t("theme_chart_axis"),
        xlim=(-100, 100),
        centre_line=True,
        xticks=(-100, -75, -50, -25, 0, 25, 50, 75, 100),
        xticklabels=("100", "75", "50", "25", "0", "25", "50", "75", "100"),
        legend=[(colours[c], scale_labels.get(c, c)) for c in colours],
    )
    alt = [t("alt_theme", theme=title)]
    for s in theme.statements:
        label = t.statement(s, limit=60)
        layout.rows.append(_Row(label, header=True))
        labels = {c: lab.get(language) for c, lab in zip(s.categories, s.labels, strict=True)}
        groups = [*s.groups, *([TOTAL] if s.total is not None else [])]
        for group in groups:
            b = s.group(group)
            assert b is not None
            if b.shown:
                layout.rows.append(_Row(t.group(group), segments=_diverging_segments(s, b)))
                alt.append(
                    t("alt_statement_row", statement=label, group=t.group(group), agree=pct(b.agree),
                      neutral=pct(b.neutral), disagree=pct(b.disagree)) + "."
                )
            else:
                gap = _gap_text(t, group, b, labels.get(b.median or ""))
                layout.rows.append(_Row(t.group(group), gap=gap))
                alt.append(f"{label}, {gap}.")
    return Chart(f"theme-{theme.section_id}", layout.title, _render(layout), " ".join(alt))


# ---- response rates -----------------------------------------------------------------------------------------------


def rates_chart(report: SurveyReport, language: str = "en", target_margin: float = DEFAULT_TARGET_MARGIN) -> Chart:
    """Percentage responded per group, with a marker at each group's target (``SurveyReport.target_rates``)."""
    t = texts(language)
    layout = _Layout(
        title=t("rates_chart_title"),
        xlabel=t("rates_chart_axis") + " (%)\n" + textwrap.fill(t("rates_chart_target_note"), 90),
        xlim=(0, 115),
        xticks=(0, 20, 40, 60, 80, 100),
        xticklabels=("0", "20", "40", "60", "80", "100"),
        legend=[(RATE_COLOUR, t("rates_chart_axis"))],
        legend_marker=t("rates_chart_target"),
        legend_columns=2,
    )
    alt = [t("alt_rates")]
    goals = report.target_rates(target_margin)
    for r in report.rates:
        goal = goals[r.group]
        width = float(r.rate or 0) * 100
        percent = "–" if r.percentage is None else r.percentage
        note = t("rates_bar_label", percent=percent, received=r.responded, invited=r.invited)
        layout.rows.append(
            _Row(t.group(r.group), segments=(_Segment(0, width, RATE_COLOUR),),
                 marker=None if goal is None else goal * 100, note=note)
        )
        alt.append(
            t("alt_rates_row", group=t.group(r.group), percent=percent, received=r.responded, invited=r.invited,
              target="–" if goal is None else pct(goal)) + "."
        )
    return Chart("rates", layout.title, _render(layout), " ".join(alt))


# ---- national -----------------------------------------------------------------------------------------------------


def national_chart(view: NationalView, language: str = "en") -> Chart:
    """Share of councils at each median level per characteristic (councils without a median left out)."""
    t = texts(language)
    layout = _level_layout(t, "national_chart")
    alt = [t("alt_national")]
    for c in view.characteristics:
        title = c.title.get(language)
        if c.councils == 0:
            layout.rows.append(_Row(title, gap=t("fewer_than_5")))
            alt.append(f"{title}: {t('fewer_than_5')}.")
            continue
        left, segments = 0.0, []
        for i, count in enumerate(c.at_level):
            width = 100 * count / c.councils
            segments.append(_Segment(left, width, LEVEL_COLOURS[i], str(count)))
            left += width
        layout.rows.append(_Row(title, segments=tuple(segments)))
        alt.append(f"{title}: " + ", ".join(f"{t.level(i + 1)} {n}" for i, n in enumerate(c.at_level)) + ".")
    return Chart("national", layout.title, _render(layout), " ".join(alt))


def chart_makers(report: SurveyReport, language: str = "en") -> list[tuple[str, Callable[[], Chart]]]:
    """Every chart of a council report as (name, a function drawing it): rates, levels, then one per theme.  Each is
    drawn on its own, so one chart that fails need not stop the others."""
    return [
        ("rates", lambda: rates_chart(report, language)),
        ("levels", lambda: levels_chart(report, language)),
        *((f"theme-{th.section_id}", lambda th=th: theme_chart(report, th, language)) for th in report.themes),
    ]


def report_charts(report: SurveyReport, language: str = "en") -> list[Chart]:
    """Every chart of a council report: rates, levels, then one per theme."""
    return [draw() for _, draw in chart_makers(report, language)]


__all__ = [
    "Chart",
    "chart_makers",
    "levels_chart",
    "national_chart",
    "rates_chart",
    "report_charts",
    "target_rate",  # from reports.stats, kept importable from here
    "theme_chart",
]
