"""The outputs: Telegram summary, HTML report, charts, exports, report texts, and the bundle on disk."""

from __future__ import annotations

import csv
import io
import re
import string
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from bot.compiler import write_national, write_report
from bot.emulator import parse_html
from config.good_practice import shipped_good_practice
from flows.report_input import survey_data
from reports import charts, export
from reports.html import render_national, render_report
from reports.inputs import Response, SurveyData
from reports.national import national
from reports.scoring import score
from reports.stats import pct
from reports.summary import (
    LANGUAGES,
    entries_from,
    load_entries,
    missing_translations,
    render_summary,
    visible_length,
)
from tests.test_scoring import QN, build, council, many

HOSTILE = '<script>alert(1)</script> & "quoted" <b>bold</b>'
LONG_AUTHORITY = ('<script>alert(1)</script> & "Cyngor" ' * 10)[:200]
assert len(LONG_AUTHORITY) == 200


def flintshire(
    interim: bool = False, authority: str = "Flintshire County Council", comment: str = HOSTILE
) -> SurveyData:
    """The report's figures: 32 of 62 officers, 9 of 65 members; a spread of answers and hostile comments."""
    responses = []
    levels = ["l1", "l2", "l2", "l3", "dk"]
    scale = ["sa", "a", "n", "d", "sd", "dk"]
    for role, n in (("officer", 32), ("member", 9)):
        qn = QN[role]
        for i in range(n):
            answers: dict[str, str | None] = {}
            for section in qn.sections:
                for q in section.questions:
                    if q.type == "choice":
                        answers[q.id] = levels[(i + len(q.id)) % len(levels)]
                    elif q.type == "scale":
                        answers[q.id] = scale[(i * 7 + len(q.id)) % len(scale)]
            answers["barriers"] = f"{comment} #{i} " + "x" * 1500
            answers["example"] = '=HYPERLINK("http://evil.example")' if i == 0 else None
            responses.append(Response(role, answers, "cy" if i % 3 == 0 else "en"))
    return survey_data(
        authority=authority,
        authority_cy="Cyngor Sir y Fflint" if authority.startswith("Flintshire") else None,
        invited={"officer": 62, "member": 65},
        responses=responses,
        questionnaires=QN,
        interim=interim,
        opens_on=date(2026, 12, 1),
        closes_on=date(2027, 1, 15),
        good_practice=shipped_good_practice(),  # as the compiler gives every report
    )


@cache
def flintshire_charts(language: str) -> list[charts.Chart]:
    """Drawn once per test session (each chart takes a few tenths of a second)."""
    return charts.report_charts(score(flintshire()), language)


# ---- report texts -------------------------------------------------------------------------------------------------


def test_every_report_text_has_english_and_welsh():
    assert missing_translations() == []


def test_a_missing_language_is_detected(tmp_path: Path):
    broken = tmp_path / "texts.yaml"
    broken.write_text('a: {en: "Hello", cy: ""}\nb: {en: "Bye"}\nc: {en: [x], cy: []}\n', encoding="utf-8")
    assert missing_translations(entries_from(broken.read_text(encoding="utf-8"), str(broken))) == [
        ("a", "cy"),
        ("b", "cy"),
        ("c", "cy"),
    ]


def test_both_languages_take_the_same_placeholders():
    def names(text: object) -> set[str]:
        return {n for _, n, _, _ in string.Formatter().parse(str(text)) if n}

    for key, entry in load_entries().items():
        assert names(entry["en"]) == names(entry["cy"]), key
    assert len(load_entries()["months"]["cy"]) == 12


# ---- the Telegram summary -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_summary_has_the_report_table_and_parses(language):
    message = render_summary(score(flintshire(interim=True)), language)
    text, entities = parse_html(message)  # raises on anything Telegram would refuse
    assert len(text.encode("utf-16-le")) // 2 == visible_length(message) <= 4096
    assert "62 / 32 / 52% (±12)" in text
    assert "65 / 9 / 14% (±31)" in text
    assert "127 / 41 / 32% (±13)" in text
    assert ("INTERIM" if language == "en" else "DROS DRO") in text
    leadership = "Leadership" if language == "en" else "Arweinyddiaeth"
    assert any(line.startswith(leadership + ":") for line in text.splitlines())
    assert {e["type"] for e in entities} <= {"bold", "italic"}
    assert HOSTILE not in text  # comments are for the full report only


