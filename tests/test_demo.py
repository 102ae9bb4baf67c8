"""The demo's whole path on a small council: fieldwork, reminder rounds, completion, and the report on disk, set
among the invented other councils of its round and beside its invented previous round (never naming them)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from docx import Document

from bot.demo import AUTHORITY, run_demo
from bot.demo_history import OTHER_COUNCILS
from config.authorities import load_authorities
from flows.campaigns import GENERIC_WORDS
from reports.texts import texts


def other_councils_words() -> set[str]:
    """The words that would name one of the invented councils, in English or Welsh ("Powys", "Wrecsam")."""
    names = {a.name: a.name_cy for a in load_authorities()}
    councils = [council for council, *_ in OTHER_COUNCILS]
    assert set(councils) <= set(names) and AUTHORITY not in councils
    return {
        word
        for council in councils
        for name in (council, names[council] or "")
        for word in re.findall(r"[^\W\d_][\w'-]*", name)
        if word.casefold() not in GENERIC_WORDS
    }


async def test_demo_runs_end_to_end_and_says_where_the_report_is(tmp_path: Path, capsys):
    assert await run_demo(out=tmp_path, seed=7, invited={"officer": 12, "member": 12}) == 0
    printed = capsys.readouterr().out
    for expected in (
        "Data tool recipients",
        "Officers",
        "Elected Members",
        "Total",
        "First days",
        "Fieldwork closed",
        "Response rates",
        "The full report",
    ):
        assert expected in printed, expected
    folder = Path(printed.split(") are in ", 1)[1].split("\n", 1)[0].rstrip("/"))
    assert {
        "report-en.html",
        "report-cy.html",
        "report-en.docx",
        "report-cy.docx",
        "tables.xlsx",
        "tables-en.csv",
        "tables-cy.csv",
        "answers-NOT-FOR-PUBLICATION.xlsx",
        "answers-NOT-FOR-PUBLICATION.csv",
        "questions.csv",
    } <= {p.name for p in folder.iterdir()}
    assert (tmp_path / "demo.db").exists()

    # Every output says it is a demonstration with invented data: the summary the bot posted, the Word drafts on
    # every page, the exports on their first lines (and the HTML: tests/test_report_structure.py).
    marks = {language: texts(language)("demonstration") for language in ("en", "cy")}
    posted = printed.split("The bot posted to the auditor", 1)[1]
    assert marks["en"].split(":")[0] in posted
    for language in ("en", "cy"):
        assert marks[language] in (folder / f"summary-{language}.txt").read_text(encoding="utf-8").replace("&#39;", "'")
        draft = Document(str(folder / f"report-{language}.docx"))
        assert all(marks[language] in section.header.paragraphs[0].text for section in draft.sections)
        first = (folder / f"tables-{language}.csv").read_text(encoding="utf-8-sig").splitlines()[0]
        assert marks[language] in first
    answers = list(csv.reader((folder / "answers-NOT-FOR-PUBLICATION.csv").open(encoding="utf-8-sig", newline="")))
    assert answers[0][0].startswith("NOT FOR PUBLICATION") and answers[2] == [marks["en"]]

    # The comparisons, with the other councils and the previous round the demo invents (and says so, in one line).
    (invented,) = [line for line in printed.splitlines() if "Invented for this demonstration" in line]
    assert f"{len(OTHER_COUNCILS)} other councils" in invented and "none of it is real data" in invented
    summary = printed.split("The bot posted to the auditor", 1)[1].split("The full report", 1)[0]
    assert f"Among the {len(OTHER_COUNCILS)} other councils of round " in summary
    assert "comparison not yet possible" not in summary
    assert "Since round " in summary and "(responses " in summary
    report = (folder / "report-en.html").read_text(encoding="utf-8")
    for section in ('id="position"', 'id="change"', 'id="good-practice"'):
        assert section in report, section
    # Only Flintshire's report was compiled: the invented campaigns closed with their summaries already posted.
    assert [p.name for p in (tmp_path / "reports").iterdir()] == [folder.parent.name]

    # The report never names another council: not in the printed output (summary included), the reports in either
    # language, the summaries or the exports.
    words = other_councils_words()
    assert {"Powys", "Wrecsam", "Abertawe"} <= words
    outputs = {"printed output": printed} | {
        p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if p.suffix in {".html", ".txt", ".csv"}
    }
    outputs |= {p.name: "\n".join(par.text for par in Document(str(p)).paragraphs) for p in folder.glob("*.docx")}
    assert {"report-en.html", "report-cy.html", "summary-en.txt", "summary-cy.txt", "report-cy.docx"} <= set(outputs)
    for where, text in outputs.items():
        named = {w for w in words if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)}
        assert not named, f"{where} names {named}"
