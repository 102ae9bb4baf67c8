"""The demo's whole path on a small council: fieldwork, reminder rounds, completion, and the report on disk, set
among the invented other councils of its round and beside its invented previous round (never naming them)."""

from __future__ import annotations

import re
from pathlib import Path

from bot.demo import AUTHORITY, run_demo
from bot.demo_history import OTHER_COUNCILS
from config.authorities import load_authorities
from flows.campaigns import GENERIC_WORDS


def other_councils_words() -> set[str]:
    """The words that would name one of the invented councils, in English or Welsh ("Powys", "Wrecsam")."""
    names = {a.name: a.name_cy for a in load_authorities()}
    councils = [council for council, *_ in OTHER_COUNCILS]
    assert set(councils) <= set(names) and AUTHORITY not in councils
    return {word for council in councils for name in (council, names[council] or "")
            for word in re.findall(r"[^\W\d_][\w'-]*", name) if word.casefold() not in GENERIC_WORDS}


async def test_demo_runs_end_to_end_and_says_where_the_report_is(tmp_path: Path, capsys):
    assert await run_demo(out=tmp_path, seed=7, invited={"officer": 12, "member": 12}) == 0
    printed = capsys.readouterr().out
    for expected in ("Data tool recipients", "Officers", "Elected Members", "Total", "First days",
                     "Fieldwork closed", "Response rates", "The full report"):
        assert expected in printed, expected
    folder = Path(printed.split("exports are in ", 1)[1].split("\n", 1)[0].rstrip("/"))
    assert {"report-en.html", "report-cy.html", "answers.xlsx", "answers.csv"} <= {p.name for p in folder.iterdir()}
    assert (tmp_path / "demo.db").exists()

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
    texts = {"printed output": printed} | {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()
                                           if p.suffix in {".html", ".txt", ".csv"}}
    assert {"report-en.html", "report-cy.html", "summary-en.txt", "summary-cy.txt"} <= set(texts)
    for where, text in texts.items():
        named = {w for w in words if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)}
        assert not named, f"{where} names {named}"
