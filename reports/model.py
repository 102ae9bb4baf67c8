"""The view-model of a council's report: what scoring (``reports.scoring``) returns from its input
(``reports.inputs.SurveyData``), ``SurveyReport`` and its parts.

Everything returned by scoring is a frozen dataclass holding numbers (shares are exact ``Fraction`` objects,
margins are floats), never formatted strings; the formatters in ``reports.summary``, ``reports.html``,
``reports.charts`` and ``reports.export`` only read it.  The few figures derived on demand (agreement, the median
level, "divided", shares agreeing, target rates) are properties and methods here, so no formatter works out a
statistic itself.

Groups
    ``officer`` and ``member`` (the roles of ``SurveyData.questionnaires``), ``total`` (every respondent counted
    once: the raw total) and ``weighted`` (the total with each group counted in proportion to the number invited).

Per characteristic (the seven ``kind: characteristic`` sections, matched across questionnaires by section id)
    n answering (``answered``: Don't know excluded), Don't know counted separately (``dont_know``), counts and
    shares at Level 1/2/3 (Don't know left out of the shares), the median level, agreement (share at the most
    common level) and ``divided`` (agreement under 50%, or Level 1 and Level 3 both at 25% or more).

Theme statements
    Distributions over strongly agree ... strongly disagree, Don't know counted separately, per group where the
    statement was asked.  A statement has a Total (and weighted total) only where every group was asked the same
    question id in the same words; otherwise ``total`` and ``weighted`` are None.  A question id asked in different
    words (officers "The council's data-sharing agreements are up to date", members "I am confident that they are")
    is two questions: each group's answers are shown on their own, side by side, and nothing pools them
    (``StatementResult.reworded``; ``texts`` keeps each group's wording).

Which figures are withheld, and why (``Detail``, ``Reason``), is decided in ``reports.disclosure``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from fractions import Fraction

from reports.categories import Categories
from reports.outcomes import Outcomes
from reports.publisher import Publisher, WelshName
from reports.stats import DEFAULT_TARGET_MARGIN, pct, points, target_rate
from reports.vocabulary import Side, in_language
from reports.wording import Wording

TOTAL = "total"
WEIGHTED = "weighted"


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
    categories: Categories  # ids in display order (l1, l2, l3 or sa, a, n, d, sd), with direction and sides
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
        """Agreement under 50%, or the lowest and the highest level (Level 1 and Level 3) both at 25% or more
        (levels only: characteristics)."""
        lowest, highest = self.categories.lowest, self.categories.highest
        if not self.shares or not self.categories.numbered or lowest is None or highest is None or lowest == highest:
            return None
        low, high = self.share(lowest), self.share(highest)
        assert low is not None and high is not None and self.agreement is not None
        return self.agreement < Fraction(1, 2) or (low >= Fraction(1, 4) and high >= Fraction(1, 4))

    @property
    def median_level(self) -> int | None:
        """1, 2 or 3 for a characteristic's median (None when withheld or not a level)."""
        return None if self.median is None else self.categories.level(self.median)

    @property
    def agree(self) -> Fraction | None:
        return self.share_of(*self.categories.on_side(Side.AGREE))

    @property
    def neutral(self) -> Fraction | None:
        return self.share_of(*self.categories.on_side(Side.NEUTRAL))

    @property
    def disagree(self) -> Fraction | None:
        return self.share_of(*self.categories.on_side(Side.DISAGREE))

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


def same_wording(texts: Iterable[Wording]) -> bool:
    """Are these the same question in every language, spacing aside?  (A Total pools only answers to the same
    words: ``StatementResult.reworded``.)"""
    forms = {
        tuple((lang, " ".join((words or "").split())) for lang, words in sorted(t.model_dump().items())) for t in texts
    }
    return len(forms) <= 1


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
    title: Wording
    descriptors: tuple[Wording, ...]  # Level 1, 2, 3 descriptors, verbatim from the questionnaire
    labels: tuple[Wording, ...]  # "Level 1", "Level 2", "Level 3"
    groups: Mapping[str, Breakdown]  # role -> breakdown, for the roles asked
    total: Breakdown
    weighted: Breakdown | None


@dataclass(frozen=True)
class StatementResult(_ByGroup):
    question_id: str
    texts: Mapping[str, Wording]  # role -> the wording that group was asked
    categories: Categories  # the scale's points in display order, with direction and sides
    labels: tuple[Wording, ...]  # scale labels in category order
    groups: Mapping[str, Breakdown]  # role -> breakdown, only the roles asked
    total: Breakdown | None  # only when every group was asked this question id
    weighted: Breakdown | None

    @property
    def asked_by(self) -> tuple[str, ...]:
        return tuple(self.groups)

    @property
    def reworded(self) -> bool:
        """Asked of more than one group in different words: not poolable.  Such a statement has no Total and no
        weighted total; every output shows each group's figures side by side, each under its own wording, and
        never one figure for all (a summary line too: "Officers 26%, Members 52%", not "36%")."""
        return not same_wording(self.texts.values())

    @property
    def pooled(self) -> bool:
        """Has a Total: every group was asked it, in the same words."""
        return self.total is not None

    @property
    def text(self) -> Wording:
        """The wording of the first group asked (officers where they were asked)."""
        return next(iter(self.texts.values()))

    def other_wordings(self) -> dict[str, Wording]:
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
    title: Wording
    statements: tuple[StatementResult, ...]


