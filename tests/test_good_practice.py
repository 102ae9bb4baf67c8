"""Good practice (issue 12, item 4; issue 22 item 5): the shipped file loads, is bilingual and marked for a
translator's review, each example maps to real key characteristics and cites the national study report it comes
from, the loader refuses a broken file with its reason, and a council's report shows the examples chosen for each
group's weakest characteristics (officers and members may differ), each once."""

from __future__ import annotations

import re
from fractions import Fraction as F
from pathlib import Path

import pytest
import yaml

from bot.services import load_questionnaires
from config.good_practice import (
    DEFAULT_GOOD_PRACTICE,
    GoodPracticeError,
    load_good_practice,
    shipped_good_practice,
)
from flows.model import SectionKind
from flows.report_input import survey_data
from reports.comparison import compare, render_comparisons
from reports.good_practice import good_practice
from reports.inputs import Response, SurveyData
from reports.scoring import score, score_characteristics

QN = load_questionnaires()
CHARACTERISTICS = [s.id for qn in QN.values() for s in qn.sections if s.kind is SectionKind.CHARACTERISTIC]


def test_the_shipped_examples_are_the_reports_six_each_mapped_to_real_characteristics():
    examples = load_good_practice(characteristics=set(CHARACTERISTICS))  # raises on an unknown id
    assert [e.id for e in examples] == [
        "camden_residents_index",
        "carmarthenshire_digital_transformation",
        "digital_flintshire",
        "conwy_denbighshire_psb_sharing",
        "data_mill_north",
        "lfb_dynamic_cover_tool",
    ]
    by_id = {e.id: e for e in examples}
    assert by_id["camden_residents_index"].characteristics == ("customer_data",)
    assert "data_protection" in by_id["conwy_denbighshire_psb_sharing"].characteristics
    assert by_id["data_mill_north"].characteristics == ("open_data",)
    assert set(by_id["lfb_dynamic_cover_tool"].characteristics) == {"decisions", "analytics"}
    assert "leadership" in by_id["carmarthenshire_digital_transformation"].characteristics
    assert set(by_id["digital_flintshire"].characteristics) == {"leadership", "standards"}
    organisations = " ".join(e.organisation.en for e in examples)
    for name in (
        "Camden",
        "Carmarthenshire",
        "Flintshire",
        "Conwy",
        "Denbighshire",
        "Data Mill North",
        "London Fire Brigade",
    ):
        assert name in organisations
    assert shipped_good_practice() == examples


def test_each_example_cites_the_national_study_report_in_both_languages():
    # The six were identified in the national study report; a council's own report (Flintshire's, Part 3) only
    # quoted them, so it is not their source.
    for e in load_good_practice():
        assert "The Maturity of Local Government in Use of Data" in e.source.en and "national study" in e.source.en
        assert "Aeddfedrwydd Llywodraeth Leol o ran Defnyddio Data" in e.source.cy
        assert "astudiaeth genedlaethol" in e.source.cy
        assert "Flintshire" not in e.source.en and "Part 3" not in e.source.en
        assert "Wales Audit Office" not in e.source.cy  # no English in the Welsh report


def test_every_text_is_in_both_languages_and_the_welsh_is_marked_for_review():
    for e in load_good_practice():
        for text in (e.title, e.organisation, e.summary):
            assert text.en and text.cy and not text.missing(["en", "cy"])
        assert e.summary.en != e.summary.cy and e.title.en != e.title.cy
    head = DEFAULT_GOOD_PRACTICE.read_text(encoding="utf-8")[:800]
    assert "qualified translator" in head and "MUST be reviewed" in head


def test_each_mapping_is_explained_in_a_comment():
    text = DEFAULT_GOOD_PRACTICE.read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=  #)", text.split("examples:", 1)[1])
    explained = [b for b in blocks if "- id:" in b]
    assert len(explained) == 6 and all(b.lstrip().startswith("#") for b in explained)


def write(tmp_path: Path, examples: list[dict]) -> Path:
    path = tmp_path / "practice.yaml"
    path.write_text(yaml.safe_dump({"examples": examples}, allow_unicode=True), encoding="utf-8")
    return path


