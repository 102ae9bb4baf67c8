"""The ``flows`` package is pure: no Telegram, database, scheduler, template or chart imports, no storage or bot
imports, and no clock reads.  And the layers hold across the project: the packages import each other only along the
one-way arrows of ``ARROWS`` (``bot`` -> everything; ``config`` -> ``flows``; ``storage`` -> ``flows`` and the
reports' input model; ``flows`` -> ``reports``; ``reports`` -> nothing), ``flows/`` and ``reports/`` import no
adapter library, SQL is written and run only in ``storage/``, and no module imports itself round a cycle
(``bot/cli.py`` and ``bot/demo.py`` once did)."""

from __future__ import annotations

import ast
import graphlib
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import flows

ROOT = Path(__file__).resolve().parents[1]
FLOWS_DIR = Path(flows.__file__).resolve().parent
FORBIDDEN = {
    "telegram",
    "aiosqlite",
    "sqlite3",
    "apscheduler",
    "jinja2",
    "matplotlib",
    "httpx",
    "aiohttp",
    "storage",
    "bot",
}
REQUIRED_MODULES = [
    "engine",
    "respondents",
    "render",
    "model",
    "i18n",
    "callbacks",
    "ports",
    "tokens",
    "campaigns",
    "auditors",
    "fieldwork",
    "completion",
    "reminders",
]


def flows_sources() -> list[Path]:
    files = sorted(p for p in FLOWS_DIR.rglob("*.py") if "__pycache__" not in p.parts)
    assert FLOWS_DIR / "engine.py" in files
    return files


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# -- imports -----------------------------------------------------------------------------------------------------


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every absolute module an import names, anywhere in the file (inside functions and ``if TYPE_CHECKING:``
    too), and literal ``importlib.import_module("...")`` / ``__import__("...")`` calls."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            name = _dotted(node.func)
            if name in {"importlib.import_module", "import_module", "__import__"} and isinstance(
                node.args[0].value, str
            ):
                found.append((node.lineno, node.args[0].value))
    return found


def forbidden_imports(tree: ast.AST, banned: set[str] = FORBIDDEN) -> list[tuple[int, str]]:
    return sorted((line, m) for line, m in imported(tree) if m.split(".")[0] in banned)


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


# -- layering across the project ---------------------------------------------------------------------------------

LAYERS = ("bot", "config", "flows", "reports", "storage")
ADAPTER_LIBRARIES = {"telegram", "aiosqlite", "sqlite3", "apscheduler", "httpx", "aiohttp"}
ARROWS = {
    "bot": {"config", "flows", "reports", "storage"},  # the adapters and the composition root: everything
    "config": {"flows"},  # configuration, loaded into what the use cases take
    "storage": {"flows", "reports"},  # the use cases' ports, and the reports' input model only (below)
    "flows": {"reports"},  # the use cases hand the reports their input and take documents back
    "reports": set(),  # a standalone library
}
"""The one-way graph of the house (issue 24): which other packages of the project each package may import."""
STORAGE_MAY_USE_OF_REPORTS = {"reports.inputs"}
MAY_NOT_IMPORT = {
    "flows": FORBIDDEN | ADAPTER_LIBRARIES,  # the use cases: pure, storage and Telegram behind ports
    "reports": ADAPTER_LIBRARIES,  # pure reporting: formats what it is given
    "storage": {"telegram", "apscheduler", "httpx", "aiohttp", "jinja2", "matplotlib"},
    "config": ADAPTER_LIBRARIES,
}
"""What each layer must never import besides the project packages ``ARROWS`` leaves out (top-level names)."""


def project_sources(layers: tuple[str, ...] = LAYERS) -> list[Path]:
    return sorted(p for layer in layers for p in (ROOT / layer).rglob("*.py") if "__pycache__" not in p.parts)


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def arrows_out(layer: str, tree: ast.AST) -> list[tuple[int, str]]:
    """The imports in ``tree`` (a module of ``layer``) that reach a project package ``layer`` may not import."""
    banned = set(LAYERS) - ARROWS[layer] - {layer}
    found = forbidden_imports(tree, banned | MAY_NOT_IMPORT.get(layer, set()))
    if layer == "storage":
        found += [
            (line, m)
            for line, m in imported(tree)
            if m.split(".")[0] == "reports" and m not in STORAGE_MAY_USE_OF_REPORTS
        ]
    return sorted(found)


