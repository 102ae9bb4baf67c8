"""Comments an auditor can use (issue 22 item 2): the codebook (``config/codebook.yaml``, ``config/codebook.py``),
matching and language (``reports/coding.py``), the grouping under the disclosure rule (``reports/comments.py``) and
the template macros (``reports/templates/comments.html.j2``), in English and Cymraeg.

Every expected count below is worked out beside its data.  The rule: a count of people is shown only when it is 0 or
5 or more; a code's count withheld for one group withholds the other groups' too (the total stays)."""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.demo import COMMENTS as DEMO_COMMENTS
from bot.demo import COMMENTS_CY as DEMO_COMMENTS_CY
from bot.services import load_questionnaires
from config.codebook import DEFAULT_CODEBOOK, CodebookError, load_codebook, shipped_codebook
from flows.report_input import survey_data
from reports.coding import Matcher, complete_sentence, language_of, pattern, same_key
from reports.comments import CodedGroup, Count, comment_blocks
from reports.inputs import Response, SurveyData
from reports.model import TOTAL, Reason
from reports.scoring import score
from reports.summary import template_environment, texts

QN = load_questionnaires()
CODEBOOK = shipped_codebook()


def many(n: int, role: str, language: str = "en", **answers: str | None) -> list[Response]:
    return [Response(role, dict(answers), language=language) for _ in range(n)]


def build(responses: list[Response], codebook=CODEBOOK) -> SurveyData:
    return survey_data(
        authority="Test Council",
        authority_cy="Cyngor Prawf",
        invited={"officer": 60, "member": 60},
        responses=responses,
        questionnaires=QN,
        codebook=codebook,
    )


def group(report, key: str) -> CodedGroup:
    found = next(g for g in report.comments if g.key == key)
    assert isinstance(found, CodedGroup)
    return found


def counts(c) -> dict[str, int | None]:
    return {x.group: x.n for x in c}


def code(g: CodedGroup, code_id: str):
    return next(c for c in g.codes if c.code == code_id)


def block(report, language: str, subject: str):
    return next(b for b in comment_blocks(report, language) if b.subject_id == subject)


def render(report, language: str, subjects=("leadership", "protection", "barriers", "example")) -> str:
    """The macros as the report places them: under a characteristic's or theme's h3, and under the comments
    section's h2 for the general questions, in a whole page."""
    blocks = comment_blocks(report, language)
    page = (
        '{% from "comments.html.j2" import comments_intro, comments_for %}<!DOCTYPE html>'
        '<html lang="{{ lang }}"><head><meta charset="utf-8"><title>Comments</title></head><body><main>'
        "<h1>Report</h1><h2>Characteristics and themes</h2>"
        "{% for s in subjects[:2] %}<article><h3>{{ s }}</h3>{{ comments_for(blocks, s, lang, t) }}</article>"
        "{% endfor %}<h2>Comments</h2>{{ comments_intro(lang, t) }}"
        "{% for s in subjects[2:] %}{{ comments_for(blocks, s, lang, t, level=3) }}{% endfor %}</main></body></html>"
    )
    return (
        template_environment()
        .from_string(page)
        .render(blocks=blocks, lang=language, t=texts(language), subjects=list(subjects))
    )


# ---- the codebook file ---------------------------------------------------------------------------------------------


def test_the_shipped_codebook_starts_from_the_reference_reports_barriers():
    ids = [c.id for c in CODEBOOK.codes]
    for barrier in (
        "silos_ownership",
        "sharing_agreements",
        "skills_capacity",
        "systems_linking",
        "culture_leadership",
    ):
        assert barrier in ids
    assert len(ids) == len(set(ids)) >= 8
    for c in CODEBOOK.codes:
        assert c.label.en.strip() and c.label.cy.strip() and c.label.en != c.label.cy
        assert c.keywords["en"] and c.keywords["cy"]
    assert load_codebook(DEFAULT_CODEBOOK) == CODEBOOK


