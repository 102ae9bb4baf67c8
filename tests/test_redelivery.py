"""Each Telegram update is handled once (issue 21, item 1), and typed text belongs to the questionnaire and the question
that were on screen when it was typed (items 1 and 7).

Telegram delivers an update again whenever the bot's receipt did not reach it: a webhook answered with an error or too
late, a long-polling bot that died before its next getUpdates confirmed the offset.  The update comes with the same
``update_id``.  Every update that changed something is recorded with the change, in one transaction; one that changed
nothing is recorded after it was decided; a second delivery changes nothing and shows the person's current screen.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.privacy import DEFAULT_PRIVACY_NOTICE, load_privacy_notice
from flows import callbacks
from flows.callbacks import Action
from flows.i18n import catalogue
from flows.ports.respondents import RespondentStore
from flows.render import Screen
from flows.replies import Reply, Who
from flows.respondents import Respondents
from flows.tokens import hash_token
from storage.database import connect
from storage.repositories import CampaignRepository
from storage.respondents import RespondentRepository
from tests.conftest import FakeClock
from tests.memory_store import MemoryStore
from tests.support import World, current_question, onboard, person, stored_answers

ZONE = ZoneInfo("Europe/London")
TOKENS = {
    "officer": ["officer-token-one-000001", "officer-token-two-000002"],
    "member": ["member-token-one-0000001", "member-token-two-0000002"],
}


def last_update_id(world: World, user_id: int) -> int:
    return world.emu.updates_from(user_id)[-1]["update_id"]


# ---- end to end: the same update delivered twice through the emulator -----------------------------------------------


async def test_a_typed_answer_delivered_twice_answers_one_question(world: World) -> None:
    """The issue's case: "2" typed at question 2 and delivered again jumped to question 4."""
    token = world.tokens["officer"][0]
    async with world.bot():
        driver = person(world, 2101)
        await onboard(driver, token)
        await driver.tap("Level 2")  # question 1 by button: on question 2 now
        assert current_question(driver.last) == ("kc_standards", "choice")
        reply = await driver.send("2")
        assert current_question(reply) == ("kc_customer_data", "choice")
        typed = last_update_id(world, 2101)
        world.emu.deliver_again(typed)
        again = await driver.expect("Question 3 of")  # the current screen again, nothing answered
        assert current_question(again) == ("kc_customer_data", "choice")
        await world.emu.wait_until_updates_consumed()
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l2", "kc_standards": "l2"}


async def test_a_press_delivered_again_after_the_answer_was_changed_changes_nothing(world: World) -> None:
    token = world.tokens["member"][0]
    async with world.bot():
        driver = person(world, 2102)
        await onboard(driver, token)
        await driver.tap("Level 1")
        first_press = last_update_id(world, 2102)
        await driver.tap("Back")
        await driver.tap("Level 3")  # changed their mind
        world.emu.deliver_again(first_press)
        await world.emu.wait_until_updates_consumed()
        await world.emu.wait_until_quiet(driver.chat_id)
        assert current_question(driver.last) == ("kc_standards", "choice")
    assert await stored_answers(world.settings.db_path, token) == {"kc_leadership": "l3"}


async def test_a_redelivered_start_after_withdrawal_does_not_bind_again(world: World) -> None:
    """A /start refused when it came (the link was someone else's) is not acted on when it comes again later."""
    token = world.tokens["officer"][1]
    async with world.bot():
        owner, other = person(world, 2103), person(world, 2104)
        await onboard(owner, token)
        await other.start(token)
        assert "already" in other.last.text.lower() or "another" in other.last.text.lower()
        refused = last_update_id(world, 2104)
        await owner.command("withdraw")
        await owner.tap("Yes")
        world.emu.deliver_again(refused)
        await world.emu.wait_until_updates_consumed()
        await world.emu.wait_until_quiet(other.chat_id)
    async with world.bot() as services:
        assert await services.respondents.store.invitation_for_user(2104) is None


