"""The exports for their audience (issue 22 item 8).

- Publishable: ``tables-en.csv``, ``tables-cy.csv`` and ``tables.xlsx`` hold the report's tables and no figure the
  report withholds.  Checked row by row against the view-model the report is rendered from, on constructed small
  groups (a group of 4 hidden and the other reduced to its median, a group of 6 at its median only, a group that
  answered only "Don't know") and on many random small councils; and, by the brute-force idea of
  tests/test_disclosure_brute_force.py, two councils whose published tables are the same give the same export.
- Respondent-level: each respondent's answers, where a small cell (4 members answering in Welsh) identifies them,
  are named ``answers-NOT-FOR-PUBLICATION`` and headed "not for publication" in English and Cymraeg, in the CSV and
  on every sheet (first rows and the printed page header) of the XLSX.
- A demonstration (``datatool-bot demo``, invented data) says so in every export and in the chat summary; real data
  does not.
"""

from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from bot.compiler import write_report
from reports import export
from reports.inputs import Response, SurveyData
from reports.model import TOTAL, WEIGHTED, Breakdown, Detail, SurveyReport
from reports.scoring import score
from reports.stats import pct
from reports.texts import texts
from tests.test_disclosure_brute_force import changed
from tests.test_disclosure_brute_force import council as random_council
from tests.test_disclosure_routes import main_tables
from tests.test_scoring import build, characteristic, many

LANGUAGES = ("en", "cy")
KEYS = ("section", "item", "group")  # the columns that say which figures a row holds
PUBLISHABLE = {"tables.xlsx", "tables-en.csv", "tables-cy.csv"}
RESPONDENT_LEVEL = {"answers-NOT-FOR-PUBLICATION.csv", "answers-NOT-FOR-PUBLICATION.xlsx"}


def rows_of(text: str, notes: int = 0) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))[notes:]


def table_rows(report: SurveyReport, language: str) -> list[dict[str, str]]:
    """The tables export in ``language`` as column -> cell, read back from the CSV: a share column is named
    "share:<the answer's label>"."""
    header, *rows = rows_of(export.tables_csv(report, language))
    assert header == export.report_tables(report, language)[0]
    fixed = [*KEYS, "invited", "received", "percentage", "answered", "dont_know"]
    after = ["median", "agreement", "divided", "margin", "note"]
    share = texts(language)("export_col_share", label="{}")
    shares = [f"share:{parse_share(share, h)}" for h in header[len(fixed) : len(header) - len(after)]]
    return [dict(zip([*fixed, *shares, *after], row, strict=True)) for row in rows]


def parse_share(template: str, column: str) -> str:
    before, after = template.split("{}")
    assert column.startswith(before) and column.endswith(after)
    return column[len(before) : len(column) - len(after)]


def figures(row: dict[str, str]) -> dict[str, str]:
    """The row's figures that are given (every column but the row's name and its note)."""
    return {k: v for k, v in row.items() if k not in (*KEYS, "note") and v != ""}


def expected(b: Breakdown | None, language: str, labels: dict[str, str], levels: bool) -> dict[str, str]:
    """The figures the report publishes of one breakdown, by column, as text: nothing of a withheld one, the median
    alone of one reduced to it, every figure of the report's table of one shown in full."""
    t = texts(language)
    if b is None:
        return {}
    shown: dict[str, object] = {}
    if b.median is not None:
        shown["median"] = t.level(b.median_level) if levels else labels[b.median]
    if b.detail is Detail.FULL:
        assert b.shares is not None
        shown |= {f"share:{labels[c]}": pct(s) for c, s in zip(b.categories, b.shares, strict=True)}
        shown |= {"answered": b.answered, "dont_know": b.dont_know, "margin": b.margin_points}
        if levels:
            shown |= {"agreement": pct(b.agreement), "divided": t("answer_yes") if b.divided else t("answer_no")}
    return {k: str(v) for k, v in shown.items() if v is not None}


