"""What a compilation wrote: the manifest the report compiler returns (``flows.completion.ReportCompiler``,
``bot/compiler.py``).  Each entry says what a document is, for whom, in which language and where it was written
(``reports.documents`` names the kinds and audiences); a summary's entry carries its text, the chat message.  The
completion use cases post from it: they read no file and parse no file name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reports.documents import SUMMARY


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str
    audience: str
    language: str | None
    media_type: str
    path: Path
    """Where it was written."""
    text: str | None = None
    """A summary's text (the chat message); None for any other document."""


@dataclass(frozen=True)
class Manifest:
    folder: Path
    entries: tuple[Entry, ...] = ()

    @property
    def paths(self) -> list[Path]:
        return [e.path for e in self.entries]

    def summaries(self) -> Mapping[str, str]:
        """The summary's text in each language it was written in."""
        return {
            e.language: e.text
            for e in self.entries
            if e.kind == SUMMARY and e.language is not None and e.text is not None
        }
