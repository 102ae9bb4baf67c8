"""``type: choice`` — one of the question's own options, e.g. Level 1, 2 or 3 of a key characteristic.

Declares: ``options`` (at least two; each a short button ``label`` and optionally a long ``detail``, such as the
level descriptor, shown verbatim in the message), ``dont_know``.  Not optional (offer "Don't know" instead).

- Options are levels: listed from the least favourable, numbered 1, 2, 3... in reports (``categories``).
- Screen: each option's detail in the message body; when the options have details, their buttons share one row
  (they are short: "Level 1") with "Don't know" below; without details, one button per row.
- The review screen names the question by its section's title (the key characteristic).
- Typed answers (``ButtonKind`` and ``flows.questions.typed`` give the rules): an option's label in any language
  ("Level 2", "Lefel 2"), the words it declares (``typed:``), "Don't know" in either language, and, where the
  option's label ends in its own number (the second option's label ends in 2), the number: "2", "two", "dau" or
  "dwy", alone or after the label's words ("level 2", "lefel dau", "level two").  A label without its number
  ("Yes", "No") is never selected by a number: a number means something only where the label declares it.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.questions.base import ButtonKind, QuestionLike
from flows.questions.schema import DONT_KNOW, Option
from flows.questions.typed import label_texts, numbered_forms
from flows.screens import Button
from reports.categories import Categories


class ChoiceQuestion(ButtonKind):
    name = "choice"
    seconds = 45

    @classmethod
    def check_declaration(cls, question: QuestionLike) -> list[str]:
        problems = ["a choice question needs at least two options"] if len(question.options) < 2 else []
        return problems + super().check_declaration(question)

    def points(self) -> list[Option]:
        return list(self.question.options)

    def categories(self) -> Categories:
        options = self.question.options
        return Categories(
            (o.id for o in options),
            labels=(o.label for o in options),
            details=(o.detail for o in options),
            numbered=True,
            dont_know=self._dont_know(),
        )

    def typed_forms(self) -> dict[str, list[str]]:
        """The label, declared words and "Don't know" (``ButtonKind``), plus each level's number where its label
        declares it (``flows.questions.typed.numbered_forms``)."""
        forms = super().typed_forms()
        for number, option in enumerate(self.question.options, start=1):
            forms[option.id] += numbered_forms(number, label_texts(option.label))
        return forms

    def review_title(self, language: str) -> str:
        return self.qn.section_of(self.question.id).title.get(language)

    def arrange(self, buttons: Sequence[Button], options: Sequence[Option]) -> list[tuple[Button, ...]]:
        """Level buttons are short: one row of them, "Don't know" below; one per row when there are no details."""
        if not any(o.detail is not None for o in options):
            return super().arrange(buttons, options)
        levels = tuple(b for b, o in zip(buttons, options, strict=True) if o.id != DONT_KNOW)
        rest = [(b,) for b, o in zip(buttons, options, strict=True) if o.id == DONT_KNOW]
        return [levels, *rest]
