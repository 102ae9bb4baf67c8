"""Report faults (issue 9): typed text that breaks an export, one failing output, and totals that give away a
hidden group.

- Defect 1: a comment holding control characters or a lone surrogate must not stop any output, every exported
  cell is cleaned, and one output that fails never stops the others nor puts its exception message in the log.
- Defect 10: when a group is hidden (fewer than 5 answered), no published figure — a total at 0% or 100%, a total
  distribution read beside the other group's median, or two medians read together — may pin down that group's
  answers.  The brute-force check at the end enumerates every configuration of answers consistent with what is
  published and asserts that none of them tells what all of a hidden group said, or that none of it said something.
"""

from __future__ import annotations

import csv
import itertools
import logging
import random
import re
from functools import cache
from pathlib import Path

import openpyxl
import pytest

from bot.compiler import write_national, write_report
from bot.emulator import parse_html
from reports import charts
from reports.disclosure import breakdowns, tally
from reports.html import render_report
from reports.inputs import Response
from reports.model import Breakdown, Detail, Reason
from reports.scoring import score
from reports.stats import pct, respondent_weights
from reports.summary import render_summary
from tests.test_scoring import QN, build, characteristic, council, many, statement

ALL_OUTPUTS = {
    "summary-en.txt",
    "summary-cy.txt",
    "report-en.html",
    "report-cy.html",
    "report-en.docx",
    "report-cy.docx",
    "tables.xlsx",
    "tables-en.csv",
    "tables-cy.csv",
    "answers-NOT-FOR-PUBLICATION.csv",
    "answers-NOT-FOR-PUBLICATION.xlsx",
    "questions.csv",
    *(
        f"chart-{name}-{lang}.png"
        for lang in ("en", "cy")
        for name in ("rates", "levels", "theme-vision", "theme-protection", "theme-skills", "theme-evidence")
    ),
}
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


# ---- defect 1: control characters and lone surrogates -------------------------------------------------------------

TYPED = "Line one\x0bstill\x1b[31m red\x00 nul\x85 next \ud800 end\nsecond line\tafter tab"
# Controls dropped (newline and tab kept), the lone surrogate replaced: what every export must carry instead.
CLEANED = "Line onestill[31m red nul next \ufffd end\nsecond line\tafter tab"
CLEANED_LINE = "Line onestill[31m red nul next \ufffd end"


def typed_data(text: str = TYPED):
    responses = many(8, "officer", kc_leadership="l2", vl_resource="a", barriers=text)
    responses += many(8, "member", kc_leadership="l3", vl_resource="d", barriers="plain", example=text)
    return build(responses)


