"""The ``reports`` package has one place for each thing: no import cycle inside it, and the statistics (the margin of
error's 1.96 and square roots, decimal rounding) only in ``reports/stats.py``.  What it may import (nothing of the
project, no adapter library, file by file and in a fresh interpreter) is ``tests/test_purity.py``'s, with every
other package's arrows; its modules' size is watched by the one alarm for every package (600 lines, there too)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

import reports

ROOT = Path(__file__).resolve().parents[1]
REPORTS_DIR = Path(reports.__file__).resolve().parent


def sources() -> list[Path]:
    files = sorted(p for p in REPORTS_DIR.glob("*.py"))
    assert REPORTS_DIR / "stats.py" in files and REPORTS_DIR / "scoring.py" in files
    return files


def imported_modules(path: Path) -> list[str]:
    """Every module an ``import`` or ``from ... import`` names, anywhere in the file (functions included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            if node.module == "reports":
                found += [f"reports.{alias.name}" for alias in node.names]
    return found


def test_no_import_cycle_inside_reports():
    names = {p.stem for p in sources()}
    graph = {
        p.stem: {m.split(".")[1] for m in imported_modules(p) if m.startswith("reports.")} & names for p in sources()
    }
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a cycle


@pytest.mark.parametrize("path", [p for p in sources() if p.name != "stats.py"], ids=lambda p: p.name)
def test_margins_and_rounding_only_in_stats(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value == 1.96]
    sqrt = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in {"sqrt", "isqrt"}]
    # Module-level names only: a local variable called "percent" is a formatter's business.
    assigned = [t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    own = {"Z95", "margin", "margin_of_error", "moe_points", "points", "pct", "percent", "round_half_up"}
    assert constants == [] and sqrt == []
    assert "decimal" not in imported_modules(path)
    assert not own & (set(assigned) | set(defined))
