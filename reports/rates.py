"""Response rates in the report's shape: Data tool recipients | Number invited | Responses received | Percentage
responded, for Officers, Elected Members and Total — plus, per role, who started and has not finished, the target,
and the worst-case 95% margin of error, and the standard outcome rates (``reports.outcomes``: the percentage in the
table is RR1; a line per group gives RR2 and the cooperation rate with the outcome counts behind them).  A plain
view-model; the chat and terminal formatters (``flows.rate_texts``) only read it.

Every figure comes from ``reports.stats`` (the same margins and rounding as the report's own rate table), so
``/rates``, ``datatool-bot rates`` and the compiled report always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reports.inputs import RoleCounts
from reports.outcomes import Outcomes
from reports.stats import margin_points, percent
from reports.stats import target_count as responses_for_target

__all__ = ["RateRow", "RateTable"]


@dataclass(frozen=True)
class RateRow:
    role: str | None  # None for the total
    invited: int
    responded: int
    started: int
    target: float | None = None
    outcomes: Outcomes | None = None  # each invitation's outcome, when counted (the percentage is their RR1)

    @property
    def percentage(self) -> int | None:
        """Whole percent, rounded half up as the report does (32/62 -> 52); None when nobody was invited."""
        return percent(self.responded, self.invited)

    @property
    def moe(self) -> int | None:
        """Worst-case 95% margin of error of shares from this group's answers, in points."""
        return margin_points(self.responded, self.invited)

    @property
    def target_count(self) -> int | None:
        return responses_for_target(self.target, self.invited)

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
    fieldwork_open: bool = False  # break-offs may still be answering: said so beside R

    @classmethod
    def from_roles(
        cls,
        authority: str,
        roles: Iterable[RoleCounts],
        targets: dict[str, float] | None = None,
        *,
        fieldwork_open: bool = False,
    ) -> RateTable:
        targets = targets or {}
        rows = [
            RateRow(r.role, r.invited, r.responded, r.started, targets.get(r.role), getattr(r, "outcomes", None))
            for r in roles
        ]
        counted = [r.outcomes for r in rows if r.outcomes is not None]
        total = RateRow(
            None,
            sum(r.invited for r in rows),
            sum(r.responded for r in rows),
            sum(r.started for r in rows),
            outcomes=sum(counted, Outcomes()) if rows and len(counted) == len(rows) else None,
        )
        return cls(authority, (*rows, total), fieldwork_open)

    def row(self, role: str) -> RateRow:
        return next(r for r in self.rows if r.role == role)

    @property
    def total(self) -> RateRow:
        return self.rows[-1]
