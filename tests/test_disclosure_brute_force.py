"""No side route to a hidden group, by brute force (issue 21 item 8; extends the check of issue 9 defect 10 in
tests/test_report_faults.py, which stays as it is).

1. The main tables, "Don't know" included.  For many small constructed questions, every set of answers a reader
   could hold possible is enumerated from what is published (each group's breakdown and the total's, what their
   detail and reason say of the number answering, and how many of each group responded), and no hidden group may
   come out pinned down: all of it at one answer, or none of it at one.  Two readers: one who knows how many of
   each group answered (the check of issue 9, now with Don't know), and one who knows only how many of each group
   responded, for whom a group that answered only "Don't know" still has something to lose (a Total at 0% at
   Level 1 says that none of it chose Level 1).
2. Every other route.  For many small constructed councils, the answers inside a group of fewer than 5 (a hidden
   group, the early or the late members when they are 1 to 4, or members whose answers to a statement are shown as
   a median only) are changed; whenever the main tables stay the same, every published text — the chat summary
   and the results sent to respondents in both languages, the full report with comments attributed, its
   comparisons and early-late sections, the national view — must stay the same too: a route that differed would
   tell the reader something of that group that the main tables withhold.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from functools import cache

from reports.disclosure import breakdowns, tally
from reports.html import national_table
from reports.inputs import Response, SurveyData
from reports.model import Breakdown, Detail, Reason, SurveyReport
from reports.national import national
from reports.scoring import score
from reports.stats import respondent_weights
from tests.test_disclosure_routes import main_tables, published
from tests.test_report_faults import SCALE, possible
from tests.test_scoring import QN, build, many

LEVELS = QN["officer"].kind(QN["officer"].question("kc_leadership")).categories()
assert LEVELS == ("l1", "l2", "l3") and LEVELS.dont_know == SCALE.dont_know == "dk"

# ---- 1. the main tables, Don't know included ----------------------------------------------------------------------


def answering(b: Breakdown, n: int) -> bool:
    """Could n have answered (Don't know excluded), as far as the breakdown's detail and reason tell?"""
    if b.detail is Detail.FULL:
        return n == b.answered
    if b.reason is Reason.FEWER_THAN_5:
        return n < 5
    if b.reason is Reason.FEWER_THAN_8:
        return 5 <= n <= 7
    if b.detail is Detail.MEDIAN:  # a distribution reduced to its median: 8 or more answered
        return n >= 8
    return n >= 5  # a median withheld


def fits(b: Breakdown, counts: tuple[int, ...], dont_know: int, median: str | None) -> bool:
    """Could these answers be behind what the breakdown publishes?"""
    if not answering(b, sum(counts)):
        return False
    if b.detail is Detail.FULL:
        return b.counts == counts and b.dont_know == dont_know
    return b.detail is Detail.HIDDEN or b.median == median


@cache
def medians(n: int, categories: tuple[str, ...]) -> dict[tuple[int, ...], str | None]:
    return dict(possible(n, categories))


def configurations(
    b: Breakdown, responding: int, categories: tuple[str, ...], answered: int | None
) -> list[tuple[tuple[int, ...], int]]:
    """Every (counts, Don't know) of a group of ``responding`` that fits its breakdown; with ``answered``, only
    those with that many answering."""
    found = []
    for n in range(responding + 1) if answered is None else (answered,):
        found += [
            (counts, responding - n)
            for counts, median in possible(n, categories)
            if fits(b, counts, responding - n, median)
        ]
    return found


def pinned(
    groups: dict[str, Breakdown],
    total: Breakdown,
    truth: dict[str, tuple[tuple[int, ...], int]],
    categories: tuple[str, ...],
    *,
    exact: bool,
) -> list[str]:
    """What the published breakdowns say for certain of a hidden group that responded ([]: nothing)."""
    hidden = [g for g, b in groups.items() if b.reason is Reason.FEWER_THAN_5 and sum(truth[g][0]) + truth[g][1]]
    if exact:  # this reader knows how many answered: nothing to say of a group where nobody did
        hidden = [g for g in hidden if sum(truth[g][0])]
    options = {
        g: configurations(b, sum(truth[g][0]) + truth[g][1], categories, sum(truth[g][0]) if exact else None)
        for g, b in groups.items()
    }
    seen = {g: [False] * len(categories) for g in hidden}  # someone of the group at the answer, in some set
    short = {g: [False] * len(categories) for g in hidden}  # someone of it elsewhere (or nobody answering)
    truth_fits = False
    for combination in itertools.product(*options.values()):
        counts = tuple(map(sum, zip(*(c for c, _ in combination), strict=True)))
        dont_know = sum(d for _, d in combination)
        if not fits(total, counts, dont_know, medians(sum(counts), categories)[counts]):
            continue
        chosen = dict(zip(options, combination, strict=True))
        truth_fits = truth_fits or chosen == truth
        for g in hidden:
            group_counts = chosen[g][0]
            for j, c in enumerate(group_counts):
                seen[g][j] = seen[g][j] or c > 0
                short[g][j] = short[g][j] or c < sum(group_counts) or sum(group_counts) == 0
    assert truth_fits  # the true answers are always among the possibilities
    return [f"no {g} chose {c}" for g in hidden for j, c in enumerate(categories) if not seen[g][j]] + [
        f"every {g} chose {c}" for g in hidden for j, c in enumerate(categories) if not short[g][j]
    ]


def question(
    officers: tuple[tuple[int, ...], int], members: tuple[tuple[int, ...], int], categories: tuple[str, ...]
) -> tuple[dict[str, Breakdown], Breakdown]:
    truth = {"officer": officers, "member": members}
    tallies = {
        g: tally(
            [c for c, k in zip(categories, counts, strict=True) for _ in range(k)] + [categories.dont_know] * dk,
            categories,
        )
        for g, (counts, dk) in truth.items()
    }
    invited = {"officer": 40, "member": 40}
    groups, total, _ = breakdowns(tallies, invited, respondent_weights(invited, {"officer": 30, "member": 30}))
    assert total is not None
    return groups, total


def random_group(
    rng: random.Random, responding: int, categories: tuple[str, ...], *, dont_know_only: bool = False
) -> tuple[tuple[int, ...], int]:
    dont_know = responding if dont_know_only else rng.choice([0, 0, rng.randint(0, responding)])
    return rng.choice(possible(responding - dont_know, categories))[0], dont_know


def test_no_published_figure_pins_down_a_hidden_group_dont_know_included():
    rng = random.Random(21)
    cases = [(LEVELS, rng.randint(5, 11), rng.randint(1, 4), True) for _ in range(90)]  # members all Don't know
    cases += [(LEVELS, rng.randint(5, 11), rng.randint(1, 5), False) for _ in range(90)]
    cases += [(SCALE, rng.randint(5, 7), rng.randint(1, 4), rng.random() < 0.5) for _ in range(20)]
    shown_in_full = 0
    for categories, n_o, n_m, silent in cases:
        officers = random_group(rng, n_o, categories)
        members = random_group(rng, n_m, categories, dont_know_only=silent)
        groups, total = question(officers, members, categories)
        truth = {"officer": officers, "member": members}
        for exact in (True, False):
            found = pinned(groups, total, truth, categories, exact=exact)
            assert found == [], (categories, officers, members, exact, found, total)
        shown_in_full += total.detail is Detail.FULL and groups["member"].detail is Detail.HIDDEN
    # The rule withholds what it must, not every total beside a hidden group.
    assert 20 < shown_in_full < len(cases)


# ---- 2. every other route -----------------------------------------------------------------------------------------

PREVIOUS = build(many(10, "officer", kc_leadership="l1") + many(8, "member", kc_leadership="l2"), round="2024")
PEERS = [
    build(
        many(10, "officer", kc_leadership=level) + many(8, "member", kc_leadership=level),
        authority=f"Peer {level}",
        round="2026",
    )
    for level in ("l1", "l2", "l3")
]
COMMENT = "We lack the figures"  # every comment the same: which respondent wrote one must not matter


def respondent(rng: random.Random, role: str, reminders: int | None, scrutiny: bool) -> Response:
    level = rng.choice(["l1", "l2", "l3", "l3", "dk"])
    answers: dict[str, str | None] = {"kc_leadership": level, "barriers": COMMENT}
    if level == "l1":
        answers["lead_help"] = COMMENT
    if scrutiny:
        answers["ev_scrutiny"] = rng.choice(["a", "d", "d", "sd", "n"])
        answers["ev_data_need"] = COMMENT  # shown (and so counted) only after "d" or "sd"
    return Response(role, answers, reminders_before=reminders)


def council(rng: random.Random) -> SurveyData:
    """Officers 8 to 20 and members 1 to 14, each before or after a reminder (in half the councils, members all
    after one); members answer a statement of their own with a follow-up; the council has a previous round and
    three others in its round."""

    def timings(n: int, early: float) -> list[int]:
        return [0 if rng.random() < early else rng.choice([1, 2]) for _ in range(n)]

    responses = [respondent(rng, "officer", r, False) for r in timings(rng.randint(8, 20), 0.5)]
    members = rng.choice([rng.randint(1, 9), rng.randint(10, 14)])
    responses += [respondent(rng, "member", r, True) for r in timings(members, rng.choice([0, 0.5]))]
    return build(responses, round="2026", previous=PREVIOUS, peers=PEERS)


def small_parts(data: SurveyData) -> list[list[int]]:
    """Indexes of responses in a group of fewer than 5: a group with 1 to 4 responses, or its early or its late
    respondents when they are 1 to 4."""
    parts = []
    for role in ("officer", "member"):
        mine = [i for i, r in enumerate(data.responses) if r.role == role]
        early = [i for i in mine if data.responses[i].reminders_before == 0]
        late = [i for i in mine if data.responses[i].reminders_before]
        parts += [part for part in (mine, early, late) if 0 < len(part) < 5]
        if len(early) < 5 or len(late) < 5:  # one side small: who is early and who late is not to be told
            parts.append(mine)
    return parts


def changed(rng: random.Random, data: SurveyData) -> SurveyData | None:
    """The council with answers changed only inside a group of fewer than 5 (a swap of two people's answers, or one
    person's answers drawn again), or one member's answer to the statement asked of members only (which the main
    tables tell apart unless members are shown as a median there)."""
    responses = list(data.responses)
    parts = small_parts(data)
    members = [i for i, r in enumerate(responses) if r.role == "member"]
    if rng.random() < 0.3 and members:
        i = rng.choice(members)  # the statement: its breakdown decides whether anything differs in the main tables
        answers = dict(responses[i].answers)
        answers["ev_scrutiny"] = rng.choice(["a", "d", "sd", "n"])
        responses[i] = replace(responses[i], answers=answers)
    elif parts:
        part = rng.choice(parts)
        i, j = (
            rng.choice(part),
            rng.choice([k for k in range(len(responses)) if responses[k].role == responses[part[0]].role]),
        )
        if rng.random() < 0.5:  # swap their answers, keeping when each answered
            a, b = responses[i], responses[j]
            responses[i], responses[j] = replace(a, answers=b.answers), replace(b, answers=a.answers)
        else:
            responses[i] = respondent(
                rng, responses[i].role, responses[i].reminders_before, responses[i].role == "member"
            )
    else:
        return None
    return replace(data, responses=responses)


def every_route(data: SurveyData, report: SurveyReport) -> dict[str, str]:
    texts = published(report)
    texts["national"] = repr(national_table(national([data, *PEERS])))
    return texts


def test_no_route_tells_apart_what_the_main_tables_cannot():
    rng = random.Random(8)
    compared = early_late_compared = follow_ups_shown = 0
    for _ in range(120):
        data = council(rng)
        alternative = changed(rng, data)
        if alternative is None:
            continue
        report, other = score(data), score(alternative)
        if main_tables(report) != main_tables(other):
            continue
        compared += 1
        assert every_route(data, report) == every_route(alternative, other), (data.responses, alternative.responses)
        early_late_compared += bool(
            report.early_late and any(c.total.early is not None for c in report.early_late.characteristics)
        )
        follow_ups_shown += any(c.question_id == "ev_data_need" for g in report.comments for c in g.comments)
    # Enough pairs the main tables cannot tell apart, with the early-late Totals and follow-up comments published in
    # some, for the check to mean something.
    assert compared >= 40 and early_late_compared >= 3 and follow_ups_shown >= 1, (
        compared,
        early_late_compared,
        follow_ups_shown,
    )
