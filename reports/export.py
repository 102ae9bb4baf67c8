"""Anonymised answers as CSV and XLSX, with a "questions" table describing every column.

One row per submitted response: a respondent number, the role, the language, and one column per question id
(option ids such as ``l2``, ``sa`` or ``dk``, or the free text).  Nothing else about the respondent is exported:
the rows are built from ``Response.role``, ``Response.language`` and ``Response.answers`` only, so an invite
reference, a Telegram id or any other attribute a loader may attach never reaches the file.

- The respondent number is random-looking but deterministic: derived from a hash of the council and the content
  of the response (never from an invite reference, a Telegram id or the order of submission), and the rows are
  sorted by it, so neither the number nor the row order says who answered or when.
- Free text is exported as text, with obvious personal data (email addresses, phone numbers, National Insurance
  numbers, @usernames) replaced by "[removed]", as in the report.
- Answers that do not count are left blank: a follow-up no longer shown, a skipped question, an unknown option.
- Every cell is cleaned first (``flows.text.clean_cell``: control characters dropped except newline and tab, lone
  surrogates replaced by U+FFFD, NFC), so text typed before answers were cleaned on the way in can never make
  openpyxl or the UTF-8 encoder refuse the file.
- Formula injection is guarded after cleaning: a cell starting with = + - @ (or a tab or carriage return) is
  prefixed with a single quote, in the CSV and in the XLSX (where it is also stored as a string, never a formula).

The file is for the auditors' analysis, not for publication: it is not subject to small-number suppression.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from flows.model import Question, Questionnaire
from flows.text import clean_cell
from reports.comments import scrub
from reports.model import Response, SurveyData, answer_value

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


def safe_cell(value: object) -> str:
    """Text for a spreadsheet cell that any reader accepts and a spreadsheet will never evaluate as a formula:
    cleaned first (so a control character in front of "=" cannot hide a formula from the guard), then guarded."""
    text = "" if value is None else str(clean_cell(str(value)))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _question_ids(data: SurveyData) -> list[str]:
    seen: dict[str, None] = {}
    for role in data.roles():
        for q in data.questionnaires[role].questions:
            seen.setdefault(q.id, None)
    return list(seen)


def _answers(qn: Questionnaire, response: Response) -> dict[str, str]:
    values: dict[str, str] = {}
    for q in qn.questions:
        value = answer_value(qn, q, response.answers)
        if value is not None:
            values[q.id] = scrub(value) if qn.kind(q).free_text else value
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


def _options(qn: Questionnaire, q: Question) -> str:
    return "; ".join(f"{o.id}={o.label.get('en')}" for o in qn.choices(q))


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
                        q.text.get("en"),
                        q.text.get("cy"),
                        _options(qn, q),
                        "yes" if q.dont_know else "no",
                        f"{q.show_if.question} in {','.join(q.show_if.any_of)}" if q.show_if else "",
                    ]
                )
    return list(QUESTION_HEADER), rows


def _csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def answers_csv(data: SurveyData) -> str:
    return _csv_text(*answer_table(data))


def questions_csv(data: SurveyData) -> str:
    return _csv_text(*question_table(data))


def write_answers_csv(data: SurveyData, path: Path) -> Path:
    """UTF-8 with a byte-order mark, so spreadsheet programs read Welsh characters correctly."""
    path.write_text(answers_csv(data), encoding="utf-8-sig", newline="")
    return path


def write_questions_csv(data: SurveyData, path: Path) -> Path:
    path.write_text(questions_csv(data), encoding="utf-8-sig", newline="")
    return path


def write_xlsx(data: SurveyData, path: Path) -> Path:
    """Two sheets, "answers" and "questions"; every cell a string, guarded against formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    fixed = datetime(2000, 1, 1)
    workbook.properties.creator = "datatool-bot"
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    sheets = [(ANSWER_SHEET, answer_table(data)), (QUESTION_SHEET, question_table(data))]
    for index, (title, (header, rows)) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = title
        for r, values in enumerate([header, *rows], start=1):
            for c, value in enumerate(values, start=1):
                cell = sheet.cell(row=r, column=c)
                cell.value = safe_cell(value)
                cell.data_type = "s"
                if r == 1:
                    cell.font = Font(bold=True)
        sheet.freeze_panes = "B2"
    workbook.save(path)
    return path
