"""The national view: each council's median level per key characteristic, and the spread across councils.

A council's median is its raw Total's (the lower-middle rule of ``reports.stats``), published under the same
disclosure control as its own report: None when the total has fewer than 5 answering.  The spread counts the
councils at each level and gives the minimum, the nearest-rank quartiles and the maximum of their medians.

Change since the previous round (``NationalView.changes``): for the councils whose data carries their own campaign
of an earlier round (``SurveyData.previous``), per characteristic, how many had a median at Level 2 or above then
and now, and which councils' Totals changed beyond the margin of error (the test of ``reports.comparison``, the
same as in each council's own report).  A council with fewer than 5 answering in either round is left out of that
characteristic.  Naming councils is allowed here: the national report is the one that sets them side by side.
``national_comparison_context`` is the context of ``templates/national_comparisons.html.j2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports.comparison import group_change
from reports.inputs import SurveyData
from reports.model import TOTAL, CharacteristicResult, Movement, RateResult
from reports.scoring import score_characteristics
from reports.stats import quantile
from reports.summary import template_environment, texts
from reports.vocabulary import DEFAULT_LANGUAGE, in_language
from reports.wording import Wording

CHANGE_TEMPLATE = "national_comparisons.html.j2"


@dataclass(frozen=True)
class CouncilMedians:
    authority: str
    authority_cy: str | None
    interim: bool
    invited: int
    responded: int
    medians: tuple[int | None, ...]  # per characteristic (NationalView.characteristics order); None: suppressed

    def authority_name(self, language: str) -> str:
        return in_language(self.authority, self.authority_cy, language)


@dataclass(frozen=True)
class NationalCharacteristic:
    section_id: str
    title: Wording
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
class NationalChange:
    """One characteristic across the councils with an earlier round: medians at Level 2 or above then and now."""

    section_id: str
    title: Wording
    councils: int  # councils with a median in both rounds
    left_out: int  # councils with an earlier round but fewer than 5 answering (or withheld) in one of them
    at_least_2_then: int
    at_least_2_now: int
    up: tuple[CouncilMedians, ...]  # Total changed up beyond the margin of error
    down: tuple[CouncilMedians, ...]
    mixed: tuple[CouncilMedians, ...]  # more at both ends


@dataclass(frozen=True)
class NationalView:
    councils: tuple[CouncilMedians, ...]
    characteristics: tuple[NationalCharacteristic, ...]
    previous_rounds: tuple[str, ...] = ()  # the earlier rounds compared with (each council's own previous round)
    compared: int = 0  # councils with an earlier round
    changes: tuple[NationalChange, ...] = ()


def national(surveys: Sequence[SurveyData]) -> NationalView:
    """Each council's median level per characteristic (its raw Total; None when the total has fewer than 5
    answering) and the spread across councils: counts at each level, minimum, quartiles, maximum.

    Each council is scored for its rates and characteristics only (``score_characteristics``: the same figures as
    its own report, without the theme statements and comments the national view does not show)."""
    scored = [(s, *score_characteristics(s)) for s in surveys]
    section_ids = list(dict.fromkeys(c.section_id for _, _, characteristics in scored for c in characteristics))
    titles: dict[str, Wording] = {}
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
    changes, rounds, compared = _changes(surveys, scored, councils, section_ids, titles)
    return NationalView(tuple(councils), tuple(spread), rounds, compared, changes)


def _invited(rates: Sequence[RateResult]) -> int:
    return next((r.invited for r in rates if r.group == TOTAL), 0)


def _changes(
    surveys: Sequence[SurveyData],
    scored: Sequence[tuple[SurveyData, tuple[RateResult, ...], tuple[CharacteristicResult, ...]]],
    councils: Sequence[CouncilMedians],
    section_ids: Sequence[str],
    titles: dict[str, Wording],
) -> tuple[tuple[NationalChange, ...], tuple[str, ...], int]:
    """Per characteristic, the councils with an earlier round then and now (module docstring)."""
    earlier = [(i, score_characteristics(s.previous)) for i, s in enumerate(surveys) if s.previous is not None]
    if not earlier:
        return (), (), 0
    rounds = tuple(sorted({r for s in surveys if s.previous is not None and (r := s.previous.round)}))
    changes = []
    for section_id in section_ids:
        pairs, left_out = [], 0
        for i, (then_rates, then_chars) in earlier:
            _, now_rates, now_chars = scored[i]
            before = next((c for c in then_chars if c.section_id == section_id), None)
            after = next((c for c in now_chars if c.section_id == section_id), None)
            if before is None or after is None or before.total.median_level is None or after.total.median_level is None:
                left_out += 1
                continue
            moved = group_change(TOTAL, before.total, after.total, _invited(then_rates), _invited(now_rates))
            pairs.append((councils[i], before.total.median_level, after.total.median_level, moved.movement))
        changes.append(
            NationalChange(
                section_id=section_id,
                title=titles[section_id],
                councils=len(pairs),
                left_out=left_out,
                at_least_2_then=sum(1 for _, then, _, _ in pairs if then >= 2),
                at_least_2_now=sum(1 for _, _, now, _ in pairs if now >= 2),
                up=tuple(c for c, _, _, m in pairs if m is Movement.UP),
                down=tuple(c for c, _, _, m in pairs if m is Movement.DOWN),
                mixed=tuple(c for c, _, _, m in pairs if m is Movement.MIXED),
            )
        )
    return tuple(changes), rounds, len(earlier)


def national_comparison_context(view: NationalView, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The context of ``templates/national_comparisons.html.j2``: ``{"national_comparisons": {...}}`` (keys in the
    template's docstring), or ``{"national_comparisons": None}`` when no council has an earlier round."""
    if not view.changes:
        return {"national_comparisons": None}
    t = texts(language)

    def names(found: Sequence[CouncilMedians]) -> str:
        return ", ".join(c.authority_name(language) for c in found) or t("cmp_none")

    columns = [
        t("cmp_col_characteristic"),
        t("nat_col_councils"),
        t("nat_col_then"),
        t("nat_col_now"),
        t("nat_col_up"),
        t("nat_col_down"),
        t("nat_col_mixed"),
        t("nat_col_left_out"),
    ]
    rows = [
        {
            "header": c.title.get(language),
            "cells": [
                str(c.councils),
                str(c.at_least_2_then),
                str(c.at_least_2_now),
                names(c.up),
                names(c.down),
                names(c.mixed),
                str(c.left_out),
            ],
        }
        for c in view.changes
    ]
    rounds = t("cmp_and").join(view.previous_rounds) or t("cmp_previous_unnamed")
    return {
        "national_comparisons": {
            "heading": t("nat_change_heading"),
            "intro": t("nat_change_intro", councils=view.compared, rounds=rounds),
            "table": {"caption": t("nat_change_caption"), "columns": columns, "rows": rows},
            "note": t("nat_change_note"),
        }
    }


def render_national_comparisons(view: NationalView, language: str = DEFAULT_LANGUAGE) -> str:
    """The partial on its own (its section, no page around it)."""
    return template_environment().get_template(CHANGE_TEMPLATE).render(**national_comparison_context(view, language))
