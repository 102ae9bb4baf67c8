"""One bad campaign harms no other (issue 21 item 5): every periodic job — the reminder tick, the daily digest, the
completion tick (auditors' posting) and the results back to respondents — handles each campaign on its own.  A
campaign whose data makes its part of a job raise (a close date the slot calendar cannot reach, inserted straight
into the database; a report that will not compile; figures that cannot be read) is logged by the exception's type
and place only, and every other campaign gets its reminders, its digest block, its posting and its results.

No emulator and no report compiling: the bot's own services on a real database, a messenger that records what it
is given, a fake clock, and faults injected for one campaign only."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import aiosqlite
import pytest

from bot.compiler import stored
from bot.services import Services, admin_services
from config.settings import Settings
from flows import results as results_flow
from flows.delivery import Delivery, Outcome
from flows.manifest import Entry, Manifest
from flows.ports.completion import Item
from flows.records import Campaign
from flows.render import Screen
from reports.documents import AUDITORS_ONLY, SUMMARY, TEXT
from tests.conftest import FakeClock
from tests.support import seed_progress

AUDITOR = 4242
BAD, GOOD = "Isle of Anglesey County Council", "Flintshire County Council"
SECRET = "Dafydd wrote: the council's data is a shambles"
"""The message of every injected failure: it stands for what an exception's message may quote (an answer), so it
must never reach the log."""


class RecordingMessenger:
    """The bot's messenger as the services see it: every send and post succeeds and is recorded."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, Screen]] = []
        self.posted: list[tuple[int, Item]] = []

    async def send(self, chat_id: int, screen: Screen) -> Delivery:
        self.sent.append((chat_id, screen))
        return Delivery(Outcome.SENT)

    async def post(self, chat_id: int, item: Item) -> Delivery:
        self.posted.append((chat_id, item))
        return Delivery(Outcome.SENT)


class OneBadCompiler:
    """Writes a two-line summary for every campaign but the bad one, whose report fails to compile."""

    def __init__(self, bad: int):
        self.bad = bad

    async def write_report(self, campaign: Campaign, folder: Path, *, interim: bool) -> Manifest:
        if campaign.id == self.bad:
            raise RuntimeError(SECRET)
        folder.mkdir(parents=True, exist_ok=True)
        entries = []
        for language in ("en", "cy"):
            path = folder / f"summary-{language}.txt"
            text = f"<b>Summary {language}</b> of {campaign.authority}"
            path.write_text(text, encoding="utf-8")
            entries.append(Entry(path.name, SUMMARY, AUDITORS_ONLY, language, TEXT, path, text))
        return Manifest(folder, tuple(entries))

    async def stored(self, folder: Path) -> Manifest | None:
        return stored(folder)


@pytest.fixture
async def two(tmp_path: Path) -> tuple[Settings, FakeClock, int, int]:
    """Two campaigns open from 20 Nov to 18 Dec 2026, the bad one first (the lower id, so every job meets it
    first), each with two members who opened their link and answered a little on 25 Nov.  Tuesday 1 Dec 2026,
    10:05 London: a reminder slot is due."""
    settings = Settings(
        _env_file=None,
        db_path=tmp_path / "iso.db",  # type: ignore[call-arg]
        reports_dir=tmp_path / "reports",
        auditor_ids=frozenset({AUDITOR}),
    )
    clock = FakeClock(datetime(2026, 12, 1, 10, 5, tzinfo=UTC))
    ids = []
    async with admin_services(settings, clock) as admin:
        for authority in (BAD, GOOD):
            campaign_id = await admin.campaigns.create(authority, date(2026, 11, 20), date(2026, 12, 18))
            for role in ("member", "officer"):
                await admin.campaigns.issue_invitations(campaign_id, role, 4, "datatool_test_bot")
            ids.append(campaign_id)
    bad, good = ids
    for campaign_id in ids:
        await seed_progress(
            settings.db_path, campaign_id, "member", submitted=0, started=2, first_user=1_000_000 * campaign_id
        )
    return settings, clock, bad, good


async def opened(settings: Settings) -> tuple[Services, RecordingMessenger]:
    messenger = RecordingMessenger()
    services = Services(settings, clock=FakeClock(datetime(2026, 12, 1, 10, 5, tzinfo=UTC)))
    await services.open(messenger)  # type: ignore[arg-type]
    return services, messenger


