"""Disclosure control: how much of each group's answers to one question may be published, and the breakdowns
(group, total, weighted total) built with it applied.

Disclosure control (method notes, "Small numbers"), per question
    - A group with fewer than 5 answering (Don't know excluded) is HIDDEN: no counts, no shares, no median, no
      Don't know count; shown as "fewer than 5".
    - 5 to 7 answering: MEDIAN only (no n, counts, shares, Don't know count or margin).
    - 8 or more: FULL breakdown.
    - The other group is never shown in more detail than MEDIAN when a group that answered the question is below
      FULL: with the total published, the other group's full breakdown would give the small group's away
      (total minus other group).  Its reason is then ``PROTECTS_OTHER``.  (We keep the total, the headline, and
      withhold the other group, as the method notes put it: "hide the other too".)
    - The weighted total is shown only when every group is shown in FULL: the raw total and the weighted total
      are two different mixtures of the same two groups, so with both published (and the published response
      counts) either group's breakdown could be solved for.
    - The total follows the same thresholds on its own n, and the rule below.
    - A group with nobody responding to a question that the others answered does not trigger the rule: there is
      nothing of it to reveal.  A group that responded with Don't know only (no answer counted) is a hidden group
      like any other: a total at 0% at Level 1 would say that none of it chose Level 1.

A hidden group and the total (method notes, "Small numbers"), per question, whenever a group that responded is
HIDDEN (reason ``PROTECTS_HIDDEN``)
    With fewer than 5 of a group answering, a total can still give the group away: a total 100% at Level 2 says
    every member said Level 2, and 0% at Level 1 says no member did.  The same can follow less directly: officers'
    median at Level 2 means at least half of them at Level 1 or 2, so a total with no more than that at Level 1 or
    2 puts every member at Level 3; and two medians alone can do it (10 officers with the median Level 2 and a total
    of 11 with the median Level 3 put the one member at Level 3).  So, in this order:
      1. the total's distribution is withheld (the total reduced to its median) when any of its shares is 0% or
         100% (exactly, or once rounded), or when it would pin the hidden group down beside what is shown of the
         other group;
      2. if what is still shown (the other group's median and the total's median) would pin it down, the other
         group's median is withheld too (HIDDEN, reason ``PROTECTS_OTHER``);
      3. if even the total's median alone would, it is withheld as well (not reached with two groups).
    "Pin down" means: of every set of answers that fits what is published — each group's figures as shown, and the
    number answering in each group, which a reader can often work out from the response counts — all give the
    hidden group the same answer, or all leave one answer out of it (``_pins_down`` tries every such set; the
    hidden group has at most 4 answering).  For a group that answered only Don't know, the reader is taken to know
    how many of each group responded, not how many answered, and the total may not leave out an answer that the
    group could otherwise have given.  Shares between 0% and 100% that pin nothing down are kept: the total
    stays the headline.  The weighted total is never shown beside a hidden group (above), so it cannot be used.
    Theme statements follow the same rule, share agreeing and disagreeing included (an "agree" of 0% or 100% is a
    0% somewhere on the scale).  Don't know is not one of the shares: a total with no Don't know says only that
    nobody in the hidden group said Don't know, not what they answered, and is shown.

Every route (issue 21 item 8)
    One test decides every figure and every comment list, whatever publishes it: the report, the chat summary and
    the results sent to respondents (both read the view-model built here), the charts, the comparisons and the
    national view (the same breakdowns), the early-against-late comparison and the comments.  Its rule is
    ``passes``: of any group of people, nothing is published unless it is none of them or at least 5, and nothing
    from which a group of 1 to 4 could be worked out.  ``breakdowns`` applies it to a question's groups and total;
    ``follow_up_shown`` to the comments to a follow-up (they count those who gave the answer that asks it, so they
    need that group's breakdown shown in full, and 5 of them); ``subset_shown`` to the early and the late
    respondents (every group's part of either passes, or their Totals beside the main tables could be differenced).
    The anonymised answers file is the auditors' working data, not a publication (``reports.export``).

The counts here (``Tally``) are raw and never shown as such: only the ``Breakdown`` objects that ``breakdowns``
returns reach the view-model, with every withheld field set to None.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reports.categories import Categories
from reports.model import TOTAL, WEIGHTED, Breakdown, Detail, Reason
from reports.stats import effective_n, margin, median_category, pct

MIN_SHOWN = 5
"""Fewer answering than this: nothing shown for the group ("fewer than 5")."""
MIN_DISTRIBUTION = 8
"""At least this many answering for a distribution; from MIN_SHOWN up to this minus one, the median only."""


# ---- the one test, for every route (module docstring, "Every route") ---------------------------------------------


def passes(n: int) -> bool:
    """The rule every route applies to a group of people, whatever it publishes of them: none of them, or at least
    ``MIN_SHOWN``.  Nothing is published of 1 to 4 people, nor anything from which it could be worked out."""
    return n == 0 or n >= MIN_SHOWN


def follow_up_shown(gating: Breakdown | None, comments: int) -> bool:
    """May a group's comments to a follow-up (a question asked only of those who gave certain answers to another,
    the gating question) be published?  Listing them says that at least as many of the group gave those answers, so
    only where ``gating``, the group's breakdown of the gating question, is published in full (and says how many
    did), and there are 5 or more of them.  A gating question without a published breakdown: never."""
    return gating is not None and gating.detail is Detail.FULL and comments >= MIN_SHOWN


def subset_shown(parts: Iterable[int]) -> bool:
    """May figures about a subset of the respondents (those who answered before any reminder, or after one) be
    published beside the main tables?  Only when each group's part of the subset (``parts``: how many of each group
    are in it) passes: a part of 1 to 4 would be the subset's figure less what is published of the other groups (0%
    at Level 1 among officers and 17% among the early respondents put both early members at Level 1)."""
    return all(passes(n) for n in parts)


# ---- tallies (unsuppressed, internal) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Raw counts of one group's answers to one question (no disclosure control: never shown as such)."""

    categories: Categories
    counts: tuple[int, ...]
    dont_know: int

    @property
    def answered(self) -> int:
        return sum(self.counts)


