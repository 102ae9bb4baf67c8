"""What the property tests (tests/test_properties.py) found, each shrunk example replayed step by step through
the respondent service as a plain test: quick to run, and plain to read when one fails."""

from __future__ import annotations

from datetime import timedelta

from flows import callbacks, engine
from flows.callbacks import Action
from flows.render import Screen
from flows.replies import Who
from flows.respondents import Respondents
from tests.conftest import FakeClock
from tests.memory_store import MemoryStore
from tests.respondent_model import AUTHORITY, CATALOGUE, NOTICE, QUESTIONNAIRES, TOKENS, ZONE, classify


def _press_data(screen: Screen | None, action: Action, nth: int = 0) -> str:
    found = [
        b.data
        for row in (screen.buttons if screen else ())
        for b in row
        if (cb := callbacks.decode(b.data)) is not None and cb.action is action
    ]
    assert len(found) > nth, f"no {action.name} button on {screen!r}"
    return found[nth]


async def _on_question_one(language_code: str = "en") -> tuple[MemoryStore, Respondents, Who, Screen]:
    """An officer who opened their link, chose English and started: the first question's screen."""
    store, clock = MemoryStore(), FakeClock()
    today = clock.now().astimezone(ZONE).date()
    store.seed_campaign(
        AUTHORITY,
        today - timedelta(days=3),
        today + timedelta(days=20),
        clock.now(),
        per_role={"officer": 1},
        tokens={"officer": [TOKENS[0]]},
    )
    service = Respondents(store, clock, QUESTIONNAIRES, CATALOGUE, ZONE, NOTICE)
    who = Who(1001, 1001, language_code)
    language = (await service.start(who, TOKENS[0])).send[0]
    notice = (await service.press(who, _press_data(language, Action.LANGUAGE))).edit
    first = (await service.press(who, _press_data(notice, Action.CONSENT))).edit
    assert first is not None and classify(first) == ("question", "kc_leadership")
    return store, service, who, first


async def test_a_second_tap_on_another_level_still_shows_the_question_they_are_on() -> None:
    """Level 2 on question 1, then Level 1 on the same keyboard (a double tap, or the edit to question 2 never
    arrived): the answer changes to Level 1 and the message shows question 1 again, while the person is on
    question 2, which no message shows any more (typing would answer a question they cannot see)."""
    store, service, who, first = await _on_question_one()
    second = (await service.press(who, _press_data(first, Action.ANSWER, 1))).edit
    assert second is not None and classify(second) == ("question", "kc_standards")
    reply = await service.press(who, _press_data(first, Action.ANSWER, 0))
    assert store.stored_answers(1) == {"kc_leadership": "l1"}
    now_on = engine.prompt_for(
        QUESTIONNAIRES["officer"], engine.State(store.stored_answers(1), store.invitations[1].cursor)
    )
    assert isinstance(now_on, engine.QuestionPrompt)
    shown = [classify(s) for s in (*reply.send, *([reply.edit] if reply.edit else []))]
    assert ("question", now_on.question.id) in shown, f"on {now_on.question.id!r}, the reply shows {shown}"


async def test_a_lone_surrogate_in_callback_data_gets_an_answer() -> None:
    """Forged callback data holding a lone surrogate: ``callbacks.decode`` encodes it to count its bytes, and the
    UnicodeEncodeError escapes ``press`` instead of a "that button is out of date" toast."""
    _, service, who, _ = await _on_question_one()
    reply = await service.press(who, "\ud800")
    assert reply.toast or reply.edit is not None or reply.send


async def test_skip_on_the_message_shown_before_typing_keeps_the_typed_answer() -> None:
    """Level 1 brings the optional follow-up; the person types a comment, goes Back to it from the next question,
    then presses Skip on the follow-up's first message, shown before they typed: the comment is wiped (the
    engine keeps a typed answer from a stale Skip only while the person is on another question)."""
    store, service, who, first = await _on_question_one()
    follow_up = (await service.press(who, _press_data(first, Action.ANSWER, 0))).edit
    assert follow_up is not None and classify(follow_up) == ("question", "lead_help")
    following = (await service.answer(who, "My comment")).send[-1]
    assert classify(following) == ("question", "kc_standards")
    back = (await service.press(who, _press_data(following, Action.BACK))).edit
    assert back is not None and classify(back) == ("question", "lead_help")
    await service.press(who, _press_data(follow_up, Action.SKIP))
    assert store.stored_answers(1)["lead_help"] == "My comment"
