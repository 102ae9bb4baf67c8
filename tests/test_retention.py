"""Retention, enforced (issue 23, item 1).

A campaign's respondent-level data is kept for its period after fieldwork closes and then erased by the retention job:
warned about once, purged once (claimed in the database first, finished after a crash, never started again), with
``secure_delete`` and the write-ahead log emptied, the respondent-level exports removed and the compiled reports kept
(or removed, as the policy says).  The privacy notice states the same period; ``datatool-bot retention`` lists each
campaign's date and what goes.  Schedules run on a fake clock; the crash is a SIGKILL of the real process.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main
from bot.compiler import stored
from config.privacy import (
    DEFAULT_PRIVACY_NOTICE,
    PrivacyNoticeError,
    load_privacy_notice,
)
from config.settings import Settings
from flows.access_log import AccessLog
from flows.completion import CompletionService
from flows.delivery import SENT, Delivery, Outcome
from flows.i18n import catalogue
from flows.retention import (
    AlreadyPurged,
    DataErased,
    LongerAfterNotice,
    Policy,
    RetentionService,
    free_text_questions,
)
from storage.access_log import AccessLogRepository
from storage.database import connect
from storage.erasures import ledger_beside
from storage.postings import PostingRepository
from storage.repositories import CampaignRepository
from storage.retention import RESPONDENT_TABLES, ReportFolder, RetentionRepository
from tests.conftest import FakeClock
from tests.support import World, add_campaign, cli_env, exit_code, seed_answers

MARKER = "Okapi spreadsheets in the basement 5521"
OTHER = "Narwhal ledgers upstairs 7730"
AUDITOR_CHAT, GROUP_CHAT = 4401, -100_4402


class Messenger:
    """Records what was sent; each send's outcome from ``outcomes`` (then SENT)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.tried: list[int] = []
        self.outcomes: list[Delivery] = []

    async def send(self, chat_id: int, screen) -> Delivery:
        self.tried.append(chat_id)
        delivery = self.outcomes.pop(0) if self.outcomes else SENT
        if delivery.outcome in (Outcome.SENT, Outcome.UNKNOWN):
            self.sent.append((chat_id, screen.text))
        return delivery

    def texts(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]


class Chats:
    def __init__(self, *chats: int, welsh: frozenset[int] = frozenset()):
        self.chats, self.welsh = list(chats), welsh

    async def recipients_for(self, campaign) -> list[int]:
        return list(self.chats)

    async def language(self, chat_id: int) -> str:
        return "cy" if chat_id in self.welsh else "en"


def settings_for(tmp_path: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "db_path": tmp_path / "r.db",
        "reports_dir": tmp_path / "reports",
        "bot_username": "datatool_test_bot",
        "retention_days": 30,
        "retention_warning_days": 7,
    }
    return Settings(_env_file=None, **(values | extra))  # type: ignore[call-arg]