def tally(values: Iterable[str | None], categories: Sequence[str]) -> Tally:
    """Count answers into ``categories`` (the question type's ``Categories``; plain ids are read least favourable
    first); Don't know (``Categories.dont_know``) separately; anything else (skipped, stale) is ignored."""
    categories = Categories.of(categories)
    counts = dict.fromkeys(categories, 0)
    dont_know = 0
    for value in values:
        if value is not None and value == categories.dont_know:
            dont_know += 1
        elif value in counts:
            counts[value] += 1
    return Tally(categories, tuple(counts[c] for c in categories), dont_know)


def _ranking(categories: Categories) -> list[int]:
    """Indexes of the categories from least to most favourable (levels ascend; a scale listed from its
    favourable end, strongly agree first, is read backwards): the questionnaire declares which."""
    return list(categories.ranking)


def _own_detail(answered: int) -> tuple[Detail, Reason]:
    if answered < MIN_SHOWN:
        return Detail.HIDDEN, Reason.FEWER_THAN_5
    if answered < MIN_DISTRIBUTION:
        return Detail.MEDIAN, Reason.FEWER_THAN_8
    return Detail.FULL, Reason.SHOWN


def _breakdown(
    group: str,
    categories: Categories,
    counts: Sequence[Fraction],
    answered: int,
    dont_know: int | None,
    detail: Detail,
    reason: Reason,
    moe: float | None,
    n_eff: float | None = None,
) -> Breakdown:
    if detail is Detail.HIDDEN:
        return Breakdown(group, categories, detail, reason)
    index = median_category(counts, _ranking(categories))
    median = None if index is None else categories[index]
    if detail is Detail.MEDIAN:
        return Breakdown(group, categories, detail, reason, median=median)
    total = sum(counts, Fraction(0))
    shares = tuple(Fraction(c) / total for c in counts) if total else tuple(Fraction(0) for _ in counts)
    return Breakdown(
        group,
        categories,
        detail,
        reason,
        answered=answered,
        dont_know=dont_know,
        counts=tuple(Fraction(c) for c in counts),
        shares=shares,
        median=median,
        margin=moe,
        effective_n=n_eff,
    )