def example(**changes: object) -> dict:
    base = {
        "id": "ours",
        "title": {"en": "Ours", "cy": "Ein un ni"},
        "organisation": {"en": "Org", "cy": "Sefydliad"},
        "summary": {"en": "What we did.", "cy": "Beth wnaethon ni."},
        "characteristics": ["open_data"],
        "source": {"en": "Our audit", "cy": "Ein harchwiliad"},
    }
    return base | changes


@pytest.mark.parametrize(
    ("examples", "says"),
    [
        ([example(summary={"en": "Only English"})], "summary.cy"),
        ([example(title={"en": "T", "cy": "  "})], "title.cy is empty"),
        ([example(characteristics=[])], "characteristics"),
        ([example(characteristics=["open_data", "open_data"])], "twice"),
        ([example(), example()], "listed twice: ours"),
        ([example(id="Has Spaces")], "examples.0.id"),
        ([example(colour="red")], "colour"),
        ([example(source="Our audit")], "examples.0.source"),  # one language only: refused
        ([example(source={"en": "Our audit"})], "source.cy"),
    ],
)
def test_a_broken_file_is_refused_with_its_reason(tmp_path: Path, examples: list[dict], says: str):
    with pytest.raises(GoodPracticeError, match=re.escape(says)):
        load_good_practice(write(tmp_path, examples))


def test_an_unknown_characteristic_is_refused_when_the_ids_are_given(tmp_path: Path):
    path = write(tmp_path, [example(characteristics=["open_dta"])])
    assert load_good_practice(path)[0].characteristics == ("open_dta",)  # without the ids: read as written
    with pytest.raises(GoodPracticeError, match="unknown characteristic.*open_dta"):
        load_good_practice(path, characteristics=CHARACTERISTICS)
    with pytest.raises(GoodPracticeError, match="cannot read"):
        load_good_practice(tmp_path / "missing.yaml")


def council(officers: dict[str, str], members: dict[str, str] | None = None) -> SurveyData:
    """10 officers (and 10 members) answering each characteristic question with the level given."""
    responses = [Response("officer", dict(officers)) for _ in range(10)]
    responses += [Response("member", dict(members)) for _ in range(10)] if members else []
    return survey_data(
        "Flintshire County Council",
        "Cyngor Sir y Fflint",
        {"officer": 20, "member": 20},
        responses,
        QN,
        good_practice=shipped_good_practice(),
    )


LEVEL_2 = {
    f"kc_{c}": "l2"
    for c in ("leadership", "standards", "customer_data", "data_protection", "analytics", "decisions", "open_data")
}


def test_examples_are_chosen_for_each_groups_weakest_characteristics():
    # Officers place Data protection and Open data at Level 1, the rest at Level 2; members place Data analytics at
    # Level 1.  Officers' weakest: data protection, open data (questionnaire order, both 100% at Level 1); members':
    # analytics.  Examples, weakest points first (Level 1 each; the first of each group before the second):
    # data protection (officers) -> Carmarthenshire, Conwy and Denbighshire; analytics (members) -> London Fire
    # Brigade; open data (officers) -> Data Mill North.  Not chosen: Camden (customer data), Digital Flintshire.
    officers = LEVEL_2 | {"kc_data_protection": "l1", "kc_open_data": "l1"}
    members = LEVEL_2 | {"kc_analytics": "l1"}
    report = score(council(officers, members))
    gp = report.comparison.good_practice
    assert {g: [w.section_id for w in points] for g, points in gp.weakest.items()} == {
        "officer": ["data_protection", "open_data"],
        "member": ["analytics"],
    }
    assert [c.example.id for c in gp.examples] == [
        "carmarthenshire_digital_transformation",
        "conwy_denbighshire_psb_sharing",
        "lfb_dynamic_cover_tool",
        "data_mill_north",
    ]
    assert [(w.group, w.section_id) for w in gp.examples[2].reasons] == [("member", "analytics")]
    # The same Totals, the groups' weaknesses swapped: other examples first, for other groups.
    swapped = score(council(members, officers)).comparison.good_practice
    assert [c.example.id for c in swapped.examples][0] == "lfb_dynamic_cover_tool"
    assert swapped.weakest["member"][0].section_id == "data_protection"


