"""The shipped questionnaires against the Wales Audit Office report, and the refusal of invalid questionnaire files."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from config.questionnaires import QUESTIONNAIRE_DIR, load_questionnaire
from flows import callbacks
from flows.model import (
    DONT_KNOW,
    Questionnaire,
    QuestionnaireError,
    SectionKind,
)
from flows.questions.choice import ChoiceQuestion
from flows.questions.scale import ScaleQuestion
from flows.questions.text import TextQuestion

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference"
REPORT_FILE = "000_5eda27fce75c6360.txt"

CHARACTERISTICS = ["leadership", "standards", "customer_data", "data_protection", "analytics", "decisions", "open_data"]
THEMES = ["vision", "protection", "skills", "evidence"]
AGREE_SCALE = ["sa", "a", "n", "d", "sd"]
ROLES = ["officer", "member"]


# -- the report's descriptor table -------------------------------------------------------------------------------


def parse_descriptor_table(text: str) -> list[tuple[str, str, str, str]]:
    """Rows ``Name\\tLevel 1\\tLevel 2\\tLevel 3`` under each ``Key Characteristic`` header, in the report's order."""
    rows: list[tuple[str, str, str, str]] = []
    inside = False
    for line in text.splitlines():
        fields = line.split("\t")
        if fields[0].strip() == "Key Characteristic":
            assert [f.strip() for f in fields[1:]] == ["Level 1", "Level 2", "Level 3"], line
            inside = True
            continue
        if not line.strip() or len(fields) != 4:
            inside = False
            continue
        if inside:
            name, l1, l2, l3 = fields
            rows.append((name, l1, l2, l3))
    return rows


@pytest.fixture(scope="module")
def descriptors() -> list[tuple[str, str, str, str]]:
    report = REFERENCE_DIR / REPORT_FILE
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"reference folder {REFERENCE_DIR} is absent (shared/ must sit beside the checkout)")
    assert report.is_file(), f"{report} is missing from the reference folder"
    rows = parse_descriptor_table(report.read_text(encoding="utf-8"))
    assert len(rows) == 7, f"expected seven key characteristics in {report.name}, parsed {[r[0] for r in rows]}"
    return rows


@pytest.fixture(scope="module", params=ROLES)
def shipped(request: pytest.FixtureRequest) -> Questionnaire:
    return load_questionnaire(QUESTIONNAIRE_DIR / f"{request.param}.yaml")


def test_parser_reads_the_table_format() -> None:
    text = "intro\nKey Characteristic\tLevel 1\tLevel 2\tLevel 3\nA\tone\ttwo\tthree\nB\tx\ty\tz\n\nKey Characteristic\tLevel 1\tLevel 2\tLevel 3\nC\tp\tq\tr\n\nafter\ta\tb\tc\n"
    assert parse_descriptor_table(text) == [("A", "one", "two", "three"), ("B", "x", "y", "z"), ("C", "p", "q", "r")]


# -- shipped questionnaires --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_shipped_questionnaire_loads_with_english_and_welsh(role: str) -> None:
    q = load_questionnaire(QUESTIONNAIRE_DIR / f"{role}.yaml")
    assert q.id == role
    assert q.role.value == role
    assert set(q.languages) == {"en", "cy"}
    for lang in ("en", "cy"):
        assert q.title.get(lang).strip()
        assert q.dont_know.get(lang).strip()


def test_characteristic_sections_in_report_order(shipped: Questionnaire) -> None:
    characteristic = [s.id for s in shipped.sections if s.kind is SectionKind.CHARACTERISTIC]
    assert characteristic == CHARACTERISTICS
    # and they come first, before the themes and comments
    assert [s.id for s in shipped.sections[: len(CHARACTERISTICS)]] == CHARACTERISTICS