def test_summary_without_interim_has_no_label():
    text, _ = parse_html(render_summary(score(flintshire()), "en"))
    assert "INTERIM" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_summary_escapes_a_hostile_long_authority_and_fits(language):
    data = flintshire(interim=True, authority=LONG_AUTHORITY, comment=HOSTILE * 40)
    message = render_summary(score(data), language)
    assert "<script>" not in message and "&lt;script&gt;" in message
    text, _ = parse_html(message)
    assert text.splitlines()[0].startswith(("Data tool: ", "Offeryn data: "))
    assert '<script>alert(1)</script> & "Cyngor"' in text  # shown as text, not markup
    assert visible_length(message) <= 4096


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("limit", [1500, 900, 300])
def test_summary_shortens_to_any_limit_and_still_parses(language, limit):
    message = render_summary(score(flintshire(interim=True, authority=LONG_AUTHORITY)), language, limit=limit)
    parse_html(message)
    assert visible_length(message) <= limit


def test_summary_marks_small_groups():
    report = score(build(many(10, "officer", kc_leadership="l2") + many(4, "member", kc_leadership="l3")))
    text, _ = parse_html(render_summary(report, "en"))
    line = next(line for line in text.splitlines() if line.startswith("Leadership:"))
    assert line == "Leadership: Officers 2 · Members <5 · Total 2"


# ---- the HTML report ----------------------------------------------------------------------------------------------


def attributes(page: str, name: str) -> list[str]:
    return re.findall(rf'\b{name}="([^"]*)"', page)


def assert_tables_restack(page: str) -> None:
    """No sideways-scrolling region (a keyboard cannot reach one): every table is a captioned ``table.stack`` whose
    data cells carry their column's label, for the narrow-screen layout (tests/test_report_browser.py looks at it
    in a real browser)."""
    assert "overflow-x" not in page and "table-wrap" not in page
    tables = re.findall(r"<table\b[^>]*>", page)
    assert tables and all(re.search(r'class="stack( wide)?"', table) for table in tables)
    assert page.count("<caption>") == len(tables)
    cells = re.findall(r"<td\b[^>]*>", page)
    assert cells and all(re.search(r'data-label="[^"]+"', cell) for cell in cells)
    assert all('scope="' in th for th in re.findall(r"<th\b[^>]*>", page))


@pytest.mark.parametrize("language", LANGUAGES)
def test_html_escapes_hostile_input_and_is_self_contained(language):
    data = flintshire(authority=LONG_AUTHORITY)
    page = render_report(score(data), language, with_charts=False)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Cyngor&#34;" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert f'<html lang="{language}">' in page
    assert_tables_restack(page)
    # No external resources: links are in-page anchors only; no stylesheet or font links; scripts forbidden by CSP.
    assert all(h.startswith("#") for h in attributes(page, "href"))
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page
    # The formula from a comment is shown as text in the HTML (it is only a risk in spreadsheets).
    assert "=HYPERLINK(&#34;http://evil.example&#34;)" in page


def test_html_report_structure_in_english():
    page = render_report(score(flintshire(interim=True)), "en", with_charts=False)
    for heading in (
        "Local government use of data",
        "Data tool responses",
        "The seven key characteristics",
        "What we found: the four themes",
        "What respondents told us",
        "Method and caveats",
    ):
        assert heading in page
    for column in ("Data tool recipients", "Number invited", "Responses received", "Percentage responded"):
        assert column in page
    assert "INTERIM" in page and "self-selection is not covered" in page
    assert "Officers were 49% of those invited but 78% of those who responded" in page
    # The seven characteristics with their level descriptors verbatim (escaped as HTML).
    for section in QN["officer"].sections:
        if section.kind.value == "characteristic":
            assert f"<h3>{escape(section.title.en)}</h3>" in page
            for option in section.questions[0].options:
                assert str(escape(option.detail.en)) in page
    # Members (9: 5-7 answering for some characteristics) -> median-only notes appear somewhere.
    assert "median only" in page
    assert "1.96 × √(0.25 ÷ n)" in page


