"""The flows package's own data, read here and nowhere else: the message catalogue (``messages.yaml``), through
``importlib.resources`` (so it is found wherever the package is installed), when first asked for, never at import and
never from a path someone gives."""

from __future__ import annotations

from functools import cache
from importlib.resources.abc import Traversable

CATALOGUE = "messages.yaml"


def _folder() -> Traversable:
    """The package's own folder, from this module's loader (its ``importlib.resources`` reader): never another
    folder of the same name, as ``importlib.resources.files("flows")`` can give when a ``flows/`` folder in the
    working directory shadows the package's name (an editable install run where a ``flows/`` folder is written)."""
    loader = __spec__.loader
    reader = loader.get_resource_reader(__spec__.name) if loader is not None else None  # type: ignore[attr-defined]
    if reader is None:
        raise LookupError(f"{__spec__.name}: the package's data cannot be read")
    return reader.files()


@cache
def catalogue_text() -> str:
    """The message catalogue as YAML text (``flows.i18n.catalogue`` parses it)."""
    return _folder().joinpath(CATALOGUE).read_text(encoding="utf-8")
