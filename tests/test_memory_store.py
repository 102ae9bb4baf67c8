"""The in-memory store behaves like the SQLite repository: one scripted conversation through the respondents'
interactors on each gives the same replies and leaves the same rows behind.  This keeps tests/memory_store.py
honest, so what the property tests (tests/test_properties.py) find with it holds for the real storage too."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.privacy import DEFAULT_PRIVACY_NOTICE, load_privacy_notice
from flows import callbacks
from flows.callbacks import Action
from flows.i18n import catalogue
from flows.ports.errors import StorageUnavailable
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

AUTHORITY = "Flintshire County Council"
TOKENS = {
    "officer": ["officer-token-one-000001", "officer-token-two-000002"],
    "member": ["member-token-one-0000001", "member-token-two-0000002"],
}
ALICE = Who(user_id=101, chat_id=101, language_code="en-GB")
BOB = Who(user_id=202, chat_id=202, language_code="cy")


def buttons(screen: Screen | None) -> list[str]:
    return [b.data for row in (screen.buttons if screen else ()) for b in row]


def last_screen(reply: Reply) -> Screen | None:
    return reply.send[-1] if reply.send else reply.edit


def find(reply: Reply, action: Action, nth: int = 0) -> str:
    found = [d for d in buttons(last_screen(reply)) if (cb := callbacks.decode(d)) and cb.action is action]
    assert found, f"no {action.name} button on {last_screen(reply)!r}"
    return found[nth]


async def conversation(service: Respondents) -> list[Reply]:
    """Everything a respondent can do, including the odd and the hostile, ending with one submission."""
    replies: list[Reply] = []

    async def do(coro) -> Reply:
        reply = await coro
        replies.append(reply)
        return reply

    s = service
    r = await do(s.start(ALICE, TOKENS["officer"][0]))
    await do(s.answer(ALICE, "hello?"))
    r = await do(s.press(ALICE, find(r, Action.LANGUAGE)))
    r = await do(s.press(ALICE, find(r, Action.CONSENT)))
    await do(s.press(ALICE, find(r, Action.ANSWER, 0)))  # a double tap: the same payload twice
    r = await do(s.press(ALICE, find(r, Action.ANSWER, 0)))
    comment_screen = last_screen(await do(s.command(ALICE, "resume")))
    r = await do(s.answer(ALICE, "  A <b>comment</b>\x0b with a control\r\nand a second line  "))
    await do(s.press(ALICE, find(Reply(edit=comment_screen), Action.SKIP)))  # stale Skip
    r = await do(s.press(ALICE, find(r, Action.ANSWER, 1)))
    r = await do(s.press(ALICE, find(r, Action.BACK)))
    await do(s.answer(ALICE, "text where a button is expected"))
    r = await do(s.command(ALICE, "review"))
    r = await do(s.press(ALICE, find(r, Action.EDIT, 2)))
    await do(s.press(ALICE, "a:kc_nonsense:l9"))
    await do(s.press(ALICE, "x" * 80))
    await do(s.press(ALICE, None))
    await do(s.unsupported(ALICE))
    await do(s.edited(ALICE))
    await do(s.command(ALICE, "rates"))
    for name in ("help", "privacy", "language"):
        await do(s.command(ALICE, name))

    await do(s.start(BOB, TOKENS["officer"][0]))  # Alice's link
    await do(s.start(BOB, "not a token"))
    await do(s.answer(BOB, "anyone there?"))
    r = await do(s.start(BOB, TOKENS["member"][0]))
    await do(s.press(BOB, find(r, Action.LANGUAGE, 1)))
    await do(s.press(BOB, "go"))
    r = await do(s.command(BOB, "resume"))
    r = await do(s.press(BOB, find(r, Action.CONSENT)))
    bob_question = r.edit
    await do(s.press(ALICE, find(Reply(edit=bob_question), Action.ANSWER, 2)))  # Bob's button, pressed by Alice
    await do(s.start(ALICE, TOKENS["officer"][1]))  # a second link in the same campaign
    await do(s.start(BOB, TOKENS["member"][1]))  # a revoked link

    r = await do(s.command(ALICE, "withdraw"))
    await do(s.press(ALICE, find(r, Action.WITHDRAW, 1)))  # no
    r = await do(s.command(ALICE, "withdraw"))
    await do(s.press(ALICE, find(r, Action.WITHDRAW, 0)))  # yes
    await do(s.command(ALICE, "resume"))
    await do(s.start(ALICE, TOKENS["officer"][0]))  # opens the link again after withdrawing

    r, skipped = Reply(edit=bob_question), False
    for _ in range(60):  # Bob answers everything and submits
        screen = last_screen(r)
        kinds = {callbacks.decode(d).action for d in buttons(screen)}  # type: ignore[union-attr]
        if Action.ANSWER in kinds:
            r = await do(s.press(BOB, find(r, Action.ANSWER, 1)))
        elif Action.SKIP in kinds and skipped:
            r = await do(s.answer(BOB, "Cymraeg: ŵ ŷ — and <i>markup</i> & more"))
        elif Action.SKIP in kinds:
            skipped = True
            r = await do(s.press(BOB, find(r, Action.SKIP)))
        elif Action.SUBMIT in kinds:
            r = await do(s.press(BOB, find(r, Action.SUBMIT)))
            break
        else:
            raise AssertionError(f"stuck on {screen!r}")
    await do(s.answer(BOB, "after submitting"))
    await do(s.command(BOB, "review"))
    await do(s.press(BOB, find(Reply(edit=bob_question), Action.ANSWER, 0)))
    await do(s.press(BOB, "zz"))
    await do(s.press(BOB, "off"))
    return replies


async def stored(store: RespondentStore, invitation_ids: range) -> dict[int, object]:
    rows = {}
    for invitation_id in invitation_ids:
        invitation = await store.invitation_by_id(invitation_id)
        assert invitation is not None
        rows[invitation_id] = (asdict(invitation), await store.answers(invitation_id))
    return rows


def service_on(store: RespondentStore, clock: FakeClock, questionnaires) -> Respondents:
    return Respondents(
        store,
        clock,
        questionnaires,
        catalogue(),
        ZoneInfo("Europe/London"),
        load_privacy_notice(DEFAULT_PRIVACY_NOTICE),
    )


async def test_memory_store_answers_like_sqlite(tmp_path: Path, questionnaires) -> None:
    clock = FakeClock()
    today = clock.now().date()
    opens, closes = today - timedelta(days=1), today + timedelta(days=27)

    memory = MemoryStore()
    memory.seed_campaign(AUTHORITY, opens, closes, clock.now(), tokens=TOKENS, per_role={"officer": 2, "member": 2})
    memory.revoke(4, clock.now())
    on_memory = await conversation(service_on(memory, clock, questionnaires))

    conn = await connect(tmp_path / "datatool.db")
    try:
        campaigns = CampaignRepository(conn)
        campaign_id = await campaigns.create_campaign(AUTHORITY, opens, closes, clock.now())
        for role, tokens in TOKENS.items():
            await campaigns.add_invitations(
                campaign_id, role, len(tokens), tokens, [hash_token(t) for t in tokens], clock.now()
            )
        assert await campaigns.revoke("C1-M0002", clock.now()) == "revoked"
        sqlite = RespondentRepository(conn)
        on_sqlite = await conversation(service_on(sqlite, clock, questionnaires))

        assert len(on_memory) == len(on_sqlite)
        for n, (mine, real) in enumerate(zip(on_memory, on_sqlite, strict=True)):
            assert mine == real, f"reply {n} differs"
        assert await stored(memory, range(1, 5)) == await stored(sqlite, range(1, 5))
        for user in (ALICE.user_id, BOB.user_id, 999):
            assert await memory.invitation_for_user(user) == await sqlite.invitation_for_user(user)
            assert await memory.bound_in_campaign(1, user) == await sqlite.bound_in_campaign(campaign_id, user)
        assert await memory.invitation_by_id(99) is None and await sqlite.invitation_by_id(99) is None
        now = clock.now()
        assert await memory.withdraw_user(BOB.user_id, now) == await sqlite.withdraw_user(BOB.user_id, now)
        assert await memory.withdraw_user(BOB.user_id, now) == await sqlite.withdraw_user(BOB.user_id, now) == []
        assert await stored(memory, range(1, 5)) == await stored(sqlite, range(1, 5))
    finally:
        await conn.close()


async def test_failing_writes_change_nothing(questionnaires) -> None:
    clock = FakeClock()
    today = clock.now().date()
    store = MemoryStore()
    store.seed_campaign(AUTHORITY, today, today + timedelta(days=3), clock.now(), tokens=TOKENS)
    await store.bind(1, ALICE.user_id, ALICE.chat_id, clock.now())
    before = store.snapshot()
    store.fail_writes = True
    writes = [
        store.bind(2, 7, 7, clock.now()),
        store.mark_notice_seen(1, clock.now()),
        store.withdraw_user(ALICE.user_id, clock.now()),
        store.record(1, {"kc_leadership": "l1"}, "kc_standards", clock.now()),
        store.submit(1, "officer", 1, clock.now()),
        store.set_language(1, "cy"),
        store.snooze(1, clock.now()),
        store.reminders_off(1, clock.now()),
    ]
    for write in writes:
        with pytest.raises(StorageUnavailable):
            await write
    assert store.snapshot() == before
    assert (await store.invitation_for_user(ALICE.user_id)).id == 1  # type: ignore[union-attr]
