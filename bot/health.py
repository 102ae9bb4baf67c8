"""Is the bot well?  The health check behind ``GET /healthz`` (webhook mode), the status file (every mode) and
``datatool-bot status``.

Three things, each with no personal data in it:

- **the database is writable**: a write transaction can begin now (``storage/health.py``: not read-only, not locked
  by a stuck writer, the disk not full), probed at most every :data:`PROBE_EVERY` seconds;
- **the time of the last update handled** (any update, whoever sent it; informative only: a quiet night is not a
  fault), from the bot's clock;
- **the jobs are alive**: the scheduler runs, every repeating job seen since start is still scheduled, none is more
  than :data:`OVERDUE_AFTER` seconds past its time (the event loop is not starved) and none has been running for more
  than :data:`STUCK_AFTER` seconds (a reminder round to every council in Wales takes minutes, not an hour).

Healthy is 200 with the JSON body, unhealthy 503 with the same body naming the problems; 503 with ``"status":
"starting"`` or ``"stopping"`` around start-up and shutdown.  The run writes the same body, with the mode and its
process id, to the status file (``DATATOOL_STATUS_FILE``, default ``<DATATOOL_DB_PATH>.status.json``) as it starts
and every :data:`STATUS_EVERY` seconds, and ``"status": "stopped"`` when it stops; ``datatool-bot status`` prints it
and exits 0 only when it says healthy, is fresh (:data:`STALE_AFTER`) and its process is alive, so it serves as a
Docker ``HEALTHCHECK`` or a monitoring probe in either mode.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from config.settings import Settings

if TYPE_CHECKING:
    from telegram.ext import Application

    from flows.ports.clock import Clock

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
HEALTH_KEY = "datatool.health"
"""Key of the :class:`HealthMonitor` in ``Application.bot_data``."""
HANDLED_GROUP = 1_000
"""The handler group that notes each update handled: after the bot's own handlers (group 0) have run."""
PROBE_EVERY = 5.0
PROBE_TIMEOUT = 2.0
STATUS_EVERY = 30.0
STARTING = "starting"
"""The status until the Application and its jobs run (rewritten every second until then)."""
STALE_AFTER = 120.0
OVERDUE_AFTER = 120.0
STUCK_AFTER = 3600.0


@dataclass(frozen=True)
class JobView:
    """One repeating job as the health check sees it (seconds)."""

    name: str
    scheduled: bool = True
    overdue: float = 0.0
    running: float | None = None


@dataclass(frozen=True)
class Health:
    ok: bool
    body: dict[str, Any]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def assess(
    *,
    mode: str,
    checked_at: datetime,
    database_problem: str | None,
    last_update_at: datetime | None,
    scheduler: str,
    jobs: list[JobView],
) -> Health:
    """The verdict and its JSON body: pure, so every rule is tested on a fake clock."""
    problems = [f"database: {database_problem}"] if database_problem else []
    if scheduler != "running":
        problems.append(f"jobs: the scheduler is {scheduler}")
    for job in jobs:
        if not job.scheduled:
            problems.append(f"jobs: {job.name} is no longer scheduled")
        elif job.running is not None and job.running > STUCK_AFTER:
            problems.append(f"jobs: {job.name} has been running for {job.running:.0f} s")
        elif job.overdue > OVERDUE_AFTER:
            problems.append(f"jobs: {job.name} is {job.overdue:.0f} s late")
    ok = not problems
    return Health(
        ok,
        {
            "status": "ok" if ok else "unhealthy",
            "mode": mode,
            "database_writable": database_problem is None,
            "last_update_at": _iso(last_update_at),
            "jobs_alive": not any(p.startswith("jobs:") for p in problems),
            "jobs": sorted(job.name for job in jobs),
            "problems": problems,
            "checked_at": _iso(checked_at),
        },
    )


def status_path(settings: Settings) -> Path:
    return settings.status_file or settings.db_path.with_name(settings.db_path.name + ".status.json")


