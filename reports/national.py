"""The national view: each council's median level per key characteristic, and the spread across councils.

A council's median is its raw Total's (the lower-middle rule of ``reports.stats``), published under the same
disclosure control as its own report: None when the total has fewer than 5 answering.  The spread counts the
councils at each level and gives the minimum, the nearest-rank quartiles and the maximum of their medians.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flows.model import Text
from reports.model import TOTAL, SurveyData
from reports.scoring import score_characteristics
from reports.stats import quantile

@dataclass(frozen=True)
class CouncilMedians:
    authority: str
    authority_cy: str | None
    interim: bool
    invited: int
    responded: int
    medians: tuple[int | None, ...]  # per characteristic (NationalView.characteristics order); None: suppressed

    def authority_name(self, language: str) -> str:
        return (self.authority_cy or self.authority) if language == "cy" else self.authority


@dataclass(frozen=True)
class NationalCharacteristic:
    section_id: str
    title: Text
    at_level: tuple[int, int, int]  # councils whose median (Total) is at Level 1, 2, 3
    suppressed: int  # councils with fewer than 5 answering (no median)
    minimum: int | None
    lower_quartile: int | None
    median: int | None
    upper_quartile: int | None
    maximum: int | None

    @property
    def councils(self) -> int:
        return sum(self.at_level)


@dataclass(frozen=True)
class NationalView:
    councils: tuple[CouncilMedians, ...]
    characteristics: tuple[NationalCharacteristic, ...]


def national(surveys: Sequence[SurveyData]) -> NationalView:
    """Each council's median level per characteristic (its raw Total; None when the total has fewer than 5
    answering) and the spread across councils: counts at each level, minimum, quartiles, maximum.

    Each council is scored for its rates and characteristics only (``score_characteristics``: the same figures as
    its own report, without the theme statements and comments the national view does not show)."""
    scored = [(s, *score_characteristics(s)) for s in surveys]
    section_ids = list(dict.fromkeys(c.section_id for _, _, characteristics in scored for c in characteristics))
    titles: dict[str, Text] = {}
    for _, _, characteristics in scored:
        for c in characteristics:
            titles.setdefault(c.section_id, c.title)
    councils = []
    for s, rates, characteristics in scored:
        by_id = {c.section_id: c for c in characteristics}
        medians = tuple(by_id[i].total.median_level if i in by_id else None for i in section_ids)
        total = next(r for r in rates if r.group == TOTAL)
        councils.append(CouncilMedians(s.authority, s.authority_cy, s.interim, total.invited, total.responded, medians))
    spread = []
    for i, section_id in enumerate(section_ids):
        levels = [c.medians[i] for c in councils if c.medians[i] is not None]
        known = [v for v in levels if v is not None]
        spread.append(
            NationalCharacteristic(
                section_id=section_id,
                title=titles[section_id],
                at_level=(known.count(1), known.count(2), known.count(3)),
                suppressed=len(councils) - len(known),
                minimum=min(known) if known else None,
                lower_quartile=quantile(known, 0.25),
                median=quantile(known, 0.5),
                upper_quartile=quantile(known, 0.75),
                maximum=max(known) if known else None,
            )
        )
    return NationalView(tuple(councils), tuple(spread))
