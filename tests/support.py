"""Helpers for end-to-end tests: a World with an emulator, a database holding a campaign, and the bot on demand."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import aiosqlite
from telegram.ext import Application

from bot.app import build_application, running
from bot.emulator import BotApiEmulator, UserDriver
from bot.services import Services, admin_services
from config.settings import Settings
from flows import callbacks
from flows.callbacks import Action
from flows.model import Questionnaire
from flows.ports.clock import Clock
from flows.questions.choice import ChoiceQuestion
from flows.questions.scale import ScaleQuestion
from flows.tokens import hash_token

AUTHORITY = "Flintshire County Council"


@dataclass
class World:
    emu: BotApiEmulator
    settings: Settings
    clock: Clock
    questionnaires: dict[str, Questionnaire]
    campaign_id: int = 0
    tokens: dict[str, list[str]] = field(default_factory=dict)
    app: Application | None = None

    @contextlib.asynccontextmanager
    async def bot(self) -> AsyncIterator[Services]:
        """The bot, running in this event loop until the block ends (a restart is simply a second block)."""
        services = Services(self.settings, clock=self.clock)
        self.app = build_application(self.settings, services)
        async with running(self.app, poll_timeout=1):
            # The scheduled jobs (reminders, digest, completion) run only when a test runs them — with the fake
            # clock — never on the wall clock in the middle of a test.
            assert self.app.job_queue is not None
            self.app.job_queue.scheduler.pause()
            yield services

    def driver(self, user_id: int, language_code: str = "en") -> UserDriver:
        return UserDriver(
            self.emu, self.emu.add_user(user_id, first_name=f"User {user_id}", language_code=language_code)
        )


def make_settings(emu: BotApiEmulator, db_path: Path, **extra: object) -> Settings:
    """Settings for a bot talking to the emulator; every file it writes stays beside the test's database."""
    values: dict[str, object] = {
        "telegram_token": emu.token,
        "telegram_base_url": emu.base_url,
        "bot_username": "datatool_test_bot",
        "db_path": db_path,
        "reports_dir": db_path.parent / "reports",
        "rate_limit_per_second": 10_000,
    }
    return Settings(_env_file=None, **(values | extra))  # type: ignore[call-arg]


async def seed_campaign(world: World, *, per_role: int = 5, authority: str = AUTHORITY) -> None:
    world.campaign_id, world.tokens = await add_campaign(
        world, authority, officers=per_role, members=per_role, opened=1, closes_in=27
    )


def payloads(message) -> list[str]:
    """The callback data of a message's buttons without the invitation they were shown for."""
    return [callbacks.without_owner(data) for data in message.callback_data]


def as_shown(driver, action: Action, *args: str) -> str:
    """Callback data as the bot puts it on this person's buttons (with the invitation they were shown for), for
    pressing buttons a message no longer has, or never had."""
    for message in reversed(driver.messages):
        for data in message.callback_data:
            cb = callbacks.decode(data)
            if cb is not None and cb.owner is not None:
                return callbacks.encode(action, *args, owner=cb.owner)
    raise AssertionError(f"no button of this person carries an invitation:\n{driver.transcript()}")


def current_question(message) -> tuple[str, str]:
    """(question id, "choice" or "text") of the question a bot message shows, read from its buttons."""
    kinds = {}
    for data in message.callback_data:
        cb = callbacks.decode(data)
        if cb and cb.action is Action.ANSWER:
            return cb.args[0], "choice"
        if cb and cb.action is Action.BACK:
            kinds["text"] = cb.args[0]
    if "text" in kinds:
        return kinds["text"], "text"
    raise AssertionError(f"not a question message: {message.text[:200]!r}")


async def stored_answers(db_path: Path, token: str) -> dict[str, str | None]:
    async with aiosqlite.connect(db_path) as conn:
        async with conn.execute(
            "SELECT a.question_id, a.value FROM answers a JOIN invitations i ON i.id = a.invitation_id"
            " WHERE i.token_hash = ? ORDER BY a.question_id",
            (hash_token(token),),
        ) as cur:
            return {row[0]: row[1] async for row in cur}


async def reopen_for_real_clock(db_path: Path, campaign_id: int) -> None:
    """A bot in another process reads the real clock: put the campaign's window around the real today."""
    from datetime import date

    today = date.today()
    async with aiosqlite.connect(db_path) as conn:
        await conn.execute(
            "UPDATE campaigns SET opens_on = ?, closes_on = ? WHERE id = ?",
            ((today - timedelta(days=2)).isoformat(), (today + timedelta(days=30)).isoformat(), campaign_id),
        )
        await conn.commit()


