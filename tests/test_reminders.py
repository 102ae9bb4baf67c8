"""Reminders with a fake clock: slots, quiet hours, British Summer Time, gap and maximum, targets, snooze, opt-out,
blocked chats, flood control, and a crash in the middle of a batch.  No sleeps: the clock is moved by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from bot.emulator import FAULTS
from bot.services import Services
from flows.delivery import Delivery
from flows.ports.reminders import ReminderPolicy
from flows.reminders import FINAL, Outcome, ReminderService, after_quiet, campaign_slots, due_slot
from flows.render import Screen
from storage.database import connect
from tests.conftest import FakeClock
from tests.support import World, add_campaign, last_toast, make_settings, onboard, person

LONDON = ZoneInfo("Europe/London")
POLICY = ReminderPolicy()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---- the calendar (pure) ---------------------------------------------------------------------------------------------


def test_slots_fall_on_the_chosen_weekdays_and_end_with_the_final_one():
    # Wed 25 Nov 2026 to Fri 18 Dec 2026; Tuesdays and Thursdays at 10:00; final 2 days before close (16 Dec 10:00).
    slots = campaign_slots(POLICY, date(2026, 11, 25), date(2026, 12, 18), LONDON)
    days = [s.id for s in slots]
    assert days == [
        "2026-11-26T10:00",
        "2026-12-01T10:00",
        "2026-12-03T10:00",
        "2026-12-08T10:00",
        "2026-12-10T10:00",
        "2026-12-15T10:00",
        FINAL,
    ]
    assert slots[-1].at == utc(2026, 12, 17, 10, 0)  # close is the end of 18 Dec: 2 days before = 17 Dec 10:00
    assert all(s.at.tzinfo is not None for s in slots)


def test_british_summer_time_keeps_the_local_hour():
    # BST starts Sun 28 Mar 2027 (clocks go forward) and ends Sun 25 Oct 2026 (clocks go back).
    policy = ReminderPolicy(
        weekdays=[0, 1, 2, 3, 4, 5, 6], times=[time(10, 0)], final_days_before_close=0, final_time=time(12, 0)
    )
    spring = {s.id: s.at for s in campaign_slots(policy, date(2027, 3, 27), date(2027, 3, 29), LONDON)}
    assert spring["2027-03-27T10:00"] == utc(2027, 3, 27, 10, 0)  # GMT
    assert spring["2027-03-28T10:00"] == utc(2027, 3, 28, 9, 0)  # BST: 10:00 local is 09:00 UTC
    autumn = {s.id: s.at for s in campaign_slots(policy, date(2026, 10, 24), date(2026, 10, 26), LONDON)}
    assert autumn["2026-10-24T10:00"] == utc(2026, 10, 24, 9, 0)
    assert autumn["2026-10-25T10:00"] == utc(2026, 10, 25, 10, 0)


def test_a_wall_clock_time_that_does_not_exist_is_skipped():
    # 01:30 does not exist on 28 Mar 2027 in London. Quiet hours off for this check.
    policy = ReminderPolicy(
        weekdays=[6], times=[time(1, 30)], quiet_start=time(0, 0), quiet_end=time(0, 0), final_time=time(9, 0)
    )
    ids = [s.id for s in campaign_slots(policy, date(2027, 3, 27), date(2027, 4, 5), LONDON)]
    assert "2027-03-28T01:30" not in ids and "2027-04-04T01:30" in ids


def test_quiet_hours_are_refused_in_the_policy_and_never_sent():
    with pytest.raises(ValueError, match="quiet hours"):
        ReminderPolicy(times=[time(21, 0)])
    slots = campaign_slots(POLICY, date(2026, 11, 25), date(2026, 12, 18), LONDON)
    thursday = slots[0].at
    assert due_slot(POLICY, slots, thursday, LONDON) == slots[0]
    assert due_slot(POLICY, slots, thursday + timedelta(hours=2), LONDON) == slots[0]  # within grace
    assert due_slot(POLICY, slots, thursday + timedelta(hours=4), LONDON) is None  # missed: given up, not sent late
    assert due_slot(POLICY, slots, thursday - timedelta(minutes=1), LONDON) is None
    # after_quiet moves 23:00 to 08:00 next day, and 07:00 to 08:00 the same day (in BST too).
    assert after_quiet(POLICY, utc(2026, 11, 25, 23, 0), LONDON) == utc(2026, 11, 26, 8, 0)
    assert after_quiet(POLICY, utc(2027, 6, 1, 6, 0), LONDON) == utc(2027, 6, 1, 7, 0)
    assert after_quiet(POLICY, utc(2026, 11, 25, 12, 0), LONDON) == utc(2026, 11, 25, 12, 0)


# ---- delivery through the database and the emulator ----------------------------------------------------------------


class FakeMessenger:
    """Records what would be sent; scripted failures per chat; can 'crash' (raise) after N sends."""

    def __init__(self):
        self.sent: list[tuple[int, Screen]] = []
        self.script: dict[int, list[Delivery]] = {}
        self.crash_after: int | None = None

    async def send(self, chat_id: int, screen: Screen) -> Delivery:
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise SystemExit("process killed")
        scripted = self.script.get(chat_id)
        if scripted:
            outcome = scripted.pop(0)
            if outcome.outcome is not Outcome.SENT:
                return outcome
        self.sent.append((chat_id, screen))
        return Delivery(Outcome.SENT)


@pytest.fixture
async def rw(emulator, tmp_path: Path, questionnaires) -> World:
    """Thursday 26 Nov 2026, 10:00 London: a Tuesday/Thursday slot is due. Flintshire: 10 members, 10 officers."""
    clock = FakeClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    settings = make_settings(emulator, tmp_path / "rem.db", auditor_ids=frozenset({4242}), rate_limit_retries=0)
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=10, members=10)
    async with aiosqlite.connect(settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET opens_on = '2026-11-20', closes_on = '2026-12-18'")
        await conn.commit()
    return world


async def started(world: World, role: str, n: int, *, answers: int = 2, first_user: int = 8000) -> list:
    """n respondents of a role who opened their link and answered a few questions, then went quiet."""
    drivers = []
    for i in range(n):
        driver = world.driver(first_user + i)
        await onboard(driver, world.tokens[role][i])
        for _ in range(answers):
            await driver.tap("Level 2")
        drivers.append(driver)
    return drivers


async def service(world: World, messenger) -> tuple[Services, ReminderService]:
    services = Services(world.settings, clock=world.clock)
    await services.open(messenger)
    return services, services.reminders


async def statuses(world: World) -> dict[str, int]:
    async with aiosqlite.connect(world.settings.db_path) as conn:
        async with conn.execute("SELECT status, COUNT(*) FROM reminders GROUP BY status") as cur:
            return {row[0]: row[1] async for row in cur}


async def test_reminders_go_to_starters_of_the_lagging_group_in_their_language(rw: World):
    async with rw.bot():
        members = await started(rw, "member", 3)
        welsh = rw.driver(8100, language_code="cy")
        await onboard(welsh, rw.tokens["member"][5], language="Cymraeg")
        await welsh.tap("Lefel 1")
        officers = await started(rw, "officer", 2, first_user=8200)
    rw.clock.advance(days=1, hours=1)  # Fri 10:00: no slot. Active yesterday anyway.
    messenger = FakeMessenger()
    services, reminders = await service(rw, messenger)
    try:
        assert (await reminders.tick()).queued == 0
        rw.clock.current = datetime(2026, 12, 1, 10, 5, tzinfo=UTC)  # Tuesday 10:05
        report = await reminders.tick()
    finally:
        await services.close()
    chats = {chat for chat, _ in messenger.sent}
    # Both groups are below target (no submissions yet), so everyone who started is reminded, once.
    assert report.sent == 6 and chats == {d.user.id for d in [*members, welsh, *officers]}
    english = next(s for c, s in messenger.sent if c == members[0].user.id)
    assert (
        "You have answered 2 of" in english.text
        and "min left" in english.text
        and "closes in 17 day(s)" in english.text
    )
    assert [b.label for row in english.buttons for b in row] == [
        "Continue ▶",
        "Remind me tomorrow",
        "No more reminders",
    ]
    cymraeg = next(s for c, s in messenger.sent if c == welsh.user.id)
    assert "Rydych wedi ateb 1 o" in cymraeg.text


async def test_a_group_at_target_gets_only_the_final_reminder(rw: World):
    async with aiosqlite.connect(rw.settings.db_path) as conn:  # officers' target 20%: 2 of 10 reach it once submitted
        await conn.execute("UPDATE campaigns SET target_officer = 0.1")
        await conn.commit()
    async with rw.bot():
        officers = await started(rw, "officer", 2, first_user=8200)
        finisher = rw.driver(8300)  # one officer submits: 1 of 10 = 10% = target
        await onboard(finisher, rw.tokens["officer"][9])
        async with aiosqlite.connect(rw.settings.db_path) as conn:
            await conn.execute(
                "INSERT INTO submissions SELECT id, 'officer', 1, '2026-11-26T09:30:00+00:00'"
                " FROM invitations WHERE telegram_user_id = 8300"
            )
            await conn.commit()
    messenger = FakeMessenger()
    services, reminders = await service(rw, messenger)
    try:
        rw.clock.current = datetime(2026, 12, 1, 10, 5, tzinfo=UTC)
        assert (await reminders.tick()).sent == 0  # officers are at target: no ordinary reminder
        rw.clock.current = datetime(2026, 12, 17, 10, 5, tzinfo=UTC)  # the final slot: 17 Dec 10:00 GMT
        report = await reminders.tick()
    finally:
        await services.close()
    assert report.sent == 2 and {c for c, _ in messenger.sent} == {d.user.id for d in officers}
    assert all("Last reminder" in s.text for _, s in messenger.sent)


async def test_gap_and_maximum_per_person(rw: World):
    async with rw.bot():
        (member,) = await started(rw, "member", 1)
    messenger = FakeMessenger()
    services, reminders = await service(rw, messenger)
    try:
        sent_on = []
        for day in (1, 3, 8, 10, 15):  # Tuesdays and Thursdays in December
            rw.clock.current = datetime(2026, 12, day, 10, 1, tzinfo=UTC)
            if (await reminders.tick()).sent:
                sent_on.append(day)
            assert (await reminders.tick()).sent == 0  # a second tick in the same slot never repeats it
    finally:
        await services.close()
    # 1 Dec sent; 3 Dec is under the 3-day gap; 8 Dec sent; 10 Dec gap; 15 Dec sent; then the maximum (3) is reached.
    assert sent_on == [1, 8, 15]
    rw.clock.current = datetime(2026, 12, 16, 10, 1, tzinfo=UTC)
    services, reminders = await service(rw, messenger)
    try:
        assert (await reminders.tick()).sent == 0  # the final one too: the maximum counts
    finally:
        await services.close()
    assert len(messenger.sent) == 3 and member.user.id == messenger.sent[0][0]


async def test_snooze_opt_out_and_continue_through_telegram(rw: World):
    rw.clock.current = datetime(2026, 11, 26, 10, 1, tzinfo=UTC)
    async with rw.bot() as services:
        snoozer, quitter, returner = await started(rw, "member", 3)
        rw.clock.current = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)
        report = await services.reminders.tick()
        assert report.sent == 3
        for driver in (snoozer, quitter, returner):
            await driver.expect("A reminder about the data tool")
        await snoozer.tap("Remind me tomorrow")
        assert "remind you tomorrow" in snoozer.last.text
        await quitter.tap("No more reminders")
        assert "won't get any more reminders" in quitter.last.text
        await returner.tap("Continue")
        assert "Question 3 of" in returner.last.text  # the reminder became the question
        await returner.tap("Level 3")
        rw.clock.advance(hours=12)  # 22:01: quiet hours, the snooze waits
        assert (await services.reminders.tick()).sent == 0
        rw.clock.advance(hours=12)  # Wednesday 10:01: the snooze comes round; nobody else is due
        report = await services.reminders.tick()
        assert report.sent == 1
        await snoozer.expect("A reminder about the data tool")
        rw.clock.current = datetime(2026, 12, 8, 10, 1, tzinfo=UTC)
        report = await services.reminders.tick()
        # the snoozer (gap since 1 Dec; the snooze is not counted) and the returner (answered on 1 Dec); never
        # the one who turned reminders off.
        assert report.sent == 2
    # The quitter's one reminder became the confirmation; no reminder was sent to them after that.
    assert [m.text for m in quitter.messages if "reminder" in m.text.lower()] == [
        "You won't get any more reminders. Your answers so far are saved; /resume carries on at any time."
    ]


async def test_a_blocked_chat_is_marked_unreachable_and_left_alone(rw: World):
    async with rw.bot() as services:
        blocker, other = await started(rw, "member", 2)
        rw.emu.block(blocker.user.id)
        rw.clock.current = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)
        report = await services.reminders.tick()
        assert (report.sent, report.unreachable) == (1, 1)
        rw.clock.current = datetime(2026, 12, 8, 10, 1, tzinfo=UTC)
        report = await services.reminders.tick()
        assert (report.sent, report.unreachable) == (1, 0)  # the blocked chat is not tried again
    assert await statuses(rw) == {"sent": 2, "unreachable": 1}


async def test_flood_control_waits_the_time_telegram_names(rw: World):
    async with rw.bot() as services:
        await started(rw, "member", 3)
        rw.emu.fail_next("sendMessage", 429, retry_after=30)
        rw.clock.current = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)
        first = await services.reminders.tick()
        assert first.sent == 0 and first.paused_until == rw.clock.current + timedelta(seconds=30)
        rw.clock.advance(seconds=10)
        assert (await services.reminders.tick()).sent == 0  # still waiting: nothing is sent early
        rw.clock.advance(seconds=21)
        assert (await services.reminders.tick()).sent == 3  # then everyone, once
    assert await statuses(rw) == {"sent": 3}


async def test_other_errors_back_off_then_are_recorded(rw: World):
    async with rw.bot():
        (member,) = await started(rw, "member", 1)
    messenger = FakeMessenger()
    messenger.script[member.user.id] = [Delivery(Outcome.RETRY, error="NetworkError: server error")] * 3
    services, reminders = await service(rw, messenger)
    try:
        rw.clock.current = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)
        await reminders.tick()
        assert await statuses(rw) == {"queued": 1}
        rw.clock.advance(seconds=30)
        await reminders.tick()
        assert len(messenger.script[member.user.id]) == 2  # not yet retried
        rw.clock.advance(minutes=1)
        await reminders.tick()  # second attempt fails: wait 5 min
        rw.clock.advance(minutes=6)
        await reminders.tick()  # third attempt fails: recorded
        assert await statuses(rw) == {"failed": 1}
    finally:
        await services.close()
    assert messenger.sent == []


async def test_a_crash_mid_batch_neither_repeats_nor_drops(rw: World):
    async with rw.bot():
        await started(rw, "member", 5)
    rw.clock.current = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)
    messenger = FakeMessenger()
    messenger.crash_after = 2  # the process dies while sending the third
    services, reminders = await service(rw, messenger)
    with pytest.raises(SystemExit):
        await reminders.tick()
    await services.close()
    assert await statuses(rw) == {"sent": 2, "sending": 1, "queued": 2}
    messenger.crash_after = None
    rw.clock.advance(minutes=1)
    services, reminders = await service(rw, messenger)  # restart
    try:
        report = await reminders.tick()
    finally:
        await services.close()
    assert report.sent == 2
    assert await statuses(rw) == {"sent": 4, "unknown": 1}
    chats = [c for c, _ in messenger.sent]
    assert len(chats) == len(set(chats)) == 4  # nobody twice; the one in flight is not resent


async def test_auditor_sends_a_round_now_after_confirmation(rw: World):
    rw.clock.current = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)  # they start on Wednesday ...
    async with rw.bot() as services:
        members = await started(rw, "member", 2)
        await started(rw, "officer", 1, first_user=8500)
        rw.clock.current = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # ... and on Friday afternoon (no slot) are due
        auditor = rw.driver(4242)
        await auditor.command("remind", "flint", "members")
        assert "Send a reminder now to 2 members" in auditor.last.text
        await auditor.tap("Send to 2 now")
        assert "Queued 2 reminder(s)" in auditor.last.text
        report = await services.reminders.tick()
        assert report.sent == 2
        for driver in members:
            await driver.expect("A reminder about the data tool")
        rw.clock.current = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
        await auditor.command("remind", "flint")
        assert "quiet hours" in auditor.last.text and not auditor.last.buttons
        outsider = rw.driver(999)
        await outsider.command("remind", "flint")
        assert "don't know that command" in outsider.last.text


def test_a_campaign_can_carry_its_own_policy(tmp_path: Path, monkeypatch, capsys):
    from bot.cli import main

    for key in list(__import__("os").environ):
        if key.startswith("DATATOOL_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATATOOL_DB_PATH", str(tmp_path / "p.db"))
    policy = tmp_path / "weekly.yaml"
    policy.write_text("weekdays: [0]\ntimes: ['13:30']\nmax_per_person: 1\n")
    closes = (date.today() + timedelta(days=60)).isoformat()  # within the years a close date may be ahead
    assert main(["campaign", "create", "--authority", "powys", "--closes", closes, "--reminders", str(policy)]) == 0
    bad = tmp_path / "night.yaml"
    bad.write_text("times: ['23:00']\n")
    assert main(["campaign", "create", "--authority", "powys", "--closes", closes, "--reminders", str(bad)]) == 2
    assert "quiet hours" in capsys.readouterr().err

    async def stored() -> ReminderPolicy:
        from config.reminder_policy import load_reminder_policy
        from storage.reminders import ReminderRepository

        conn = await connect(tmp_path / "p.db")
        try:
            return await ReminderRepository(conn, load_reminder_policy()).policy_for_campaign(1)
        finally:
            await conn.close()

    import asyncio

    own = asyncio.run(stored())
    assert own.weekdays == [0] and own.times == [time(13, 30)] and own.max_per_person == 1


async def test_someone_who_only_opened_the_link_is_reminded_in_their_telegram_language(rw: World):
    async with rw.bot() as services:
        opener = rw.driver(8600, language_code="cy")
        await opener.start(rw.tokens["member"][0])  # opened the link, never chose a language
        rw.clock.current = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)
        assert (await services.reminders.tick()).sent == 1
        reminder = await opener.expect("Nodyn atgoffa")
        assert "Rydych wedi ateb 0 o" in reminder.text
        await opener.tap("Parhau")
        assert "Pa iaith" in opener.last.text  # carrying on starts where they are: choosing a language


# ---- Telegram faults and manual rounds (issue 9, defects 4 and 6) ---------------------------------------------------

REMINDER = "A reminder about the data tool"
TIMEOUT, HELD = 1.0, 2.0  # the bot's read timeout in the timeout cases, and how long the emulator holds its answer


async def quick_starters(world: World, role: str, n: int, *, first_user: int = 8000) -> list:
    """Like ``started``, with drivers that wait less."""
    drivers = []
    for i in range(n):
        driver = person(world, first_user + i)
        await onboard(driver, world.tokens[role][i])
        await driver.tap("Level 2")
        drivers.append(driver)
    return drivers


def reminders_received(driver) -> int:
    return sum(REMINDER in m.text for m in driver.messages)


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_round_under_a_telegram_fault_sends_nobody_a_reminder_twice_and_drops_nobody(rw: World, fault: str):
    async with rw.bot():
        people = await quick_starters(rw, "member", 4)
    rw.settings = make_settings(
        rw.emu,
        rw.settings.db_path,
        auditor_ids=frozenset({4242}),
        rate_limit_retries=0,
        telegram_timeout=TIMEOUT if fault == "timeout" else 10.0,
    )
    rw.clock.current = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)  # Tuesday's slot
    async with rw.bot() as services:
        rw.emu.strike("sendMessage", fault, after=1, hold=HELD)  # the second reminder of the round
        first = await services.reminders.tick()  # no exception escapes, whatever Telegram does
        for _ in range(5):  # the retries: flood control's 5 s, the back-off's 1 and 5 minutes
            rw.clock.advance(minutes=3)
            await services.reminders.tick()
    received = {d.user.id: reminders_received(d) for d in people}
    hit = people[1].user.id  # invitations are sent in order: the second person's reminder met the fault
    assert all(n <= 1 for n in received.values()), received  # nobody twice
    expected = {
        "429": {"sent": 4},
        "500": {"sent": 4},
        "timeout": {"sent": 3, "unknown": 1},
        "403": {"sent": 3, "unreachable": 1},
    }[fault]
    assert await statuses(rw) == expected
    if fault == "403":  # a chat that refuses the bot is unreachable: that person is no longer eligible
        assert received == {d.user.id: int(d.user.id != hit) for d in people}
    else:  # everyone else got theirs; the timed-out one arrived once and was never sent again
        assert set(received.values()) == {1}, received
    if fault == "429":
        assert first.sent == 1 and first.paused_until == datetime(2026, 12, 1, 10, 1, 5, tzinfo=UTC)
    if fault == "timeout":
        assert first.unknown == 1
        async with aiosqlite.connect(rw.settings.db_path) as conn:
            async with conn.execute(
                "SELECT i.chat_id FROM reminders r JOIN invitations i ON i.id = r.invitation_id"
                " WHERE r.status = 'unknown'"
            ) as cur:
                assert [row[0] async for row in cur] == [hit]


async def remind_confirmation(auditor, *args: str) -> tuple[int, str, str]:
    """Ask for a round; returns the confirmation's message id, its 'Send' button data, and its text."""
    await auditor.command("remind", "flint", *args)
    message = auditor.last
    sends = [data for label, data in (b for row in message.buttons for b in row) if label.startswith("Send to")]
    assert sends, message.text
    return message.message_id, sends[0], message.text


