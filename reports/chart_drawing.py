"""Drawing the report's charts with matplotlib: a layout of rows (``Layout``) to PNG bytes and an inline SVG element.

``reports.charts`` turns the view-model into a ``Layout`` (and the tables that go with it); this module only draws.
Every chart is drawn for a phone's width (Telegram shows a photo at the phone's width, and the HTML report is read
on phones): 4 inches wide, headings (a characteristic, a statement) across the whole width above their bars,
wrapped by the measured width of their text, a gap's reason wrapped to the plot, a percentage written in its
segment only where it fits (measured against the axes as laid out), in black or white, whichever contrasts more.
Its smallest text is 9.5 pt, 12 px on a 390 px phone, as large as the report's smallest text.  The HTML report also
gets a drawing for a desk (``WIDE``, SVG only), which spans the text's width there at about the size of the text.

The SVG keeps its text as text (``svg.fonttype`` none: sharp at any zoom, found by search), scales by its viewBox,
and is made an element for an HTML page by ``inline_svg``: ``role="img"``, named by a ``<title>``, described by a
``<desc>`` holding the alt text.  Drawing uses the Agg canvas directly (``FigureCanvasAgg``), never pyplot: no
display, no global figure state, and the process-wide backend is left alone.  Output is deterministic: same layout,
same bytes (no timestamp or software name in the PNG or SVG, fixed size and fonts, the SVG's ids salted with the
chart's name, so that no two charts of a page share one).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib
from markupsafe import escape
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.textpath import TextToPath
from matplotlib.transforms import blended_transform_factory

FONT = "DejaVu Sans"
WIDTH = 4.0  # inches: 288 pt, shown at 1.0–1.7 times that size on a phone (the report caps it at 30rem there)
WIDE = 9.5  # inches: the drawing for a desk, shown across the report's text width (about 60rem: 1.4 times its size)
PNG_DPI = 200  # 800 px wide: sharp on a phone's screen in Telegram
ROW = 0.3  # inches per bar row
MARGIN = 6.0  # points left free at either side of the figure
SIZE = 10.0  # axis labels and group names
HEADING_SIZE = 10.0  # a characteristic or statement above its bars
SEGMENT_SIZE = 9.5  # a percentage in its segment: 12 px on a 390 px phone, the report's smallest text
GAP_SIZE = 9.5  # why a group is not shown
TITLE_SIZE = 12.0
LEGEND_SIZE = 9.5
RC = {
    "font.family": FONT,
    "font.size": SIZE,
    "svg.fonttype": "none",  # text stays text in the SVG
    "path.simplify": True,
}
SVG_FONTS = f"'{FONT}', Verdana, Arial, sans-serif"
"""The SVG's text is set by the reader's browser: DejaVu Sans where installed, else fonts as wide or narrower."""


@dataclass(frozen=True)
class Segment:
    left: float
    width: float
    colour: str
    label: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    header: bool = False
    bold: bool = True  # a header's weight
    segments: tuple[Segment, ...] = ()
    gap: str | None = None  # why the group is not shown (the y label names the group)
    marker: float | None = None  # x of a target marker


@dataclass
class Layout:
    title: str
    xlabel: str
    xlim: tuple[float, float]
    rows: list[Row] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, label)
    legend_marker: str | None = None
    centre_line: bool = False
    xticks: Sequence[float] | None = None
    xticklabels: Sequence[str] | None = None


_LOCK = threading.Lock()
"""rc_context changes matplotlib's global settings: one chart at a time (reports are drawn in worker threads)."""

_MEASURE = TextToPath()


@lru_cache(maxsize=4096)
def _text_width(text: str, size: float, weight: str = "normal", style: str = "normal") -> float:
    """The width of one line of text in points, as matplotlib sets it in the chart's font."""
    prop = FontProperties(family=FONT, size=size, weight=weight, style=style)
    return _MEASURE.get_text_width_height_descent(text, prop, ismath=False)[0]


