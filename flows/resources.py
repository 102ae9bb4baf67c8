"""The flows package's own data, read here and nowhere else: the message catalogue (``messages.yaml``), through
``importlib.resources`` (so it is found wherever the package is installed), when first asked for, never at import and
never from a path someone gives."""

from __future__ import annotations

from functools import cache
from importlib.resources.abc import Traversable

from reports.resources import package_folder

CATALOGUE = "messages.yaml"


def _folder() -> Traversable:
    """The package's own folder (``reports.resources.package_folder``: from this module's loader, never a folder that
    shadows the package's name)."""
    return package_folder(__spec__)


@cache
def catalogue_text() -> str:
    """The message catalogue as YAML text (``flows.i18n.catalogue`` parses it)."""
    return _folder().joinpath(CATALOGUE).read_text(encoding="utf-8")