def test_characteristic_titles_and_descriptors_verbatim_from_report(
    shipped: Questionnaire, descriptors: list[tuple[str, str, str, str]]
) -> None:
    sections = [s for s in shipped.sections if s.kind is SectionKind.CHARACTERISTIC]
    assert len(sections) == len(descriptors)
    for section, (name, *levels) in zip(sections, descriptors, strict=True):
        assert section.title.get("en") == name, f"{shipped.id}: section {section.id} is not the report's {name!r}"
        kc = [q for q in section.questions if q.id.startswith("kc_")]
        assert [q.id for q in kc] == [f"kc_{section.id}"]
        question = kc[0]
        assert question.type == ChoiceQuestion.name
        assert question.dont_know
        assert [o.id for o in question.options] == ["l1", "l2", "l3"]
        for option, descriptor in zip(question.options, levels, strict=True):
            assert option.detail is not None
            assert option.detail.en == descriptor, f"{shipped.id}: {question.id} {option.id} differs from the report"
            assert (option.detail.cy or "").strip(), f"{shipped.id}: {question.id} {option.id} has no Welsh detail"


def test_officer_and_member_descriptors_identical() -> None:
    officer, member = (load_questionnaire(QUESTIONNAIRE_DIR / f"{r}.yaml") for r in ROLES)
    for sid in CHARACTERISTICS:
        o, m = officer.question(f"kc_{sid}"), member.question(f"kc_{sid}")
        assert o is not None and m is not None
        assert [opt.detail for opt in o.options] == [opt.detail for opt in m.options]


def test_theme_sections_have_agree_statements_with_dont_know(shipped: Questionnaire) -> None:
    assert "agree" in shipped.scales
    assert [o.id for o in shipped.scales["agree"]] == AGREE_SCALE
    themes = [s for s in shipped.sections if s.kind is SectionKind.THEME]
    assert [s.id for s in themes] == THEMES
    for section in themes:
        statements = [q for q in section.questions if q.type == ScaleQuestion.name]
        assert statements, f"theme {section.id} has no statements"
        for q in statements:
            assert q.scale == "agree"
            assert q.dont_know, f"{q.id} offers no Don't know"
            assert shipped.option_ids(q) == AGREE_SCALE + [DONT_KNOW]
            assert shipped.choices(q)[-1].label == shipped.dont_know
        # anything else in a theme section is a follow-up of a statement
        for q in section.questions:
            if q.type != ScaleQuestion.name:
                assert q.show_if is not None, f"{q.id} in theme {section.id} is neither a statement nor a follow-up"


def test_comments_section_has_barriers_and_example(shipped: Questionnaire) -> None:
    comments = [s for s in shipped.sections if s.kind is SectionKind.COMMENTS]
    assert [s.id for s in comments] == ["comments"]
    assert shipped.sections[-1].id == "comments"
    by_id = {q.id: q for q in comments[0].questions}
    for qid in ("barriers", "example"):
        assert qid in by_id
        assert by_id[qid].type == TextQuestion.name
        assert by_id[qid].show_if is None


def test_member_version_takes_under_ten_minutes() -> None:
    member = load_questionnaire(QUESTIONNAIRE_DIR / "member.yaml")
    always_shown = [q for q in member.questions if q.show_if is None]
    assert len(always_shown) >= 7 + 4  # every characteristic and at least one statement per theme
    total = sum(q.estimated_seconds for q in always_shown)
    assert total < 600, f"member questionnaire needs about {total} s without follow-ups"


def test_every_callback_payload_fits_64_bytes(shipped: Questionnaire) -> None:
    checked = 0
    for q in shipped.questions:
        payloads = callbacks.payloads_for(q.id, shipped.option_ids(q))
        assert len(payloads) == len(shipped.option_ids(q)) + 3
        for payload in payloads:
            assert len(payload.encode("utf-8")) <= 64, payload
            assert callbacks.decode(payload) is not None, payload
            checked += 1
    assert checked > len(shipped.questions)


# -- invalid files -----------------------------------------------------------------------------------------------


def _t(en: str) -> dict[str, str]:
    return {"en": en, "cy": f"{en} (cy)"}


