"""Storage under concurrency: handlers and jobs share one connection, and no write may land in another's
transaction (and vanish with its rollback)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

import pytest

from flows.tokens import hash_token, new_token
from storage.batching import Batched
from storage.database import connect, open_writer
from storage.repositories import CampaignRepository, transaction
from storage.respondents import RespondentRepository

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class Invited(NamedTuple):
    campaigns: CampaignRepository
    campaign_id: int
    respondents: RespondentRepository
    ids: list[int]


async def invited(conn, count: int, role: str = "member") -> Invited:
    """A campaign at Cardiff with ``count`` invitations of one role: its repositories, its id, the invitation ids."""
    campaigns = CampaignRepository(conn)
    cid = await campaigns.create_campaign("Cardiff Council", date(2026, 11, 1), date(2026, 12, 1), NOW)
    tokens = [new_token() for _ in range(count)]
    await campaigns.add_invitations(cid, role, count, tokens, [hash_token(t) for t in tokens], NOW)
    respondents = RespondentRepository(conn)
    return Invited(
        campaigns, cid, respondents, [(await respondents.invitation_by_token_hash(hash_token(t))).id for t in tokens]
    )


async def test_concurrent_writes_survive_a_concurrent_rollback(tmp_path: Path):
    conn = await connect(tmp_path / "c.db")
    try:
        campaigns, cid, respondents, ids = await invited(conn, 20)

        async def failing() -> None:
            async with transaction(conn):
                await conn.execute("UPDATE campaigns SET closes_on = '2099-01-01'")
                await asyncio.sleep(0)  # let the others run while this transaction is open
                raise RuntimeError("boom")

        async def answer(invitation_id: int) -> None:
            await respondents.record(invitation_id, {"kc_leadership": "l2"}, "kc_standards", NOW)

        results = await asyncio.gather(failing(), *(answer(i) for i in ids), return_exceptions=True)
        assert isinstance(results[0], RuntimeError) and all(r is None for r in results[1:])
        for invitation_id in ids:
            assert await respondents.answers(invitation_id) == {"kc_leadership": "l2"}
        assert (await campaigns.campaign(cid)).closes_on == date(2026, 12, 1)  # the failed one rolled back alone
    finally:
        await conn.close()


async def test_binding_an_invitation_is_first_come_first_served(tmp_path: Path):
    conn = await connect(tmp_path / "b.db")
    try:
        campaigns = CampaignRepository(conn)
        cid = await campaigns.create_campaign("Cardiff Council", date(2026, 11, 1), date(2026, 12, 1), NOW)
        token = new_token()
        await campaigns.add_invitations(cid, "officer", 1, [token], [hash_token(token)], NOW)
        respondents = RespondentRepository(conn)
        invitation = await respondents.invitation_by_token_hash(hash_token(token))
        outcomes = await asyncio.gather(*(respondents.bind(invitation.id, user, user, NOW) for user in (1, 2, 3)))
        assert sorted(outcomes) == [False, False, True]
        bound = await respondents.invitation_by_token_hash(hash_token(token))
        assert bound.telegram_user_id == [1, 2, 3][outcomes.index(True)]
    finally:
        await conn.close()


async def test_a_campaign_cannot_close_before_it_opens(tmp_path: Path):
    conn = await connect(tmp_path / "d.db")
    try:
        with pytest.raises(ValueError):
            await CampaignRepository(conn).create_campaign("Cardiff Council", date(2026, 12, 2), date(2026, 12, 1), NOW)
    finally:
        await conn.close()


async def test_bulk_submitted_responses_load_back_as_the_bot_would_leave_them(tmp_path: Path):
    from bot.services import load_questionnaires
    from reports.inputs import Response
    from storage.surveys import SurveyRepository

    questionnaires = load_questionnaires()
    conn = await connect(tmp_path / "s.db")
    try:
        campaigns, cid, respondents, ids = await invited(conn, 3, "officer")
        surveys = SurveyRepository(conn)
        first = Response("officer", {"kc_leadership": "l3", "kc_standards": "l1"}, "cy")
        await surveys.add_submitted([(ids[0], first)], questionnaires, NOW)

        # A bound invitation, or one of another role, is refused and nothing of the batch is written.
        with pytest.raises(ValueError):
            await surveys.add_submitted(
                [
                    (ids[1], Response("officer", {"kc_leadership": "l2"})),
                    (ids[0], Response("officer", {"kc_leadership": "l1"})),
                ],
                questionnaires,
                NOW,
            )
        with pytest.raises(ValueError):
            await surveys.add_submitted([(ids[2], Response("member", {"kc_leadership": "l2"}))], questionnaires, NOW)

        invitation = await respondents.invitation_by_id(ids[0])
        assert invitation.submitted and invitation.telegram_user_id is not None and invitation.language == "cy"
        assert not (await respondents.invitation_by_id(ids[1])).submitted
        assert await respondents.answers(ids[1]) == {}
        assert [(r.role, r.responded) for r in await campaigns.rates(cid)] == [("officer", 1), ("member", 0)]
        data = await surveys.load(await campaigns.campaign(cid), questionnaires, interim=False)
        assert data.responses == [replace(first, reminders_before=0)]  # no reminder reached them: early
    finally:
        await conn.close()


async def test_presses_handled_together_share_one_read_and_one_write_and_each_gets_its_own(tmp_path: Path):
    conn = await connect(tmp_path / "g.db")
    statements: list[str] = []
    try:
        _, _, respondents, ids = await invited(conn, 6)
        for n, i in enumerate(ids):
            await respondents.bind(i, 100 + n, 100 + n, NOW)
        await conn.set_trace_callback(statements.append)
        await asyncio.gather(
            *(
                respondents.record(i, {"kc_leadership": f"l{n % 3 + 1}", "comment": None}, "kc_standards", NOW)
                for n, i in enumerate(ids)
            )
        )
        read = await asyncio.gather(
            *(respondents.with_answers(i, 100 + n) for n, i in enumerate(ids)), respondents.with_answers(ids[0], 999)
        )  # not theirs: no answers
        await conn.set_trace_callback(None)
        writes = {s for s in statements if s.startswith("INSERT INTO progress")}  # (SQLite traces it per trigger run)
        reads = {s for s in statements if s.startswith("WITH wanted")}
        # Calls made together go in together: one statement for the six writes, one for the seven reads.
        assert len(writes) == 1 and len(reads) == 1
        for n, (invitation, answers) in enumerate(read[:-1]):
            assert invitation.id == ids[n] and answers == {"kc_leadership": f"l{n % 3 + 1}", "comment": None}
            assert invitation.cursor == "kc_standards"
        assert read[-1][0].id == ids[0] and read[-1][1] == {}
    finally:
        await conn.close()


async def test_one_bad_write_in_a_batch_fails_alone(tmp_path: Path):
    conn = await connect(tmp_path / "h.db")
    try:
        _, _, respondents, ids = await invited(conn, 3)
        results = await asyncio.gather(
            *(respondents.record(i, {"kc_leadership": "l2"}, "kc_standards", NOW) for i in [ids[0], 999_999, *ids[1:]]),
            return_exceptions=True,
        )
        assert results[0] is None and results[2:] == [None, None]
        assert isinstance(results[1], Exception)  # no such invitation: its caller hears so, nobody else does
        for i in ids:
            assert await respondents.answers(i) == {"kc_leadership": "l2"}
    finally:
        await conn.close()


async def test_a_press_is_written_on_the_loop_s_own_connection_and_waits_its_turn_while_another_writes(tmp_path: Path):
    """The write on every press runs inline on ``open_writer``'s connection (no trip to aiosqlite's thread), as
    durably as the main one; while the main connection holds the write lock it falls back to aiosqlite and waits."""
    conn = await connect(tmp_path / "w.db")
    writer = open_writer(tmp_path / "w.db")
    statements: list[str] = []
    try:
        _, _, _, ids = await invited(conn, 2)
        respondents = RespondentRepository(conn, writer=writer)
        assert writer.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL: survives a power cut
        assert writer.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        await conn.set_trace_callback(statements.append)
        await respondents.record(ids[0], {"kc_leadership": "l2"}, "kc_standards", NOW)
        assert await respondents.answers(ids[0]) == {"kc_leadership": "l2"}  # committed: the main connection sees it
        assert not [s for s in statements if s.startswith("INSERT INTO progress")]  # not through aiosqlite
        respondents = RespondentRepository(conn, writer=writer)  # no batch yet: the next one goes at once
        async with transaction(conn):  # another writer holds the lock: the press waits for it, nothing is lost
            pending = asyncio.ensure_future(respondents.record(ids[1], {"kc_leadership": "l3"}, None, NOW))
            for _ in range(5):
                await asyncio.sleep(0)
            assert not pending.done()
        await pending
        assert await respondents.answers(ids[1]) == {"kc_leadership": "l3"}
        assert [s for s in statements if s.startswith("INSERT INTO progress")]  # went through aiosqlite, in turn
    finally:
        await conn.set_trace_callback(None)
        writer.close()
        await conn.close()


async def test_batches_are_spaced_so_a_burst_shares_commits_and_a_lone_call_waits_for_nothing():
    now, waits, batches = [100.0], [], []

    async def sleep(seconds: float) -> None:  # the fake clock moves on; calls made meanwhile join the batch
        waits.append(seconds)
        now[0] += seconds
        await asyncio.sleep(0)

    async def run_batch(keys):
        batches.append(list(keys))
        return [k * 10 for k in keys]

    async def run_one(key):
        batches.append([key])
        return key * 10

    batched = Batched(run_batch, run_one, spacing=0.01, clock=lambda: now[0], sleep=sleep)
    assert await batched(1) == 10 and waits == []  # a lone call: at once
    second = asyncio.ensure_future(batched(2))  # right after a batch: waits for the rest of the spacing ...
    await asyncio.sleep(0)
    third = asyncio.ensure_future(batched(3))  # ... and a call made meanwhile goes in with it
    assert await asyncio.gather(second, third) == [20, 30]
    assert batches == [[1], [2, 3]] and waits == [pytest.approx(0.01)]
    now[0] += 60  # long after the last batch: no wait
    assert await batched(4) == 40 and len(waits) == 1


async def test_a_new_database_and_its_logs_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    """Whoever starts the bot, whatever their umask (issue 21 item 4): SQLite gives -wal and -shm the file's mode."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        conn = await connect(tmp_path / "private.db")
        try:
            await conn.execute("CREATE TABLE t (x)")
            for name in ("private.db", "private.db-wal", "private.db-shm"):
                assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        finally:
            await conn.close()
    finally:
        os.umask(old)