def breakdowns(
    tallies: Mapping[str, Tally],
    invited: Mapping[str, int],
    weights: Mapping[str, Fraction],
    *,
    with_total: bool = True,
) -> tuple[dict[str, Breakdown], Breakdown | None, Breakdown | None]:
    """Group, total and weighted breakdowns of one question with disclosure control applied.

    ``tallies``: role -> Tally for the roles asked.  Returns (groups, total, weighted); total and weighted are None
    when ``with_total`` is False (the question was not asked of every group).
    """
    if not tallies:
        raise ValueError("no group was asked this question")
    categories = next(iter(tallies.values())).categories
    own = {g: _own_detail(t.answered) for g, t in tallies.items()}
    shown: dict[str, tuple[Detail, Reason]] = {}
    for g, (detail, reason) in own.items():
        others_small = any(
            own[o][0] is not Detail.FULL and tallies[o].answered + tallies[o].dont_know > 0 for o in tallies if o != g
        )
        if with_total and others_small and detail is Detail.FULL:
            detail, reason = Detail.MEDIAN, Reason.PROTECTS_OTHER
        shown[g] = (detail, reason)
    total_answered = sum(t.answered for t in tallies.values())
    total_shown = _own_detail(total_answered)
    if with_total and any(shown[g][0] is Detail.HIDDEN and t.answered + t.dont_know > 0 for g, t in tallies.items()):
        shown, total_shown = _protect_hidden(tallies, shown, total_shown)
    groups = {
        g: _breakdown(
            g,
            categories,
            [Fraction(c) for c in t.counts],
            t.answered,
            t.dont_know,
            *shown[g],
            margin(t.answered, invited.get(g, 0)),
        )
        for g, t in tallies.items()
    }
    if not with_total:
        return groups, None, None

    total_counts = [Fraction(sum(t.counts[i] for t in tallies.values())) for i in range(len(categories))]
    total_dk = sum(t.dont_know for t in tallies.values())
    total_invited = sum(invited.get(g, 0) for g in tallies)
    total = _breakdown(
        TOTAL,
        categories,
        total_counts,
        total_answered,
        total_dk,
        *total_shown,
        margin(total_answered, total_invited),
    )

    weighted: Breakdown | None = None
    answering = [g for g, t in tallies.items() if t.answered > 0]
    if len(tallies) > 1 and len(answering) == len(tallies) and all(shown[g][0] is Detail.FULL for g in tallies):
        if all(g in weights for g in tallies):
            w_counts = [sum(weights[g] * tallies[g].counts[i] for g in tallies) for i in range(len(categories))]
            n_eff = effective_n((weights[g], tallies[g].answered) for g in tallies)
            weighted = _breakdown(
                WEIGHTED,
                categories,
                w_counts,
                total_answered,
                None,
                Detail.FULL,
                Reason.SHOWN,
                margin(n_eff, total_invited),
                n_eff,
            )
    return groups, total, weighted


# ---- a hidden group beside a total (module docstring, "A hidden group and the total") -----------------------------

_Level = tuple[Detail, Reason]
_SMALL = (Detail.HIDDEN, Reason.FEWER_THAN_5)