@dataclass(frozen=True)
class Comment:
    text: str  # scrubbed of obvious personal data
    role: str | None  # None: not attributed
    question_id: str


@dataclass(frozen=True)
class CommentGroup:
    key: str  # the section (or, for the comments section, the question) the comments belong to
    title: Wording
    questions: tuple[Wording, ...]  # the questions asked, each once
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
    round: str | None = None
    comparison: Comparison | None = None  # position among the councils, change since the previous round, examples
    outcomes: tuple[tuple[str | None, Outcomes], ...] = ()  # per role, then the total (None): RR1, RR2, COOP1
    early_late: EarlyLate | None = None  # noqa: F821 - reports.early_late.EarlyLate (not imported: no cycle)
    demonstration: bool = False  # E: invented data (``datatool-bot demo``): every output says so
    publisher: Publisher | None = None  # C: as SurveyData.publisher
    authority_forms: WelshName | None = None  # C: as SurveyData.authority_forms: "yng Nghyngor ..." (welsh_after)

    def authority_name(self, language: str) -> str:
        return in_language(self.authority, self.authority_cy, language)

    def rate(self, group: str) -> RateResult | None:
        return next((r for r in self.rates if r.group == group), None)

    def target_rates(self, target_margin: float = DEFAULT_TARGET_MARGIN) -> dict[str, float | None]:
        """Group -> target response rate (0..1): the one set, else the rate whose worst-case margin is
        ``target_margin``; the total's is the groups' targets (in responses) over everyone invited."""
        goals: dict[str, float | None] = {}
        wanted = 0.0
        for r in self.rates:
            if r.group == TOTAL:
                goals[r.group] = wanted / r.invited if r.invited else None
            else:
                goal = target_rate(r.invited, r.target, target_margin)
                wanted += (goal or 0) * r.invited
                goals[r.group] = goal
        return goals

    def composition(self, group: str) -> tuple[Fraction, Fraction] | None:
        """The group's share of everyone invited and of all responses (None when nobody was invited or
        responded): officers' over-representation among responses, which the weighted total corrects."""
        mine, total = self.rate(group), self.rate(TOTAL)
        if mine is None or total is None or not total.invited or not total.responded:
            return None
        return Fraction(mine.invited, total.invited), Fraction(mine.responded, total.responded)


# ---- comparisons (reports.comparison) ---------------------------------------------------------------------------


class Relation(StrEnum):
    """A council's group beside the same group at most of the other councils of its round."""

    BELOW = "below"  # more than half of them chose a higher level
    LEVEL = "level"  # more than half of them chose the same level
    ABOVE = "above"  # more than half of them chose a lower level


class Movement(StrEnum):
    """What may be said of a group's change in one characteristic between two rounds."""

    UP = "up"  # a share at a level or above rose beyond its margin, and none fell beyond it
    DOWN = "down"
    MIXED = "mixed"  # one rose and one fell beyond their margins (more at both ends)
    NONE = "none"  # no detectable change: every change within its margin
    MEDIANS_ONLY = "medians_only"  # 5 to 7 answering in a round: the medians are shown, no distribution, no test
    WITHHELD = "withheld"  # fewer than 5 (or the figures withheld) in a round: nothing is said of a change
    NOT_ASKED = "not_asked"  # the group was not asked it in one of the rounds


@dataclass(frozen=True)
class ShareChange:
    """The share at ``from_level`` or above, then and now (as published), and the test of the change."""

    from_level: int  # 2: Level 2 or 3; 3: Level 3
    then: Fraction
    now: Fraction
    adjusted: Fraction  # the adjusted change tested (reports.stats.share_change)
    margin: float  # its 95% margin
    detected: bool

    @property
    def difference(self) -> Fraction:
        return self.now - self.then


@dataclass(frozen=True)
class GroupChange:
    """One group's answers then and now, and what may be said of the change."""

    group: str  # officer | member | total
    then: Breakdown | None  # None: not asked in that round
    now: Breakdown | None
    movement: Movement
    shares: tuple[ShareChange, ...] = ()  # tested only when both rounds are shown in full

    @property
    def then_level(self) -> int | None:
        return None if self.then is None else self.then.median_level

    @property
    def now_level(self) -> int | None:
        return None if self.now is None else self.now.median_level


@dataclass(frozen=True)
class CharacteristicChange:
    """One characteristic then and now, per group."""

    section_id: str
    title: Wording
    groups: Mapping[str, GroupChange]  # officer, member (those in either round), total

    @property
    def total(self) -> GroupChange | None:
        return self.groups.get(TOTAL)


@dataclass(frozen=True)
class RateChange:
    """One row of the response-rate table then and now (None: no such group in that round)."""

    group: str
    then: RateResult | None
    now: RateResult | None


@dataclass(frozen=True)
class Change:
    """The council's own campaign of the previous round beside this one."""

    previous_round: str | None
    previous_opens_on: date | None
    previous_closes_on: date | None
    rates: tuple[RateChange, ...]
    characteristics: tuple[CharacteristicChange, ...]  # characteristics asked in both rounds


@dataclass(frozen=True)
class Comparison:
    """What ``reports.scoring.score`` puts on ``SurveyReport.comparison`` (built in ``reports.comparison``)."""

    position: Position | None  # noqa: F821 - reports.peers.Position (not imported: no cycle); None: no round known
    change: Change | None  # None: no earlier round with closed fieldwork
    good_practice: GoodPractice | None  # noqa: F821 - reports.peers.GoodPractice; None: no example applies
