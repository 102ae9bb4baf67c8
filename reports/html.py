"""The standalone HTML report (a council's report, and the national view), and the bundle of every output.

``render_report`` and ``render_national`` read only the view-model (``reports.model``, ``reports.national``) and render
``templates/report.html.j2`` with Jinja2 (autoescape on, StrictUndefined), in English or Cymraeg.  The page needs
nothing else: styles are inline, charts are inline SVG (text kept as text, named and described for screen readers),
each followed by the same figures as a table, and a Content-Security-Policy meta tag forbids scripts and any external
resource.  It is made to be read on a phone: nothing scrolls sideways (a scrolling region is one a keyboard cannot
reach), so on a narrow screen every table restacks, a row to a block with each value labelled by its column, and
charts are drawn for a phone's width and scale to it (and again for a desk's, shown there across the text).

A council's report leads with the council: the publisher block (``SurveyReport.publisher``, from configuration),
the response rates and the key findings (``reports.findings``), the characteristics and themes with their findings
and comments (``reports.comments.comment_blocks``), then the comparisons and good practice, the background, and the
statistics in numbered annexes (``report_context`` builds the contents list in that order).

``report_documents(data)`` builds the whole set for one council; ``national_documents(surveys)`` the national view.
Each is a document (``reports.documents``: name, bytes, what it is, for whom, in which language), never a file: the
adapter writes them (``bot/compiler.py``).  Each document of a set is built on its own: one that fails is logged by
name, exception type and place (never the exception's message) and the others are still built.  The charts are also
PNG documents (``chart-<name>-<lang>.png``): the photos posted to Telegram.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Sequence

from markupsafe import Markup

from reports import charts as charts_module
from reports import docx, export
from reports.charts import Chart
from reports.comments import comment_blocks
from reports.comparison import comparison_context
from reports.documents import Document, Documents, document
from reports.early_late import early_late_context
from reports.failures import where
from reports.findings import characteristic_findings, council_findings, key_findings, theme_findings
from reports.inputs import SurveyData
from reports.model import TOTAL, WEIGHTED, Breakdown, SurveyReport
from reports.national import NationalView, national, national_comparison_context
from reports.scoring import score
from reports.stats import pct
from reports.summary import (
    LANGUAGES,
    ReportTexts,
    render_summary,
    template_environment,
    texts,
)
from reports.vocabulary import DEFAULT_LANGUAGE, OFFICER

TEMPLATE = "report.html.j2"
log = logging.getLogger(__name__)


def chart_context(chart: Chart) -> dict[str, object]:
    """A chart as the template shows it: its SVG (markup made by ``reports.charts``, every text in it escaped there),
    its title, and its tables, the alternative that follows it."""
    if not chart.svg.startswith("<svg"):
        raise ValueError(f"chart {chart.name!r} has no SVG")
    return {
        "svg": Markup(chart.svg),
        "svg_wide": Markup(chart.svg_wide),
        "title": chart.title,
        "alt": chart.alt,
        "tables": chart.tables,
    }


def _row(t: ReportTexts, group: str, b: Breakdown | None, labels: dict[str, str], levels: bool) -> dict[str, object]:
    label = t.group(group)
    if b is None:
        return {"label": label, "shown": False, "reason": t("not_asked"), "median": "–"}
    median = "–"
    if b.median is not None:
        median = t.level(b.median_level) if levels else labels.get(b.median, b.median)
    if not b.shown:
        return {"label": label, "shown": False, "reason": t.reason(b), "median": median}
    assert b.shares is not None
    return {
        "label": label,
        "shown": True,
        "answered": b.answered,
        "shares": [pct(s) for s in b.shares],
        "dont_know": b.dont_know,
        "median": median,
        "agreement": pct(b.agreement),
        "divided": b.divided,
        "margin": b.margin_points,
    }


def _weighted_caveat(report: SurveyReport, t: ReportTexts) -> str | None:
    composition = report.composition(OFFICER)
    if composition is None:
        return None
    invited, responded = composition
    return t("caveat_weighted", officer_invited=pct(invited), officer_responded=pct(responded))


def report_context(
    report: SurveyReport,
    language: str,
    *,
    full: bool,
    charts: Sequence[Chart] | None,
    attribute_comments: bool = False,
) -> dict[str, object]:
    t = texts(language)
    by_name = {c.name: chart_context(c) for c in charts or ()}
    about = characteristic_findings(report)
    characteristics = []
    for c in report.characteristics:
        rows = [_row(t, g, c.group(g), {}, levels=True) for g in (*report.roles, TOTAL)]
        if len(report.roles) > 1:
            weighted = _row(t, WEIGHTED, c.weighted, {}, levels=True)
            if c.weighted is None:
                weighted["reason"] = t("weighted_withheld")
            rows.append(weighted)
        characteristics.append(
            {
                "id": c.section_id,
                "title": c.title.get(language),
                "caption": t("caption_characteristic", characteristic=c.title.get(language)),
                "levels": [
                    (lab.get(language), d.get(language)) for lab, d in zip(c.labels, c.descriptors, strict=True)
                ],
                "rows": rows,
                "findings": [f for f in about if f.subject == c.section_id],
            }
        )
    themes = []
    for th in report.themes:
        statements = []
        for s in th.statements:
            labels = {cat: lab.get(language) for cat, lab in zip(s.categories, s.labels, strict=True)}
            rows = [_row(t, g, s.group(g), labels, levels=False) for g in s.groups]
            if s.total is not None:
                rows.append(_row(t, TOTAL, s.total, labels, levels=False))
                weighted = _row(t, WEIGHTED, s.weighted, labels, levels=False)
                if s.weighted is None:
                    weighted["reason"] = t("weighted_withheld")
                rows.append(weighted)
            statements.append(
                {
                    "text": s.text.get(language),
                    "caption": t("caption_statement", statement=t.statement(s, limit=60)),
                    "other_wordings": [
                        t("other_wording", group=t.group(r), text=text.get(language))
                        for r, text in s.other_wordings().items()
                    ],
                    "labels": [labels[cat] for cat in s.categories],
                    "rows": rows,
                }
            )
        themes.append(
            {
                "id": th.section_id,
                "title": th.title.get(language),
                "chart": by_name.get(f"theme-{th.section_id}"),
                "statements": statements,
                "findings": theme_findings(report, th.section_id),
            }
        )
    blocks = comment_blocks(report, language) if full else []
    placed = {c.section_id for c in report.characteristics} | {th.section_id for th in report.themes}
    withheld = (
        t("comments_withheld", groups=", ".join(t.group(r) for r in report.comments_withheld))
        if report.comments_withheld
        else None
    )
    authority = report.authority_name(language)
    early = early_late_context(report, language)
    annex = _annexes(t, early)
    comparisons = comparison_context(report, language)
    general = list(dict.fromkeys(b.subject_id for b in blocks if b.subject_id not in placed and not b.empty))
    return {
        "national": False,
        "t": t,
        "lang": language,
        "page_title": _page_title(t, authority, report.demonstration),
        "authority": authority,
        "interim": report.interim,
        "demonstration": report.demonstration,
        "round": report.round,
        "fieldwork": _dates(report, t),
        "publisher": _publisher(report, language),
        "background": _background(report, language, t),
        "full": full,
        "contents": _contents(t, full, comparisons["comparisons"], annex, early["early_late"]),
        "annex": annex,
        "rates": [
            {
                "label": t.group(r.group),
                "invited": r.invited,
                "responded": r.responded,
                "percentage": r.percentage,
                "margin": r.margin_points,
            }
            for r in report.rates
        ],
        "outcomes": [
            {"label": t.group(group or TOTAL), **o.counts, "rates": o.percentages()} for group, o in report.outcomes
        ],
        "weighted_caveat": _weighted_caveat(report, t),
        "weights": [(t.group(g), f"{float(w):.2f}") for g, w in report.weights.items()],
        "charts": {"rates": by_name.get("rates"), "levels": by_name.get("levels")},
        "findings": {"key": key_findings(report), "council": council_findings(report)},
        "characteristics": characteristics,
        "themes": themes,
        "comment_blocks": blocks,
        "general_comments": general,
        "attribute_comments": attribute_comments,
        "comments_withheld": withheld,
        **comparisons,
        **early,
    }


def _dates(report: SurveyReport, t: ReportTexts) -> str | None:
    if report.opens_on and report.closes_on:
        return t("rpt_dates", opens=t.date(report.opens_on), closes=t.date(report.closes_on))
    return t("rpt_dates_from", opens=t.date(report.opens_on)) if report.opens_on else None


def _page_title(t: ReportTexts, authority: str, demonstration: bool) -> str:
    title = f"{t('report_title')}: {authority}"
    return t("rpt_demo_title", title=title) if demonstration else title


def _publisher(report: SurveyReport, language: str) -> dict[str, object] | None:
    """The audit body's name and contact, as configured (``SurveyReport.publisher``); None: not given."""
    p = report.publisher
    if p is None:
        return None
    return {
        "audit_body": p.text("audit_body", language),
        "contact_short": p.text("contact_short", language),
        "contact": p.lines("contact", language),
    }


