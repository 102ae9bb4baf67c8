"""Scoring: figures worked out by hand, weighting, disclosure control, comments, national view (margins, rounding,
the median rule and weights on their own: tests/test_stats.py).

Uses the shipped questionnaires.  Every expected figure below is worked out in the comments beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction as F

import pytest

from bot.services import load_questionnaires
from flows.report_input import survey_data
from reports.comments import scrub
from reports.inputs import Response, SurveyData
from reports.model import TOTAL, WEIGHTED, Detail, Reason
from reports.national import national
from reports.scoring import score

QN = load_questionnaires()


def many(n: int, role: str, **answers: str | None) -> list[Response]:
    return [Response(role, dict(answers)) for _ in range(n)]


def build(
    responses: list[Response],
    invited: Mapping[str, int] | None = None,
    authority: str = "Test Council",
    **extra: object,
) -> SurveyData:
    return survey_data(
        authority=authority,
        authority_cy=None,
        invited=invited or {"officer": 20, "member": 40},
        responses=responses,
        questionnaires=QN,
        **extra,  # type: ignore[arg-type]
    )


# ---- the hand-worked fixture --------------------------------------------------------------------------------------
#
# Officers: 20 invited, 10 responded.  Members: 40 invited, 8 responded.  R = 18, N = 60.
# Weights w_g = (N_g / r_g) * (R / N):  officer (20/10) * (18/60) = 3/5;  member (40/8) * (18/60) = 3/2.
# Check: 10 * 3/5 + 8 * 3/2 = 6 + 12 = 18 = R.
#
# Leadership (kc_leadership):
#   officers  l1 x1, l2 x6, l3 x2, dk x1  -> n 9; shares 1/9, 6/9, 2/9; sorted 1,2,2,2,2,2,2,3,3 -> median 2 (5th)
#             agreement 6/9 = 2/3 (>= 1/2); Level 1 11% < 25%  -> not divided; moe(9, 20) = 0.2486 -> ±25
#   members   l1 x4, l2 x2, l3 x2         -> n 8; shares 1/2, 1/4, 1/4; sorted 1,1,1,1,2,2,3,3 -> lower-middle
#             (4th) = 1; agreement 1/2 (not < 1/2) but Level 1 50% >= 25% and Level 3 25% >= 25% -> divided;
#             moe(8, 40) = 1.96 * sqrt(1/32) * sqrt(32/39) = 0.3139 -> ±31
#   total     l1 5, l2 8, l3 4, dk 1      -> n 17; shares 5/17, 8/17, 4/17; 9th of 17 = 2; agreement 8/17 = 47%
#             -> divided; moe(17, 60) = 1.96 * sqrt(0.25/17) * sqrt(43/59) = 0.2029 -> ±20
#   weighted  l1 = 3/5*1 + 3/2*4 = 33/5; l2 = 3/5*6 + 3/2*2 = 33/5; l3 = 3/5*2 + 3/2*2 = 21/5 (sum 87/5)
#             shares 11/29, 11/29, 7/29; cumulative 11/29 < 1/2, 22/29 >= 1/2 -> median 2; agreement 11/29 -> divided
#             n_eff = (9*3/5 + 8*3/2)^2 / (9*9/25 + 8*9/4) = 17.4^2 / 21.24 = 14.254; moe(14.254, 60) = 0.2286 -> ±23
# Corporate standards (kc_standards): officers l1 x5, l2 x5 -> median 1 (lower-middle), agreement 1/2, Level 3 0%
#   -> not divided; members l3 x8 -> median 3, agreement 1.
# Statements:
#   vl_ownership (officers only): sa 2, a 3, n 1, d 2, sd 1, dk 1 -> n 9; agree 5/9, neither 1/9, disagree 3/9;
#     ranked sd < d < n < a < sa, cumulative 1, 3, 4, 7 of 9 -> median "a"; no total (members not asked).
#   sk_staff (both, in the same words): officers a x10; members a x4, d x4 -> member median: cumulative sd 0, d 4 =
#     half of 8 -> "d" (lower-middle); total a 14, d 4 -> 7/9, 2/9; weighted a 3/5*10 + 3/2*4 = 12, d 3/2*4 = 6 ->
#     2/3, 1/3.
#   vl_resource (both, in different words: officers "Leaders treat data as a key resource", members "From what I see
#     as a member, ..."): the same answers as sk_staff, but two questions: no total, no weighted total; each group
#     on its own (officers 10/10 agree, members 4/8), none reduced to protect the other (there is no total to
#     subtract it from).
# Rates: officers 10/20 = 50%, moe(10, 20) = 0.2248 -> ±22; members 8/40 = 20% ±31; total 18/60 = 30%,
#   moe(18, 60) = 0.1949 -> ±19.


def officer_answers() -> list[dict[str, str | None]]:
    lead = ["l1", "l2", "l2", "l2", "l2", "l2", "l2", "l3", "l3", "dk"]
    standards = ["l1"] * 5 + ["l2"] * 5
    ownership = ["sa", "sa", "a", "a", "a", "n", "d", "d", "sd", "dk"]
    rows = []
    for i in range(10):
        rows.append(
            {
                "kc_leadership": lead[i],
                "kc_standards": standards[i],
                "vl_ownership": ownership[i],
                "vl_resource": "a",
                "sk_staff": "a",
            }
        )
    rows[0]["lead_help"] = "A data champion on the board would help. Mail x.y@council.gov.uk"  # l1 -> follow-up shown
    rows[1]["lead_help"] = "STALE: answered when this officer had chosen Level 1"  # now l2 -> hidden, ignored
    rows[2]["barriers"] = "Zebra systems do not talk to each other"
    rows[3]["barriers"] = "Apples and silos; ring 01234 567890"
    rows[4]["dp_agreements"] = "d"
    rows[4]["dp_agree_fix"] = "Refresh WASPI protocols"
    return rows


def member_answers() -> list[dict[str, str | None]]:
    lead = ["l1", "l1", "l1", "l1", "l2", "l2", "l3", "l3"]
    resource = ["a", "a", "a", "a", "d", "d", "d", "d"]
    rows = [
        {"kc_leadership": lead[i], "kc_standards": "l3", "vl_resource": resource[i], "sk_staff": resource[i]}
        for i in range(8)
    ]
    rows[0]["barriers"] = "Members see reports too late"
    return rows


@pytest.fixture
def worked() -> SurveyData:
    responses = [Response("officer", a) for a in officer_answers()] + [Response("member", a) for a in member_answers()]
    return build(responses, {"officer": 20, "member": 40})


def characteristic(report, section_id):
    return next(c for c in report.characteristics if c.section_id == section_id)


def statement(report, question_id):
    return next(s for th in report.themes for s in th.statements if s.question_id == question_id)


def test_response_rates(worked):
    report = score(worked)
    officer, member, total = report.rates
    assert (officer.invited, officer.responded, officer.percentage, officer.margin_points) == (20, 10, 50, 22)
    assert (member.invited, member.responded, member.percentage, member.margin_points) == (40, 8, 20, 31)
    assert (total.group, total.invited, total.responded) == (TOTAL, 60, 18)
    assert (total.percentage, total.margin_points) == (30, 19)
    assert report.weights == {"officer": F(3, 5), "member": F(3, 2)}


def test_characteristic_per_group(worked):
    lead = characteristic(score(worked), "leadership")
    off, mem = lead.groups["officer"], lead.groups["member"]
    assert off.detail is Detail.FULL and off.reason is Reason.SHOWN
    assert (off.answered, off.dont_know) == (9, 1)
    assert off.counts == (1, 6, 2)
    assert off.shares == (F(1, 9), F(2, 3), F(2, 9))
    assert off.median == "l2" and off.median_level == 2
    assert off.agreement == F(2, 3) and off.modal == ("l2",)
    assert off.divided is False
    assert off.margin_points == 25

    assert (mem.answered, mem.dont_know) == (8, 0)
    assert mem.shares == (F(1, 2), F(1, 4), F(1, 4))
    assert mem.median_level == 1  # even n: the lower-middle value
    assert mem.agreement == F(1, 2)
    assert mem.divided is True  # Level 1 and Level 3 both at 25% or more
    assert mem.margin_points == 31


def test_raw_total_and_weighted_total(worked):
    lead = characteristic(score(worked), "leadership")
    total, weighted = lead.total, lead.weighted
    assert (total.answered, total.dont_know) == (17, 1)
    assert total.counts == (5, 8, 4)
    assert total.shares == (F(5, 17), F(8, 17), F(4, 17))
    assert total.median_level == 2
    assert total.agreement == F(8, 17) and total.divided is True  # 47% < 50%
    assert total.margin_points == 20

    assert weighted is not None
    assert weighted.counts == (F(33, 5), F(33, 5), F(21, 5))
    assert weighted.shares == (F(11, 29), F(11, 29), F(7, 29))
    assert weighted.median_level == 2
    assert weighted.agreement == F(11, 29) and weighted.divided is True
    assert weighted.modal == ("l1", "l2")
    assert weighted.effective_n == pytest.approx(17.4**2 / 21.24)
    assert weighted.margin_points == 23
    # The weighted total leans towards members, who were two thirds of those invited: more at Level 1.
    assert weighted.share("l1") > total.share("l1")


def test_even_split_median_and_not_divided(worked):
    standards = characteristic(score(worked), "standards")
    off = standards.groups["officer"]
    assert off.shares == (F(1, 2), F(1, 2), F(0))
    assert off.median_level == 1
    assert off.agreement == F(1, 2) and off.divided is False
    assert standards.groups["member"].median_level == 3 and standards.groups["member"].agreement == 1


def test_descriptors_are_verbatim(worked):
    lead = characteristic(score(worked), "leadership")
    expected = [o.detail.en for o in QN["officer"].question("kc_leadership").options]
    assert [d.en for d in lead.descriptors] == expected
    assert [c.section_id for c in score(worked).characteristics] == [
        "leadership",
        "standards",
        "customer_data",
        "data_protection",
        "analytics",
        "decisions",
        "open_data",
    ]


def test_dont_know_only_group():
    # Every officer said Don't know: no shares, nothing divided.
    report = score(build(many(10, "officer", kc_leadership="dk") + many(8, "member", kc_leadership="l2")))
    lead = characteristic(report, "leadership")
    off = lead.groups["officer"]
    assert off.detail is Detail.HIDDEN and off.reason is Reason.FEWER_THAN_5
    # Members' full breakdown would equal the total's: withheld to protect the officers' (all-DK) figures.
    assert lead.groups["member"].reason is Reason.PROTECTS_OTHER
    # The total (100% at Level 2) would say that no officer chose Level 1 or 3, and with its counts (8 answering,
    # 10 Don't know) that every officer said Don't know: its median only (issue 21 item 8).
    assert lead.total.detail is Detail.MEDIAN and lead.total.reason is Reason.PROTECTS_HIDDEN
    assert (lead.total.answered, lead.total.dont_know, lead.total.shares) == (None, None, None)
    assert lead.total.median == "l2"


def test_statements_distribution_and_total_only_where_both_asked(worked):
    report = score(worked)
    ownership = statement(report, "vl_ownership")
    assert ownership.asked_by == ("officer",)
    assert ownership.total is None and ownership.weighted is None
    off = ownership.groups["officer"]
    assert ownership.categories == ("sa", "a", "n", "d", "sd")
    assert off.counts == (2, 3, 1, 2, 1) and off.dont_know == 1
    assert (off.agree, off.neutral, off.disagree) == (F(5, 9), F(1, 9), F(3, 9))
    assert off.median == "a"
    assert ownership.headline is off

    staff = statement(report, "sk_staff")
    assert staff.asked_by == ("officer", "member") and not staff.reworded and staff.pooled
    assert staff.groups["member"].median == "d"  # 4 agree, 4 disagree: the less favourable middle value
    assert staff.total.agree == F(7, 9) and staff.total.disagree == F(2, 9)
    assert staff.weighted.agree == F(2, 3) and staff.weighted.disagree == F(1, 3)
    assert staff.other_wordings() == {}

    # Same id, different wording for members: two questions, each group on its own, nothing pooled.
    resource = statement(report, "vl_resource")
    assert resource.asked_by == ("officer", "member") and resource.reworded and not resource.pooled
    assert resource.total is None and resource.weighted is None and resource.headline is None
    assert set(resource.texts) == {"officer", "member"}
    assert resource.other_wordings().keys() == {"member"}
    officers, members = resource.groups["officer"], resource.groups["member"]
    assert (officers.detail, members.detail) == (Detail.FULL, Detail.FULL)
    assert (officers.agree, members.agree, members.median) == (1, F(1, 2), "d")

    # A member-only statement has no total either.
    training = statement(report, "sk_training")
    assert training.asked_by == ("member",) and training.total is None


# ---- a question asked in different words (issue 22 item 4) --------------------------------------------------------
#
# dp_agreements: officers "The council's data-sharing agreements ... are up to date and fit for purpose", members
# "I am confident that the council's data-sharing agreements ... are up to date ...": two questions.
# Officers 20 answering: a x4, d x16 -> agree 4/20 = 20%, disagree 80%.  Members 10: a x7, d x3 -> 70%, 30%.
# Pooled they would be a 11/30 = 37%, d 19/30 = 63%: a figure of no question anyone was asked, so it must appear
# nowhere (the demo's "Sharing agreements up to date: 36%" pooled officers' 26% and members' 52%).
# Rates: 20/40 = 50% (±16), 10/20 = 50% (±23), total 30/60 = 50% (±13): no 37 or 63 among them.


def reworded() -> SurveyData:
    responses = [Response("officer", {"dp_agreements": v}) for v in ["a"] * 4 + ["d"] * 16]
    responses += [Response("member", {"dp_agreements": v}) for v in ["a"] * 7 + ["d"] * 3]
    return build(responses, {"officer": 40, "member": 20})


def statement_block(page: str, wording: str) -> str:
    """The HTML of the statement whose heading is ``wording``: from its heading to the next statement or theme."""
    start = page.index(wording)
    ends = [i for i in (page.find("<h4", start), page.find("</article>", start)) if i > 0]
    return page[start : min(ends)]


def test_a_question_asked_in_different_words_is_never_pooled():
    from html import unescape

    from reports import charts
    from reports.html import render_report
    from reports.summary import render_summary
    from reports.texts import texts

    report = score(reworded())
    s = statement(report, "dp_agreements")
    assert s.reworded and not s.pooled and s.total is None and s.weighted is None and s.headline is None
    officers, members = s.groups["officer"], s.groups["member"]
    assert (officers.agree, officers.disagree, members.agree, members.disagree) == (
        F(1, 5),
        F(4, 5),
        F(7, 10),
        F(3, 10),
    )
    # With no Total to subtract from, neither group is reduced to protect the other.
    assert officers.detail is Detail.FULL and members.detail is Detail.FULL
    officer_words, member_words = s.texts["officer"], s.texts["member"]
    assert officer_words != member_words
    for language in ("en", "cy"):
        summary = unescape(render_summary(report, language))
        line = next(
            x for x in summary.splitlines() if ("Sharing agreements" if language == "en" else "Cytundebau") in x
        )
        assert "20%" in line and "70%" in line, line  # each group, side by side
        assert "37%" not in summary and "63%" not in summary
        page = unescape(render_report(report, language, with_charts=False))
        assert "37%" not in page and "63%" not in page
        block = statement_block(page, officer_words.get(language))
        t = texts(language)
        assert ">20%<" in block and ">70%<" in block  # both groups' rows
        assert f">{t.group(TOTAL)}<" not in block and t.group(WEIGHTED) not in block  # and no pooled row
        assert member_words.get(language) in page  # the members' own wording is shown
        theme = next(th for th in report.themes if th.section_id == "protection")
        alt = charts.theme_chart(report, theme, language).alt
        assert "37%" not in alt and "63%" not in alt


def test_the_shipped_characteristics_are_asked_in_the_same_words_so_their_total_pools_one_question():
    # A characteristic's Total (and everything built on it: peers, change, early/late) pools the groups' answers:
    # that is sound only while every group is asked the same question with the same level descriptors.
    from reports.model import same_wording

    for section in (s for s in QN["officer"].sections if s.kind.value == "characteristic"):
        asked = [qn.question(section.questions[0].id) for qn in QN.values()]
        assert all(q is not None for q in asked), section.id
        assert same_wording(q.text for q in asked), section.id
        for role, qn in QN.items():
            options = qn.kind(qn.question(section.questions[0].id)).categories()
            assert (
                options is not None and options.details == QN["officer"].kind(section.questions[0]).categories().details
            ), (section.id, role)


# ---- disclosure control -------------------------------------------------------------------------------------------


def suppression_case(members: int) -> SurveyData:
    responses = many(10, "officer", kc_leadership="l2", vl_ownership="a", vl_resource="a", barriers="Officer view")
    responses += many(members, "member", kc_leadership="l3", vl_resource="d", barriers="Member view")
    return build(responses, {"officer": 20, "member": 40})


def test_group_of_4_is_hidden_and_the_other_group_too():
    report = score(suppression_case(4))
    lead = characteristic(report, "leadership")
    member, officer = lead.groups["member"], lead.groups["officer"]
    assert member.detail is Detail.HIDDEN and member.reason is Reason.FEWER_THAN_5
    assert (member.answered, member.dont_know, member.counts, member.shares, member.median, member.margin) == (
        None,
        None,
        None,
        None,
        None,
        None,
    )
    # Officers' breakdown would give the members' away (total minus officers): only their median is shown.
    assert officer.detail is Detail.MEDIAN and officer.reason is Reason.PROTECTS_OTHER
    assert officer.shares is None and officer.counts is None and officer.answered is None and officer.dont_know is None
    assert officer.median_level == 2
    # The total (14 answered) would be (0, 10, 4): 0% at Level 1 tells that no member chose Level 1, so only its
    # median is shown; the weighted total is not shown at all (two mixtures -> solvable).
    assert lead.total.detail is Detail.MEDIAN and lead.total.reason is Reason.PROTECTS_HIDDEN
    assert lead.total.median == "l2" and lead.total.counts is None
    assert lead.weighted is None
    # A statement asked of officers only has no total, so nothing to protect: officers shown in full.
    assert statement(report, "vl_ownership").groups["officer"].detail is Detail.FULL
    # Comments: none from a group under 5.
    texts = [c.text for g in report.comments for c in g.comments]
    assert "Member view" not in texts and texts.count("Officer view") == 10
    assert report.comments_withheld == ("member",)


def test_group_of_6_shows_the_median_only():
    report = score(suppression_case(6))
    lead = characteristic(report, "leadership")
    member = lead.groups["member"]
    assert member.detail is Detail.MEDIAN and member.reason is Reason.FEWER_THAN_8
    assert member.median_level == 3 and member.shares is None and member.counts is None and member.answered is None
    assert lead.groups["officer"].detail is Detail.MEDIAN and lead.groups["officer"].reason is Reason.PROTECTS_OTHER
    assert lead.total.shown and lead.weighted is None
    assert report.comments_withheld == ()
    assert "Member view" in [c.text for g in report.comments for c in g.comments]


def test_group_of_8_gets_a_distribution():
    lead = characteristic(score(suppression_case(8)), "leadership")
    assert all(b.detail is Detail.FULL for b in lead.groups.values())
    assert lead.groups["member"].shares == (0, 0, 1)
    assert lead.weighted is not None and lead.weighted.shown


def test_small_total_is_hidden():
    report = score(build(many(2, "officer", kc_leadership="l1") + many(2, "member", kc_leadership="l1")))
    lead = characteristic(report, "leadership")
    assert lead.total.detail is Detail.HIDDEN and lead.total.median is None
    assert all(not g.comments for g in report.comments)
    assert report.comments_withheld == ("officer", "member")


# ---- comments -----------------------------------------------------------------------------------------------------


def test_comments_grouped_scrubbed_sorted_and_stale_follow_ups_ignored(worked):
    report = score(worked)
    groups = {g.key: g for g in report.comments}
    # Follow-ups grouped under the section of their show_if question; comments-section questions on their own.
    # In the worked data each follow-up has one comment: fewer than 5, so none is listed (issue 21 item 8: a list
    # of comments to a follow-up counts those who gave the answer that asks it).
    assert groups["leadership"].comments == () and groups["protection"].comments == ()
    assert [q.en for q in groups["leadership"].questions] == [QN["officer"].question("lead_help").text.en]
    assert groups["barriers"].title.en == QN["officer"].question("barriers").text.en
    barriers = groups["barriers"].comments
    assert [c.text for c in barriers] == [
        "Apples and silos; ring [removed]",
        "Members see reports too late",
        "Zebra systems do not talk to each other",
    ]  # alphabetical, not the order received
    assert {c.role for c in barriers} == {"officer", "member"}  # both groups have 5 or more respondents
    order = [g.key for g in report.comments]
    assert order.index("leadership") < order.index("protection") < order.index("barriers") < order.index("example")

    # Five officers at Level 1 answer the follow-up (one with an email address), a sixth answered it at Level 1 and
    # then moved to Level 2 (a stale answer); officers' and members' Leadership tables are shown in full.
    officers = [
        Response("officer", {"kc_leadership": "l1", "lead_help": text})
        for text in ("Mail x.y@council.gov.uk", "Board champion", "Training", "Budget", "Time")
    ]
    officers += [Response("officer", {"kc_leadership": "l2", "lead_help": "STALE"})] + many(
        4, "officer", kc_leadership="l3"
    )
    report = score(build(officers + many(8, "member", kc_leadership="l2")))
    groups = {g.key: g for g in report.comments}
    assert [c.text for c in groups["leadership"].comments] == [
        "Board champion",
        "Budget",
        "Mail [removed]",
        "Time",
        "Training",
    ]
    assert all("STALE" not in c.text for g in report.comments for c in g.comments)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("write to jo.bloggs+data@flintshire.gov.uk please", "write to [removed] please"),
        ("call 01352 702 131 today", "call [removed] today"),
        ("mobile +44 7700 900123.", "mobile [removed]."),
        ("NI number QQ 12 34 56 C", "NI number [removed]"),
        ("ask @data_lead_wales", "ask [removed]"),
        ("Digital Flintshire 2017 - 2022 and 2018 2019 2020", "Digital Flintshire 2017 - 2022 and 2018 2019 2020"),
    ],
)
def test_scrub(raw, clean):
    assert scrub(raw) == clean


# ---- the national view -------------------------------------------------------------------------------------------


def council(name: str, officers: tuple[int, str], members: tuple[int, str]) -> SurveyData:
    responses = many(officers[0], "officer", kc_leadership=officers[1], kc_open_data="l3")
    responses += many(members[0], "member", kc_leadership=members[1], kc_open_data="l3")
    return build(responses, {"officer": 30, "member": 30}, authority=name)


def test_national_view_over_three_councils():
    # A: 10 officers at l2 + 8 members at l3: total 18, 9th value l2 -> 2.
    # B: 10 officers at l1 + 4 members at l3 (members hidden, total 14 shown): 7th of 14 = l1 -> 1.
    # C: 3 officers + 1 member: total 4 < 5 -> no median (suppressed per council).
    view = national(
        [
            council("Council A", (10, "l2"), (8, "l3")),
            council("Council B", (10, "l1"), (4, "l3")),
            council("Council C", (3, "l3"), (1, "l3")),
        ]
    )
    assert [c.authority for c in view.councils] == ["Council A", "Council B", "Council C"]
    index = [c.section_id for c in view.characteristics].index("leadership")
    assert [c.medians[index] for c in view.councils] == [2, 1, None]
    lead = view.characteristics[index]
    assert lead.at_level == (1, 1, 0) and lead.suppressed == 1 and lead.councils == 2
    # Nearest rank over [1, 2]: q1 = 1st, median = 1st (lower-middle), q3 = 2nd.
    assert (lead.minimum, lead.lower_quartile, lead.median, lead.upper_quartile, lead.maximum) == (1, 1, 1, 2, 2)
    open_data = view.characteristics[[c.section_id for c in view.characteristics].index("open_data")]
    assert open_data.at_level == (0, 0, 2) and open_data.median == 3
    # Characteristics nobody answered: every council suppressed.
    analytics = view.characteristics[[c.section_id for c in view.characteristics].index("analytics")]
    assert analytics.suppressed == 3 and analytics.median is None and analytics.minimum is None


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="no questionnaire"):
        score(build([Response("mayor", {})]))


def test_scoring_is_pure():
    import ast
    from pathlib import Path

    import reports.scoring as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not imported & {"jinja2", "matplotlib", "openpyxl", "aiosqlite", "telegram", "storage", "os", "io"}