def _wrap(text: str, width: float, size: float, weight: str = "normal", style: str = "normal") -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` points (a single longer word keeps its line)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and _text_width(candidate, size, weight, style) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _luminance(colour: str) -> float:
    """WCAG relative luminance."""
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _ink(background: str) -> str:
    """Black or white text, whichever contrasts more with ``background``."""
    lum = _luminance(background)
    return "white" if (1.05 / (lum + 0.05)) > ((lum + 0.05) / 0.05) else "black"


def _header_height(lines: int) -> float:
    return 0.25 + 0.62 * lines  # rows: a 10 pt line takes 0.62 of a 0.3-inch row


def _bar_height(lines: int) -> float:
    return max(1.0, 0.3 + 0.55 * lines)


def render(layout: Layout, name: str, width: float = WIDTH, png: bool = True) -> tuple[bytes, str]:
    """The layout drawn once, ``width`` inches wide, saved as PNG (unless ``png`` is False: b"") and as an SVG
    document (ids salted with ``name``: unique in a page)."""
    with _LOCK, matplotlib.rc_context({**RC, "svg.hashsalt": f"datatool-{name}"}):
        full = width * 72 - 2 * MARGIN
        label_width = max((_text_width(r.label, SIZE) for r in layout.rows if not r.header and r.label), default=0.0)
        plot = full - label_width - (16 if label_width else 8)  # the axes' width, near enough for wrapping a gap's text
        placed: list[tuple[Row, list[str], float]] = []  # row, its wrapped lines, its height in rows
        for row in layout.rows:
            if row.header:
                lines = _wrap(row.label, full, HEADING_SIZE, "bold" if row.bold else "normal")
                placed.append((row, lines, _header_height(len(lines))))
            elif row.gap is not None:
                lines = _wrap(row.gap, plot - 12, GAP_SIZE, style="italic")
                placed.append((row, lines, _bar_height(len(lines))))
            else:
                placed.append((row, [], 1.0))
        total = sum(h for _, _, h in placed) or 1.0
        title = _wrap(layout.title, full, TITLE_SIZE, "bold")
        xlabel = _wrap(layout.xlabel, plot, SIZE)  # centred under the axes
        legend_labels = [label for _, label in layout.legend] + ([layout.legend_marker] if layout.legend_marker else [])
        widest = max((_text_width(label, LEGEND_SIZE) for label in legend_labels), default=0.0) + 34
        columns = max(1, min(len(legend_labels), int(full // widest)))
        legend_lines = -(-len(legend_labels) // columns) if legend_labels else 0
        height = total * ROW + 0.22 * len(title) + 0.17 * len(xlabel) + 0.2 * legend_lines + 0.5
        fig = Figure(figsize=(width, height), dpi=72, layout="constrained")
        fig.get_layout_engine().set(w_pad=MARGIN / 72, h_pad=4 / 72)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        lo, hi = layout.xlim
        across = blended_transform_factory(fig.transFigure, ax.transData)  # x from the figure's edge, y in rows
        ys, labelled, top = [], [], total
        for row, lines, h in placed:
            y = top - h / 2
            top -= h
            if row.header:
                # A heading across the whole figure, above its bars: long statements never squeeze the bars.
                ax.text(
                    MARGIN / (width * 72),
                    y,
                    "\n".join(lines),
                    transform=across,
                    ha="left",
                    va="center",
                    fontweight="bold" if row.bold else "normal",
                    fontsize=HEADING_SIZE,
                    in_layout=False,
                    linespacing=1.15,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
                )
                continue
            ys.append(y)
            labelled.append(row.label)
            for seg in row.segments:
                if seg.width > 0:
                    ax.barh(
                        y, seg.width, left=seg.left, height=0.72, color=seg.colour, edgecolor="white", linewidth=0.6
                    )
            if row.gap is not None:
                ax.barh(
                    y, hi - lo, left=lo, height=h - 0.28, fill=False, hatch="///", edgecolor="#c8c8c8", linewidth=0
                )  # as tall as a bar, or as the gap's lines
                ax.text(
                    lo + (hi - lo) * 0.01,
                    y,
                    "\n".join(lines),
                    ha="left",
                    va="center",
                    fontsize=GAP_SIZE,
                    style="italic",
                    color="#333333",
                    in_layout=False,
                    linespacing=1.1,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5},
                )
            if row.marker is not None:
                ax.plot([row.marker, row.marker], [y - 0.42, y + 0.42], color="black", linewidth=2.2, clip_on=False)
                ax.plot([row.marker], [y + 0.42], marker="v", color="black", markersize=6, clip_on=False)
        ax.set_yticks(ys)
        ax.set_yticklabels(labelled)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(0, total)
        ax.set_xlim(lo, hi)
        if layout.xticks is not None:
            ax.set_xticks(list(layout.xticks))
            if layout.xticklabels is not None:
                ax.set_xticklabels(list(layout.xticklabels))
        if layout.centre_line:
            ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlabel("\n".join(xlabel))
        fig.suptitle("\n".join(title), x=MARGIN / (width * 72), ha="left", fontsize=TITLE_SIZE, fontweight="bold")
        ax.grid(axis="x", color="#e6e6e6", linewidth=0.6)
        ax.set_axisbelow(True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        handles: list = [Patch(facecolor=c, edgecolor="#888888", linewidth=0.4, label=lab) for c, lab in layout.legend]
        if layout.legend_marker:
            handles.append(Line2D([0], [0], color="black", linewidth=2.2, label=layout.legend_marker))
        if handles:
            fig.legend(handles=handles, loc="outside lower center", ncol=columns, frameon=False, fontsize=LEGEND_SIZE)
        # Percentages go in their segments only where they fit: measured against the axes as laid out.  The layout
        # is then kept as it is (the labels take no room outside the axes): two more passes would only repeat it.
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
        per_unit = ax.get_position().width * width * 72 / (hi - lo)
        for y, (row, _, _) in zip(ys, [p for p in placed if not p[0].header], strict=True):
            for seg in row.segments:
                if seg.label and _text_width(seg.label, SEGMENT_SIZE) + 3 <= seg.width * per_unit:
                    colour = _ink(seg.colour)
                    ax.text(
                        seg.left + seg.width / 2,
                        y,
                        seg.label,
                        ha="center",
                        va="center",
                        fontsize=SEGMENT_SIZE,
                        color=colour,
                        in_layout=False,
                    )
        image, svg = io.BytesIO(), io.StringIO()
        if png:
            fig.savefig(image, format="png", dpi=PNG_DPI, metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        return image.getvalue(), svg.getvalue()


_SVG_START = re.compile(r"<svg\b[^>]*>")


def inline_svg(document: str, name: str, title: str, alt: str, variant: str = "narrow") -> str:
    """matplotlib's SVG document as an element for an HTML page: no XML prologue or metadata, no global style (the
    page sets it for charts only), no ids on groups (matplotlib numbers them alike in every chart: a page must not
    repeat an id), fonts with fallbacks; named by a ``<title>``, described by a ``<desc>`` holding the alt text."""
    svg = document[document.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    svg = re.sub(r"\s*<defs>\s*<style[^>]*>.*?</style>\s*</defs>", "", svg, count=1, flags=re.DOTALL)
    svg = re.sub(r'<g id="[^"]*"', "<g", svg)
    svg = svg.replace(f"font-family: '{FONT}'", f"font-family: {SVG_FONTS}")
    ident = f"chart-{name}" if variant == "narrow" else f"chart-{name}-{variant}"
    root = _SVG_START.search(svg)
    assert root is not None
    opening = root.group(0)[:-1] + (
        f' class="chart {variant}" role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(alt)}</desc>'
    )
    return svg[: root.start()] + opening + svg[root.end() :].strip()
