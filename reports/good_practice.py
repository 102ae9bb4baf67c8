"""Good practice: the examples (``config/good_practice.yaml``, each summarised from the source it cites: the national
study report for the shipped six, given in ``SurveyData.good_practice``) chosen for each group's weakest
characteristics (``weakest``): members and officers may place different characteristics lowest, and each is pointed
to the examples for its own.  An example is given once, with the groups and characteristics it was chosen for.  The
comparisons (``reports.comparison``) hold the choice and show it with the words here (``practice_context``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import Any

from reports.inputs import PracticeExample
from reports.model import TOTAL, CharacteristicResult
from reports.peers import GoodPractice, PracticeChoice, WeakPoint
from reports.texts import ReportTexts, names_text

__all__ = ["MAX_WEAKEST", "good_practice", "groups_in", "practice_context", "weakest"]

MAX_WEAKEST = 3
"""At most this many weakest characteristics per group choose the good-practice examples."""


def groups_in(*lists: Iterable[str]) -> list[str]:
    """The groups of ``lists``, each once, in the order they first come."""
    return list(dict.fromkeys(g for items in lists for g in items))


# ---- the choice --------------------------------------------------------------------------------------------------


def _weak_points(group: str, characteristics: Sequence[CharacteristicResult]) -> tuple[WeakPoint, ...]:
    found = []
    for c in characteristics:
        b = c.group(group)
        if b is None or b.median_level is None:
            continue
        lowest = b.categories.lowest
        found.append(
            WeakPoint(group, c.section_id, c.title, b.median_level, None if lowest is None else b.share(lowest))
        )
    if not found:
        return ()
    floor = min(w.median for w in found)
    at_floor = [w for w in found if w.median == floor]  # questionnaire order, kept by the stable sort below
    return tuple(sorted(at_floor, key=lambda w: -(w.at_level_1 or Fraction(0)))[:MAX_WEAKEST])


def weakest(characteristics: Sequence[CharacteristicResult], roles: Sequence[str]) -> dict[str, tuple[WeakPoint, ...]]:
    """Group -> the characteristics it places lowest (``WeakPoint``): the lowest median level among those where the
    group's median is published, at most ``MAX_WEAKEST``, the larger share at Level 1 first (where published).  Only
    published figures choose, so the choice tells nothing that the report withholds.  When no group's median is
    published anywhere, the Total's."""
    found = {role: points for role in roles if (points := _weak_points(role, characteristics))}
    if not found and (points := _weak_points(TOTAL, characteristics)):
        found[TOTAL] = points
    return found


def good_practice(
    characteristics: Sequence[CharacteristicResult],
    examples: Sequence[PracticeExample],
    roles: Sequence[str] | None = None,
) -> GoodPractice | None:
    """The examples for each group's weakest characteristics (``weakest``), each once, those for the weakest points
    first (the lowest median, then the group's own order, officers before members); None when none applies."""
    roles = roles if roles is not None else groups_in(*(c.groups for c in characteristics))
    weak = weakest(characteristics, roles)
    ranked = sorted(
        ((w.median, rank, i, w) for i, points in enumerate(weak.values()) for rank, w in enumerate(points)),
        key=lambda x: x[:3],
    )
    order = [w for *_, w in ranked]
    chosen: dict[str, PracticeChoice] = {}
    for point in order:
        for e in examples:
            if point.section_id in e.characteristics and e.id not in chosen:
                reasons = tuple(w for points in weak.values() for w in points if w.section_id in e.characteristics)
                chosen[e.id] = PracticeChoice(e, reasons)
    return GoodPractice(weak, tuple(chosen.values())) if chosen else None


# ---- its words ----------------------------------------------------------------------------------------------------


def _weak_text(t: ReportTexts, points: Sequence[WeakPoint]) -> str:
    return t(
        "cmp_practice_weak",
        names=names_text(t, [w.title.get(t.language) for w in points]),
        level=t.level(points[0].median),
    )


def practice_context(t: ReportTexts, gp: GoodPractice, authority: str) -> dict[str, Any]:
    weakest_text = "; ".join(
        t("cmp_practice_group", group=t(f"cmp_group_{g}"), weak=_weak_text(t, points))
        for g, points in gp.weakest.items()
    )
    examples = []
    for choice in gp.examples:
        e = choice.example
        by_group: dict[str, list[str]] = {}
        for w in choice.reasons:
            by_group.setdefault(w.group, []).append(w.title.get(t.language))
        chosen_for = "; ".join(
            t("cmp_practice_for_group", group=t(f"cmp_group_{g}"), names=names_text(t, names))
            for g, names in by_group.items()
        )
        examples.append(
            {
                "title": e.title.get(t.language),
                "organisation": e.organisation.get(t.language),
                "chosen_for": t("cmp_practice_chosen_for", reasons=chosen_for),
                "summary": e.summary.get(t.language),
                "source": t("cmp_source", source=e.source.get(t.language)),
            }
        )
    return {
        "heading": t("cmp_practice_heading"),
        "intro": t("cmp_practice_intro", authority=authority, weakest=weakest_text),
        "examples": examples,
    }
