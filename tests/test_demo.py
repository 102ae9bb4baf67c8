"""The demo's whole path on a small council: fieldwork, reminder rounds, completion, and the report on disk."""

from __future__ import annotations

from pathlib import Path

from bot.demo import run_demo


async def test_demo_runs_end_to_end_and_says_where_the_report_is(tmp_path: Path, capsys):
    assert await run_demo(out=tmp_path, seed=7, invited={"officer": 12, "member": 12}) == 0
    printed = capsys.readouterr().out
    for expected in ("Data tool recipients", "Officers", "Elected Members", "Total", "First days",
                     "Fieldwork closed", "Response rates", "The full report"):
        assert expected in printed, expected
    folder = Path(printed.split("exports are in ", 1)[1].split("\n", 1)[0].rstrip("/"))
    assert {"report-en.html", "report-cy.html", "answers.xlsx", "answers.csv"} <= {p.name for p in folder.iterdir()}
    assert (tmp_path / "demo.db").exists()
