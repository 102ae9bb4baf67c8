"""Withdrawal after fieldwork has closed: the stored report files and exports are rebuilt without the withdrawn
answers, and the person is told truthfully that the auditors already received the earlier copy."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest

from tests.support import World, add_campaign, make_settings, onboard, person, prefill, seed_answers

AUDITOR = 4343
COMMENT = "Quokka dashboards are the answer"


@pytest.fixture
async def closing(emulator, tmp_path: Path, clock, questionnaires) -> World:
    settings = make_settings(
        emulator, tmp_path / "w.db", auditor_ids=frozenset({AUDITOR}), reports_dir=tmp_path / "reports"
    )
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=8, members=8)
    await seed_answers(settings.db_path, world.campaign_id, "officer", questionnaires["officer"], count=6)
    await seed_answers(
        settings.db_path, world.campaign_id, "member", questionnaires["member"], count=6, first_user=9_100_000
    )
    return world


async def submit_with_comment(world: World, user_id: int) -> object:
    qn = world.questionnaires["officer"]
    token = world.tokens["officer"][7]  # the first six were used by seed_answers
    driver = person(world, user_id)
    await onboard(driver, token)
    answers = {
        q.id: ("l2" if q.type == "choice" else "a" if q.type == "scale" else COMMENT)
        for q in qn.questions
        if q.show_if is None
    }
    await prefill(world.settings.db_path, token, answers)
    await driver.command("review")
    await driver.tap("Submit")
    assert "Thank you" in driver.last.text
    return driver


def texts_of(folder: Path) -> str:
    """Everything a reader of the stored outputs can see, the workbook's cells included."""
    parts = [p.read_text(encoding="utf-8") for p in folder.glob("*") if p.suffix in (".html", ".csv", ".txt")]
    book = openpyxl.load_workbook(folder / "answers-NOT-FOR-PUBLICATION.xlsx", read_only=True)
    parts += [str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
    for draft in folder.glob("*.docx"):  # the Word drafts: their paragraphs and table cells
        document = docx.Document(str(draft))
        parts += [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


async def close_and_post(world: World) -> Path:
    auditor = world.driver(AUDITOR)
    await auditor.command("close", "flint")
    await auditor.tap("Close fieldwork now")
    (job,) = world.app.job_queue.get_jobs_by_name("completion")
    await job.run(world.app)
    assert any(m.filename == "answers-NOT-FOR-PUBLICATION.xlsx" for m in world.emu.bot_messages(AUDITOR))
    (folder,) = (world.settings.reports_dir).glob("campaign-*/final")
    return folder


async def test_withdrawal_after_the_report_went_out_rebuilds_the_stored_outputs(closing: World):
    async with closing.bot():
        driver = await submit_with_comment(closing, 7101)
        folder = await close_and_post(closing)
        assert COMMENT in texts_of(folder)  # the premise: the comment is in the compiled outputs
        await driver.command("withdraw")
        await driver.tap("Yes")
        told = driver.last.text
    assert "deleted" in told and "rebuilt without your answers" in told
    assert "already received the earlier report" in told
    assert COMMENT not in texts_of(folder)
    assert "answers-NOT-FOR-PUBLICATION.xlsx" in {p.name for p in folder.iterdir()}  # rebuilt, not just removed


async def test_withdrawal_after_close_before_anything_was_compiled_is_plain(closing: World):
    async with closing.bot():
        driver = await submit_with_comment(closing, 7102)
        auditor = closing.driver(AUDITOR)
        await auditor.command("close", "flint")
        await auditor.tap("Close fieldwork now")  # closed, but the posting job has not run yet
        await driver.command("withdraw")
        await driver.tap("Yes")
        told = driver.last.text
        (job,) = closing.app.job_queue.get_jobs_by_name("completion")
        await job.run(closing.app)
    assert "deleted" in told and "earlier report" not in told
    (folder,) = closing.settings.reports_dir.glob("campaign-*/final")
    assert COMMENT not in texts_of(folder)
