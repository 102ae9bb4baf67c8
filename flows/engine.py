"""The questionnaire engine: pure functions from (questionnaire, answers so far, cursor, input, now) to a step.

No I/O, no clock, no Telegram.  The caller loads the state, calls ``step`` and persists what the step says (answers to
save, the new cursor, whether to submit), then renders ``step.prompt``.

Rules
- The *cursor* is the question the respondent is on.  When absent (or pointing at a question that is no longer
  shown) it is the first unanswered visible question, or the review step once everything required is answered.
- Answering the current question moves to the next unanswered visible question (or review).
- Answering an earlier, still-visible question (a button on an older message) changes that answer and leaves the
  respondent where they were.  Pressing the button of the answer already stored changes nothing (a double tap is
  one answer and one step forward).
- Follow-up questions (``show_if``) are visible only while their condition holds; an answer to a follow-up that is
  hidden again is kept in storage but ignored.
- A button on a superseded message never destroys an answer: Skip is offered only before anything is typed, and a
  Skip pressed where a typed answer is stored changes nothing (the answer is kept; typing a new one changes it).
- What a button or typed text means for a question is its type's to say (``flows.questions``: ``parse_button``,
  ``parse_text``): the answer to store, or a refusal (typed text on a button question, an unknown option, free
  text that is empty, too long or unreadable).
- After submission nothing changes any more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from flows.model import Question, Questionnaire, Section
from flows.questions.base import Refusal

REVIEW = "@review"
"""Cursor value for the review-and-submit step."""

Answers = Mapping[str, str | None]
"""question id -> option id, free text, or None for a skipped optional question."""


class Error(StrEnum):
    """Why a step changed nothing.  Input a question's type refuses comes as its ``flows.questions.base.Refusal``,
    whose values are among these."""

    UNKNOWN_QUESTION = "unknown_question"  # forged or from another questionnaire version
    NOT_SHOWN = "not_shown"  # a follow-up that does not apply (stale button)
    UNKNOWN_OPTION = "unknown_option"  # forged payload
    EXPECTED_BUTTON = "expected_button"  # text sent where a button is expected
    EXPECTED_TEXT = "expected_text"  # button pressed where text is expected
    TOO_LONG = "too_long"
    EMPTY = "empty"
    NOT_OPTIONAL = "not_optional"
    INCOMPLETE = "incomplete"  # submit before every required question is answered
    LOCKED = "locked"  # already submitted
    AT_START = "at_start"  # back from the first question
    UNREADABLE = "unreadable"  # typed text that is not valid Unicode (lone surrogates)
    KEEPS_ANSWER = "keeps_answer"  # Skip where a typed answer is stored (an older message): nothing changes


# ---- inputs -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choose:
    question_id: str
    option_id: str


@dataclass(frozen=True)
class Write:
    text: str
    language: str | None = None
    """The respondent's language, for types that read typed text (None: the questionnaire's first)."""


@dataclass(frozen=True)
class Skip:
    question_id: str


@dataclass(frozen=True)
class Back:
    question_id: str


@dataclass(frozen=True)
class Edit:
    question_id: str


@dataclass(frozen=True)
class Review:
    pass


@dataclass(frozen=True)
class Submit:
    pass


@dataclass(frozen=True)
class Show:
    """No input: just tell me where I am (resume)."""


Input = Choose | Write | Skip | Back | Edit | Review | Submit | Show


# ---- outputs ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    position: int  # 1-based among visible questions
    total: int
    answered: int
    section: Section
    section_position: int  # 1-based among sections
    section_total: int
    seconds_left: int

    @property
    def minutes_left(self) -> int:
        return max(1, round(self.seconds_left / 60)) if self.seconds_left else 0


@dataclass(frozen=True)
class QuestionPrompt:
    question: Question
    progress: Progress
    current: str | None  # stored answer, if any
    answered: bool


@dataclass(frozen=True)
class ReviewPrompt:
    items: tuple[tuple[Question, str | None], ...]
    missing: tuple[Question, ...]


@dataclass(frozen=True)
class DonePrompt:
    pass


Prompt = QuestionPrompt | ReviewPrompt | DonePrompt


@dataclass(frozen=True)
class State:
    answers: Answers
    cursor: str | None = None
    submitted: bool = False


@dataclass(frozen=True)
class Step:
    prompt: Prompt
    cursor: str | None
    save: dict[str, str | None] = field(default_factory=dict)
    submit: bool = False
    error: Error | None = None
    changed_earlier: Question | None = None  # an earlier answer was changed from an older message
    advanced: bool = False  # the respondent moved on to another question

    @property
    def ok(self) -> bool:
        return self.error is None


# ---- queries ------------------------------------------------------------------------------------------------------


def is_visible(qn: Questionnaire, question: Question, answers: Answers) -> bool:
    cond = question.show_if
    if cond is None:
        return True
    source = qn.question(cond.question)
    return source is not None and is_visible(qn, source, answers) and answers.get(cond.question) in cond.any_of


SHOWN_MEMORY = 256
"""How many combinations of gate answers ``visible_questions`` remembers per questionnaire (a handful occur)."""


def visible_questions(qn: Questionnaire, answers: Answers) -> tuple[Question, ...]:
    """The questions shown, in order.  They depend only on the answers to the questionnaire's ``gates``, so each
    combination is worked out once: a press asks several times, and this was the engine's main cost."""
    key = tuple(answers.get(gate) for gate in qn.gates)
    shown = qn.shown_for.get(key)
    if shown is None:
        shown = tuple(q for q in qn.questions if is_visible(qn, q, answers))
        if len(qn.shown_for) < SHOWN_MEMORY:
            qn.shown_for[key] = shown
    return shown