class Lifecycle:
    """Two councils' campaigns with answers (Flintshire's comments carry MARKER), Flintshire's closed now, its stored
    report folder, and the retention service on a fake clock."""

    def __init__(self, tmp_path: Path, clock: FakeClock, questionnaires, **extra: object):
        self.tmp_path, self.clock, self.questionnaires = tmp_path, clock, questionnaires
        self.settings = settings_for(tmp_path, **extra)
        self.world = World(emu=None, settings=self.settings, clock=clock, questionnaires=questionnaires)  # type: ignore[arg-type]
        self.messenger = Messenger()
        self.conn: aiosqlite.Connection
        self.closed_at = clock.now()

    async def __aenter__(self) -> Lifecycle:
        db = self.settings.db_path
        self.campaign_id, self.tokens = await add_campaign(
            self.world, "Flintshire County Council", officers=8, members=8
        )
        self.other_id, _ = await add_campaign(self.world, "Cardiff Council", officers=6, members=6)
        await seed_answers(db, self.campaign_id, "officer", self.questionnaires["officer"], count=6, comment=MARKER)
        await seed_answers(
            db, self.other_id, "officer", self.questionnaires["officer"], count=5, comment=OTHER, first_user=9_200_000
        )
        async with aiosqlite.connect(db) as plain:
            await plain.execute(
                "UPDATE campaigns SET closed_at = ?, closed_reason = 'auditor' WHERE id = ?",
                (self.closed_at.isoformat(timespec="seconds"), self.campaign_id),
            )
            await plain.commit()
        self.folder = self.settings.reports_dir / "campaign-1-flintshire-county-council" / "final"
        self.folder.mkdir(parents=True)
        (self.folder / "answers-NOT-FOR-PUBLICATION.csv").write_text(f"respondent,comment\n1,{MARKER}\n")
        (self.folder / "answers-NOT-FOR-PUBLICATION.xlsx").write_bytes(b"xlsx " + MARKER.encode())
        (self.folder / "report-en.html").write_text("<p>The compiled report</p>")
        (self.folder / "tables.xlsx").write_bytes(b"aggregate tables")
        self.conn = await connect(db)
        self.service = self.make_service()
        return self

    def make_service(self, policy: Policy | None = None) -> RetentionService:
        return RetentionService(
            RetentionRepository(self.conn),
            self.clock,
            self.settings.zone,
            policy
            or Policy(
                self.settings.retention_days, self.settings.retention_warning_days, self.settings.retention_keep_reports
            ),
            free_text_questions=free_text_questions(list(self.questionnaires.values())),
            reports=ReportFolder(self.settings.reports_dir),
            messenger=self.messenger,
            recipients=Chats(AUDITOR_CHAT, GROUP_CHAT, welsh=frozenset({GROUP_CHAT})),
            cat=catalogue(),
            access=AccessLog(AccessLogRepository(self.conn), self.clock),
        )

    async def __aexit__(self, *exc: object) -> None:
        await self.conn.close()

    def at(self, days: float) -> datetime:
        self.clock.current = self.closed_at + timedelta(days=days)
        return self.clock.current

    async def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        return [tuple(r) for r in await self.conn.execute_fetchall(sql, params)]

    def on_disk(self) -> bytes:
        db = self.settings.db_path
        return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())

    def ledger(self) -> list[dict]:
        path = ledger_beside(self.settings.db_path)
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def respondent_rows(life: Lifecycle, invitation_ids: list[int]) -> dict[str, int]:
    """Rows of every table that has an ``invitation_id`` column, for these invitations."""
    tables = [r[0] for r in await life.rows("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = {}
    for table in tables:
        columns = {r[1] for r in await life.rows(f"PRAGMA table_info({table})")}
        if "invitation_id" in columns:
            marks = ", ".join("?" * len(invitation_ids))
            found[table] = (
                await life.rows(f"SELECT COUNT(*) FROM {table} WHERE invitation_id IN ({marks})", tuple(invitation_ids))
            )[0][0]
    return found


# ---- the schedule, on a fake clock -----------------------------------------------------------------------------------


async def test_auditors_are_warned_once_and_the_data_is_erased_at_expiry(tmp_path, clock, questionnaires):
    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        ids = [r[0] for r in await life.rows("SELECT id FROM invitations WHERE campaign_id = ?", (life.campaign_id,))]
        assert MARKER.encode() in life.on_disk()  # the premise

        life.at(22.9)  # more than 7 days before expiry: nothing yet
        assert (await life.service.tick()).warned == 0 and life.messenger.sent == []

        life.at(23)  # 7 days before: each chat warned, in its own language
        assert (await life.service.tick()).warned == 2
        (english,) = life.messenger.texts(AUDITOR_CHAT)
        (welsh,) = life.messenger.texts(GROUP_CHAT)
        expiry = (life.closed_at + timedelta(days=30)).astimezone(life.settings.zone)
        assert "Flintshire County Council" in english and f"{expiry:%d/%m/%Y}" in english and "30 days" in english
        assert "16 invitations" in english and "6 Telegram identities" in english and "12 of them free text" in english
        assert "kept" in english and "delete any copy" in english
        assert "Cyngor Sir y Fflint" in welsh and "Cadw data" in welsh
        life.at(26)
        assert (await life.service.tick()).warned == 0 and len(life.messenger.sent) == 2  # once

        life.at(29.99)
        assert (await life.service.tick()).purged == ()
        assert (await life.rows("SELECT COUNT(*) FROM invitations WHERE campaign_id = ?", (life.campaign_id,))) == [
            (16,)
        ]

        life.at(30)
        report = await life.service.tick()
        assert report.purged == (life.campaign_id,)
        # every respondent-level row of the campaign is gone, from the database and from its files on disk
        assert await respondent_rows(life, ids) == {t: 0 for t in RESPONDENT_TABLES}
        assert await life.rows("SELECT COUNT(*) FROM invitations WHERE campaign_id = ?", (life.campaign_id,)) == [(0,)]
        assert MARKER.encode() not in life.on_disk()  # overwritten in the file (secure_delete), not left in the -wal
        # the other council's campaign is untouched
        assert await life.rows("SELECT COUNT(*) FROM invitations WHERE campaign_id = ?", (life.other_id,)) == [(12,)]
        assert OTHER.encode() in life.on_disk()
        # the respondent-level exports are removed, the compiled report and the aggregate tables kept
        assert sorted(p.name for p in life.folder.iterdir()) == ["report-en.html", "tables.xlsx"]
        # recorded: claimed, erased and finished, with the counts of what went
        (purge,) = await life.rows(
            "SELECT erased_at IS NOT NULL, finished_at IS NOT NULL, invitations, identities,"
            " answers, free_text, files FROM purges"
        )
        answers = 6 * len([q for q in questionnaires["officer"].questions if q.show_if is None])
        assert purge == (1, 1, 16, 6, answers, 12, 2)
        assert life.ledger() == [
            {
                "erased": "purge",
                "campaign": life.campaign_id,
                "keep_reports": True,
                "created": life.ledger()[0]["created"],
                "at": life.clock.now().isoformat(),
            }
        ]
        assert ["erased today" in t for t in life.messenger.texts(AUDITOR_CHAT)] == [False, True]
        assert len(life.messenger.texts(GROUP_CHAT)) == 2

        # the access log has the purge, by campaign and counts, never by person, and still verifies
        (logged,) = await life.rows("SELECT who, what, campaign_id, authority, detail FROM access_log")
        assert logged[:4] == ("schedule", "purge", life.campaign_id, "Flintshire County Council")
        assert logged[4] == (
            "16 invitation(s) with their hashes and references, 6 Telegram identities, "
            f"{answers} answer(s) of which 12 free text erased at the end of 30 days"
        )
        assert (await AccessLog(AccessLogRepository(life.conn), clock).verify()).intact

        life.at(45)  # never again
        assert await life.service.tick() == type(report)()
        assert len(life.messenger.sent) == 4
        assert len(await life.rows("SELECT * FROM access_log")) == 1


async def test_no_warning_when_the_setting_is_zero_and_reports_removed_when_the_policy_says(
    tmp_path, clock, questionnaires
):
    async with Lifecycle(
        tmp_path, clock, questionnaires, retention_warning_days=0, retention_keep_reports=False
    ) as life:
        life.at(29)
        assert (await life.service.tick()).warned == 0
        life.at(31)
        assert (await life.service.tick()).purged == (life.campaign_id,)
        assert not life.folder.parent.exists()  # the whole campaign folder
        (text,) = life.messenger.texts(AUDITOR_CHAT)
        assert "removed too" in text
        assert life.ledger()[0]["keep_reports"] is False


# ---- a purge is claimed first and finished after a crash, never run twice -------------------------------------------


async def test_a_purge_claimed_before_a_crash_is_finished_by_the_next_process_once(tmp_path, clock, questionnaires):
    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        now = life.at(30)
        store = RetentionRepository(life.conn)
        # the first process claimed the purge and died: nothing erased yet
        assert await store.claim(life.campaign_id, now, now, True)
        assert not await store.claim(life.campaign_id, now, now, True)  # a second claim finds the first
        (claimed,) = await life.rows("SELECT claimed_at FROM purges")
        life.at(30.5)
        restarted = life.make_service()
        assert await restarted.resume() == 1
        assert await life.rows("SELECT claimed_at, finished_at IS NOT NULL FROM purges") == [(claimed[0], 1)]
        assert [e["erased"] for e in life.ledger()] == ["purge"]
        assert MARKER.encode() not in life.on_disk()
        assert len(life.messenger.texts(AUDITOR_CHAT)) == 1
        assert await restarted.resume() == 0 and (await restarted.tick()).purged == ()
        assert len(life.messenger.texts(AUDITOR_CHAT)) == 1


async def test_a_reader_holding_the_write_ahead_log_delays_the_end_of_the_purge_not_the_erasure(
    tmp_path, clock, questionnaires
):
    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        reader = sqlite3.connect(life.settings.db_path, isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM answers").fetchone()  # a snapshot from before the purge
        await life.conn.execute("PRAGMA busy_timeout = 100")
        try:
            life.at(30)
            report = await life.service.tick()
            assert report.purged == () and report.waiting == (life.campaign_id,)
            assert await life.rows("SELECT erased_at IS NOT NULL, finished_at FROM purges") == [(1, None)]
            assert life.messenger.texts(AUDITOR_CHAT) == []  # told only once nothing is left
        finally:
            reader.close()
        life.at(30.1)
        assert (await life.service.tick()).purged == (life.campaign_id,)
        assert MARKER.encode() not in life.on_disk()
        (purge,) = await life.rows("SELECT invitations, identities FROM purges")
        assert purge == (16, 6)  # what the erasure counted, not what was left when it went on
        assert len(life.messenger.texts(AUDITOR_CHAT)) == 1


# ---- the notices' guarantee ---------------------------------------------------------------------------------------


async def test_a_warning_that_certainly_failed_is_sent_again_one_that_may_have_arrived_never(
    tmp_path, clock, questionnaires
):
    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        life.messenger.outcomes = [Delivery(Outcome.RETRY, error="500"), Delivery(Outcome.UNKNOWN, error="timeout")]
        life.at(23)
        await life.service.tick()
        assert life.messenger.tried == [AUDITOR_CHAT, GROUP_CHAT]
        life.at(23.01)
        await life.service.tick()  # the 5xx one again; the one in doubt never
        assert life.messenger.tried == [AUDITOR_CHAT, GROUP_CHAT, AUDITOR_CHAT]
        assert [c for c, _ in life.messenger.sent] == [GROUP_CHAT, AUDITOR_CHAT]

        # a refusal (an auditor who has not started the bot) is tried again a day later
        life.messenger.outcomes = [Delivery(Outcome.UNREACHABLE, error="403")]
        await life.conn.execute("DELETE FROM retention_notices WHERE chat_id = ?", (AUDITOR_CHAT,))
        life.at(23.02)
        await life.service.tick()
        life.at(23.5)
        await life.service.tick()
        assert life.messenger.tried.count(AUDITOR_CHAT) == 3
        life.at(24.1)
        await life.service.tick()
        assert life.messenger.tried.count(AUDITOR_CHAT) == 4

        # one left "sending" by a crash is recorded as in doubt at start-up, never sent again
        await life.conn.execute("UPDATE retention_notices SET status = 'sending'")
        assert await life.make_service().recover() == 2
        life.at(25)
        await life.service.tick()
        assert life.messenger.tried.count(AUDITOR_CHAT) == 4
        assert await life.rows("SELECT DISTINCT status FROM retention_notices") == [("unknown",)]


async def test_a_new_expiry_date_is_warned_about_again(tmp_path, clock, questionnaires):
    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        life.at(23)
        await life.service.tick()
        await life.service.set_days(life.campaign_id, 25)  # shortened: expires in 2 days now
        life.at(23.1)
        await life.service.tick()
        texts = life.messenger.texts(AUDITOR_CHAT)
        assert len(texts) == 2 and "25 days" in texts[1]


# ---- the period: per campaign, never longer than respondents were told ---------------------------------------------


async def test_a_period_can_be_shortened_but_not_lengthened_once_respondents_read_the_notice(
    tmp_path, clock, questionnaires
):
    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        other = await life.service.set_days(life.other_id, 400)  # nobody has read its notice yet
        assert other.days == 400 and other.own_period
        await life.conn.execute(
            "UPDATE invitations SET notice_seen_at = ? WHERE campaign_id = ? AND id = ?",
            (clock.now().isoformat(), life.other_id, 17),
        )
        with pytest.raises(LongerAfterNotice):
            await life.service.set_days(life.other_id, 401)
        assert (await life.service.set_days(life.other_id, 100)).days == 100
        life.at(30)
        await life.service.tick()
        with pytest.raises(AlreadyPurged):
            await life.service.set_days(life.campaign_id, 10)


async def test_the_privacy_notice_states_the_configured_period_and_a_campaign_its_own():
    notice = load_privacy_notice(DEFAULT_PRIVACY_NOTICE, retention_days=200)
    for part in (notice.short, notice.full):
        assert "200 days after fieldwork closes" in part["en"] and "200 diwrnod ar ôl" in part["cy"]
        assert "report is kept" in part["en"]
    assert "12 months" not in notice.full["en"]
    assert "30 days after" in notice.text("short", "en", 30) and "30 diwrnod" in notice.text("full", "cy", 30)
    assert notice.text("short", "en", None) == notice.short["en"] == notice.text("short", "en", 200)
    removed = load_privacy_notice(DEFAULT_PRIVACY_NOTICE, retention_days=365, keep_reports=False)
    assert "deleted then too" in removed.full["en"] and "hefyd" in removed.full["cy"]


def test_a_notice_that_does_not_say_how_long_is_refused(tmp_path):
    import yaml

    notice = yaml.safe_load(DEFAULT_PRIVACY_NOTICE.read_text(encoding="utf-8"))
    notice["full"]["cy"] = notice["full"]["cy"].replace("{retention}", "12 mis.")
    path = tmp_path / "privacy.yaml"
    path.write_text(yaml.safe_dump(notice, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PrivacyNoticeError, match=r"full\.cy does not say how long the data is kept"):
        load_privacy_notice(path)


async def test_respondents_read_their_own_campaigns_period(tmp_path, clock, questionnaires):
    from flows.callbacks import Action
    from flows.replies import Who
    from flows.respondents import Respondents
    from storage.respondents import RespondentRepository
    from tests.test_redelivery import TOKENS, Updates, button, sqlite_store

    conn = await sqlite_store(tmp_path / "n.db", clock)
    try:
        await RetentionRepository(conn).set_days(1, 45)
        service = Respondents(
            RespondentRepository(conn),
            clock,
            questionnaires,
            catalogue(),
            settings_for(tmp_path).zone,
            load_privacy_notice(retention_days=365),
        )
        person = Updates(Who(701, 701, "en"))
        reply = await service.start(person(), TOKENS["officer"][0])
        reply = await service.press(person(), button(reply, Action.LANGUAGE))
        assert "45 days after fieldwork closes" in reply.edit.text  # type: ignore[union-attr]
        full = await service.command(person(), "privacy")
        assert "45 days after fieldwork closes" in full.send[0].text
    finally:
        await conn.close()


# ---- after the purge, nothing is rebuilt from the emptied database --------------------------------------------------


class NoCompiler:
    async def write_report(self, campaign, folder, *, interim):
        raise AssertionError("a purged campaign must never be compiled again")

    async def stored(self, folder):
        return stored(folder)  # the reports kept from the compilation at close


async def test_the_kept_report_is_never_overwritten_and_no_report_is_built_after_the_purge(
    tmp_path, clock, questionnaires
):
    from flows.campaigns import CampaignService

    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        life.at(30)
        await life.service.tick()
        campaigns = CampaignService(CampaignRepository(life.conn), clock, life.settings.zone)
        completion = CompletionService(
            campaigns,
            PostingRepository(life.conn),
            NoCompiler(),  # type: ignore[arg-type]
            life.settings.reports_dir,
        )
        campaign = await campaigns.campaign(life.campaign_id)
        assert campaign.erased_at is not None
        bundle = await completion.final_bundle(life.campaign_id)
        assert [i.key for i in bundle.items if i.kind == "document"] == ["report-en.html", "tables.xlsx"]
        assert (life.folder / "report-en.html").read_text() == "<p>The compiled report</p>"
        with pytest.raises(DataErased, match="kept in"):
            await completion.report(campaign, tmp_path / "elsewhere")
        # a purged campaign is no council's previous round or peer any more: it has no answers to compare
        repo = CampaignRepository(life.conn)
        await life.conn.execute("UPDATE campaigns SET round = '2025' WHERE id = ?", (life.campaign_id,))
        await life.conn.execute(
            "UPDATE campaigns SET opens_on = '2027-01-01', closes_on = '2027-02-01', authority_id ="
            " (SELECT authority_id FROM campaigns WHERE id = ?) WHERE id = ?",
            (life.campaign_id, life.other_id),
        )  # Flintshire's next round
        assert await repo.previous_round(await repo.campaign(life.other_id)) is None  # type: ignore[arg-type]
        await life.conn.execute("DELETE FROM purges")
        assert (await repo.previous_round(await repo.campaign(life.other_id))).id == life.campaign_id  # type: ignore


async def until_logged(log: Path, text: str) -> None:
    import asyncio

    deadline = asyncio.get_running_loop().time() + 60
    while not (log.exists() and text in log.read_text(errors="replace")):
        assert asyncio.get_running_loop().time() < deadline, f"{log.name} never said {text!r}"
        await asyncio.sleep(0.1)


def test_every_table_tied_to_an_invitation_is_purged(tmp_path):
    """A table added later with an ``invitation_id`` must join RESPONDENT_TABLES, or a purge would leave it behind."""
    import asyncio

    async def tables() -> set[str]:
        conn = await connect(tmp_path / "schema.db")
        try:
            names = [r[0] for r in await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")]
            found = set()
            for name in names:
                columns = {r[1] for r in await conn.execute_fetchall(f"PRAGMA table_info({name})")}
                if "invitation_id" in columns:
                    found.add(name)
            return found
        finally:
            await conn.close()

    assert asyncio.run(tables()) == set(RESPONDENT_TABLES)


def test_the_respondent_level_exports_are_the_ones_the_purge_removes():
    from reports.export import ANSWERS_CSV, ANSWERS_XLSX, AUDIT_ONLY
    from storage.retention import AUDIT_ONLY as REMOVED

    assert REMOVED == AUDIT_ONLY and REMOVED in ANSWERS_CSV and REMOVED in ANSWERS_XLSX


# ---- the ledger forgets a purged campaign's withdrawals -----------------------------------------------------------


async def test_a_purge_drops_its_campaigns_invitation_hashes_from_the_erasure_ledger(tmp_path, clock, questionnaires):
    from storage.respondents import RespondentRepository

    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        store = RespondentRepository(life.conn)
        bound = await life.rows(
            "SELECT telegram_user_id, campaign_id FROM invitations WHERE telegram_user_id IS NOT NULL ORDER BY id"
        )
        flint_user = next(u for u, c in bound if c == life.campaign_id)
        cardiff_user = next(u for u, c in bound if c == life.other_id)
        for user in (flint_user, cardiff_user):
            await store.withdraw_user(user, clock.now())
        assert [(e["erased"], e["campaign"]) for e in life.ledger()] == [
            ("withdrawal", life.campaign_id),
            ("withdrawal", life.other_id),
        ]
        life.at(30)
        await life.service.tick()
        assert [(e["erased"], e["campaign"]) for e in life.ledger()] == [
            ("withdrawal", life.other_id),
            ("purge", life.campaign_id),
        ]
        assert oct(ledger_beside(life.settings.db_path).stat().st_mode & 0o777) == "0o600"


# ---- the command line ------------------------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> Path:
    return cli_env(monkeypatch, tmp_path, "cli.db", reports_dir=str(tmp_path / "reports"))


def test_retention_lists_each_campaigns_date_and_what_goes(env: Path, capsys):
    closes = (date.today() + timedelta(days=20)).isoformat()
    assert main(["campaign", "create", "--authority", "flint", "--closes", closes]) == 0
    assert main(["campaign", "create", "--authority", "cardiff", "--closes", closes, "--retention-days", "90"]) == 0
    assert "kept 90 days after it closes" in capsys.readouterr().err
    assert main(["invites", "create", "--campaign", "1", "--role", "member", "--count", "3"]) == 0
    assert main(["campaign", "close", "1"]) == 0
    capsys.readouterr()
    assert main(["retention"]) == 0
    out = capsys.readouterr().out
    closed = sqlite3.connect(env).execute("SELECT closed_at FROM campaigns WHERE id = 1").fetchone()[0]
    expires = (datetime.fromisoformat(closed) + timedelta(days=365)).astimezone(Settings(_env_file=None).zone)
    assert "campaign 1  Flintshire County Council" in out
    assert f"kept 365 days (its own), erased {expires:%Y-%m-%d %H:%M} Europe/London" in out
    assert "3 invitation(s) with their hashes and references, 0 Telegram identities, 0 answer(s)" in out
    assert "kept:  0 compiled report file(s)" in out
    earliest = date.fromisoformat(closes) + timedelta(days=91)
    assert "campaign 2  Cardiff Council, round" in out and f"until {earliest} at the earliest" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["campaign", "update", "1", "--retention-days", "0"], "not a number of days from 1 to 3650"),
        (
            ["campaign", "create", "--authority", "flint", "--closes", "2099-01-01", "--retention-days", "x"],
            "not a number",
        ),
        (["campaign", "update", "9", "--retention-days", "10"], "there is no campaign 9"),
    ],
)
def test_bad_retention_arguments_are_refused_in_one_line(env: Path, capsys, argv, expected):
    assert (
        main(["campaign", "create", "--authority", "flint", "--closes", (date.today() + timedelta(days=5)).isoformat()])
        == 0
    )
    capsys.readouterr()
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_lengthening_after_respondents_read_the_notice_is_refused_with_the_reason(env: Path, capsys):
    assert (
        main(
            [
                "campaign",
                "create",
                "--authority",
                "flint",
                "--closes",
                (date.today() + timedelta(days=5)).isoformat(),
                "--retention-days",
                "100",
            ]
        )
        == 0
    )
    assert main(["invites", "create", "--campaign", "1", "--role", "member", "--count", "1"]) == 0
    plain = sqlite3.connect(env)
    plain.execute("UPDATE invitations SET notice_seen_at = '2026-01-01T00:00:00+00:00'")
    plain.commit()
    plain.close()
    capsys.readouterr()
    assert main(["campaign", "update", "1", "--retention-days", "101"]) == 2
    assert "told in the privacy notice" in capsys.readouterr().err
    assert main(["campaign", "update", "1", "--retention-days", "60"]) == 0
    assert "kept 60 days" in capsys.readouterr().out
    assert main(["campaign", "close", "1"]) == 0
    plain = sqlite3.connect(env)
    plain.execute(
        "UPDATE campaigns SET closed_at = ?",  # closed long ago
        ((datetime.now(UTC) - timedelta(days=400)).isoformat(timespec="seconds"),),
    )
    plain.commit()
    plain.close()
    capsys.readouterr()
    assert main(["campaign", "update", "1", "--retention-days", "30"]) == 0
    assert "That is past: the running bot erases it at its next check" in capsys.readouterr().out


# ---- SIGKILL of the real process in the middle of a purge -------------------------------------------------------------


async def test_sigkill_mid_purge_is_finished_by_the_next_process_and_never_run_twice(
    emulator, tmp_path: Path, clock, questionnaires
):
    """The real ``datatool-bot run`` erases an expired campaign's rows, but a reader (this test) keeps it from emptying
    the write-ahead log, so the answers are still in the files on disk and the purge is not finished: it is killed
    there.  The next process finishes it — the answers gone from the database file and the log, the auditor told once —
    without claiming or erasing it again."""
    from tests.support import make_settings
    from tests.test_kill_delivery import bot_process, db_rows, sigkill, until_db

    auditor_id = 4501
    settings = make_settings(emulator, tmp_path / "purge.db", auditor_ids=frozenset({auditor_id}))
    world = World(emu=emulator, settings=settings, clock=clock, questionnaires=questionnaires)
    world.campaign_id, world.tokens = await add_campaign(world, "Flintshire County Council", officers=8, members=8)
    await seed_answers(
        settings.db_path, world.campaign_id, "officer", questionnaires["officer"], count=6, comment=MARKER
    )
    closed = (datetime.now(UTC) - timedelta(days=40)).isoformat(timespec="seconds")  # the process reads the real clock
    async with aiosqlite.connect(settings.db_path) as conn:
        await conn.execute(
            "UPDATE campaigns SET closed_at = ?, closed_reason = 'date', summary_posted_at = ?, retention_days = 30",
            (closed, closed),
        )
        await conn.commit()
    auditor = world.driver(auditor_id)
    auditor.timeout = 60
    await emulator.send_message(auditor.user, "/campaigns")  # the auditor has started the bot
    db = settings.db_path

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in (db, db.with_name(db.name + "-wal")) if p.exists())

    def erased_notices() -> int:
        return sum("erased today" in m.text for m in emulator.bot_messages(auditor_id))

    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM answers").fetchone()  # holds a snapshot from before the purge
    try:
        with bot_process(world, tmp_path, "first", DATATOOL_AUDITOR_IDS=str(auditor_id)) as process:
            await until_db(
                world,
                "SELECT erased_at IS NOT NULL, finished_at IS NULL FROM purges",
                [(1, 1)],
                "the rows erased, the log not yet emptied",
            )
            sigkill(process)
        (claimed,) = await db_rows(world, "SELECT claimed_at FROM purges")
        assert MARKER.encode() in on_disk()  # killed mid-purge: the erased answers are still in the files
        assert erased_notices() == 0
        assert await db_rows(world, "SELECT COUNT(*) FROM invitations") == [(0,)]
        ledger = ledger_beside(db).read_text().splitlines()
        assert [json.loads(line)["erased"] for line in ledger] == ["purge"]
        # The reader stays open until the next process is connected: closing the last connection to a database
        # would checkpoint it, doing the killed process's work for it.
        with bot_process(world, tmp_path, "second", DATATOOL_AUDITOR_IDS=str(auditor_id)):
            await until_logged(tmp_path / "second.log", "could not be emptied yet")  # its start-up tried, and waits
            reader.close()
            await until_db(world, "SELECT finished_at IS NOT NULL FROM purges", [(1,)], "the purge finished")
            await auditor.expect("erased today")
    finally:
        reader.close()
    assert MARKER.encode() not in on_disk()
    assert await db_rows(world, "SELECT claimed_at, invitations, identities FROM purges") == [(claimed[0], 16, 6)]
    assert ledger_beside(db).read_text().splitlines() == ledger  # recorded once
    assert erased_notices() == 1
    for log in ("first.log", "second.log"):
        assert MARKER not in (tmp_path / log).read_text(errors="replace")


async def test_retention_lists_what_went_once_a_campaign_is_purged(
    tmp_path, clock, questionnaires, monkeypatch, capsys
):
    import asyncio

    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        life.at(30)
        await life.service.tick()
        erased_on = life.clock.now().date().isoformat()
    for key in list(os.environ):
        if key.startswith("DATATOOL_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("DATATOOL_DB_PATH", str(life.settings.db_path))
    monkeypatch.setenv("DATATOOL_REPORTS_DIR", str(life.settings.reports_dir))
    monkeypatch.setenv("DATATOOL_RETENTION_DAYS", "30")
    assert await asyncio.to_thread(main, ["retention"]) == 0
    out = capsys.readouterr().out
    assert f"campaign 1  Flintshire County Council, round 2026: erased {erased_on}, 30 days" in out
    assert "went:  16 invitation(s) with their hashes and references, 6 Telegram identities" in out
    assert "of which 12 free text; 2 file(s)" in out and "left:  2 compiled report file(s)" in out
    assert "campaign 2  Cardiff Council" in out and "fieldwork open" in out


async def test_auditors_limited_to_other_councils_are_not_told_about_this_one(tmp_path, clock, questionnaires):
    from bot.jobs_lifecycle import AuditorRecipients
    from flows.auditors import Auditors
    from storage.auditors import AuditorRepository

    async with Lifecycle(tmp_path, clock, questionnaires) as life:
        records = AuditorRepository(life.conn)
        auditors = Auditors(records, clock, frozenset({5001}), None, records)  # 5001: every council (settings)
        await auditors.add(5002, ["Cardiff Council"])
        await auditors.add(5003, ["Flintshire County Council"])
        service = life.make_service()
        service.recipients = AuditorRecipients(auditors)
        life.at(23)
        assert (await service.tick()).warned == 2
        assert sorted(chat for chat, _ in life.messenger.sent) == [5001, 5003]