def _protect_hidden(
    tallies: Mapping[str, Tally], shown: Mapping[str, _Level], total: _Level
) -> tuple[dict[str, _Level], _Level]:
    """Withhold, step by step, what would pin down the answers of a hidden group: the total's distribution, then
    the other groups' medians, then (should that still not do) the total's median."""
    shown = dict(shown)
    counts = [sum(t.counts[i] for t in tallies.values()) for i in range(len(next(iter(tallies.values())).counts))]
    answered = sum(counts)
    if total[0] is Detail.FULL and (
        any(pct(Fraction(c, answered)) in (0, 100) for c in counts) or _pins_down(tallies, shown, total)
    ):
        total = (Detail.MEDIAN, Reason.PROTECTS_HIDDEN)
    if _pins_down(tallies, shown, total):
        for g, (detail, _) in shown.items():
            if detail is Detail.MEDIAN:
                shown[g] = (Detail.HIDDEN, Reason.PROTECTS_OTHER)
    if total[0] is not Detail.HIDDEN and _pins_down(tallies, shown, total):
        total = (Detail.HIDDEN, Reason.PROTECTS_HIDDEN)  # pragma: no cover - not reached with the shipped groups
    return shown, total


def _compositions(n: int, k: int) -> Iterable[tuple[int, ...]]:
    """Every way of putting n answers into k categories."""
    for cuts in itertools.combinations(range(n + k - 1), k - 1):
        bounds = (-1, *cuts, n + k - 1)
        yield tuple(bounds[i + 1] - bounds[i] - 1 for i in range(k))


def _cumulative(counts: Iterable[int]) -> list[int]:
    return list(itertools.accumulate(counts))


def _pins_down(tallies: Mapping[str, Tally], shown: Mapping[str, _Level], total: _Level) -> bool:
    """Would what is published — each group's figures as ``shown`` and the total at ``total`` — tell for certain
    that all of a hidden group gave one answer, or that none of it did?

    Two readers are tried.  One knows how many of each group answered (a reader can often work it out from the
    response counts).  The other knows only how many of each group responded to the question, Don't know included,
    and what the published figures say of the numbers answering: the reader for whom a group that answered only
    Don't know still has something to give away (a total with nobody at Level 1 says that no member chose it, and
    counts can say that every member said Don't know).  The second reader learns less of a group that answered, so
    it is only asked about a group that did not."""
    if _pins(tallies, shown, total, exact=True):
        return True
    silent = any(shown[g] == _SMALL and t.answered == 0 and t.dont_know > 0 for g, t in tallies.items())
    return silent and _pins(tallies, shown, total, exact=False)


def _answering(level: _Level, responding: int) -> range:
    """How many of ``responding`` may have answered (Don't know excluded), as a reader can tell from the detail a
    group (or the total) is shown in and why: fewer than 5 when hidden as such, 5 to 7 for a median of its own, 8 or
    more for a distribution reduced to its median, 5 or more for a median withheld."""
    detail, reason = level
    if (detail, reason) == _SMALL:
        low, high = 0, MIN_SHOWN - 1
    elif reason is Reason.FEWER_THAN_8:
        low, high = MIN_SHOWN, MIN_DISTRIBUTION - 1
    else:
        low, high = (MIN_DISTRIBUTION if detail is not Detail.HIDDEN else MIN_SHOWN), responding
    return range(low, min(high, responding) + 1)


