"""The exports, for two audiences: the report's tables, which may be published, and the respondents' answers, which
are the audit team's working data and must never be published.

Publishable: ``tables-en.csv``, ``tables-cy.csv`` and ``tables.xlsx`` (a sheet per language)
    The report's main tables, one row per group of each table: the response rates, the seven key characteristics
    and the theme statements.  Built from the view-model only (``reports.model.SurveyReport``), which disclosure
    control (``reports.disclosure``) has already applied: a figure the report withholds is blank here, with the
    report's reason in the "Note" column, and a figure it shows is the same rounded figure.  Nothing else goes in,
    so the file publishes exactly what the report does.

For the audit team only: ``answers-NOT-FOR-PUBLICATION.csv`` and ``answers-NOT-FOR-PUBLICATION.xlsx``
    One row per submitted response: a respondent number, the role, the language, and one column per question id
    (option ids such as ``l2``, ``sa`` or ``dk``, or the free text), with a "questions" sheet (and
    ``questions.csv``) describing every column.  Not subject to small-number suppression, so a small cell (the 4
    members who answered in Welsh) identifies its people: the file name says "NOT-FOR-PUBLICATION", and its first
    line, and every sheet's first row and printed page header, say so in English and Cymraeg.

A report of invented data (``SurveyReport.demonstration``: ``datatool-bot demo``) says so on the first line of
every export, in each sheet.  The first lines of a file are notes (one cell each), then the header row.

How the respondent-level rows are made:

- Nothing about the respondent but ``Response.role``, ``Response.language`` and ``Response.answers`` is exported,
  so an invite reference, a Telegram id or any other attribute a loader may attach never reaches the file.
- The respondent number is random-looking but deterministic: derived from a hash of the council and the content
  of the response (never from an invite reference, a Telegram id or the order of submission), and the rows are
  sorted by it, so neither the number nor the row order says who answered or when.
- Free text is exported as text, with obvious personal data (email addresses, phone numbers, National Insurance
  numbers, @usernames) replaced by "[removed]", as in the report.
- Answers that do not count are left blank: a follow-up no longer shown, a skipped question, an unknown option.

Every cell of every export is cleaned first (``reports.plain_text.clean_cell``: control characters dropped except newline
and tab, lone surrogates replaced by U+FFFD, NFC), so text typed before answers were cleaned on the way in can never
make openpyxl or the UTF-8 encoder refuse the file; then formula injection is guarded: a cell starting with = + - @
(or a tab or carriage return) is prefixed with a single quote, in the CSV and in the XLSX (where it is also stored
as a string, never a formula).

Everything here returns text or bytes; ``reports.html.report_documents`` makes them documents (``outputs`` lists
them) and ``bot/compiler.py`` writes the files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from reports.comments import scrub
from reports.inputs import Form, FormQuestion, Response, SurveyData
from reports.model import TOTAL, WEIGHTED, Breakdown, SurveyReport
from reports.plain_text import clean_cell
from reports.stats import pct
from reports.texts import ReportTexts, texts
from reports.vocabulary import ENGLISH, LANGUAGES, WELSH

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ANSWER_SHEET = "answers"
QUESTION_SHEET = "questions"
QUESTION_HEADER = [
    "role",
    "question_id",
    "section_id",
    "section_kind",
    "type",
    "text_en",
    "text_cy",
    "options",
    "dont_know",
    "show_if",
]
AUDIT_ONLY = "NOT-FOR-PUBLICATION"
ANSWERS_CSV = f"answers-{AUDIT_ONLY}.csv"
ANSWERS_XLSX = f"answers-{AUDIT_ONLY}.xlsx"
QUESTIONS_CSV = "questions.csv"
TABLES_XLSX = "tables.xlsx"
RESPONDENT_LEVEL = (ANSWERS_CSV, ANSWERS_XLSX)
"""The files that hold each respondent's answers: for the audit team, never for publication."""


def tables_csv_name(language: str) -> str:
    return f"tables-{language}.csv"


def publishable_names() -> tuple[str, ...]:
    return (TABLES_XLSX, *(tables_csv_name(language) for language in LANGUAGES))


