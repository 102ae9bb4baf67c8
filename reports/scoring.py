"""Scoring the data tool: from submitted answers to the figures of the report's Part 2 (a plain view-model).

Pure functions over plain data: no I/O, no clock, no templates, no plotting.  Everything returned is a frozen
dataclass holding numbers (shares are exact ``Fraction`` objects, margins are floats), never formatted strings;
the formatters in ``reports.summary``, ``reports.html``, ``reports.charts`` and ``reports.export`` only read it.

Groups
    ``officer`` and ``member`` (the roles of ``SurveyData.questionnaires``), ``total`` (every respondent counted
    once: the raw total) and ``weighted`` (the total with each group counted in proportion to the number invited).

Per characteristic (the seven ``kind: characteristic`` sections, matched across questionnaires by section id)
    n answering (``answered``: Don't know excluded), Don't know counted separately (``dont_know``), counts and
    shares at Level 1/2/3 (Don't know left out of the shares), the median level, agreement (share at the most
    common level) and ``divided`` (agreement under 50%, or Level 1 and Level 3 both at 25% or more).

Median rule
    The median is the *lower-middle* value: the least favourable category c such that at least half of the
    (weighted) answers are at c or below, in the order Level 1 < Level 2 < Level 3 (for the agree scale:
    strongly disagree < disagree < neither < agree < strongly agree).  With an odd n this is the ordinary median;
    with an even n it is the lower of the two middle values, so a council split 50/50 between Level 1 and Level 2
    is reported at Level 1: the headline never overstates maturity.  The weighted median uses the same rule on
    weighted counts.

Weighted total (method notes, "Weighted total")
    A respondent in group g carries the weight

        w_g = (N_g / r_g) * (R / N)

    where N_g is the number invited in g, r_g the responses received from g (submitted), N = sum N_g and
    R = sum r_g.  The factor R / N normalises the weights so that they sum to R over all respondents (a weighted
    count is on the scale of a head count).  For a question, the weighted count at category c is
    sum_g w_g * count_g(c); the weighted share is that count over the sum of weighted counts of all categories
    (Don't know excluded, as in the raw shares).  Because Don't know drops out per question, the groups' weighted
    proportions for one question can differ slightly from their proportions of those invited.

Margins of error (method notes, "Margins of error")
    moe = 1.96 * sqrt(0.25 / n) * sqrt((N - n) / (N - 1)), n answered, N invited: 0 when n >= N, None when n == 0.
    For a share, n is the number answering that question (Don't know excluded) and N the number invited in the
    group (all invited for the total).  For the weighted total, n is Kish's effective sample size
    n_eff = (sum w)^2 / sum w^2 over the respondents answering, which is smaller than the raw n whenever the
    weights differ.  The margin covers sampling only, not self-selection.  ``points`` rounds half up to whole
    points: 32 of 62 -> 12, 9 of 65 -> 31, 41 of 127 -> 13.

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
    - A group with nobody answering a question that the others answered does not trigger the rule: there is
      nothing of it to reveal.
    - Free-text comments of a group with fewer than 5 respondents are left out altogether; comments of larger
      groups carry the role in the view-model (the HTML report does not show it unless asked: the method notes
      say "never attributed") and nothing else; their order is by text, so it tells nothing about who wrote
      them; email addresses, phone numbers, National Insurance numbers and @usernames are replaced by "[removed]".

A hidden group and the total (method notes, "Small numbers"), per question, whenever a group that answered is
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
    hidden group has at most 4 answering).  Shares between 0% and 100% that pin nothing down are kept: the total
    stays the headline.  The weighted total is never shown beside a hidden group (above), so it cannot be used.
    Theme statements follow the same rule, share agreeing and disagreeing included (an "agree" of 0% or 100% is a
    0% somewhere on the scale).  Don't know is not one of the shares: a total with no Don't know says only that
    nobody in the hidden group said Don't know, not what they answered, and is shown.

Theme statements
    Distributions over strongly agree ... strongly disagree, Don't know counted separately, per group where the
    statement was asked.  A statement has a Total (and weighted total) only where every group was asked the same
    question id; otherwise ``total`` and ``weighted`` are None.  The wording can still differ between groups
    (``texts`` keeps each group's).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum
from fractions import Fraction

from flows.engine import is_visible
from flows.model import (
    DONT_KNOW,
    Question,
    Questionnaire,
    QuestionType,
    ROLES,
    Section,
    SectionKind,
    Text,
)
from flows.text import clean_cell

Z95 = 1.96
MIN_SHOWN = 5
"""Fewer answering than this: nothing shown for the group ("fewer than 5")."""
MIN_DISTRIBUTION = 8
"""At least this many answering for a distribution; from MIN_SHOWN up to this minus one, the median only."""
MIN_COMMENTS = 5
"""Comments only from a group with at least this many respondents."""

TOTAL = "total"
WEIGHTED = "weighted"
LEVELS = ("l1", "l2", "l3")
AGREE = ("sa", "a")
NEUTRAL = ("n",)
DISAGREE = ("d", "sd")
REMOVED = "[removed]"


# ---- input ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """One submitted respondent."""

    role: str  # "officer" | "member"
    answers: Mapping[str, str | None]  # question id -> option id / free text / None (skipped)
    language: str = "en"


@dataclass(frozen=True)
class SurveyData:
    authority: str
    authority_cy: str | None
    invited: Mapping[str, int]  # role -> number invited
    responses: Sequence[Response]
    questionnaires: Mapping[str, Questionnaire]  # role -> questionnaire
    interim: bool = False
    opens_on: date | None = None
    closes_on: date | None = None
    targets: Mapping[str, float] | None = None
    """Optional role -> target response rate (0..1) for the response-rate chart."""

    def roles(self) -> tuple[str, ...]:
        """The groups, officers first, then members, then any other role in the order given."""
        known = [r for r in ROLES if r in self.questionnaires]
        return (*known, *(r for r in self.questionnaires if r not in known))


# ---- small numeric helpers ----------------------------------------------------------------------------------------


def margin(n: float, population: int) -> float | None:
    """Worst-case 95% margin of error (a fraction, 0.12 = 12 points) for a share from n answers of N invited.

    moe = 1.96 * sqrt(0.25 / n) * sqrt((N - n) / (N - 1)): 0 when n >= N (everyone answered), None when n == 0.
    """
    if n <= 0:
        return None
    if n >= population:
        return 0.0
    return Z95 * math.sqrt(0.25 / n) * math.sqrt((population - n) / (population - 1))


def points(moe: float | None) -> int | None:
    """A margin in whole percentage points, rounded half up (0.1215 -> 12)."""
    if moe is None:
        return None
    return math.floor(moe * 100 + 0.5 + 1e-9)


def margin_points(n: int, population: int) -> int | None:
    """32 of 62 -> 12; 9 of 65 -> 31; 41 of 127 -> 13."""
    return points(margin(n, population))


def pct(share: Fraction | float | None) -> int | None:
    """A share (0..1) in whole percent, rounded half up; exact for fractions (1/8 -> 13, 3/8 -> 38)."""
    if share is None:
        return None
    value = Fraction(share) * 100 if isinstance(share, Fraction | int) else Fraction(str(share)) * 100
    return math.floor(value + Fraction(1, 2))


def required_responses(population: int, target_margin: float = 0.10) -> int:
    """The fewest responses whose worst-case 95% margin is at most ``target_margin`` (0.10 = ±10 points)."""
    for n in range(1, population + 1):
        moe = margin(n, population)
        if moe is not None and moe <= target_margin + 1e-12:
            return n
    return population


def respondent_weights(invited: Mapping[str, int], responded: Mapping[str, int]) -> dict[str, Fraction]:
    """w_g = (N_g / r_g) * (R / N) for each group with responses; the weights sum to R over all respondents."""
    groups = [g for g, r in responded.items() if r > 0 and invited.get(g, 0) > 0]
    big_r = sum(responded[g] for g in groups)
    big_n = sum(invited[g] for g in groups)
    if not groups:
        return {}
    return {g: Fraction(invited[g], responded[g]) * Fraction(big_r, big_n) for g in groups}


def effective_n(weighted_counts: Iterable[tuple[Fraction, int]]) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 for (weight, number of respondents with it) pairs."""
    pairs = [(w, k) for w, k in weighted_counts if k > 0]
    total = sum(w * k for w, k in pairs)
    squares = sum(w * w * k for w, k in pairs)
    return float(total * total / squares) if squares else 0.0