class HealthMonitor:
    """Watches the running bot: installed on the Application when it is built, started in ``post_init``, stopped
    in ``post_shutdown``."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        wall: Callable[[], datetime] | None = None,
        probe_every: float = PROBE_EVERY,
        probe_timeout: float = PROBE_TIMEOUT,
    ):
        self.settings = settings
        self.clock = clock
        self.wall = wall or (lambda: datetime.now(UTC))
        self.probe_every = probe_every
        self.probe_timeout = probe_timeout
        self.mode = "polling"
        self.healthz: str | None = None
        self.last_update_at: datetime | None = None
        self.status_file = status_path(settings)
        self._app: Application | None = None
        self._repeating: set[str] = set()
        self._started: dict[str, float] = {}  # job id -> when its current run started (monotonic)
        self._names: dict[str, str] = {}
        self._probed: tuple[float, str | None] | None = None
        self._probing: asyncio.Lock | None = None
        self._writer: asyncio.Task[None] | None = None
        self._writing: asyncio.Lock | None = None
        self._scheduler_ran = False

    def install(self, app: Application) -> None:
        from telegram import Update
        from telegram.ext import TypeHandler

        app.add_handler(TypeHandler(Update, self._handled), group=HANDLED_GROUP)
        app.bot_data[HEALTH_KEY] = self

    def serving_webhook(self, host: str, port: int) -> None:
        self.mode = "webhook"
        self.healthz = f"http://{f'[{host}]' if ':' in host else host}:{port}{HEALTH_PATH}"

    async def _handled(self, update: object, context: object) -> None:
        self.last_update_at = self.clock.now()

    # ---- the jobs

    async def start(self, app: Application) -> None:
        """Called in ``post_init``, once the jobs are registered: follow them, and write the status file."""
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED

        self._app = app
        if app.job_queue is not None:
            app.job_queue.scheduler.add_listener(
                self._job_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR
            )
        self._writer = asyncio.create_task(self._write_every())

    async def stop(self) -> None:
        """Called in ``post_shutdown``: the status file says the bot stopped."""
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        if self._app is not None:
            await self.write_status("stopped")

    def _job_event(self, event: Any) -> None:
        from apscheduler.events import EVENT_JOB_SUBMITTED

        if event.code == EVENT_JOB_SUBMITTED:
            self._started[event.job_id] = time.monotonic()
        else:
            self._started.pop(event.job_id, None)

    def jobs(self) -> tuple[str, list[JobView]]:
        """The scheduler's state and each repeating job: its lateness and how long its current run has gone on."""
        from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING
        from apscheduler.triggers.date import DateTrigger

        if self._app is None or self._app.job_queue is None:
            return "stopped", []
        scheduler = self._app.job_queue.scheduler
        state = {STATE_RUNNING: "running", STATE_PAUSED: "paused"}.get(scheduler.state, "stopped")
        now, views, present = datetime.now(UTC), [], set()
        for job in scheduler.get_jobs():
            if isinstance(job.trigger, DateTrigger):  # run once (post the summary now): not a heartbeat
                continue
            present.add(job.name)
            self._repeating.add(job.name)
            due = job.next_run_time
            started = self._started.get(job.id)
            views.append(
                JobView(
                    job.name,
                    overdue=max((now - due).total_seconds(), 0.0) if due else 0.0,
                    running=None if started is None else time.monotonic() - started,
                )
            )
        views += [JobView(name, scheduled=False) for name in sorted(self._repeating - present)]
        return state, views

    # ---- the database

    async def database_problem(self) -> str | None:
        """The probe's answer, at most :attr:`probe_every` seconds old (one probe at a time, in a thread)."""
        from storage.health import write_problem

        if self._probing is None:
            self._probing = asyncio.Lock()
        async with self._probing:
            if self._probed is None or time.monotonic() - self._probed[0] >= self.probe_every:
                problem = await asyncio.to_thread(write_problem, self.settings.db_path, self.probe_timeout)
                self._probed = (time.monotonic(), problem)
            return self._probed[1]

    # ---- the verdict

    async def check(self) -> Health:
        state, jobs = self.jobs()
        return assess(
            mode=self.mode,
            checked_at=self.wall(),
            database_problem=await self.database_problem(),
            last_update_at=self.last_update_at,
            scheduler=state,
            jobs=jobs,
        )

    def _starting(self) -> bool:
        """Until the Application runs and its scheduler has started (python-telegram-bot starts the job queue just
        after it says it runs); a scheduler that stops after that is a fault."""
        if self._app is None or not self._app.running:
            return True
        if not self._scheduler_ran and self._app.job_queue is not None:
            self._scheduler_ran = self._app.job_queue.scheduler.running
            return not self._scheduler_ran
        return False

    async def report(self) -> Health:
        """:meth:`check`, or "starting" before the Application and its jobs run."""
        if self._starting():
            return Health(False, {"status": STARTING, "mode": self.mode, "checked_at": _iso(self.wall())})
        return await self.check()

    async def write_status(self, state: str | None = None) -> str | None:
        """Check, and write the verdict to the status file (one writer at a time: the last written is the latest);
        returns the status written ("ok", "unhealthy", "starting" or ``state``)."""
        if self._writing is None:
            self._writing = asyncio.Lock()
        async with self._writing:
            health = (
                await self.report()
                if state is None
                else Health(
                    False,
                    {
                        "status": state,
                        "mode": self.mode,
                        "last_update_at": _iso(self.last_update_at),
                        "checked_at": _iso(self.wall()),
                    },
                )
            )
            body = {**health.body, "pid": os.getpid()} | ({"healthz": self.healthz} if self.healthz else {})
            try:
                await asyncio.to_thread(_write_atomically, self.status_file, json.dumps(body, indent=2) + "\n")
            except OSError as exc:
                log.warning("status file not written: %s", exc.strerror or type(exc).__name__)
            return body.get("status")

    async def _write_every(self) -> None:
        while True:
            written = await self.write_status()
            # Every second while what was written says "starting", whatever has happened since: the Application may
            # start between the check and this line, and the file must not say "starting" for a whole STATUS_EVERY.
            await asyncio.sleep(1.0 if written == STARTING else STATUS_EVERY)