def test_control_characters_and_a_lone_surrogate_reach_every_export_cleaned(tmp_path: Path):
    written = write_report(typed_data(), tmp_path).paths
    assert {p.name for p in written} == ALL_OUTPUTS
    assert all(p.exists() for p in written)

    workbook = openpyxl.load_workbook(tmp_path / "answers-NOT-FOR-PUBLICATION.xlsx")  # openpyxl reads it back
    sheet = workbook["answers"]
    header = [c.value for c in sheet[3]]  # under the two lines "not for publication"
    barriers = [sheet.cell(row=r, column=header.index("barriers") + 1).value for r in range(4, sheet.max_row + 1)]
    example = [sheet.cell(row=r, column=header.index("example") + 1).value for r in range(4, sheet.max_row + 1)]
    assert barriers.count(CLEANED) == 8 and example.count(CLEANED) == 8

    text = (tmp_path / "answers-NOT-FOR-PUBLICATION.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines(keepends=True)))[2:]  # under the two lines "not for publication"
    column = rows[0].index("barriers")
    assert [r[column] for r in rows[1:]].count(CLEANED) == 8
    for name in ("answers-NOT-FOR-PUBLICATION.csv", "questions.csv", "tables-en.csv", "tables-cy.csv"):
        assert not CONTROLS.search((tmp_path / name).read_text(encoding="utf-8-sig").replace("\r\n", "\n"))

    for language in ("en", "cy"):
        page = (tmp_path / f"report-{language}.html").read_text(encoding="utf-8")
        assert CLEANED_LINE in page  # the officers' comment, shown without its control characters
        assert not CONTROLS.search(page)


def test_exported_cells_are_cleaned_before_the_formula_guard():
    from reports.export import safe_cell

    # A control character in front of "=" must not hide a formula from the guard.
    assert safe_cell('\x00=HYPERLINK("http://evil.example")') == '\'=HYPERLINK("http://evil.example")'
    assert safe_cell("a\ud800b\x85c") == "a\ufffdbc"


# ---- defect 1: one output failing ---------------------------------------------------------------------------------

SECRET = "SECRET-comment-7f3a"


def explode(*args, **kwargs):
    raise RuntimeError(f"refused the cell {SECRET!r}")


@pytest.mark.parametrize("broken", ["chart", "xlsx"])
def test_one_failing_output_never_stops_the_others_nor_logs_its_message(tmp_path, monkeypatch, caplog, broken):
    if broken == "chart":
        monkeypatch.setattr(charts, "levels_chart", explode)
        missing = {"chart-levels-en.png", "chart-levels-cy.png"}
    else:
        monkeypatch.setattr(openpyxl.Workbook, "save", explode)
        missing = {"answers-NOT-FOR-PUBLICATION.xlsx", "tables.xlsx"}
    for name in missing:  # a copy left by an earlier run must not be taken for this run's output
        (tmp_path / name).write_bytes(b"stale")
    caplog.set_level(logging.DEBUG)

    written = write_report(typed_data(f"A comment that must stay out of the log: {SECRET}"), tmp_path).paths

    assert {p.name for p in written} == ALL_OUTPUTS - missing
    assert all(p.exists() for p in written)
    assert not any((tmp_path / name).exists() for name in missing)
    assert not [p for p in tmp_path.iterdir() if p.name not in ALL_OUTPUTS]  # no temporary files left behind
    if broken == "chart":  # the reports are still written, with the charts that could be drawn
        page = (tmp_path / "report-en.html").read_text(encoding="utf-8")
        assert len(re.findall(r'<svg [^>]*class="chart narrow" role="img"', page)) == 5  # each also drawn wide

    assert SECRET not in caplog.text
    assert "Traceback" not in caplog.text
    assert all(r.exc_info is None and r.exc_text is None and r.stack_info is None for r in caplog.records)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == len(missing)
    for name in missing:
        assert any(name in message and "RuntimeError" in message for message in errors)


def test_a_failing_national_chart_leaves_the_national_tables(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(charts, "national_chart", explode)
    caplog.set_level(logging.DEBUG)
    written = write_national([council("Council A", (10, "l2"), (8, "l3"))], tmp_path).paths
    assert {p.name for p in written} == {"national-en.html", "national-cy.html", "national.csv"}
    assert SECRET not in caplog.text and "Traceback" not in caplog.text
    assert any("chart-national-en.png" in r.getMessage() and "RuntimeError" in r.getMessage() for r in caplog.records)


# ---- defect 10: totals that reveal a hidden group -----------------------------------------------------------------


def respondents(role: str, levels: str, scale: str = "") -> list[Response]:
    """One respondent per digit of ``levels`` (kc_leadership at Level 1, 2 or 3), with the matching letter of
    ``scale`` as their sk_staff answer when given ("a" agree, "d" disagree, "n" neither): a statement both groups are
    asked in the same words, so it has a Total (one asked in different words has none: tests/test_scoring.py)."""
    return [
        Response(role, {"kc_leadership": f"l{level}", **({"sk_staff": scale[i]} if scale else {})})
        for i, level in enumerate(levels)
    ]


def unanimous():
    """Officers (10) and members (4) all at Level 2 and all agreeing: the total is 100% at Level 2 and 100% agree,
    which says what every member answered."""
    return build(respondents("officer", "2" * 10, "a" * 10) + respondents("member", "2" * 4, "a" * 4))


def assert_withheld(b: Breakdown, median: str):
    assert b.detail is Detail.MEDIAN and b.reason.value == "protects_hidden"
    assert (b.answered, b.dont_know, b.counts, b.shares, b.margin, b.agreement, b.divided) == (
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    )
    assert b.median == median


def test_unanimous_total_is_withheld_in_the_view_model():
    report = score(unanimous())
    lead = characteristic(report, "leadership")
    assert lead.groups["member"].detail is Detail.HIDDEN and lead.groups["member"].reason is Reason.FEWER_THAN_5
    # The existing rule is kept: officers reduced to their median.
    assert lead.groups["officer"].detail is Detail.MEDIAN and lead.groups["officer"].reason is Reason.PROTECTS_OTHER
    assert lead.groups["officer"].median == "l2"
    assert_withheld(lead.total, "l2")
    assert lead.weighted is None
    resource = statement(report, "sk_staff")
    assert_withheld(resource.total, "a")
    assert resource.weighted is None


@pytest.mark.parametrize(
    ("language", "note", "agree"),
    [
        ("en", "† withheld so that the answers of a group of fewer than 5 cannot be worked out", "median Agree†"),
        ("cy", "† wedi'i atal fel na ellir cyfrifo atebion grŵp o lai na 5", "canolrif Cytuno†"),
    ],
)
def test_unanimous_total_is_withheld_in_the_summary_with_the_reason(language, note, agree):
    text, _ = parse_html(render_summary(score(unanimous()), language))
    assert "100%" not in text
    lines = text.splitlines()
    lead = "Leadership" if language == "en" else "Arweinyddiaeth"
    assert next(line for line in lines if line.startswith(lead + ":")).endswith(" 2")  # the median is still there
    resource = {"en": "Enough staff with data skills", "cy": "Digon o staff â sgiliau data"}
    resource = resource[language]
    assert any(line.startswith(f"• {resource}: {agree}") for line in lines), lines
    assert note in text


@pytest.mark.parametrize(
    ("language", "reason", "method"),
    [
        (
            "en",
            "median only: shares withheld, as they would reveal the answers of a group of fewer than 5",
            "a share of 0% or 100%",
        ),
        (
            "cy",
            "canolrif yn unig: cyfrannau wedi'u hatal, gan y byddent yn datgelu atebion grŵp o lai na 5",
            "chyfran o 0% neu 100%",
        ),
    ],
)
def test_unanimous_total_is_withheld_in_the_html_with_the_reason(language, reason, method):
    page = render_report(score(unanimous()), language, with_charts=False)
    leadership = page[page.index('id="kc-leadership"') : page.index("</article>", page.index('id="kc-leadership"'))]
    total = "Total" if language == "en" else "Cyfanswm"
    row = re.search(rf'<th scope="row"[^>]*>{total}</th>(.*?)</tr>', leadership, re.S)
    assert row is not None and reason.replace("'", "&#39;") in row.group(1)
    assert "100%" not in leadership
    theme = page[page.index('id="theme-skills"') : page.index("</article>", page.index('id="theme-skills"'))]
    assert "100%" not in theme and reason.replace("'", "&#39;") in theme
    method_section = page[page.index('id="method"') :]
    assert method.replace("'", "&#39;") in method_section


def test_unanimous_total_is_a_labelled_gap_in_the_charts():
    report = score(unanimous())
    alt = charts.levels_chart(report, "en").alt
    assert "Total: median only: shares withheld, as they would reveal the answers of a group of fewer than 5" in alt
    assert "100%" not in alt


def test_a_total_at_0_percent_is_withheld():
    # Officers 5 at Level 2 and 5 at Level 3, members 2 and 2: the total (0, 7, 7) is 0% at Level 1, which says no
    # member chose Level 1.
    report = score(build(respondents("officer", "2222233333") + respondents("member", "2233")))
    lead = characteristic(report, "leadership")
    assert_withheld(lead.total, "l2")
    assert lead.groups["officer"].median == "l2"
    text, _ = parse_html(render_summary(report, "en"))
    assert "Leadership: Officers 2 · Members <5 · Total 2" in text


def test_a_total_beside_the_other_groups_median_is_withheld():
    # Officers (1, 4, 5) have the median Level 2, members are all at Level 3: the total (1, 4, 9) has no 0% or 100%,
    # but officers' median Level 2 means at least 5 officers at Level 1 or 2, and the total has only 5 there: so all
    # 4 members are at Level 3.  The total is given as its median (Level 3); officers keep their median.
    report = score(build(respondents("officer", "1222233333") + respondents("member", "3333")))
    lead = characteristic(report, "leadership")
    assert_withheld(lead.total, "l3")
    assert lead.groups["officer"].detail is Detail.MEDIAN and lead.groups["officer"].median == "l2"


def test_two_medians_that_reveal_a_single_member_leave_only_the_total():
    # 10 officers, median Level 2 (5 at Level 2, 5 at Level 3); one member, at Level 3.  The total of 11 has the
    # median Level 3.  With both medians published: at least 5 officers at Level 1 or 2, at most 5 of the 11 in
    # total -> the member said Level 3.  So the officers' median is withheld as well.
    report = score(build(respondents("officer", "2222233333") + respondents("member", "3")))
    lead = characteristic(report, "leadership")
    officer = lead.groups["officer"]
    assert officer.detail is Detail.HIDDEN and officer.reason is Reason.PROTECTS_OTHER and officer.median is None
    assert lead.total.median == "l3" and lead.total.shares is None
    text, _ = parse_html(render_summary(report, "en"))
    assert "Leadership: Officers † · Members <5 · Total 3" in text
    assert "† withheld so that the answers of a group of fewer than 5 cannot be worked out" in text
    page = render_report(report, "en", with_charts=False)
    assert "withheld: beside the total, it would reveal the answers of a group of fewer than 5" in page


def test_totals_are_shown_when_nothing_is_hidden_or_nothing_could_be_worked_out():
    # Members 8: nobody hidden, so a unanimous total is shown in full, and so is the weighted total.
    report = score(build(respondents("officer", "2" * 10, "a" * 10) + respondents("member", "2" * 8, "a" * 8)))
    lead = characteristic(report, "leadership")
    assert lead.total.detail is Detail.FULL and lead.total.shares == (0, 1, 0)
    assert lead.weighted is not None and lead.weighted.shown
    text, _ = parse_html(render_summary(report, "en"))
    assert "100%" in text and "†" not in text
    assert "100%" in render_report(report, "en", with_charts=False)
    # Members 4 (hidden) but a spread total (4, 6, 4) with officers' median Level 2: nothing pins the members down.
    report = score(build(respondents("officer", "1112222333") + respondents("member", "1223")))
    lead = characteristic(report, "leadership")
    assert lead.total.detail is Detail.FULL and lead.total.counts == (4, 6, 4)
    assert lead.groups["officer"].median == "l2"


# ---- defect 10: every route, by brute force -----------------------------------------------------------------------

LEVELS = ("l1", "l2", "l3")
# The agree scale as the questionnaire declares it: ids sa ... sd, listed from the favourable end (its sides say so).
SCALE = QN["officer"].kind(QN["officer"].question("vl_resource")).categories()
assert SCALE == ("sa", "a", "n", "d", "sd") and SCALE.favourable_first


@cache
def possible(n: int, categories: tuple[str, ...]) -> list[tuple[tuple[int, ...], str | None]]:
    """Every way n people could have answered (counts per category), with the median each way gives (the
    lower-middle rule, worked out here on its own rather than with the code under test)."""
    k = len(categories)
    order = list(range(k))[::-1] if categories[0] == "sa" else list(range(k))  # least favourable first
    found = []
    for cuts in itertools.combinations(range(n + k - 1), k - 1):
        bounds = (-1, *cuts, n + k - 1)
        counts = tuple(bounds[i + 1] - bounds[i] - 1 for i in range(k))
        running, median = 0, None
        for i in order:
            running += counts[i]
            if n and 2 * running >= n:
                median = categories[i]
                break
        found.append((counts, median))
    return found


@cache
def median_of(n: int, categories: tuple[str, ...]) -> dict[tuple[int, ...], str | None]:
    return dict(possible(n, categories))


def fits(b: Breakdown, counts: tuple[int, ...], median: str | None) -> bool:
    """Could these counts be behind what the breakdown publishes?"""
    if b.detail is Detail.HIDDEN:
        return True
    if b.detail is Detail.FULL:
        return b.counts == counts
    return b.median == median


def revealed(
    officers: tuple[int, ...], members: tuple[int, ...], categories: tuple[str, ...]
) -> tuple[list[str], Detail]:
    """What the published figures say for certain about a hidden group ([]: nothing), and how much of the total is
    published."""
    tallies = {
        role: tally([c for c, k in zip(categories, counts, strict=True) for _ in range(k)], categories)
        for role, counts in (("officer", officers), ("member", members))
    }
    invited = {"officer": 40, "member": 40}
    groups, total, _ = breakdowns(tallies, invited, respondent_weights(invited, {"officer": 30, "member": 30}))
    assert total is not None
    hidden = [g for g, b in groups.items() if b.reason is Reason.FEWER_THAN_5 and tallies[g].answered]
    if hidden and total.detail is Detail.FULL:
        assert all(pct(s) not in (0, 100) for s in total.shares or ())
    sizes = {"officer": sum(officers), "member": sum(members)}
    low = {g: [sizes[g]] * len(categories) for g in hidden}
    high = {g: [0] * len(categories) for g in hidden}
    truth_fits = False
    for o, o_median in possible(sizes["officer"], categories):
        if not fits(groups["officer"], o, o_median):
            continue
        for m, m_median in possible(sizes["member"], categories):
            if not fits(groups["member"], m, m_median):
                continue
            both = tuple(a + b for a, b in zip(o, m, strict=True))
            if not fits(total, both, median_of(sizes["officer"] + sizes["member"], categories)[both]):
                continue
            truth_fits = truth_fits or (o, m) == (officers, members)
            for g, counts in (("officer", o), ("member", m)):
                if g in hidden:
                    low[g] = [min(x, y) for x, y in zip(low[g], counts, strict=True)]
                    high[g] = [max(x, y) for x, y in zip(high[g], counts, strict=True)]
    assert truth_fits  # the true answers are always among the possibilities
    found = [f"no {g} chose {c}" for g in hidden for i, c in enumerate(categories) if high[g][i] == 0]
    found += [f"every {g} chose {c}" for g in hidden for i, c in enumerate(categories) if low[g][i] == sizes[g]]
    return found, total.detail


def test_no_published_figure_pins_down_a_hidden_group():
    rng = random.Random(9)
    cases = [(LEVELS, rng.randint(5, 12), rng.randint(1, 4)) for _ in range(300)]
    cases += [(LEVELS, rng.randint(1, 4), rng.randint(1, 4)) for _ in range(40)]  # both groups hidden
    cases += [(SCALE, rng.randint(5, 7), rng.randint(1, 3)) for _ in range(40)]
    shown_in_full = 0
    for categories, n_o, n_m in cases:
        officers = rng.choice(possible(n_o, categories))[0]
        members = rng.choice(possible(n_m, categories))[0]
        found, detail = revealed(officers, members, categories)
        assert found == [], (categories, officers, members, found)
        shown_in_full += detail is Detail.FULL
    # The rule withholds what it must, not every total beside a hidden group.
    assert 30 < shown_in_full < len(cases)