def test_html_report_in_welsh():
    page = render_report(score(flintshire()), "cy", with_charts=False)
    assert "Defnydd llywodraeth leol o ddata" in page and "Cyngor Sir y Fflint" in page
    assert "Y saith nodwedd allweddol" in page and "Derbynwyr yr offeryn data" in page
    assert "Arweinyddiaeth" in page and "gyfieithydd cymwys" in page


def test_comments_only_in_the_full_report():
    report = score(flintshire())
    assert "What respondents told us" in render_report(report, "en", with_charts=False)
    short = render_report(report, "en", full=False, with_charts=False)
    assert "What respondents told us" not in short and "&lt;script&gt;" not in short


def test_small_groups_in_html_and_no_comments_from_them():
    responses = many(10, "officer", kc_leadership="l2", barriers="Officer comment")
    responses += many(4, "member", kc_leadership="l3", barriers="Member comment")
    page = render_report(score(build(responses)), "en", with_charts=False)
    assert "fewer than 5" in page and "withheld to protect a small group" in page
    assert "Officer comment" in page and "Member comment" not in page
    assert "— Officers" not in page  # never attributed
    attributed = render_report(score(build(responses)), "en", with_charts=False, attribute_comments=True)
    assert "Member comment" not in attributed
    assert "Comments from Elected Members are not shown" in page


def test_html_embeds_charts_as_named_svg_each_followed_by_its_table():
    page = render_report(score(flintshire()), "en", charts=flintshire_charts("en"))
    assert "<img" not in page and "data:image" not in page
    svgs = re.findall(r"<svg\b[^>]*>", page)
    assert len(svgs) == 12  # rates, levels, four themes: each drawn for a phone, then for a desk
    for chart in flintshire_charts("en"):
        for ident, variant, width in (
            (f"chart-{chart.name}", "narrow", "288pt"),
            (f"chart-{chart.name}-wide", "wide", "684pt"),
        ):  # 4 and 9.5 inches
            (svg,) = [svg for svg in svgs if f'aria-labelledby="{ident}-title"' in svg]
            assert f'class="chart {variant}"' in svg and 'role="img"' in svg and "viewBox=" in svg
            assert f'width="{width}"' in svg
            assert f'<title id="{ident}-title">{escape(chart.title)}</title>' in page
            assert f'<desc id="{ident}-desc">{escape(chart.alt)}</desc>' in page
    # Each chart's figure is followed by its figures as a table, behind "Chart as a table".
    followed = (
        r'<figure class="chart">\s*<svg[^>]*class="chart narrow".*?</svg>\s*<svg[^>]*class="chart wide"'
        r'.*?</svg>\s*</figure>\s*<details class="chart-table">\s*'
        r'<summary>Chart as a table</summary>\s*<table class="stack'
    )
    figures = re.findall(followed, page, flags=re.DOTALL)
    assert len(figures) == 6
    assert len(set(attributes(page, "id"))) == len(attributes(page, "id"))  # no id repeated across the charts
    assert_tables_restack(page)


# ---- charts -------------------------------------------------------------------------------------------------------


PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("language", LANGUAGES)
def test_charts_are_png_with_alt_text(language):
    made = flintshire_charts(language)
    assert [c.name for c in made] == [
        "rates",
        "levels",
        "theme-vision",
        "theme-protection",
        "theme-skills",
        "theme-evidence",
    ]
    for chart in made:
        assert chart.png.startswith(PNG) and chart.alt and chart.title
        assert chart.svg.startswith("<svg") and chart.svg.endswith("</svg>") and "<?xml" not in chart.svg
        assert "<text" in chart.svg  # text kept as text: sharp at any size, found by search
        assert chart.tables and all(t.caption and t.rows for t in chart.tables)
    levels = made[1]
    assert ("Leadership" if language == "en" else "Arweinyddiaeth") in levels.alt
    assert ("Level 1" if language == "en" else "Lefel 1") in levels.alt


def test_charts_are_deterministic():
    report = score(flintshire())
    assert charts.levels_chart(report, "en") == flintshire_charts("en")[1]
    assert charts.rates_chart(report, "cy") == flintshire_charts("cy")[0]


