"""Standard outcome codes and rates (issue 13, item 1), on a real SQLite database: every invitation's outcome (I
complete, P partial, R withdrew or broke off, O opened but no answer, NC never opened; revoked ineligible), RR1,
RR2 and the cooperation rate per group from ONE aggregate, in /rates (English and Welsh), the terminal and the
report, with figures checked by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.services import load_questionnaires
from flows.campaigns import CampaignService
from flows.model import DONT_KNOW, OFFICER, SectionKind
from flows.rate_texts import format_html, format_text
from flows.report_input import forms_of
from flows.tokens import hash_token, new_token
from reports.html import render_report
from reports.inputs import Response, key_questions
from reports.outcomes import Outcomes
from reports.scoring import score
from storage.database import connect
from storage.repositories import CampaignRepository
from storage.respondents import RespondentRepository
from storage.surveys import SurveyRepository
from tests.conftest import FakeClock
from tests.test_report_browser import (  # the report's browser checks and fixtures
    PHONE,
    TABLES,
    assert_nothing_sideways,
    axe_script,  # noqa: F401
    axe_violations,
    browser,  # noqa: F401
    phone,  # noqa: F401
)
from tests.test_report_outputs import flintshire, flintshire_charts

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
QN = load_questionnaires()
KEYS = key_questions(forms_of(QN))


def test_the_partial_threshold_is_the_seven_key_characteristics_of_each_questionnaire():
    for role in ("officer", "member"):
        assert KEYS[role] == (
            "kc_leadership",
            "kc_standards",
            "kc_customer_data",
            "kc_data_protection",
            "kc_analytics",
            "kc_decisions",
            "kc_open_data",
        )


def test_a_characteristic_has_one_key_question_and_a_theme_none():
    """``FormSection.key_question`` is the one rule the scoring, the early/late comparison, the partial outcome and the demo use."""
    qn = QN[OFFICER].form
    keys = {s.id: s.key_question for s in qn.sections}
    assert (
        tuple(q.id for s in qn.sections if s.kind is SectionKind.CHARACTERISTIC and (q := keys[s.id])) == KEYS[OFFICER]
    )
    assert [s.id for s in qn.sections if s.kind is SectionKind.THEME and keys[s.id] is not None] == []


def kc(count: int, value: str = "l2") -> dict[str, str | None]:
    """The first ``count`` key characteristics answered ``value``."""
    return {q: value for q in KEYS["officer"][:count]}


@pytest.fixture
async def world(tmp_path: Path):
    """Flintshire, fieldwork open on NOW.  Officers (12 links):
        5 submitted, one of them then revoked (left the council): I 4
        1 answered all seven key characteristics, not submitted:   P 1
        1 answered three, then withdrew (answers deleted):        R (withdrew)
        1 answered three and stopped:                             R (break-off, "in progress" while open)
        1 opened the link, answered nothing:                      O 1
        3 never opened:                                           NC 3
    Members (6 links):
        1 submitted:                                              I 1
        1 answered all seven, one of them "Don't know":           P 1 ("Don't know" is an answer)
        1 answered six of the seven (and a comment):              R (break-off: one short of the threshold)
        2 never opened:                                           NC 2
        1 never opened, revoked (sent in error):                  out
    """
    conn = await connect(tmp_path / "outcomes.db")
    repo = CampaignRepository(conn)
    cid = await repo.create_campaign("Flintshire County Council", date(2026, 11, 20), date(2026, 12, 20), NOW)
    ids: dict[str, list[int]] = {}
    for role, n in (("officer", 12), ("member", 6)):
        tokens = [new_token() for _ in range(n)]
        await repo.add_invitations(cid, role, n, tokens, [hash_token(t) for t in tokens], NOW)
        async with conn.execute(
            "SELECT id FROM invitations WHERE campaign_id = ? AND role = ? ORDER BY id", (cid, role)
        ) as cur:
            ids[role] = [row[0] for row in await cur.fetchall()]
    officers, members = ids["officer"], ids["member"]
    everything = kc(7) | {"barriers": "All fine"}
    await SurveyRepository(conn).add_submitted(
        [(i, Response("officer", everything)) for i in officers[:5]] + [(members[0], Response("member", kc(7)))],
        QN,
        NOW,
    )
    people = RespondentRepository(conn)
    user = iter(range(100, 200))

    async def opened(invitation: int, answers: dict[str, str | None]) -> int:
        telegram = next(user)
        assert await people.bind(invitation, telegram, telegram, NOW)
        if answers:
            await people.record(invitation, answers, None, NOW)
        return telegram

    await opened(officers[5], kc(7))
    await people.withdraw_user(await opened(officers[6], kc(3)), NOW)
    await opened(officers[7], kc(3))
    await opened(officers[8], {})
    await opened(members[1], kc(6) | {KEYS["member"][6]: DONT_KNOW})
    await opened(members[2], kc(6) | {"barriers": "Later"})
    assert await repo.revoke(f"C{cid}-O0001", NOW) == "revoked"  # a submitted officer who left the council
    assert await repo.revoke(f"C{cid}-M0006", NOW) == "revoked"
    try:
        yield conn, cid
    finally:
        await conn.close()


OFFICERS = Outcomes(complete=4, partial=1, withdrew=1, broke_off=1, other=1, non_contact=3)
MEMBERS = Outcomes(complete=1, partial=1, withdrew=0, broke_off=1, other=0, non_contact=2)
TOTAL = Outcomes(complete=5, partial=2, withdrew=1, broke_off=2, other=1, non_contact=5)


async def test_outcomes_and_rates_per_group_checked_by_hand(world):
    conn, cid = world
    rates = await CampaignRepository(conn).rates(cid, KEYS)
    assert [r.outcomes for r in rates] == [OFFICERS, MEMBERS]
    # Revoked links are out of every count: 12 - 1 officers and 6 - 1 members eligible.
    assert [(r.invited, r.responded, r.started) for r in rates] == [(11, 4, 3), (5, 1, 2)]
    assert OFFICERS + MEMBERS == TOTAL
    # Officers: I 4, P 1, R 2, O 1, NC 3 -> eligible 11, reached (opened) 11 - 3 = 8.
    #   RR1 = 4/11 = 36.4% -> 36;  RR2 = (4+1)/11 = 45.5% -> 45;  COOP1 = 4/8 = 50%.
    assert (OFFICERS.rr1, OFFICERS.rr2, OFFICERS.coop1) == (Fraction(4, 11), Fraction(5, 11), Fraction(1, 2))
    assert OFFICERS.percentages() == (36, 45, 50)
    # Members: I 1, P 1, R 1, O 0, NC 2 -> eligible 5, reached 3.
    #   RR1 = 1/5 = 20%;  RR2 = 2/5 = 40%;  COOP1 = 1/3 = 33.3% -> 33.
    assert (MEMBERS.rr1, MEMBERS.rr2, MEMBERS.coop1) == (Fraction(1, 5), Fraction(2, 5), Fraction(1, 3))
    assert MEMBERS.percentages() == (20, 40, 33)
    # Total: I 5, P 2, R 3, O 1, NC 5 -> eligible 16, reached 11.
    #   RR1 = 5/16 = 31.25% -> 31;  RR2 = 7/16 = 43.75% -> 44;  COOP1 = 5/11 = 45.5% -> 45.
    assert (TOTAL.rr1, TOTAL.rr2, TOTAL.coop1) == (Fraction(5, 16), Fraction(7, 16), Fraction(5, 11))
    assert TOTAL.percentages() == (31, 44, 45)
    # Without the key questions the aggregate stays what it was (no outcomes).
    assert [r.outcomes for r in await CampaignRepository(conn).rates(cid)] == [None, None]


def test_an_empty_group_has_no_rates():
    assert Outcomes().percentages() == (None, None, None)
    assert Outcomes(non_contact=3).percentages() == (0, 0, None)  # nobody reached: no cooperation rate


async def test_rates_in_chat_and_terminal_show_rr1_in_the_table_and_rr2_cooperation_and_counts(world):
    conn, cid = world
    service = CampaignService(CampaignRepository(conn), FakeClock(NOW), ZoneInfo("Europe/London"), KEYS)
    campaign = await service.campaign(cid)
    table = await service.table(campaign)
    assert [r.percentage for r in table.rows] == [36, 20, 31]  # the seed's "Percentage responded" is RR1
    chat = format_html(table)
    for line in (
        "Officers: RR2 45% · cooperation 50% (I 4, P 1, R 2 incl. 1 in progress, O 1, NC 3)",
        "Elected Members: RR2 40% · cooperation 33% (I 1, P 1, R 1 incl. 1 in progress, O 0, NC 2)",
        "Total: RR2 44% · cooperation 45% (I 5, P 2, R 3 incl. 2 in progress, O 1, NC 5)",
        "I complete · P partial (every key characteristic answered)",
    ):
        assert line in chat
    welsh = format_html(table, "cy")
    assert "Swyddogion: RR2 45% · cydweithredu 50% (I 4, P 1, R 2 gan gynnwys 1 wrthi'n ateb, O 1, NC 3)" in welsh
    assert "Aelodau Etholedig: RR2 40% · cydweithredu 33%" in welsh
    terminal = format_text(table, details=True)
    assert "Total: RR2 44% · cooperation 45% (I 5, P 2, R 3 incl. 2 in progress, O 1, NC 5)" in terminal
    # Once fieldwork has closed, break-offs are plain R.
    closed = FakeClock(datetime(2027, 1, 5, 10, 0, tzinfo=UTC))
    after = CampaignService(CampaignRepository(conn), closed, ZoneInfo("Europe/London"), KEYS)
    assert "Total: RR2 44% · cooperation 45% (I 5, P 2, R 3, O 1, NC 5)" in format_text(
        await after.table(campaign), details=True
    )


async def test_the_shipped_questionnaires_give_the_threshold_read_when_first_needed(world):
    from config.questionnaires import shipped_key_questions

    conn, cid = world
    service = CampaignService(
        CampaignRepository(conn), FakeClock(NOW), ZoneInfo("Europe/London"), shipped_key_questions
    )
    assert [r.outcomes for r in await service.rates(cid)] == [OFFICERS, MEMBERS]


async def test_the_report_has_the_outcomes_table_and_defines_them(world):
    conn, cid = world
    campaign = await CampaignRepository(conn).campaign(cid)
    report = score(await SurveyRepository(conn).load(campaign, QN, interim=True))
    assert report.outcomes == ((("officer", OFFICERS), ("member", MEMBERS), (None, TOTAL)))
    assert [r.percentage for r in report.rates] == [36, 20, 31]
    page = render_report(report, "en", with_charts=False)
    table = page[page.index('<table class="stack" role="table" id="outcomes">') :]
    table = table[: table.index("</table>")]
    assert "<caption>Outcome of every invitation and the standard response rates, by group</caption>" in table
    assert '<th scope="col" role="columnheader" class="num">Cooperation rate</th>' in table
    rows = table.split('<tr role="row">')[2:]
    assert len(rows) == 3
    officers = rows[0]
    assert '<th scope="row" role="rowheader">Officers</th>' in officers
    for label, value in (
        ("Complete (I)", "4"),
        ("Partial (P)", "1"),
        ("Withdrew or stopped (R)", "2"),
        ("Opened, no answer (O)", "1"),
        ("Never opened (NC)", "3"),
        ("RR1", "36%"),
        ("RR2 (partials counted)", "45%"),
        ("Cooperation rate", "50%"),
    ):
        assert f'<td role="cell" class="num" data-label="{label}">{value}</td>' in officers
    assert 'data-label="Cooperation rate">33%</td>' in rows[1]
    assert 'data-label="RR2 (partials counted)">44%</td>' in rows[2]
    method = page[page.rindex('<section id="method">') :]
    for words in (
        "P partial (not submitted, but every key characteristic answered",
        "RR1 = I / (I + P + R + O + NC)",
        "COOP1 = I / (I + P + R + O)",
        "is ineligible",
    ):
        assert words in method
    welsh = render_report(report, "cy", with_charts=False)
    assert "Cyfradd cydweithredu" in welsh and "Diffiniadau Safonol AAPOR" in welsh


# ---- the outcomes table on a phone (the browser checks of tests/test_report_browser.py) -----------------------------


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_outcomes_table_on_a_phone(phone, axe_script, tmp_path, language):  # noqa: F811
    # The seed's figures: officers 32 of 62, members 9 of 65, with the other outcomes around them.
    outcomes = {"officer": Outcomes(32, 3, 1, 1, 1, 24), "member": Outcomes(9, 2, 0, 3, 4, 47)}
    report = score(replace(flintshire(), outcomes=outcomes))
    assert [o.eligible for _, o in report.outcomes] == [62, 65, 127]
    page = tmp_path / f"report-{language}.html"
    page.write_text(render_report(report, language, charts=flintshire_charts(language)), encoding="utf-8")
    phone.goto(page.as_uri())
    assert phone.evaluate("document.querySelectorAll('#outcomes tbody tr').length") == 3
    assert_nothing_sideways(phone, f"report-{language} at {PHONE['width']} px")
    counts = phone.evaluate(TABLES)
    assert counts["unlabelled"] == 0, counts
    version, violations = axe_violations(phone, axe_script)
    assert violations == [], f"axe-core {version} found:\n" + "\n".join(violations)
