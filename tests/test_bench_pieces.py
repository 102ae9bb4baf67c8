"""``make bench`` is never part of ``make test`` (its figures need a quiet machine), but its pieces use the project's
own code paths — the engine, the stores, the report's input and scoring — and must not break unnoticed when those
change (they did once, when reports took their own input model).  This runs the pieces once, for their results, not
their speed."""

from __future__ import annotations

from bench.__main__ import pieces


def test_the_benchmarks_pieces_still_run_on_the_projects_own_code():
    figures = pieces()
    names = [f.name for f in figures]
    assert any(name.startswith("engine:") for name in names)
    assert any(name.startswith("score + Telegram summary") for name in names)
    assert all(f.value > 0 for f in figures)
