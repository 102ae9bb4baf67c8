"""``type: scale`` — a point of a named scale, e.g. strongly agree ... strongly disagree for a theme statement.

Declares: ``scale`` (the name of a scale in the questionnaire's ``scales:`` block; no options of its own),
``dont_know``.  Not optional (offer "Don't know" instead).

The ``scales:`` block belongs to this type.  A scale is its points in order, each an ``id``, a ``label`` and a
``side`` (agree, neutral or disagree)::

    scales:
      agree:
        - {id: sa, side: agree, label: {en: "Strongly agree", cy: "Cytuno'n gryf"}}
        - {id: a, side: agree, ...}
        - {id: n, side: neutral, ...}
        - {id: d, side: disagree, ...}
        - {id: sd, side: disagree, ...}

- Points are listed from one end of the scale to the other, buttons in that order; the sides say which end is
  which: listed from agree to disagree, the scale runs from the most favourable point (``Categories``), and reports
  count the shares agreeing, neither and disagreeing from them.  Sides run agree ... neutral ... disagree (or the
  reverse), all points or none; a scale asked by a statement of a theme section must declare them.  A scale
  without sides is read in the order listed, least favourable first.
- Screen: one button per row.  The review screen names the question by its own text (the statement).
- Typed answers (``ButtonKind`` and ``flows.questions.typed`` give the rules): a point's label in any language
  ("Strongly agree", "Cytuno'n gryf"), the words the point declares (``typed: {en: [neither], cy: [...]}``) and
  "Don't know" in either language.  Never a number: "1" could be either end of an agree scale, so digits are not
  accepted.  A declared word that would also select another point, or "Don't know", is refused when the
  questionnaire is loaded.
"""

from __future__ import annotations

from itertools import groupby

from flows.questions.base import ButtonKind, QuestionLike, QuestionnaireLike
from flows.questions.schema import (
    DONT_KNOW,
    Option,
    ScaleOption,
    SectionKind,
    Side,
    duplicate_ids,
    missing_text,
)
from flows.questions.typed import DONT_KNOW_TYPED, collisions, label_texts
from reports.categories import Categories

_SIDE_RUNS = (
    (Side.AGREE, Side.DISAGREE),
    (Side.AGREE, Side.NEUTRAL, Side.DISAGREE),
    (Side.DISAGREE, Side.AGREE),
    (Side.DISAGREE, Side.NEUTRAL, Side.AGREE),
)
"""The orders sides may come in, each side one run of points."""


class ScaleQuestion(ButtonKind):
    name = "scale"
    seconds = 12

    @classmethod
    def check_declaration(cls, question: QuestionLike) -> list[str]:
        problems = []
        if question.scale is None or question.options:
            problems.append("a scale question names a scale and declares no options of its own")
        return problems + super().check_declaration(question)

    @classmethod
    def check_questionnaire(cls, questionnaire: QuestionnaireLike) -> list[str]:
        problems: list[str] = []
        for scale_id, points in questionnaire.scales.items():
            where = f"scale {scale_id}"
            if len(points) < 2:
                problems.append(f"{where}: needs at least two points")
            problems += duplicate_ids(where, [p.id for p in points])
            for point in points:
                problems += missing_text(f"{where} option {point.id}", point.label, questionnaire.languages)
            problems += _side_problems(where, points)
            problems += _typed_problems(where, points, questionnaire)
            statements = [
                q.id
                for section in questionnaire.sections
                if section.kind is SectionKind.THEME
                for q in section.questions
                if q.type == cls.name and q.scale == scale_id
            ]
            if statements and points and not any(p.side for p in points):
                problems.append(
                    f"{where}: theme statements ({', '.join(statements)}) are reported as shares agreeing and "
                    "disagreeing, so give every point of the scale a side: agree, neutral or disagree"
                )
        return problems

    def check(self) -> list[str]:
        """An unknown scale; the typed words of a scale's points are checked once per scale
        (``check_questionnaire``)."""
        if self.question.scale not in self.qn.scales:
            return [f"unknown scale {self.question.scale!r}"]
        return []

    def _points(self) -> list[ScaleOption]:
        return list(self.qn.scales.get(self.question.scale or "", []))

    def points(self) -> list[Option]:
        return [Option(id=p.id, label=p.label, typed=p.typed) for p in self._points()]

    def categories(self) -> Categories:
        points = self._points()
        sides = {p.id: p.side for p in points if p.side is not None}
        first = next((p.side for p in points if p.side in (Side.AGREE, Side.DISAGREE)), None)
        return Categories(
            (p.id for p in points),
            labels=(p.label for p in points),
            favourable_first=first is Side.AGREE,
            sides=sides,
            dont_know=self._dont_know(),
        )


def _typed_problems(where: str, points: list[ScaleOption], questionnaire: QuestionnaireLike) -> list[str]:
    """Typed words a point declares that would also select another point, or "Don't know"."""
    forms = {p.id: [*label_texts(p.label), *(p.typed.all() if p.typed else ())] for p in points}
    forms.setdefault(DONT_KNOW, [*label_texts(questionnaire.dont_know), *DONT_KNOW_TYPED.all()])
    declared = {p.id: p.typed.all() for p in points if p.typed is not None}
    return collisions(where, declared, forms)


def _side_problems(where: str, points: list[ScaleOption]) -> list[str]:
    sides = [p.side for p in points]
    if not any(sides):
        return []
    if not all(sides):
        bare = ", ".join(p.id for p in points if p.side is None)
        return [f"{where}: declare the side (agree, neutral or disagree) of every point or of none; {bare} has none"]
    runs = tuple(side for side, _ in groupby(sides))
    if runs not in _SIDE_RUNS:
        found = ", ".join(str(s) for s in sides)
        return [
            f"{where}: sides run from agree to disagree (or from disagree to agree), neutral points between them; "
            f"found {found}"
        ]
    return []
