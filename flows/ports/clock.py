"""The clock the use cases are given (they never read the time themselves), and the one settable clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime (UTC)."""
        ...


@dataclass
class SettableClock:
    """A ``Clock`` that tells the time it is set to, moved by hand: the one the demo, its invented history, the
    benchmarks and the tests use (no real time, no sleeps)."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move on by ``timedelta(**delta)``; the new time."""
        self.current += timedelta(**delta)
        return self.current
