"""The figures of a council's position among the councils of its round and of the good practice chosen for it
(``reports.comparison`` builds them; ``SurveyReport.comparison`` holds them, on ``Comparison`` of ``reports.model``).

Position, like with like: each group of the council (officers, elected members) beside the same group at the other
councils of the round, in words about most of them, never a count at each level or one council's figure
(``reports.comparison``, "Position").  Good practice: the examples chosen for each group's weakest characteristics.
Plain frozen dataclasses, as everything of the view-model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from reports.inputs import PracticeExample
from reports.model import Breakdown, Relation
from reports.wording import Wording

__all__ = ["GoodPractice", "PeerCharacteristic", "PeerGroup", "Position", "PracticeChoice", "WeakPoint"]


@dataclass(frozen=True)
class PeerGroup:
    """One group of the council (officers, or elected members) in one characteristic, beside the same group at the
    other councils of the round: like with like, so a council's mix of officers and members moves nothing.  Only
    words about most of them reach the report (``reports.comparison``, "Position"): the level more than half of them
    chose, and whether more than half chose a level above, at or below the council's own; never a count at each
    level, their middle value or any one council's figure; nothing at all with fewer than ``min_councils`` compared.
    """

    group: str  # officer | member
    own: Breakdown | None  # the council's own breakdown of the group as its report publishes it; None: not asked
    councils: int  # other councils whose group's median is published for this characteristic (5 or more answering)
    possible: bool  # councils >= reports.comparison.MIN_PEERS
    most_at: int | None = None  # the level more than half of them chose; None: no such level, or not possible
    relation: Relation | None = None  # None: not possible, own median withheld, or no side has more than half

    @property
    def own_level(self) -> int | None:
        """The council's own median level for the group; None when not asked or withheld."""
        return None if self.own is None else self.own.median_level


@dataclass(frozen=True)
class PeerCharacteristic:
    """One characteristic: each group of the council beside the same group at the other councils."""

    section_id: str
    title: Wording
    groups: Mapping[str, PeerGroup]  # role -> its comparison, officers first, for the roles of the report

    def group(self, name: str) -> PeerGroup | None:
        return self.groups.get(name)

    @property
    def relation(self) -> Relation | None:
        """Where the council stands when every group compared stands the same way (officers and members both lower
        than most of their peers: the council is lower); None when they differ or none is compared.  Each group's
        own standing is ``groups[...].relation``."""
        found = {g.relation for g in self.groups.values() if g.possible and g.own_level is not None}
        return next(iter(found)) if len(found) == 1 else None


@dataclass(frozen=True)
class Position:
    """The council among the other councils of its round with closed fieldwork, group by group."""

    round: str
    councils: int  # other councils of the round with closed fieldwork, before any is left out
    min_councils: int  # fewer compared than this: nothing said of that group and characteristic
    characteristics: tuple[PeerCharacteristic, ...]

    @property
    def possible(self) -> bool:
        """Is anything compared at all?"""
        return any(g.possible for c in self.characteristics for g in c.groups.values())

    def groups(self) -> tuple[str, ...]:
        """The groups compared somewhere, in the report's order."""
        return tuple(dict.fromkeys(g for c in self.characteristics for g in c.groups))

    def with_relation(self, relation: Relation, group: str) -> tuple[PeerCharacteristic, ...]:
        """The characteristics where the council's ``group`` stands in ``relation`` to most other councils'."""
        return tuple(c for c in self.characteristics if (g := c.group(group)) is not None and g.relation is relation)

    def count(self, relation: Relation, group: str) -> int:
        return len(self.with_relation(relation, group))


@dataclass(frozen=True)
class WeakPoint:
    """A characteristic one group places lowest: among those where the group's median is published, the lowest
    median level; ties broken by the larger share at Level 1 where the group's distribution is published, then by
    the questionnaire's order (``reports.good_practice.weakest``)."""

    group: str  # officer | member (or total, when no group's median is published anywhere)
    section_id: str
    title: Wording
    median: int  # the group's median level
    at_level_1: Fraction | None = None  # the group's share at Level 1, where its distribution is published


@dataclass(frozen=True)
class PracticeChoice:
    """One example, chosen because it addresses what one group or more places lowest."""

    example: PracticeExample
    reasons: tuple[WeakPoint, ...]  # the weak points it addresses, in the order of ``GoodPractice.weakest``


@dataclass(frozen=True)
class GoodPractice:
    """The examples chosen for the council: for each group's weakest characteristics, each example once."""

    weakest: Mapping[str, tuple[WeakPoint, ...]]  # group -> its weakest characteristics, weakest first
    examples: tuple[PracticeChoice, ...]  # each example once, those for the weakest points first
