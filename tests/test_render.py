"""Rendering prompts: progress lines, escaping, and Telegram's limits in both languages."""

from __future__ import annotations

import pytest

from bot.emulator import parse_html
from flows import engine
from flows.engine import REVIEW, State
from flows.i18n import catalogue
from flows.render import MAX_TEXT, Renderer
from tests.test_engine import answer_all


@pytest.mark.parametrize("language", ["en", "cy"])
def test_revisiting_a_question_when_everything_is_answered_says_so(officer, language):
    answers = answer_all(officer)
    prompt = engine.prompt_for(officer, State(answers=answers, cursor=REVIEW), "kc_analytics")
    text = Renderer(officer, catalogue(), language).screen(prompt, authority="Cyngor").text
    assert ("all questions answered" if language == "en" else "pob cwestiwn wedi'i ateb") in text
    assert " 0 min" not in text and "0 munud" not in text


def test_stored_free_text_is_escaped_on_the_review_screen(officer):
    answers = answer_all(officer, text="<b>bold</b> & <script>x</script>")
    prompt = engine.prompt_for(officer, State(answers=answers))
    screen = Renderer(officer, catalogue(), "en").screen(prompt, authority="A & B <Council>")
    visible, _ = parse_html(screen.text)
    assert "<b>bold</b> & <script>x</script>" in visible  # shown literally, never as markup


@pytest.mark.parametrize("language", ["en", "cy"])
def test_every_question_fits_one_message(questionnaires, language):
    for qn in questionnaires.values():
        renderer = Renderer(qn, catalogue(), language)
        for q in qn.questions:
            screen = renderer.screen(engine.prompt_for(qn, State(answers={}), q.id), authority="x" * 200)
            visible, _ = parse_html(screen.text)
            assert len(visible) <= MAX_TEXT
            assert all(len(b.label) <= 40 for row in screen.buttons for b in row)  # buttons stay short on a phone