async def chats_of(settings: Settings, campaign_id: int) -> set[int]:
    async with aiosqlite.connect(settings.db_path) as conn:
        async with conn.execute(
            "SELECT chat_id FROM invitations WHERE campaign_id = ? AND chat_id IS NOT NULL", (campaign_id,)
        ) as cur:
            return {row[0] async for row in cur}


def logged_by_type_and_place(caplog: pytest.LogCaptureFixture, what: str, error: str, place: str) -> None:
    """Exactly one error record says ``what`` failed, naming the exception's type and the file it was raised in;
    nothing logged carries the exception's message or a traceback."""
    found = [r for r in caplog.records if r.levelno >= logging.ERROR and what in r.getMessage()]
    assert len(found) == 1, [r.getMessage() for r in caplog.records]
    assert f"{error} at " in found[0].getMessage() and place in found[0].getMessage()
    assert SECRET not in caplog.text and "shambles" not in caplog.text
    assert all(r.exc_info is None and r.exc_text is None for r in caplog.records)


async def only_the_good_are_reminded(settings: Settings, caplog: pytest.LogCaptureFixture, good: int) -> None:
    """One reminder tick: the good campaign's two people are reminded, whatever the bad one does."""
    services, messenger = await opened(settings)
    try:
        with caplog.at_level(logging.INFO):
            report = await services.reminders.tick()
    finally:
        await services.close()
    assert {chat for chat, _ in messenger.sent} == await chats_of(settings, good)
    assert report.sent == 2


async def test_a_campaign_whose_close_date_the_calendar_cannot_reach_holds_back_no_one_elses_reminders(two, caplog):
    settings, _, bad, good = two
    async with aiosqlite.connect(settings.db_path) as conn:  # straight into the database, past any check
        await conn.execute("UPDATE campaigns SET closes_on = '9999-12-31' WHERE id = ?", (bad,))
        await conn.commit()
    await only_the_good_are_reminded(settings, caplog, good)
    logged_by_type_and_place(caplog, f"campaign {bad} skipped", "OverflowError", "flows/reminders.py")


