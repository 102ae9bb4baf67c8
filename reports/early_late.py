"""Early versus late respondents (method notes, "Non-response bias: early versus late respondents"): the figures
(``early_late``, pure, frozen dataclasses) and the context of the report's partial ``templates/early_late.html.j2``
(``early_late_context``).

Who is late
    ``Response.reminders_before`` (loaded by ``storage.surveys``): the reminders recorded for the respondent's
    invitation that had been sent, or may have been (status ``unknown``/``sending``: the send was attempted and may
    have arrived), before the submission was recorded: scheduled slots, the final reminder, "remind me tomorrow" and
    auditors' ``/remind`` rounds alike.  0 is an early respondent, 1 or more a late one (``after``: after the 1st, the
    2nd, the 3rd or later).  A reminder queued but never sent, failed or unreachable does not count.  Responses whose
    timing is not known (None) are left out of both sides and counted.

    A reminder in the same second as the submission counts as before it.  Times are kept to the second, so they
    cannot order the two; but a reminder is taken for sending only while its person has not submitted, so it was on
    its way first and may have been read first, which is the rule for a delivery whose outcome is unknown.  The
    comparison is with the reminders sent to that person, not with a group's reminder rounds: a round reaches people
    over minutes, and someone who submitted before their own reminder went out is early, whatever the round's time.
    (The demo's clock stands still while a round goes out and people come back, so every comeback shares its
    reminder's second: with the tie read the other way, 59 of 67 were early and 8 late where 26 had been reminded.)

The comparison, per key characteristic (the Total, and each group where allowed)
    The early and the late respondents' distributions over Level 1/2/3 and their medians.  Two shares are tested,
    at Level 2 or above and at Level 3, with the test of a change between two rounds (``reports.stats.share_change``:
    95%, Agresti-Caffo adjusted, finite population corrected against the group's invited count; early taken as
    "then", late as "now").  Late respondents rated a characteristic lower when a share is lower among them beyond its
    margin and none higher, higher the other way, differently (mixed) when one is higher and one lower; otherwise
    "no detectable difference".  Two tests per characteristic mean about one in ten of those that do not differ may
    still show a difference by chance: the report says so.

Disclosure (method notes, "Small numbers"; the one test of ``reports.disclosure``)
    - The early and the late respondents are each a subset of the respondents, and their Totals are published
      beside the main tables, so a group's part of either could be worked out by differencing (officers at 0% at
      Level 1 and an early Total with 17% at Level 1 of 12 put both early members at Level 1).  So nothing is
      compared unless every group asked the characteristic has none or 5 or more on each side, counted in
      respondents and in answers (``disclosure.subset_shown``; reason ``WITHHELD``): then every part of every
      published figure is a group of 5 or more, and whether 1 to 4 of a side said Don't know decides nothing.
    - 5 to 7 on a side: both sides by their medians only, nothing tested (the other side in full, beside the report's
      own table of the group, would give the small side away).  8 or more on both sides: distributions.
    - Groups one by one only when every group answering has 5 or more on each side; with one of them 5 to 7 on a
      side, every group by its medians only (the Total minus one group's side would give the other's).
    - Each side shown by its median only says why (``Limit``): 5 to 7 on this side, the other side small, or another
      group small; never "fewer than 8 answered" of a side that 50 answered.
    - When the report itself withholds the Total's distribution to protect a hidden group, nothing is compared.
    - Sizes (respondents, not answers) are given for the Total, and for each group when every group has none or 5
      or more respondents on each side (the same test).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any

from reports.comparison import counted, distribution, level_text
from reports.disclosure import MIN_DISTRIBUTION, MIN_SHOWN, Tally, breakdowns, subset_shown, tally
from reports.inputs import FormQuestion, SurveyData
from reports.model import TOTAL, Breakdown, CharacteristicResult, Detail, Reason, ShareChange, SurveyReport
from reports.stats import beyond_margin, pct, share_change
from reports.texts import ReportTexts, template_environment, texts
from reports.vocabulary import DEFAULT_LANGUAGE
from reports.wording import Wording

__all__ = [
    "Difference",
    "EarlyLate",
    "EarlyLateCharacteristic",
    "EarlyLateGroup",
    "EarlyLateSize",
    "Limit",
    "compare_group",
    "early_late",
    "early_late_context",
    "render_early_late",
]

TESTED_FROM = (2, 3)
"""The shares tested: at Level 2 or above, and at Level 3."""
TEMPLATE = "early_late.html.j2"
EARLY, LATE = "early", "late"


class Difference(StrEnum):
    """What may be said of late respondents beside early ones in one characteristic and group."""

    LOWER = "lower"  # a share at a level or above lower among late respondents beyond its margin, none higher
    HIGHER = "higher"
    MIXED = "mixed"  # one lower and one higher beyond their margins
    NONE = "none"  # no detectable difference: every difference within its margin
    MEDIANS_ONLY = "medians_only"  # 5 to 7 answering on a side: not tested
    WITHHELD = "withheld"  # fewer than 5 answering on a side, or 1 to 4 of a group: nothing said
    PROTECTED = "protected"  # the report withholds the Total to protect a hidden group: nothing said


class Limit(StrEnum):
    """Why a side is given by its median only (its true reason, whatever the number answering on it)."""

    OWN = "own"  # 5 to 7 answering on this side
    OTHER_SIDE = "other_side"  # the other side has 5 to 7: this side in full would give it away beside the report
    OTHER_GROUP = "other_group"  # another group has 5 to 7 on a side: this group in full would give it away


@dataclass(frozen=True)
class EarlyLateGroup:
    """One group's early and late respondents in one characteristic; ``shares`` (``then`` = early, ``now`` = late)
    are tested only when both sides are shown in full.  ``early``/``late`` None: withheld.  ``limits``: why each side
    (early, late) is given by its median only, None for a side shown in full or withheld."""

    group: str  # officer | member | total
    early: Breakdown | None
    late: Breakdown | None
    difference: Difference
    shares: tuple[ShareChange, ...] = ()
    limits: tuple[Limit | None, Limit | None] = (None, None)

    @property
    def detected(self) -> tuple[ShareChange, ...]:
        return tuple(s for s in self.shares if s.detected)


@dataclass(frozen=True)
class EarlyLateCharacteristic:
    section_id: str
    title: Wording
    groups: Mapping[str, EarlyLateGroup]  # the Total first, then each group when groups are compared one by one

    @property
    def total(self) -> EarlyLateGroup:
        return self.groups[TOTAL]


@dataclass(frozen=True)
class EarlyLateSize:
    """Respondents before any reminder and after one (``after``: after the 1st, the 2nd, the 3rd or later)."""

    group: str
    early: int
    late: int
    after: tuple[int, int, int]


@dataclass(frozen=True)
class EarlyLate:
    """What ``reports.scoring.score`` puts on ``SurveyReport.early_late``."""

    sizes: tuple[EarlyLateSize, ...]  # each group (when allowed), then the Total
    unknown: int  # responses whose timing is not known: left out
    characteristics: tuple[EarlyLateCharacteristic, ...]

    def size(self, group: str) -> EarlyLateSize | None:
        return next((s for s in self.sizes if s.group == group), None)

    def count(self, *differences: Difference) -> int:
        return sum(1 for c in self.characteristics if c.total.difference in differences)


# ---- the figures --------------------------------------------------------------------------------------------------


def _at_or_above(categories: Sequence[str], b: Breakdown, level: int) -> Fraction:
    assert b.counts is not None
    return sum(
        (n for c, n in zip(categories, b.counts, strict=True) if (b.categories.level(c) or 0) >= level), Fraction(0)
    )


def compare_group(group: str, early: Tally, late: Tally, invited: int, *, medians_only: bool = False) -> EarlyLateGroup:
    """One group's (or the Total's) early and late answers, under the disclosure rules (module docstring)."""
    if early.answered < MIN_SHOWN or late.answered < MIN_SHOWN:
        return EarlyLateGroup(group, None, None, Difference.WITHHELD)
    sides, _, _ = breakdowns({EARLY: early, LATE: late}, {EARLY: invited, LATE: invited}, {})
    first, second = sides[EARLY], sides[LATE]
    if medians_only or not (first.shown and second.shown):

        def limit(mine: Tally, other: Tally) -> Limit:
            if mine.answered < MIN_DISTRIBUTION:
                return Limit.OWN
            return Limit.OTHER_SIDE if other.answered < MIN_DISTRIBUTION else Limit.OTHER_GROUP

        limits = (limit(early, late), limit(late, early))
        return EarlyLateGroup(
            group, _medians(first, limits[0]), _medians(second, limits[1]), Difference.MEDIANS_ONLY, limits=limits
        )
    shares = []
    for level in TESTED_FROM:
        x1, x2 = _at_or_above(first.categories, first, level), _at_or_above(second.categories, second, level)
        assert first.answered and second.answered
        adjusted, moe = share_change((x1, first.answered, invited), (x2, second.answered, invited))
        shares.append(
            ShareChange(level, x1 / first.answered, x2 / second.answered, adjusted, moe, beyond_margin(adjusted, moe))
        )
    higher = any(s.detected and s.adjusted > 0 for s in shares)
    lower = any(s.detected and s.adjusted < 0 for s in shares)
    difference = (
        Difference.MIXED
        if higher and lower
        else Difference.HIGHER
        if higher
        else Difference.LOWER
        if lower
        else Difference.NONE
    )
    return EarlyLateGroup(group, first, second, difference, tuple(shares))


def _medians(b: Breakdown, limit: Limit) -> Breakdown:
    """The side by its median only, with its true reason: 5 to 7 answering on it, or protecting a small side or
    group (whatever the number answering on this one)."""
    reason = Reason.FEWER_THAN_8 if limit is Limit.OWN else Reason.PROTECTS_OTHER
    return Breakdown(b.group, b.categories, Detail.MEDIAN, reason, median=b.median)


def _question(data: SurveyData, role: str, section_id: str) -> FormQuestion | None:
    qn = data.questionnaires[role]
    section = next((s for s in qn.sections if s.id == section_id), None)
    if section is None:
        return None
    return section.key_question


def _characteristic(data: SurveyData, c: CharacteristicResult) -> EarlyLateCharacteristic:
    categories = c.total.categories
    pairs: dict[str, tuple[Tally, Tally]] = {}
    people: list[int] = []  # each group's respondents on each side, whatever they answered
    for role in c.groups:
        question = _question(data, role, c.section_id)
        mine = [r for r in data.responses if r.role == role and r.reminders_before is not None]
        values = [(r.answers.get(question.id) if question else None, r.reminders_before) for r in mine]
        pairs[role] = (
            tally([v for v, k in values if k == 0], categories),
            tally([v for v, k in values if k], categories),
        )
        people += [sum(1 for _, k in values if k == 0), sum(1 for _, k in values if k)]
    invited = sum(int(data.invited.get(role, 0)) for role in c.groups)
    early = Tally(categories, tuple(sum(p[0].counts[i] for p in pairs.values()) for i in range(len(categories))), 0)
    late = Tally(categories, tuple(sum(p[1].counts[i] for p in pairs.values()) for i in range(len(categories))), 0)

    def nothing(difference: Difference) -> EarlyLateCharacteristic:
        return EarlyLateCharacteristic(c.section_id, c.title, {TOTAL: EarlyLateGroup(TOTAL, None, None, difference)})

    if c.total.reason is Reason.PROTECTS_HIDDEN:
        return nothing(Difference.PROTECTED)
    # Every group's part of each side passes, counted in people (so that whether 1 to 4 of them said Don't know
    # decides nothing) and in answers.
    if not subset_shown([*people, *(t.answered for p in pairs.values() for t in p)]):
        return nothing(Difference.WITHHELD)
    answering = {g: p for g, p in pairs.items() if p[0].answered + p[1].answered > 0}
    one_by_one = len(answering) > 1 and all(min(e.answered, la.answered) >= MIN_SHOWN for e, la in answering.values())
    groups = {TOTAL: compare_group(TOTAL, early, late, invited)}
    if one_by_one:
        small = any(min(e.answered, la.answered) < MIN_DISTRIBUTION for e, la in answering.values())
        for g, (e, la) in answering.items():
            groups[g] = compare_group(g, e, la, int(data.invited.get(g, 0)), medians_only=small)
    return EarlyLateCharacteristic(c.section_id, c.title, groups)


def _size(group: str, counts: Sequence[int]) -> EarlyLateSize:
    return EarlyLateSize(
        group,
        counts.count(0),
        sum(1 for k in counts if k),
        (counts.count(1), counts.count(2), sum(1 for k in counts if k >= 3)),
    )


def early_late(data: SurveyData, characteristics: Sequence[CharacteristicResult]) -> EarlyLate | None:
    """Early against late respondents per characteristic (module docstring); None when no response came before any
    reminder or none after one."""
    known = [r for r in data.responses if r.reminders_before is not None]
    if not any(r.reminders_before == 0 for r in known) or not any(r.reminders_before for r in known):
        return None
    sizes = [_size(role, [r.reminders_before or 0 for r in known if r.role == role]) for role in data.roles()]
    # Each group's sizes only when none has 1 to 4 on a side (the Total less the others would give them away).
    each = subset_shown(n for s in sizes for n in (s.early, s.late))
    total = _size(TOTAL, [r.reminders_before or 0 for r in known])
    return EarlyLate(
        sizes=(*(sizes if each and sum(1 for s in sizes if s.early + s.late) > 1 else ()), total),
        unknown=len(data.responses) - len(known),
        characteristics=tuple(_characteristic(data, c) for c in characteristics),
    )


# ---- the partial's context --------------------------------------------------------------------------------------


def _share_text(t: ReportTexts, s: ShareChange) -> str:
    return t("el_share", share=t(f"el_share_from_{s.from_level}"), late=pct(s.now), early=pct(s.then))


def difference_text(t: ReportTexts, g: EarlyLateGroup) -> str:
    text = t(f"el_difference_{g.difference.value}")
    if g.detected:
        text += " " + t("el_detected", shares="; ".join(_share_text(t, s) for s in g.detected))
    return text


def _median(t: ReportTexts, b: Breakdown | None) -> str:
    return t("el_withheld_short") if b is None else level_text(t, b.median_level)


def _distribution(t: ReportTexts, b: Breakdown | None, limit: Limit | None) -> str:
    """The side's answers, or why they are not given: withheld (the last column says why), or by the median only
    with the side's own reason (``Limit``)."""
    if b is None:
        return t("el_withheld_short")
    if not b.shown and limit is not None:
        return t(f"el_limit_{limit.value}")
    return distribution(t, b)


