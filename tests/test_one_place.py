"""One place for each rule: the languages (``"en"``, ``"cy"``) and the roles (``"officer"``, ``"member"``) are spelt
once, in the module that defines them (``reports/vocabulary.py``, the bottom of the house: ``flows.i18n`` and
``flows.model`` re-export them); everywhere else names the constant
(``ENGLISH``, ``WELSH``, ``DEFAULT_LANGUAGE``, ``LANGUAGES``, ``OFFICER``, ``MEMBER``, ``ROLES``), default arguments
included.  Docstrings may say the words; code may not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flows.replies import clip
from flows.screens import fit
from reports.plain_text import truncate
from reports.texts import entries_from, shorten

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "config", "flows", "reports", "storage", "bench")
WORDS = {"en", "cy", "officer", "member"}
DEFINING = {Path("reports/vocabulary.py")}
EXCLUDED = (
    # The emulator models Telegram's own vocabulary, not the bot's: ``language_code`` is the IETF tag a Telegram
    # client reports and "member" is a Telegram chat member's status.  They happen to share spelling with ours.
    Path("bot/emulator"),
)
PENDING: frozenset[Path] = frozenset()
"""Files whose literals are still to go (none now: the wiring work's files were cleaned once it landed)."""


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def spelt_literals(source: str) -> list[tuple[int, str]]:
    """(line, word) for every string constant in code that is a language or a role (docstrings aside)."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in WORDS
        and id(node) not in docs
    )


def checked_files() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in DEFINING or relative in PENDING or any(relative.is_relative_to(e) for e in EXCLUDED):
                continue
            files.append(relative)
    return files


def test_the_scan_finds_a_spelt_language_or_role_and_ignores_docstrings():
    source = '"""Says "en" in a docstring."""\ndef f(language="cy"):\n    """officer"""\n    return {"member": 1}\n'
    assert spelt_literals(source) == [(2, "cy"), (4, "member")]


def test_languages_and_roles_are_spelt_only_where_they_are_defined():
    found = [
        f"{path}:{line}: {word!r}"
        for path in checked_files()
        for line, word in spelt_literals((ROOT / path).read_text())
    ]
    assert found == [], (
        "name the constant (reports.vocabulary ENGLISH/WELSH/DEFAULT_LANGUAGE/OFFICER/MEMBER, re-exported by flows)"
    )


def test_the_pending_files_still_exist():
    """A pending entry is removed once its file is renamed or gone (so the list cannot silently shelter a new file)."""
    assert [p for p in PENDING if not (ROOT / p).exists()] == []


def test_one_truncation_rule_for_toasts_echoed_answers_and_report_labels():
    assert truncate("short", 5) == "short"
    assert truncate("ab cd ef", 5) == "ab c…"
    assert truncate("ab cd", 4) == "ab…"  # no space left before the ellipsis
    assert clip("ab cd", 4) == fit("ab cd", 4) == shorten("ab  cd", 4) == "ab…"


def test_the_report_texts_refuse_a_key_given_twice_as_the_message_catalogue_does(tmp_path):
    path = tmp_path / "i18n_twice.yaml"
    path.write_text("title:\n  en: One\n  cy: Un\ntitle:\n  en: Two\n  cy: Dau\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'title' is given twice"):
        entries_from(path.read_text(encoding="utf-8"), str(path))


CLOCKS = {
    Path("flows/ports/clock.py"),  # the Clock protocol and the one SettableClock
    Path("bot/services.py"),  # the system clock
}


def test_one_settable_clock():
    """A class with a ``now`` method is a clock: the protocol, the system clock and ``flows.ports.clock.SettableClock``
    only (tests subclass it for a default moment; they do not write another)."""
    found = []
    for package in (*PACKAGES, "tests"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in CLOCKS or relative in PENDING or any(relative.is_relative_to(e) for e in EXCLUDED):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and any(
                    isinstance(f, ast.FunctionDef) and f.name == "now" for f in node.body
                ):
                    found.append(f"{relative}:{node.lineno}: {node.name}")
    assert found == [], "use flows.ports.clock.SettableClock"
