"""The categories a question's answers are counted in: what scoring reads of a question type.

``Categories`` is the tuple of category ids in display order (so it compares equal to a plain tuple, and every
report keeps its "l1, l2, l3" or "sa, a, n, d, sd" order), carrying what the ids mean:

- ``favourable_first``: the direction.  False for ids listed from the least to the most favourable (Levels 1, 2, 3);
  True for a scale listed from the most favourable end (strongly agree first).  ``ranking`` reads the ids from the
  least favourable end, the order of the median rule and of disclosure control.
- ``numbered``: the ids are levels, numbered 1, 2, 3... from the least favourable (``level``).
- ``sides``: for an agree/disagree scale, the side of each point (``on_side``).
- ``dont_know``: the id stored for "Don't know", counted apart and never in the shares (None when not offered).
- ``labels`` and ``details``: the questionnaire's texts for each id.

The question types (``flows.questions``) build these from the questionnaire (``QuestionKind.categories``) and hand
them to the reports in their input (``reports.inputs.FormQuestion``); nothing in ``reports/`` names a category id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reports.vocabulary import Side
from reports.wording import Wording


class Categories(tuple[str, ...]):
    """Category ids in display order, with their direction, sides, labels and the "Don't know" id."""

    labels: tuple[Wording, ...]
    details: tuple[Wording | None, ...]
    favourable_first: bool
    numbered: bool
    sides: Mapping[str, Side]
    dont_know: str | None

    def __new__(
        cls,
        ids: Iterable[str] = (),
        *,
        labels: Iterable[Wording] = (),
        details: Iterable[Wording | None] = (),
        favourable_first: bool = False,
        numbered: bool = False,
        sides: Mapping[str, Side] | None = None,
        dont_know: str | None = None,
    ) -> Categories:
        self = super().__new__(cls, tuple(ids))
        self.labels = tuple(labels)
        self.details = tuple(details) or (None,) * len(self.labels)
        self.favourable_first = favourable_first
        self.numbered = numbered
        self.sides = dict(sides or {})
        self.dont_know = dont_know
        return self

    @classmethod
    def of(cls, ids: Iterable[str]) -> Categories:
        """``ids`` as they are if already ``Categories``; else plain ids, least favourable first, no sides."""
        return ids if isinstance(ids, Categories) else cls(ids)

    @property
    def ranking(self) -> tuple[int, ...]:
        """Indexes of the ids from the least to the most favourable."""
        indexes = tuple(range(len(self)))
        return indexes[::-1] if self.favourable_first else indexes

    def level(self, category: str) -> int | None:
        """1, 2, 3... counted from the least favourable, for numbered categories (None otherwise)."""
        if not self.numbered or category not in self:
            return None
        return self.ranking.index(self.index(category)) + 1

    @property
    def lowest(self) -> str | None:
        return self[self.ranking[0]] if self else None

    @property
    def highest(self) -> str | None:
        return self[self.ranking[-1]] if self else None

    def on_side(self, side: Side) -> tuple[str, ...]:
        """The ids on one side of the scale, in display order (none when the scale declares no sides)."""
        return tuple(c for c in self if self.sides.get(c) is side)

    def label(self, category: str) -> Wording | None:
        return self.labels[self.index(category)] if category in self and self.labels else None