def median_category(counts: Sequence[Fraction], ranking: Sequence[int]) -> int | None:
    """Index (into ``counts``) of the lower-middle category.

    ``ranking`` lists indexes from least to most favourable.  Returns the first category in that order whose
    cumulative count reaches half of the total; None when there are no answers.
    """
    total = sum(counts)
    if total <= 0:
        return None
    running = Fraction(0)
    for index in ranking:
        running += counts[index]
        if running * 2 >= total:
            return index
    return ranking[-1]  # pragma: no cover - unreachable: the cumulative count reaches the total


# ---- the view-model -----------------------------------------------------------------------------------------------


class Detail(IntEnum):
    HIDDEN = 0
    MEDIAN = 1
    FULL = 2


class Reason(StrEnum):
    SHOWN = "shown"
    FEWER_THAN_5 = "fewer_than_5"  # hidden: fewer than 5 answered
    FEWER_THAN_8 = "fewer_than_8"  # 5 to 7 answered: median only
    PROTECTS_OTHER = "protects_other"  # withheld so the other, small group cannot be worked out from the total
    PROTECTS_HIDDEN = "protects_hidden"  # a total withheld so that a hidden group's answers cannot be pinned down


@dataclass(frozen=True)
class Breakdown:
    """One group's answers to one question, with disclosure control applied: withheld fields are None."""

    group: str  # officer | member | total | weighted
    categories: tuple[str, ...]  # display order: l1, l2, l3 or sa, a, n, d, sd
    detail: Detail
    reason: Reason
    answered: int | None = None  # raw n, Don't know excluded (FULL only)
    dont_know: int | None = None  # FULL only; None for the weighted total
    counts: tuple[Fraction, ...] | None = None  # raw counts, or weighted counts for the weighted total
    shares: tuple[Fraction, ...] | None = None
    median: str | None = None  # category id (MEDIAN and FULL)
    margin: float | None = None  # worst-case 95% margin of the shares (FULL only)
    effective_n: float | None = None  # weighted total only

    @property
    def shown(self) -> bool:
        return self.detail is Detail.FULL

    def share_of(self, *ids: str) -> Fraction | None:
        if self.shares is None:
            return None
        return sum((s for c, s in zip(self.categories, self.shares, strict=True) if c in ids), Fraction(0))

    def share(self, category: str) -> Fraction | None:
        return self.share_of(category)

    @property
    def agreement(self) -> Fraction | None:
        """Share at the most common category."""
        return None if not self.shares else max(self.shares)

    @property
    def modal(self) -> tuple[str, ...]:
        if not self.shares:
            return ()
        top = max(self.shares)
        return tuple(c for c, s in zip(self.categories, self.shares, strict=True) if s == top)

    @property
    def divided(self) -> bool | None:
        """Agreement under 50%, or Level 1 and Level 3 both at 25% or more (characteristics only)."""
        if not self.shares or "l1" not in self.categories or "l3" not in self.categories:
            return None
        l1, l3 = self.share("l1"), self.share("l3")
        assert l1 is not None and l3 is not None and self.agreement is not None
        return self.agreement < Fraction(1, 2) or (l1 >= Fraction(1, 4) and l3 >= Fraction(1, 4))

    @property
    def median_level(self) -> int | None:
        """1, 2 or 3 for a characteristic's median (None when withheld or not a level)."""
        if self.median is None or self.median not in LEVELS:
            return None
        return LEVELS.index(self.median) + 1

    @property
    def agree(self) -> Fraction | None:
        return self.share_of(*AGREE)

    @property
    def neutral(self) -> Fraction | None:
        return self.share_of(*NEUTRAL)

    @property
    def disagree(self) -> Fraction | None:
        return self.share_of(*DISAGREE)

    @property
    def margin_points(self) -> int | None:
        return points(self.margin)


