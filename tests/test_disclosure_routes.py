"""No side route to a hidden group (issue 21, item 8): the three routes the issue names, each on a constructed
dataset that gave a small group away before, and the check that every published text is decided by the one
disclosure test of the main tables (``reports.disclosure``).

- Follow-up comments: four comments under a member-only follow-up (asked only of members who disagreed) told the
  reader that four of the five members disagreed, though the report gives members' answers to that statement as
  a median only.
- Early against late: officers are at 0% at Level 1 and two members answered before any reminder; the early Total
  "Level 1 17% (12 answering)" said that both early members were at Level 1.
- Don't know: four members who all answered "Don't know" are hidden, but the Total's 0% at Level 1 said that no
  member chose Level 1.

``published(report)`` is every text a reader of the council's results gets: the chat summary and the results sent
to respondents (both languages), the full HTML report with comments attributed (its comparisons and early-late
sections included), and, where asked, the charts' descriptions and tables.  Two datasets whose main tables are
the same must give the same texts on every route: a route that printed anything more about a small group would
tell them apart.  (The anonymised answers file is the auditors' working data, not a publication: not a route
here.)
"""

from __future__ import annotations

import html
import re
from fractions import Fraction as F
from pathlib import Path

from bot.emulator import parse_html
from flows.i18n import catalogue
from flows.ports.completion import SUMMARY, Bundle, Item
from flows.results import results_text
from reports import charts
from reports.early_late import Difference, render_early_late
from reports.html import render_report
from reports.inputs import Response, SurveyData
from reports.model import Detail, Reason, SurveyReport
from reports.scoring import score
from reports.summary import render_summary
from tests.test_scoring import build, characteristic, many, statement


def published(report: SurveyReport, *, with_charts: bool = False) -> dict[str, str]:
    """Every text a reader of the council's results gets, by route."""
    texts: dict[str, str] = {}
    summaries = {language: render_summary(report, language) for language in ("en", "cy")}
    bundle = Bundle(
        1,
        report.authority,
        "test",
        Path("."),
        (Item(SUMMARY, "message", summaries["en"]),),
        {language: (Item(SUMMARY, "message", text),) for language, text in summaries.items()},
    )
    for language in ("en", "cy"):
        texts[f"summary-{language}"] = summaries[language]
        texts[f"results-{language}"] = results_text(bundle, language, catalogue()) or ""
        texts[f"report-{language}"] = render_report(report, language, with_charts=False, attribute_comments=True)
    if with_charts:
        for chart in charts.report_charts(report, "en"):
            texts[f"chart-{chart.name}"] = repr((chart.alt, chart.tables))
    return texts


