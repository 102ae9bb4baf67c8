"""Documents, not files (issue 24, item 2): ``reports.html.report_documents`` says of every output what it is, for
whom and in which language, and writes nothing; ``bot.compiler.write_documents`` writes them (0600, in folders it
makes 0700, atomically) and returns the manifest the bot posts from, the summary's text in it."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

from bot.compiler import stored, write_documents
from reports.documents import (
    ANSWERS,
    AUDITORS_ONLY,
    CHART,
    CSV,
    HTML,
    NOT_FOR_PUBLICATION,
    PNG,
    PUBLISHABLE,
    QUESTIONS,
    REPORT,
    SUMMARY,
    TABLES,
    WORD,
    XLSX,
    Document,
    Documents,
)
from reports.html import report_documents
from tests.test_scoring import build, many


def council() -> Documents:
    return report_documents(build(many(8, "officer", kc_leadership="l2") + many(8, "member", kc_leadership="l3")))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_document_says_what_it_is_for_whom_and_in_which_language(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    made = council()
    assert made.failed == () and not list(tmp_path.iterdir())  # built in memory: nothing written
    docs = {d.name: d for d in made.documents}
    expected = {
        "summary-cy.txt": (SUMMARY, AUDITORS_ONLY, "cy"),
        "chart-levels-en.png": (CHART, PUBLISHABLE, "en"),
        "report-cy.html": (REPORT, AUDITORS_ONLY, "cy"),
        "report-en.docx": (WORD, AUDITORS_ONLY, "en"),
        "tables.xlsx": (TABLES, PUBLISHABLE, None),
        "tables-cy.csv": (TABLES, PUBLISHABLE, "cy"),
        "answers-NOT-FOR-PUBLICATION.xlsx": (ANSWERS, NOT_FOR_PUBLICATION, None),
        "answers-NOT-FOR-PUBLICATION.csv": (ANSWERS, NOT_FOR_PUBLICATION, None),
        "questions.csv": (QUESTIONS, AUDITORS_ONLY, None),
    }
    for name, (kind, audience, language) in expected.items():
        assert (docs[name].kind, docs[name].audience, docs[name].language) == (kind, audience, language), name
    assert docs["chart-levels-en.png"].media_type == PNG and docs["chart-levels-en.png"].data.startswith(b"\x89PNG")
    assert docs["report-en.html"].media_type == HTML and docs["report-en.html"].text().startswith("<!DOCTYPE html>")
    assert docs["tables.xlsx"].media_type == XLSX and docs["questions.csv"].media_type == CSV
    assert all(d.audience != PUBLISHABLE for d in made.documents if d.kind in (ANSWERS, QUESTIONS, SUMMARY))


def test_the_compiler_writes_them_for_its_owner_only_and_returns_the_manifest(tmp_path: Path):
    made = council()
    folder = tmp_path / "made" / "final"
    manifest = write_documents(made, folder)
    assert [e.name for e in manifest.entries] == [d.name for d in made.documents]
    for entry, doc in zip(manifest.entries, made.documents, strict=True):
        assert entry.path == folder / doc.name and entry.path.read_bytes() == doc.data
        assert (entry.kind, entry.audience, entry.language, entry.media_type) == (
            doc.kind,
            doc.audience,
            doc.language,
            doc.media_type,
        )
        assert mode(entry.path) == 0o600
    assert mode(folder) == mode(folder.parent) == 0o700
    assert manifest.summaries() == {
        "en": (folder / "summary-en.txt").read_text(encoding="utf-8"),
        "cy": (folder / "summary-cy.txt").read_text(encoding="utf-8"),
    }
    assert sorted(p.name for p in folder.iterdir()) == sorted(d.name for d in made.documents)  # no .part left
    assert stored(folder) == manifest.__class__(folder, tuple(sorted(manifest.entries, key=lambda e: e.name)))
    assert stored(tmp_path / "absent") is None


def test_a_document_that_cannot_be_written_is_left_out_and_a_stale_copy_of_a_failed_one_removed(tmp_path: Path, caplog):
    caplog.set_level(logging.ERROR)
    (tmp_path / "report-en.html").mkdir()  # cannot be replaced by a file
    (tmp_path / "tables.xlsx").write_bytes(b"an earlier run's")  # its output failed this time
    made = Documents(
        (
            Document("report-en.html", b"<p>", HTML, REPORT, AUDITORS_ONLY, "en"),
            Document("report-cy.html", b"<p>", HTML, REPORT, AUDITORS_ONLY, "cy"),
        ),
        failed=("tables.xlsx",),
    )
    manifest = write_documents(made, tmp_path)
    assert [e.name for e in manifest.entries] == ["report-cy.html"]
    assert not (tmp_path / "tables.xlsx").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert any("report-en.html" in r.getMessage() for r in caplog.records)