def check_publishes_only_what_the_report_shows(report: SurveyReport) -> int:
    """Every row of the tables export against the view-model: a withheld breakdown has no figure and the report's
    reason; a median-only one its median alone; a full one exactly its figures.  Returns the rows checked."""
    checked = 0
    for language in LANGUAGES:
        t = texts(language)
        rows = {tuple(r[k] for k in KEYS): r for r in table_rows(report, language)}
        wanted: list[tuple[tuple[str, str, str], Breakdown | None, dict[str, str], bool]] = []
        for c in report.characteristics:
            groups = [*report.roles, TOTAL, *((WEIGHTED,) if len(report.roles) > 1 else ())]
            labels = {cid: label.get(language) for cid, label in zip(c.total.categories, c.labels, strict=True)}
            wanted += [
                ((t("characteristics_heading"), c.title.get(language), t.group(g)), c.group(g), labels, True)
                for g in groups
            ]
        for theme in report.themes:
            for s in theme.statements:
                labels = {cid: label.get(language) for cid, label in zip(s.categories, s.labels, strict=True)}
                groups = [*s.groups, *((TOTAL, WEIGHTED) if s.total is not None else ())]
                wanted += [
                    (
                        (theme.title.get(language), s.texts.get(g, s.text).get(language), t.group(g)),
                        s.group(g),
                        labels,
                        False,
                    )
                    for g in groups
                ]
        rates = [r for r in rows.values() if r["section"] == t("rates_heading")]
        assert len(rows) == len(wanted) + len(rates) and len(rates) == len(report.rates)
        for key, b, labels, levels in wanted:
            row = rows[key]
            assert figures(row) == expected(b, language, labels, levels), (key, row, b)
            if b is None or not b.shown:
                assert row["note"] == (t.reason(b) if b is not None else row["note"]) != "", (key, row)
            checked += 1
    return checked


def suppression(members: int, **answers: str) -> SurveyData:
    """10 officers mostly at Level 2, ``members`` members (all at Level 1 unless ``answers`` says otherwise)."""
    responses = many(8, "officer", kc_leadership="l2", vl_resource="a") + many(2, "officer", kc_leadership="l3")
    responses += many(members, "member", **({"kc_leadership": "l1", "vl_resource": "d"} | answers))
    return build(responses, {"officer": 20, "member": 30})


def test_a_hidden_group_of_4_has_no_figure_in_the_publishable_export():
    report = score(suppression(4))
    lead = characteristic(report, "leadership")
    assert lead.groups["member"].detail is Detail.HIDDEN and lead.groups["officer"].detail is Detail.MEDIAN
    assert check_publishes_only_what_the_report_shows(report) > 50
    rows = [r for r in table_rows(report, "en") if r["item"] == lead.title.get("en")]
    members = next(r for r in rows if r["group"] == "Elected Members")
    assert figures(members) == {} and members["note"] == "fewer than 5"
    officers = next(r for r in rows if r["group"] == "Officers")
    assert figures(officers) == {"median": "Level 2"}  # its distribution would give the members' away
    # Before, the answers file was the only export: the members' four answers, one row each.
    assert "l1" not in export.tables_csv(report, "en")


@pytest.mark.parametrize("members, answers", [(6, {}), (4, {"kc_leadership": "dk"}), (9, {}), (0, {})])
def test_small_groups_publish_exactly_what_the_report_shows(members: int, answers: dict[str, str]):
    assert check_publishes_only_what_the_report_shows(score(suppression(members, **answers))) > 20


def test_random_small_councils_publish_nothing_the_report_withholds_and_nothing_else():
    """Many councils with a group of 1 to 14 members; and every pair whose main tables the report publishes alike
    (answers changed only inside a group of fewer than 5) gives the same export, in both languages and both
    formats: the export tells nothing of a small group that the report does not."""
    rng = random.Random(22)
    compared = hidden = 0
    for _ in range(60):
        data = random_council(rng)
        report = score(data)
        check_publishes_only_what_the_report_shows(report)
        hidden += any(c.groups["member"].detail is Detail.HIDDEN for c in report.characteristics)
        alternative = changed(rng, data)
        if alternative is None:
            continue
        other = score(alternative)
        if main_tables(report) != main_tables(other):
            continue
        compared += 1
        for language in LANGUAGES:
            assert export.tables_csv(report, language) == export.tables_csv(other, language)
        assert xlsx_cells(export.tables_xlsx(report)) == xlsx_cells(export.tables_xlsx(other))
    assert hidden >= 10 and compared >= 15, (hidden, compared)