def test_chart_tables_hold_the_figures_the_chart_draws():
    report = score(flintshire())
    rates, levels, vision = flintshire_charts("en")[:3]
    (table,) = rates.tables
    assert table.columns == (
        "Data tool recipients",
        "Percentage responded",
        "Responses received",
        "Number invited",
        "Target",
    )
    assert [(r.label, r.cells) for r in table.rows] == [
        ("Officers", ("52%", "32", "62", "61%")),
        ("Elected Members", ("14%", "9", "65", "62%")),
        ("Total", ("32%", "41", "127", "61%")),
    ]
    assert [t.caption for t in levels.tables] == [c.title.en for c in report.characteristics]
    lead = report.characteristics[0]
    assert levels.tables[0].columns == ("Group", "Level 1", "Level 2", "Level 3")
    total = levels.tables[0].rows[-1]
    assert total.label == "Total" and total.cells == tuple(f"{pct(s)}%" for s in lead.group("total").shares)
    members = levels.tables[0].rows[1]
    assert (
        members.label == "Elected Members"
        and members.cells == ()
        and members.note == ("median only: fewer than 8 answered — median Level 2")
    )
    # A theme's table per statement, its columns in the chart's order: disagree on the left, agree on the right.
    statement = report.themes[0].statements[0]
    assert vision.tables[0].caption == "Clear corporate ownership of data projects"
    assert vision.tables[0].columns == (
        "Group",
        "Strongly disagree",
        "Disagree",
        "Neither agree nor disagree",
        "Agree",
        "Strongly agree",
    )
    shares = dict(zip(statement.categories, statement.group("officer").shares, strict=True))
    assert vision.tables[0].rows[0].cells == tuple(f"{pct(shares[c])}%" for c in ("sd", "d", "n", "a", "sa"))


def test_charts_with_suppressed_groups():
    report = score(
        build(
            many(10, "officer", kc_leadership="l2", vl_resource="a")
            + many(4, "member", kc_leadership="l3", vl_resource="d")
        )
    )
    levels = charts.levels_chart(report, "en")
    assert levels.png.startswith(PNG)
    assert "Elected Members: fewer than 5" in levels.alt
    assert "Officers: median only: withheld to protect a small group — median Level 2" in levels.alt
    theme = charts.theme_chart(report, report.themes[0], "cy")
    assert theme.png.startswith(PNG) and "llai na 5" in theme.alt
    # Nobody answered anything at all: still a valid chart.
    empty = score(build([]))
    assert charts.levels_chart(empty, "en").png.startswith(PNG)
    assert charts.rates_chart(empty, "en").png.startswith(PNG)


def test_rates_chart_targets():
    report = score(flintshire())
    alt = charts.rates_chart(report, "en").alt
    assert "Officers: 52% responded (32 of 62), target 61%" in alt  # 38 of 62 give ±10 points
    targeted = score(SurveyData(**{**flintshire().__dict__, "targets": {"officer": 0.5, "member": 0.5}}))
    assert "Officers: 52% responded (32 of 62), target 50%" in charts.rates_chart(targeted, "en").alt


# ---- exports ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredResponse(Response):
    """What a loader from SQLite might hand over: the scoring fields plus identifiers that must never be exported."""

    reference: str = ""
    telegram_id: int = 0
    invitation_id: int = 0


def identified_data() -> SurveyData:
    responses = []
    for i in range(6):
        role = "officer" if i < 4 else "member"
        responses.append(
            StoredResponse(
                role,
                {"kc_leadership": "l2", "barriers": ["=1+1", "+SUM(A1)", "-2", "@cmd", "plain", "email me a@b.co"][i]},
                "en",
                reference=f"C7-{role[0].upper()}{i:04d}-ZQX",
                telegram_id=987654321000 + i,
                invitation_id=55501 + i,
            )
        )
    return build(responses, {"officer": 10, "member": 10})


def all_xlsx_text(path: Path | bytes) -> str:
    workbook = load_workbook(io.BytesIO(path) if isinstance(path, bytes) else path)
    return "\n".join(
        str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row if cell.value
    )


def test_exports_hold_no_identifiers(tmp_path: Path):
    data = identified_data()
    answers = export.answers_csv(data)
    xlsx = all_xlsx_text(export.answers_xlsx(data))
    for text in (answers, xlsx, export.questions_csv(data)):
        for response in data.responses:
            assert response.reference not in text
            assert str(response.telegram_id) not in text
            assert str(response.invitation_id) not in text
        assert "ZQX" not in text and "98765432" not in text and "5550" not in text
    assert "a@b.co" not in answers and "email me [removed]" in answers