# ---- the service: typed text overtaken, and one account with two councils ---------------------------------------------


def service_on(store: RespondentStore, clock: FakeClock, questionnaires, *, outputs=None) -> Respondents:
    return Respondents(
        store, clock, questionnaires, catalogue(), ZONE, load_privacy_notice(DEFAULT_PRIVACY_NOTICE), outputs=outputs
    )


def screen_of(reply: Reply) -> Screen:
    screen = reply.send[-1] if reply.send else reply.edit
    assert screen is not None, reply
    return screen


def button(reply: Reply, action: Action, nth: int = 0) -> str:
    found = [
        b.data
        for row in screen_of(reply).buttons
        for b in row
        if (cb := callbacks.decode(b.data)) is not None and cb.action is action
    ]
    assert found, f"no {action.name} button on {screen_of(reply)!r}"
    return found[nth]


class Updates:
    """A person whose every action comes in a Telegram update with the next id."""

    def __init__(self, who: Who, start: int = 100):
        self.who, self.next = who, start

    def __call__(self) -> Who:
        self.next += 1
        return replace(self.who, update_id=self.next)


async def onboarded(service: Respondents, updates: Updates, token: str) -> Reply:
    reply = await service.start(updates(), token)
    reply = await service.press(updates(), button(reply, Action.LANGUAGE))
    return await service.press(updates(), button(reply, Action.CONSENT))


async def test_text_typed_before_the_question_on_screen_is_refused_as_stale(questionnaires) -> None:
    """A typed "2" overtaken by a press on the same question (or delivered again after one): never the next answer."""
    clock, store = FakeClock(), MemoryStore()
    today = clock.now().date()
    seeded = store.seed_campaign(
        "Flintshire County Council",
        today,
        today + timedelta(days=20),
        clock.now(),
        tokens=TOKENS,
        per_role={"officer": 2, "member": 2},
    )
    service = service_on(store, clock, questionnaires)
    alice = Updates(Who(301, 301, "en"))
    question_1 = await onboarded(service, alice, TOKENS["officer"][0])
    typed_at_question_1 = alice()  # typed, then overtaken by the press below
    await service.press(alice(), button(question_1, Action.ANSWER, 0))
    reply = await service.answer(typed_at_question_1, "2")
    invitation = seeded.invitation_ids["officer"][0]
    assert store.stored_answers(invitation) == {"kc_leadership": "l1"}
    assert "typed before the question below was shown" in screen_of(reply).text
    assert "Question 2 of" in screen_of(reply).text


async def two_councils(tmp_path: Path, clock: FakeClock):
    conn = await connect(tmp_path / "two.db")
    campaigns = CampaignRepository(conn)
    today = clock.now().date()
    tokens = {}
    for authority, token in (
        ("Flintshire County Council", "flint-member-token-00001"),
        ("Wrexham County Borough Council", "wrexham-member-token-001"),
    ):
        campaign_id = await campaigns.create_campaign(authority, today, today + timedelta(days=20), clock.now())
        await campaigns.add_invitations(campaign_id, "member", 1, [token], [hash_token(token)], clock.now())
        tokens[authority] = token
    return conn, tokens


