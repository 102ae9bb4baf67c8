"""Services are wired once, by constructor, in one composition root (``bot/services.py``, as cosmicpython's
``bootstrap.py``): nothing in ``bot/`` or ``flows/`` sets an attribute of a service from outside it (``services.fieldwork
.on_close = ...``, ``self.fieldwork.forecasts = ...``, ``self.results.access = ...`` once did), so a service is whole
the moment it is built and needs no ``assert x is not None`` guarding late wiring (issue 24, item 4)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMPOSITION_ROOT = ("bot/services.py", "bot/jobs_lifecycle.py")
"""Where the services are built (the lifecycle module builds retention and backups for ``bot/services.py``)."""


def _sources() -> list[Path]:
    """``bot/`` and ``flows/``; the emulator models Telegram's own objects (messages, chats), not the bot's services."""
    return sorted(
        p
        for package in ("bot", "flows")
        for p in (ROOT / package).rglob("*.py")
        if "emulator" not in p.parts and "__pycache__" not in p.parts
    )


def _classes() -> dict[str, ast.ClassDef]:
    found: dict[str, ast.ClassDef] = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                found.setdefault(node.name, node)
    return found


def _called_names(tree: ast.AST) -> set[str]:
    return {node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def _init(cls: ast.ClassDef) -> ast.FunctionDef | None:
    return next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)


def service_classes() -> set[str]:
    """The classes the composition root builds, and those their constructors build in turn (a respondent service's
    withdrawals, a fieldwork service's chat languages), and their bases."""
    classes = _classes()
    todo = {"Services"}
    for path in COMPOSITION_ROOT:
        todo |= _called_names(ast.parse((ROOT / path).read_text(encoding="utf-8"))) & set(classes)
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name not in classes:
            continue
        seen.add(name)
        cls = classes[name]
        todo |= {b.id for b in cls.bases if isinstance(b, ast.Name)}
        init = _init(cls)
        if init is not None:
            todo |= _called_names(init) & set(classes)
    return seen


def service_attributes(names: set[str]) -> set[str]:
    """Every attribute a service's class declares or its constructor sets on ``self``."""
    classes, attributes = _classes(), set()
    for name in names:
        cls = classes[name]
        attributes |= {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
        init = _init(cls)
        for node in ast.walk(init) if init is not None else ():
            for target in _targets(node):
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    attributes.add(target.attr)
    return attributes


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        found = [node.target]
    else:
        return []
    return [e for t in found for e in (t.elts if isinstance(t, ast.Tuple) else [t])]


def wired_from_outside(tree: ast.AST, attributes: set[str]) -> list[tuple[int, str]]:
    """Assignments ``<expr>.<attr> = ...`` of a service attribute where ``<expr>`` is not the bare ``self``: a
    service (or the container of services) given a collaborator after it was built."""
    return sorted(
        (node.lineno, ast.unparse(target))
        for node in ast.walk(tree)
        for target in _targets(node)
        if isinstance(target, ast.Attribute)
        and target.attr in attributes
        and not (isinstance(target.value, ast.Name) and target.value.id == "self")
    )


def test_the_service_classes_are_found() -> None:
    found = service_classes()
    assert {
        "Services",
        "Fieldwork",
        "Respondents",
        "Withdraw",
        "Press",
        "Close",
        "Rates",
        "ResultsService",
        "PostingService",
        "RetentionService",
        "BackupService",
        "CompletionService",
        "Compiler",
    } <= found
    attributes = service_attributes(found)
    assert {"on_close", "forecasts", "posting", "access", "outputs", "retention", "backups"} <= attributes


def test_the_checker_sees_late_wiring_and_not_a_test_double_s_state() -> None:
    attributes = service_attributes(service_classes())
    late = ast.parse(
        "services.fieldwork.on_close = closed\n"
        "def open(self):\n"
        "    self.fieldwork.forecasts = ForecastService()\n"
        "    self.respondents.withdraw.access = self.access\n"
        "    services.retention = retention_service()\n"
        "    self.posting = PostingService()\n"  # the root setting its own attribute: allowed
        "clock.current = later\n"  # a settable clock's time: not a service's collaborator
        "record.msg = 'withheld'\n"
    )
    assert [text for _, text in wired_from_outside(late, attributes)] == [
        "services.fieldwork.on_close",
        "self.fieldwork.forecasts",
        "self.respondents.withdraw.access",
        "services.retention",
    ]


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_service_is_wired_after_it_is_built(path: Path) -> None:
    found = wired_from_outside(ast.parse(path.read_text(encoding="utf-8")), service_attributes(service_classes()))
    assert not found, f"{path.relative_to(ROOT)}: pass these to the constructor in bot/services.py: {found}"


LATE_WIRING_GUARDS = {"completion", "reminders", "posting", "forecasts", "access", "outputs", "on_close"}


def test_no_assert_guards_a_collaborator_set_later() -> None:
    """``assert self.completion is not None`` once guarded a collaborator the bot set after construction; a
    collaborator that may be absent is an ``if ... is None`` branch with a reason, never an assertion."""
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Assert)
                and isinstance(node.test, ast.Compare)
                and isinstance(node.test.left, ast.Attribute)
                and node.test.left.attr in LATE_WIRING_GUARDS
                and isinstance(node.test.ops[0], ast.IsNot)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, found


async def test_the_root_hands_each_service_its_collaborators(emulator, tmp_path: Path) -> None:
    """What was once set after construction arrives through the constructors, the same objects the root holds."""
    from bot.services import Services
    from tests.support import make_settings

    closed: list[object] = []

    async def on_close(campaign: object) -> None:
        closed.append(campaign)

    services = Services(make_settings(emulator, tmp_path / "wired.db"))
    await services.open(object(), on_close=on_close)  # type: ignore[arg-type]  # the messenger is only stored here
    try:
        assert services.fieldwork.close.on_close is on_close
        assert services.fieldwork.resend.posting is services.posting and services.fieldwork.rates.forecasts is not None
        assert services.results.access is services.access and services.posting.access is services.access
        assert services.respondents.withdraw.access is services.access
        assert services.respondents.withdraw.outputs is services.completion
        assert services.retention is not None and services.backups is not None
    finally:
        await services.close()


# ---- one small interactor per use case (issue 24, item 5) -----------------------------------------------------------

INTERACTOR_PACKAGES = ("flows/respondents", "flows/fieldwork")
SHARED_MODULES = {"__init__.py", "screens.py", "questions.py", "ports.py", "names.py", "wording.py", "finding.py"}
"""What the interactors of a package share (the screens, one input through the engine, ports, wording, finding a
council's campaign) and the package itself, which only builds and holds them."""
ROUTERS = {"buttons.py", "commands.py"}
"""What hands a press or a command to the interactor it belongs to: no use case of their own, a longer table."""
INTERACTOR_LINES = 160
SHARED_LINES = 200
PUBLIC_METHODS = 3


def _public_methods(cls: ast.ClassDef) -> list[str]:
    return [
        n.name
        for n in cls.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (not n.name.startswith("_") or n.name == "__call__")
    ]


def _interactor_modules() -> list[Path]:
    return sorted(p for package in INTERACTOR_PACKAGES for p in (ROOT / package).glob("*.py"))


@pytest.mark.parametrize("path", _interactor_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_interactor_module_stays_small(path: Path) -> None:
    """One use case a module, each class with a few entry points: no room grows back into a service with one method
    per use case."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    shared = path.name in SHARED_MODULES
    limit = SHARED_LINES if shared or path.name in ROUTERS else INTERACTOR_LINES
    assert lines <= limit, f"{path.relative_to(ROOT)}: {lines} lines"
    if shared:
        return
    classes = [n for n in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(n, ast.ClassDef)]
    assert classes, f"{path.relative_to(ROOT)} holds no interactor"
    for cls in classes:
        assert len(_public_methods(cls)) <= PUBLIC_METHODS, (path.name, cls.name, _public_methods(cls))


def test_no_god_service_is_left() -> None:
    """The respondents' and the auditors' services were one class each with a method per use case; what holds
    their interactors now builds them and does nothing else."""
    from flows.fieldwork import Fieldwork
    from flows.respondents import Respondents

    assert not (ROOT / "flows/service.py").exists() and not (ROOT / "flows/fieldwork.py").exists()
    for holder in (Respondents, Fieldwork):
        assert [name for name, value in vars(holder).items() if callable(value)] == ["__init__"], holder


def _holders() -> dict[str, object]:
    """The interactors as the root holds them, built on placeholders (their constructors only keep them)."""
    from flows.fieldwork import Fieldwork
    from flows.respondents import Respondents

    nothing: Any = None
    return {
        "respondents": Respondents(nothing, nothing, {}, nothing, nothing, nothing),
        "fieldwork": Fieldwork(
            nothing,
            nothing,
            nothing,
            nothing,
            nothing,
            nothing,
            nothing,
            reminders=nothing,
            completion=nothing,
            cat=nothing,
        ),
    }


def test_the_handlers_call_interactors() -> None:
    """``bot/handlers.py`` reaches each use case as an interactor of its own (``svc.respondents.press(...)``,
    ``svc.fieldwork.chat_language.choose(...)``), never a method of one service that does everything."""
    holders = _holders()
    used: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse((ROOT / "bot/handlers.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr in holders:
            used.add((node.value.attr, node.attr))
    assert {
        ("respondents", n) for n in ("start", "press", "answer", "command", "unsupported", "edited", "forget_updates")
    } <= used
    assert {("fieldwork", n) for n in ("help", "command", "press", "digest", "chat_language")} <= used
    for holder, name in sorted(used):
        interactor = getattr(holders[holder], name)
        module = type(interactor).__module__
        assert module.startswith((f"flows.{holder}.", "flows.chat_language", "flows.once")), (holder, name, module)
        assert len(_public_methods(_classes()[type(interactor).__name__])) <= PUBLIC_METHODS, (holder, name)