@dataclass(frozen=True)
class RateResult:
    """One row of the response-rate table."""

    group: str  # officer | member | total
    invited: int
    responded: int
    margin: float | None  # worst-case margin of any share estimated from this group's answers
    target: float | None = None  # target response rate (0..1), if one was set

    @property
    def rate(self) -> Fraction | None:
        return None if self.invited <= 0 else Fraction(self.responded, self.invited)

    @property
    def percentage(self) -> int | None:
        return pct(self.rate)

    @property
    def margin_points(self) -> int | None:
        return points(self.margin)


class _ByGroup:
    """A result with a breakdown per role, a total and a weighted total: look one up by group name."""

    groups: Mapping[str, Breakdown]
    total: Breakdown | None
    weighted: Breakdown | None

    def group(self, name: str) -> Breakdown | None:
        if name == TOTAL:
            return self.total
        if name == WEIGHTED:
            return self.weighted
        return self.groups.get(name)


@dataclass(frozen=True)
class CharacteristicResult(_ByGroup):
    section_id: str
    question_id: str
    title: Text
    descriptors: tuple[Text, ...]  # Level 1, 2, 3 descriptors, verbatim from the questionnaire
    labels: tuple[Text, ...]  # "Level 1", "Level 2", "Level 3"
    groups: Mapping[str, Breakdown]  # role -> breakdown, for the roles asked
    total: Breakdown
    weighted: Breakdown | None



