"""The /rates forecast (issue 13 item 3): where each group's rate is heading by the close, as a range, whether the
target is likely, and how many more responses would bring the margin to ±10 points.  The model on constructed
histories with figures worked out by hand; the history read from storage; /rates in English and Cymraeg."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import aiosqlite
import pytest

from reports.forecast import LIKELY, POSSIBLE, PRIOR, UNLIKELY, GroupHistory, forecast_group
from reports.stats import margin, pct, responses_for_margin
from storage.database import connect
from storage.history import HistoryRepository
from tests.support import World, add_campaign, make_settings, person, seed_progress

AUDITOR, WELSH = 4242, 4343
D0 = datetime(2027, 1, 1, tzinfo=UTC)


def day(x: float) -> datetime:
    return D0 + timedelta(days=x)


# ---- the model, by hand -------------------------------------------------------------------------------------------


def test_one_reminder_wave_seen_and_two_to_come():
    # 65 members, target 50%. Fieldwork opened on day 0, closes at the end of day 20 (day 21), it is now day 10.
    # Invitation wave [0, 3): 6 on day 1. Between waves: 1 on day 4. Reminder on day 5, its wave [5, 8): 6 on day 6.
    # Between waves: 1 on day 9. So n = 14, R = 51.
    history = GroupHistory(
        "member",
        65,
        (*[day(1)] * 6, day(4), *[day(6)] * 6, day(9)),
        reminders_sent=(day(5),),
        reminders_left=(day(12), day(15)),
        target=0.5,
    )
    f = forecast_group(history, D0, day(21), day(10))
    assert f.responded == 14
    # Yield of the day-5 wave: 6 of the 65 - 7 = 58 not yet responded = 3/29; range per reminder 3/58 .. 3/29.
    assert not f.from_prior and f.per_reminder == (Fraction(3, 58), Fraction(3, 29))
    # Trickle: the last 7 days are [3, 10); outside the waves [3, 5) and [8, 10) = 4 days with 2 responses -> 1/2 a day.
    assert f.trickle_per_day == Fraction(1, 2)
    # Days left [10, 21) = 11, less the waves of the reminders to come [12, 15) and [15, 18) = 5 wave-free days:
    # trickle high 5/2, low 5/4.  Two reminders to come.
    # low:  5/4 + (51 - 5/4) * (1 - (55/58)^2) = 1.25 + 49.75 * 339/3364 = 1.25 + 5.0135 = 6.26 -> 6 -> 20 of 65 = 31%
    # high: 5/2 + (51 - 5/2) * (1 - (26/29)^2) = 2.5 + 48.5 * 165/841 = 2.5 + 9.5155 = 12.02 -> 13 -> 27 of 65 = 42%
    assert f.reminders_left == 2 and (f.low, f.high) == (20, 27)
    assert (pct(f.low_rate), pct(f.high_rate)) == (31, 42)
    # Target 50% of 65 = 32.5 -> 33: even the high end (27) falls short.
    assert f.target_count == 33 and f.outlook == UNLIKELY
    # ±10 points for N = 65 needs 40 responses (below): 40 - 14 = 26 more.
    assert f.more_for_margin == 26


def test_no_reminder_yet_uses_the_prior_range():
    # 62 officers, target 50% (31). Opened day 0, closes day 14, now day 2: 10 responses on day 1, all in the
    # invitation wave, and no wave-free day yet, so no trickle.  Three reminders to come (days 4, 8, 12).
    history = GroupHistory("officer", 62, (day(1),) * 10, reminders_left=(day(4), day(8), day(12)), target=0.5)
    f = forecast_group(history, D0, day(14), day(2))
    assert f.from_prior and f.per_reminder == PRIOR == (Fraction(1, 20), Fraction(3, 20))
    assert f.trickle_per_day == 0
    # low:  52 * (1 - 0.95^3) = 52 * 1141/8000 = 7.42 -> 7 -> 17 of 62 = 27%
    # high: 52 * (1 - 0.85^3) = 52 * 3087/8000 = 20.07 -> 21 -> 31 of 62 = 50%
    assert (f.low, f.high) == (17, 31) and (pct(f.low_rate), pct(f.high_rate)) == (27, 50)
    assert f.target_count == 31 and f.outlook == POSSIBLE  # the low end falls short, the high end reaches it
    # ±10 points for N = 62: 0.9604 (62 - n) <= 0.61 n -> n >= 37.92 -> 38; 38 - 10 = 28 more.
    assert f.more_for_margin == 28


def test_a_group_already_at_target_is_likely_and_the_range_stays_within_those_invited():
    # 10 invited, target 50% (5); 6 already responded, one final reminder left.
    history = GroupHistory("member", 10, (day(1),) * 6, reminders_left=(day(12),), target=0.5)
    f = forecast_group(history, D0, day(14), day(5))
    assert f.low >= 6 and f.high <= 10 and f.outlook == LIKELY
    # ±10 points for N = 10: 0.9604 (10 - n) <= 0.09 n -> n >= 9.14 -> 10; 10 - 6 = 4 more.
    assert f.more_for_margin == 4
    everyone = forecast_group(
        GroupHistory("member", 10, (day(1),) * 10, reminders_left=(day(12),), target=0.5), D0, day(14), day(5)
    )
    assert (everyone.low, everyone.high, everyone.more_for_margin) == (10, 10, 0)
    assert everyone.high_rate == 1


def test_responses_for_a_ten_point_margin_n65_n9_by_hand():
    # 1.96 * sqrt(0.25 / n) * sqrt((65 - n) / 64) <= 0.10  <=>  0.9604 (65 - n) <= 0.64 n  <=>  n >= 62.426 / 1.6004
    # = 39.006, so n = 40: 40 gives ±9.68 points, 39 gives ±10.002 (just over).  9 of 65 so far: 31 more.
    assert margin(40, 65) == pytest.approx(0.09684, abs=1e-5)
    assert margin(39, 65) == pytest.approx(0.10002, abs=1e-5) and margin(39, 65) > 0.10
    assert responses_for_margin(9, 65) == 31
    assert responses_for_margin(40, 65) == responses_for_margin(65, 65) == 0
    history = GroupHistory("member", 65, (day(1),) * 9, reminders_left=(day(12),), target=0.5)
    assert forecast_group(history, D0, day(14), day(5)).more_for_margin == 31


def test_the_range_starts_at_the_current_rate_or_above_and_never_passes_100_percent():
    rng = random.Random(13)
    for _ in range(300):
        invited = rng.randint(1, 80)
        close = rng.uniform(5, 40)
        now = rng.uniform(0, close)
        submitted = tuple(day(rng.uniform(0, now)) for _ in range(rng.randint(0, invited)))
        sent = tuple(day(rng.uniform(0, now)) for _ in range(rng.randint(0, 4)))
        left = tuple(day(rng.uniform(now, close)) for _ in range(rng.randint(0, 5)))
        target = rng.choice([None, 0.3, 0.5, 0.8])
        f = forecast_group(GroupHistory("officer", invited, submitted, sent, left, target), D0, day(close), day(now))
        assert f.responded == len(submitted)
        assert f.responded <= f.low <= f.high <= invited
        assert Fraction(f.responded, invited) <= f.low_rate <= f.high_rate <= 1
        assert (f.outlook is None) == (target is None)
        assert f.more_for_margin >= 0


# ---- storage and /rates ---------------------------------------------------------------------------------------------


@pytest.fixture
async def fw(emulator, tmp_path: Path, clock, questionnaires) -> World:
    """Flintshire's real numbers, 62 officers and 65 members, opened 22/11/2026 and closing 15/12/2026; now is
    Wednesday 25/11/2026 10:00 UTC."""
    settings = make_settings(emulator, tmp_path / "forecast.db", auditor_ids=frozenset({AUDITOR, WELSH}))
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=62, members=65)
    return world


async def test_history_reads_submission_times_and_reminder_rounds_per_role(fw: World):
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=2, when="2026-11-23T09:00:00+00:00")
    await seed_progress(fw.settings.db_path, fw.campaign_id, "officer", submitted=1, when="2026-11-24T12:00:00+00:00")
    async with aiosqlite.connect(fw.settings.db_path) as conn:
        async with conn.execute(
            "SELECT id FROM invitations WHERE campaign_id = ? AND role = 'member'"
            " AND id NOT IN (SELECT invitation_id FROM submissions) ORDER BY id LIMIT 3",
            (fw.campaign_id,),
        ) as cur:
            a, b, c = [row[0] async for row in cur]
        rows = [
            (a, "2026-11-24T10:00", "sent", "2026-11-24T10:00:05+00:00"),
            (b, "2026-11-24T10:00", "sent", "2026-11-24T10:00:01+00:00"),
            (c, "snooze:2026-11-24T15:00:00+00:00", "sent", "2026-11-24T15:00:00+00:00"),  # asked for: no round
            (c, "final", "queued", None),
        ]  # not sent yet
        await conn.executemany(
            "INSERT INTO reminders (invitation_id, slot, status, queued_at, sent_at)"
            " VALUES (?, ?, ?, '2026-11-24T10:00:00+00:00', ?)",
            rows,
        )
        await conn.commit()
    db = await connect(fw.settings.db_path)
    try:
        history = HistoryRepository(db)
        times = await history.submission_times(fw.campaign_id)
        rounds = await history.reminder_rounds(fw.campaign_id)
    finally:
        await db.close()
    assert times == {
        "officer": [datetime(2026, 11, 24, 12, tzinfo=UTC)],
        "member": [datetime(2026, 11, 23, 9, tzinfo=UTC)] * 2,
    }
    assert rounds == {"officer": [], "member": [datetime(2026, 11, 24, 10, 0, 1, tzinfo=UTC)]}


async def test_rates_shows_the_forecast_in_english_and_cymraeg(fw: World):
    # 40 of 62 officers and 9 of 65 members, all at 09:00 today, after the invitation wave (22/11-24/11) but with
    # under a day of wave-free time: no trickle yet, and no reminder wave seen, so the prior 5%-15% per reminder.
    # Default policy (Tue and Thu 10:00, final 2 days before close): still to come 26/11, 1/12, 3/12, 8/12, 10/12
    # and the final on 14/12.  Targets: officers 60% (38 of 62), members 50% (33 of 65).
    # Members (below target, all 6 slots): R = 56.  low 56 * (1 - 0.95^6) = 14.83 -> 14 -> 23 of 65 = 35%;
    #   high 56 * (1 - 0.85^6) = 34.88 -> 35 -> 44 of 65 = 68%.  Target 33: possible.  ±10: 40 - 9 = 31 more.
    # Officers (past their target, so only the final slot, as the planner sends): R = 22.  low 22 * 0.05 = 1.1 -> 1
    #   -> 41 of 62 = 66%; high 22 * 0.15 = 3.3 -> 4 -> 44 of 62 = 71%.  Likely.  ±10 needs 38: already within.
    await seed_progress(fw.settings.db_path, fw.campaign_id, "officer", submitted=40, started=5)
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=9, started=3)
    async with fw.bot():
        auditor = person(fw, AUDITOR)
        await auditor.command("rates", "flint")
        text = auditor.last.text
        for expected in (
            "projection from the pattern so far",
            "not a promise",
            (
                "Officers: heading for 66%–71% by 15/12/2026 (target 60%: likely); "
                "the margin is already within ±10 points"
            ),
            (
                "Elected Members: heading for 35%–68% by 15/12/2026 (target 50%: possible); "
                "31 more responses would bring the margin to ±10 points; no reminder wave seen yet: "
                "5%–15% of those remaining assumed per reminder"
            ),
            "First /rates",
        ):
            assert expected in text, expected
        assert len(text) < 4096
        welsh = person(fw, WELSH, language_code="cy")
        await welsh.command("rates", "flint")
        text = welsh.last.text
        for expected in (
            "amcanestyniad o'r patrwm hyd yma",
            "nid addewid",
            (
                "Swyddogion: yn anelu at 66%–71% erbyn 15/12/2026 (targed 60%: tebygol); "
                "mae'r lwfans gwall eisoes o fewn ±10 pwynt"
            ),
            (
                "Aelodau Etholedig: yn anelu at 35%–68% erbyn 15/12/2026 (targed 50%: posibl); "
                "byddai 31 ymateb arall yn dod â'r lwfans gwall i ±10 pwynt"
            ),
        ):
            assert expected in text, expected


async def test_no_forecast_once_fieldwork_is_closed(fw: World):
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=9)
    async with fw.bot():
        auditor = person(fw, AUDITOR)
        await auditor.command("rates", "flint")
        assert "heading for" in auditor.last.text
        fw.clock.advance(days=21)  # past the close date
        await auditor.command("rates", "flint")
        assert "heading for" not in auditor.last.text and "projection" not in auditor.last.text


async def test_rates_for_a_council_whose_stored_policy_is_out_of_bounds_still_shows_its_rates(fw: World, caplog):
    """A policy stored before its bounds were checked (issue 21 item 5): /rates shows the rates without a forecast,
    and the failure is logged by type and place."""
    await seed_progress(fw.settings.db_path, fw.campaign_id, "member", submitted=9)
    async with aiosqlite.connect(fw.settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET reminder_policy = '{\"min_gap_days\": null}'")
        await conn.commit()
    async with fw.bot():
        auditor = person(fw, AUDITOR)
        await auditor.command("rates", "flint")
    assert "Elected Members" in auditor.last.text and "heading for" not in auditor.last.text
    assert any(f"campaign {fw.campaign_id}: no forecast: ValidationError at " in r.getMessage() for r in caplog.records)