GOOD = """codes:
  - id: silos
    label: {en: "Silos", cy: "Seilos"}
    keywords: {en: [silo*], cy: [seilo*]}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace('cy: "Seilos"', 'cy: ""'), "code silos: label.cy is empty"),
        (GOOD.replace('label: {en: "Silos", cy: "Seilos"}', 'label: {en: "Silos"}'), "code silos: label.cy"),
        (GOOD.replace("cy: [seilo*]", "cy: []"), "code silos: keywords.cy"),
        (GOOD.replace("en: [silo*]", "en: [si*]"), "code silos: keywords.en keyword 'si*': a stem needs at least 3"),
        (GOOD.replace("en: [silo*]", "en: ['si*lo']"), "code silos: keywords.en keyword 'si*lo': '*' may only end"),
        (GOOD.replace("en: [silo*]", "en: ['--']"), "code silos: keywords.en keyword '--' has no letters"),
        (GOOD.replace("en: [silo*]", "en: [Silo*, silo*]"), "code silos: keywords.en keyword 'silo*' is listed twice"),
        (GOOD.replace("id: silos", "id: Silos-1"), "code Silos-1: id"),
        (GOOD.replace("    keywords:", "    colour: red\n    keywords:"), "code silos: colour"),
        (GOOD + GOOD.removeprefix("codes:\n"), "code silos: the id is used by an earlier code"),
        (
            GOOD
            + GOOD.removeprefix("codes:\n").replace("id: silos", "id: other").replace('cy: "Seilos"', 'cy: "Arall"'),
            "code other: label.en 'Silos' is an earlier code's label too",
        ),
        ("codes: []\n", "expected one key, codes"),
        ("codes:\n  - 3\n", "code number 1:"),
        ("codes: [\n", "cannot read the codebook"),
    ],
)
def test_a_codebook_that_cannot_be_used_is_refused_naming_the_file_and_the_code(tmp_path: Path, text, expected):
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and expected in message, message
    assert "\n" not in message  # one line, for the command line
    assert isinstance(caught.value, ValueError)  # the command line's one-line refusal covers it


def test_a_missing_codebook_is_one_line(tmp_path: Path):
    with pytest.raises(CodebookError, match=r"nope\.yaml: cannot read the codebook"):
        load_codebook(tmp_path / "nope.yaml")


def test_the_compiler_passes_the_codebook_into_the_report(monkeypatch, tmp_path: Path):
    import asyncio

    import reports.html
    from bot.compiler import Compiler
    from reports.documents import Documents

    seen = []

    class Surveys:
        async def load(self, *args, **kwargs) -> SurveyData:
            return build([])

    monkeypatch.setattr(reports.html, "report_documents", lambda data: seen.append(data) or Documents(()))
    asyncio.run(Compiler(Surveys(), QN).write_report(None, tmp_path, interim=False))  # type: ignore[arg-type]
    assert seen[0].codebook == CODEBOOK
    other = replace(CODEBOOK, codes=CODEBOOK.codes[:1])
    asyncio.run(Compiler(Surveys(), QN, codebook=other).write_report(None, tmp_path, interim=False))  # type: ignore
    assert seen[1].codebook == other


def test_the_command_line_refuses_a_broken_codebook_in_one_line(monkeypatch, tmp_path: Path, capsys):
    import config.codebook
    from bot.cli import main

    broken = tmp_path / "codebook.yaml"
    broken.write_text(GOOD.replace('cy: "Seilos"', 'cy: ""'), encoding="utf-8")
    monkeypatch.setenv("DATATOOL_DB_PATH", str(tmp_path / "datatool.db"))
    monkeypatch.setenv("DATATOOL_BOT_USERNAME", "datatool_test_bot")
    monkeypatch.setattr(config.codebook, "DEFAULT_CODEBOOK", broken)
    shipped_codebook.cache_clear()
    try:
        assert main(["report", "--authority", "flint", "--out", str(tmp_path / "out")]) == 2
    finally:
        shipped_codebook.cache_clear()
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == f"datatool-bot: {broken}: code silos: label.cy is empty"
    assert "Traceback" not in "\n".join(err)


# ---- matching ------------------------------------------------------------------------------------------------------


def test_keywords_match_whole_words_or_stems_ignoring_case_and_accents_in_both_languages():
    m = Matcher(
        {
            "silos": {"en": ["silo*", "their own"], "cy": ["seilo*"]},
            "agreements": {"en": ["sharing agreement*", "waspi"], "cy": ["cytundeb*", "rhannu data"]},
            "money": {"en": ["cuts"], "cy": ["arian"]},
        }
    )
    assert m.codes("SILOED teams") == {"silos": 1}
    assert m.codes("Each keeps THEIR OWN list; silos, silos.") == {"silos": 3}
    assert m.codes("A philosophical point") == {}  # "silo" only as a whole word or the start of one
    assert m.codes("Cuttings") == {} and m.codes("cuts") == {"money": 1}  # "cuts" is a whole word, not a stem
    assert m.codes("Data-sharing agreements, WASPI") == {"agreements": 2}  # a hyphen separates words
    assert m.codes("sharing the agreements") == {}  # a phrase is consecutive words
    # Welsh keywords on an English comment and English keywords on a Welsh one: respondents mix them.
    assert m.codes("The cytundebau are old") == {"agreements": 1}
    assert m.codes("Mae'r WASPI yn hen") == {"agreements": 1}
    # Accents and mutations: "i rannu data" (soft), "yng nghytundeb" (nasal), "ei chytundeb" (aspirate).
    assert m.codes("Dim ARIAN. Mae angen i rannu data yn well yng nghytundeb y cyngor, a'i chytundebau") == {
        "agreements": 3,
        "money": 1,
    }
    assert Matcher({"c": {"en": ["caniatâd"], "cy": ["preifatrwydd"]}}).codes("CANIATAD a Preifatrwydd") == {"c": 2}
    # Several codes on one comment.
    assert m.codes("Silos and no money: cuts") == {"silos": 1, "money": 1}


@pytest.mark.parametrize(
    ("keyword", "words", "stem"),
    [
        ("silo*", ("silo",), True),
        ("Data-Sharing", ("data", "sharing"), False),
        ("caniatâd", ("caniatad",), False),
        (" gweithio'n dda ", ("gweithio", "n", "dda"), False),
    ],
)
def test_keywords_are_read_folded(keyword, words, stem):
    assert pattern(keyword) == type(pattern("x"))(words, stem)


def test_welsh_mutations_are_matched_but_never_shorten_a_stem_to_an_english_word():
    m = Matcher({"capacity": {"en": ["x"], "cy": ["gall*", "data", "porth"]}})
    assert m.codes("diffyg ddata") == {"capacity": 1}  # data -> ddata (soft)
    assert m.codes("ym mhorth y cyngor") == {"capacity": 1}  # porth -> mhorth (nasal)
    assert m.codes("All of it. Allow it.") == {}  # gall* -> all* would match English: not generated


def test_the_shipped_codebook_codes_the_demos_comments_and_the_reports_barriers():
    m = CODEBOOK.matcher()
    coded = {text: set(m.codes(text)) for text in DEMO_COMMENTS}
    assert coded == {
        DEMO_COMMENTS[0]: {"silos_ownership", "systems_linking"},
        DEMO_COMMENTS[1]: {"skills_capacity", "information_for_decisions"},
        DEMO_COMMENTS[2]: {"sharing_agreements"},
        DEMO_COMMENTS[3]: {"what_works"},
    }
    # The demo's Welsh respondents write the same four in Cymraeg: the same codes, and read as Welsh.
    assert [set(m.codes(text)) for text in DEMO_COMMENTS_CY] == [coded[text] for text in DEMO_COMMENTS]
    assert [language_of(text, "en") for text in DEMO_COMMENTS_CY] == ["cy"] * 4
    assert [language_of(text, "cy") for text in DEMO_COMMENTS] == ["en"] * 4
    assert set(m.codes("Mae'r cytundebau rhannu data yn hen a does neb yn gwybod beth maen nhw'n ei ganiatáu.")) == {
        "sharing_agreements"
    }
    assert "skills_capacity" in m.codes("Does dim digon o staff gyda sgiliau i ddadansoddi'r data.")
    assert "culture_leadership" in m.codes("Diwylliant sy'n amharod i gymryd risg, a diffyg arweinyddiaeth.")


@pytest.mark.parametrize(
    ("text", "fallback", "expected"),
    [
        ("Services keep their own spreadsheets, so the same data is collected several times.", "cy", "en"),
        ("Mae'r cytundebau rhannu data yn hen ac nid oes neb yn siŵr beth maen nhw'n ei ganiatáu.", "en", "cy"),
        ("Nothing.", "cy", "en"),  # -ing: English
        ("Dim byd.", "en", "cy"),
        ("Diffyg arweinyddiaeth", "en", "cy"),  # -aeth: Welsh
        ("Silos.", "cy", "cy"),  # nothing to tell by: the respondent's language
        ("Silos.", "en", "en"),
    ],
)
def test_a_comments_language_is_read_from_its_words(text, fallback, expected):
    assert language_of(text, fallback) == expected


def test_identical_comments_differ_only_in_case_accents_spacing_and_closing_punctuation():
    assert same_key("Silos  everywhere.") == same_key("silos everywhere") == same_key("SILOS EVERYWHERE!!")
    assert same_key("Silos everywhere") != same_key("Silos, everywhere")
    assert complete_sentence("Silos everywhere.") and complete_sentence("Why? “Silos.”")
    assert not complete_sentence("silos everywhere.") and not complete_sentence("Silos everywhere")


# ---- grouping, counts and the rule ---------------------------------------------------------------------------------

SILOS_O = "Silos everywhere, each service keeps its own data."  # silos_ownership
SILOS_M = "Silos again."  # silos_ownership
ANALYSTS_O = "We lack analysts."  # skills_capacity
ANALYSTS_M = "Too few analysts and no training."  # skills_capacity
SYSTEMS = "The old systems do not link up."  # systems_linking
NOTHING = "Nothing to add here."  # no code


@pytest.fixture
def barriers():
    """Comments to "What holds the council back" (every group asked; nobody chose Level 1, so no follow-up).

    Officers 17: silos 7, analysts 3, systems 5, nothing 2.  Members 8: silos 3, analysts 5.
      silos_ownership  officers 7, members 3 (under 5)    -> members "fewer than 5", officers withheld; total 10
      skills_capacity  officers 3 (under 5), members 5    -> officers "fewer than 5", members withheld; total 8
      systems_linking  officers 5, members 0              -> 5, 0, 5: none of any group is a count of 1 to 4
      commenters       officers 17, members 8, total 25   -> all shown; "Nothing to add here." uncoded (said by 2)
    """
    responses = many(7, "officer", barriers=SILOS_O) + many(3, "officer", barriers=ANALYSTS_O)
    responses += many(5, "officer", barriers=SYSTEMS) + many(2, "officer", barriers=NOTHING)
    responses += many(3, "member", barriers=SILOS_M) + many(5, "member", barriers=ANALYSTS_M)
    return score(build(responses))


def test_comments_are_grouped_by_code_with_counts_per_group_under_the_rule(barriers):
    g = group(barriers, "barriers")
    assert g.kind == "general" and g.roles == ("officer", "member")
    assert counts(g.commenters) == {"officer": 17, "member": 8, TOTAL: 25}
    assert [c.code for c in g.codes] == ["silos_ownership", "skills_capacity", "systems_linking"]  # most mentioned
    silos, skills, systems = g.codes
    assert silos.counts == (
        Count("officer", None, Reason.PROTECTS_OTHER),
        Count("member", None, Reason.FEWER_THAN_5),
        Count(TOTAL, 10, Reason.SHOWN),
    )
    assert skills.counts == (
        Count("officer", None, Reason.FEWER_THAN_5),
        Count("member", None, Reason.PROTECTS_OTHER),
        Count(TOTAL, 8, Reason.SHOWN),
    )
    assert counts(systems.counts) == {"officer": 5, "member": 0, TOTAL: 5}
    assert [s.text for s in silos.quotes] == [SILOS_O, SILOS_M]  # said by 7, then by 3
    assert [(s.text, s.said_by) for s in g.uncoded] == [(NOTHING, None)]  # 2 people: "fewer than 5"
    # The comments themselves are all still there, in order of their text, for whoever needs every one.
    assert len(g.comments) == 25


def test_no_count_of_1_to_4_people_reaches_the_view_model_or_the_page(barriers):
    g = group(barriers, "barriers")
    every = [*g.commenters, *(c for code_ in g.codes for c in code_.counts)]
    assert all(c.n is None or c.n == 0 or c.n >= 5 for c in every)
    assert all(
        s.said_by is None or s.said_by == 1 or s.said_by >= 5
        for s in (*g.uncoded, *(q for code_ in g.codes for q in code_.quotes))
    )
    for language in ("en", "cy"):
        b = block(barriers, language, "barriers")
        values = [v for _, v in b.commenters] + [v for c in b.codes for _, v in c.counts]
        assert not [v for v in values if v in {"1", "2", "3", "4"}]
        assert not [q for c in b.codes for q in c.quotes if q.said_by and re.search(r"\b[1-4]\b", q.said_by)]
    t = texts("en")
    silos = block(barriers, "en", "barriers").codes[0]
    assert silos.counts == (("Officers", "withheld"), ("Elected Members", "fewer than 5"), ("Total", "10"))
    assert block(barriers, "en", "barriers").note == t("cm_withheld_note")
    assert block(barriers, "cy", "barriers").codes[0].counts[1] == ("Aelodau Etholedig", "llai na 5")


def test_a_small_total_is_withheld_and_a_group_of_fewer_than_5_respondents_gives_no_comments():
    # Officers 10 (4 mention agreements), members 4 respondents: members' comments are never shown.
    responses = many(4, "officer", barriers="Our sharing agreements are old.") + many(6, "officer", barriers=NOTHING)
    responses += many(4, "member", barriers="Agreements again.")
    report = score(build(responses))
    g = group(report, "barriers")
    assert report.comments_withheld == ("member",) and g.roles == ("officer",)
    assert [c.counts for c in g.codes] == [
        (Count("officer", None, Reason.FEWER_THAN_5), Count(TOTAL, None, Reason.FEWER_THAN_5))
    ]
    assert "Agreements again." not in render(report, "en")


def test_identical_comments_appear_once_with_their_count_as_in_the_demo():
    # The demo's clock and its four sentences: the same one written by eleven people.
    responses = many(11, "officer", barriers=DEMO_COMMENTS[0]) + many(3, "officer", barriers=DEMO_COMMENTS[2])
    responses += many(1, "officer", barriers=DEMO_COMMENTS[2].upper().rstrip("."))  # identical but for case, stop
    responses += many(6, "member", barriers=DEMO_COMMENTS[3])
    report = score(build(responses))
    silos = code(group(report, "barriers"), "silos_ownership")
    assert [(q.text, q.said_by) for q in silos.quotes] == [(DEMO_COMMENTS[0], 11)]
    agreements = code(group(report, "barriers"), "sharing_agreements")
    assert [(q.text, q.said_by) for q in agreements.quotes] == [(DEMO_COMMENTS[2], None)]  # 4 people: under 5
    for language, said in (("en", "said by 11 people"), ("cy", "dywedwyd gan 11 o bobl")):
        html = render(report, language)
        assert html.count(DEMO_COMMENTS[0]) == 2  # once under each of its two codes, never eleven times
        assert said in html
        assert html.count(DEMO_COMMENTS[2].replace("-", "-")) == 1 and "4 people" not in html
    few = texts("en")("cm_said_by_few")
    assert few in render(report, "en") and texts("cy")("cm_said_by_few") in render(report, "cy")


def test_at_most_three_quotes_chosen_by_who_said_it_keyword_hits_sentence_and_length():
    texts_ = [
        "silos here",  # 1 hit, not a sentence
        "Silos, silos and silo thinking everywhere in every service we have here.",  # 3 hits
        "Silos.",  # 1 hit, a complete sentence, the shortest
        "Silos are a problem for all of us.",  # 1 hit, a sentence, longer
        "Silos: each service has its own silo.",  # 3 hits ("silos", "each service", "silo"), shorter than the 2nd
        "Silos everywhere.",  # said by 5
    ]
    responses = [r for t in texts_[:5] for r in many(1, "officer", barriers=t)] + many(5, "officer", barriers=texts_[5])
    silos = code(group(score(build(responses)), "barriers"), "silos_ownership")
    assert [q.text for q in silos.quotes] == [texts_[5], texts_[4], texts_[1]]
    # With the two most typical gone, the complete sentences come before the fragment, shortest first.
    responses = [r for t in (texts_[0], texts_[2], texts_[3]) for r in many(2, "officer", barriers=t)]
    silos = code(group(score(build(responses)), "barriers"), "silos_ownership")
    assert [q.text for q in silos.quotes] == ["Silos.", texts_[3], "silos here"]
    responses = [r for i in range(8) for r in many(1, "officer", barriers=f"Silos number {i}.")]
    assert len(code(group(score(build(responses)), "barriers"), "silos_ownership").quotes) == 3


def test_uncoded_comments_come_after_every_code(barriers):
    for language, other in (("en", "Other comments"), ("cy", "Sylwadau eraill")):
        b = block(barriers, language, "barriers")
        assert [q.text for q in b.uncoded] == [NOTHING]
        assert all(NOTHING not in [q.text for q in c.quotes] for c in b.codes)
        html = render(barriers, language)
        section = html[html.index('id="said-barriers"') :]
        assert section.index(other) > max(section.index(f">{c.label}<") for c in b.codes)
        assert section.index(NOTHING) > section.index(other)


def test_without_a_codebook_every_comment_is_uncoded_and_still_collapsed():
    report = score(build(many(6, "officer", barriers=SILOS_O), codebook=None))
    g = group(report, "barriers")
    assert g.codes == () and [(s.text, s.said_by) for s in g.uncoded] == [(SILOS_O, 6)]


def test_quotes_are_scrubbed_and_never_attributed():
    report = score(build(many(5, "officer", barriers="Silos: ring 01234 567890 or mail a.b@council.gov.uk")))
    quote = code(group(report, "barriers"), "silos_ownership").quotes[0]
    assert quote.text == "Silos: ring [removed] or mail [removed]"
    html = render(report, "en")
    assert "01234" not in html and "council.gov.uk" not in html
    assert "Officers</" not in html.split("<table")[0]  # no group named beside a quote


# ---- follow-ups ----------------------------------------------------------------------------------------------------


def test_a_follow_up_says_whom_it_was_asked_in_both_languages():
    responses = many(10, "officer", kc_leadership="l1", lead_help="Leaders should champion data.")
    responses += many(8, "officer", kc_leadership="l2", dp_agreements="d", dp_agree_fix="Renew the WASPI agreements.")
    responses += many(8, "member", kc_leadership="l2")
    report = score(build(responses))
    lead = {lang: block(report, lang, "leadership") for lang in ("en", "cy")}
    assert lead["en"].asked == ("Asked of those who chose Level 1 for Leadership.",)
    assert lead["cy"].asked == ("Gofynnwyd i'r rhai a ddewisodd Lefel 1 ar gyfer Arweinyddiaeth.",)
    statement = QN["officer"].question("dp_agreements").text
    protection = {lang: block(report, lang, "protection") for lang in ("en", "cy")}
    assert protection["en"].asked == (
        f"Asked of officers who answered “Disagree” or “Strongly disagree” to “{statement.en.rstrip('.')}”.",
    )
    assert protection["cy"].asked == (
        f"Gofynnwyd i swyddogion a atebodd “Anghytuno” neu “Anghytuno'n gryf” i “{statement.cy.rstrip('.')}”.",
    )
    assert [q.text for q in protection["en"].codes[0].quotes] == ["Renew the WASPI agreements."]
    assert "Asked of those who chose Level 1 for Leadership." in render(report, "en")
    # Members were asked the scrutiny follow-up and officers were not: it says so.
    evidence = block(report, "en", "evidence")
    assert evidence.asked[0].startswith("Asked of elected members who answered “Disagree” or “Strongly disagree”")


def test_a_follow_ups_comments_follow_the_disclosure_rule_of_its_gating_question():
    # Members: 6 answered Leadership (5 chose Level 1 and wrote): 5 to 7 answering shows the median only (and the
    # officers' breakdown is then reduced to its median too), so the comments would tell how many chose Level 1:
    # every one left out.  Officers: 4 chose Level 1 and wrote: fewer than 5 comments, left out as well.
    responses = many(5, "member", kc_leadership="l1", lead_help="Members need a data champion.")
    responses += many(1, "member", kc_leadership="l2")
    responses += many(4, "officer", kc_leadership="l1", lead_help="Officers want a champion for analytics.")
    responses += many(6, "officer", kc_leadership="l2")
    report = score(build(responses))
    g = group(report, "leadership")
    assert g.roles == () and g.codes == () and g.uncoded == () and g.commenters == ()
    b = block(report, "en", "leadership")
    assert b.empty and b.asked == ("Asked of those who chose Level 1 for Leadership.",)
    html = render(report, "en")
    assert "data champion" not in html and "analytics" not in html and "No comments to show." in html
    # Two more members answer Leadership (8: shown in full): the members' 5 comments are listed, the officers' 4
    # still are not, and the counts are the members' alone.
    responses += many(2, "member", kc_leadership="l3")
    g = group(score(build(responses)), "leadership")
    assert g.roles == ("member",)
    culture = code(g, "culture_leadership")
    assert culture.counts == (Count("member", 5, Reason.SHOWN), Count(TOTAL, 5, Reason.SHOWN))
    assert [(q.text, q.said_by) for q in culture.quotes] == [("Members need a data champion.", 5)]
    # A fifth officer writes: both groups' comments, counted per group.
    responses += many(1, "officer", kc_leadership="l1", lead_help="Officers want a champion for analytics.")
    g = group(score(build(responses)), "leadership")
    assert g.roles == ("officer", "member")
    assert counts(code(g, "culture_leadership").counts) == {"officer": 5, "member": 5, TOTAL: 10}


# ---- the other language --------------------------------------------------------------------------------------------

WELSH = "Mae'r cytundebau rhannu data yn hen ac nid oes neb yn siŵr beth maen nhw'n ei ganiatáu."
ENGLISH = "Data-sharing agreements are old and nobody is sure what they allow."


@pytest.fixture
def mixed():
    """Five officers wrote in Welsh (one of them chose English for the questionnaire), five in English (one chose
    Cymraeg): the words decide."""
    responses = many(4, "officer", "cy", barriers=WELSH) + many(1, "officer", "en", barriers=WELSH)
    responses += many(4, "officer", "en", barriers=ENGLISH) + many(1, "officer", "cy", barriers=ENGLISH)
    return score(build(responses))


def test_comments_in_the_other_language_are_marked_in_each_version(mixed):
    en = block(mixed, "en", "barriers").codes[0]
    cy = block(mixed, "cy", "barriers").codes[0]
    assert {(q.text, q.language, q.mark) for q in en.quotes} == {(WELSH, "cy", "in Welsh"), (ENGLISH, "en", None)}
    assert {(q.text, q.language, q.mark) for q in cy.quotes} == {(WELSH, "cy", None), (ENGLISH, "en", "yn Saesneg")}
    html_en, html_cy = render(mixed, "en"), render(mixed, "cy")
    assert (
        '<blockquote class="comment" lang="cy">Mae&#39;r cytundebau' in html_en
        and "(said by 5 people; in Welsh)" in html_en
    )
    assert (
        '<blockquote class="comment" lang="en">Data-sharing' in html_cy
        and "(dywedwyd gan 5 o bobl; yn Saesneg)" in html_cy
    )
    assert "yn Saesneg" not in html_en and "in Welsh" not in html_cy


# ---- the macros' HTML ------------------------------------------------------------------------------------------------


class _Outline(HTMLParser):
    """Balanced elements, the headings in order, and where each quote sits."""

    VOID = frozenset({"meta", "br", "img", "hr", "input", "link"})

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self.errors: list[str] = []
        self.quote_parents: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "blockquote":
            self.quote_parents.append("/".join(self.stack[-2:]))
        if tag not in self.VOID:
            self.stack.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = []

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((int(tag[1]), "".join(self._heading).strip()))
            self._heading = None

    def handle_data(self, data):
        if self._heading is not None:
            self._heading.append(data)


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_macros_render_balanced_html_with_headings_in_order_and_quotes_in_lists(barriers, mixed, language):
    responses = many(10, "officer", kc_leadership="l1", lead_help="Leaders should champion data.")
    for report in (barriers, mixed, score(build(responses))):
        outline = _Outline()
        outline.feed(render(report, language))
        assert outline.errors == [] and outline.stack == []
        levels = [level for level, _ in outline.headings]
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), outline.headings  # never a level skipped
        assert all(text for _, text in outline.headings)  # no empty heading
        assert outline.quote_parents and set(outline.quote_parents) == {"ul/li"}


def test_nothing_is_rendered_for_a_subject_without_comments():
    report = score(build(many(6, "officer", barriers=SILOS_O)))
    html = (
        template_environment()
        .from_string(
            '{% from "comments.html.j2" import comments_for %}{{ comments_for(blocks, "standards", "en", t) }}'
        )
        .render(blocks=comment_blocks(report, "en"), t=texts("en"))
    )
    assert html.strip() == ""


CHROMIUM = Path("/usr/bin/chromium")


def test_the_macros_pass_axe_core_in_chromium_at_phone_width(barriers, mixed, tmp_path: Path):
    """The macros in a page of their own, in both languages, checked by axe-core (WCAG 2.2 AA) in headless Chromium
    at 390 px (the full report's browser test checks them in place)."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is needed") if os.environ.get("CI") == "true" else pytest.skip("no Chromium")
    try:
        from axe_playwright_python.base import AXE_FILE_PATH
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright or axe-playwright-python missing: pip install -e '.[test]'")
    responses = many(10, "officer", kc_leadership="l1", lead_help="Leaders should champion data.")
    responses += many(6, "officer", kc_leadership="l2", lead_help=None, barriers=WELSH)
    pages = {
        f"{name}-{lang}": render(report, lang)
        for lang in ("en", "cy")
        for name, report in (("barriers", barriers), ("mixed", mixed), ("lead", score(build(responses))))
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            for name, html in pages.items():
                path = tmp_path / f"{name}.html"
                path.write_text(html, encoding="utf-8")
                page.goto(path.as_uri())
                page.evaluate(AXE_FILE_PATH.read_text(encoding="utf-8"))
                results = page.evaluate(
                    "options => axe.run(document, options)",
                    {
                        "runOnly": {
                            "type": "tag",
                            "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
                        },
                        "resultTypes": ["violations"],
                    },
                )
                found = [f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in results["violations"]]
                assert found == [], f"{name}: {found}"
        finally:
            browser.close()