def _background(report: SurveyReport, language: str, t: ReportTexts) -> dict[str, object]:
    """Why making better use of data matters (the reference report's Part 1), from the publisher's configuration;
    the seven characteristics' descriptors come from the questionnaires (the view-model)."""
    p = report.publisher
    if p is None:
        return {"context": (), "benefits": (), "national_report": None}
    where = p.text("national_report_where", language)
    title = p.text("national_report", language)
    note = t("rpt_national_report_where", title=title, where=where) if where else t("rpt_national_report", title=title)
    return {"context": p.lines("context", language), "benefits": p.lines("benefits", language), "national_report": note}


def _annexes(t: ReportTexts, early: dict[str, object]) -> dict[str, str]:
    """The annexes' headings, numbered in their order; the early/late comparison (reports.early_late) is the last
    when the report has it, its heading numbered here."""
    titles = {"method": t("method_heading"), "outcomes": t("rpt_outcomes_heading"), "targets": t("rpt_targets_heading")}
    annex = {key: t("rpt_annex", n=n, title=title) for n, (key, title) in enumerate(titles.items(), start=1)}
    section = early.get("early_late")
    if isinstance(section, dict):
        section["heading"] = annex["early_late"] = t("rpt_annex", n=len(titles) + 1, title=section["heading"])
    return annex