def minimal() -> dict:
    """A small valid questionnaire: one choice, one scale and one follow-up text question."""
    return {
        "id": "tiny",
        "version": 1,
        "role": "officer",
        "languages": ["en", "cy"],
        "title": _t("Title"),
        "intro": _t("Intro"),
        "dont_know": _t("Don't know"),
        "scales": {"agree": [{"id": "a", "label": _t("Agree")}, {"id": "d", "label": _t("Disagree")}]},
        "sections": [
            {
                "id": "first",
                "kind": "characteristic",
                "title": _t("First"),
                "questions": [
                    {
                        "id": "q_choice",
                        "type": "choice",
                        "text": _t("Pick one"),
                        "dont_know": True,
                        "options": [
                            {"id": "l1", "label": _t("Level 1"), "detail": _t("Level one")},
                            {"id": "l2", "label": _t("Level 2"), "detail": _t("Level two")},
                        ],
                    },
                    {"id": "q_scale", "type": "scale", "scale": "agree", "dont_know": True, "text": _t("Agree?")},
                    {
                        "id": "q_text",
                        "type": "text",
                        "optional": True,
                        "text": _t("Why?"),
                        "show_if": {"question": "q_choice", "any_of": ["l1"]},
                    },
                ],
            }
        ],
    }


def _q(doc: dict, qid: str) -> dict:
    return next(q for q in doc["sections"][0]["questions"] if q["id"] == qid)