def safe_cell(value: object) -> str:
    """Text for a spreadsheet cell that any reader accepts and a spreadsheet will never evaluate as a formula:
    cleaned first (so a control character in front of "=" cannot hide a formula from the guard), then guarded."""
    text = "" if value is None else str(clean_cell(str(value)))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# ---- notes at the head of a file -----------------------------------------------------------------------------------


def demonstration_note(demonstration: bool, languages: Sequence[str]) -> list[str]:
    """The line saying the data is invented, in each of ``languages`` ([] for real data)."""
    return [texts(language)("demonstration") for language in languages] if demonstration else []


def not_for_publication_note() -> list[str]:
    """The heading of a respondent-level file, in English and Cymraeg."""
    return [texts(language)("export_not_for_publication") for language in LANGUAGES]


def _answers_notes(data: SurveyData) -> list[str]:
    return [*not_for_publication_note(), *demonstration_note(data.demonstration, LANGUAGES)]


# ---- the report's tables (publishable) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    """The columns of the tables export: fixed ones, and a share column per answer category met (Level 1 ... and
    Strongly agree ...), in the order first met."""

    categories: tuple[tuple[str, str], ...]  # (category id, label in the language)

    FIXED_BEFORE = ("section", "item", "group", "invited", "received", "percentage", "answered", "dont_know")
    FIXED_AFTER = ("median", "agreement", "divided", "margin", "note")

    def header(self, t: ReportTexts) -> list[str]:
        names = {
            "section": t("export_col_section"),
            "item": t("export_col_item"),
            "group": t("col_group"),
            "invited": t("col_invited"),
            "received": t("col_received"),
            "percentage": t("col_percentage"),
            "answered": t("col_answered"),
            "dont_know": t("col_dont_know"),
            "median": t("export_col_median"),
            "agreement": t("export_col_agreement"),
            "divided": t("col_divided"),
            "margin": t("col_margin"),
            "note": t("export_col_note"),
        }
        shares = [t("export_col_share", label=label) for _, label in self.categories]
        return [*(names[c] for c in self.FIXED_BEFORE), *shares, *(names[c] for c in self.FIXED_AFTER)]

    def row(self, values: dict[str, object], shares: dict[str, object]) -> list[object]:
        """The cells of one row: figures as numbers (so a spreadsheet can chart them), "" where nothing is given."""

        def cell(value: object) -> object:
            return "" if value is None else value

        return [
            *(cell(values.get(c)) for c in self.FIXED_BEFORE),
            *(cell(shares.get(cid)) for cid, _ in self.categories),
            *(cell(values.get(c)) for c in self.FIXED_AFTER),
        ]


def _categories(report: SurveyReport, language: str) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for c in report.characteristics:
        for cid, label in zip(c.total.categories, c.labels, strict=True):
            found.setdefault(cid, label.get(language))
    for theme in report.themes:
        for s in theme.statements:
            for cid, label in zip(s.categories, s.labels, strict=True):
                found.setdefault(cid, label.get(language))
    return tuple(found.items())


def _breakdown(
    t: ReportTexts, b: Breakdown | None, labels: dict[str, str], levels: bool, withheld: str | None = None
) -> tuple[dict[str, object], dict[str, object]]:
    """One group's figures as the report shows them (its fixed columns, its shares by category); withheld figures
    are left out, and the note says why, in the report's words."""
    if b is None:
        return {"note": withheld or t("not_asked")}, {}
    values: dict[str, object] = {}
    if b.median is not None:
        values["median"] = t.level(b.median_level) if levels else labels.get(b.median, b.median)
    if not b.shown:
        values["note"] = t.reason(b)
        return values, {}
    assert b.shares is not None
    values.update(answered=b.answered, dont_know=b.dont_know, margin=b.margin_points)
    if levels:  # agreement and "divided" are said of the levels only, as in the report
        values["agreement"] = pct(b.agreement)
        if b.divided is not None:
            values["divided"] = t("answer_yes") if b.divided else t("answer_no")
    return values, {cid: pct(share) for cid, share in zip(b.categories, b.shares, strict=True)}


