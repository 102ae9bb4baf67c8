"""The parameters of a Bot API request, which arrive as strings (query, form) or JSON values, and uploaded files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.emulator.errors import ERR_BAD_INTEGER, ERR_BAD_JSON_PARAM, ApiError


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to request parameters, which arrive as strings (form) or JSON values."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw

    def _get(self, name: str) -> Any:
        value = self._raw.get(name)
        return None if value == "" else value

    def text(self, name: str) -> str | None:
        value = self._get(name)
        return None if value is None else str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self._get(name)
        if value is None:
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, ERR_BAD_INTEGER.format(name)) from None

    def number(self, name: str) -> float:
        value = self._get(name)
        try:
            return float(value) if value is not None else 0.0
        except (TypeError, ValueError):
            raise ApiError(400, ERR_BAD_INTEGER.format(name)) from None

    def flag(self, name: str) -> bool:
        value = self._get(name)
        return value is True or str(value).lower() in ("true", "1")

    def obj(self, name: str) -> Any:
        value = self._get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, ERR_BAD_JSON_PARAM.format(name)) from None

    def file(self, name: str) -> UploadedFile | str | None:
        """A file parameter: an uploaded part, or a file_id/URL string (``attach://`` resolved)."""
        value = self._get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self._raw.get(value.removeprefix("attach://"))
        return value if isinstance(value, UploadedFile | str) else None