def write(tmp_path: Path, doc: object, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_minimal_questionnaire_is_valid(tmp_path: Path) -> None:
    q = load_questionnaire(write(tmp_path, minimal(), "tiny.yaml"))
    assert [x.id for x in q.questions] == ["q_choice", "q_scale", "q_text"]
    assert q.option_ids(q.questions[1]) == ["a", "d", DONT_KNOW]


def _dup_question(d: dict) -> None:
    d["sections"][0]["questions"].append(copy.deepcopy(_q(d, "q_scale")))


def _dup_question_other_section(d: dict) -> None:
    d["sections"].append(
        {"id": "second", "kind": "theme", "title": _t("Second"), "questions": [copy.deepcopy(_q(d, "q_scale"))]}
    )


def _dup_option(d: dict) -> None:
    _q(d, "q_choice")["options"][1]["id"] = "l1"


def _no_welsh_question(d: dict) -> None:
    del _q(d, "q_scale")["text"]["cy"]


def _blank_welsh_question(d: dict) -> None:
    _q(d, "q_scale")["text"]["cy"] = "   "


def _no_welsh_label(d: dict) -> None:
    del _q(d, "q_choice")["options"][0]["label"]["cy"]


def _no_welsh_detail(d: dict) -> None:
    _q(d, "q_choice")["options"][1]["detail"]["cy"] = ""


def _no_welsh_help(d: dict) -> None:
    _q(d, "q_text")["help"] = {"en": "Optional."}


def _unknown_scale(d: dict) -> None:
    _q(d, "q_scale")["scale"] = "nosuchscale"


def _show_if_later(d: dict) -> None:
    _q(d, "q_scale")["show_if"] = {"question": "q_text", "any_of": ["l1"]}


def _show_if_self(d: dict) -> None:
    _q(d, "q_scale")["show_if"] = {"question": "q_scale", "any_of": ["a"]}


def _show_if_unknown(d: dict) -> None:
    _q(d, "q_text")["show_if"]["question"] = "ghost"


def _show_if_bad_option(d: dict) -> None:
    _q(d, "q_text")["show_if"]["any_of"] = ["l9"]


def _id_too_long(d: dict) -> None:
    long_id = "q" + "x" * 40
    _q(d, "q_text")["id"] = long_id


def _id_bad_shape(d: dict) -> None:
    _q(d, "q_text")["id"] = "Q-Text"


def _option_id_too_long(d: dict) -> None:
    _q(d, "q_choice")["options"][1]["id"] = "l" + "2" * 40


def _one_option(d: dict) -> None:
    del _q(d, "q_choice")["options"][1]


def _text_with_options(d: dict) -> None:
    _q(d, "q_text")["options"] = [{"id": "x", "label": _t("X")}, {"id": "y", "label": _t("Y")}]


def _dont_know_reserved(d: dict) -> None:
    _q(d, "q_choice")["options"][1]["id"] = DONT_KNOW


INVALID: list[tuple[str, Callable[[dict], None], str, list[str]]] = [
    # (case, break one thing, question id the message must name, words of the reason)
    ("duplicate question id", _dup_question, "q_scale", ["duplicate"]),
    ("duplicate question id across sections", _dup_question_other_section, "q_scale", ["duplicate"]),
    ("duplicate option id", _dup_option, "q_choice", ["duplicate", "l1"]),
    ("missing Welsh question text", _no_welsh_question, "q_scale", ["missing", "cy"]),
    ("blank Welsh question text", _blank_welsh_question, "q_scale", ["missing", "cy"]),
    ("missing Welsh option label", _no_welsh_label, "q_choice", ["missing", "cy", "l1", "label"]),
    ("missing Welsh option detail", _no_welsh_detail, "q_choice", ["missing", "cy", "l2", "detail"]),
    ("missing Welsh help", _no_welsh_help, "q_text", ["missing", "cy", "help"]),
    ("unknown scale", _unknown_scale, "q_scale", ["unknown scale", "nosuchscale"]),
    ("show_if names a later question", _show_if_later, "q_scale", ["show_if", "q_text", "earlier"]),
    ("show_if names the question itself", _show_if_self, "q_scale", ["show_if", "earlier"]),
    ("show_if names an unknown question", _show_if_unknown, "q_text", ["show_if", "ghost", "earlier"]),
    ("show_if names a non-existent option", _show_if_bad_option, "q_text", ["show_if", "l9", "q_choice"]),
    ("question id too long", _id_too_long, "q" + "x" * 40, ["pattern"]),
    ("question id of the wrong shape", _id_bad_shape, "Q-Text", ["pattern"]),
    ("option id too long", _option_id_too_long, "q_choice", ["pattern"]),
    ("choice question with one option", _one_option, "q_choice", ["two options"]),
    ("text question with options", _text_with_options, "q_text", ["text question", "options"]),
    ("option id reserved for Don't know", _dont_know_reserved, "q_choice", ["reserved"]),
]


@pytest.mark.parametrize(("mutate", "question_id", "reason"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_questionnaire_refused_naming_file_question_and_reason(
    tmp_path: Path, mutate: Callable[[dict], None], question_id: str, reason: list[str]
) -> None:
    doc = minimal()
    mutate(doc)
    path = write(tmp_path, doc, "council_officers.yaml")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    message = str(info.value)
    assert "council_officers.yaml" in message
    assert f"question {question_id}" in message, message
    for word in reason:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"


def test_payload_over_the_byte_limit_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ids are capped by ID_PATTERN so real payloads stay far below 64 bytes; lower the limit to reach the check.
    longest = max(len(p.encode()) for p in callbacks.payloads_for("q_choice", ["l1", "l2", DONT_KNOW]))
    monkeypatch.setattr(callbacks, "MAX_BYTES", longest - 1)
    path = write(tmp_path, minimal(), "limits.yaml")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    message = str(info.value)
    assert "limits.yaml" in message
    assert "question q_choice" in message
    assert "payload" in message and f"exceeds {longest - 1} bytes" in message


def test_longest_allowed_ids_fit_64_bytes(tmp_path: Path) -> None:
    doc = minimal()
    qid = "q" + "x" * 23  # the longest id ID_PATTERN allows
    question = _q(doc, "q_choice")
    question["id"] = qid
    question["options"][0]["id"] = "o" + "1" * 23
    _q(doc, "q_text")["show_if"] = {"question": qid, "any_of": ["l2"]}
    q = load_questionnaire(write(tmp_path, doc, "longest.yaml"))
    longest = max(len(p.encode()) for p in callbacks.payloads_for(qid, q.option_ids(q.questions[0])))
    assert longest <= callbacks.MAX_BYTES


def test_non_mapping_top_level_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- id: q1\n- id: q2\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    assert "list.yaml" in str(info.value)
    assert "mapping" in str(info.value)


def test_empty_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="empty.yaml.*mapping"):
        load_questionnaire(path)


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "syntax.yaml"
    path.write_text("id: tiny\nsections: [\n  - id: first\n    title: {en: 'x'\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(path)
    message = str(info.value)
    assert "syntax.yaml" in message
    assert "cannot read" in message


def test_missing_file_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="absent.yaml"):
        load_questionnaire(tmp_path / "absent.yaml")


def test_missing_section_field_names_the_section(tmp_path: Path) -> None:
    doc = minimal()
    del doc["sections"][0]["title"]
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(write(tmp_path, doc, "nosection.yaml"))
    message = str(info.value)
    assert "nosection.yaml" in message
    assert "section first" in message and "title" in message
