"""Backups: the folder they are written to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class BackupInfo:
    """What a copy of the database says about itself (``storage.backup.inspect``)."""

    integrity: str
    """``ok``, or the first problem SQLite's integrity check found."""
    schema_version: int
    tables: frozenset[str]
    size: int = 0


class BackupFolder(Protocol):
    """The backup folder (``storage.backup.BackupFolder``)."""

    def names(self) -> list[str]: ...

    async def take(self, name: str) -> BackupInfo:
        """Write a checked backup of the database as ``name`` (0600), and the ledger's copy beside it."""
        ...

    def remove(self, name: str) -> None: ...