def xlsx_cells(content: bytes) -> dict[str, list[list[str | None]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return {
        s.title: [["" if v is None else str(v) for v in r] for r in s.iter_rows(values_only=True)]
        for s in book.worksheets
    }


def test_the_publishable_tables_are_the_reports_in_each_language_with_no_respondent_level_data():
    data = suppression(9)
    report = score(data)
    sheets = xlsx_cells(export.tables_xlsx(report))
    assert list(sheets) == ["Tables", "Tablau"]
    for language, sheet in zip(LANGUAGES, sheets.values(), strict=True):
        assert sheet == rows_of(export.tables_csv(report, language))
        assert sheet[0][:3] == [texts(language)(k) for k in ("export_col_section", "export_col_item", "col_group")]
    welsh = export.tables_csv(report, "cy")
    assert "Y saith nodwedd allweddol" in welsh and "Elected Members" not in welsh and "Lefel 2" in welsh
    numbers = set(export.respondent_numbers(data))
    for text in (welsh, export.tables_csv(report, "en")):
        assert not re.search(r"\bR\d{7}\b", text) and not numbers & set(re.findall(r"R\d{7}", text))
        assert "NOT FOR PUBLICATION" not in text


# ---- respondent-level: named and headed "not for publication" ------------------------------------------------------


def small_cell() -> SurveyData:
    """4 members answering in Welsh among 12: a role x language cell whose rows identify them."""
    responses = many(10, "officer", kc_leadership="l2", barriers="Officers' view")
    responses += [Response("member", {"kc_leadership": "l1", "barriers": f"Barn {i}"}, "cy") for i in range(4)]
    responses += many(8, "member", kc_leadership="l2")
    return build(responses)


def test_respondent_level_files_are_named_and_headed_not_for_publication(tmp_path: Path):
    data = small_cell()
    names = {p.name for p in write_report(data, tmp_path).paths}
    assert PUBLISHABLE | RESPONDENT_LEVEL | {"questions.csv"} <= names
    assert not {"answers.csv", "answers.xlsx"} & names
    notices = [texts(language)("export_not_for_publication") for language in LANGUAGES]
    assert notices[0].startswith("NOT FOR PUBLICATION") and notices[1].startswith("NID I'W CYHOEDDI")

    text = (tmp_path / "answers-NOT-FOR-PUBLICATION.csv").read_text(encoding="utf-8-sig")
    first, second, header, *rows = rows_of(text)
    assert [first, second] == [[n] for n in notices]
    assert header[:3] == ["respondent", "role", "language"]
    assert sum(r[1] == "member" and r[2] == "cy" for r in rows) == 4  # the cell the notice warns of

    book = openpyxl.load_workbook(tmp_path / "answers-NOT-FOR-PUBLICATION.xlsx")
    assert book.sheetnames == ["answers", "questions"]
    for sheet in book.worksheets:
        assert [sheet["A1"].value, sheet["A2"].value] == notices
        assert sheet["A1"].font.bold
        assert sheet.oddHeader.center.text == sheet.evenHeader.center.text == "NOT-FOR-PUBLICATION"
    assert book["answers"]["A3"].value == "respondent" and book["questions"]["A3"].value == "role"
    assert "not for publication" in book.properties.title
    # The publishable tables never carry it: they may be published.
    assert "NOT FOR PUBLICATION" not in (tmp_path / "tables-en.csv").read_text(encoding="utf-8-sig")


# ---- a demonstration says so everywhere ----------------------------------------------------------------------------


@pytest.mark.parametrize("demonstration", [True, False])
def test_a_demonstration_says_so_in_every_export_and_the_summary(tmp_path: Path, demonstration: bool):
    data = replace(small_cell(), demonstration=demonstration)
    write_report(data, tmp_path)
    marks = {language: texts(language)("demonstration") for language in LANGUAGES}
    assert marks["en"].startswith("DEMONSTRATION") and marks["cy"].startswith("ARDDANGOSIAD")

    def read(name: str) -> list[list[str]]:
        return rows_of((tmp_path / name).read_text(encoding="utf-8-sig"))

    found = {
        "tables-en.csv": read("tables-en.csv")[0],
        "tables-cy.csv": read("tables-cy.csv")[0],
        "answers csv": sum(read("answers-NOT-FOR-PUBLICATION.csv")[2:4], []),
        "questions.csv": sum(read("questions.csv")[:2], []),
        "summary-en.txt": [(tmp_path / "summary-en.txt").read_text(encoding="utf-8").splitlines()[0]],
        "summary-cy.txt": [(tmp_path / "summary-cy.txt").read_text(encoding="utf-8").splitlines()[0]],
    }
    for name in ("tables.xlsx", "answers-NOT-FOR-PUBLICATION.xlsx"):
        for sheet in openpyxl.load_workbook(tmp_path / name).worksheets:
            found[f"{name} {sheet.title}"] = [str(c.value) for row in sheet.iter_rows(max_row=4) for c in row[:1]]
    wanted = {
        "tables-en.csv": ["en"],
        "tables-cy.csv": ["cy"],
        "summary-en.txt": ["en"],
        "summary-cy.txt": ["cy"],
        "tables.xlsx Tables": ["en"],
        "tables.xlsx Tablau": ["cy"],
    }
    for where, cells in found.items():
        text = "\n".join(cells).replace("&#39;", "'")
        for language in wanted.get(where, LANGUAGES):
            assert (marks[language] in text) is demonstration, (where, cells)
    if not demonstration:  # real data: the header row comes first, as before
        assert read("tables-en.csv")[0][0] == texts("en")("export_col_section")
        assert read("questions.csv")[0][0] == "role"
        for path in tmp_path.iterdir():
            if path.suffix in (".csv", ".txt", ".html"):
                assert "ARDDANGOSIAD" not in path.read_text(encoding="utf-8-sig"), path.name