def report_tables(report: SurveyReport, language: str) -> tuple[list[str], list[list[object]]]:
    """(header, rows) of the report's tables in ``language``: every figure as the report shows it (a whole number),
    every withheld figure "" with its reason; text not yet guarded."""
    t = texts(language)
    columns = _Columns(_categories(report, language))
    rows: list[list[object]] = []
    rates_section = t("rates_heading")
    for r in report.rates:
        rows.append(
            columns.row(
                {
                    "section": rates_section,
                    "group": t.group(r.group),
                    "invited": r.invited,
                    "received": r.responded,
                    "percentage": r.percentage,
                    "margin": r.margin_points,
                },
                {},
            )
        )
    several = len(report.roles) > 1
    for c in report.characteristics:
        title = c.title.get(language)
        groups: list[tuple[str, Breakdown | None, str | None]] = [(g, c.group(g), None) for g in report.roles]
        groups.append((TOTAL, c.total, None))
        if several:
            groups.append((WEIGHTED, c.weighted, t("weighted_withheld")))
        for group, b, withheld in groups:
            values, shares = _breakdown(t, b, {}, True, withheld)
            rows.append(
                columns.row(
                    {"section": t("characteristics_heading"), "item": title, "group": t.group(group), **values}, shares
                )
            )
    for theme in report.themes:
        for s in theme.statements:
            labels = {cid: label.get(language) for cid, label in zip(s.categories, s.labels, strict=True)}
            groups = [(g, s.group(g), None) for g in s.groups]
            if s.total is not None:
                groups += [(TOTAL, s.total, None), (WEIGHTED, s.weighted, t("weighted_withheld"))]
            for group, b, withheld in groups:
                wording = s.texts.get(group, s.text).get(language)
                values, shares = _breakdown(t, b, labels, False, withheld)
                rows.append(
                    columns.row(
                        {"section": theme.title.get(language), "item": wording, "group": t.group(group), **values},
                        shares,
                    )
                )
    return columns.header(t), rows


def tables_csv(report: SurveyReport, language: str) -> str:
    notes = demonstration_note(report.demonstration, (language,))
    return _csv_text(notes, *report_tables(report, language))


def tables_xlsx(report: SurveyReport) -> bytes:
    """A sheet per language ("Tables", "Tablau"), each with the report's tables in that language."""
    sheets = [
        (
            texts(language)("export_sheet_tables"),
            demonstration_note(report.demonstration, (language,)),
            *report_tables(report, language),
        )
        for language in LANGUAGES
    ]
    return _xlsx(sheets, title=texts(ENGLISH)("export_tables_title", authority=report.authority))


# ---- respondent-level answers (the audit team only) ---------------------------------------------------------------


def _question_ids(data: SurveyData) -> list[str]:
    seen: dict[str, None] = {}
    for role in data.roles():
        for q in data.questionnaires[role].questions:
            seen.setdefault(q.id, None)
    return list(seen)


def _answers(qn: Form, response: Response) -> dict[str, str]:
    values: dict[str, str] = {}
    for q in qn.questions:
        value = response.answers.get(q.id)
        if value is not None:
            values[q.id] = scrub(value) if q.free_text else value
    return values


def respondent_numbers(data: SurveyData) -> list[str]:
    """One number per response (in the order of ``data.responses``): "R" and seven digits.

    A hash of the council, the role, the language and the answers (plus a counter among identical responses), so
    the same data always gives the same numbers and nothing identifying goes in.
    """
    numbers: list[str] = []
    used: set[str] = set()
    occurrences: dict[str, int] = {}
    for response in data.responses:
        qn = data.questionnaires[response.role]
        content = json.dumps(
            [data.authority, response.role, response.language, sorted(_answers(qn, response).items())],
            ensure_ascii=False,
        )
        occurrence = occurrences.get(content, 0)
        occurrences[content] = occurrence + 1
        counter = 0
        while True:
            digest = hashlib.sha256(f"datatool-respondent|{content}|{occurrence}|{counter}".encode()).hexdigest()
            number = f"R{int(digest[:12], 16) % 9_000_000 + 1_000_000}"
            if number not in used:
                break
            counter += 1
        used.add(number)
        numbers.append(number)
    return numbers


