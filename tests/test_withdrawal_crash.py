"""Withdrawal is complete even through a crash (issue 21, item 6).

- The rebuild of a closed campaign's stored reports is recorded as pending in the withdrawal's own transaction and
  finished at start-up: a SIGKILL of the real ``datatool-bot run`` between the commit and the rebuild no longer leaves
  the withdrawn answers in the stored CSV, XLSX and HTML.
- The withdrawn answers do not stay readable in ``datatool.db-wal``: the log is checkpointed (TRUNCATE) after a
  withdrawal, as ``secure_delete`` already clears them from the main file.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import aiosqlite

from flows.callbacks import Action
from flows.ports.respondents import Invitation
from flows.replies import Who
from storage.respondents import RespondentRepository
from tests.conftest import FakeClock
from tests.test_kill_delivery import bot_process, db_rows, sigkill, until_db
from tests.test_redelivery import TOKENS, Updates, button, onboarded, service_on, sqlite_store
from tests.test_withdrawal_after_close import COMMENT, close_and_post, closing, submit_with_comment, texts_of

__all__ = ["closing"]  # the fixture, shared with tests/test_withdrawal_after_close.py

MARKER = "Zebra-striped spreadsheets everywhere 4417"


async def test_withdrawn_answers_are_not_left_in_the_write_ahead_log(tmp_path: Path, questionnaires) -> None:
    clock = FakeClock()
    conn = await sqlite_store(tmp_path / "wal.db", clock)
    try:
        service = service_on(RespondentRepository(conn), clock, questionnaires)
        person = Updates(Who(601, 601, "en"))
        question = await onboarded(service, person, TOKENS["officer"][0])
        reply = await service.press(person(), button(question, Action.ANSWER, 0))  # Level 1: a free-text follow-up
        await service.answer(person(), MARKER)
        files = [tmp_path / "wal.db", tmp_path / "wal.db-wal"]
        assert any(MARKER.encode() in f.read_bytes() for f in files if f.exists()), reply  # the premise
        confirm = await service.command(person(), "withdraw")
        await service.press(person(), button(confirm, Action.WITHDRAW, 0))
        for f in files:
            assert not f.exists() or MARKER.encode() not in f.read_bytes(), f.name
        assert os.path.getsize(files[1]) == 0  # truncated, not merely copied back
    finally:
        await conn.close()


class FailingOutputs:
    """Report files that cannot be rebuilt (a full disk, say) the first time."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    async def without_withdrawn(self, campaign_id: int) -> bool:
        self.calls.append(campaign_id)
        if len(self.calls) == 1:
            raise OSError("No space left on device")
        return True


async def test_a_rebuild_that_fails_is_pending_and_finished_at_the_next_start(tmp_path: Path, questionnaires):
    clock = FakeClock()
    conn = await sqlite_store(tmp_path / "pending.db", clock)
    try:
        store = RespondentRepository(conn)
        outputs = FailingOutputs()
        service = service_on(store, clock, questionnaires, outputs=outputs)
        person = Updates(Who(602, 602, "en"))
        await onboarded(service, person, TOKENS["member"][0])
        await conn.execute("UPDATE campaigns SET closed_at = ?", ((clock.now() + timedelta(days=1)).isoformat(),))
        confirm = await service.command(person(), "withdraw")
        told = await service.press(person(), button(confirm, Action.WITHDRAW, 0))
        assert "still has to be rebuilt" in told.edit.text  # type: ignore[union-attr]
        assert await store.pending_rebuilds() == [1]
        restarted = service_on(store, clock, questionnaires, outputs=outputs)
        assert await restarted.withdraw.finish_pending() == 1
        assert outputs.calls == [1, 1] and await store.pending_rebuilds() == []
        assert await restarted.withdraw.finish_pending() == 0
    finally:
        await conn.close()


async def test_sigkill_between_the_withdrawal_and_the_rebuild_leaves_no_withdrawn_answer(closing, tmp_path: Path):
    """The real process is killed while it rebuilds the stored report: the first file it writes is a named pipe that
    nobody reads, so the rebuild cannot finish whenever the kill lands after the withdrawal's commit."""
    world = closing
    async with world.bot():
        driver = await submit_with_comment(world, 7201)
        folder = await close_and_post(world)
        await driver.command("withdraw")
    assert COMMENT in texts_of(folder)  # the premise: the stored outputs hold the comment
    pipe = folder / ".summary-en.txt.part"
    os.mkfifo(pipe)
    try:
        with bot_process(world, tmp_path, "first", DATATOOL_REPORTS_DIR=str(world.settings.reports_dir)) as process:
            confirm = next(m for m in reversed(driver.messages) if m.callback_data)
            await world.emu.press_button(driver.user, confirm.message_id, driver.data_of(confirm, "wd:yes"))
            await until_db(
                world,
                "SELECT COUNT(*) FROM invitations WHERE withdrawn_at IS NOT NULL",
                [(1,)],
                "the withdrawal committed",
            )
            assert await db_rows(world, "SELECT campaign_id FROM pending_rebuilds") == [(world.campaign_id,)]
            sigkill(process)
    finally:
        pipe.unlink()
    assert COMMENT in texts_of(folder)  # killed before the rebuild: the stored files still hold the answers
    with bot_process(world, tmp_path, "second", DATATOOL_REPORTS_DIR=str(world.settings.reports_dir)):
        await until_db(world, "SELECT COUNT(*) FROM pending_rebuilds", [(0,)], "the rebuild at start-up")
    assert COMMENT not in texts_of(folder)
    assert "answers-NOT-FOR-PUBLICATION.xlsx" in {p.name for p in folder.iterdir()}
    async with aiosqlite.connect(world.settings.db_path) as conn:
        rows = await conn.execute_fetchall(
            "SELECT COUNT(*) FROM answers a JOIN invitations i ON i.id = a.invitation_id"
            " WHERE i.withdrawn_at IS NOT NULL"
        )
    assert list(rows) == [(0,)]


def test_invitation_records_say_which_council_they_belong_to() -> None:
    invitation = Invitation(
        1,
        1,
        "member",
        "C1-M0001",
        "Flintshire County Council",
        opens_on=None,  # type: ignore[arg-type]
        closes_on=None,
        closed=False,
        telegram_user_id=None,
        chat_id=None,  # type: ignore[arg-type]
        language=None,
        cursor=None,
        revoked=False,
        submitted=False,
        authority_cy="Cyngor Sir y Fflint",
    )
    assert invitation.council("cy") == "Cyngor Sir y Fflint" and invitation.council("en") == "Flintshire County Council"
