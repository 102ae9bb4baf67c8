"""Question types as objects (``flows.questions``): the registry, what each shipped type owns (validation, options,
input, keyboard, scoring categories), the scale's direction and sides read from the questionnaire, and a toy type
registered here to show that a new type is one class: it validates, renders and is answered by button and by text."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import flows.questions as questions
from config.questionnaires import load_questionnaire
from flows import engine
from flows.callbacks import without_owner
from flows.engine import Choose, Error, State, Write
from flows.i18n import catalogue
from flows.model import DONT_KNOW, Option, Questionnaire, QuestionnaireError, Side, Text
from flows.questions.base import ButtonKind, Refusal
from flows.questions.choice import ChoiceQuestion
from flows.questions.scale import ScaleQuestion
from flows.questions.text import TextQuestion
from flows.render import Renderer
from flows.report_input import survey_data
from reports.categories import Categories
from reports.inputs import Response, SurveyData
from reports.scoring import score
from tests.test_questionnaire_validation import _q, _t, minimal, write

NOW = datetime(2026, 12, 1, tzinfo=UTC)
OWNER = 77


def screen_of(qn: Questionnaire, question_id: str, answers: dict | None = None, language: str = "en"):
    prompt = engine.prompt_for(qn, State(answers=answers or {}), question_id)
    return Renderer(qn, catalogue(), language, owner=OWNER).screen(prompt, authority="Council")


def layout(screen) -> list[list[tuple[str, str]]]:
    return [[(b.label, b.data) for b in row] for row in screen.buttons]


# ---- the registry -------------------------------------------------------------------------------------------------


def test_each_shipped_type_is_registered_from_its_own_module() -> None:
    assert questions.names() == ("choice", "scale", "text")
    assert questions.kind_class("choice") is ChoiceQuestion
    assert questions.kind_class("scale") is ScaleQuestion
    assert questions.kind_class("text") is TextQuestion
    for name in questions.names():
        assert questions.kind_class(name).__module__ == f"flows.questions.{name}"


def test_unknown_type_is_refused_naming_the_question_and_the_known_types(tmp_path: Path) -> None:
    doc = minimal()
    _q(doc, "q_scale")["type"] = "slider"
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(write(tmp_path, doc, "types.yaml"))
    message = str(info.value)
    assert "types.yaml" in message and "question q_scale" in message
    assert "unknown question type 'slider'" in message and "choice, scale, text" in message


def test_a_name_cannot_be_taken_twice() -> None:
    class Impostor(TextQuestion):
        name = "text"

    with pytest.raises(ValueError, match="already registered"):
        questions.register(Impostor)
    assert questions.kind_class("text") is TextQuestion


def test_every_refusal_is_an_engine_error() -> None:
    assert {r.value for r in Refusal} <= {e.value for e in Error}


# ---- what each shipped type owns ----------------------------------------------------------------------------------


def test_choice_keyboard_levels_in_one_row_dont_know_below(officer: Questionnaire) -> None:
    screen = screen_of(officer, "kc_leadership", {"kc_leadership": "l2"})
    assert layout(screen) == [
        [
            ("Level 1", "a:kc_leadership:l1~77"),
            ("✓ Level 2", "a:kc_leadership:l2~77"),
            ("Level 3", "a:kc_leadership:l3~77"),
        ],
        [("Don't know", "a:kc_leadership:dk~77")],
        [("◀ Back", "b:kc_leadership~77")],
    ]
    assert "<b>Level 1</b> — Leadership on data" in screen.text


def test_scale_keyboard_one_point_per_row(officer: Questionnaire) -> None:
    screen = screen_of(officer, "vl_resource", language="cy")
    assert [[without_owner(d) for _, d in row] for row in layout(screen)] == [
        *([f"a:vl_resource:{o}"] for o in ("sa", "a", "n", "d", "sd", "dk")),
        ["b:vl_resource"],
    ]
    assert layout(screen)[0][0][0] == "Cytuno'n gryf"


def test_text_keyboard_is_navigation_only(officer: Questionnaire) -> None:
    screen = screen_of(officer, "barriers")
    assert layout(screen) == [[("◀ Back", "b:barriers~77"), ("Skip ▶", "s:barriers~77")]]
    assert "2000" in screen.text  # the limit is stated


def test_button_types_match_typed_options_and_refuse_unknown_ones(officer: Questionnaire) -> None:
    for qid, level_2 in (("kc_leadership", "l2"), ("vl_resource", Refusal.EXPECTED_BUTTON)):
        kind = officer.kind(officer.question(qid))
        assert kind.parse_text("Level 2", "en") == level_2  # typed answers: tests/test_typed_answers.py
        assert kind.parse_text("Level 2 please", "en") is Refusal.EXPECTED_BUTTON
        assert kind.parse_button("zz") is Refusal.UNKNOWN_OPTION
        assert kind.parse_button(DONT_KNOW) == DONT_KNOW


def test_text_type_cleans_and_judges_typed_text(officer: Questionnaire) -> None:
    kind = officer.kind(officer.question("barriers"))
    assert kind.parse_button("l1") is Refusal.EXPECTED_TEXT
    assert kind.parse_text("  Silos\x00 and cafe\u0301  ", "en") == "Silos and café"
    assert kind.parse_text("   ", "en") is Refusal.EMPTY
    assert kind.parse_text("\ud800", "en") is Refusal.UNREADABLE
    assert kind.parse_text("x" * 2001, "en") is Refusal.TOO_LONG
    assert kind.stored(" kept\x07 ") == "kept" and kind.categories() is None and kind.free_text


def test_categories_come_from_the_questionnaire(officer: Questionnaire) -> None:
    levels = officer.kind(officer.question("kc_leadership")).categories()
    assert levels == ("l1", "l2", "l3") and levels.numbered and not levels.favourable_first
    assert levels.dont_know == DONT_KNOW and [levels.level(c) for c in levels] == [1, 2, 3]
    assert levels.labels[0].get("cy") == "Lefel 1" and levels.details[2] is not None
    scale = officer.kind(officer.question("vl_resource")).categories()
    assert scale == ("sa", "a", "n", "d", "sd") and scale.favourable_first and not scale.numbered
    assert [scale[i] for i in scale.ranking] == ["sd", "d", "n", "a", "sa"]
    assert (scale.on_side(Side.AGREE), scale.on_side(Side.NEUTRAL), scale.on_side(Side.DISAGREE)) == (
        ("sa", "a"),
        ("n",),
        ("d", "sd"),
    )
    assert scale.level("a") is None


# ---- the scale's order, direction and sides are declared ----------------------------------------------------------


def _sided(order: list[tuple[str, str | None]]) -> list[dict]:
    return [{"id": i, "label": _t(i.upper()), **({"side": s} if s else {})} for i, s in order]


AGREE_FIRST = [("sa", "agree"), ("a", "agree"), ("n", "neutral"), ("d", "disagree"), ("sd", "disagree")]


def themed(points: list[dict]) -> dict:
    """The minimal questionnaire with a theme section holding a statement on the scale ``points``."""
    doc = minimal()
    doc["scales"] = {"agree": points}
    statement = {"id": "st_one", "type": "scale", "scale": "agree", "dont_know": True, "text": _t("Statement")}
    doc["sections"].append({"id": "theme_one", "kind": "theme", "title": _t("Theme"), "questions": [statement]})
    return doc


@pytest.mark.parametrize(
    ("points", "words"),
    [
        (_sided([("sa", "agree"), ("a", None), ("d", "disagree")]), ["scale agree", "every point or of none", "a has"]),
        (_sided([("a", "agree"), ("d", "disagree"), ("sa", "agree")]), ["scale agree", "sides run from agree"]),
        (_sided([("a", "agree"), ("n", "neutral")]), ["scale agree", "sides run from agree"]),
        (_sided([("a", None), ("d", None)]), ["scale agree", "st_one", "give every point of the scale a side"]),
    ],
    ids=["some points without a side", "agree on both ends", "no disagree end", "theme statement, no sides"],
)
def test_scale_sides_are_checked(tmp_path: Path, points: list[dict], words: list[str]) -> None:
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(write(tmp_path, themed(points), "scales.yaml"))
    message = str(info.value)
    assert "scales.yaml" in message
    for word in words:
        assert word in message, message


def test_a_bad_side_name_is_refused(tmp_path: Path) -> None:
    points = _sided(AGREE_FIRST)
    points[2]["side"] = "meh"
    with pytest.raises(QuestionnaireError, match="scales.agree.2.side"):
        load_questionnaire(write(tmp_path, themed(points), "side.yaml"))


def _survey(qn: Questionnaire, answers: list[str]) -> SurveyData:
    return survey_data(
        authority="Test",
        authority_cy=None,
        invited={"officer": 20},
        responses=[Response("officer", {"st_one": a}) for a in answers],
        questionnaires={"officer": qn},
    )


def test_reports_read_the_direction_from_the_questionnaire(tmp_path: Path) -> None:
    """The same answers on the scale listed either way round: the same median and shares agreeing, in the order
    the questionnaire lists the points."""
    answers = ["sa", "a", "a", "n", "d", "d", "d", "sd", "dk"]
    found = {}
    for name, order in (("agree-first", AGREE_FIRST), ("disagree-first", AGREE_FIRST[::-1])):
        qn = load_questionnaire(write(tmp_path, themed(_sided(order)), f"{name}.yaml"))
        (statement,) = score(_survey(qn, answers)).themes[0].statements
        b = statement.groups["officer"]
        found[name] = (b.median, b.agree, b.neutral, b.disagree, b.dont_know)
        assert statement.categories == tuple(i for i, _ in order)
    assert found["agree-first"] == found["disagree-first"]
    assert found["agree-first"][0] == "d"  # 8 answering, least favourable first: sd 1, d 3 -> half at d


# ---- a toy type: one class, registered in the test ----------------------------------------------------------------


class YesNoQuestion(ButtonKind):
    """Yes or No, both buttons in one row; typing "yes"/"no" (or "ie"/"na") answers too."""

    name = "yes_no"
    seconds = 5
    WORDS = {"yes": "y", "ie": "y", "no": "n", "na": "n"}

    @classmethod
    def check_declaration(cls, question):
        return (["a yes_no question declares no options"] if question.options else []) + super().check_declaration(
            question
        )

    def points(self) -> list[Option]:
        return [Option(id="y", label=Text(en="Yes", cy="Ie")), Option(id="n", label=Text(en="No", cy="Na"))]

    def categories(self) -> Categories:
        return Categories(("n", "y"), labels=[o.label for o in self.points()[::-1]], dont_know=self._dont_know())

    def parse_text(self, text: str, language: str):
        return self.WORDS.get(text.strip().casefold(), Refusal.EXPECTED_BUTTON)

    def arrange(self, buttons, options):
        return [tuple(buttons)]


@pytest.fixture
def yes_no() -> Iterator[type[YesNoQuestion]]:
    questions.register(YesNoQuestion)
    yield YesNoQuestion
    questions.unregister(YesNoQuestion.name)


def toy_doc() -> dict:
    doc = minimal()
    doc["sections"][0]["questions"].insert(0, {"id": "q_toy", "type": "yes_no", "text": _t("Do you use data?")})
    return doc


def test_a_toy_type_is_validated_rendered_and_answered(yes_no, tmp_path: Path) -> None:
    qn = load_questionnaire(write(tmp_path, toy_doc(), "toy.yaml"))
    question = qn.question("q_toy")
    assert question is not None and question.type == "yes_no" and question.estimated_seconds == 5
    assert qn.option_ids(question) == ["y", "n"]

    screen = screen_of(qn, "q_toy")
    assert layout(screen) == [[("Yes", "a:q_toy:y~77"), ("No", "a:q_toy:n~77")], [("◀ Back", "b:q_toy~77")]]

    pressed = engine.step(qn, State(answers={}), Choose("q_toy", "n"), NOW)
    assert pressed.ok and pressed.save == {"q_toy": "n"} and pressed.cursor == "q_choice"
    typed = engine.step(qn, State(answers={}), Write("  Ie ", "cy"), NOW)
    assert typed.ok and typed.save == {"q_toy": "y"}
    refused = engine.step(qn, State(answers={}), Write("maybe"), NOW)
    assert refused.error is Error.EXPECTED_BUTTON and not refused.save
    forged = engine.step(qn, State(answers={}), Choose("q_toy", "x"), NOW)
    assert forged.error is Error.UNKNOWN_OPTION

    review = engine.prompt_for(qn, State(answers={"q_toy": "y"}), engine.REVIEW)
    text = Renderer(qn, catalogue(), "cy").screen(review, authority="Cyngor").text
    assert "Do you use data? (cy): <b>Ie</b>" in text


def test_a_toy_type_refuses_what_it_does_not_take(yes_no, tmp_path: Path) -> None:
    doc = toy_doc()
    _q(doc, "q_toy")["options"] = copy.deepcopy(_q(doc, "q_choice")["options"])
    with pytest.raises(QuestionnaireError, match="question q_toy: a yes_no question declares no options"):
        load_questionnaire(write(tmp_path, doc, "toy.yaml"))


def test_without_registration_the_toy_type_is_unknown(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="unknown question type 'yes_no'"):
        load_questionnaire(write(tmp_path, toy_doc(), "toy.yaml"))