async def test_typed_text_goes_to_the_council_whose_question_was_shown_last(tmp_path: Path, questionnaires) -> None:
    """The issue's case: Continue on the first council's reminder, then a typed answer, stored in the second's."""
    clock = FakeClock()
    conn, tokens = await two_councils(tmp_path, clock)
    try:
        store = RespondentRepository(conn)
        service = service_on(store, clock, questionnaires)
        member = Updates(Who(401, 401, "en"))
        flint = await onboarded(service, member, tokens["Flintshire County Council"])
        clock.current += timedelta(minutes=5)
        wrexham = await onboarded(service, member, tokens["Wrexham County Borough Council"])
        assert "Wrexham County Borough Council" in screen_of(wrexham).text  # every screen names the council
        # A reminder about Flintshire: its Continue button carries the Flintshire invitation.
        flint_invitation = callbacks.decode(button(flint, Action.ANSWER)).owner
        resumed = await service.press(member(), callbacks.encode(Action.RESUME, owner=flint_invitation))
        assert "Flintshire County Council" in screen_of(resumed).text
        reply = await service.answer(member(), "2")
        assert "Flintshire County Council" in screen_of(reply).text and "Question 2 of" in screen_of(reply).text
        rows = await conn.execute_fetchall(
            "SELECT a.name, x.question_id, x.value FROM answers x JOIN invitations i ON i.id = x.invitation_id"
            " JOIN campaigns c ON c.id = i.campaign_id JOIN authorities a ON a.id = c.authority_id"
        )
        assert [tuple(r) for r in rows] == [("Flintshire County Council", "kc_leadership", "l2")]
    finally:
        await conn.close()


async def test_one_council_screens_do_not_carry_the_council_line(questionnaires) -> None:
    clock, store = FakeClock(), MemoryStore()
    today = clock.now().date()
    store.seed_campaign(
        "Flintshire County Council",
        today,
        today + timedelta(days=20),
        clock.now(),
        tokens=TOKENS,
        per_role={"officer": 2, "member": 2},
    )
    reply = await onboarded(service_on(store, clock, questionnaires), Updates(Who(501, 501, "en")), TOKENS["member"][0])
    assert "🏛" not in screen_of(reply).text


# ---- the property: repeats anywhere leave the database exactly as without them ---------------------------------------


@dataclass(frozen=True)
class Update:
    who: Who
    kind: str  # start | press | write | command
    data: str
    at: datetime


TYPED = ["1", "2", "3", "Level 2", "dau", "agree", "Don't know", "Silos between departments.", "", "x" * 3000]
COMMANDS = ["resume", "review", "withdraw", "language", "help"]
PEOPLE = [Who(101, 101, "en"), Who(202, 202, "cy")]
OWN = [TOKENS["officer"][0], TOKENS["member"][0]]
OTHER_TOKENS = [TOKENS["officer"][1], TOKENS["member"][1], "not-a-real-token-0000001"]


async def deliver(service: Respondents, clock: FakeClock, update: Update) -> Reply:
    clock.current = update.at
    match update.kind:
        case "start":
            return await service.start(update.who, update.data)
        case "press":
            return await service.press(update.who, update.data)
        case "write":
            return await service.answer(update.who, update.data)
    return await service.command(update.who, update.data)


def seeded_memory(clock: FakeClock) -> MemoryStore:
    store = MemoryStore()
    today = clock.now().date()
    store.seed_campaign(
        "Flintshire County Council",
        today - timedelta(days=1),
        today + timedelta(days=20),
        clock.now(),
        tokens=TOKENS,
        per_role={"officer": 2, "member": 2},
    )
    return store


def draw_conversation(data: st.DataObject, service: Respondents, clock: FakeClock, loop) -> list[Update]:
    """Updates drawn one at a time from what each person was shown, played on ``service`` as they are drawn."""
    shown: list[list[str]] = [[], []]
    updates: list[Update] = []
    for update_id in range(1, data.draw(st.integers(1, 40), label="updates") + 1):
        p = data.draw(st.integers(0, 1), label="person")
        kind = data.draw(st.sampled_from(["start", "press", "press", "press", "press", "write", "write", "command"]))
        if kind == "press" and not shown[p]:
            kind = "start"
        match kind:
            case "start":
                payload = data.draw(st.sampled_from([OWN[p], OWN[p], OWN[p], *OTHER_TOKENS]))
            case "press":
                payload = data.draw(st.sampled_from(shown[p]))
            case "write":
                payload = data.draw(st.sampled_from(TYPED))
            case _:
                payload = data.draw(st.sampled_from(COMMANDS))
        clock.current += timedelta(seconds=data.draw(st.integers(1, 4000)))
        update = Update(replace(PEOPLE[p], update_id=update_id), kind, payload, clock.now())
        reply = loop.run_until_complete(deliver(service, clock, update))
        for screen in (*reply.send, *((reply.edit,) if reply.edit else ())):
            shown[p].extend(b.data for row in screen.buttons for b in row)
        updates.append(update)
    return updates


