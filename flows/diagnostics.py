"""Describing a failure for the log without its message (``where``, from ``reports.failures``: reports/ logs its
failed outputs the same way), and keeping one campaign's failure inside its part of a periodic job (``isolated``).

An exception's message can carry what caused it: a respondent's comment that openpyxl refused, an answer in a
failed SQL parameter, a bot token in a URL.  Logs therefore get the exception's type and where it was raised —
never ``str(exc)`` and never a traceback with locals or messages.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from flows.ports.errors import StorageUnavailable
from reports.failures import where

__all__ = ["isolated", "where"]


@contextlib.contextmanager
def isolated(log: logging.Logger, what: str) -> Iterator[None]:
    """One campaign's part of a periodic job (reminders, digest, completion, results back): a failure inside is
    logged as ``"<what>: <where(exc)>"`` — its type and place, never its message — and goes no further, so the job
    goes on with the other campaigns.  ``StorageUnavailable`` does go further: the database, not the campaign, is at
    fault, and the job waits for its next tick."""
    try:
        yield
    except StorageUnavailable:
        raise
    except Exception as exc:
        log.error("%s: %s", what, where(exc))
