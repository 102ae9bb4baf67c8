"""Whether the database can take a write right now: the health check's probe (``bot/health.py``).

A write transaction is begun (``BEGIN IMMEDIATE``, which takes SQLite's write lock) on a connection of its own and
rolled back at once, so nothing is written: it fails when the file is read-only, locked by a writer for longer than
``timeout`` seconds, missing, or no SQLite database.  A disk with almost no room left is reported too, since the next
answer would not fit.  Blocking: run it in a thread.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

MIN_FREE_BYTES = 16 * 1024 * 1024
"""Below this much free space on the database's disk, the database counts as not writable: SQLite needs room for
the write-ahead log and its checkpoints, and a reminder round or a report writes more than one answer does."""


def write_problem(path: Path, timeout: float = 2.0, min_free: int = MIN_FREE_BYTES) -> str | None:
    """None when a write could start now; otherwise a few words saying why not (no file names, nothing stored)."""
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw",
            uri=True,
            timeout=timeout,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error:
        return "cannot be opened for writing"
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        return {5: "locked by another writer", 6: "locked", 8: "read-only", 13: "disk full", 26: "not a database"}.get(
            code, f"not writable ({type(exc).__name__})"
        )
    finally:
        conn.close()
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return None
    if free < min_free:
        return f"disk almost full ({free // (1024 * 1024)} MiB free)"
    return None
