"""Response rates in the report's shape: Data tool recipients | Number invited | Responses received | Percentage
responded, for Officers, Elected Members and Total.  A plain view-model first; formatting only reads it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from storage.repositories import RoleRate

ROLE_LABELS = {"officer": "Officers", "member": "Elected Members"}
HEADERS = ("Data tool recipients", "Number invited", "Responses received", "Percentage responded")


def percent(part: int, whole: int) -> int | None:
    """Whole percent, rounded half up as the report does (32/62 -> 52); None when nobody was invited."""
    if whole == 0:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class RateRow:
    label: str
    invited: int
    responded: int
    started: int

    @property
    def percentage(self) -> int | None:
        return percent(self.responded, self.invited)


@dataclass(frozen=True)
class RateTable:
    authority: str
    rows: tuple[RateRow, ...]  # officers, members, total

    @classmethod
    def from_roles(cls, authority: str, roles: list[RoleRate]) -> RateTable:
        rows = [RateRow(ROLE_LABELS[r.role], r.invited, r.responded, r.started) for r in roles]
        total = RateRow(
            "Total",
            sum(r.invited for r in rows),
            sum(r.responded for r in rows),
            sum(r.started for r in rows),
        )
        return cls(authority, (*rows, total))

    def cells(self) -> list[tuple[str, str, str, str]]:
        return [
            (r.label, str(r.invited), str(r.responded), "–" if r.percentage is None else f"{r.percentage}%")
            for r in self.rows
        ]


def format_text(table: RateTable) -> str:
    """A fixed-width table for the terminal."""
    body = [HEADERS, *table.cells()]
    widths = [max(len(row[i]) for row in body) for i in range(len(HEADERS))]

    def line(row: tuple[str, ...]) -> str:
        first = row[0].ljust(widths[0])
        return " | ".join([first, *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:]))])

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([table.authority, line(HEADERS), rule, *(line(r) for r in body[1:])])