def test_the_arrow_checker_sees_an_arrow_back() -> None:
    lazy_back = "def f():\n    from flows.i18n import ENGLISH\n    from reports.stats import pct\n"
    assert arrows_out("reports", ast.parse(lazy_back)) == [(2, "flows.i18n")]
    assert arrows_out("flows", ast.parse(lazy_back)) == []
    past_the_input = "from reports.inputs import Response\nfrom reports.scoring import score\nimport config\n"
    assert arrows_out("storage", ast.parse(past_the_input)) == [(2, "reports.scoring"), (3, "config")]
    assert arrows_out("config", ast.parse("from reports.coding import pattern\n")) == [(1, "reports.coding")]


@pytest.mark.parametrize("path", project_sources(), ids=_rel)
def test_each_layer_imports_only_what_it_may(path: Path) -> None:
    assert arrows_out(path.relative_to(ROOT).parts[0], _parse(path)) == [], (
        f"{_rel(path)} imports against the arrows (ARROWS)"
    )


def test_the_packages_import_each_other_only_along_the_arrows() -> None:
    """The whole graph at once: every (package, package) import in the tree is one of ``ARROWS``."""
    edges = {
        (path.relative_to(ROOT).parts[0], m.split(".")[0])
        for path in project_sources()
        for _, m in imported(_parse(path))
        if m.split(".")[0] in LAYERS
    }
    edges = {(a, b) for a, b in edges if a != b}
    allowed = {(a, b) for a, targets in ARROWS.items() for b in targets}
    assert edges - allowed == set()
    assert ("flows", "reports") in edges and ("bot", "flows") in edges  # the scan sees real imports


REPORTS_MAY_NOT_LOAD = (set(LAYERS) - {"reports"}) | ADAPTER_LIBRARIES


def test_reports_imports_no_other_package_of_the_project_even_indirectly() -> None:
    """Nor any adapter library: importing every module of ``reports`` in a fresh interpreter loads none of them."""
    modules = sorted(f"reports.{p.stem}" for p in (ROOT / "reports").glob("*.py") if p.stem != "__init__")
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(REPORTS_MAY_NOT_LOAD)!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# SQL: a statement's shape in upper case (the project writes SQL keywords in capitals), so prose does not match.
SQL = re.compile(
    r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM"
    r"|CREATE\s+(TABLE|INDEX|VIEW|TRIGGER)|ALTER\s+TABLE|DROP\s+(TABLE|INDEX|VIEW)|PRAGMA\s+\w+"
    r"|BEGIN\s+(IMMEDIATE|DEFERRED|EXCLUSIVE|TRANSACTION))\b"
)
EXECUTE = {"execute", "executemany", "executescript"}


def sql_in(tree: ast.AST) -> list[tuple[int, str]]:
    """``.execute(...)``-style calls and string literals that hold an SQL statement (an f-string is read with each
    placeholder as a name)."""
    found = []
    parts_of_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in EXECUTE:
            found.append((node.lineno, f".{node.func.attr}()"))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts_of_fstrings:
            text = node.value
        if text is not None and SQL.search(str(text)):
            found.append((node.lineno, str(text).strip()[:60]))
    return sorted(found)


def test_sql_checker_detects_statements_and_calls() -> None:
    sample = (
        "async def f(conn, cid):\n"
        '    async with conn.execute("SELECT id FROM campaigns WHERE id = ?", (cid,)) as cur:\n'
        "        pass\n"
        '    await conn.executemany(f"UPDATE {TABLE} SET x = 1", [])\n'
        'Q = ("INSERT OR IGNORE"\n     " INTO reminders VALUES (?)")\n'
        'TEXT = "Select a council, then update the campaign from the list; delete nothing."\n'
        'DDL = "PRAGMA user_version"\n'
        "executor.submit(job)\n"
    )
    assert [line for line, _ in sql_in(ast.parse(sample))] == [2, 2, 4, 4, 5, 8]


