"""What reports/ hands back instead of files: documents (a name, the bytes, a media type, and what the document is,
for whom and in which language).  ``reports.html.report_documents`` and ``national_documents`` make them; the adapter
that compiles reports (``bot/compiler.py``) writes them, and the bot posts from what it wrote.

The name is the file name the document has always had (``report-cy.html``, ``chart-levels-en.png``): the adapter
writes it under that name, and an auditor asks for it again by it.  ``document`` is the one place that says what a
document of a given name is: reports/ makes every document through it, and the adapter asks it what a file kept
from an earlier compilation is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a document is.
SUMMARY = "summary"  # the maturity summary: a chat message (Telegram HTML)
CHART = "chart"  # a chart as a PNG image: posted as a photo
REPORT = "report"  # the HTML report (with the comments)
WORD = "word"  # the report as a Word draft, to edit
TABLES = "tables"  # the report's tables
ANSWERS = "answers"  # each respondent's answers
QUESTIONS = "questions"  # what each column of the answers is
NATIONAL = "national"  # the national view (HTML)
NATIONAL_TABLE = "national-table"  # the national view's table
KINDS = (SUMMARY, CHART, REPORT, WORD, TABLES, ANSWERS, QUESTIONS, NATIONAL, NATIONAL_TABLE)

# For whom.
PUBLISHABLE = "publishable"
AUDITORS_ONLY = "auditors only"
NOT_FOR_PUBLICATION = "NOT FOR PUBLICATION"
"""Respondent-level data: the audit team's working data, never published."""

HTML, TEXT, PNG, CSV = "text/html", "text/plain", "image/png", "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Document:
    name: str
    data: bytes
    media_type: str
    kind: str
    audience: str
    language: str | None = None
    """The document's language; None for one in both languages or in none (a workbook, the answers)."""

    def text(self) -> str:
        """A text document's content (the summary)."""
        return self.data.decode("utf-8")


@dataclass(frozen=True)
class Documents:
    """One compilation: the documents built, in order, and the names of those that failed to build (logged by name
    and place, left out: a copy an earlier run left under that name is no longer this run's)."""

    documents: tuple[Document, ...]
    failed: tuple[str, ...] = ()


_NAMES = (  # (pattern, kind, audience, media type); the language is the pattern's group "lang" when it has one
    (r"summary-(?P<lang>[a-z]+)\.txt", SUMMARY, AUDITORS_ONLY, TEXT),
    (r"chart-.+-(?P<lang>[a-z]+)\.png", CHART, PUBLISHABLE, PNG),
    (r"report-(?P<lang>[a-z]+)\.html", REPORT, AUDITORS_ONLY, HTML),
    (r"report-(?P<lang>[a-z]+)\.docx", WORD, AUDITORS_ONLY, DOCX),
    (r"tables\.xlsx", TABLES, PUBLISHABLE, XLSX),
    (r"tables-(?P<lang>[a-z]+)\.csv", TABLES, PUBLISHABLE, CSV),
    (r"answers-NOT-FOR-PUBLICATION\.xlsx", ANSWERS, NOT_FOR_PUBLICATION, XLSX),
    (r"answers-NOT-FOR-PUBLICATION\.csv", ANSWERS, NOT_FOR_PUBLICATION, CSV),
    (r"questions\.csv", QUESTIONS, AUDITORS_ONLY, CSV),
    (r"national-(?P<lang>[a-z]+)\.html", NATIONAL, PUBLISHABLE, HTML),
    (r"national\.csv", NATIONAL_TABLE, PUBLISHABLE, CSV),
)


def document(name: str, data: bytes) -> Document | None:
    """The document a file of this name is (``data`` its content), as this module names them; None: not one."""
    for pattern, kind, audience, media_type in _NAMES:
        if found := re.fullmatch(pattern, name):
            return Document(name, data, media_type, kind, audience, found.groupdict().get("lang"))
    return None