def test_export_rows_and_respondent_numbers():
    data = identified_data()
    header, rows = export.answer_table(data)
    assert header[:3] == ["respondent", "role", "language"] and "kc_leadership" in header and "sk_training" in header
    assert len(rows) == 6
    numbers = [row[0] for row in rows]
    assert all(re.fullmatch(r"R\d{7}", n) for n in numbers) and len(set(numbers)) == 6
    assert numbers == sorted(numbers)  # rows in number order, not submission order
    # Deterministic, and independent of the order the responses came in.
    again = build(list(reversed(data.responses)), {"officer": 10, "member": 10})
    assert export.answer_table(again)[1] == rows
    assert not set(numbers) & {f"R{i:07d}" for i in range(1, 7)}


def test_formula_injection_is_guarded(tmp_path: Path):
    data = identified_data()
    rows = list(csv.reader(io.StringIO(export.answers_csv(data))))[2:]  # under "not for publication"
    barriers = {row[rows[0].index("barriers")] for row in rows[1:]}
    assert {"'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "plain"} <= barriers
    workbook = load_workbook(io.BytesIO(export.answers_xlsx(data)))
    sheet = workbook["answers"]
    column = [c.value for c in sheet[3]].index("barriers") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(4, sheet.max_row + 1)]
    assert all(c.data_type == "s" for c in cells)
    assert not any(str(c.value).startswith(("=", "+", "-", "@")) for c in cells)
    assert workbook.sheetnames == ["answers", "questions"]
    assert export.safe_cell("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0" and export.safe_cell("ok") == "ok"


def test_questions_table():
    header, rows = export.question_table(build([]))
    assert header[:3] == ["role", "question_id", "section_id"]
    lead = next(r for r in rows if r[0] == "officer" and r[1] == "kc_leadership")
    assert lead[2] == "leadership" and lead[3] == "characteristic"
    assert lead[7] == "l1=Level 1; l2=Level 2; l3=Level 3; dk=Don't know"
    follow_up = next(r for r in rows if r[1] == "lead_help")
    assert follow_up[9] == "kc_leadership in l1"


# ---- the bundle on disk and the national view ---------------------------------------------------------------------


def test_write_report(tmp_path: Path):
    written = write_report(flintshire(interim=True, authority=LONG_AUTHORITY), tmp_path).paths
    names = {p.name for p in written}
    assert {
        "summary-en.txt",
        "summary-cy.txt",
        "report-en.html",
        "report-cy.html",
        "report-en.docx",
        "report-cy.docx",
        "tables.xlsx",
        "tables-en.csv",
        "tables-cy.csv",
        "answers-NOT-FOR-PUBLICATION.csv",
        "answers-NOT-FOR-PUBLICATION.xlsx",
        "questions.csv",
        "chart-levels-en.png",
        "chart-rates-cy.png",
    } <= names
    assert all(p.exists() for p in written)
    for language in LANGUAGES:
        summary = (tmp_path / f"summary-{language}.txt").read_text(encoding="utf-8")
        parse_html(summary)
        assert visible_length(summary) <= 4096
        assert "<script" not in (tmp_path / f"report-{language}.html").read_text(encoding="utf-8").lower()
    assert (tmp_path / "chart-levels-en.png").read_bytes().startswith(PNG)


def test_national_outputs(tmp_path: Path):
    surveys = [
        council("Council A", (10, "l2"), (8, "l3")),
        council('Council <B> & "Co"', (10, "l1"), (4, "l3")),
        council("=Council C", (3, "l3"), (1, "l3")),
    ]
    written = write_national(surveys, tmp_path).paths
    assert {p.name for p in written} >= {"national-en.html", "national-cy.html", "national.csv"}
    page = (tmp_path / "national-en.html").read_text(encoding="utf-8")
    assert "Council &lt;B&gt; &amp; &#34;Co&#34;" in page and "<script" not in page.lower()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    rows = list(csv.reader((tmp_path / "national.csv").read_text(encoding="utf-8-sig").splitlines()))
    lead = rows[0].index("leadership")
    assert [r[lead] for r in rows[1:]] == ["2", "1", ""]
    assert rows[3][0] == "'=Council C"
    welsh = render_national(national(surveys), "cy", with_chart=False)
    assert "Lefel ganolrifol fesul cyngor" in welsh and "&lt;5" in welsh