def test_ties_at_the_lowest_level_go_to_the_larger_share_at_level_1_and_at_most_three():
    # Every characteristic at a median of Level 2; Level 1 shares: open data 4 of 10, leadership 3, analytics 2,
    # standards 1, the rest 0 -> open data, leadership, analytics.
    rows = []
    for i in range(10):
        levels = dict(LEVEL_2)
        for key, ones in (("kc_open_data", 4), ("kc_leadership", 3), ("kc_analytics", 2), ("kc_standards", 1)):
            if i < ones:
                levels[key] = "l1"
        rows.append(Response("officer", levels))
    data = survey_data(
        "Flintshire County Council",
        None,
        {"officer": 20, "member": 20},
        rows,
        QN,
        good_practice=shipped_good_practice(),
    )
    weak = score(data).comparison.good_practice.weakest["officer"]
    assert [(w.section_id, w.median, w.at_level_1) for w in weak] == [
        ("open_data", 2, F(4, 10)),
        ("leadership", 2, F(3, 10)),
        ("analytics", 2, F(2, 10)),
    ]


def test_each_example_once_under_its_own_heading_with_its_source_and_an_accurate_introduction():
    officers = LEVEL_2 | {"kc_leadership": "l1", "kc_data_protection": "l1"}
    members = LEVEL_2 | {"kc_leadership": "l1"}
    report = score(council(officers, members))
    page = render_comparisons(report, "en")
    practice = page[page.index('id="good-practice"') :]
    headings = re.findall(r"<h[23]>([^<]*)</h[23]>", practice)
    assert len(headings) == len(set(headings)) == 4  # the section's, then three examples, none repeated
    assert "see above" not in practice
    # Carmarthenshire addresses leadership and data protection: given once, chosen for both groups.
    assert practice.count("Carmarthenshire&#39;s Digital Transformation Strategy") == 1
    assert (
        "Chosen for the lowest-placed characteristics of officers: Leadership and Data Protection; elected "
        "members: Leadership."
    ) in practice
    assert (
        practice.count(
            "Source: Wales Audit Office, The Maturity of Local Government in Use of Data (national study report)"
        )
        == 3
    )
    assert (
        "chosen for a key characteristic that the council&#39;s officers or its elected members place lowest "
        "(officers: Leadership and Data Protection, at a median of Level 1; elected members: Leadership, at a "
        "median of Level 1)"
    ) in practice
    assert "Flintshire County Council, Part 3" not in practice and "Level 1 come first" not in practice
    welsh = render_comparisons(report, "cy")
    welsh = welsh[welsh.index('id="good-practice"') :]
    assert "Arfer da" in welsh and "Ffynhonnell: Swyddfa Archwilio Cymru, Aeddfedrwydd Llywodraeth Leol" in welsh
    assert "Wales Audit Office" not in welsh and "gweler uchod" not in welsh
    assert "swyddogion: Arweinyddiaeth a Diogelu Data" in welsh
    # "a" before a vowel is "ac": members' Data analytics (all at Level 1) before Leadership (6 of 10 at Level 1).
    members = [
        Response("member", LEVEL_2 | {"kc_analytics": "l1", "kc_leadership": "l1" if i < 6 else "l2"})
        for i in range(10)
    ]
    vowel = score(
        survey_data(
            "Flintshire County Council",
            "Cyngor Sir y Fflint",
            {"officer": 20, "member": 20},
            [Response("officer", LEVEL_2) for _ in range(10)] + members,
            QN,
            good_practice=shipped_good_practice(),
        )
    )
    assert "aelodau etholedig: Dadansoddeg data ac Arweinyddiaeth" in render_comparisons(vowel, "cy")
    assert "elected members: Data analytics and Leadership" in render_comparisons(vowel, "en")


def test_an_audit_body_can_extend_the_examples(tmp_path: Path):
    extended = (*load_good_practice(), *load_good_practice(write(tmp_path, [example(characteristics=["analytics"])])))
    data = council({"kc_analytics": "l1"})
    comparison = compare(data, score_characteristics(data), examples=extended)
    assert [c.example.id for c in comparison.good_practice.examples] == ["lfb_dynamic_cover_tool", "ours"]
    assert good_practice(score_characteristics(data)[1], ()) is None  # no examples: no section
    assert 'id="good-practice"' not in render_comparisons(score(council({})), "en")  # nothing published: none