def _pins(tallies: Mapping[str, Tally], shown: Mapping[str, _Level], total: _Level, *, exact: bool) -> bool:
    """``_pins_down`` for one reader: ``exact``, the reader who knows how many of each group answered.

    Every possible set of answers of the hidden groups (at most 4 answering each) is tried; the other groups'
    answers only have to fit what is published of them, which comes down to bounds on their cumulative counts
    along the scale.  Cumulative counts run from the least favourable answer, the order of the median rule: the
    median is at position p exactly when 2·S[p−1] < n ≤ 2·S[p].
    """
    categories = next(iter(tallies.values())).categories
    ranking = _ranking(categories)
    k = len(ranking)

    def ranked(t: Tally) -> list[int]:
        return [t.counts[i] for i in ranking]

    def position(t: Tally) -> int:
        index = median_category([Fraction(c) for c in t.counts], ranking)
        assert index is not None
        return ranking.index(index)

    def responding(t: Tally) -> int:
        return t.answered + t.dont_know

    counted = (lambda t: t.answered) if exact else responding
    small = [g for g, t in tallies.items() if shown[g] == _SMALL and counted(t) > 0]
    known = [g for g in tallies if shown[g][0] is Detail.FULL]
    medians = [g for g in tallies if shown[g][0] is Detail.MEDIAN]
    others = [g for g, t in tallies.items() if g not in small and g not in known and counted(t) > 0]
    if not small:
        return False
    if len(medians) > 1 or (medians and len(others) > len(medians)) or (not exact and len(others) > 1):
        return True  # more than one other group with something published: not worked out here, so withhold
    other_median = position(tallies[medians[0]]) if medians else None
    fixed = _cumulative(map(sum, zip(*(ranked(tallies[g]) for g in known), strict=True))) if known else [0] * k
    n_fixed = sum(tallies[g].answered for g in known)
    everyone = [sum(c) for c in zip(*(ranked(t) for t in tallies.values()), strict=True)]
    total_cumulative = _cumulative(everyone) if total[0] is Detail.FULL else None
    total_median = median_category([Fraction(c) for c in everyone], range(k)) if total[0] is Detail.MEDIAN else None

    def fits(hidden: list[int], n_other: int, n_total: int) -> bool:
        """Could the other groups' answers make up what is published, given the hidden groups' cumulative counts?"""
        base = [h + f for h, f in zip(hidden, fixed, strict=True)]
        if total_cumulative is not None:
            rest = [t - b for t, b in zip(total_cumulative, base, strict=True)]
            if any(b < a for a, b in zip([0, *rest], rest, strict=False)) or rest[-1] != n_other:
                return False
            if other_median is None:
                return True
            p = other_median
            return (p == 0 or 2 * rest[p - 1] < n_other) and 2 * rest[p] >= n_other
        low, high = [0] * k, [n_other] * k
        low[-1] = n_other
        if other_median is not None:
            p = other_median
            if p > 0:
                high[p - 1] = min(high[p - 1], (n_other - 1) // 2)
            low[p] = max(low[p], (n_other + 1) // 2)
        if total_median is not None:
            q = total_median
            if q > 0:
                high[q - 1] = min(high[q - 1], (n_total - 1) // 2 - base[q - 1])
            low[q] = max(low[q], (n_total + 1) // 2 - base[q])
        running = 0
        for lo, hi in zip(low, high, strict=True):
            running = max(running, lo)
            if running > hi:
                return False
        return True

    # The numbers answering the reader must allow for: the true ones when known, else every number what is published
    # (and the total's count, when its distribution is shown) leaves possible.
    if exact:
        sizes_ranges = [range(tallies[g].answered, tallies[g].answered + 1) for g in small]
        n_others = sum(tallies[g].answered for g in others)
        other_range = range(n_others, n_others + 1)
        total_range = range(sum(everyone), sum(everyone) + 1)
    else:
        sizes_ranges = [range(min(MIN_SHOWN - 1, responding(tallies[g])) + 1) for g in small]
        other_range = _answering(shown[others[0]], responding(tallies[others[0]])) if others else range(1)
        total_range = (
            range(sum(everyone), sum(everyone) + 1)
            if total_cumulative is not None
            else _answering(total, sum(map(responding, tallies.values())))
        )
    seen = [[False] * k for _ in small]  # some set of answers that fits gives the group someone at the answer
    short = [[False] * k for _ in small]  # ... and some leaves someone of it (or all of it) elsewhere
    for sizes in itertools.product(*sizes_ranges):
        for n_other in other_range:
            n_total = sum(sizes) + n_other + n_fixed
            if n_total not in total_range:
                continue
            for answers in itertools.product(*(_compositions(n, k) for n in sizes)):
                if fits(_cumulative(map(sum, zip(*answers, strict=True))), n_other, n_total):
                    for i, counts in enumerate(answers):
                        for j, c in enumerate(counts):
                            seen[i][j] = seen[i][j] or c > 0
                            short[i][j] = short[i][j] or c < sizes[i] or sizes[i] == 0
    return not all(all(s) and all(h) for s, h in zip(seen, short, strict=True))