def _like_with_like(c: EarlyLateCharacteristic) -> list[EarlyLateGroup]:
    """What the headline compares: each group where the groups are compared one by one (the Total mixes officers and
    members, and the late side may hold more of one group than the early side), else the Total."""
    return [g for name, g in c.groups.items() if name != TOTAL] or [c.total]


def headline(t: ReportTexts, e: EarlyLate) -> str:
    """ "Late respondents — ... — rated Leadership lower than early respondents (Level 2 or above: 30% against 62%),
    beyond the margin of error; on the other six characteristics no detectable difference."  Where the groups are
    compared one by one, each group against itself ("among officers, rated Data Protection lower than early ones"):
    like with like, since a Total's difference could come from a different mix of officers and members on each side.
    """
    found, clear = [], 0
    untested = dict.fromkeys((Difference.MEDIANS_ONLY, Difference.WITHHELD, Difference.PROTECTED), 0)
    for c in e.characteristics:
        compared = _like_with_like(c)
        differ = [g for g in compared if g.difference in (Difference.LOWER, Difference.HIGHER, Difference.MIXED)]
        for g in differ:
            key = f"el_clause_{g.difference.value}" if g.group == TOTAL else f"el_clause_group_{g.difference.value}"
            found.append(
                t(
                    key,
                    characteristic=c.title.get(t.language),
                    group=t(f"cmp_group_{g.group}"),
                    shares="; ".join(_share_text(t, s) for s in g.detected),
                )
            )
        if differ:
            continue
        if all(g.difference is Difference.NONE for g in compared):
            clear += 1
        else:
            untested[next(g.difference for g in (c.total, *compared) if g.difference in untested)] += 1
    sentences = []
    if found:
        sentences.append(
            t("el_headline_found", clauses=t("el_clause_join").join(found))
            + (counted(t, "el_headline_others", clear) if clear else "")
            + "."
        )
    elif clear:
        sentences.append(counted(t, "el_headline_none", clear))
    # Each kind of characteristic not tested, with its own reason.
    sentences += [
        counted(t, f"el_headline_{d.value}", n, min=MIN_SHOWN, full=MIN_DISTRIBUTION) for d, n in untested.items() if n
    ]
    return " ".join(sentences) or t("el_headline_nothing")


