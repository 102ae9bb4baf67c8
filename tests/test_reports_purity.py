"""The ``reports`` package is pure and has one place for each thing: no Telegram, database, storage or other
project imports, no import cycle, and the statistics (the margin of error's 1.96 and square roots, decimal rounding)
only in ``reports/stats.py``.  Its modules' size is watched by the one alarm for every package (600 lines,
``tests/test_purity.py``)."""

from __future__ import annotations

import ast
import graphlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import reports

ROOT = Path(__file__).resolve().parents[1]
REPORTS_DIR = Path(reports.__file__).resolve().parent
FORBIDDEN = {"telegram", "aiosqlite", "sqlite3", "storage", "bot", "flows", "config", "apscheduler", "httpx"}


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


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.name)
def test_reports_module_imports_no_adapter_or_storage(path: Path):
    assert [m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN] == []


def test_importing_reports_loads_no_adapter_or_storage():
    modules = [f"reports.{p.stem}" for p in sources() if p.stem != "__init__"]
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


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
