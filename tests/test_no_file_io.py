"""I/O at the edges (issue 24, item 2): nothing in ``flows/`` or ``reports/`` touches the file system.

``reports/`` returns documents (``reports.documents``) and ``bot/compiler.py`` writes them; questionnaires and
configuration are read by ``config/`` and passed in; a package's own data (the message catalogue, the report texts,
the templates) is read through its one ``resources`` module, with ``importlib.resources`` and the package's own name.

Two checks keep it: a scan of the source (no ``open()``, no file-system call of ``os``, ``shutil``, ``tempfile``,
``glob``, ``io`` or a path, no ``FileSystemLoader``, no ``__file__``, no YAML read from a file, ``importlib.resources``
only in ``<package>/resources.py`` and only for that package), and a run of Python that imports every module of both
packages and watches, with an audit hook, that no ``.yaml``, ``.j2`` or ``.csv`` file is opened on the way.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("flows", "reports")
RESOURCES = "resources.py"

REFUSED_MODULES = {"shutil", "tempfile", "glob", "fileinput", "importlib_resources"}
OS_FILE_CALLS = {
    "open",
    "fdopen",
    "remove",
    "unlink",
    "rename",
    "renames",
    "replace",
    "makedirs",
    "mkdir",
    "rmdir",
    "removedirs",
    "listdir",
    "scandir",
    "walk",
    "stat",
    "lstat",
    "chmod",
    "chown",
    "truncate",
    "link",
    "symlink",
    "readlink",
    "utime",
    "exists",
    "isfile",
    "isdir",
    "getsize",
    "getmtime",
}
"""``os.<name>`` and ``os.path.<name>``: what touches the file system (``os.sep``, ``os.path.join`` do not)."""
PATH_METHODS = {
    "read_text",
    "write_text",
    "read_bytes",
    "write_bytes",
    "mkdir",
    "unlink",
    "rmdir",
    "iterdir",
    "glob",
    "rglob",
    "touch",
    "exists",
    "is_dir",
    "is_file",
    "stat",
    "lstat",
    "chmod",
    "rename",
    "open",
    "symlink_to",
    "hardlink_to",
    "samefile",
}
"""Methods of a path (any object: the scan cannot tell a path from another value, so the names are simply kept out)."""
REFUSED_NAMES = {"open", "FileSystemLoader", "__file__", "FileIO"}
YAML_LOADS = {"safe_load", "load", "full_load", "unsafe_load", "safe_load_all", "load_all"}


def sources() -> list[Path]:
    files = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))
    assert ROOT / "flows" / "completion.py" in files and ROOT / "reports" / "html.py" in files
    return files


def _dotted(node: ast.AST) -> str:
    """``os.path.exists`` for the expression ``os.path.exists`` ("" when it is not a plain dotted name)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return ""


def _resources_allowed(path: Path) -> bool:
    return path.name == RESOURCES and path.parent.parent == ROOT


