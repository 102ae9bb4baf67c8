"""Findings in words (issue 22 item 1): each rule of ``reports.findings`` fires exactly when it should, in English and
Cymraeg, on constructed data whose figures are worked out in the comments; nothing is said of a withheld figure and
nothing withheld can be inferred from which findings appear; findings are ordered by strength; the chat summary
leads with the strongest and stays valid Telegram HTML within 4096 characters.  Uses the shipped questionnaires."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml
from markupsafe import escape

from bot.emulator import parse_html
from flows.report_input import survey_data
from reports.findings import (
    Finding,
    characteristic_findings,
    council_findings,
    find,
    key_findings,
    share_words,
    theme_findings,
)
from reports.inputs import Response, SurveyData
from reports.scoring import score
from reports.stats import margin
from reports.summary import (
    FINDINGS_TEXTS_FILE,
    load_entries,
    missing_translations,
    render_summary,
    template_environment,
    texts,
    visible_length,
)
from tests.test_comparisons import council, peers, then_and_now
from tests.test_early_late import EARLY, LATE, known, people
from tests.test_early_late import data as early_late_data
from tests.test_scoring import QN

STAFF = (
    "The council has enough staff with the skills to make the most of its data",
    "Mae gan y cyngor ddigon o staff sydd â'r sgiliau i wneud y gorau o'i ddata",
)
KEYS = [q.id for s in QN["officer"].sections if s.kind.value == "characteristic" for q in s.questions[:1]]

REPORTS_DIR = Path(__file__).resolve().parents[1] / "reports"


def rows(**answers: Sequence[str]) -> list[dict[str, str]]:
    """One respondent per position: rows(kc_leadership=["l1", "l2"]) -> two respondents."""
    n = max(len(v) for v in answers.values())
    return [{q: v[i] for q, v in answers.items() if i < len(v)} for i in range(n)]


def survey(
    officer: Sequence[dict[str, str]] = (),
    member: Sequence[dict[str, str]] = (),
    invited: tuple[int, int] = (20, 20),
    **extra: object,
) -> SurveyData:
    responses = [Response("officer", dict(a)) for a in officer] + [Response("member", dict(a)) for a in member]
    return survey_data(
        "Flintshire County Council",
        "Cyngor Sir y Fflint",
        {"officer": invited[0], "member": invited[1]},
        responses,
        QN,
        **extra,
    )  # type: ignore[arg-type]


def of(data_or_report, rule: str | None = None, subject: str | None = None) -> list[Finding]:
    report = score(data_or_report) if isinstance(data_or_report, SurveyData) else data_or_report
    return [f for f in find(report) if (rule is None or f.rule == rule) and (subject is None or f.subject == subject)]


def levels(l1: int = 0, l2: int = 0, l3: int = 0) -> list[str]:
    return ["l1"] * l1 + ["l2"] * l2 + ["l3"] * l3


def scale(sa: int = 0, a: int = 0, n: int = 0, d: int = 0, sd: int = 0) -> list[str]:
    return ["sa"] * sa + ["a"] * a + ["n"] * n + ["d"] * d + ["sd"] * sd


# ---- words ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "en", "cy"),
    [
        ((0, 1), "none", "neb"),
        ((1, 1), "all", "pawb"),
        ((1, 2), "half", "hanner"),
        ((1, 4), "a quarter", "chwarter"),
        ((7, 10), "7 in 10", "7 o bob 10"),
        ((13, 20), "about two in three", "tua dau o bob tri"),
        ((16, 20), "8 in 10", "8 o bob 10"),
        ((6, 11), "about half", "tua hanner"),
        ((19, 20), "nearly all", "bron pawb"),
        ((1, 25), "very few", "ychydig iawn"),
        ((17, 30), "about 6 in 10", "tua 6 o bob 10"),
        ((11, 30), "about 4 in 10", "tua 4 o bob 10"),
    ],
)
def test_shares_in_words(share, en, cy):
    from fractions import Fraction

    # 6/11 = 54.5%: not within 2 points of a half (52%), 5.45 tenths rounds to 5, which is said as "about half".
    # 13/20 = 65%: within 2 points of two in three (66.7%).  17/30 = 56.7% -> 5.67 -> 6; 11/30 = 36.7% -> 4.
    value = Fraction(*share)
    assert (share_words(texts("en"), value), share_words(texts("cy"), value)) == (en, cy)


# ---- where respondents place the council, and how united they are ---------------------------------------------------
#
# Officers only (members answer nothing), 20 invited.  The Total is the officers' answers.


@pytest.mark.parametrize(
    ("answers", "en", "cy"),
    [
        (
            levels(l2=10),
            "All respondents who chose a level place the council at Level 2 on Leadership.",
            "Mae pob un o'r ymatebwyr a ddewisodd lefel yn gosod y cyngor ar Lefel 2 o ran Arweinyddiaeth.",
        ),
        # 7 of 10 at Level 2: 70% >= two in three -> largely agree.
        (
            levels(l1=3, l2=7),
            ("Respondents largely agree that the council is at Level 2 on Leadership: 7 in 10 chose that level."),
            (
                "Mae'r ymatebwyr yn cytuno i raddau helaeth fod y cyngor ar Lefel 2 o ran Arweinyddiaeth: dewisodd 7 o "
                "bob 10 y lefel honno."
            ),
        ),
        # 6 of 10: above half, under two in three; Level 1 30%, Level 3 10%: not divided.
        (
            levels(l1=3, l2=6, l3=1),
            "Most respondents place the council at Level 2 on Leadership: 6 in 10 chose that level.",
            (
                "Mae'r rhan fwyaf o'r ymatebwyr yn gosod y cyngor ar Lefel 2 o ran Arweinyddiaeth: dewisodd 6 o bob 10 y lefel "
                "honno."
            ),
        ),
        # Exactly half at Level 2, Level 3 20% (< 25%): not divided, but not "most" either.
        (
            levels(l1=3, l2=5, l3=2),
            (
                "Respondents place the council at Level 2 on Leadership more often than at any other "
                "level: half chose it."
            ),
            (
                "Mae'r ymatebwyr yn gosod y cyngor ar Lefel 2 o ran Arweinyddiaeth yn amlach nag ar "
                "unrhyw lefel arall: dewisodd hanner hi."
            ),
        ),
        # 40% at Level 1 and at Level 3: an even split between them.
        (
            levels(l1=4, l2=2, l3=4),
            ("Respondents are split evenly between Level 1 and Level 3 on Leadership: 4 in 10 chose each."),
            (
                "Mae'r ymatebwyr wedi'u rhannu'n gyfartal rhwng Lefel 1 a Lefel 3 o ran Arweinyddiaeth: dewisodd 4 o bob "
                "10 bob un."
            ),
        ),
        # Agreement 40% (< 50%): divided.
        (
            levels(l1=4, l2=3, l3=3),
            ("Respondents are divided on Leadership: 4 in 10 chose Level 1, 3 in 10 Level 2, 3 in 10 Level 3."),
            (
                "Mae barn yr ymatebwyr yn rhanedig o ran Arweinyddiaeth: dewisodd 4 o bob 10 Lefel 1, 3 o bob 10 "
                "Lefel 2, 3 o bob 10 Lefel 3."
            ),
        ),
        # Half at Level 2 but a quarter at each end: divided (Breakdown.divided), the level nobody chose left out below.
        (
            levels(l1=2, l2=4, l3=2),
            ("Respondents are divided on Leadership: a quarter chose Level 1, half Level 2, a quarter Level 3."),
            (
                "Mae barn yr ymatebwyr yn rhanedig o ran Arweinyddiaeth: dewisodd chwarter Lefel 1, hanner Lefel 2, "
                "chwarter Lefel 3."
            ),
        ),
        (
            levels(l1=5, l3=5),
            "Respondents are split evenly between Level 1 and Level 3 on Leadership: half chose each.",
            "Mae'r ymatebwyr wedi'u rhannu'n gyfartal rhwng Lefel 1 a Lefel 3 o ran Arweinyddiaeth: dewisodd hanner bob un.",
        ),
    ],
)
def test_placement_says_where_most_place_the_council_and_how_united(answers, en, cy):
    found = of(survey(rows(kc_leadership=answers)), "placement", "leadership")
    assert [f.text for f in found] == [{"en": en, "cy": cy}]


def test_placement_strength_is_the_majority_against_its_margin():
    # The Total's margin is against everyone invited: moe(10, 40) = 1.96 * sqrt(0.025) * sqrt(30/39) = 0.2718.
    # All 10 at Level 2: (1 - 1/2) / 0.2718 = 1.840.  6 of 10: (0.6 - 0.5) / 0.2718 = 0.368.  Divided 4/3/3:
    # (0.5 - 0.4) / 0.2718 = 0.368.
    for answers, expected in (
        (levels(l2=10), 1.840),
        (levels(l1=3, l2=6, l3=1), 0.368),
        (levels(l1=4, l2=3, l3=3), 0.368),
    ):
        (f,) = of(survey(rows(kc_leadership=answers)), "placement", "leadership")
        assert f.strength == pytest.approx(expected, abs=1e-3)


def test_only_the_middle_answer_when_that_is_all_that_is_published():
    # 6 answering: median only (5 to 7).
    (few,) = of(survey(rows(kc_leadership=levels(l1=1, l2=4, l3=1))), "placement", "leadership")
    assert few.strength == 0 and few.text == {
        "en": "Respondents place the council at Level 2 on Leadership, taking the middle answer: fewer than 8 answered, "
        "so only that is published.",
        "cy": "Mae'r ymatebwyr yn gosod y cyngor ar Lefel 2 o ran Arweinyddiaeth, gan gymryd yr ateb canol: atebodd "
        "llai nag 8, felly dim ond hwnnw a gyhoeddir.",
    }
    # 10 officers at Level 2 and 4 members at Level 1: the Total (0% at Level 3) is reduced to its median to protect
    # the members; the finding says so, not "fewer than 8 answered".
    (protected,) = of(survey(rows(kc_leadership=levels(l2=10)), rows(kc_leadership=levels(l1=4))), "placement")
    assert "so that the answers of a group of fewer than 5 cannot be worked out" in protected.text["en"]
    assert "fel na ellir cyfrifo atebion grŵp o lai na 5" in protected.text["cy"]
    # 4 answering: nothing published, nothing said.
    assert of(survey(rows(kc_leadership=levels(l2=4))), "placement") == []


# ---- officers beside members -----------------------------------------------------------------------------------------
#
# 10 of 20 officers and 10 of 20 members.  Officers all at Level 2 (Level 2 or above 10/10); members k at Level 2 and
# the rest at Level 1.  share_change, Level 2 or above: q_officers = 11/12, q_members = (k + 1)/12, f = 10/19 each.
#   k = 7: difference -3/12 = -0.25; variance (11/144 + 32/144) / 12 * 10/19 = 0.013097, margin 1.96 * 0.11444
#          = 0.2243 -> beyond (strength 0.25 / 0.2243 = 1.115).
#   k = 8: difference -2/12 = -0.1667; variance (11/144 + 27/144) / 12 * 10/19 = 0.011574, margin 0.2109 -> within.
# Level 3: nobody in either group, q 1/12 both: no difference.


def two_groups(members_at_2: int) -> SurveyData:
    return survey(rows(kc_leadership=levels(l2=10)), rows(kc_leadership=levels(l1=10 - members_at_2, l2=members_at_2)))


def test_a_group_difference_beyond_the_margin_is_stated():
    (f,) = of(two_groups(7), "group_difference")
    assert f.subject == "leadership" and f.theme is None and f.strength == pytest.approx(1.115, abs=1e-3)
    assert f.text == {
        "en": "Members place the council lower than officers on Leadership: at Level 2 or above, 7 in 10 of the members "
        "against all of the officers, a difference beyond the margin of error.",
        "cy": "Mae aelodau yn gosod y cyngor yn is na swyddogion o ran Arweinyddiaeth: ar Lefel 2 neu uwch, 7 o bob 10 "
        "o'r aelodau yn erbyn pawb o'r swyddogion, gwahaniaeth y tu hwnt i'r lwfans gwall.",
    }


def test_a_group_difference_within_the_margin_is_not_stated():
    assert of(two_groups(8), "group_difference") == []
    assert of(two_groups(10), "group_difference") == []


def test_the_lower_group_is_named_first_whichever_it_is():
    # Officers at Level 1, members at Level 2: the officers place it lower; Welsh "than members" is "nag aelodau".
    (f,) = of(survey(rows(kc_leadership=levels(l1=10)), rows(kc_leadership=levels(l2=10))), "group_difference")
    assert f.text["en"].startswith(
        "Officers place the council lower than members on Leadership: at Level 2 or above, "
        "none of the officers against all of the members"
    )
    assert f.text["cy"].startswith("Mae swyddogion yn gosod y cyngor yn is nag aelodau o ran Arweinyddiaeth")


def test_a_group_more_divided_at_both_ends():
    # Officers all Level 2; members 5 at Level 1 and 5 at Level 3: fewer members at Level 2 or above (q 6/12 against
    # 11/12: -0.4167, margin 0.2345) and more at Level 3 (q 6/12 against 1/12: +0.4167, margin 0.2345): both beyond.
    (f,) = of(survey(rows(kc_leadership=levels(l2=10)), rows(kc_leadership=levels(l1=5, l3=5))), "group_difference")
    assert f.text["en"] == (
        "Members are more divided than officers on Leadership: at Level 2 or above, half of the members against all "
        "of the officers; at Level 3, half of the members against none of the officers, a difference beyond the "
        "margin of error."
    )
    assert f.text["cy"].startswith("Mae barn aelodau yn fwy rhanedig na swyddogion o ran Arweinyddiaeth")


def test_no_group_difference_unless_both_groups_are_shown_in_full():
    # 6 members at Level 1 (median only) beside 10 officers at Level 3: the medians differ, but no distribution of the
    # members is published, so nothing is tested and nothing said of them.
    found = of(survey(rows(kc_leadership=levels(l3=10)), rows(kc_leadership=levels(l1=6))))
    assert [f for f in found if f.rule == "group_difference"] == []
    assert not any("member" in f.text["en"].lower() or "aelod" in f.text["cy"] for f in found)


# ---- theme statements -------------------------------------------------------------------------------------------------
#
# "The council has enough staff with the skills..." (sk_staff), asked of both groups in the same words: the Total
# speaks.  10 officers of 20 and 10 members of 20, split evenly: the Total is 20 answering of 40, margin
# moe(20, 40) = 0.1569.  A clear majority needs more than 0.5 + 0.1569 = 65.7%: 14 of 20 (70%) is, 13 (65%) is not.


@pytest.mark.parametrize(
    ("answers", "rule"),
    [
        (scale(a=14, n=6), "majority_agree"),
        (scale(a=13, n=7), None),  # 65%: within the margin of a half; 0% disagree: not divided either
        (scale(a=13, d=7), None),  # 65% agree, 35% disagree: more than half agree, within the margin: nothing said
        (scale(a=10, d=10), "divided"),  # half and half: neither side above half, a quarter or more on each
        (scale(a=11, d=9), None),  # 55%: more than half, not a clear majority
        (scale(d=8, sd=6, n=6), "majority_disagree"),
        (scale(a=6, n=8, d=6), "divided"),  # 30% and 30%
        (scale(a=4, n=12, d=4), None),  # 20% and 20%: neither
        (scale(sa=10, a=10), "majority_agree"),
    ],
)
def test_statement_rules_fire_exactly_when_they_should(answers, rule):
    found = [
        f
        for f in of(survey(rows(sk_staff=answers[::2]), rows(sk_staff=answers[1::2])), subject="sk_staff")
        if f.rule != "group_difference"
    ]
    assert [f.rule for f in found] == ([rule] if rule else [])
    if rule:
        assert found[0].theme == "skills"
        assert f"“{STAFF[0]}”" in found[0].text["en"] and f"“{STAFF[1]}”" in found[0].text["cy"]


def test_statement_sentences_in_both_languages():
    (agree,) = of(survey(rows(sk_staff=scale(a=7, n=3)), rows(sk_staff=scale(a=7, n=3))), "majority_agree")
    # (0.7 - 0.5) / 0.1569 = 1.275
    assert agree.strength == pytest.approx(0.2 / margin(20, 40), abs=1e-9)
    assert agree.text == {
        "en": f"Most respondents agree with the statement “{STAFF[0]}”: 7 in 10 agree, none disagree.",
        "cy": f"Mae'r rhan fwyaf o ymatebwyr yn cytuno â'r datganiad “{STAFF[1]}”: mae 7 o bob 10 yn cytuno, neb yn "
        "anghytuno.",
    }
    (divided,) = of(survey(rows(sk_staff=scale(a=3, n=4, d=3)), rows(sk_staff=scale(a=3, n=4, d=3))), "divided")
    assert divided.text == {
        "en": f"Respondents are divided on the statement “{STAFF[0]}”: 3 in 10 agree, 3 in 10 disagree.",
        "cy": f"Mae barn ymatebwyr yn rhanedig ar y datganiad “{STAFF[1]}”: mae 3 o bob 10 yn cytuno, 3 o bob 10 yn "
        "anghytuno.",
    }
    (disagree,) = of(survey(rows(sk_staff=scale(sd=10)), rows(sk_staff=scale(d=10))), "majority_disagree")
    assert disagree.text["en"] == f"All respondents who gave a view disagree with the statement “{STAFF[0]}”."


def test_a_statement_asked_in_different_words_is_spoken_of_per_group_never_pooled():
    # dp_agreements: officers "The council's data-sharing agreements ... are up to date", members "I am confident
    # that ...": two questions, each group's own finding under its own wording, no Total, no comparison of the two.
    found = of(survey(rows(dp_agreements=scale(a=10)), rows(dp_agreements=scale(a=2, d=8))), subject="dp_agreements")
    assert [(f.rule, f.text["en"].split(" ")[1]) for f in found] == [
        ("majority_agree", "officers"),
        ("majority_disagree", "members"),
    ]
    officers, members = found
    assert (
        "“The council's data-sharing agreements (for example under WASPI) are up to date and fit for purpose”"
        in officers.text["en"]
    )
    assert "“I am confident that the council's data-sharing agreements" in members.text["en"]
    assert not any("respondents" in f.text["en"] for f in found)


def test_a_statement_group_difference_asked_in_the_same_words():
    # sk_staff: officers all agree, members all disagree: agreeing q 11/12 against 1/12, margin 0.1604: beyond.
    (f,) = of(survey(rows(sk_staff=scale(a=10)), rows(sk_staff=scale(d=10))), "group_difference")
    assert (f.subject, f.theme) == ("sk_staff", "skills")
    assert f.text["en"] == (
        f"Members agree less than officers with the statement “{STAFF[0]}”: none of the members "
        "agree against all of the officers, a difference beyond the margin of error."
    )
    assert f.text["cy"].startswith("Mae aelodau yn cytuno'n llai na swyddogion â'r datganiad")


def test_statements_of_a_group_not_shown_in_full_say_nothing():
    # 6 officers (median only) answered vl_ownership, asked of officers only: nothing.
    assert of(survey(rows(vl_ownership=scale(a=6))), subject="vl_ownership") == []


# ---- change since the previous round, the council among the councils ---------------------------------------------------


def test_change_beyond_the_margin_is_stated_for_each_group_that_moved():
    # tests/test_comparisons.py works these out: officers 2/10 -> 8/10 at Level 2 or above (up, beyond), members no
    # detectable change, the Total 2/18 -> 8/20 (up, beyond).
    found = of(then_and_now(), "change")
    assert [f.text["en"].split(" ")[0] for f in found] == ["Officers", "Respondents"]
    assert found[0].text == {
        "en": "Officers place the council higher on Leadership than in the 2025 round: at Level 2 or above, 2 in 10 "
        "then, 8 in 10 now, a change beyond the margin of error.",
        "cy": "Mae swyddogion yn gosod y cyngor yn uwch o ran Arweinyddiaeth nag yn rownd 2025: ar Lefel 2 neu uwch, 2 "
        "o bob 10 bryd hynny, 8 o bob 10 nawr, newid y tu hwnt i'r lwfans gwall.",
    }
    assert of(then_and_now(), "change_none") == []


@pytest.mark.parametrize(
    ("characteristics", "en", "cy"),
    [
        (1, "of 1 characteristic compared", "o'r 1 nodwedd a gymharwyd"),
        (6, "of 6 characteristics compared", "o'r 6 nodwedd a gymharwyd"),
    ],
)
def test_no_change_is_said_once_with_the_count_in_agreement(characteristics, en, cy):
    answers = {k: levels(l1=5, l2=5) for k in KEYS[:characteristics]}
    previous = survey(rows(**answers), rows(**answers), round="2025")
    found = of(survey(rows(**answers), rows(**answers), round="2026", previous=previous))
    assert [f.rule for f in found if f.rule.startswith("change")] == ["change_none"]
    (none,) = [f for f in found if f.rule == "change_none"]
    assert none.text["en"] == f"No characteristic has changed beyond the margin of error since the 2025 round, {en}."
    assert none.text["cy"] == (f"Nid oes unrhyw nodwedd wedi newid y tu hwnt i'r lwfans gwall ers rownd 2025, {cy}.")


def test_each_group_beside_the_same_group_at_the_other_councils():
    # Flintshire's officers all at Level 1 and members 5 at Level 1, 3 at Level 2 (median Level 1) on Leadership;
    # five other councils with 10 officers and 8 members all at Level 2: more than half of them chose a higher level
    # than each of Flintshire's groups.
    (officers, members) = of(
        council(
            "Flintshire County Council", ["l1"] * 10, ["l1"] * 5 + ["l2"] * 3, peers=peers("l2", "l2", "l2", "l2", "l2")
        ),
        "position",
    )
    assert officers.strength == 1.0 and officers.subject is None and officers.theme is None
    assert officers.text == {
        "en": "Officers place the council lower than officers at most other councils of the 2026 round place theirs, "
        "on Leadership: the one characteristic compared.",
        "cy": "Mae swyddogion yn gosod y cyngor yn is nag y mae swyddogion yn y rhan fwyaf o gynghorau eraill rownd "
        "2026 yn gosod eu cyngor hwy, o ran Arweinyddiaeth: yr unig nodwedd a gymharwyd.",
    }
    assert members.text["en"].startswith("Members place the council lower than members at most other councils")
    # Level 3 among councils at Level 2: higher; at Level 2 with them: the same level.
    (above, _) = of(
        council("Flintshire County Council", ["l3"] * 10, ["l3"] * 8, peers=peers("l2", "l2", "l2", "l2", "l2")),
        "position",
    )
    assert above.text["en"].startswith("Officers place the council higher than officers at most other councils")
    (level, _) = of(
        council("Flintshire County Council", ["l2"] * 10, ["l2"] * 8, peers=peers("l2", "l2", "l2", "l2", "l2")),
        "position",
    )
    assert level.text == {
        "en": "Officers place the council at the same level as officers at most other councils of the 2026 round, on "
        "the one characteristic compared.",
        "cy": "Mae swyddogion yn gosod y cyngor ar yr un lefel ag y mae swyddogion yn y rhan fwyaf o gynghorau eraill "
        "rownd 2026, o ran yr unig nodwedd a gymharwyd.",
    }
    # Four other councils: nothing is compared, so nothing is said.
    assert of(council("Flintshire County Council", ["l1"] * 10, peers=peers("l2", "l2", "l2", "l2")), "position") == []
    # Members withheld (4 answering): nothing is said of them.
    found = of(
        council("Flintshire County Council", ["l1"] * 10, ["l1"] * 4, peers=peers("l2", "l2", "l2", "l2", "l2")),
        "position",
    )
    assert not any("embers" in f.text["en"] for f in found)


def other_councils(level: str = "l2") -> list[SurveyData]:
    return [
        survey_data(
            name,
            None,
            {"officer": 20, "member": 20},
            [Response("officer", dict.fromkeys(KEYS, level)) for _ in range(10)],
            QN,
            round="2026",
        )
        for name in (
            "Powys County Council",
            "Gwynedd Council",
            "Newport City Council",
            ("Torfaen County Borough Council"),
            "Ceredigion County Council",
        )
    ]


def test_the_position_counts_agree_in_number():
    answers = {k: ["l1"] * 10 for k in KEYS}
    (below,) = of(survey(rows(**answers), round="2026", peers=other_councils()), "position")
    assert below.text["en"].endswith(": all 7 characteristics compared.")
    assert below.text["cy"].endswith(": pob un o'r 7 nodwedd a gymharwyd.")
    assert "on Leadership, Corporate Standards, " in below.text["en"] and " and Open Data:" in below.text["en"]
    some = {k: ["l1" if i < 2 else "l2"] * 10 for i, k in enumerate(KEYS)}
    (two,) = of(survey(rows(**some), round="2026", peers=other_councils()), "position")
    assert two.text["en"].endswith("on Leadership and Corporate Standards: 2 of the 7 characteristics compared.")
    assert two.text["cy"].endswith("o ran Arweinyddiaeth, Safonau Corfforaethol: 2 o'r 7 nodwedd a gymharwyd.")
    (level,) = of(survey(rows(**{k: ["l2"] * 10 for k in KEYS}), round="2026", peers=other_councils()), "position")
    assert level.text["en"].endswith("on all 7 characteristics compared.")
    assert level.text["cy"].endswith("o ran pob un o'r 7 nodwedd a gymharwyd.")


# ---- early and late respondents ----------------------------------------------------------------------------------------


def test_a_caveat_where_late_respondents_differ_from_early_ones():
    # tests/test_early_late.py: late 6/20 against early 16/20 at Level 2 or above, 2/20 against 8/20 at Level 3,
    # both beyond their margins (0.4545 / 0.2457 = 1.850 the larger).
    (f,) = of(known(), "early_late")
    assert f.subject == "leadership" and f.strength == pytest.approx((10 / 22) / 0.2457, abs=1e-3)
    assert f.text["en"] == (
        "The 20 respondents who answered only after a reminder place the council lower on Leadership than the 20 who "
        "answered before any: at Level 2 or above, 3 in 10 against 8 in 10; at Level 3, 1 in 10 against 4 in 10, a "
        "difference beyond the margin of error; those who did not answer at all may see the council differently too."
    )
    assert f.text["cy"].startswith(
        "Mae'r 20 ymatebydd a atebodd dim ond ar ôl nodyn atgoffa yn gosod y cyngor yn is "
        "o ran Arweinyddiaeth na'r 20 a atebodd cyn unrhyw nodyn atgoffa"
    )


def test_no_caveat_without_a_difference_or_when_the_comparison_is_withheld():
    assert of(early_late_data(people("officer", 0, EARLY) + people("officer", 1, EARLY)), "early_late") == []
    # 4 late respondents: nothing compared (withheld), nothing said.
    assert of(early_late_data(people("officer", 0, EARLY) + people("officer", 1, LATE[:4])), "early_late") == []


# ---- disclosure ---------------------------------------------------------------------------------------------------------


def hidden_members(leadership: str, agreements: str) -> SurveyData:
    return survey(
        rows(kc_leadership=levels(l2=10), dp_agreements=scale(a=10)),
        rows(kc_leadership=[leadership] * 4, dp_agreements=[agreements] * 4),
    )


def test_nothing_withheld_can_be_inferred_from_the_findings():
    # 4 members, hidden: whether they all chose Level 1 and strongly disagree or all chose Level 3 and strongly agree,
    # the report publishes the same figures (the Total reduced to its median, Level 2, in both), so the findings are
    # the same, and none of them speaks of the members.
    low, high = find(score(hidden_members("l1", "sd"))), find(score(hidden_members("l3", "sa")))
    assert low == high
    assert [f.rule for f in low] == ["majority_agree", "placement"]
    assert not any("member" in f.text["en"].lower() or "aelod" in f.text["cy"] for f in low)


# ---- order, and the selections ----------------------------------------------------------------------------------------


def test_findings_are_ordered_by_strength_not_by_the_questionnaire():
    # Officers only, 10 of 20 (margin 0.2248).  vl_ownership (first in the questionnaire): 8 of 10 agree,
    # (0.8 - 0.5) / 0.2248 = 1.334; ev_impact (last): all agree, 0.5 / 0.2248 = 2.224.
    report = score(survey(rows(vl_ownership=scale(a=8, n=2), ev_impact=scale(a=10))))
    found = find(report)
    assert [(f.subject, round(f.strength, 3)) for f in found] == [("ev_impact", 2.224), ("vl_ownership", 1.334)]
    assert key_findings(report, 1) == found[:1] and key_findings(report) == found
    assert theme_findings(report, "evidence") == found[:1] and theme_findings(report, "vision") == found[1:]
    assert characteristic_findings(report) == ()


def test_a_full_report_is_ordered_and_speaks_plainly():
    report = score(rich())
    found = find(report)
    assert len(found) >= 8
    assert [f.strength for f in found] == sorted((f.strength for f in found), reverse=True)
    assert {"placement", "group_difference", "majority_agree", "divided", "change", "position"} <= {
        f.rule for f in found
    }
    for f in found:
        for language, text in f.text.items():
            assert text[:1].isupper() and text.endswith(".") and "\n" not in text, text
            # No symbols or statistics jargon in a sentence: margins and tests are explained once, in the method.
            assert not re.search(
                r"[%±<>†↔]|\bp\b|median|significan|confidence|statistic|canolrif|arwyddocaol", text, re.IGNORECASE
            ), text
            if language == "cy":
                assert "ymyl gwall" not in text and "lwfans gwallau" not in text
                assert "Cyngor Sir y Fflint" not in text  # no council name, so no mutation to get wrong
    assert all(f.theme is None for f in characteristic_findings(report))
    assert council_findings(report) == tuple(f for f in characteristic_findings(report) if f.subject is None)
    assert [f.rule for f in council_findings(report)] == ["position"]  # officers (no other council's members)


def test_key_findings_say_each_rule_once_of_each_subject():
    # rich(): Corporate Standards changed beyond the margin for the officers, the members and the Total; the key
    # findings keep the strongest of the three and leave the others to "What we found".
    report = score(rich())
    changes = [f for f in find(report) if (f.rule, f.subject) == ("change", "standards")]
    assert len(changes) == 3
    key = key_findings(report)
    assert len(key) == 5 and [f for f in key if f.rule == "change"] == changes[:1]
    assert len({(f.rule, f.subject) for f in key}) == 5
    assert all(f in find(report) for f in key) and [f.strength for f in key] == sorted(
        (f.strength for f in key), reverse=True
    )


def rich() -> SurveyData:
    """A council with something for most rules: members lower than officers on Leadership, divided Open Data, a
    clear majority and a divided statement, a previous round and other councils."""
    officers = rows(
        kc_leadership=levels(l2=8, l3=2),
        kc_standards=levels(l2=10),
        kc_open_data=levels(l1=4, l2=2, l3=4),
        sk_staff=scale(a=8, d=2),
        vl_resource=scale(a=9, n=1),
        ev_understand=scale(a=4, d=4, n=2),
    )
    members = rows(
        kc_leadership=levels(l1=8, l2=2),
        kc_standards=levels(l2=9, l1=1),
        kc_open_data=levels(l1=4, l2=2, l3=4),
        sk_staff=scale(a=2, d=8),
        vl_resource=scale(a=8, d=2),
        ev_understand=scale(a=4, d=4, sd=2),
    )
    previous = survey(rows(kc_standards=levels(l1=8, l2=2)), rows(kc_standards=levels(l1=10)), round="2025")
    return survey(officers, members, round="2026", previous=previous, peers=other_councils("l3"))


# ---- the chat summary ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_summary_leads_with_the_strongest_findings(language):
    report = score(rich())
    message = render_summary(report, language)
    text, _ = parse_html(message)  # valid Telegram HTML
    assert visible_length(message) <= 4096
    lines = text.splitlines()
    heading = texts(language)("fnd_key_heading")
    start = lines.index(heading)
    assert start <= 2  # just after the title (and nothing else of substance)
    bullets = [line[2:] for line in lines[start + 1 : start + 6]]
    assert bullets == [f.text[language] for f in key_findings(report, 5)]
    assert lines[start + 6] == ""  # then the rest of the summary


def test_the_summary_keeps_at_least_three_findings_when_it_must_shrink():
    report = score(rich())
    message = render_summary(report, "en", limit=1500)
    text, _ = parse_html(message)
    assert visible_length(message) <= 1500
    shown = [f for f in key_findings(report, 5) if f"• {f.text['en']}" in text]
    assert 3 <= len(shown) <= 5 and shown == list(key_findings(report, len(shown)))


def test_the_summary_shows_a_reworded_statement_per_group_never_pooled():
    report = score(survey(rows(dp_agreements=scale(a=10)), rows(dp_agreements=scale(a=5, d=5))))
    text, _ = parse_html(render_summary(report, "en"))
    line = next(line for line in text.splitlines() if line.startswith("• Sharing agreements up to date"))
    assert line == "• Sharing agreements up to date: Officers 100%, Members 50% (asked in different words)"
    assert "only" not in line and "75%" not in line


# ---- texts and the template ---------------------------------------------------------------------------------------------


def placeholders(value: object) -> set[str]:
    items = value if isinstance(value, list) else [value]
    return {name for item in items for _, name, _, _ in string.Formatter().parse(str(item)) if name}


def test_every_findings_text_is_in_both_languages_with_the_same_placeholders():
    assert missing_translations(FINDINGS_TEXTS_FILE) == []
    for key, entry in load_entries(FINDINGS_TEXTS_FILE).items():
        assert placeholders(entry["en"]) == placeholders(entry["cy"]), key
    raw = yaml.safe_load((REPORTS_DIR / FINDINGS_TEXTS_FILE).read_text(encoding="utf-8"))
    welsh = " ".join(str(v.get("cy")) for v in raw.values())
    assert "lwfans gwall" in welsh and "ymyl gwall" not in welsh and "lwfans gwallau" not in welsh


def test_every_text_key_the_findings_use_exists():
    source = (REPORTS_DIR / "findings.py").read_text(encoding="utf-8")
    used = set(re.findall(r'"(fnd_[a-z_0-9]+)"', source))
    keys = set(load_entries(FINDINGS_TEXTS_FILE))
    assert used and all(k in keys or {f"{k}_one", f"{k}_other"} <= keys for k in used)  # a count: _one, _other


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_macros_render_the_findings_escaped(language):
    t = texts(language)
    module = template_environment().get_template("findings.html.j2").module
    hostile = Finding("placement", "leadership", None, 1.0, {"en": "<b>x</b> & y", "cy": "<b>x</b> & y"})
    section = str(module.key_findings_section([hostile], language, t))
    assert '<section id="key-findings"' in section and f">{t('fnd_key_heading')}</h2>" in section
    assert "<li>&lt;b&gt;x&lt;/b&gt; &amp; y</li>" in section
    assert str(escape(t("fnd_none"))) in str(module.key_findings_section([], language, t))
    listed = str(module.findings_list([hostile], language, t))
    assert f">{t('fnd_what_we_found')}</h4>" in listed and '<ul class="findings">' in listed
    assert str(module.findings_list([], language, t)).strip() == ""
    method = str(module.findings_method(language, t))
    assert method.count("<p>") == 4 and t("fnd_method_heading") in method