@dataclass(frozen=True)
class StatementResult(_ByGroup):
    question_id: str
    texts: Mapping[str, Text]  # role -> the wording that group was asked
    categories: tuple[str, ...]
    labels: tuple[Text, ...]  # scale labels in category order
    groups: Mapping[str, Breakdown]  # role -> breakdown, only the roles asked
    total: Breakdown | None  # only when every group was asked this question id
    weighted: Breakdown | None

    @property
    def asked_by(self) -> tuple[str, ...]:
        return tuple(self.groups)

    @property
    def text(self) -> Text:
        """The wording of the first group asked (officers where they were asked)."""
        return next(iter(self.texts.values()))

    def other_wordings(self) -> dict[str, Text]:
        """Groups asked the same question id in different words: role -> their wording."""
        first = self.text
        return {r: t for r, t in self.texts.items() if t != first}


    @property
    def headline(self) -> Breakdown | None:
        """The breakdown a one-line summary quotes: the total where there is one, else the only group asked."""
        if self.total is not None:
            return self.total
        return next(iter(self.groups.values())) if len(self.groups) == 1 else None


@dataclass(frozen=True)
class ThemeResult:
    section_id: str
    title: Text
    statements: tuple[StatementResult, ...]


@dataclass(frozen=True)
class Comment:
    text: str  # scrubbed of obvious personal data
    role: str | None  # None: not attributed
    question_id: str


@dataclass(frozen=True)
class CommentGroup:
    key: str  # the section (or, for the comments section, the question) the comments belong to
    title: Text
    questions: tuple[Text, ...]  # the questions asked, each once
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class SurveyReport:
    authority: str
    authority_cy: str | None
    interim: bool
    opens_on: date | None
    closes_on: date | None
    roles: tuple[str, ...]
    rates: tuple[RateResult, ...]  # one per role, then the total
    weights: Mapping[str, Fraction]  # role -> weight of one respondent in the weighted total
    characteristics: tuple[CharacteristicResult, ...]
    themes: tuple[ThemeResult, ...]
    comments: tuple[CommentGroup, ...]
    comments_withheld: tuple[str, ...] = ()  # roles whose comments were left out (fewer than 5 respondents)

    def authority_name(self, language: str) -> str:
        return (self.authority_cy or self.authority) if language == "cy" else self.authority

    def rate(self, group: str) -> RateResult | None:
        return next((r for r in self.rates if r.group == group), None)