def _table(caption: str, columns: list[str], rows: list[tuple[str, list[str]]]) -> dict[str, Any]:
    return {"caption": caption, "columns": columns, "rows": [{"header": h, "cells": cells} for h, cells in rows]}


def early_late_context(report: SurveyReport, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The context of ``templates/early_late.html.j2``: ``{"early_late": {heading, intro, headline, sizes: TABLE,
    table: TABLE, notes: [text, ...]}}`` or ``{"early_late": None}`` when the report has no such comparison; every
    text plain and in ``language``.  ``html.py`` passes it beside its own context and includes the partial."""
    e = report.early_late
    if e is None:
        return {"early_late": None}
    t = texts(language)
    size_rows = [
        (t.group(s.group), [str(s.early), str(s.late), str(s.after[0]), str(s.after[1]), str(s.after[2])])
        for s in e.sizes
    ]
    rows = []
    for c in e.characteristics:
        for g in c.groups.values():
            header = t("el_characteristic_group", characteristic=c.title.get(language), group=t.group(g.group))
            rows.append(
                (
                    header,
                    [
                        _median(t, g.early),
                        _median(t, g.late),
                        _distribution(t, g.early, g.limits[0]),
                        _distribution(t, g.late, g.limits[1]),
                        difference_text(t, g),
                    ],
                )
            )
    notes = [t("el_note_test"), t("el_note_disclosure", min=MIN_SHOWN, full=MIN_DISTRIBUTION)]
    if e.unknown:
        notes.append(counted(t, "el_note_unknown", e.unknown))
    return {
        "early_late": {
            "heading": t("el_heading"),
            "intro": t("el_intro", authority=report.authority_name(language)),
            "headline": headline(t, e),
            "sizes": _table(
                t("el_sizes_caption"),
                [
                    t("col_recipients"),
                    t("el_col_early_n"),
                    t("el_col_late_n"),
                    t("el_col_after_1"),
                    t("el_col_after_2"),
                    t("el_col_after_3"),
                ],
                size_rows,
            ),
            "table": _table(
                t("el_caption"),
                [
                    t("el_col_characteristic_group"),
                    t("el_col_early_median"),
                    t("el_col_late_median"),
                    t("el_col_early"),
                    t("el_col_late"),
                    t("el_col_difference"),
                ],
                rows,
            )
            if rows
            else None,
            "notes": notes,
        }
    }


def render_early_late(report: SurveyReport, language: str = DEFAULT_LANGUAGE) -> str:
    """The partial on its own (for tests, and a page that wants only this section)."""
    return template_environment().get_template(TEMPLATE).render(**early_late_context(report, language))