@pytest.mark.parametrize("path", project_sources(tuple(layer for layer in LAYERS if layer != "storage")), ids=_rel)
def test_no_sql_outside_storage(path: Path) -> None:
    assert sql_in(_parse(path)) == [], f"{_rel(path)} writes or runs SQL: that belongs in a storage repository"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(paths: list[Path]) -> dict[str, set[str]]:
    """First-party module -> the first-party modules it imports, anywhere in the file (a lazy import inside a
    function counts: it is still a dependency).  ``from package import name`` means ``package.name`` when that is a
    module, else ``package``."""
    modules = {module_name(p): p for p in paths}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                targets |= {base} | {f"{base}.{alias.name}" for alias in node.names}
        graph[name] = {m for t in targets if (m := resolve(t)) is not None and m != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return None


def test_cycle_finder_sees_a_lazy_import_cycle(tmp_path: Path) -> None:
    assert find_cycle({"bot.cli": {"bot.demo"}, "bot.demo": {"bot.cli", "flows.campaigns"}, "flows.campaigns": set()})
    assert (
        find_cycle({"bot.cli": {"flows.campaigns"}, "bot.demo": {"flows.campaigns"}, "flows.campaigns": set()}) is None
    )


def test_no_import_cycle_in_the_project() -> None:
    graph = import_graph(project_sources())
    assert {"bot.cli", "bot.demo", "flows.campaigns", "storage.repositories"} <= set(graph)
    assert "bot.cli" not in graph["bot.demo"]  # the demo runs the use cases itself (bot.services), not the CLI's
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


# ---- module size ---------------------------------------------------------------------------------------------------

SIZE_ALARM = 600  # an alarm, not a target: a module past it does more than one job (a feature is never left out to stay
#                 under it: the module is split instead)


@pytest.mark.parametrize(
    "path",
    [p for package in ("bot", "flows", "storage", "reports", "config") for p in sorted((ROOT / package).rglob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_is_over_the_size_alarm(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= SIZE_ALARM, f"{path.relative_to(ROOT)} has {lines} lines: split it by job"


# -- the ports -----------------------------------------------------------------------------------------------------

SHAPES_OF_INTERACTORS = {
    ("flows/once.py", "Current"),
    ("flows/once.py", "Deciding"),  # what an interactor offers once_per_update
    ("flows/respondents/screens.py", "ShowsScreens"),  # ... and busy_if_storage_fails
    ("flows/questions/base.py", "QuestionLike"),
    ("flows/questions/base.py", "SectionLike"),  # what a question type
    ("flows/questions/base.py", "QuestionnaireLike"),
    ("flows/questions/base.py", "View"),  # reads of its questionnaire
}
"""Protocols that describe one part of flows to another, not a port an adapter implements: they stay beside their
users."""


def protocols_in(tree: ast.AST) -> list[str]:
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and any(_dotted(base).split(".")[-1] == "Protocol" for base in node.bases)
    ]


def test_the_ports_are_in_flows_ports_one_module_per_aggregate() -> None:
    outside = {
        (_rel(path), name)
        for path in flows_sources()
        if "ports" not in path.relative_to(FLOWS_DIR).parts
        for name in protocols_in(_parse(path))
    }
    assert outside - SHAPES_OF_INTERACTORS == set(), "declare a port in flows/ports/<aggregate>.py"
    ports = {path.stem: protocols_in(_parse(path)) for path in (FLOWS_DIR / "ports").glob("*.py")}
    assert {"respondents", "campaigns", "auditors", "completion", "reminders", "retention"} <= set(ports)
    assert sum(len(found) for found in ports.values()) >= 30  # every port, in one place
    assert protocols_in(ast.parse("class P(typing.Protocol):\n    pass\nclass Q(Protocol):\n    pass\n")) == ["P", "Q"]
