"""Question types as objects: the registry from a questionnaire's ``type:`` name to the class that owns it.

One module per type (``choice.py``, ``scale.py``, ``text.py``), each a subclass of ``QuestionKind``
(``flows.questions.base``) with its validation, options, input parsing, keyboard and scoring categories.  Every
module of this package is looked at when it is first imported, and each ``QuestionKind`` subclass it defines with a
``name`` is registered, so **adding a type is adding one module here** (plus its tests); ``register`` does the same
for a class defined elsewhere (a test's toy type).

    from flows.questions import kind_class
    kind_class("scale")          # -> ScaleQuestion
    questionnaire.kind(question) # the type bound to one question (flows.model)
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from flows.questions.base import QuestionKind

_TYPES: dict[str, type[QuestionKind]] = {}


def register(cls: type[QuestionKind]) -> type[QuestionKind]:
    """Make ``cls`` the type questionnaires name ``cls.name``.  Refuses a name already taken by another class."""
    if not (isinstance(cls, type) and issubclass(cls, QuestionKind)) or not cls.name:
        raise TypeError(f"{cls!r} is not a QuestionKind with a name")
    taken = _TYPES.get(cls.name)
    if taken is not None and taken is not cls:
        raise ValueError(f"question type {cls.name!r} is already registered ({taken.__module__}.{taken.__name__})")
    _TYPES[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Forget a type (tests that register a toy type remove it again)."""
    _TYPES.pop(name, None)


def kind_class(name: str) -> type[QuestionKind]:
    """The class of a registered type; KeyError for an unknown name."""
    return _TYPES[name]


def names() -> tuple[str, ...]:
    """The registered type names, sorted."""
    return tuple(sorted(_TYPES))


def _discover() -> None:
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, QuestionKind) and value.__module__ == module.__name__ and value.name:
                register(value)


_discover()

__all__ = ["QuestionKind", "kind_class", "names", "register", "unregister"]
