"""Typed answers at button questions (issue 13 item 5): typing an option is answering with it.

What each button type accepts is declared with the type (``flows.questions.base.ButtonKind``, ``choice.py``,
``scale.py``, the shared rules in ``flows.questions.typed``) and in the questionnaires (``typed:`` words); these tests
read the real questionnaires, in both languages, and drive one respondent end to end through the bot.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services import load_questionnaires
from config.questionnaires import load_questionnaire
from flows import engine
from flows.engine import Error, State, Write
from flows.model import DONT_KNOW, Questionnaire, QuestionnaireError
from flows.questions.base import ButtonKind, Refusal
from flows.questions.typed import normalise
from tests.support import (
    World,
    current_question,
    no_failure,
    onboard,
    person,
    stored_answers,
)
from tests.test_questionnaire_validation import _q, _t, minimal, write

NOW = datetime(2026, 12, 1, tzinfo=UTC)
QUESTIONNAIRES = load_questionnaires()
ROLES = sorted(QUESTIONNAIRES)
LANGUAGES = ("en", "cy")


def parse(qn: Questionnaire, question_id: str, text: str, language: str = "en") -> str | Refusal:
    question = qn.question(question_id)
    assert question is not None
    return qn.kind(question).parse_text(text, language)


def button_questions(qn: Questionnaire, type_name: str | None = None) -> list[str]:
    return [
        q.id for q in qn.questions if isinstance(qn.kind(q), ButtonKind) and (type_name is None or q.type == type_name)
    ]


# ---- normalisation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Level 2", "level2"),
        ("  LEFEL   2 ", "lefel2"),
        ("Level 2.", "level2"),
        ("(2)", "2"),
        ("“Agree”!", "agree"),
        ("cytuno’n gryf", "cytunongryf"),
        ("cytuno`n gryf", "cytunongryf"),
        ("Don't know", "dontknow"),
        ("ŵ ŷ â ê î ô û", "wyaeiou"),
        ("w\u0302", "w"),  # decomposed circumflex
        ("level-2", "level-2"),  # inner punctuation other than apostrophes stays
        ("\ud800", ""),  # not valid Unicode: no key, never an error
        ("", ""),
    ],
)
def test_normalise(typed: str, key: str) -> None:
    assert normalise(typed) == key


# ---- the issue's examples, against the real questionnaires ---------------------------------------------------------


LEVEL_EXAMPLES = {
    "2": "l2",
    "level 2": "l2",
    "Lefel 2": "l2",
    "dau": "l2",
    "Dau": "l2",
    "DAU": "l2",
    "dwy": "l2",
    "two": "l2",
    "LEFEL 2": "l2",
    "Lefel  2": "l2",
    "lefel dau": "l2",
    "Level 2.": "l2",
    "(2)": "l2",
    "level2": "l2",
    "1": "l1",
    "Level 1": "l1",
    "un": "l1",
    "one": "l1",
    "lefel un": "l1",
    "3": "l3",
    "Level 3": "l3",
    "tri": "l3",
    "tair": "l3",
    "Lefel 3": "l3",
    "don't know": "dk",
    "Don’t know": "dk",
    "dont know": "dk",
    "DK": "dk",
    "ddim yn gwybod": "dk",
    "Dim yn gwybod": "dk",
    "Ddim yn gwybod.": "dk",
}
SCALE_EXAMPLES = {
    "strongly agree": "sa",
    "Strongly Agree": "sa",
    "cytuno'n gryf": "sa",
    "cytuno’n gryf": "sa",
    "Cytuno’n gryf": "sa",
    "agree": "a",
    "Cytuno": "a",
    "neither": "n",
    "Neither agree nor disagree": "n",
    "ddim yn cytuno nac yn anghytuno": "n",
    "Dim yn cytuno nac yn anghytuno": "n",
    "niwtral": "n",
    "disagree": "d",
    "anghytuno": "d",
    "Strongly disagree": "sd",
    "anghytuno’n gryf": "sd",
    "don't know": "dk",
    "ddim yn gwybod": "dk",
}
LEVEL_REFUSED = [
    "4",
    "0",
    "level 4",
    "lefel 4",
    "pedwar",
    "maybe",
    "Level 2 please",
    "Level 3 I think",
    "1 or 2",
    "12",
    "l2",
    "strongly agree",
    "",
    "   ",
    "?",
    "level",
    "\ud800",
]
SCALE_REFUSED = [
    "1",
    "2",
    "5",
    "agree strongly?",
    "maybe",
    "strongly",
    "ddim yn cytuno",
    "level 2",
    "dau",
    "sa",
    "",
    "\ud800",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_level_questions_accept_the_issues_examples(role: str, language: str) -> None:
    qn = QUESTIONNAIRES[role]
    questions = button_questions(qn, "choice")
    assert len(questions) == 7
    for qid in questions:
        for typed, option in LEVEL_EXAMPLES.items():
            assert parse(qn, qid, typed, language) == option, (qid, typed)
        for typed in LEVEL_REFUSED:
            assert parse(qn, qid, typed, language) is Refusal.EXPECTED_BUTTON, (qid, typed)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_scale_questions_accept_the_issues_examples(role: str, language: str) -> None:
    qn = QUESTIONNAIRES[role]
    questions = button_questions(qn, "scale")
    assert questions
    for qid in questions:
        for typed, option in SCALE_EXAMPLES.items():
            assert parse(qn, qid, typed, language) == option, (qid, typed)
        for typed in SCALE_REFUSED:
            assert parse(qn, qid, typed, language) is Refusal.EXPECTED_BUTTON, (qid, typed)


def test_the_engine_records_a_typed_option_and_moves_on(officer: Questionnaire) -> None:
    typed = engine.step(officer, State(answers={}), Write("dau", "en"), NOW)
    assert typed.ok and typed.save == {"kc_leadership": "l2"} and typed.advanced
    assert typed.cursor == "kc_standards"
    refused = engine.step(officer, State(answers={}), Write("level 4", "cy"), NOW)
    assert refused.error is Error.EXPECTED_BUTTON and not refused.save and refused.cursor == "kc_leadership"
    at_review = engine.step(officer, State(answers={}, cursor=engine.REVIEW), Write("2"), NOW)
    assert at_review.error is Error.EXPECTED_BUTTON and not at_review.save


# ---- every label of every option, in each language ------------------------------------------------------------------


LABELS = [
    (role, qid, option.id, label)
    for role in ROLES
    for qid in button_questions(QUESTIONNAIRES[role])
    for option in QUESTIONNAIRES[role].choices(QUESTIONNAIRES[role].question(qid))
    for label in (option.label.en, option.label.cy)
    if label
]


def _recase(text: str, flips: list[bool]) -> str:
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips + [False] * len(text), strict=False))


@settings(max_examples=300, deadline=None)
@given(
    case=st.sampled_from(LABELS),
    flips=st.lists(st.booleans(), max_size=40),
    before=st.sampled_from(["", " ", "  ", "\t", "\n", " \u00a0"]),
    after=st.sampled_from(["", " ", "  ", "\n", ".", "!", " ?"]),
    language=st.sampled_from(LANGUAGES),
)
def test_every_options_own_label_selects_it(case, flips, before, after, language) -> None:
    role, qid, option_id, label = case
    assert parse(QUESTIONNAIRES[role], qid, before + _recase(label, flips) + after, language) == option_id


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=12), role=st.sampled_from(ROLES), language=st.sampled_from(LANGUAGES))
def test_typed_text_gives_an_option_of_the_question_or_a_request_for_a_button(text, role, language) -> None:
    qn = QUESTIONNAIRES[role]
    for qid in ("kc_leadership", "vl_resource"):
        answer = parse(qn, qid, text, language)
        assert answer is Refusal.EXPECTED_BUTTON or answer in qn.option_ids(qn.question(qid))


def test_no_typed_form_of_the_real_questionnaires_selects_two_options() -> None:
    for qn in QUESTIONNAIRES.values():
        for qid in button_questions(qn):
            kind = qn.kind(qn.question(qid))
            assert kind.check() == []
            for option_id, forms in kind.typed_forms().items():
                for form in forms:
                    assert kind.parse_text(form, "en") == option_id, (qn.id, qid, form)


# ---- declarations ---------------------------------------------------------------------------------------------------


def test_a_numberless_label_is_not_selected_by_a_number(tmp_path: Path) -> None:
    doc = minimal()
    _q(doc, "q_choice")["options"] = [{"id": "l1", "label": _t("Yes")}, {"id": "l2", "label": _t("No")}]
    qn = load_questionnaire(write(tmp_path, doc, "yes_no.yaml"))
    assert parse(qn, "q_choice", "yes") == "l1" and parse(qn, "q_choice", "No (cy)", "en") == "l2"
    assert parse(qn, "q_choice", "1") is Refusal.EXPECTED_BUTTON
    assert parse(qn, "q_choice", "Don't know") == DONT_KNOW


def test_two_options_with_one_label_are_never_guessed(tmp_path: Path) -> None:
    doc = minimal()
    _q(doc, "q_choice")["options"][1]["label"] = _t("Level 1")
    qn = load_questionnaire(write(tmp_path, doc, "same.yaml"))
    assert parse(qn, "q_choice", "Level 1") is Refusal.EXPECTED_BUTTON
    assert parse(qn, "q_choice", "1") == "l1"  # only the first option's label ends in its own number


def test_declared_typed_words_select_their_option(tmp_path: Path) -> None:
    doc = minimal()
    _q(doc, "q_choice")["options"][0]["typed"] = {"en": ["basic"], "cy": ["sylfaenol"]}
    doc["scales"]["agree"][1]["typed"] = {"en": ["nope"]}
    qn = load_questionnaire(write(tmp_path, doc, "typed.yaml"))
    assert parse(qn, "q_choice", "Basic") == "l1" and parse(qn, "q_choice", "SYLFAENOL", "en") == "l1"
    assert parse(qn, "q_scale", "nope!") == "d"


@pytest.mark.parametrize(
    ("where", "word", "reason"),
    [
        ("choice", "Level 2", ["q_choice", "option l1", "'Level 2'", "l2"]),
        ("choice", "dk", ["q_choice", "option l1", "'dk'", DONT_KNOW]),
        ("choice", "...", ["q_choice", "option l1", "no letters or digits"]),
        ("scale", "agree", ["scale agree", "option d", "'agree'", "would also select a"]),
        ("scale", "ddim yn gwybod", ["scale agree", "option d", DONT_KNOW]),
    ],
)
def test_a_declared_word_that_selects_another_option_is_refused(tmp_path: Path, where, word, reason) -> None:
    doc = minimal()
    if where == "choice":
        _q(doc, "q_choice")["options"][0]["typed"] = {"en": [word]}
    else:
        doc["scales"]["agree"][1]["typed"] = {"cy": [word]}
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(write(tmp_path, doc, "clash.yaml"))
    for part in reason:
        assert part in str(info.value)


# ---- end to end: a person types their answer -------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_typing_dau_at_a_level_question_records_level_2_and_moves_on(world: World) -> None:
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2301)
        await onboard(driver, token)
        assert current_question(driver.last) == ("kc_leadership", "choice")
        reply = await driver.send("dau")
        assert current_question(reply) == ("kc_standards", "choice"), driver.transcript()
        reply = await driver.send("LEFEL  3")
        assert current_question(reply) == ("kc_customer_data", "choice")
        reply = await driver.send("level 4")  # no such option: the question again, nothing stored
        assert current_question(reply) == ("kc_customer_data", "choice")
        no_failure(driver)
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2", "kc_standards": "l3"}
