"""Every invitation's final outcome and the standard rates built on them (AAPOR Standard Definitions).

One invitation, one outcome code (counted per group by ``storage.repositories.CampaignRepository.rates`` in one SQL
aggregate; this module only does the arithmetic, exactly, with ``Fraction``):

- **I** complete: submitted.
- **P** partial: not submitted, but every key characteristic answered (the first question counted in levels of
  each ``kind: characteristic`` section, seven in the shipped questionnaires: ``reports.inputs.Form.key_questions``).  "Don't know"
  counts as an answer; a skipped question does not.
- **R** refusal or break-off: withdrew (the answers were deleted then), or started answering and stopped below the
  partial threshold without submitting.  While fieldwork is open a break-off may still be answering ("in progress"),
  but the rates count it as R already, as they will at close.
- **O** other: opened the link (bound to a Telegram account) but never answered a question.
- **NC** non-contact: never opened the link.
- Revoked invitations (sent in error, or the person left the council) are ineligible: in no count and no
  denominator.

RR1 = I / (I + P + R + O + NC) is the headline, the "Percentage responded" of the report's table; RR2 = (I + P) /
(I + P + R + O + NC) counts partials as responses; the cooperation rate COOP1 = I / (I + P + R + O) is completes
among those reached (who opened the link).  Eligibility is known (a named list), so RR3 to RR6 coincide with these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from reports.stats import pct

__all__ = ["CODES", "Outcomes", "outcome_rows"]

CODES = ("I", "P", "R", "O", "NC")
"""The outcome codes in the order they are shown."""


@dataclass(frozen=True)
class Outcomes:
    """One group's eligible invitations by outcome (``refusal`` = withdrew + broke off)."""

    complete: int = 0
    partial: int = 0
    withdrew: int = 0
    broke_off: int = 0  # started, below the partial threshold, not submitted ("in progress" while fieldwork is open)
    other: int = 0
    non_contact: int = 0

    def __add__(self, other: Outcomes) -> Outcomes:
        return Outcomes(*(a + b for a, b in zip(self.counts_all, other.counts_all, strict=True)))

    @property
    def counts_all(self) -> tuple[int, int, int, int, int, int]:
        return self.complete, self.partial, self.withdrew, self.broke_off, self.other, self.non_contact

    @property
    def refusal(self) -> int:
        return self.withdrew + self.broke_off

    @property
    def counts(self) -> dict[str, int]:
        """Code -> count, in ``CODES`` order."""
        return dict(zip(CODES, (self.complete, self.partial, self.refusal, self.other, self.non_contact), strict=True))

    @property
    def eligible(self) -> int:
        """I + P + R + O + NC: the number invited (revoked excluded)."""
        return self.complete + self.partial + self.refusal + self.other + self.non_contact

    @property
    def reached(self) -> int:
        """I + P + R + O: those who opened their link."""
        return self.eligible - self.non_contact

    @property
    def rr1(self) -> Fraction | None:
        return _share(self.complete, self.eligible)

    @property
    def rr2(self) -> Fraction | None:
        return _share(self.complete + self.partial, self.eligible)

    @property
    def coop1(self) -> Fraction | None:
        return _share(self.complete, self.reached)

    def percentages(self) -> tuple[int | None, int | None, int | None]:
        """RR1, RR2 and COOP1 in whole percent, rounded half up as every rate of the report (None: no denominator)."""
        return pct(self.rr1), pct(self.rr2), pct(self.coop1)


def _share(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def outcome_rows(by_role: Mapping[str, Outcomes], roles: Iterable[str]) -> tuple[tuple[str | None, Outcomes], ...]:
    """One row per role (in ``roles`` order; a role with no counts has none), then the total (``None``)."""
    rows: list[tuple[str | None, Outcomes]] = [(r, by_role.get(r, Outcomes())) for r in roles]
    return (*rows, (None, sum((o for _, o in rows), Outcomes())))
