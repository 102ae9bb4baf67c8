"""A council beside the other councils of its round and beside its own previous round (issue 12, items 2, 3, 5, 6):
figures worked out by hand in the comments, the disclosure rules (a council or group under 5 left out, fewer than
3 councils: no comparison), no other council's name in the council's outputs, the chat summary's lines and the
national change across councils.  Uses the shipped questionnaires."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from datetime import date
from fractions import Fraction as F
from pathlib import Path

import pytest
import yaml

from bot.emulator import parse_html
from config.good_practice import shipped_good_practice
from flows.report_input import survey_data
from reports.comparison import MIN_PEERS, render_comparisons
from reports.inputs import Response, SurveyData
from reports.model import TOTAL, Movement, Relation
from reports.national import national, national_comparison_context, render_national_comparisons
from reports.scoring import score
from reports.stats import beyond_margin, fpc, share_change
from reports.summary import (
    COMPARISON_TEXTS_FILE,
    TEXTS_FILE,
    all_entries,
    entries_from,
    load_entries,
    merged_entries,
    missing_translations,
    render_summary,
    visible_length,
)
from tests.test_scoring import QN

REPORTS_DIR = Path(__file__).resolve().parents[1] / "reports"

OWN = "Flintshire County Council"
PEERS = (
    "Powys County Council",
    "Gwynedd Council",
    "Newport City Council",
    "Torfaen County Borough Council",
    "Ceredigion County Council",
)


def council(
    name: str,
    officers: Sequence[str],
    members: Sequence[str] = (),
    *,
    invited: tuple[int, int] = (20, 20),
    round: str | None = "2026",
    question: str = "kc_leadership",
    **extra: object,
) -> SurveyData:
    """A council whose officers and members answered ``question`` with the levels given (one per respondent), with
    the shipped good-practice examples (as the compiler gives every report)."""
    responses = [Response("officer", {question: level}) for level in officers]
    responses += [Response("member", {question: level}) for level in members]
    extra.setdefault("good_practice", shipped_good_practice())
    return survey_data(name, None, {"officer": invited[0], "member": invited[1]}, responses, QN, round=round, **extra)  # type: ignore[arg-type]


def peers(*levels: str, small: int = 0) -> list[SurveyData]:
    """One council per level: 10 officers and 8 members all at it (Total median that level); ``small`` more with
    4 officers only (fewer than 5 answering: left out)."""
    found = [council(PEERS[i], [level] * 10, [level] * 8) for i, level in enumerate(levels)]
    return found + [council(f"Small Council {i}", ["l3"] * 4) for i in range(small)]


def characteristic(items, section_id: str):
    return next(c for c in items if c.section_id == section_id)


# ---- position among the councils ----------------------------------------------------------------------------------
#
# Like with like (issue 22 item 5): officers beside officers, members beside members, each council once by its
# group's median.  Flintshire, Leadership: officers l1 x10 (median 1), members l1 x5 + l2 x3 (lower-middle, 4th of 8:
# Level 1).
# Other councils: four with 10 officers and 8 members all at l2 (both groups' medians Level 2), one with officers l1
# x10 and members l3 x8, one with 4 officers only (fewer than 5: left out; no members).
#   Officers: 5 compared, medians 2, 2, 2, 2, 1: Level 2 chosen by 4 of 5 (more than half) -> "most chose Level 2";
#             more than half (4) above Flintshire's Level 1 -> below.
#   Members:  5 compared, medians 2, 2, 2, 2, 3: most at Level 2; all 5 above Level 1 -> below.


def flintshire(**extra: object) -> SurveyData:
    return council(OWN, ["l1"] * 10, ["l1"] * 5 + ["l2"] * 3, **extra)


def mixed_peers() -> list[SurveyData]:
    return [
        *peers("l2", "l2", "l2", "l2"),
        council(PEERS[4], ["l1"] * 10, ["l3"] * 8),
        council("Small Council", ["l2"] * 4),
    ]


def position_section(page: str) -> str:
    return page[page.index('<section id="position">') : page.index("</section>", page.index('<section id="position">'))]


def test_a_council_at_level_1_among_councils_mostly_at_level_2_group_by_group():
    report = score(flintshire(peers=mixed_peers()))
    assert report.comparison is not None and report.round == "2026"
    where = report.comparison.position
    assert where is not None and where.round == "2026" and where.councils == 6 and where.min_councils == MIN_PEERS == 5
    lead = characteristic(where.characteristics, "leadership")
    officers, members = lead.groups["officer"], lead.groups["member"]
    assert (officers.councils, officers.possible, officers.most_at, officers.own_level) == (5, True, 2, 1)
    assert (members.councils, members.possible, members.most_at, members.own_level) == (5, True, 2, 1)
    assert officers.relation is members.relation is lead.relation is Relation.BELOW
    assert where.count(Relation.BELOW, "officer") == 1 and where.count(Relation.BELOW, "member") == 1
    # A characteristic nobody answered: no council compared, nothing said.
    open_data = characteristic(where.characteristics, "open_data")
    assert all(not g.possible and g.councils == 0 and g.relation is None for g in open_data.groups.values())


def test_councils_whose_mix_of_officers_and_members_differs_are_compared_like_with_like():
    # Each other council: 30 officers at Level 2 and 5 members at Level 1: its raw Total is Level 2 (30 of 35), as
    # its officers outnumber its members six to one.  Flintshire: 10 officers at Level 2, 10 members at Level 1: its
    # raw Total's lower-middle (10th of 20) is Level 1.  Raw Totals would put Flintshire below every council; group by
    # group, its officers and its members chose what most councils' officers and members chose.
    others = [council(PEERS[i], ["l2"] * 30, ["l1"] * 5, invited=(40, 40)) for i in range(5)]
    report = score(council(OWN, ["l2"] * 10, ["l1"] * 10, peers=others))
    assert characteristic(report.characteristics, "leadership").total.median_level == 1
    lead = characteristic(report.comparison.position.characteristics, "leadership")
    assert (lead.groups["officer"].most_at, lead.groups["officer"].relation) == (2, Relation.LEVEL)
    assert (lead.groups["member"].most_at, lead.groups["member"].relation) == (1, Relation.LEVEL)
    page = render_comparisons(report, "en")
    assert (
        "Officers: most other councils&#39; officers chose Level 2; Flintshire County Council&#39;s officers chose "
        "the same level (Level 2) as most of them."
    ) in page
    assert "lower level" not in position_section(page)
    assert (
        "Flintshire County Council&#39;s elected members chose neither a lower nor a higher level than those of "
        "most other councils on any key characteristic compared."
    ) in page
    assert "Officers: neither lower nor higher than those of most councils" in render_summary(report)


def test_the_position_is_said_in_words_without_any_councils_count_or_median():
    # The demo's table said "0 at Level 1, 5 at Level 2, 0 at Level 3": every other council's median at once.
    report = score(flintshire(peers=[*peers("l2", "l2", "l2", "l2", "l2")]))
    for language, most, lower in (
        (
            "en",
            "most other councils&#39; officers chose Level 2",
            "Flintshire County Council&#39;s officers chose a lower level (Level 1) than most of them",
        ),
        (
            "cy",
            "dewisodd swyddogion y rhan fwyaf o&#39;r cynghorau eraill Lefel 2",
            "dewisodd swyddogion Flintshire County Council lefel is (Lefel 1) na&#39;r rhan fwyaf ohonynt",
        ),
    ):
        section = position_section(render_comparisons(report, language))
        assert most in section and lower in section
        assert "<table" not in section
        assert not re.search(r"\d+ (at Level|ar Lefel)", section)  # no count of councils at a level
        assert "their middle" not in section and "eu canol" not in section  # no middle value of their medians
        summary = render_summary(report, language)
        assert not re.search(r"\d+ (at Level|ar Lefel)", summary)
    headline = (
        "Flintshire County Council&#39;s officers chose a lower level than those of most other councils on 1 key "
        "characteristic (Leadership), and a higher level on none of the key characteristics."
    )
    assert headline in render_comparisons(report, "en")


def test_no_level_chosen_by_most_is_said_to_be_spread():
    # Officers elsewhere: 2, 2, 1, 3, 3 -> no level has more than half; 2 above Flintshire's Level 2, 2 below, 1 at it:
    # no side has more than half either.
    report = score(council(OWN, ["l2"] * 10, peers=[*peers("l2", "l2", "l1", "l3", "l3")]))
    officers = characteristic(report.comparison.position.characteristics, "leadership").groups["officer"]
    assert (officers.most_at, officers.relation) == (None, None)
    page = render_comparisons(report, "en")
    assert (
        "the other councils&#39; officers are spread across the levels, with no level chosen by most of them; "
        "Flintshire County Council&#39;s officers (Level 2) are neither lower nor higher than most of them"
    ) in page


def test_fewer_than_5_councils_compared_gives_no_comparison():
    # Four councils answering and two with fewer than 5: 4 compared < 5.
    report = score(flintshire(peers=peers("l2", "l3", "l2", "l2", small=2)))
    where = report.comparison.position
    lead = characteristic(where.characteristics, "leadership")
    assert (lead.groups["officer"].councils, lead.groups["officer"].possible) == (4, False)
    assert lead.groups["officer"].most_at is None and lead.groups["officer"].relation is None and not where.possible
    page = render_comparisons(report, "en")
    assert "The comparison is not yet possible: for no key characteristic have 5 or more other councils" in page
    assert "<table" not in page.split('id="change"')[0]
    assert "Level 2" not in position_section(page) and "Level 3" not in position_section(page)
    summary = render_summary(report)
    assert (
        "<b>Among the 6 other councils of round 2026</b>: comparison not yet possible (fewer than 5 councils" in summary
    )
    alone = render_summary(score(flintshire(peers=[])))
    assert "<b>Among the councils of round 2026</b>: comparison not yet possible" in alone
    one = render_summary(score(flintshire(peers=peers("l2"))))
    assert "<b>Beside the 1 other council of round 2026</b>" in one
    assert "<b>Wrth ochr yr 1 cyngor arall yn rownd 2026</b>" in render_summary(
        score(flintshire(peers=peers("l2"))), "cy"
    )
    # With a fifth council it appears.
    five = score(flintshire(peers=peers("l2", "l3", "l2", "l2", "l2")))
    assert characteristic(five.comparison.position.characteristics, "leadership").groups["officer"].most_at == 2


def test_the_councils_own_group_under_5_is_not_compared_and_says_why():
    report = score(council(OWN, ["l1"] * 10, ["l1"] * 3, peers=peers("l2", "l2", "l2", "l2", "l2")))
    lead = characteristic(report.comparison.position.characteristics, "leadership")
    members = lead.groups["member"]
    assert members.own_level is None and members.relation is None and members.most_at == 2
    assert lead.relation is Relation.BELOW  # officers alone compared: below
    page = render_comparisons(report, "en")
    assert "Flintshire County Council&#39;s elected members are not compared (fewer than 5)" in page


def test_counts_agree_in_number_in_both_languages():
    report = score(flintshire(peers=mixed_peers()))
    en, cy = render_comparisons(report, "en"), render_comparisons(report, "cy")
    assert "on 1 key characteristic (Leadership)" in en and "ar 1 nodwedd allweddol (Arweinyddiaeth)" in cy
    # Two characteristics below: Leadership and Open Data.
    two = [council(PEERS[i], ["l2"] * 10, ["l2"] * 8) for i in range(5)]
    for c in two:
        c.responses.extend(Response(r.role, {"kc_open_data": "l2"}) for r in list(c.responses))
    mine = flintshire(peers=two)
    mine.responses.extend(Response(r.role, {"kc_open_data": "l1"}) for r in list(mine.responses))
    page = render_comparisons(score(mine), "en")
    assert "on 2 key characteristics (Leadership and Open Data)" in page
    assert "ar 2 nodwedd allweddol (Arweinyddiaeth a Data Agored)" in render_comparisons(score(mine), "cy")
    assert "(s)" not in page
    # Welsh mutates after "ar" and "a" becomes "ac" before a vowel.
    assert "yn uwch ar ddim un" in render_summary(score(mine), "cy")
    mine.responses.extend(Response(r.role, {"kc_analytics": "l1"}) for r in list(mine.responses))
    for c in two:
        c.responses.extend(Response(r.role, {"kc_analytics": "l2"}) for r in list(c.responses))
    assert "(Dadansoddeg data, Data Agored ac Arweinyddiaeth)" not in render_comparisons(score(mine), "cy")
    assert "ar 3 nodwedd allweddol (Arweinyddiaeth, Dadansoddeg data a Data Agored)" in render_comparisons(
        score(mine), "cy"
    )


def test_no_other_council_is_named_in_the_councils_outputs():
    previous = flintshire(round="2025")
    report = score(
        flintshire(
            peers=[*peers("l2", "l2", "l1", "l2", "l3"), council("Small Council", ["l2"] * 4)], previous=previous
        )
    )
    outputs = [render_comparisons(report, lang) for lang in ("en", "cy")]
    outputs += [render_summary(report, lang) for lang in ("en", "cy")]
    for text in outputs:
        for name in (*PEERS, "Small Council"):
            for word in (name, name.split()[0]):
                assert word not in text
    assert all(OWN in text for text in outputs[::2])  # the council's own name is there


def test_no_comparison_without_a_round_or_peers_given():
    report = score(council(OWN, ["l1"] * 10, round=None))
    assert report.comparison is not None and report.comparison.position is None and report.comparison.change is None
    page = render_comparisons(report, "en")
    assert 'id="position"' not in page and 'id="change"' not in page and 'id="good-practice"' in page
    assert "Among the" not in render_summary(report) and "Since round" not in render_summary(report)


# ---- change since the previous round ------------------------------------------------------------------------------
#
# Leadership, previous round (2025): officers l1 x8, l2 x2 of 20 invited; members l1 x8 of 20.
#            this round (2026):      officers l1 x2, l2 x8 of 20;          members l1 x10 of 20.
# Officers, share at Level 2 or above: 2/10 -> 8/10.  Adjusted q1 = 3/12 = .25, q2 = 9/12 = .75, change .5;
#   fpc(10, 20) = 10/19; margin = 1.96 * sqrt(2 * .25 * .75 / 12 * 10/19) = 1.96 * .12825 = .2514 -> beyond: up.
#   At Level 3: 0/10 both, q = 1/12 both, change 0: not beyond.  Medians: 1 then (8 of 10 at l1), 2 now.
# Members: 0/8 -> 0/10 at Level 2 or above: q1 = 1/10, q2 = 1/12, change -.0167; margin
#   1.96 * sqrt(.1 * .9 / 10 * 12/19 + (1/12)(11/12) / 12 * 10/19) = 1.96 * sqrt(.005684 + .003350) = .1863: none.
# Total: 2/18 -> 8/20.  q1 = 3/20 = .15, q2 = 9/22 = .4091, change .2591; fpc(18, 40) = 22/39, fpc(20, 40) = 20/39;
#   margin = 1.96 * sqrt(.15 * .85 / 20 * 22/39 + .4091 * .5909 / 22 * 20/39) = 1.96 * sqrt(.003596 + .005635)
#   = .1883 -> beyond: up, though the median stays at Level 1 (9th of 18; 10th of 20 is l1).
# Rates: officers 10 of 20 then and now; members 8 of 20 (40%, ±28) then, 10 of 20 (50%, ±22) now.


def then_and_now() -> SurveyData:
    previous = council(
        OWN, ["l1"] * 8 + ["l2"] * 2, ["l1"] * 8, round="2025", opens_on=date(2025, 11, 3), closes_on=date(2025, 12, 12)
    )
    return council(OWN, ["l1"] * 2 + ["l2"] * 8, ["l1"] * 10, previous=previous)


def test_a_change_beyond_the_margin_and_one_within_it():
    change = score(then_and_now()).comparison.change
    assert change is not None and change.previous_round == "2025" and change.previous_opens_on == date(2025, 11, 3)
    lead = characteristic(change.characteristics, "leadership")
    officers, members, total = lead.groups["officer"], lead.groups["member"], lead.groups[TOTAL]
    assert (officers.then_level, officers.now_level, officers.movement) == (1, 2, Movement.UP)
    two, three = officers.shares
    assert (two.from_level, two.then, two.now, two.adjusted) == (2, F(2, 10), F(8, 10), F(1, 2))
    assert two.margin == pytest.approx(0.2514, abs=1e-4) and two.detected
    assert (three.from_level, three.adjusted, three.detected) == (3, 0, False)
    assert members.movement is Movement.NONE and members.shares[0].margin == pytest.approx(0.1863, abs=1e-4)
    assert members.shares[0].adjusted == F(1, 12) - F(1, 10)
    assert (total.then_level, total.now_level, total.movement) == (1, 1, Movement.UP)
    assert total.shares[0].adjusted == F(9, 22) - F(3, 20) and total.shares[0].margin == pytest.approx(0.1883, abs=1e-4)


def test_within_the_margin_is_no_detectable_change():
    # Officers 4/10 -> 6/10 at Level 2 or above: q 5/12 -> 7/12, change .1667; margin
    # 1.96 * sqrt(2 * (5/12)(7/12) / 12 * 10/19) = 1.96 * .14603 = .2862 -> within.
    previous = council(OWN, ["l1"] * 6 + ["l2"] * 4, round="2025")
    officers = characteristic(
        score(council(OWN, ["l1"] * 4 + ["l2"] * 6, previous=previous)).comparison.change.characteristics, "leadership"
    ).groups["officer"]
    assert officers.movement is Movement.NONE and not officers.shares[0].detected
    assert officers.shares[0].margin == pytest.approx(0.2862, abs=1e-4)
    assert (officers.then_level, officers.now_level) == (1, 2)  # the median moved, the test says it may be chance


def test_response_rates_then_and_now():
    change = score(then_and_now()).comparison.change
    rows = {r.group: r for r in change.rates}
    assert list(rows) == ["officer", "member", TOTAL]
    assert (
        rows["member"].then.responded,
        rows["member"].then.invited,
        rows["member"].then.percentage,
        rows["member"].then.margin_points,
    ) == (8, 20, 40, 28)
    now = rows["member"].now
    assert (now.responded, now.percentage, now.margin_points) == (10, 50, 22)
    assert (rows[TOTAL].then.responded, rows[TOTAL].now.responded, rows[TOTAL].now.invited) == (18, 20, 40)
    page = render_comparisons(score(then_and_now()), "en")
    assert (
        '<td role="cell" data-label="Round 2025">8 of 20 (40%) ±28</td><td role="cell" data-label="Round 2026">10 of 20 (50%) ±22</td>'
        in page
    )
    assert "Change since round 2025" in page and "Survey open 3 November 2025 to 12 December 2025" in page
    assert "up (Level 2 or above 20% → 80%, beyond ±25 points)" in page


def test_small_groups_get_no_change_stated():
    # Corporate standards: members 4 answering then (hidden) -> nothing said of them; officers are then reduced to
    # their median (so the 4 cannot be worked out from the total) -> medians only, untested.  Leadership: members
    # 6 answering now (median only) -> medians only.
    previous = survey_data(
        OWN,
        None,
        {"officer": 20, "member": 20},
        [Response("officer", {"kc_standards": "l1", "kc_leadership": "l1"}) for _ in range(10)]
        + [Response("member", {"kc_standards": "l1", "kc_leadership": "l1"}) for _ in range(4)]
        + [Response("member", {"kc_leadership": "l1"}) for _ in range(4)],
        QN,
        round="2025",
    )
    now = survey_data(
        OWN,
        None,
        {"officer": 20, "member": 20},
        [Response("officer", {"kc_standards": "l3", "kc_leadership": "l3"}) for _ in range(10)]
        + [Response("member", {"kc_standards": "l3", "kc_leadership": "l3"}) for _ in range(6)],
        QN,
        round="2026",
        previous=previous,
    )
    change = score(now).comparison.change
    standards = characteristic(change.characteristics, "standards").groups
    assert standards["member"].movement is Movement.WITHHELD and standards["member"].shares == ()
    assert standards["officer"].movement is Movement.MEDIANS_ONLY and standards["officer"].shares == ()
    leadership = characteristic(change.characteristics, "leadership").groups
    assert leadership["member"].movement is Movement.MEDIANS_ONLY
    assert (leadership["member"].then_level, leadership["member"].now_level) == (1, 3)
    # Officers answered 10 both times, but beside 6 members their distribution is withheld (the members' could be
    # worked out from the total): medians only.  The Total (18 then, 16 now) is shown in full both times: tested.
    assert leadership["officer"].movement is Movement.MEDIANS_ONLY
    assert leadership[TOTAL].movement is Movement.UP
    # Each says its true reason: the officers answered 10 both times, and "5 to 7 answering" would be false of them.
    page = render_comparisons(score(now), "en")
    row = lambda header: re.search(rf'rowheader">{header}</th>(.*?)</tr>', page, re.S).group(1)  # noqa: E731
    assert "not stated: fewer than 5 answered in round 2025" in row("Corporate Standards: Elected Members")
    assert (
        "medians only, not tested: figures withheld in both rounds so that a small group&#39;s answers cannot be "
        "worked out"
    ) in row("Corporate Standards: Officers")  # beside 4 members then, 6 now
    assert (
        "medians only, not tested: figures withheld in round 2026 so that a small group&#39;s answers cannot be "
        "worked out"
    ) in row("Leadership: Officers")
    assert "5 to 7" not in row("Leadership: Officers") and "fewer than 8" not in row("Leadership: Officers")
    assert "medians only, not tested: 5 to 7 answered in round 2026" in row("Leadership: Elected Members")
    welsh = render_comparisons(score(now), "cy")
    assert "canolrifau yn unig, heb eu profi: atebodd 5 i 7 yn rownd 2026" in welsh
    # Fewer than 5 in both rounds: said once.
    both = survey_data(
        OWN,
        None,
        {"officer": 20, "member": 20},
        [Response("officer", {"kc_leadership": "l1"})] * 3,
        QN,
        round="2026",
        previous=survey_data(
            OWN,
            None,
            {"officer": 20, "member": 20},
            [Response("officer", {"kc_leadership": "l1"})] * 3,
            QN,
            round="2025",
        ),
    )
    assert "not stated: fewer than 5 answered in both rounds" in render_comparisons(score(both), "en")


def test_the_change_test_by_hand():
    # Everyone invited answered in both rounds: no sampling error, any change is real.
    assert fpc(20, 20) == 0 and share_change((5, 20, 20), (6, 20, 20))[1] == 0
    assert beyond_margin(*share_change((5, 20, 20), (6, 20, 20)))
    assert not beyond_margin(F(1, 10), 0.1) and beyond_margin(F(1, 10), 0.0999)
    with pytest.raises(ValueError):
        share_change((0, 0, 20), (1, 5, 20))


# ---- the chat summary ------------------------------------------------------------------------------------------------


def test_summary_has_a_line_for_each_comparison_and_stays_valid_telegram_html():
    data = then_and_now()
    report = score(SurveyData(**{**data.__dict__, "peers": mixed_peers()}))
    for language in ("en", "cy"):
        message = render_summary(report, language)
        parse_html(message)
        assert visible_length(message) <= 4096
    lines = render_summary(report, "en").splitlines()
    position = next(line for line in lines if line.startswith("<b>Among the"))
    # this round: officers l1 x2, l2 x8 (median Level 2), members l1 x10 (Level 1); elsewhere most officers and
    # most members at Level 2 (mixed_peers): officers level, members lower.
    assert position == (
        "<b>Among the 6 other councils of round 2026</b>: Officers: neither lower nor higher than "
        "those of most councils; Members: lower than those of most councils on 1 (Leadership), "
        "higher on none"
    )
    since = next(line for line in lines if line.startswith("<b>Since round"))
    # The Total's median stayed at Level 1, so the share that moved is given; 6 characteristics nobody answered.
    assert since == (
        "<b>Since round 2025 (responses 18 → 20)</b>: Leadership up (Level 2 or above 11% → 40%); "
        "6 not compared (too few answering, or figures withheld to protect a small group)"
    )
    assert lines[-1].startswith("<i>") and lines.index(since) == lines.index(position) + 1  # just above the footer


def test_summary_names_a_moved_median_and_says_no_change_elsewhere():
    previous = survey_data(
        OWN,
        None,
        {"officer": 20, "member": 20},
        [Response("officer", {"kc_leadership": "l1", "kc_standards": "l2"}) for _ in range(10)],
        QN,
        round="2025",
    )
    now = survey_data(
        OWN,
        None,
        {"officer": 20, "member": 20},
        [Response("officer", {"kc_leadership": "l2", "kc_standards": "l2"}) for _ in range(10)],
        QN,
        round="2026",
        previous=previous,
    )
    line = next(x for x in render_summary(score(now), "en").splitlines() if x.startswith("<b>Since"))
    assert "Leadership up (Level 1 → Level 2); no detectable change elsewhere" in line


def test_long_names_keep_the_summary_within_telegrams_limit():
    long_name = ("<b>Cyngor</b> & " * 30)[:200]
    report = score(SurveyData(**{**then_and_now().__dict__, "authority": long_name, "peers": mixed_peers()}))
    for language in ("en", "cy"):
        message = render_summary(report, language, limit=1500)
        parse_html(message)
        assert visible_length(message) <= 1500
        assert "<b>Cyngor</b>" not in message  # escaped


# ---- the national report ---------------------------------------------------------------------------------------------
#
# A: Level 1 then (10 officers, 8 members at l1), Level 2 now (all at l2): up.  B: Level 2 both times: no change.
# C: no earlier round.  D: 4 answering now: left out.  -> Leadership: 2 compared, 1 left out, at Level 2 or above
# 1 then and 2 now, up: A.


def test_national_change_across_councils_names_councils():
    a = council(
        "Council A", ["l2"] * 10, ["l2"] * 8, previous=council("Council A", ["l1"] * 10, ["l1"] * 8, round="2025")
    )
    b = council(
        "Council B", ["l2"] * 10, ["l2"] * 8, previous=council("Council B", ["l2"] * 10, ["l2"] * 8, round="2025")
    )
    c = council("Council C", ["l1"] * 10)
    d = council("Council D", ["l2"] * 4, previous=council("Council D", ["l1"] * 10, round="2024"))
    view = national([a, b, c, d])
    assert view.previous_rounds == ("2024", "2025") and view.compared == 3
    lead = characteristic(view.changes, "leadership")
    assert (lead.councils, lead.left_out, lead.at_least_2_then, lead.at_least_2_now) == (2, 1, 1, 2)
    assert [x.authority for x in lead.up] == ["Council A"] and lead.down == () and lead.mixed == ()
    page = render_national_comparisons(view, "en")
    assert '<td role="cell" data-label="Up">Council A</td>' in page and "round 2024 and 2025" in page
    assert (
        '<td role="cell" data-label="At Level 2 or above then">1</td><td role="cell" data-label="At Level 2 or above now">2</td>'
        in page
    )
    assert render_national_comparisons(view, "cy").count('<table class="stack" role="table">') == 1


def test_national_without_earlier_rounds_is_unchanged():
    view = national([council("Council C", ["l1"] * 10)])
    assert view.changes == () and view.previous_rounds == () and view.compared == 0
    assert national_comparison_context(view, "en") == {"national_comparisons": None}
    assert render_national_comparisons(view, "en").strip() == ""


# ---- the texts ----------------------------------------------------------------------------------------------------


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_comparison_text_is_in_both_languages_with_the_same_placeholders():
    raw = yaml.safe_load(REPORTS_DIR.joinpath(COMPARISON_TEXTS_FILE).read_text(encoding="utf-8"))
    assert missing_translations(COMPARISON_TEXTS_FILE) == []
    assert len(raw) > 50
    for key, entry in raw.items():
        assert set(entry) == {"en", "cy"}, key
        assert placeholders(entry["en"]) == placeholders(entry["cy"]), key
    assert "qualified translator" in REPORTS_DIR.joinpath(COMPARISON_TEXTS_FILE).read_text(encoding="utf-8")[:600]


def test_texts_serve_both_files_and_a_key_in_both_is_refused(tmp_path: Path):
    merged = all_entries()
    assert "cmp_position_heading" in merged and "report_title" in merged
    clash = tmp_path / "clash.yaml"
    clash.write_text(yaml.safe_dump({"report_title": {"en": "x", "cy": "y"}}))
    with pytest.raises(ValueError, match="report_title"):
        merged_entries(
            [(TEXTS_FILE, load_entries(TEXTS_FILE)), (str(clash), entries_from(clash.read_text(), str(clash)))]
        )


def test_every_text_key_the_code_uses_exists():
    used, plural = set(), set()
    for path in ("reports/comparison.py", "reports/summary.py", "reports/national.py"):
        source = Path(path).read_text(encoding="utf-8")
        used |= set(re.findall(r"t\(\s*f?[\"']((?:cmp|nat)_[a-z0-9_]+)[\"']", source))
        plural |= set(re.findall(r"counted\(t, [\"']((?:cmp|nat)_[a-z0-9_]+)[\"']", source))
    dynamic = {f"cmp_movement_{m.value}" for m in Movement} | {f"cmp_peer_own_{r.value}" for r in Relation}
    dynamic |= {
        "cmp_share_from_2",
        "cmp_share_from_3",
        "cmp_group_officer",
        "cmp_group_member",
        "cmp_group_total",
        "cmp_why_fewer_than_5",
        "cmp_why_fewer_than_8",
        "cmp_why_protected",
    }
    dynamic |= {f"{key}_{form}" for key in plural for form in ("one", "other")}
    assert used and plural and not (used | dynamic) - set(all_entries())


def test_no_count_is_written_with_a_parenthesised_plural():
    # "1 characteristic", "6 characteristics": a count that can be 1 has a _one and an _other text, never "(s)".
    for path in (REPORTS_DIR / COMPARISON_TEXTS_FILE, Path("reports/i18n_early_late.yaml")):
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        for key, entry in raw.items():
            assert "(s)" not in entry["en"] and "(au)" not in entry["cy"], key
            if key.endswith("_one"):
                assert key.removesuffix("_one") + "_other" in raw, key