def _contents(
    t: ReportTexts, full: bool, comparisons: object, annex: dict[str, str], early: object
) -> list[tuple[str, str]]:
    """The contents list, in the document's order: the council's own results, the comparisons, the background and
    the annexes."""
    entries = [
        ("responses", t("rates_heading")),
        ("key-findings", t("fnd_key_heading")),
        ("characteristics", t("characteristics_heading")),
        ("themes", t("themes_heading")),
    ]
    if full:
        entries.append(("comments", t("comments_heading")))
    if isinstance(comparisons, dict):
        for anchor, key in (("position", "position"), ("change", "change"), ("good-practice", "good_practice")):
            if isinstance(part := comparisons.get(key), dict):
                entries.append((anchor, str(part["heading"])))
    entries.append(("background", t("rpt_background_heading")))
    entries += [("method", annex["method"]), ("response-outcomes", annex["outcomes"]), ("targets", annex["targets"])]
    if early:
        entries.append(("early-late", annex["early_late"]))
    return entries


def render_report(
    report: SurveyReport,
    language: str = DEFAULT_LANGUAGE,
    *,
    full: bool = True,
    charts: Sequence[Chart] | None = None,
    with_charts: bool = True,
    attribute_comments: bool = False,
) -> str:
    """The HTML report in ``language``.  ``full=False`` leaves the comments out (a version for wider circulation).
    Charts are drawn unless given or ``with_charts`` is False.  Comments are shown without the respondent's group
    (method notes: "never attributed"); ``attribute_comments=True`` adds the group, which the view-model keeps only
    for groups of 5 or more."""
    if charts is None and with_charts:
        charts = charts_module.report_charts(report, language)
    context = report_context(report, language, full=full, charts=charts, attribute_comments=attribute_comments)
    return template_environment().get_template(TEMPLATE).render(**context)


def render_national(
    view: NationalView, language: str = DEFAULT_LANGUAGE, *, chart: Chart | None = None, with_chart: bool = True
) -> str:
    t = texts(language)
    if chart is None and with_chart and view.characteristics:
        chart = charts_module.national_chart(view, language)
    context = {
        **national_comparison_context(view, language),
        "national": True,
        "t": t,
        "lang": language,
        "page_title": t("national_title"),
        "any_interim": any(c.interim for c in view.councils),
        "chart": chart_context(chart) if chart else None,
        "councils": [
            {
                "name": c.authority_name(language),
                "interim": c.interim,
                "responded": c.responded,
                "invited": c.invited,
                "medians": [t("fewer_than_5_short") if m is None else m for m in c.medians],
            }
            for c in view.councils
        ],
        "characteristics": [
            {
                "title": c.title.get(language),
                "at_level": c.at_level,
                "suppressed": c.suppressed,
                "minimum": c.minimum,
                "lower_quartile": c.lower_quartile,
                "median": c.median,
                "upper_quartile": c.upper_quartile,
                "maximum": c.maximum,
            }
            for c in view.characteristics
        ],
    }
    return template_environment().get_template(TEMPLATE).render(**context)