def with_repeats(data: st.DataObject, updates: list[Update]) -> list[Update]:
    """The same updates in the same order, with some delivered again at a later point (at that point's time)."""
    repeats = data.draw(
        st.lists(st.tuples(st.integers(0, len(updates) - 1), st.integers(0, len(updates))), max_size=10),
        label="repeats",
    )
    schedule = [(n, 0, k, u) for n, u in enumerate(updates) for k in [0]]
    for k, (which, later) in enumerate(repeats, start=1):
        after = min(which + later, len(updates) - 1)
        schedule.append((after, 1, k, replace(updates[which], at=updates[after].at)))
    return [u for *_, u in sorted(schedule, key=lambda item: item[:3])]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_updates_delivered_again_leave_the_store_as_without_them(data: st.DataObject, questionnaires) -> None:
    loop = asyncio.new_event_loop()
    try:
        clock = FakeClock()
        once = seeded_memory(clock)
        updates = draw_conversation(data, service_on(once, clock, questionnaires), clock, loop)
        clock = FakeClock()
        twice = seeded_memory(clock)
        service = service_on(twice, clock, questionnaires)
        for update in with_repeats(data, updates):
            loop.run_until_complete(deliver(service, clock, update))
        assert twice.snapshot() == once.snapshot()
    finally:
        loop.close()


async def sqlite_store(path: Path, clock: FakeClock):
    conn = await connect(path)
    campaigns = CampaignRepository(conn)
    today = clock.now().date()
    campaign_id = await campaigns.create_campaign(
        "Flintshire County Council", today - timedelta(days=1), today + timedelta(days=20), clock.now()
    )
    for role, tokens in TOKENS.items():
        await campaigns.add_invitations(
            campaign_id, role, len(tokens), tokens, [hash_token(t) for t in tokens], clock.now()
        )
    return conn


def dump(path: Path) -> list[str]:
    plain = sqlite3.connect(path)
    try:
        return list(plain.iterdump())
    finally:
        plain.close()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_updates_delivered_again_leave_the_database_as_without_them(data: st.DataObject, questionnaires) -> None:
    """The same property on SQLite itself: the two databases dump to the same SQL, row for row."""
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory() as folder:
        try:
            paths = Path(folder) / "once.db", Path(folder) / "twice.db"
            clock = FakeClock()
            conn = loop.run_until_complete(sqlite_store(paths[0], clock))
            updates = draw_conversation(
                data, service_on(RespondentRepository(conn), clock, questionnaires), clock, loop
            )
            loop.run_until_complete(conn.close())
            clock = FakeClock()
            conn = loop.run_until_complete(sqlite_store(paths[1], clock))
            service = service_on(RespondentRepository(conn), clock, questionnaires)
            for update in with_repeats(data, updates):
                loop.run_until_complete(deliver(service, clock, update))
            loop.run_until_complete(conn.close())
            assert dump(paths[1]) == dump(paths[0])
        finally:
            loop.close()


@pytest.mark.parametrize(("hours", "forgotten"), [(47, 0), (49, 1)])
async def test_handled_updates_are_forgotten_after_two_days(tmp_path: Path, hours: int, forgotten: int) -> None:
    """Telegram keeps an unconfirmed update for 24 hours: its id is kept for two days, then dropped."""
    clock = FakeClock()
    conn = await sqlite_store(tmp_path / "forget.db", clock)
    try:
        store = RespondentRepository(conn)
        await store.mark_handled(7, clock.now())
        clock.current += timedelta(hours=hours)
        assert await store.forget_updates(clock.now()) == forgotten
        assert await store.handled(7) is (forgotten == 0)
    finally:
        await conn.close()
