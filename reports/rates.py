"""Response rates in the report's shape: Data tool recipients | Number invited | Responses received | Percentage
responded, for Officers, Elected Members and Total — plus, per role, who started and has not finished, the target,
and the worst-case 95% margin of error.  A plain view-model first; the formatters only read it."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from storage.repositories import RoleRate

ROLE_LABELS = {"officer": "Officers", "member": "Elected Members"}
HEADERS = ("Data tool recipients", "Number invited", "Responses received", "Percentage responded")
Z95 = 1.96


def round_half_up(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent(part: int, whole: int) -> int | None:
    """Whole percent, rounded half up as the report does (32/62 -> 52); None when nobody was invited."""
    if whole == 0:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def margin_of_error(answered: int, invited: int) -> float | None:
    """Worst-case 95% margin (as a fraction) for a share estimated from ``answered`` of ``invited`` people.

    moe = 1.96 * sqrt(0.25 / n) * sqrt((N - n) / (N - 1)), with the finite population correction: 0 when everyone
    answered, None when nobody did.  32 of 62 -> 0.121 (±12 points); 9 of 65 -> 0.306; 41 of 127 -> 0.126.
    """
    if answered <= 0 or invited <= 0:
        return None
    if answered >= invited:
        return 0.0
    return Z95 * math.sqrt(0.25 / answered) * math.sqrt((invited - answered) / (invited - 1))


def moe_points(answered: int, invited: int) -> int | None:
    moe = margin_of_error(answered, invited)
    return None if moe is None else round_half_up(moe * 100)


@dataclass(frozen=True)
class RateRow:
    role: str | None  # None for the total
    label: str
    invited: int
    responded: int
    started: int
    target: float | None = None

    @property
    def percentage(self) -> int | None:
        return percent(self.responded, self.invited)

    @property
    def moe(self) -> int | None:
        """Worst-case 95% margin of error of shares from this group's answers, in points."""
        return moe_points(self.responded, self.invited)

    @property
    def target_count(self) -> int | None:
        return None if self.target is None else math.ceil(self.target * self.invited - 1e-9)

    @property
    def still_needed(self) -> int | None:
        return None if self.target_count is None else max(0, self.target_count - self.responded)

    @property
    def below_target(self) -> bool:
        return bool(self.still_needed)


@dataclass(frozen=True)
class RateTable:
    authority: str
    rows: tuple[RateRow, ...]  # officers, members, total

    @classmethod
    def from_roles(cls, authority: str, roles: list[RoleRate], targets: dict[str, float] | None = None) -> RateTable:
        targets = targets or {}
        rows = [
            RateRow(r.role, ROLE_LABELS[r.role], r.invited, r.responded, r.started, targets.get(r.role)) for r in roles
        ]
        total = RateRow(
            None,
            "Total",
            sum(r.invited for r in rows),
            sum(r.responded for r in rows),
            sum(r.started for r in rows),
        )
        return cls(authority, (*rows, total))

    def row(self, role: str) -> RateRow:
        return next(r for r in self.rows if r.role == role)

    @property
    def total(self) -> RateRow:
        return self.rows[-1]

    def cells(self) -> list[tuple[str, str, str, str]]:
        return [
            (r.label, str(r.invited), str(r.responded), "–" if r.percentage is None else f"{r.percentage}%")
            for r in self.rows
        ]


def _grid(table: RateTable, *, with_moe: bool, narrow: bool = False) -> list[str]:
    """The table as fixed-width lines; ``narrow`` stacks each heading over two lines (for phones)."""
    headers: list[tuple[str, ...]] = [HEADERS + (("Margin",) if with_moe else ())]
    rows = [
        (*cells, *(("–" if r.moe is None else f"±{r.moe}",) if with_moe else ()))
        for cells, r in zip(table.cells(), table.rows)
    ]
    if narrow:
        split = [_balanced_split(h) for h in headers[0]]
        headers = [tuple(p[0] for p in split), tuple(p[1] for p in split)]
    body = [*headers, *rows]
    widths = [max(len(row[i]) for row in body) for i in range(len(body[0]))]
    sep = "  " if narrow else " | "

    def line(row: tuple[str, ...]) -> str:
        return sep.join([row[0].ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:]))]).rstrip()

    rule = [] if narrow else ["-+-".join("-" * w for w in widths)]
    return [*(line(h) for h in headers), *rule, *(line(r) for r in rows)]


def _balanced_split(heading: str) -> tuple[str, str]:
    """Split a heading at the space that makes its longer half shortest ("Data tool" / "recipients")."""
    spaces = [i for i, ch in enumerate(heading) if ch == " "]
    if not spaces:
        return heading, ""
    at = min(spaces, key=lambda i: max(i, len(heading) - i - 1))
    return heading[:at], heading[at + 1 :]


def format_text(table: RateTable, *, details: bool = False) -> str:
    """A fixed-width table for the terminal; with ``details``, margins, unfinished and targets too."""
    lines = [table.authority, *_grid(table, with_moe=details)]
    if details:
        lines += [""] + [_role_detail(r) for r in table.rows if r.role]
    return "\n".join(lines)


def _role_detail(row: RateRow) -> str:
    parts = [f"{row.label}: {row.started} started, not finished"]
    if row.target is not None:
        parts.append(f"target {round_half_up(row.target * 100)}% ({row.target_count} of {row.invited})")
        parts.append(f"{row.still_needed} more needed" if row.below_target else "target reached")
    return "; ".join(parts)


def format_html(table: RateTable) -> str:
    """The table for a Telegram message (HTML parse mode): a <pre> grid, then one line per role."""
    grid = html.escape("\n".join(_grid(table, with_moe=True, narrow=True)), quote=False)
    details = "\n".join(("⚠ " if r.below_target else "✓ ") + html.escape(_role_detail(r), quote=False)
                        for r in table.rows if r.role)
    return f"<b>{html.escape(table.authority, quote=False)}</b>\n<pre>{grid}</pre>\n{details}"