def file_io(path: Path, source: str | None = None) -> list[str]:
    """What in ``path`` (or ``source``, as if it were that module) touches the file system, as ``line: what``."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    package = path.relative_to(ROOT).parts[0]
    found: list[str] = []

    def refuse(node: ast.AST, what: str) -> None:
        found.append(f"{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in REFUSED_MODULES:
                    refuse(node, f"import {alias.name}")
                if alias.name == "importlib.resources" and not _resources_allowed(path):
                    refuse(node, "import importlib.resources")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = {alias.name for alias in node.names}
            if node.module.split(".")[0] in REFUSED_MODULES:
                refuse(node, f"from {node.module} import")
            resources = node.module == "importlib.resources" or (node.module == "importlib" and "resources" in names)
            if resources and not _resources_allowed(path):
                refuse(node, "importlib.resources")
            if node.module in ("os", "os.path", "io") and names & (OS_FILE_CALLS | {"open", "FileIO"}):
                refuse(node, f"from {node.module} import {sorted(names & (OS_FILE_CALLS | {'open', 'FileIO'}))}")
            if node.module == "jinja2" and "FileSystemLoader" in names:
                refuse(node, "FileSystemLoader")
        elif isinstance(node, ast.Name) and node.id in REFUSED_NAMES:
            refuse(node, node.id)
        elif isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            if dotted.startswith("importlib.resources") and not _resources_allowed(path):
                refuse(node, dotted)
            if dotted in {f"os.{n}" for n in OS_FILE_CALLS} | {f"os.path.{n}" for n in OS_FILE_CALLS} | {
                "io.open",
                "io.FileIO",
            }:
                refuse(node, dotted)
            if node.attr == "FileSystemLoader":
                refuse(node, dotted or node.attr)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in PATH_METHODS and not _resources_allowed(path):  # a resources module reads its data
                refuse(node, f".{method}()")
            if method == "replace" and len(node.args) == 1 and not node.keywords:  # Path.replace(target)
                refuse(node, ".replace(target)")
            if method in YAML_LOADS and _dotted(node.func.value) == "yaml" and node.args and not _is_text(node.args[0]):
                refuse(node, f"yaml.{method} of something not known to be text")
        if isinstance(node, ast.Call) and _dotted(node.func) in (
            "files",
            "resources.files",
            "importlib.resources.files",
        ):
            if not _own_package(node, package):  # importlib.resources.files(...), or files(...) imported from it
                refuse(node, f"{_dotted(node.func)}() of another package than {package}")
    return found


def _is_text(node: ast.AST) -> bool:
    """A YAML document given as text: a name or a call of a parameter, never a file (an ``open()`` or a path's
    ``read_text()`` is refused on its own)."""
    return not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open")


def _own_package(call: ast.Call, package: str) -> bool:
    """``files(__package__)``, ``files(__name__)`` or ``files("<package>")`` (``package`` the module's own)."""
    if len(call.args) != 1 or call.keywords:
        return False
    (arg,) = call.args
    if isinstance(arg, ast.Name):
        return arg.id in ("__package__", "__name__")
    return isinstance(arg, ast.Constant) and arg.value == package


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_of_flows_or_reports_touches_the_file_system(path: Path):
    assert file_io(path) == []


def test_the_scan_finds_what_it_is_for():
    """The scan is not blind: each kind of file access it must refuse, in a module of flows."""
    sample = ROOT / "flows" / "_scan_sample.py"
    code = "\n".join(
        [
            "import shutil",
            "import importlib.resources",
            "from jinja2 import FileSystemLoader",
            "from pathlib import Path",
            "HERE = Path(__file__).parent",
            "def f(p, q):",
            "    open(p).read()",
            "    p.read_text()",
            "    p.write_bytes(b'')",
            "    p.replace(q)",
            "    'a-b'.replace('-', '_')",
            "    os.replace(p, q)",
            "    yaml.safe_load(open(p))",
            "    os.path.exists(p)",
        ]
    )
    found = [line.split(": ", 1)[1] for line in file_io(sample, code)]
    for what in (
        "import shutil",
        "import importlib.resources",
        "FileSystemLoader",
        "__file__",
        "open",
        ".read_text()",
        ".write_bytes()",
        ".replace(target)",
        "os.replace",
        "os.path.exists",
    ):
        assert what in found, what
    assert found.count(".replace(target)") == 1  # p.replace(q); never a string's replace('-', '_')
    resources = "import importlib.resources\nFILES = importlib.resources.files('flows')\n"
    assert file_io(ROOT / "flows" / RESOURCES, resources) == []
    assert file_io(ROOT / "reports" / RESOURCES, resources)  # another package's data
    assert file_io(ROOT / "flows" / "engine.py", resources)  # not the package's resources module


def test_importing_every_module_of_flows_and_reports_opens_no_data_file():
    """Import-time reads (a catalogue, a template, a table read when a module is imported) would fail here."""
    code = (
        "import importlib, json, pkgutil, sys\n"
        "opened = []\n"
        "def hook(event, args):\n"
        "    if event == 'open' and isinstance(args[0], str) and args[0].endswith(('.yaml', '.yml', '.j2', '.csv')):\n"
        "        opened.append(args[0])\n"
        "sys.addaudithook(hook)\n"
        f"for package in {list(PACKAGES)!r}:\n"
        "    module = importlib.import_module(package)\n"
        "    for info in pkgutil.walk_packages(module.__path__, package + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "print(json.dumps(opened))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