def is_answered(question: Question, answers: Answers) -> bool:
    return question.id in answers and (answers[question.id] is not None or question.optional)


def unanswered(qn: Questionnaire, answers: Answers) -> list[Question]:
    return [q for q in visible_questions(qn, answers) if not is_answered(q, answers)]


def resolve_cursor(qn: Questionnaire, answers: Answers, cursor: str | None) -> str:
    """The question id (or REVIEW) the respondent is actually on; REVIEW stays REVIEW once asked for."""
    if cursor == REVIEW:
        return REVIEW
    shown = visible_questions(qn, answers)
    if cursor and any(q.id == cursor for q in shown):
        return cursor
    missing = [q for q in shown if not is_answered(q, answers)]
    return missing[0].id if missing else REVIEW


def progress(qn: Questionnaire, answers: Answers, question: Question) -> Progress:
    shown = visible_questions(qn, answers)
    ids = [q.id for q in shown]
    remaining = [q for q in shown if not is_answered(q, answers)]
    section = qn.section_of(question.id)
    sections = [s.id for s in qn.sections]
    return Progress(
        position=ids.index(question.id) + 1,
        total=len(shown),
        answered=len(shown) - len(remaining),
        section=section,
        section_position=sections.index(section.id) + 1,
        section_total=len(sections),
        seconds_left=sum(q.estimated_seconds for q in remaining),
    )


def prompt_for(qn: Questionnaire, state: State, cursor: str | None = None) -> Prompt:
    if state.submitted:
        return DonePrompt()
    where = resolve_cursor(qn, state.answers, cursor if cursor is not None else state.cursor)
    if where == REVIEW:
        shown = visible_questions(qn, state.answers)
        items = tuple((q, state.answers.get(q.id)) for q in shown)
        missing = tuple(q for q in shown if not is_answered(q, state.answers))
        return ReviewPrompt(items=items, missing=missing)
    question = qn.question(where)
    assert question is not None
    return QuestionPrompt(
        question=question,
        progress=progress(qn, state.answers, question),
        current=state.answers.get(question.id),
        answered=is_answered(question, state.answers),
    )


# ---- the step function --------------------------------------------------------------------------------------------