# ---- tallies (unsuppressed, internal) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Raw counts of one group's answers to one question (no disclosure control: never shown as such)."""

    categories: tuple[str, ...]
    counts: tuple[int, ...]
    dont_know: int

    @property
    def answered(self) -> int:
        return sum(self.counts)


def tally(values: Iterable[str | None], categories: Sequence[str]) -> Tally:
    """Count answers into ``categories``; Don't know separately; anything else (skipped, stale) is ignored."""
    counts = dict.fromkeys(categories, 0)
    dont_know = 0
    for value in values:
        if value == DONT_KNOW:
            dont_know += 1
        elif value in counts:
            counts[value] += 1
    return Tally(tuple(categories), tuple(counts[c] for c in categories), dont_know)


def _ranking(categories: Sequence[str]) -> list[int]:
    """Indexes of the categories from least to most favourable (levels ascend; the agree scale is listed
    strongly agree first, so it is read backwards)."""
    indexes = list(range(len(categories)))
    return indexes[::-1] if categories and categories[0] in AGREE else indexes


def _own_detail(answered: int) -> tuple[Detail, Reason]:
    if answered < MIN_SHOWN:
        return Detail.HIDDEN, Reason.FEWER_THAN_5
    if answered < MIN_DISTRIBUTION:
        return Detail.MEDIAN, Reason.FEWER_THAN_8
    return Detail.FULL, Reason.SHOWN


def _breakdown(
    group: str,
    categories: tuple[str, ...],
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
            own[o][0] is not Detail.FULL and tallies[o].answered + tallies[o].dont_know > 0
            for o in tallies
            if o != g
        )
        if with_total and others_small and detail is Detail.FULL:
            detail, reason = Detail.MEDIAN, Reason.PROTECTS_OTHER
        shown[g] = (detail, reason)
    total_answered = sum(t.answered for t in tallies.values())
    total_shown = _own_detail(total_answered)
    if with_total and any(shown[g][0] is Detail.HIDDEN and t.answered > 0 for g, t in tallies.items()):
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


def _protect_hidden(
    tallies: Mapping[str, Tally], shown: Mapping[str, _Level], total: _Level
) -> tuple[dict[str, _Level], _Level]:
    """Withhold, step by step, what would pin down the answers of a hidden group: the total's distribution, then
    the other groups' medians, then (should that still not do) the total's median."""
    shown = dict(shown)
    counts = [sum(t.counts[i] for t in tallies.values()) for i in range(len(next(iter(tallies.values())).counts))]
    answered = sum(counts)
    if total[0] is Detail.FULL and (
        any(pct(Fraction(c, answered)) in (0, 100) for c in counts) or _pins_down(tallies, shown, total[0])
    ):
        total = (Detail.MEDIAN, Reason.PROTECTS_HIDDEN)
    if _pins_down(tallies, shown, total[0]):
        for g, (detail, _) in shown.items():
            if detail is Detail.MEDIAN:
                shown[g] = (Detail.HIDDEN, Reason.PROTECTS_OTHER)
    if total[0] is not Detail.HIDDEN and _pins_down(tallies, shown, total[0]):
        total = (Detail.HIDDEN, Reason.PROTECTS_HIDDEN)  # pragma: no cover - not reached with the shipped groups
    return shown, total


def _compositions(n: int, k: int) -> Iterable[tuple[int, ...]]:
    """Every way of putting n answers into k categories."""
    for cuts in itertools.combinations(range(n + k - 1), k - 1):
        bounds = (-1, *cuts, n + k - 1)
        yield tuple(bounds[i + 1] - bounds[i] - 1 for i in range(k))


def _cumulative(counts: Iterable[int]) -> list[int]:
    return list(itertools.accumulate(counts))


