"""Good practice (issue 12, item 4): the shipped file loads, is bilingual and marked for a translator's review, each
example maps to real key characteristics, the loader refuses a broken file with its reason, and a council's report
leads with the examples for the characteristics where its median is Level 1."""

from __future__ import annotations

import re
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
from reports.comparison import compare, good_practice, render_comparisons
from reports.model import Response, SurveyData
from reports.scoring import score, score_characteristics

QN = load_questionnaires()
CHARACTERISTICS = [s.id for qn in QN.values() for s in qn.sections if s.kind is SectionKind.CHARACTERISTIC]


def test_the_shipped_examples_are_the_reports_six_each_mapped_to_real_characteristics():
    examples = load_good_practice(characteristics=set(CHARACTERISTICS))  # raises on an unknown id
    assert [e.id for e in examples] == ["camden_residents_index", "carmarthenshire_digital_transformation",
                                        "digital_flintshire", "conwy_denbighshire_psb_sharing", "data_mill_north",
                                        "lfb_dynamic_cover_tool"]
    by_id = {e.id: e for e in examples}
    assert by_id["camden_residents_index"].characteristics == ("customer_data",)
    assert "data_protection" in by_id["conwy_denbighshire_psb_sharing"].characteristics
    assert by_id["data_mill_north"].characteristics == ("open_data",)
    assert set(by_id["lfb_dynamic_cover_tool"].characteristics) == {"decisions", "analytics"}
    assert "leadership" in by_id["carmarthenshire_digital_transformation"].characteristics
    assert set(by_id["digital_flintshire"].characteristics) == {"leadership", "standards"}
    organisations = " ".join(e.organisation.en for e in examples)
    for name in ("Camden", "Carmarthenshire", "Flintshire", "Conwy", "Denbighshire", "Data Mill North",
                 "London Fire Brigade"):
        assert name in organisations
    assert all(e.source.startswith("Wales Audit Office") for e in examples)
    assert shipped_good_practice() == examples


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
    base = {"id": "ours", "title": {"en": "Ours", "cy": "Ein un ni"}, "organisation": {"en": "Org", "cy": "Sefydliad"},
            "summary": {"en": "What we did.", "cy": "Beth wnaethon ni."}, "characteristics": ["open_data"],
            "source": "Our audit"}
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


def council(levels: dict[str, str]) -> SurveyData:
    """10 officers answering each characteristic question with the level given."""
    return SurveyData("Flintshire County Council", "Cyngor Sir y Fflint", {"officer": 20, "member": 20},
                      [Response("officer", dict(levels)) for _ in range(10)], QN)


def test_level_1_characteristics_lead():
    # Median Level 1 on data protection and open data; Level 2 elsewhere; customer data not answered (withheld).
    levels = {f"kc_{c}": "l2" for c in ("leadership", "standards", "analytics", "decisions")}
    levels |= {"kc_data_protection": "l1", "kc_open_data": "l1"}
    groups = score(council(levels)).comparison.good_practice
    assert [g.section_id for g in groups] == ["data_protection", "open_data", "leadership", "standards",
                                              "customer_data", "analytics", "decisions"]
    assert [g.leads for g in groups] == [True, True, False, False, False, False, False]
    assert [g.median for g in groups] == [1, 1, 2, 2, None, 2, 2]
    assert [e.id for e in groups[0].examples] == ["carmarthenshire_digital_transformation",
                                                  "conwy_denbighshire_psb_sharing"]
    page = render_comparisons(score(council(levels)), "en")
    practice = page.split('id="good-practice"')[1]
    assert re.findall(r"<h3>([^<]*)</h3>", practice)[:3] == ["Data Protection", "Open Data", "Leadership"]
    # Carmarthenshire's example is given in full under data protection, and referred back to under leadership.
    assert practice.count("Carmarthenshire&#39;s Digital Transformation Strategy") == 1
    assert "see above, under Data Protection" in practice
    welsh = render_comparisons(score(council(levels)), "cy").split('id="good-practice"')[1]
    assert re.findall(r"<h3>([^<]*)</h3>", welsh)[:2] == ["Diogelu Data", "Data Agored"]
    assert "Fflint Ddigidol" in welsh and "Arfer da" in welsh


def test_an_audit_body_can_extend_the_examples(tmp_path: Path):
    extended = (*load_good_practice(), *load_good_practice(write(tmp_path, [example(characteristics=["analytics"])])))
    data = council({"kc_analytics": "l1"})
    comparison = compare(data, score_characteristics(data), examples=extended)
    assert comparison.good_practice[0].section_id == "analytics"
    assert [e.id for e in comparison.good_practice[0].examples] == ["lfb_dynamic_cover_tool", "ours"]
    assert good_practice(score_characteristics(data)[1], ()) == ()  # no examples: no section
