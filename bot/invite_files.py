"""The files ``datatool-bot invites create --out`` writes: the CSV of links (``reference,role,link``) and a QR code
per invitation, each readable by its owner only, and both checked writable before any invitation exists.

The links exist nowhere else (the database keeps a hash of each token), so an invitation created and then not
written down is lost for good: :func:`writable_outputs` makes sure both can be written first.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

CSV_HEADER = ("reference", "role", "link")
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
"""Links are in these files: readable by their owner only."""


class CannotWrite(Exception):
    """The CSV or the QR folder cannot be written; ``str()`` is the one line to print (nothing was created)."""


def private_file(path: Path) -> int:
    """``path`` opened for writing (created, or emptied), readable by its owner only whatever it was before."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return fd


def write_qr_codes(rows: list[tuple[str, str, str]], folder: Path) -> None:
    """One PNG per invitation, named by reference, for printed letters; each readable by its owner only."""
    import segno

    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
    for reference, _, link in rows:
        with os.fdopen(private_file(folder / f"{reference}.png"), "wb") as out:
            segno.make(link, error="m").save(out, kind="png", scale=8, border=4)


def cannot_write(path: Path, exc: OSError, option: str) -> CannotWrite:
    """Why ``path`` cannot be written, in one line, with nothing created."""
    if isinstance(exc, FileNotFoundError):
        reason = f"there is no folder {path.parent}"
    elif isinstance(exc, (FileExistsError, NotADirectoryError)):
        reason = "a file is in the way of the folder"
    else:
        reason = exc.strerror or type(exc).__name__
    return CannotWrite(f"cannot write {option} {path}: {reason}; no invitation was created")


def try_writing_in(folder: Path) -> None:
    """Create and remove a file in ``folder``: OSError when that cannot be done."""
    fd, probe = tempfile.mkstemp(prefix=".datatool-", suffix=".probe", dir=folder)
    os.close(fd)
    os.unlink(probe)


@contextmanager
def writable_outputs(csv_path: Path, qr_dir: Path, qr_option: str) -> Iterator[Callable[[str], None]]:
    """Make sure the CSV and the QR folder can be written before any invitation exists (an invitation whose link
    is lost exists only as a hash): the CSV is first written to a private file beside it, which replaces it once the
    rows are in, and the QR folder is created (removed again if nothing is put in it) and tried.  Yields the function
    that puts the CSV in place."""
    try:
        fd, staged = tempfile.mkstemp(prefix=f".{csv_path.name}.", suffix=".part", dir=csv_path.parent)  # 0600
    except OSError as exc:
        raise cannot_write(csv_path, exc, "--out") from None
    os.close(fd)
    staging = Path(staged)
    created = [folder for folder in (qr_dir, *qr_dir.parents) if not folder.exists()]
    done = False
    try:
        try:
            qr_dir.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)
            try_writing_in(qr_dir)
        except OSError as exc:
            raise cannot_write(qr_dir, exc, qr_option) from None

        def put_in_place(text: str) -> None:
            staging.write_text(text, encoding="utf-8")
            os.replace(staging, csv_path)

        yield put_in_place
        done = True
    finally:
        staging.unlink(missing_ok=True)
        if not done:
            for folder in created:  # innermost first
                with contextlib.suppress(OSError):
                    folder.rmdir()


def default_qr_dir(csv_path: Path) -> Path:
    return csv_path.with_name(csv_path.stem + "-qr")


def as_csv(rows: list[tuple[str, str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(rows)
    return buffer.getvalue()
