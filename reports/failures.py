"""Describing a failure for the log without its message (``flows.diagnostics`` re-exports it for the use cases).

An exception's message can carry what caused it: a respondent's comment that openpyxl refused, an answer in a
failed SQL parameter, a bot token in a URL.  Logs therefore get the exception's type and where it was raised —
never ``str(exc)`` and never a traceback with locals or messages.
"""

from __future__ import annotations

import traceback


def where(exc: BaseException) -> str:
    """``"IllegalCharacterError at openpyxl/cell/cell.py:220 in check_string"``: type, then the innermost frame
    (and, for a chained exception, the type it was raised from)."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ is not None else []
    described = type(exc).__name__
    if frames:
        last = frames[-1]
        described += f" at {_short(last.filename)}:{last.lineno} in {last.name}"
    cause = exc.__cause__ or exc.__context__
    if cause is not None and cause is not exc:
        described += f" (from {type(cause).__name__})"
    return described


def _short(filename: str) -> str:
    """The last two parts of a path: enough to find the line, without the machine's folders."""
    return "/".join(filename.replace("\\", "/").split("/")[-2:])