async def onboard(driver, token: str, language: str = "English", *, timeout: float | None = None) -> None:
    """Open the link, choose a language, read the privacy notice and start: ends on question 1."""
    await driver.start(token, timeout=timeout)
    await driver.tap(language, timeout=timeout)
    await driver.tap(callbacks.encode(Action.CONSENT), timeout=timeout)


async def seed_progress(
    db_path: Path,
    campaign_id: int,
    role: str,
    *,
    submitted: int,
    started: int = 0,
    when: str = "2026-11-25T09:00:00+00:00",
    first_user: int = 5_000_000,
) -> None:
    """Mark invitations of a role as submitted / started directly in the database (figures tests)."""
    async with aiosqlite.connect(db_path) as conn:
        async with conn.execute(
            "SELECT i.id FROM invitations i LEFT JOIN submissions s ON s.invitation_id = i.id"
            " WHERE i.campaign_id = ? AND i.role = ? AND i.telegram_user_id IS NULL AND s.invitation_id IS NULL"
            " AND i.revoked_at IS NULL ORDER BY i.id",
            (campaign_id, role),
        ) as cur:
            free = [row[0] async for row in cur]
        assert len(free) >= submitted + started, "not enough unused invitations"
        for n, inv in enumerate(free[: submitted + started]):
            await conn.execute(
                "UPDATE invitations SET telegram_user_id = ?, chat_id = ?, bound_at = ?, last_seen_at = ? WHERE id = ?",
                (first_user + inv, first_user + inv, when, when, inv),
            )
            if n < submitted:
                await conn.execute("INSERT INTO submissions VALUES (?, ?, 1, ?)", (inv, role, when))
        await conn.commit()


async def add_campaign(
    world: World, authority: str, *, officers: int, members: int, closes_in: int = 20, opened: int = 3
) -> tuple[int, dict[str, list[str]]]:
    """Another campaign in the world's database, opened ``opened`` days before the world's today (UTC), with its
    tokens per role: created and invited as the command line does (``flows.campaigns``)."""
    today = world.clock.now().date()
    async with admin_services(world.settings, world.clock) as admin:
        campaign_id = await admin.campaigns.create(
            authority, today - timedelta(days=opened), today + timedelta(days=closes_in)
        )
        tokens: dict[str, list[str]] = {}
        for role, count in (("officer", officers), ("member", members)):
            issued = await admin.campaigns.issue_invitations(
                campaign_id, role, count, world.settings.bot_username or ""
            )
            tokens[role] = [i.token for i in issued]
    return campaign_id, tokens


async def seed_answers(
    db_path: Path,
    campaign_id: int,
    role: str,
    questionnaire: Questionnaire,
    *,
    count: int,
    level: str = "l2",
    agree: str = "a",
    comment: str | None = "A comment",
    first_user: int = 9_000_000,
) -> None:
    """``count`` submitted respondents of a role with a full set of answers (no follow-ups triggered)."""
    from flows import engine

    await seed_progress(db_path, campaign_id, role, submitted=count, first_user=first_user)
    answers: dict[str, str | None] = {}
    for q in engine.visible_questions(questionnaire, {}):
        answers[q.id] = {ChoiceQuestion.name: level, ScaleQuestion.name: agree}.get(q.type, comment)
    async with aiosqlite.connect(db_path) as conn:
        async with conn.execute(
            "SELECT i.id FROM invitations i JOIN submissions s ON s.invitation_id = i.id"
            " WHERE i.campaign_id = ? AND i.role = ? AND i.telegram_user_id >= ?",
            (campaign_id, role, first_user),
        ) as cur:
            ids = [row[0] async for row in cur]
        await conn.executemany(
            "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, '2026-11-25T09:00:00+00:00')",
            [(i, qid, value) for i in ids for qid, value in answers.items()],
        )
        await conn.commit()


FAILURE = "something went wrong"  # the error handler's apology: never expected in the end-to-end tests


def person(world: World, user_id: int, language_code: str | None = "en") -> UserDriver:
    """A driver that waits less after each action: the bot edits or sends before it answers a button press, so once
    the press is answered (or the reply has arrived) the bot is done with it."""
    driver = world.driver(user_id, language_code)  # type: ignore[arg-type]
    driver.quiet, driver.settle = 0.02, 0.02
    return driver


