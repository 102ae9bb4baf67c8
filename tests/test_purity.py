"""The ``flows`` package is pure: no Telegram, database, scheduler or template imports, and no clock reads."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import flows

ROOT = Path(__file__).resolve().parents[1]
FLOWS_DIR = Path(flows.__file__).resolve().parent
FORBIDDEN = {"telegram", "aiosqlite", "apscheduler", "jinja2"}
REQUIRED_MODULES = ["engine", "service", "render", "model", "i18n", "callbacks", "ports", "tokens"]


def flows_sources() -> list[Path]:
    files = sorted(p for p in FLOWS_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    assert FLOWS_DIR / "engine.py" in files
    return files


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# -- imports -----------------------------------------------------------------------------------------------------


def forbidden_imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [(node.lineno, m) for m in modules if m.split(".")[0] in FORBIDDEN]
    # importlib.import_module("telegram") / __import__("telegram") with a literal name
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = _dotted(node.func)
            if name in {"importlib.import_module", "import_module", "__import__"} and isinstance(node.args[0].value, str):
                if node.args[0].value.split(".")[0] in FORBIDDEN:
                    found.append((node.lineno, node.args[0].value))
    return sorted(found)


def test_import_checker_detects_forbidden_imports() -> None:
    sample = (
        "import os\nimport telegram.ext\nfrom aiosqlite import connect\nfrom . import jinja2\n"
        "def f():\n    import apscheduler.schedulers as s\n    importlib.import_module('jinja2')\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from telegram import Bot\n"
    )
    assert forbidden_imports(ast.parse(sample)) == [
        (2, "telegram.ext"),
        (3, "aiosqlite"),
        (6, "apscheduler.schedulers"),
        (7, "jinja2"),
        (10, "telegram"),
    ]


@pytest.mark.parametrize("path", flows_sources(), ids=lambda p: str(p.relative_to(FLOWS_DIR)))
def test_flows_module_has_no_forbidden_import(path: Path) -> None:
    assert forbidden_imports(_parse(path)) == []


def all_flows_modules() -> list[str]:
    found = {m.name for m in pkgutil.walk_packages(flows.__path__, prefix="flows.")}
    return sorted(found | {"flows"} | {f"flows.{m}" for m in REQUIRED_MODULES})


def test_importing_flows_loads_no_forbidden_package() -> None:
    modules = all_flows_modules()
    assert {f"flows.{m}" for m in REQUIRED_MODULES} <= set(modules)
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_subprocess_check_would_notice_a_forbidden_import() -> None:
    # The same probe, with a package that does load telegram, must report it (the venv has python-telegram-bot).
    code = (
        "import json, sys, telegram\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN)!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "telegram" in json.loads(result.stdout.strip().splitlines()[-1])


# -- the clock ---------------------------------------------------------------------------------------------------


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


CLOCK_ATTRS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
}
CLOCK_FUNCTIONS = {("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime")}


def clock_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """Calls that read the wall clock: ``datetime.now()``, ``datetime.datetime.utcnow()``, ``date.today()``,
    ``time.time()``, and bare ``time()``/``now()`` names imported from ``time``/``datetime``."""
    bare: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in {"time", "datetime"}:
            for alias in node.names:
                if (node.module, alias.name) in CLOCK_FUNCTIONS:
                    bare.add(alias.asname or alias.name)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        parts = name.split(".")
        if len(parts) >= 2 and (parts[-2], parts[-1]) in CLOCK_ATTRS:
            found.append((node.lineno, name))
        elif len(parts) == 1 and name in bare:
            found.append((node.lineno, name))
    return sorted(found)


def test_clock_checker_detects_clock_reads() -> None:
    sample = (
        "import datetime as dt, time\nfrom datetime import date, datetime\nfrom time import time as now_s\n"
        "a = datetime.now()\nb = dt.datetime.utcnow()\nc = date.today()\nd = time.time()\ne = now_s()\n"
        "f = self.clock.now()\ng = datetime.now(tz=zone).date()\nh = datetime.fromisoformat('2026-01-01')\n"
    )
    assert clock_reads(ast.parse(sample)) == [
        (4, "datetime.now"),
        (5, "dt.datetime.utcnow"),
        (6, "date.today"),
        (7, "time.time"),
        (8, "now_s"),
        (10, "datetime.now"),
    ]


@pytest.mark.parametrize("path", flows_sources(), ids=lambda p: str(p.relative_to(FLOWS_DIR)))
def test_flows_never_reads_the_clock(path: Path) -> None:
    assert clock_reads(_parse(path)) == [], f"{path.name} reads the clock; take the time from the Clock port"