def answer_table(data: SurveyData) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the anonymised answers, rows sorted by respondent number; values not yet guarded."""
    question_ids = _question_ids(data)
    header = ["respondent", "role", "language", *question_ids]
    rows = []
    for number, response in zip(respondent_numbers(data), data.responses, strict=True):
        values = _answers(data.questionnaires[response.role], response)
        rows.append([number, response.role, response.language, *(values.get(q, "") for q in question_ids)])
    rows.sort(key=lambda row: row[0])
    return header, rows


def _options(qn: Form, q: FormQuestion) -> str:
    return "; ".join(f"{option}={label.get(ENGLISH)}" for option, label in q.choices)


def question_table(data: SurveyData) -> tuple[list[str], list[list[str]]]:
    """One row per question per role: id, section, kind, type, texts in English and Cymraeg, options."""
    rows = []
    for role in data.roles():
        qn = data.questionnaires[role]
        for section in qn.sections:
            for q in section.questions:
                rows.append(
                    [
                        role,
                        q.id,
                        section.id,
                        section.kind.value,
                        str(q.type),
                        q.text.get(ENGLISH),
                        q.text.get(WELSH),
                        _options(qn, q),
                        "yes" if q.dont_know else "no",
                        f"{q.show_if.question} in {','.join(q.show_if.any_of)}" if q.show_if else "",
                    ]
                )
    return list(QUESTION_HEADER), rows


def answers_csv(data: SurveyData) -> str:
    """Headed "not for publication" (and "demonstration" for invented data), then the header row and the rows."""
    return _csv_text(_answers_notes(data), *answer_table(data))


def questions_csv(data: SurveyData) -> str:
    return _csv_text(demonstration_note(data.demonstration, LANGUAGES), *question_table(data))


def answers_xlsx(data: SurveyData) -> bytes:
    """Two sheets, "answers" and "questions", each headed "not for publication" on its first row and on every
    printed page; every cell a string, guarded against formulas."""
    notes = _answers_notes(data)
    return _xlsx(
        [(ANSWER_SHEET, notes, *answer_table(data)), (QUESTION_SHEET, notes, *question_table(data))],
        title=texts(ENGLISH)("export_answers_title", authority=data.authority),
        page_header=AUDIT_ONLY,
    )


# ---- writing --------------------------------------------------------------------------------------------------------


def _csv_text(notes: Sequence[str], header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[safe_cell(note)] for note in notes])
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def csv_bytes(text: str) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read Welsh characters correctly."""
    return text.encode("utf-8-sig")


Sheet = tuple[str, Sequence[str], Sequence[str], Sequence[Sequence[object]]]
"""(title, notes, header, rows)."""


def _xlsx(sheets: Sequence[Sheet], *, title: str, page_header: str | None = None) -> bytes:
    """A workbook of ``sheets``: each one's notes a bold row each, then its bold header row (frozen), then its rows;
    every cell a guarded string but whole numbers (the tables' figures), and "" left empty.  Fixed dates, so the
    same data gives the same file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    fixed = datetime(2000, 1, 1)
    workbook.properties.creator = "datatool-bot"
    workbook.properties.title = safe_cell(title)
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    for index, (name, notes, header, rows) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = name
        lines = [*([note] for note in notes), header, *rows]
        for r, values in enumerate(lines, start=1):
            for c, value in enumerate(values, start=1):
                if value == "" or value is None:
                    continue
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, int) and not isinstance(value, bool):  # a figure of the report's tables
                    cell.value = value
                else:
                    cell.value = safe_cell(value)
                    cell.data_type = "s"
                if r <= len(notes) + 1:
                    cell.font = Font(bold=True)
        sheet.freeze_panes = sheet.cell(row=len(notes) + 2, column=2).coordinate
        if page_header:
            sheet.oddHeader.center.text = page_header
            sheet.evenHeader.center.text = page_header
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def outputs(data: SurveyData, report: SurveyReport) -> list[tuple[str, Callable[[], bytes]]]:
    """Every export of one council, as (file name, render to bytes): the publishable tables first, then the
    respondent-level files for the audit team, then the description of their columns."""
    made: list[tuple[str, Callable[[], bytes]]] = [(TABLES_XLSX, lambda: tables_xlsx(report))]
    made += [
        (tables_csv_name(language), lambda language=language: csv_bytes(tables_csv(report, language)))
        for language in LANGUAGES
    ]
    made += [
        (ANSWERS_XLSX, lambda: answers_xlsx(data)),
        (ANSWERS_CSV, lambda: csv_bytes(answers_csv(data))),
        (QUESTIONS_CSV, lambda: csv_bytes(questions_csv(data))),
    ]
    return made
