"""One measured figure: its value, the floor bot's value in the same run (if any), and the target it must meet."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Target:
    """``value <op> limit``; with ``of_floor`` the limit is a multiple of the floor's value (``<= 1.2 x floor``)."""

    op: str
    limit: float
    of_floor: bool = False

    def bound(self, floor: float | None) -> float | None:
        if not self.of_floor:
            return self.limit
        return None if floor is None else self.limit * floor

    def met(self, value: float, floor: float | None) -> bool | None:
        bound = self.bound(floor)
        return None if bound is None else _COMPARE[self.op](value, bound)

    def describe(self, unit: str) -> str:
        if self.of_floor:
            return f"{self.op} {self.limit:g}× floor"
        return f"{self.op} {_number(self.limit)} {unit}".rstrip()


@dataclass(frozen=True)
class Figure:
    """A line of BENCHMARKS.md.  ``floor`` is the floor bot's value for the same measurement, when it has one."""

    section: str
    name: str
    value: float
    unit: str = ""
    floor: float | None = None
    target: Target | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        met = self.target.met(self.value, self.floor)
        return "" if met is None else ("PASS" if met else "FAIL")

    @property
    def ratio(self) -> str:
        if self.floor is None or self.floor == 0:
            return ""
        return f"{self.value / self.floor:.2f}×"

    def cells(self) -> list[str]:
        floor = "" if self.floor is None else f"{_number(self.floor)} {self.unit}".rstrip()
        target = "" if self.target is None else self.target.describe(self.unit)
        return [
            self.name,
            f"{_number(self.value)} {self.unit}".rstrip(),
            floor,
            self.ratio,
            target,
            self.verdict,
            self.note,
        ]


def _number(value: float) -> str:
    if value == int(value) and abs(value) >= 10:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


HEADER = ["Figure", "datatool-bot", "Floor bot", "Ratio", "Target", "Result", "Note"]


def table(figures: list[Figure]) -> str:
    """A Markdown table of figures."""
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for figure in figures:
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in figure.cells()) + " |")
    return "\n".join(lines)