def last_toast(emu: BotApiEmulator) -> str | None:
    """The text of the most recent answer to a button press."""
    assert emu.callback_answers, "no button press has been answered"
    return list(emu.callback_answers.values())[-1].text


def no_failure(driver: UserDriver) -> None:
    assert all(FAILURE not in m.text for m in driver.messages), driver.transcript()


async def prefill(db_path: Path, token: str, answers: dict[str, str | None]) -> None:
    """Write answers for the invitation of ``token`` straight into the database and clear the cursor, so the
    respondent is on the first unanswered question (as after answering in order)."""
    async with aiosqlite.connect(db_path) as conn:
        async with conn.execute("SELECT id FROM invitations WHERE token_hash = ?", (hash_token(token),)) as cur:
            row = await cur.fetchone()
        assert row is not None
        await conn.executemany(
            "INSERT INTO answers (invitation_id, question_id, value, answered_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (invitation_id, question_id) DO UPDATE SET value = excluded.value",
            [(row[0], qid, value, "2026-11-25T10:00:00+00:00") for qid, value in answers.items()],
        )
        await conn.execute("UPDATE invitations SET cursor = NULL WHERE id = ?", (row[0],))
        await conn.commit()


DOCUMENTS = (
    "report-en.html",
    "report-cy.html",
    "report-en.docx",
    "report-cy.docx",
    "tables.xlsx",
    "tables-en.csv",
    "tables-cy.csv",
    "answers-NOT-FOR-PUBLICATION.xlsx",
    "answers-NOT-FOR-PUBLICATION.csv",
    "questions.csv",
)
"""The documents an auditor in English is posted after the summary and the charts, in this order."""


def documents_in(language: str) -> list[str]:
    """``DOCUMENTS`` as a chat in ``language`` gets them: of each pair in both languages, its own first."""

    def rank(name: str) -> tuple[int, bool]:
        for other in ("en", "cy"):
            if f"-{other}." in name:
                return DOCUMENTS.index(name.replace(f"-{other}.", "-en.")), other != language
        return DOCUMENTS.index(name), False

    return sorted(DOCUMENTS, key=rank)


def compile_once(monkeypatch, tmp_path_factory, cache: dict[str, object]) -> None:
    """Build the report's documents once per ``cache`` (one per test module, whose fixtures all seed the same
    answers) and hand the same documents over afterwards, to be written as usual: for tests about posting, not
    compiling."""
    import reports.html as html_reports  # bot/compiler.py imports it when a report is first built

    real = html_reports.report_documents

    def build_once(data):
        if "report" not in cache:
            cache["report"] = real(data)
        return cache["report"]

    monkeypatch.setattr(html_reports, "report_documents", build_once)


def clean_environment(monkeypatch, tmp_path: Path) -> Path:
    """No DATATOOL_* variable from the outer environment, and a working folder without a .env file."""
    import os

    for key in list(os.environ):
        if key.upper().startswith("DATATOOL_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli_env(monkeypatch, tmp_path: Path, db_name: str = "cli.db", **settings: str) -> Path:
    """The command line as an operator runs it: no DATATOOL_ setting from this machine's environment, the working
    folder a fresh one, a database there; ``settings`` adds DATATOOL_<NAME> values.  Returns the database's path."""
    clean_environment(monkeypatch, tmp_path)
    db = tmp_path / db_name
    monkeypatch.setenv("DATATOOL_DB_PATH", str(db))
    monkeypatch.setenv("DATATOOL_BOT_USERNAME", "datatool_test_bot")
    for name, value in settings.items():
        monkeypatch.setenv(f"DATATOOL_{name.upper()}", value)
    return db


def exit_code(argv: list[str]) -> int:
    """``datatool-bot argv``'s exit code: argparse refuses by raising SystemExit(2), our own checks return theirs."""
    from bot.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@contextlib.contextmanager
def bot_logging(level: int):
    """The bot's logging set-up (``bot.logs.setup_logging``) writing to a StringIO at ``level``; the root logger and
    every logger's level are put back afterwards."""
    import io
    import logging

    from bot.logs import setup_logging

    root = logging.getLogger()
    saved_handlers, saved_root_level = root.handlers[:], root.level
    saved_levels = {
        name: logger.level
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    stream = io.StringIO()
    setup_logging(level, stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_root_level)
        for name, logger in logging.Logger.manager.loggerDict.items():
            if isinstance(logger, logging.Logger):
                logger.setLevel(saved_levels.get(name, logging.NOTSET))