async def test_remind_right_after_a_scheduled_round_sends_nothing_to_those_just_reminded(rw: World):
    async with aiosqlite.connect(rw.settings.db_path) as conn:  # officers are at target: the slot is members' only
        await conn.execute("UPDATE campaigns SET target_officer = 0")
        await conn.commit()
    rw.clock.current = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday
    async with rw.bot() as services:
        members = await quick_starters(rw, "member", 3)
        officers = await quick_starters(rw, "officer", 2, first_user=8500)
        rw.clock.current = datetime(2026, 12, 1, 10, 1, tzinfo=UTC)  # Tuesday's slot
        assert (await services.reminders.tick()).sent == 3
        rw.clock.advance(minutes=5)
        auditor = person(rw, 4242)
        await auditor.command("remind", "flint", "members")  # the members were reminded five minutes ago
        assert "No members at Flintshire County Council can be reminded now" in auditor.last.text
        assert not auditor.last.buttons and "not reminded in the last 3 day(s)" in auditor.last.text
        message_id, data, text = await remind_confirmation(auditor)  # everyone: only the officers are due
        assert "Send a reminder now to 2 respondents" in text and "Send to 2 now" in str(auditor.last.buttons)
        await auditor.tap_on(message_id, data)
        assert "Queued 2 reminder(s)" in auditor.last.text
        await services.reminders.tick()
    assert [reminders_received(d) for d in members] == [1, 1, 1]  # not a second one
    assert [reminders_received(d) for d in officers] == [1, 1]


