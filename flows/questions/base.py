"""What a question type is: the base class every type in ``flows.questions`` derives from.

A type is a class registered under the name a questionnaire file gives in ``type:``; bound to one question of one
questionnaire (``Questionnaire.kind(question)``), it answers everything that differs from type to type:

- **validation**: what a question of this type may declare (``check_declaration``, on the question alone), what it
  must find in its questionnaire (``check``), and any questionnaire-wide declaration the type owns
  (``check_questionnaire``: the ``scales:`` block for scale questions);
- **options**: the answer buttons, "Don't know" last (``options``, ``option_ids``);
- **input**: a button pressed (``parse_button``) and typed text (``parse_text``; for a button type, an option
  typed: ``ButtonKind``): the answer to store, or a ``Refusal`` saying why not; and reading a stored answer back
  (``stored``: the answer that counts in reports);
- **display**: the lines under the question (``body``), the answer buttons and their arrangement (``keyboard``),
  how an answer reads back (``answer_label``) and how the review screen names the question (``review_title``);
- **scoring**: the ``Categories`` reports count answers in (``categories``; None for a type that is not counted).

``ButtonKind`` is the common ground of the types answered with a button (choice and scale).  Nothing here imports
``flows.model``: a type reads a question and its questionnaire through the small protocols below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from functools import cached_property
from typing import ClassVar, Protocol

from flows.callbacks import Action
from flows.questions.schema import DONT_KNOW, Option, ScaleOption, SectionKind, Text
from flows.questions.typed import DONT_KNOW_TYPED, Matcher, collisions, label_texts
from flows.screens import CHECK, Button, esc
from reports.categories import Categories


class Refusal(StrEnum):
    """Why an input was not taken as an answer (the values are the engine's ``Error`` values)."""

    UNKNOWN_OPTION = "unknown_option"  # forged payload
    EXPECTED_BUTTON = "expected_button"  # text sent where a button is expected
    EXPECTED_TEXT = "expected_text"  # button pressed where text is expected
    TOO_LONG = "too_long"
    EMPTY = "empty"
    UNREADABLE = "unreadable"  # typed text that is not valid Unicode (lone surrogates)


Answer = str
"""What a type stores for an answer: an option id, or the cleaned text."""


# ---- what a type reads of its question and questionnaire ----------------------------------------------------------


class QuestionLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def text(self) -> Text: ...
    @property
    def options(self) -> list[Option]: ...
    @property
    def scale(self) -> str | None: ...
    @property
    def dont_know(self) -> bool: ...
    @property
    def optional(self) -> bool: ...
    @property
    def max_length(self) -> int: ...


class SectionLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> SectionKind: ...
    @property
    def title(self) -> Text: ...
    @property
    def questions(self) -> Sequence[QuestionLike]: ...


class QuestionnaireLike(Protocol):
    @property
    def languages(self) -> list[str]: ...
    @property
    def dont_know(self) -> Text: ...
    @property
    def scales(self) -> Mapping[str, list[ScaleOption]]: ...
    @property
    def sections(self) -> Sequence[SectionLike]: ...
    def section_of(self, question_id: str) -> SectionLike: ...


class View(Protocol):
    """What a type may use to draw a question (``flows.render.Renderer`` is one): the language, catalogue texts,
    callback payloads that carry the invitation the screen is for, and how an answer reads back."""

    lang: str

    def t(self, key: str, **params: object) -> str: ...
    def raw(self, key: str) -> str: ...
    def data(self, action: Action, *args: str | int) -> str: ...
    def answer_label(self, question: QuestionLike, value: str | None) -> str: ...


# ---- the base class -----------------------------------------------------------------------------------------------


class QuestionKind:
    """One question type.  Subclass it in a module of ``flows.questions`` with a ``name`` and it is registered."""

    name: ClassVar[str] = ""
    """The ``type:`` a questionnaire file gives."""
    seconds: ClassVar[int] = 60
    """Rough time a respondent needs for one question of this type, for "about N minutes left"."""
    free_text: ClassVar[bool] = False
    """Answers are the respondent's own words: shown as comments in reports, scrubbed in exports."""

    def __init__(self, question: QuestionLike, questionnaire: QuestionnaireLike):
        self.question = question
        self.qn = questionnaire

    # -- validation ------------------------------------------------------------------------------------------------

    @classmethod
    def check_declaration(cls, question: QuestionLike) -> list[str]:
        """Problems with what the question declares, on its own (its options, scale, optional...)."""
        return []

    @classmethod
    def check_questionnaire(cls, questionnaire: QuestionnaireLike) -> list[str]:
        """Problems with a questionnaire-wide declaration this type owns (each message names where)."""
        return []

    def check(self) -> list[str]:
        """Problems of the question within its questionnaire (the caller names the question)."""
        return []

    # -- options and scoring ---------------------------------------------------------------------------------------

    def options(self) -> list[Option]:
        """The answer buttons, "Don't know" last ([] for a typed answer)."""
        return []

    def option_ids(self) -> list[str]:
        return [o.id for o in self.options()]

    def categories(self) -> Categories | None:
        """The categories reports count answers in; None when answers are not counted (free text)."""
        return None

    # -- input -----------------------------------------------------------------------------------------------------

    def parse_button(self, option_id: str) -> Answer | Refusal:
        """The answer a pressed button gives, or why it gives none."""
        return Refusal.EXPECTED_TEXT

    def parse_text(self, text: str, language: str) -> Answer | Refusal:
        """The answer typed text gives (``language``: the respondent's), or why it gives none."""
        return Refusal.EXPECTED_BUTTON

    def stored(self, value: str) -> str | None:
        """A stored answer as reports count it: None when it is not (or no longer) an answer of this question."""
        return value if value in self.option_ids() else None

    # -- display ---------------------------------------------------------------------------------------------------

    def answer_label(self, value: str, language: str) -> str:
        """How a stored answer reads back to the respondent (plain text, unescaped)."""
        return value

    def review_title(self, language: str) -> str:
        """How the review screen names the question (plain text, unescaped)."""
        return self.question.text.get(language)

    def body(self, view: View, current: str | None, answered: bool) -> list[str]:
        """HTML paragraphs shown under the question's text and help."""
        return []

    def keyboard(self, view: View, current: str | None) -> list[tuple[Button, ...]]:
        """Rows of answer buttons (the renderer adds the navigation row: Back, and Skip when optional)."""
        return []


class ButtonKind(QuestionKind):
    """A question answered by pressing one of its options; "Don't know" last where the question offers it.

    **Typed answers.**  Typing an option is answering with it.  ``typed_forms`` says what selects each option: its
    label in every language of the questionnaire, the words it declares (``typed:``) and, for "Don't know", the
    questionnaire's ``dont_know`` label and ``flows.questions.typed.DONT_KNOW_TYPED`` ("dont know", "dk", "ddim yn
    gwybod", "dim yn gwybod"...); a subclass adds its own (numbers for levels: ``ChoiceQuestion``).  ``parse_text``
    normalises the text (case, accents, apostrophes, spaces and surrounding punctuation forgiven) and accepts it
    only when it selects exactly one option, in either language whatever the respondent's; anything else is refused
    with ``Refusal.EXPECTED_BUTTON`` (the engine's reply for a button question).  The rules are in
    ``flows.questions.typed``."""

    @classmethod
    def check_declaration(cls, question: QuestionLike) -> list[str]:
        if question.optional:
            return ["only text questions can be optional; offer 'Don't know' instead"]
        return []

    def points(self) -> list[Option]:
        """The options before "Don't know"."""
        raise NotImplementedError

    @cached_property
    def _options(self) -> tuple[Option, ...]:
        dont_know = [Option(id=DONT_KNOW, label=self.qn.dont_know)] if self.question.dont_know else []
        return (*self.points(), *dont_know)

    def options(self) -> list[Option]:
        return list(self._options)

    @cached_property
    def _option_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self._options)

    def _dont_know(self) -> str | None:
        return DONT_KNOW if self.question.dont_know else None

    def parse_button(self, option_id: str) -> Answer | Refusal:
        return option_id if option_id in self._option_ids else Refusal.UNKNOWN_OPTION

    def parse_text(self, text: str, language: str) -> Answer | Refusal:
        """The option the typed text selects (either language, whatever ``language`` is), else a request for a
        button: text selecting no option, or two, is never guessed."""
        found = self._matcher.match(text)
        return found if found is not None else Refusal.EXPECTED_BUTTON

    def typed_forms(self) -> dict[str, list[str]]:
        """Option id -> the texts that select it when typed (before normalisation)."""
        forms = {o.id: [*label_texts(o.label), *self.declared_words(o.id)] for o in self._options}
        if DONT_KNOW in forms:
            forms[DONT_KNOW] += DONT_KNOW_TYPED.all()
        return forms

    def declared_words(self, option_id: str) -> tuple[str, ...]:
        """The further words an option declares (``typed:``) in the questionnaire."""
        for option in self._options:
            if option.id == option_id and option.typed is not None:
                return option.typed.all()
        return ()

    @cached_property
    def _matcher(self) -> Matcher:
        return Matcher(self.typed_forms())

    def check(self) -> list[str]:
        declared = {o.id: self.declared_words(o.id) for o in self._options}
        return collisions("", declared, self.typed_forms())

    def stored(self, value: str) -> str | None:
        return value if value in self._option_ids else None

    def answer_label(self, value: str, language: str) -> str:
        for option in self._options:
            if option.id == value:
                return option.label.get(language)
        return value

    def body(self, view: View, current: str | None, answered: bool) -> list[str]:
        if (text := self._body_text.get(view.lang)) is None:
            text = self._body_text[view.lang] = "\n\n".join(self._details(view.lang))
        return [text] if text else []

    @cached_property
    def _body_text(self) -> dict[str, str]:
        """The options' details, by language: the same on every screen of the question, so drawn once."""
        return {}

    def _details(self, language: str) -> list[str]:
        return [
            f"<b>{esc(o.label.get(language))}</b> — {esc(o.detail.get(language))}"
            for o in self._options
            if o.detail is not None
        ]

    def keyboard(self, view: View, current: str | None) -> list[tuple[Button, ...]]:
        options = self.options()
        buttons = [
            Button(
                (CHECK if o.id == current else "") + o.label.get(view.lang),
                view.data(Action.ANSWER, self.question.id, o.id),
            )
            for o in options
        ]
        return self.arrange(buttons, options)

    def arrange(self, buttons: Sequence[Button], options: Sequence[Option]) -> list[tuple[Button, ...]]:
        """One button per row."""
        return [(b,) for b in buttons]