def _write_atomically(path: Path, text: str) -> None:
    """Readers never see half a file: written beside it, then renamed over it (owner-only, as everything the bot
    writes)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


# ---- datatool-bot status ---------------------------------------------------------------------------------------------


def add_status_arguments(sub: Any) -> None:
    parser = sub.add_parser(
        "status",
        help="is the bot running and healthy? (reads the status file `run` writes; exit 0 when healthy)",
        description="Print the health the running bot last wrote to its status file (DATATOOL_STATUS_FILE, default "
        "beside the database): the database writable, the last update handled, the jobs alive. Exit code 0 when "
        "it is healthy and fresh, 1 otherwise (not running, stopped, stale, or unhealthy).",
    )
    parser.add_argument("--json", action="store_true", help="print the status file's JSON as it is")


def _process_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def verdict(body: dict[str, Any], now: datetime) -> tuple[bool, str]:
    """(healthy, the headline) of a status file's body at ``now``."""
    written = body.get("checked_at")
    try:
        age = (now - datetime.fromisoformat(written)).total_seconds() if isinstance(written, str) else None
    except ValueError:
        age = None
    mode = {"polling": "long polling", "webhook": "webhook"}.get(str(body.get("mode")), str(body.get("mode")))
    state = body.get("status")
    if state == "stopped":
        return False, f"not running: it stopped at {written}"
    if not _process_alive(body.get("pid")):
        return False, f"not running: process {body.get('pid')} is gone (last status at {written})"
    if age is None or age > STALE_AFTER:
        return False, f"stale: the last status was written at {written}, over {STALE_AFTER:.0f} s ago: the bot is stuck"
    if state == STARTING:
        return False, f"starting ({mode}, process {body.get('pid')})"
    headline = (
        f"{'healthy' if state == 'ok' else 'UNHEALTHY'} ({mode}, process {body.get('pid')}), checked {age:.0f} s ago"
    )
    return state == "ok", headline


async def status_command(settings: Settings, args: argparse.Namespace) -> int:
    path = status_path(settings)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        print(
            f"datatool-bot: not running: no status file at {path} (`datatool-bot run` writes it; check "
            "DATATOOL_DB_PATH or DATATOOL_STATUS_FILE)"
        )
        return 1
    try:
        body = json.loads(text)
        if not isinstance(body, dict):
            raise ValueError
    except ValueError:
        print(f"datatool-bot: {path} is not a status file (not the JSON `datatool-bot run` writes)")
        return 1
    healthy, headline = verdict(body, datetime.now(UTC))
    if args.json:
        print(json.dumps(body, indent=2))
        return 0 if healthy else 1
    print(headline)
    if body.get("status") in ("ok", "unhealthy"):
        print(f"database: {'writable' if body.get('database_writable') else 'NOT writable'}")
        print(f"last update handled: {body.get('last_update_at') or 'none since the bot started'}")
        jobs = ", ".join(body.get("jobs") or []) or "none"
        print(f"jobs: {'alive' if body.get('jobs_alive') else 'NOT alive'} ({jobs})")
        for problem in body.get("problems") or []:
            print(f"problem: {problem}")
    if body.get("healthz"):
        print(f"health check: GET {body['healthz']}")
    return 0 if healthy else 1