def step(qn: Questionnaire, state: State, event: Input, now: datetime) -> Step:
    """Apply one input.  ``now`` is the time of the input (kept for rules that depend on time; never read here)."""
    del now  # no rule of the questionnaire itself depends on time yet; campaign dates are checked by the service
    current = resolve_cursor(qn, state.answers, state.cursor)

    def stay(error: Error | None = None) -> Step:
        return Step(prompt=prompt_for(qn, state, current), cursor=current, error=error)

    if state.submitted:
        return Step(prompt=DonePrompt(), cursor=state.cursor, error=None if isinstance(event, Show) else Error.LOCKED)

    match event:
        case Show():
            return stay()
        case Review():
            return Step(prompt=prompt_for(qn, state, REVIEW), cursor=REVIEW, advanced=current != REVIEW)
        case Choose(question_id, option_id):
            question, error = _changeable(qn, state.answers, question_id, current)
            if error:
                return stay(error)
            assert question is not None
            answer = qn.kind(question).parse_button(option_id)
            if isinstance(answer, Refusal):
                return stay(Error(answer.value))
            return _record(qn, state, current, question, answer)
        case Write(text, language):
            if current == REVIEW:
                return stay(Error.EXPECTED_BUTTON)
            question = qn.question(current)
            assert question is not None
            answer = qn.kind(question).parse_text(text, language or qn.languages[0])
            if isinstance(answer, Refusal):
                return stay(Error(answer.value))
            return _record(qn, state, current, question, answer)
        case Skip(question_id):
            question, error = _changeable(qn, state.answers, question_id, current)
            if error:
                return stay(error)
            assert question is not None
            if not question.optional:
                return stay(Error.NOT_OPTIONAL)
            if state.answers.get(question.id) is not None:
                # Skip is offered only before anything is typed: a Skip on an older message (the person may since
                # have typed, even gone Back to this question) must not wipe what they wrote.
                return stay(Error.KEEPS_ANSWER)
            return _record(qn, state, current, question, None)
        case Back(question_id):
            if question_id != REVIEW and qn.question(question_id) is None:
                return stay(Error.UNKNOWN_QUESTION)  # forged, or from another questionnaire: nothing moves
            if question_id != current:
                # A Back button on an older message: go back from where the respondent really is.
                question_id = current
            shown = [q.id for q in visible_questions(qn, state.answers)]
            if question_id == REVIEW:
                target = shown[-1]
            else:
                index = shown.index(question_id)
                if index == 0:
                    return stay(Error.AT_START)
                target = shown[index - 1]
            return Step(prompt=prompt_for(qn, state, target), cursor=target, advanced=True)
        case Edit(question_id):
            question, error = _changeable(qn, state.answers, question_id, current)
            if error:
                return stay(error)
            return Step(prompt=prompt_for(qn, state, question_id), cursor=question_id, advanced=True)
        case Submit():
            missing = unanswered(qn, state.answers)
            if missing:
                return Step(prompt=prompt_for(qn, state, missing[0].id), cursor=missing[0].id, error=Error.INCOMPLETE)
            return Step(prompt=DonePrompt(), cursor=REVIEW, submit=True, advanced=True)
    raise TypeError(f"unknown input {event!r}")  # pragma: no cover


def _changeable(
    qn: Questionnaire, answers: Answers, question_id: str, current: str
) -> tuple[Question | None, Error | None]:
    """A question a button may act on: one the person has been shown — the current one, one already answered, or
    any visible one from the review screen (which lists them all).  Anything else is a forged or stale button."""
    question = qn.question(question_id)
    if question is None:
        return None, Error.UNKNOWN_QUESTION
    if not is_visible(qn, question, answers):
        return None, Error.NOT_SHOWN
    if question.id != current and question.id not in answers and current != REVIEW:
        return None, Error.NOT_SHOWN
    return question, None


def _record(qn: Questionnaire, state: State, current: str, question: Question, value: str | None) -> Step:
    answers = {**state.answers, question.id: value}
    unchanged = question.id in state.answers and state.answers[question.id] == value
    if question.id != current:
        # An older message: change that answer (unless identical) and stay on the current question.
        new_state = State(answers=answers, cursor=current)
        where = resolve_cursor(qn, answers, current)
        return Step(
            prompt=prompt_for(qn, new_state, where),
            cursor=where,
            save={} if unchanged else {question.id: value},
            changed_earlier=None if unchanged else question,
        )
    following = _next_after(qn, answers, question.id)
    new_state = State(answers=answers, cursor=following)
    return Step(
        prompt=prompt_for(qn, new_state, following),
        cursor=following,
        save={} if unchanged else {question.id: value},
        advanced=True,
    )


def _next_after(qn: Questionnaire, answers: Answers, question_id: str) -> str:
    """The first unanswered visible question after this one; else the first unanswered anywhere; else review."""
    shown = visible_questions(qn, answers)
    ids = [q.id for q in shown]
    after = shown[ids.index(question_id) + 1 :]
    for q in after:
        if not is_answered(q, answers):
            return q.id
    for q in shown:
        if not is_answered(q, answers):
            return q.id
    return REVIEW