@pytest.mark.parametrize("stored", ['{"min_gap_days": null}', '{"final_days_before_close": 2.5}', "not json"])
async def test_a_policy_stored_before_its_bounds_were_checked_holds_back_no_one_elses_reminders(two, caplog, stored):
    """A campaign's own policy stored by an earlier version (JSON null where inf was given, fractional days) spoils
    that campaign's planning only."""
    settings, _, bad, good = two
    async with aiosqlite.connect(settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET reminder_policy = ? WHERE id = ?", (stored, bad))
        await conn.commit()
    await only_the_good_are_reminded(settings, caplog, good)
    found = [r.getMessage() for r in caplog.records if f"campaign {bad}: not planned for reminders" in r.getMessage()]
    assert len(found) == 1 and " at " in found[0] and stored not in caplog.text


async def test_a_reminder_that_cannot_be_written_is_recorded_failed_and_the_others_go_out(two, caplog, monkeypatch):
    settings, _, bad, good = two
    services, messenger = await opened(settings)
    real = services.reminders.render

    async def render(item, now):
        if item.campaign_id == bad:
            raise KeyError(SECRET)
        return await real(item, now)

    monkeypatch.setattr(services.reminders, "render", render)
    try:
        with caplog.at_level(logging.INFO):
            report = await services.reminders.tick()
            again = await services.reminders.tick()  # the failed ones are not tried over and over
    finally:
        await services.close()
    assert {chat for chat, _ in messenger.sent} == await chats_of(settings, good)
    assert (report.sent, report.failed, again.sent, again.failed) == (2, 2, 0, 0)
    async with aiosqlite.connect(settings.db_path) as conn:
        async with conn.execute(
            "SELECT i.campaign_id, r.status FROM reminders r JOIN invitations i"
            " ON i.id = r.invitation_id ORDER BY i.campaign_id"
        ) as cur:
            assert [tuple(row) async for row in cur] == [(bad, "failed")] * 2 + [(good, "sent")] * 2
    found = [r.getMessage() for r in caplog.records if "could not be written" in r.getMessage()]
    assert len(found) == 2 and all("KeyError at " in m and "test_job_isolation.py" in m for m in found)
    assert SECRET not in caplog.text


async def test_the_digest_leaves_out_only_the_council_whose_figures_fail(two, caplog, monkeypatch):
    settings, _, bad, good = two
    services, messenger = await opened(settings)
    store = services.campaigns.store
    real = store.rates

    async def rates(campaign_id, *args, **kwargs):
        if campaign_id == bad:
            raise ValueError(SECRET)
        return await real(campaign_id, *args, **kwargs)

    monkeypatch.setattr(store, "rates", rates)
    try:
        with caplog.at_level(logging.INFO):
            screens = await services.fieldwork.digest()
    finally:
        await services.close()
    assert [chat for chat, _ in screens] == [AUDITOR]
    text = screens[0][1].text
    assert "Flintshire" in text and "Anglesey" not in text
    logged_by_type_and_place(caplog, f"campaign {bad} left out", "ValueError", "test_job_isolation.py")


async def close_both(settings: Settings) -> None:
    """Fieldwork closed at both councils, and each of the two members submitted and asked for the results."""
    async with aiosqlite.connect(settings.db_path) as conn:
        await conn.execute("UPDATE campaigns SET closed_at = '2026-11-30T09:00:00+00:00', closed_reason = 'auditor'")
        await conn.execute(
            "INSERT INTO submissions SELECT id, role, 1, '2026-11-29T09:00:00+00:00' FROM invitations"
            " WHERE chat_id IS NOT NULL"
        )
        await conn.execute(
            "UPDATE invitations SET results_wanted_at = '2026-11-29T09:00:00+00:00' WHERE chat_id IS NOT NULL"
        )
        await conn.commit()


async def test_a_report_that_will_not_compile_holds_back_no_one_elses_posting_or_results(two, caplog, monkeypatch):
    settings, _, bad, good = two
    await close_both(settings)
    monkeypatch.setattr(results_flow, "BATCH", 1)  # the bad campaign's people, first in line, fill every batch
    services, messenger = await opened(settings)
    services.completion.compiler = OneBadCompiler(bad)
    try:
        with caplog.at_level(logging.INFO):
            report = await services.posting.tick([AUDITOR])  # the completion job: posting, then the results
    finally:
        await services.close()
    assert report.finished == (good,)
    assert [(chat, item.key) for chat, item in messenger.posted] == [(AUDITOR, "summary")]
    assert "Flintshire" in messenger.posted[0][1].text  # type: ignore[operator]
    assert {chat for chat, _ in messenger.sent} == await chats_of(settings, good)
    assert all("Flintshire" in screen.text for _, screen in messenger.sent)
    logged_by_type_and_place(caplog, f"completion: campaign {bad} left", "RuntimeError", "test_job_isolation.py")
    # The results loop met the bad campaign too: logged once for the campaign, not once for each person.
    logged_by_type_and_place(caplog, f"results to respondents: campaign {bad}", "RuntimeError", "test_job_isolation.py")


async def test_the_results_loop_on_its_own_sends_everyone_elses_results(two, caplog, monkeypatch):
    settings, _, bad, good = two
    await close_both(settings)
    monkeypatch.setattr(results_flow, "BATCH", 1)
    services, messenger = await opened(settings)
    services.completion.compiler = OneBadCompiler(bad)
    try:
        with caplog.at_level(logging.INFO):
            report = await services.results.tick()
    finally:
        await services.close()
    assert report.sent == 2
    assert {chat for chat, _ in messenger.sent} == await chats_of(settings, good)
    logged_by_type_and_place(caplog, f"campaign {bad} left for the next tick", "RuntimeError", "test_job_isolation.py")


async def test_a_campaign_whose_figures_fail_holds_back_no_one_else_from_closing(two, caplog, monkeypatch):
    """Closing the campaigns whose close date has passed: one whose figures cannot be read is logged and skipped."""
    settings, _, bad, good = two
    services, _ = await opened(settings)
    try:
        services.campaigns.clock = FakeClock(datetime(2026, 12, 20, 10, 0, tzinfo=UTC))  # both past their close
        real = services.campaigns.store.rates

        async def rates(campaign_id: int, *args, **kwargs):
            if campaign_id == bad:
                raise RuntimeError(SECRET)
            return await real(campaign_id, *args, **kwargs)

        monkeypatch.setattr(services.campaigns.store, "rates", rates)
        with caplog.at_level(logging.INFO):
            closed = await services.campaigns.close_completed()
    finally:
        await services.close()
    assert [c.id for c in closed] == [good]
    logged_by_type_and_place(caplog, f"campaign {bad}: not checked for closing", "RuntimeError", "test_job_isolation")