def page_text(page: str) -> str:
    """The text of an HTML page or section, tags left out."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def main_tables(report: SurveyReport) -> tuple[object, ...]:
    """What the main tables publish: the response counts, and every characteristic's and statement's breakdowns."""
    return report.rates, report.characteristics, report.themes


# ---- follow-up comments -------------------------------------------------------------------------------------------


def follow_up(disagree: int, members: int = 5, comment: bool = True) -> SurveyData:
    """Officers (10) and ``members`` members; ``disagree`` of the members disagree that councillors have the
    evidence they need to scrutinise (ev_scrutiny, asked of members only) and, when ``comment``, each of them says
    what they lack in the follow-up asked only of those who disagree (ev_data_need); the others agree."""
    responses = many(10, "officer", kc_leadership="l2", barriers="Officers' view")
    responses += [
        Response(
            "member",
            {"kc_leadership": "l2", "ev_scrutiny": "d", **({"ev_data_need": f"Lacking figure {i}"} if comment else {})},
        )
        for i in range(disagree)
    ]
    responses += many(members - disagree, "member", kc_leadership="l2", ev_scrutiny="a")
    return build(responses)


def member_follow_ups(report: SurveyReport) -> list[str]:
    return [c.text for g in report.comments for c in g.comments if c.question_id == "ev_data_need"]


def test_follow_up_comments_do_not_give_away_a_statement_shown_as_its_median():
    report = score(follow_up(4))
    scrutiny = statement(report, "ev_scrutiny").groups["member"]
    assert scrutiny.detail is Detail.MEDIAN and scrutiny.median == "d"  # 5 members: the median only
    # Before: the four comments were listed, which says that four of the five members disagreed.
    assert member_follow_ups(report) == []
    for name, text in published(report).items():
        assert "Lacking figure" not in text, name
    # The other comments of a group of 5 or more are still shown.
    assert [c.text for g in report.comments for c in g.comments if c.role == "officer"] == ["Officers' view"] * 10


def test_datasets_the_main_tables_cannot_tell_apart_publish_the_same_follow_ups():
    # Four or three of the five members disagreeing: the same median ("d"), so the same main tables; every route
    # must then read the same (before, the report listed four comments in one and three in the other).
    four, three = score(follow_up(4)), score(follow_up(3))
    assert main_tables(four) == main_tables(three)
    assert published(four) == published(three)


def test_follow_up_comments_are_shown_where_the_statement_is_shown_in_full_and_5_or_more_wrote():
    # Ten members: their answers to the statement are shown in full (6 of 10 disagree), so the six comments tell
    # nothing the table does not.
    shown = score(follow_up(6, members=10))
    assert statement(shown, "ev_scrutiny").groups["member"].shares is not None
    assert sorted(member_follow_ups(shown)) == [f"Lacking figure {i}" for i in range(6)]
    assert "Lacking figure 5" in published(shown)["report-en"]
    # Four comments: fewer than 5 comments are never listed, even beside a full table.
    few = score(follow_up(4, members=10))
    assert statement(few, "ev_scrutiny").groups["member"].shares is not None and member_follow_ups(few) == []


def test_a_follow_up_of_both_groups_follows_each_groups_own_table():
    # Leadership: 10 officers, 6 at Level 1 commenting in the follow-up asked at Level 1 (lead_help), and 4 members.
    # Members are hidden, so officers are shown as their median only (their distribution beside the Total would give
    # the members away): six officers' comments would say that at least 6 officers are at Level 1.
    responses = [Response("officer", {"kc_leadership": "l1", "lead_help": f"Help {i}"}) for i in range(6)]
    responses += many(4, "officer", kc_leadership="l3") + many(4, "member", kc_leadership="l3")
    report = score(build(responses))
    assert characteristic(report, "leadership").groups["officer"].detail is Detail.MEDIAN
    assert not [c for g in report.comments for c in g.comments if c.question_id == "lead_help"]
    # With 8 members the officers' table is shown in full, and so are their comments.
    report = score(build(responses[:10] + many(8, "member", kc_leadership="l3")))
    assert characteristic(report, "leadership").groups["officer"].detail is Detail.FULL
    assert len([c for g in report.comments for c in g.comments if c.question_id == "lead_help"]) == 6


# ---- early against late -------------------------------------------------------------------------------------------


def early_late_data(members_early: list[str], members_late: list[str]) -> SurveyData:
    """Officers: 10 before any reminder and 10 after one, each 5 at Level 2 and 5 at Level 3 (0% at Level 1).
    Members as given, early and late."""

    def person(role: str, level: str, reminders: int) -> Response:
        return Response(role, {"kc_leadership": level}, reminders_before=reminders)

    responses = [person("officer", level, reminders) for reminders in (0, 1) for level in ["l2"] * 5 + ["l3"] * 5]
    responses += [person("member", level, 0) for level in members_early]
    responses += [person("member", level, 2) for level in members_late]
    return build(responses)


# Members (10: 4 at Level 1, 3 at Level 2, 3 at Level 3) are shown in full, and so are officers (0% at Level 1).
# Two members answered before any reminder, both at Level 1.  The early Total (12) was published: Level 1 2 of 12 =
# 17%; with no officer at Level 1, those two are the two early members.
ISSUE = (["l1", "l1"], ["l1", "l1", "l2", "l2", "l2", "l3", "l3", "l3"])
# The same members, but the two early ones at Level 2: the same main tables.
SWAPPED = (["l2", "l2"], ["l1", "l1", "l1", "l1", "l2", "l3", "l3", "l3"])


def test_the_early_total_does_not_give_away_a_small_group_of_early_respondents():
    report = score(early_late_data(*ISSUE))
    lead = characteristic(report, "leadership")
    assert lead.groups["officer"].shares == (0, F(1, 2), F(1, 2)) and lead.groups["member"].shown
    assert report.early_late is not None
    total = report.early_late.characteristics[0].total
    assert (total.difference, total.early, total.late) == (Difference.WITHHELD, None, None)
    html = page_text(render_early_late(report, "en"))
    assert "17%" not in html and "(n 12)" not in html
    assert "Total" in html and "not compared" in html


def test_which_members_answered_early_is_not_told_by_any_route():
    issue, swapped = score(early_late_data(*ISSUE)), score(early_late_data(*SWAPPED))
    assert main_tables(issue) == main_tables(swapped)
    assert published(issue) == published(swapped)  # before: the early Total was 17% at Level 1 against 0%


def test_whether_the_early_members_said_dont_know_is_not_told_either():
    # Three members answered before any reminder, all "Don't know": no member answer among the early ones.  Were
    # that enough to compare (an early part of none passes), the comparison would be made here and withheld when
    # one of the three had answered, which would say that all three said Don't know.  Counted in people, a part of
    # 3 does not pass: nothing is compared either way.
    late = ["l1", "l2", "l2", "l3", "l3", "l3"]
    all_dont_know = score(early_late_data(["dk"] * 3, [*late, "l2"]))
    one_answered = score(early_late_data(["dk", "dk", "l2"], [*late, "dk"]))
    assert main_tables(all_dont_know) == main_tables(one_answered)
    total = all_dont_know.early_late.characteristics[0].total
    assert (total.difference, total.early, total.late) == (Difference.WITHHELD, None, None)
    assert published(all_dont_know) == published(one_answered)


def test_the_early_total_is_shown_when_every_group_has_none_or_5_or_more_on_each_side():
    # Members all late (0 early, 10 late): the early Total is the officers' alone, a group of 10.
    report = score(early_late_data([], ISSUE[0] + ISSUE[1]))
    total = report.early_late.characteristics[0].total
    assert total.early is not None and total.early.shares == (0, F(1, 2), F(1, 2))
    # Five members early: shown too.
    report = score(early_late_data(["l1", "l1", "l2", "l2", "l3"], ["l1", "l1", "l2", "l3", "l3"]))
    total = report.early_late.characteristics[0].total
    assert total.early is not None and total.early.counts == (2, 7, 6)


# ---- a group that answered only "Don't know" ----------------------------------------------------------------------


def dont_know(members_answer: str = "dk") -> SurveyData:
    """Officers (10): 5 at Level 2, 5 at Level 3; four members, each answering ``members_answer``."""
    return build(
        many(5, "officer", kc_leadership="l2")
        + many(5, "officer", kc_leadership="l3")
        + many(4, "member", kc_leadership=members_answer)
    )


def test_a_group_that_answered_only_dont_know_is_not_given_away_by_the_totals_shares():
    report = score(dont_know())
    lead = characteristic(report, "leadership")
    member = lead.groups["member"]
    assert member.detail is Detail.HIDDEN and member.reason is Reason.FEWER_THAN_5
    # Before: the Total was shown in full, Level 1 0% (10 answering, 4 Don't know): no member at Level 1.
    assert lead.total.detail is Detail.MEDIAN and lead.total.reason is Reason.PROTECTS_HIDDEN
    assert (lead.total.shares, lead.total.counts, lead.total.answered, lead.total.dont_know) == (None,) * 4
    assert lead.total.median == "l2" and lead.groups["officer"].median == "l2"
    texts = published(report, with_charts=True)
    page = page_text(texts["report-en"])
    start = page.index("Leadership: where the council sits")
    leadership = page[start : page.index("where the council sits, by group", start + 40)]
    assert "0%" not in leadership and "50%" not in leadership
    assert "0%" not in texts["chart-levels"].split("Corporate Standards")[0]
    assert "Leadership: Officers 2 · Members <5 · Total 2" in parse_html(texts["summary-en"])[0]


def test_members_who_all_said_dont_know_and_members_who_did_not_choose_level_1_read_alike():
    # All four members "Don't know", or all four at Level 2: officers' median and the Total's median are the same
    # in both, and that is all that is published of them.
    all_dont_know, all_level_2 = score(dont_know()), score(dont_know("l2"))
    assert main_tables(all_dont_know) == main_tables(all_level_2)
    assert published(all_dont_know) == published(all_level_2)


def test_a_dont_know_only_group_beside_a_spread_total_leaves_the_total_shown():
    # Officers 2, 4, 4 across the levels: no share of 0% or 100%, and nothing said of the members is certain (they
    # could have been at any level as far as the published figures go), so the Total stays in full.
    report = score(
        build(
            many(2, "officer", kc_leadership="l1")
            + many(4, "officer", kc_leadership="l2")
            + many(4, "officer", kc_leadership="l3")
            + many(4, "member", kc_leadership="dk")
        )
    )
    total = characteristic(report, "leadership").total
    assert total.detail is Detail.FULL and total.counts == (2, 4, 4) and total.dont_know == 4
