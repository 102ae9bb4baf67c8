"""The pure engine: where a respondent is, what an input does, and what must never happen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flows import engine
from flows.engine import (
    REVIEW,
    Back,
    Choose,
    Edit,
    Error,
    Review,
    Show,
    Skip,
    State,
    Submit,
    Write,
)
from flows.model import DONT_KNOW, Questionnaire
from flows.questions.choice import ChoiceQuestion
from flows.questions.scale import ScaleQuestion
from flows.questions.text import TextQuestion

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def answer_all(qn: Questionnaire, *, level: str = "l2", agree: str = "a", text: str | None = "A comment") -> dict:
    """Answers for every question shown when nobody triggers a follow-up."""
    answers: dict[str, str | None] = {}
    for q in engine.visible_questions(qn, answers):
        if q.type == ChoiceQuestion.name:
            answers[q.id] = level
        elif q.type == ScaleQuestion.name:
            answers[q.id] = agree
        else:
            answers[q.id] = text
    return answers


def test_first_prompt_is_first_question_with_progress(officer):
    prompt = engine.prompt_for(officer, State(answers={}))
    assert isinstance(prompt, engine.QuestionPrompt)
    assert prompt.question.id == "kc_leadership"
    assert prompt.progress.position == 1
    assert prompt.progress.total == len(engine.visible_questions(officer, {}))
    assert prompt.progress.section.id == "leadership"
    assert prompt.progress.seconds_left == sum(q.estimated_seconds for q in engine.visible_questions(officer, {}))


def test_answering_current_question_saves_and_advances(officer):
    result = engine.step(officer, State(answers={}), Choose("kc_leadership", "l2"), NOW)
    assert result.ok and result.advanced
    assert result.save == {"kc_leadership": "l2"}
    assert result.cursor == "kc_standards"
    assert result.prompt.question.id == "kc_standards"
    assert result.prompt.progress.position == 2
    assert result.prompt.progress.answered == 1


def test_follow_up_appears_only_after_its_trigger(officer):
    follow_ups = [q for q in officer.questions if q.show_if and q.show_if.question == "kc_leadership"]
    assert follow_ups, "the officer questionnaire declares a follow-up on kc_leadership"
    follow = follow_ups[0]
    trigger = follow.show_if.any_of[0]
    other = next(o for o in officer.option_ids(officer.question("kc_leadership")) if o not in follow.show_if.any_of)
    shown = engine.step(officer, State(answers={}), Choose("kc_leadership", trigger), NOW)
    assert shown.cursor == follow.id
    hidden = engine.step(officer, State(answers={}), Choose("kc_leadership", other), NOW)
    assert hidden.cursor != follow.id
    assert follow not in engine.visible_questions(officer, {"kc_leadership": other})
    # total grows by one when the follow-up applies
    assert shown.prompt.progress.total == hidden.prompt.progress.total + 1


def test_double_tap_is_one_answer_and_one_step(officer):
    first = engine.step(officer, State(answers={}), Choose("kc_leadership", "l2"), NOW)
    second = engine.step(officer, State(answers=first.save, cursor=first.cursor), Choose("kc_leadership", "l2"), NOW)
    assert second.ok
    assert second.save == {}
    assert second.cursor == first.cursor == "kc_standards"
    assert not second.advanced


def test_changing_an_earlier_answer_keeps_position(officer):
    state = State(answers={"kc_leadership": "l2", "kc_standards": "l1"}, cursor="kc_customer_data")
    result = engine.step(officer, state, Choose("kc_leadership", "l3"), NOW)
    assert result.save == {"kc_leadership": "l3"}
    assert result.cursor == "kc_customer_data"
    assert result.changed_earlier is not None and result.changed_earlier.id == "kc_leadership"


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (Choose("no_such_question", "l1"), Error.UNKNOWN_QUESTION),
        (Choose("kc_leadership", "l9"), Error.UNKNOWN_OPTION),
        (Choose("barriers", "l1"), Error.NOT_SHOWN),  # a question the person has not been shown yet
        (Choose("kc_analytics", "l2"), Error.NOT_SHOWN),
        (Write("Level 2 please"), Error.EXPECTED_BUTTON),
        (Skip("kc_leadership"), Error.NOT_OPTIONAL),
        (Back("kc_leadership"), Error.AT_START),
        (Back("kc_leadership1"), Error.UNKNOWN_QUESTION),  # found by the property test: a garbled Back moved the cursor
        (Submit(), Error.INCOMPLETE),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(officer, event, error):
    result = engine.step(officer, State(answers={}), event, NOW)
    assert result.error is error
    assert result.save == {}
    assert not result.submit
    assert result.prompt.question.id == "kc_leadership"


def test_button_where_text_is_expected_is_refused(officer):
    result = engine.step(officer, State(answers={}, cursor="barriers"), Choose("barriers", "l1"), NOW)
    assert result.error is Error.EXPECTED_TEXT and result.save == {}


def test_any_shown_question_can_be_changed_from_the_review(officer):
    answers = {q.id: None for q in engine.visible_questions(officer, {}) if q.optional}
    result = engine.step(officer, State(answers=answers, cursor=engine.REVIEW), Choose("kc_analytics", "l2"), NOW)
    assert result.error is None and result.save == {"kc_analytics": "l2"}


def test_stale_follow_up_button_is_refused(officer):
    follow = next(q for q in officer.questions if q.show_if and q.show_if.question == "kc_leadership")
    other = next(o for o in officer.option_ids(officer.question("kc_leadership")) if o not in follow.show_if.any_of)
    state = State(answers={"kc_leadership": other}, cursor="kc_standards")
    result = engine.step(officer, state, Skip(follow.id), NOW)
    assert result.error is Error.NOT_SHOWN and result.save == {}


def test_free_text_limits(officer):
    answers = answer_all(officer)
    del answers["barriers"]
    state = State(answers=answers)
    limit = officer.question("barriers").max_length
    too_long = engine.step(officer, state, Write("x" * (limit + 1)), NOW)
    assert too_long.error is Error.TOO_LONG and too_long.save == {}
    empty = engine.step(officer, state, Write("   "), NOW)
    assert empty.error is Error.EMPTY
    exact = engine.step(officer, state, Write("  <b>x</b> & " + "y" * (limit - 20) + "  "), NOW)
    assert exact.ok
    assert exact.save["barriers"].startswith("<b>x</b> & ")  # stored verbatim (trimmed), escaping is for display


def test_skip_optional_text_counts_as_answered(officer):
    answers = answer_all(officer)
    del answers["example"]
    result = engine.step(officer, State(answers=answers, cursor="example"), Skip("example"), NOW)
    assert result.save == {"example": None}
    assert result.cursor == REVIEW
    assert isinstance(result.prompt, engine.ReviewPrompt) and not result.prompt.missing


def test_back_goes_to_previous_visible_question(officer):
    state = State(answers={"kc_leadership": "l2"}, cursor="kc_standards")
    result = engine.step(officer, state, Back("kc_standards"), NOW)
    assert result.cursor == "kc_leadership"
    assert result.prompt.current == "l2" and result.prompt.answered


def test_back_from_an_old_message_goes_back_from_where_you_are(officer):
    state = State(answers={"kc_leadership": "l2", "kc_standards": "l2"}, cursor="kc_customer_data")
    result = engine.step(officer, state, Back("kc_leadership"), NOW)
    assert result.cursor == "kc_standards"


def test_a_back_naming_no_question_moves_nothing(officer):
    """A stale Back goes back from where the person is; a Back whose question does not exist is forged (or garbled)
    and must not move them, or their screen would show one question while their answers wait at another."""
    state = State(answers={"kc_leadership": "l2", "kc_standards": "l2"}, cursor="kc_customer_data")
    result = engine.step(officer, state, Back("kc_standards1"), NOW)
    assert result.error is Error.UNKNOWN_QUESTION and result.cursor == "kc_customer_data" and result.save == {}


def test_review_then_submit(officer):
    answers = answer_all(officer)
    review = engine.step(officer, State(answers=answers), Show(), NOW)
    assert isinstance(review.prompt, engine.ReviewPrompt)
    assert [q.id for q, _ in review.prompt.items] == [q.id for q in engine.visible_questions(officer, answers)]
    edit = engine.step(officer, State(answers=answers, cursor=REVIEW), Edit("kc_open_data"), NOW)
    assert edit.cursor == "kc_open_data"
    changed = engine.step(
        officer, State(answers=answers, cursor="kc_open_data"), Choose("kc_open_data", DONT_KNOW), NOW
    )
    assert changed.save == {"kc_open_data": DONT_KNOW} and changed.cursor == REVIEW
    done = engine.step(officer, State(answers=answers, cursor=REVIEW), Submit(), NOW)
    assert done.submit and isinstance(done.prompt, engine.DonePrompt)


def test_review_mid_way_lists_missing_questions(member):
    answers = {"kc_leadership": "l2"}
    result = engine.step(member, State(answers=answers), Review(), NOW)
    assert isinstance(result.prompt, engine.ReviewPrompt)
    assert result.cursor == REVIEW
    assert len(result.prompt.missing) == len(engine.visible_questions(member, answers)) - 1


def test_nothing_changes_after_submission(officer):
    state = State(answers=answer_all(officer), submitted=True)
    for event in (Choose("kc_leadership", "l1"), Write("late"), Submit(), Back("kc_leadership")):
        result = engine.step(officer, state, event, NOW)
        assert result.error is Error.LOCKED
        assert result.save == {} and not result.submit
        assert isinstance(result.prompt, engine.DonePrompt)


def test_resume_position_is_derived_from_answers(officer):
    answers = {"kc_leadership": "l2", "kc_standards": "l1", "kc_customer_data": "l3"}
    prompt = engine.prompt_for(officer, State(answers=answers, cursor=None))
    assert prompt.question.id == "kc_data_protection"
    assert prompt.progress.answered == 3


def test_minutes_left_shrink_as_you_answer(member):
    answers: dict[str, str | None] = {}
    minutes = []
    state = State(answers=answers)
    while True:
        prompt = engine.prompt_for(member, state)
        if not isinstance(prompt, engine.QuestionPrompt):
            break
        minutes.append(prompt.progress.seconds_left)
        q = prompt.question
        value = None if q.type == TextQuestion.name else member.option_ids(q)[1]
        result = engine.step(member, state, Skip(q.id) if q.type == TextQuestion.name else Choose(q.id, value), NOW)
        state = State(answers={**state.answers, **result.save}, cursor=result.cursor)
    assert minutes == sorted(minutes, reverse=True)
    assert minutes[0] < 600  # members: under ten minutes
