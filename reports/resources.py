"""The reports package's own data, read here and nowhere else: the report texts (``i18n_*.yaml``) and the Jinja2
templates (``templates/``), through ``importlib.resources`` (so they are found wherever the package is installed,
a wheel or a zip included), each when first asked for, never at import and never from a path someone gives."""

from __future__ import annotations

from functools import cache
from importlib.machinery import ModuleSpec
from importlib.resources.abc import Traversable

TEMPLATES = "templates"


def _plain(name: str) -> bool:
    """A file name of the package's own (no folder, no way out of it)."""
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def package_folder(spec: ModuleSpec) -> Traversable:
    """The folder of the package whose ``resources`` module has ``spec``, from that module's loader (its
    ``importlib.resources`` reader): never another folder of the same name, as ``importlib.resources.files("reports")``
    can give when a ``reports/`` folder in the working directory shadows the package's name (an editable install run
    where a ``reports/`` folder is written).  ``flows.resources`` finds its own folder the same way."""
    loader = spec.loader
    reader = loader.get_resource_reader(spec.name) if loader is not None else None  # type: ignore[attr-defined]
    if reader is None:
        raise LookupError(f"{spec.name}: the package's data cannot be read")
    return reader.files()


def _folder() -> Traversable:
    return package_folder(__spec__)


@cache
def text(name: str) -> str:
    """The report texts file ``name`` (``i18n_reports.yaml``)."""
    if not (_plain(name) and name.endswith(".yaml")):
        raise ValueError(f"{name!r} is not a report texts file")
    return _folder().joinpath(name).read_text(encoding="utf-8")


@cache
def template(name: str) -> str | None:
    """The source of the template ``name`` (``report.html.j2``); None when there is none (Jinja2's
    ``FunctionLoader`` then says the template is not found)."""
    if not _plain(name):
        return None
    found = _folder().joinpath(TEMPLATES, name)
    return found.read_text(encoding="utf-8") if found.is_file() else None