# ---- the bundle of documents --------------------------------------------------------------------------------------


class _Outputs:
    """The documents of one bundle, each built on its own.

    An output that raises is logged with its name and ``reports.failures.where`` (the exception's type and place:
    never its message, which can hold a respondent's comment, and never a traceback), left out and named in
    ``Documents.failed``; the others are still built.
    """

    def __init__(self) -> None:
        self.documents: list[Document] = []
        self.failed: list[str] = []

    def put(self, name: str, build: Callable[[], bytes]) -> bool:
        try:
            made = document(name, build())
            if made is None:
                raise ValueError(f"{name} is not a report document's name")
        except Exception as exc:  # any failure of one output: log it and carry on with the others
            log.error("report output %s failed: %s", name, where(exc))
            self.failed.append(name)
            return False
        self.documents.append(made)
        return True

    def text(self, name: str, render: Callable[[], str]) -> bool:
        return self.put(name, lambda: render().encode("utf-8"))

    def chart(self, name: str, draw: Callable[[], Chart]) -> Chart | None:
        drawn: list[Chart] = []

        def build() -> bytes:
            chart = draw()
            drawn.append(chart)
            return chart.png

        return drawn[0] if self.put(name, build) else None

    def result(self) -> Documents:
        return Documents(tuple(self.documents), tuple(self.failed))


def report_documents(data: SurveyData) -> Documents:
    """Every document for one council, in order (``reports.documents`` says what each is and for whom).

    summary-en.txt / summary-cy.txt (Telegram HTML), then per language chart-<name>-<lang>.png (the photos posted to
    Telegram), report-<lang>.html (full, with comments) and report-<lang>.docx (the Word draft), then the exports
    (``reports.export.outputs``: tables.xlsx, tables-<lang>.csv; answers-NOT-FOR-PUBLICATION.xlsx / .csv,
    questions.csv).  Each is built on its own: one that fails is logged (type and place only) and left out, and the
    rest are still built (a report whose chart failed is built without that chart).  Scoring comes first and
    everything depends on it: if it fails, it raises.  Nothing is written here: the adapter writes the documents.
    """
    report = score(data)
    outputs = _Outputs()
    for language in LANGUAGES:
        outputs.text(f"summary-{language}.txt", lambda language=language: render_summary(report, language))
    for language in LANGUAGES:
        charts = [
            chart
            for name, draw in charts_module.chart_makers(report, language)
            if (chart := outputs.chart(f"chart-{name}-{language}.png", draw)) is not None
        ]
        outputs.text(
            f"report-{language}.html",
            lambda language=language, charts=charts: render_report(report, language, full=True, charts=charts),
        )
        outputs.put(
            f"report-{language}.docx",
            lambda language=language, charts=charts: (  # E: the Word draft
                docx.render_docx(report, language, charts, render_report(report, language, charts=charts))
            ),
        )
    for name, render in export.outputs(data, report):  # E: the publishable tables, then the audit team's files
        outputs.put(name, render)
    return outputs.result()


def national_table(view: NationalView) -> tuple[list[str], list[list[str]]]:
    """One row per council: its name, responses, invited and median level per characteristic ("" when withheld:
    fewer than 5 answered)."""
    header = ["authority", "authority_cy", "interim", "responded", "invited"]
    header += [c.section_id for c in view.characteristics]
    rows = [
        [
            c.authority,
            c.authority_cy or "",
            "yes" if c.interim else "no",
            str(c.responded),
            str(c.invited),
            *("" if m is None else str(m) for m in c.medians),
        ]
        for c in view.councils
    ]
    return header, rows


def _national_csv(view: NationalView) -> bytes:
    header, rows = national_table(view)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([export.safe_cell(h) for h in header])
    writer.writerows([[export.safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def national_documents(surveys: Sequence[SurveyData]) -> Documents:
    """national-en.html, national-cy.html, chart-national-<lang>.png and national.csv, each built on its own as in
    ``report_documents``."""
    view = national(surveys)
    outputs = _Outputs()
    for language in LANGUAGES:
        chart = None
        if view.characteristics:
            chart = outputs.chart(
                f"chart-national-{language}.png", lambda language=language: charts_module.national_chart(view, language)
            )
        outputs.text(
            f"national-{language}.html",
            lambda language=language, chart=chart: render_national(view, language, chart=chart, with_chart=False),
        )
    outputs.put("national.csv", lambda: _national_csv(view))
    return outputs.result()