def _pins_down(tallies: Mapping[str, Tally], shown: Mapping[str, _Level], total: Detail) -> bool:
    """Would what is published — each group's figures as ``shown``, the total at ``total`` detail, and the number
    in each group answering (a reader can often work it out from the response counts) — tell for certain that all
    of a hidden group gave one answer, or that none of it did?

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

    small = [g for g, t in tallies.items() if shown[g] == (Detail.HIDDEN, Reason.FEWER_THAN_5) and t.answered > 0]
    known = [g for g in tallies if shown[g][0] is Detail.FULL]
    medians = [g for g in tallies if shown[g][0] is Detail.MEDIAN]
    others = [g for g, t in tallies.items() if g not in small and g not in known and t.answered > 0]
    if len(medians) > 1 or (medians and len(others) > len(medians)):
        return True  # more than one other group with something published: not worked out here, so withhold
    n_other = sum(tallies[g].answered for g in others)
    other_median = position(tallies[medians[0]]) if medians else None
    fixed = _cumulative(map(sum, zip(*(ranked(tallies[g]) for g in known), strict=True))) if known else [0] * k
    everyone = [sum(c) for c in zip(*(ranked(t) for t in tallies.values()), strict=True)]
    n_total = sum(everyone)
    total_cumulative = _cumulative(everyone) if total is Detail.FULL else None
    total_median = median_category([Fraction(c) for c in everyone], range(k)) if total is Detail.MEDIAN else None

    def fits(hidden: list[int]) -> bool:
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

    sizes = [tallies[g].answered for g in small]
    fewest = [[n] * k for n in sizes]
    most = [[0] * k for _ in sizes]
    for answers in itertools.product(*(_compositions(n, k) for n in sizes)):
        if fits(_cumulative(map(sum, zip(*answers, strict=True)))):
            for i, counts in enumerate(answers):
                fewest[i] = [min(a, b) for a, b in zip(fewest[i], counts, strict=True)]
                most[i] = [max(a, b) for a, b in zip(most[i], counts, strict=True)]
    return any(most[i][j] == 0 or fewest[i][j] == n for i, n in enumerate(sizes) for j in range(k))


# ---- answers ------------------------------------------------------------------------------------------------------


def answer_value(qn: Questionnaire, question: Question, answers: Mapping[str, str | None]) -> str | None:
    """The answer that counts: None when the question was not shown (a hidden follow-up's stale answer), skipped,
    or not one of the question's options.  Free text is cleaned (``flows.text.clean_cell``: control characters
    dropped, lone surrogates replaced, NFC) before anything else reads it, so text stored before typed answers were
    cleaned on the way in can neither break an output nor hide personal data from ``scrub``."""
    if not is_visible(qn, question, answers):
        return None
    value = answers.get(question.id)
    if value is None:
        return None
    if question.type is QuestionType.TEXT:
        value = str(clean_cell(value)).strip()
        return value or None
    return value if value in qn.option_ids(question) else None


def _first_choice(section: Section) -> Question | None:
    return next((q for q in section.questions if q.type is QuestionType.CHOICE), None)


def _sections(qn: Questionnaire, kind: SectionKind) -> list[Section]:
    return [s for s in qn.sections if s.kind is kind]


def _ordered_union(lists: Iterable[Iterable[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item, None)
    return list(seen)


# ---- scoring ------------------------------------------------------------------------------------------------------


def score(data: SurveyData) -> SurveyReport:
    """Every figure of one council's report, with disclosure control applied."""
    roles = data.roles()
    for response in data.responses:
        if response.role not in data.questionnaires:
            raise ValueError(f"a response has role {response.role!r}, which has no questionnaire")
    by_role = {r: [resp for resp in data.responses if resp.role == r] for r in roles}
    responded = {r: len(by_role[r]) for r in roles}
    invited = {r: int(data.invited.get(r, 0)) for r in roles}
    weights = respondent_weights(invited, responded)
    targets = data.targets or {}

    rates = [RateResult(r, invited[r], responded[r], margin(responded[r], invited[r]), targets.get(r)) for r in roles]
    total_invited, total_responded = sum(invited.values()), sum(responded.values())
    rates.append(RateResult(TOTAL, total_invited, total_responded, margin(total_responded, total_invited)))

    def values(role: str, question_id: str) -> list[str | None]:
        qn = data.questionnaires[role]
        question = qn.question(question_id)
        if question is None:
            return []
        return [answer_value(qn, question, resp.answers) for resp in by_role[role]]

    # Characteristics, matched by section id, in the first questionnaire's order.
    characteristics = []
    section_ids = _ordered_union(
        [s.id for s in _sections(data.questionnaires[r], SectionKind.CHARACTERISTIC)] for r in roles
    )
    for section_id in section_ids:
        asked: dict[str, Question] = {}
        reference: tuple[Section, Question] | None = None
        for r in roles:
            qn = data.questionnaires[r]
            section = next((s for s in qn.sections if s.id == section_id), None)
            question = _first_choice(section) if section else None
            if section is not None and question is not None:
                asked[r] = question
                reference = reference or (section, question)
        if reference is None:
            continue
        section, question = reference
        options = {o.id: o for o in question.options}
        categories = tuple(c for c in LEVELS if c in options) or tuple(options)
        tallies = {r: tally(values(r, q.id), categories) for r, q in asked.items()}
        groups, total, weighted = breakdowns(tallies, invited, weights)
        assert total is not None
        characteristics.append(
            CharacteristicResult(
                section_id=section_id,
                question_id=question.id,
                title=section.title,
                descriptors=tuple(options[c].detail or options[c].label for c in categories),
                labels=tuple(options[c].label for c in categories),
                groups=groups,
                total=total,
                weighted=weighted,
            )
        )

    # Themes: statements per theme section; a statement's total only where every group was asked its id.
    themes = []
    theme_ids = _ordered_union([s.id for s in _sections(data.questionnaires[r], SectionKind.THEME)] for r in roles)
    for theme_id in theme_ids:
        title: Text | None = None
        statement_ids: list[str] = []
        for r in roles:
            section = next((s for s in data.questionnaires[r].sections if s.id == theme_id), None)
            if section is None:
                continue
            title = title or section.title
            statement_ids += [q.id for q in section.questions if q.type is QuestionType.SCALE]
        assert title is not None
        statements = []
        for question_id in _ordered_union([statement_ids]):
            asked_q: dict[str, tuple[Questionnaire, Question]] = {}
            for r in roles:
                qn = data.questionnaires[r]
                q = qn.question(question_id)
                if q is not None and q.type is QuestionType.SCALE:
                    asked_q[r] = (qn, q)
            qn0, q0 = next(iter(asked_q.values()))
            scale = qn0.scales[q0.scale or ""]
            categories = tuple(o.id for o in scale)
            tallies = {r: tally(values(r, question_id), categories) for r in asked_q}
            both = len(asked_q) == len(roles) and len(roles) > 1
            groups, total, weighted = breakdowns(tallies, invited, weights, with_total=both)
            statements.append(
                StatementResult(
                    question_id=question_id,
                    texts={r: q.text for r, (_, q) in asked_q.items()},
                    categories=categories,
                    labels=tuple(o.label for o in scale),
                    groups=groups,
                    total=total,
                    weighted=weighted,
                )
            )
        themes.append(ThemeResult(theme_id, title, tuple(statements)))

    comments, withheld = _comments(data, roles, by_role)
    return SurveyReport(
        authority=data.authority,
        authority_cy=data.authority_cy,
        interim=data.interim,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        roles=roles,
        rates=tuple(rates),
        weights=weights,
        characteristics=tuple(characteristics),
        themes=tuple(themes),
        comments=comments,
        comments_withheld=withheld,
    )


