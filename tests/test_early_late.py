"""Early versus late respondents (issue 13, item 2): the comparison on constructed data where the answer is known,
its disclosure rules, the loading of "how many reminders before submitting" from a real SQLite database, and the
partial in both languages.  Every expected figure is worked out in the comments beside it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction as F
from pathlib import Path

import pytest

from bot.services import load_questionnaires
from flows.report_input import survey_data
from flows.tokens import hash_token, new_token
from reports.early_late import Difference, Limit, early_late_context, render_early_late
from reports.html import render_report
from reports.inputs import Response, SurveyData
from reports.model import TOTAL, Reason
from reports.scoring import score
from storage.database import connect
from storage.repositories import CampaignRepository, iso
from storage.surveys import SurveyRepository

QN = load_questionnaires()
KEYS = [q.id for s in QN["officer"].sections if s.kind.value == "characteristic" for q in s.questions[:1]]


def people(role: str, reminders: int, leadership: list[str], others: str = "l2") -> list[Response]:
    """One response per entry of ``leadership`` (kc_leadership), ``others`` at every other characteristic."""
    return [
        Response(role, {**dict.fromkeys(KEYS, others), "kc_leadership": level}, reminders_before=reminders)
        for level in leadership
    ]


def data(responses: list[Response], invited: dict[str, int] | None = None) -> SurveyData:
    return survey_data("Test Council", "Cyngor Prawf", invited or {"officer": 100, "member": 60}, responses, QN)


# Early officers (20, no reminder): Leadership l3 x8, l2 x8, l1 x4 -> Level 2 or above 16/20 = 80%, Level 3 8/20 = 40%.
# Late officers (20: 12 after the 1st reminder, 8 after the 2nd): l1 x14, l2 x4, l3 x2 -> 6/20 = 30%, 2/20 = 10%.
# Test (reports.stats.share_change; the Total's population is everyone invited, N = 100 officers + 60 members = 160,
# f = (160 - 20) / 159 = 0.88050 for each side):
#   Level 2+: q_early = 17/22 = 0.7727, q_late = 7/22 = 0.3182, difference -10/22 = -0.4545;
#             margin 1.96 * sqrt((0.7727 * 0.2273 + 0.3182 * 0.6818) / 22 * 0.88050) = 1.96 * 0.12535 = 0.2457 -> beyond
#   Level 3:  q_early = 9/22 = 0.4091, q_late = 3/22 = 0.1364, difference -6/22 = -0.2727;
#             margin 1.96 * sqrt((0.4091 * 0.5909 + 0.1364 * 0.8636) / 22 * 0.88050) = 1.96 * 0.11995 = 0.2351 -> beyond
# The six other characteristics: everyone at Level 2 on both sides -> q 21/22 both, difference 0 -> none.
EARLY = ["l3"] * 8 + ["l2"] * 8 + ["l1"] * 4
LATE = ["l1"] * 14 + ["l2"] * 4 + ["l3"] * 2


def known() -> SurveyData:
    return data(people("officer", 0, EARLY) + people("officer", 1, LATE[:12]) + people("officer", 2, LATE[12:]))


def test_late_respondents_rated_leadership_lower_beyond_the_margin():
    e = score(known()).early_late
    assert e is not None
    leadership = e.characteristics[0]
    assert leadership.section_id == "leadership" and list(leadership.groups) == [TOTAL]  # members: none answered
    total = leadership.total
    assert total.difference is Difference.LOWER
    assert total.early is not None and total.late is not None
    assert total.early.shares == (F(4, 20), F(8, 20), F(8, 20)) and total.late.shares == (F(14, 20), F(4, 20), F(2, 20))
    assert total.early.median_level == 2 and total.late.median_level == 1  # 10th of 20 (lower-middle): l2; l1
    two, three = total.shares
    assert (two.then, two.now, two.adjusted) == (F(16, 20), F(6, 20), F(-10, 22))
    assert two.margin == pytest.approx(0.2457, abs=1e-4) and two.detected
    assert (three.then, three.now, three.adjusted) == (F(8, 20), F(2, 20), F(-6, 22))
    assert three.margin == pytest.approx(0.2351, abs=1e-4) and three.detected
    assert [c.total.difference for c in e.characteristics[1:]] == [Difference.NONE] * 6
    total_size = e.size(TOTAL)
    assert total_size is not None and (total_size.early, total_size.late, total_size.after) == (20, 20, (12, 8, 0))
    assert e.size("officer") is None  # one group answering: the Total says it all
    context = early_late_context(score(known()), "en")["early_late"]
    assert context["headline"] == (
        "Late respondents — those who answered only after a reminder — rated Leadership lower than early respondents "
        "(Level 2 or above: 30% against 80%; Level 3: 10% against 40%), beyond the margin of error; on the other 6 "
        "characteristics no detectable difference."
    )


def test_equal_distributions_give_no_detectable_difference():
    # Both sides l3 x8, l2 x8, l1 x4: the same shares, adjusted difference 0 at both levels.
    e = score(data(people("officer", 0, EARLY) + people("officer", 1, EARLY))).early_late
    assert e is not None and e.count(Difference.NONE) == 7
    assert all(s.adjusted == 0 and not s.detected for s in e.characteristics[0].total.shares)
    assert (
        "rated the 7 characteristics compared no differently"
        in early_late_context(score(data(people("officer", 0, EARLY) + people("officer", 1, EARLY))), "en")[
            "early_late"
        ]["headline"]
    )


def test_a_late_group_under_5_gets_no_breakdown_and_says_so():
    report = score(data(people("officer", 0, EARLY) + people("officer", 1, LATE[:4])))
    e = report.early_late
    assert e is not None
    assert all(
        c.total.difference is Difference.WITHHELD and c.total.early is None and c.total.late is None
        for c in e.characteristics
    )
    html = render_early_late(report, "en")
    assert (
        "7 characteristics could not be compared: fewer than 5 answered before or after a reminder, in all or in "
        "one group."
    ) in html
    assert "not compared: fewer than 5 answering before or after a reminder" in html
    assert "20%" not in html and "Level 1" not in html  # no share, no median of either side


def test_5_to_7_on_a_side_gives_medians_only():
    # Late: 6 (l1 x6) -> medians only on both sides (the group's own distribution is in the report: one side in
    # full would give the other away); nothing tested.
    report = score(data(people("officer", 0, EARLY) + people("officer", 1, ["l1"] * 6)))
    total = report.early_late.characteristics[0].total
    assert total.difference is Difference.MEDIANS_ONLY and total.shares == ()
    assert total.early.shares is None and total.late.shares is None
    assert (total.early.median_level, total.late.median_level) == (2, 1)


def test_groups_one_by_one_only_when_every_group_has_5_on_each_side():
    # Officers 20 early / 20 late and members 8 early / 8 late: every group has 5+ on each side -> the Total and
    # each group; members' sides have 8 -> distributions, tested.
    both = (
        people("officer", 0, EARLY)
        + people("officer", 1, LATE)
        + people("member", 0, ["l2"] * 8)
        + people("member", 1, ["l2"] * 8)
    )
    e = score(data(both)).early_late
    assert list(e.characteristics[0].groups) == [TOTAL, "officer", "member"]
    assert e.characteristics[0].groups["officer"].difference is Difference.LOWER
    assert e.characteristics[0].groups["member"].difference is Difference.NONE
    assert [s.group for s in e.sizes] == ["officer", "member", TOTAL]
    # Members 8 early but only 3 late: the members' late side is a group of 3, which the late Total less what is
    # published of the officers could give away (issue 21 item 8), so nothing is compared, not even the Totals,
    # and sizes are given for the Total only.
    small = (
        people("officer", 0, EARLY)
        + people("officer", 1, LATE)
        + people("member", 0, ["l2"] * 8)
        + people("member", 1, ["l3"] * 3)
    )
    e = score(data(small)).early_late
    assert all(list(c.groups) == [TOTAL] for c in e.characteristics)
    assert all(
        c.total.difference is Difference.WITHHELD and c.total.early is None and c.total.late is None
        for c in e.characteristics
    )
    assert [s.group for s in e.sizes] == [TOTAL]
    # Members all early (8, none late): every group has none or 5 or more on each side, so the Totals are compared,
    # though not the groups one by one; the late Total is the officers' alone.
    members_early = people("member", 0, ["l2"] * 8)
    e = score(data(people("officer", 0, EARLY) + people("officer", 1, LATE) + members_early)).early_late
    assert list(e.characteristics[0].groups) == [TOTAL]
    assert e.characteristics[0].total.difference is Difference.LOWER
    assert e.characteristics[0].total.late.counts == (14, 4, 2)


def test_the_headline_compares_each_group_with_itself_where_groups_are_compared():
    # Officers: 20 early and 8 late, all at Level 2.  Members: 8 early and 20 late, all at Level 1.  Neither group's
    # late respondents differ from its early ones; but the late side holds more members, so the Totals do (early
    # Level 2 or above 20/28, late 8/28): a difference of mix, not of view.  The headline speaks of each group.
    mix = (
        people("officer", 0, ["l2"] * 20)
        + people("officer", 1, ["l2"] * 8)
        + people("member", 0, ["l1"] * 8, others="l1")
        + people("member", 1, ["l1"] * 20, others="l1")
    )
    e = score(data(mix)).early_late
    lead = e.characteristics[0]
    assert lead.total.difference is Difference.LOWER  # the Totals' mix
    assert lead.groups["officer"].difference is lead.groups["member"].difference is Difference.NONE
    text = early_late_context(score(data(mix)), "en")["early_late"]["headline"]
    assert text.startswith(
        "Late respondents — those who answered only after a reminder — rated the 7 characteristics "
        "compared no differently"
    )
    assert "lower" not in text
    # A group that differs is named as such.
    officers_differ = (
        people("officer", 0, EARLY)
        + people("officer", 1, LATE)
        + people("member", 0, ["l2"] * 8)
        + people("member", 1, ["l2"] * 8)
    )
    context = early_late_context(score(data(officers_differ)), "en")["early_late"]["headline"]
    assert context == (
        "Late respondents — those who answered only after a reminder — among officers, rated Leadership lower than "
        "early ones (Level 2 or above: 30% against 80%; Level 3: 10% against 40%), beyond the margin of error; on the "
        "other 6 characteristics no detectable difference."
    )
    assert (
        "ymhlith swyddogion, wedi sgorio Arweinyddiaeth yn is na rhai cynnar"
        in early_late_context(score(data(officers_differ)), "cy")["early_late"]["headline"]
    )


def test_no_comparison_without_both_early_and_late_respondents():
    assert score(data(people("officer", 0, EARLY))).early_late is None
    assert score(data(people("officer", 1, EARLY))).early_late is None
    unknown = [Response("officer", dict.fromkeys(KEYS, "l2")) for _ in range(3)]  # reminders_before None
    assert score(data(unknown)).early_late is None
    e = score(data(people("officer", 0, EARLY) + people("officer", 1, LATE) + unknown)).early_late
    assert e is not None and e.unknown == 3 and e.size(TOTAL).early == 20
    assert "3 responses whose timing is not known are left out" in render_early_late(
        score(data(people("officer", 0, EARLY) + people("officer", 1, LATE) + unknown)), "en"
    )


def test_the_partial_in_both_languages_follows_the_table_conventions():
    report = score(known())
    for language, heading, words in (
        ("en", "Early and late respondents", "Late respondents"),
        ("cy", "Ymatebwyr cynnar a hwyr", "ymatebwyr hwyr"),
    ):
        html = render_early_late(report, language)
        assert '<section id="early-late">' in html and f"<h2>{heading}</h2>" in html and words in html
        assert html.count('<table class="stack" role="table">') == 2 and html.count("<caption>") == 2
        assert 'th scope="row" role="rowheader"' in html and 'th scope="col" role="columnheader"' in html
        assert 'td role="cell" data-label="' in html
        assert not re.search(r"<(script|img|style)|style=", html)
    assert "30% o&#39;i gymharu â 80%" in render_early_late(report, "cy")
    page = render_report(report, "en", with_charts=False)
    assert 'id="early-late"' in page and re.search(r'<a href="#early-late">[^<]*Early and late respondents</a>', page)
    assert page.index('id="early-late"') > page.index('id="responses"')
    assert 'id="early-late"' not in render_report(score(data(people("officer", 0, EARLY))), "en", with_charts=False)


def cell(html: str, row: str, column: str) -> str:
    """The text of one cell of the early/late table: the row headed ``row``, the column labelled ``column``."""
    found = re.search(rf'rowheader">{re.escape(row)}</th>(.*?)</tr>', html, re.S)
    assert found is not None, row
    value = re.search(rf'data-label="{re.escape(column)}">([^<]*)</td>', found.group(1))
    assert value is not None, column
    return value.group(1).replace("&#39;", "'")


def test_a_side_given_by_its_median_says_its_true_reason():
    # Officers: 50 early (l2 x30, l3 x20), 6 late (l1 x6).  The late side has 6 answering: its median only.  The early
    # side has 50: it is reduced to its median because, beside the report's own table of the Total, its distribution
    # would give the 6 late ones away; "fewer than 8 answered" is false of it (the demo's report said so of 50).
    report = score(data(people("officer", 0, ["l2"] * 30 + ["l3"] * 20) + people("officer", 1, ["l1"] * 6)))
    total = report.early_late.characteristics[0].total
    assert total.difference is Difference.MEDIANS_ONLY and total.limits == (Limit.OTHER_SIDE, Limit.OWN)
    assert total.early.reason is Reason.PROTECTS_OTHER and total.late.reason is Reason.FEWER_THAN_8
    en, cy = render_early_late(report, "en"), render_early_late(report, "cy")
    early = cell(en, "Leadership: Total", "Early: answers")
    assert early == "median only: the other side had fewer than 8 answering, whose answers this side's would give away"
    assert "fewer than 8 answered" not in early
    assert cell(en, "Leadership: Total", "Late: answers") == "median only: fewer than 8 answered on this side"
    assert cell(cy, "Arweinyddiaeth: Cyfanswm", "Cynnar: atebion").startswith(
        "canolrif yn unig: roedd gan yr ochr arall lai nag 8 yn ateb"
    )
    # Groups one by one, members 8 early and 6 late: every group by its medians only.  Officers (20 and 20) because
    # of another group; members' early side because of their late side; their late side on its own account.
    both = score(
        data(
            people("officer", 0, EARLY)
            + people("officer", 1, LATE)
            + people("member", 0, ["l2"] * 8)
            + people("member", 1, ["l2"] * 6)
        )
    )
    lead = both.early_late.characteristics[0]
    assert lead.groups["officer"].limits == (Limit.OTHER_GROUP, Limit.OTHER_GROUP)
    assert lead.groups["member"].limits == (Limit.OTHER_SIDE, Limit.OWN)
    assert lead.total.limits == (None, None) and lead.total.early.shown  # 28 and 26: in full
    page = render_early_late(both, "en")
    assert cell(page, "Leadership: Officers", "Late: answers") == (
        "median only: another group had fewer than 8 answering on a side, whose answers this group's would give away"
    )


def test_counts_agree_in_number_in_both_languages():
    # Leadership differs (EARLY against LATE), Corporate standards does not; the other five were not answered.
    def answers(lead: str, reminders: int) -> Response:
        return Response("officer", {"kc_leadership": lead, "kc_standards": "l2"}, reminders_before=reminders)

    responses = [answers(level, 0) for level in EARLY] + [answers(level, 1) for level in LATE]
    one_unknown = [Response("officer", {"kc_leadership": "l2"})]
    report = score(data(responses + one_unknown))
    en, cy = render_early_late(report, "en"), render_early_late(report, "cy")
    assert "; on the other characteristic no detectable difference." in en
    assert "; ar y nodwedd arall dim gwahaniaeth y gellir ei ganfod." in cy
    assert "5 characteristics could not be compared" in en and "Ni ellid cymharu 5 nodwedd" in cy
    assert "1 response whose timing is not known is left out of this comparison." in en
    assert "Mae 1 ymateb nad yw ei amseriad yn hysbys wedi&#39;i adael allan" in cy
    # Six of seven answered alike: "the other 6 characteristics"; one not answered: "1 characteristic could not".
    six = [
        Response("officer", {**dict.fromkeys(KEYS[:6], "l2"), "kc_leadership": lead}, reminders_before=k)
        for lead, k in [*((x, 0) for x in EARLY), *((x, 1) for x in LATE)]
    ]
    text = render_early_late(score(data(six)), "en")
    assert "on the other 5 characteristics no detectable difference" in text
    assert "1 characteristic could not be compared" in text
    assert "(s)" not in en + cy + text


# ---- loading from the database --------------------------------------------------------------------------------------

NOW = datetime(2026, 12, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
async def conn(tmp_path: Path):
    connection = await connect(tmp_path / "early_late.db")
    try:
        yield connection
    finally:
        await connection.close()


async def test_reminders_before_the_submission_are_loaded(conn):
    repo = CampaignRepository(conn)
    cid = await repo.create_campaign("Flintshire County Council", date(2026, 11, 1), date(2026, 12, 31), NOW)
    tokens = [new_token() for _ in range(6)]
    await repo.add_invitations(cid, "officer", len(tokens), tokens, [hash_token(t) for t in tokens], NOW)
    async with conn.execute("SELECT id FROM invitations WHERE campaign_id = ? ORDER BY id", (cid,)) as cur:
        ids = [row[0] for row in await cur.fetchall()]
    answers = dict.fromkeys(KEYS, "l2")
    # ids[5] never submits.  Everyone else submitted at NOW.
    await SurveyRepository(conn).add_submitted([(i, Response("officer", answers)) for i in ids[:5]], QN, NOW)
    before, after = iso(NOW - timedelta(days=2)), iso(NOW + timedelta(hours=1))
    rows = [
        # ids[0]: nothing -> 0 (early)
        (ids[1], "2026-12-10T10:00", "sent", before, before),  # sent before: 1
        (ids[1], "final", "sent", after, after),  # sent after the submission (cannot really happen): not counted
        (ids[2], "2026-12-10T10:00", "sent", before, before),  # 2 sent before, one a manual round: 2
        (ids[2], f"manual:{before}", "sent", before, iso(NOW - timedelta(days=1))),
        (ids[3], "2026-12-10T10:00", "unknown", before, None),  # may have arrived, queued before: 1
        (ids[4], "2026-12-10T10:00", "queued", before, None),  # never sent: 0
        (ids[4], "final", "failed", before, None),  # failed: 0
        (ids[4], "snooze:x", "unreachable", before, None),  # unreachable: 0
        (ids[5], "2026-12-10T10:00", "sent", before, before),  # not submitted: not a response at all
    ]
    await conn.executemany(
        "INSERT INTO reminders (invitation_id, slot, status, queued_at, sent_at) VALUES (?, ?, ?, ?, ?)", rows
    )
    await conn.commit()
    campaign = await repo.campaign(cid)
    loaded = await SurveyRepository(conn).load(campaign, QN, interim=False)
    assert [r.reminders_before for r in loaded.responses] == [0, 1, 2, 1, 0]
    e = score(loaded).early_late
    assert e is not None and (e.size(TOTAL).early, e.size(TOTAL).late, e.size(TOTAL).after) == (2, 3, (2, 1, 0))


async def test_a_reminder_in_the_same_second_as_the_submission_makes_it_late(conn):
    # Timestamps are kept to the second.  The demo's clock stands still while a reminder round goes out and people
    # come back, so each comeback is recorded in its reminder's second; a live bot can do the same.  This person's
    # reminder was taken for sending while they had not submitted (nobody who has submitted is reminded), so it was
    # on its way first and may have arrived first: late, like a reminder whose delivery is unknown.  A reminder a
    # second after the submission still does not count.
    repo = CampaignRepository(conn)
    cid = await repo.create_campaign("Flintshire County Council", date(2026, 11, 1), date(2026, 12, 31), NOW)
    tokens = [new_token() for _ in range(4)]
    await repo.add_invitations(cid, "member", len(tokens), tokens, [hash_token(t) for t in tokens], NOW)
    async with conn.execute("SELECT id FROM invitations WHERE campaign_id = ? ORDER BY id", (cid,)) as cur:
        ids = [row[0] for row in await cur.fetchall()]
    await SurveyRepository(conn).add_submitted(
        [(i, Response("member", dict.fromkeys(KEYS, "l2"))) for i in ids], QN, NOW
    )
    same, later = iso(NOW), iso(NOW + timedelta(seconds=1))
    await conn.executemany(
        "INSERT INTO reminders (invitation_id, slot, status, queued_at, sent_at) VALUES (?, ?, ?, ?, ?)",
        [
            (ids[0], "2026-12-20T10:00", "sent", same, same),  # sent in the submission's second: late
            (ids[1], "2026-12-20T10:00", "unknown", same, None),  # attempted in that second: may have arrived: late
            (ids[2], "2026-12-20T10:00", "sent", same, later),  # sent a second after: not counted
            # ids[3]: none
        ],
    )
    await conn.commit()
    loaded = await SurveyRepository(conn).load(await repo.campaign(cid), QN, interim=False)
    assert [r.reminders_before for r in loaded.responses] == [1, 1, 0, 0]


def test_nothing_is_compared_where_the_report_withholds_the_total_for_a_hidden_group():
    # Officers 10 early + 10 late, one member late, all at Level 2: the report's Total is 100% at Level 2, which would
    # give the member away, so the report withholds it (PROTECTS_HIDDEN); early/late must not put it back.
    report = score(
        data(people("officer", 0, ["l2"] * 10) + people("officer", 1, ["l2"] * 10) + people("member", 1, ["l2"]))
    )
    assert all(
        c.total.difference is Difference.PROTECTED and c.total.early is None for c in report.early_late.characteristics
    )
    assert "withheld so that a small group" in render_early_late(report, "en")


def test_every_early_late_text_is_in_both_languages_with_the_same_placeholders():
    import string

    import yaml

    from reports.summary import EARLY_LATE_TEXTS_FILE, all_entries, missing_translations

    source = Path(__file__).resolve().parents[1] / "reports" / EARLY_LATE_TEXTS_FILE
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert missing_translations(EARLY_LATE_TEXTS_FILE) == []
    fields = lambda text: {n for _, n, _, _ in string.Formatter().parse(text) if n}  # noqa: E731
    for key, entry in raw.items():
        assert set(entry) == {"en", "cy"} and fields(entry["en"]) == fields(entry["cy"]), key
    source = Path("reports/early_late.py").read_text(encoding="utf-8")
    used = set(re.findall(r"t\(\s*f?[\"'](el_[a-z0-9_{}.]+)[\"']", source))
    dynamic = {f"el_difference_{d.value}" for d in Difference} | {
        f"el_clause_{d}" for d in ("lower", "higher", "mixed")
    }
    dynamic |= {f"el_clause_group_{d}" for d in ("lower", "higher", "mixed")} | {f"el_limit_{x.value}" for x in Limit}
    dynamic |= {
        f"el_headline_{d}_{form}"
        for d in ("medians_only", "withheld", "protected", "others", "none")
        for form in ("one", "other")
    }
    dynamic |= {"el_share_from_2", "el_share_from_3"}
    assert used and not ({u for u in used if "{" not in u} | dynamic) - set(all_entries())