async def test_a_remind_confirmation_works_once_whoever_presses_it(rw: World):
    rw.settings = make_settings(rw.emu, rw.settings.db_path, auditor_ids=frozenset({4242, 4343}), rate_limit_retries=0)
    rw.clock.current = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    async with rw.bot() as services:
        members = await quick_starters(rw, "member", 4)
        rw.clock.current = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # Friday afternoon: no slot, all four due
        first, second = person(rw, 4242), person(rw, 4343)
        await second.command("campaigns")
        message_id, data, text = await remind_confirmation(first, "members")
        assert "Send a reminder now to 4 members" in text and data.startswith("cf:remind:") and len(data.encode()) <= 64
        # Between the confirmation and the press, one of the four turns reminders off: the press says so.
        async with aiosqlite.connect(rw.settings.db_path) as conn:
            await conn.execute(
                "UPDATE invitations SET reminders_off_at = '2026-11-27T14:00:30+00:00' WHERE telegram_user_id = ?",
                (members[3].user.id,),
            )
            await conn.commit()
        rw.clock.advance(minutes=1)
        await first.tap_on(message_id, data)
        assert "Queued 3 reminder(s)" in first.last.text and "1 of the 4 counted are no longer due" in first.last.text
        assert (await services.reminders.tick()).sent == 3
        # The same button again, a minute later (a double tap, or the message pressed again) ...
        rw.clock.advance(minutes=1)
        await first.tap_on(message_id, data, forge=True)  # the keyboard was replaced: press its data all the same
        assert "already sent by you at 14:01 on 27/11/2026: 3 reminder(s) queued" in first.last.text
        # ... and a second auditor pressing the same button.
        await second.tap_on(second.last.message_id, data, forge=True)
        assert "already sent by another auditor" in second.last.text
        # A second auditor's own round right after it finds nobody due: the policy's gap holds for manual rounds.
        await second.command("remind", "flint")
        assert "can be reminded now" in second.last.text and not second.last.buttons
        assert (await services.reminders.tick()).sent == 0
    assert [reminders_received(d) for d in members] == [1, 1, 1, 0]  # the count shown at the press, exactly
    async with aiosqlite.connect(rw.settings.db_path) as conn:
        async with conn.execute(
            "SELECT COUNT(*), SUM(queued), SUM(sent_by = 4242) FROM manual_rounds WHERE sent_at IS NOT NULL"
        ) as cur:
            assert await cur.fetchone() == (1, 3, 1)


async def test_an_out_of_date_remind_button_sends_nothing(rw: World):
    rw.clock.current = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    async with rw.bot() as services:
        members = await quick_starters(rw, "member", 2)
        rw.clock.current = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
        auditor = person(rw, 4242)
        await auditor.command("campaigns")
        # The format buttons had before one-time codes (campaign id and roles), and a forged code.
        for data in ("cf:remind:1:all", "cf:remind:nonsense"):
            await auditor.tap_on(auditor.last.message_id, data, forge=True)
            assert "out of date" in (last_toast(rw.emu) or "")
        assert (await services.reminders.tick()).sent == 0
    assert [reminders_received(d) for d in members] == [0, 0]