# ---- comments -----------------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d \t\-().]{7,}\d(?!\w)")
_NI_NUMBER = re.compile(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    starts = text.lstrip("(").lstrip()
    if 10 <= digits <= 15 and (starts.startswith("+") or starts.startswith("0")):
        return REMOVED
    return text


def scrub(text: str) -> str:
    """Replace obvious personal data (email addresses, phone numbers, National Insurance numbers, @usernames)
    with "[removed]"."""
    text = _EMAIL.sub(REMOVED, text)
    text = _NI_NUMBER.sub(REMOVED, text)
    text = _PHONE.sub(_phone, text)
    return _HANDLE.sub(REMOVED, text)


def _comment_key(qn: Questionnaire, question: Question) -> str:
    """Comments are grouped under the section (theme or characteristic) their show_if question belongs to; the
    questions of the comments section each make a group of their own."""
    if question.show_if is not None:
        return qn.section_of(question.show_if.question).id
    section = qn.section_of(question.id)
    return question.id if section.kind is SectionKind.COMMENTS else section.id


def _comments(
    data: SurveyData, roles: Sequence[str], by_role: Mapping[str, Sequence[Response]]
) -> tuple[tuple[CommentGroup, ...], tuple[str, ...]]:
    order: list[str] = []
    titles: dict[str, Text] = {}
    questions: dict[str, list[Text]] = {}
    found: dict[str, list[Comment]] = {}
    withheld = tuple(r for r in roles if 0 < len(by_role[r]) < MIN_COMMENTS)
    for r in roles:
        qn = data.questionnaires[r]
        for q in qn.questions:
            if q.type is not QuestionType.TEXT:
                continue
            key = _comment_key(qn, q)
            if key not in titles:
                order.append(key)
                section = qn.section_of(q.id)
                titles[key] = q.text if section.kind is SectionKind.COMMENTS and key == q.id else (
                    qn.section_of(q.show_if.question).title if q.show_if else section.title
                )
                questions[key] = []
                found[key] = []
            if q.text not in questions[key]:
                questions[key].append(q.text)
            if r in withheld or len(by_role[r]) < MIN_COMMENTS:
                continue
            for resp in by_role[r]:
                value = answer_value(qn, q, resp.answers)
                if value:
                    found[key].append(Comment(scrub(value), r, q.id))
    # Keep the questionnaires' section order across roles: characteristics, themes, then the comments section.
    rank = {}
    for r in roles:
        for i, s in enumerate(data.questionnaires[r].sections):
            rank.setdefault(s.id, (i, 0))
            for j, q in enumerate(s.questions):
                rank.setdefault(q.id, (i, j + 1))
    order.sort(key=lambda k: rank.get(k, (10_000, 0)))
    groups = tuple(
        CommentGroup(
            key=k,
            title=titles[k],
            questions=tuple(questions[k]),
            comments=tuple(sorted(found[k], key=lambda c: (c.text.casefold(), c.text, c.role or "", c.question_id))),
        )
        for k in order
    )
    return groups, withheld


# ---- the national view --------------------------------------------------------------------------------------------


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
    reports: tuple[SurveyReport, ...] = field(default=(), repr=False)


def quantile(values: Sequence[int], q: float) -> int | None:
    """Nearest-rank quantile: the smallest value with at least q of the values at or below it (q = 0.5 gives
    the lower-middle median, the rule used for every median here)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered) - 1e-12))
    return ordered[rank - 1]


def national(surveys: Sequence[SurveyData]) -> NationalView:
    """Each council's median level per characteristic (its raw Total; None when the total has fewer than 5
    answering) and the spread across councils: counts at each level, minimum, quartiles, maximum."""
    reports = tuple(score(s) for s in surveys)
    section_ids = _ordered_union([c.section_id for c in r.characteristics] for r in reports)
    titles: dict[str, Text] = {}
    for r in reports:
        for c in r.characteristics:
            titles.setdefault(c.section_id, c.title)
    councils = []
    for r in reports:
        by_id = {c.section_id: c for c in r.characteristics}
        medians = tuple(by_id[s].total.median_level if s in by_id else None for s in section_ids)
        total = r.rate(TOTAL)
        assert total is not None
        councils.append(CouncilMedians(r.authority, r.authority_cy, r.interim, total.invited, total.responded, medians))
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
    return NationalView(tuple(councils), tuple(spread), reports)
