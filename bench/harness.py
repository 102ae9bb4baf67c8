"""What the end-to-end benchmarks share: a bot in its own process against the emulator, its CPU and memory, the
respondents seeded into datatool-bot's database and into the emulator's chats, and the watch on the bot's replies.

Each bot under test runs as a real process (``datatool-bot run``, or ``python -m bench.floor``) against the Bot API
emulator in this process, so its CPU time and peak RSS are its own, read from ``/proc``.  Latency is measured at the
emulator: from the moment a press is queued for the bot (the press "reaching Telegram") to the moment the bot's edit
reaches the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.emulator import BotApiEmulator
from config.settings import Settings
from flows import callbacks
from flows.callbacks import Action
from flows.i18n import ENGLISH
from flows.model import MEMBER, ROLES
from flows.ports.clock import SettableClock
from flows.render import Screen
from flows.replies import Reply, Who

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TOKEN = "123456:BENCH-emulator-token-aaaaaaaaaaaaaaaaaaaa"
USERNAME = "datatool_bench_bot"
FIRST_USER = 50_000_000
SEED_AT_ONCE = 50


# ---- the bot's process ----------------------------------------------------------------------------------------------


@dataclass
class Usage:
    cpu: float  # seconds, user + system, all threads
    peak_rss: int  # bytes (VmHWM)


def usage(pid: int) -> Usage:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    peak = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            peak = int(line.split()[1]) * 1024
    return Usage(cpu, peak)


class BotProcess:
    """A bot under test in its own process, started against the emulator; ready once it polls for updates, or, with
    ``webhook_port``, once it has set its webhook and that port takes connections.

    ``cpus``: the cores it may run on (:func:`apart`), set as soon as it is spawned, before it starts any thread.
    """

    def __init__(
        self,
        emulator: BotApiEmulator,
        argv: list[str],
        env: dict[str, str],
        log: Path,
        cpus: set[int] | None = None,
        webhook_port: int | None = None,
    ):
        self.emulator, self.argv, self.env, self.log, self.cpus = emulator, argv, env, log, cpus
        self.webhook_port = webhook_port
        self.process: subprocess.Popen[bytes] | None = None

    async def __aenter__(self) -> BotProcess:
        method = "getUpdates" if self.webhook_port is None else "setWebhook"
        before = len(self.emulator.calls_to(method))
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            self.argv, env={**os.environ, **self.env}, stdout=out, stderr=out, stdin=subprocess.DEVNULL
        )
        out.close()
        if self.cpus:  # Popen returns once the new interpreter is exec'd: its threads, all started later, inherit it
            os.sched_setaffinity(self.process.pid, self.cpus)
        await self.emulator.wait_for(
            lambda: len(self.emulator.calls_to(method)) > before or self.dead,
            60,
            description=f"the bot's first {method}",
        )
        if self.webhook_port is not None and not self.dead:
            await self._until_listening(self.webhook_port)
        if self.dead:
            raise RuntimeError(f"{self.argv[0]} exited with {self.process.returncode}: see {self.log}")
        return self

    async def _until_listening(self, port: int) -> None:
        """Poll the port until it takes a connection (python-telegram-bot sets the webhook, then listens)."""
        for _ in range(600):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                if self.dead:
                    return
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return
        raise RuntimeError(f"nothing listens on {port}: see {self.log}")

    @property
    def dead(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def usage(self) -> Usage:
        return usage(self.pid)

    async def __aexit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.terminate()
        for _ in range(200):
            if self.process.poll() is not None:
                return
            await asyncio.sleep(0.05)
        self.process.kill()
        self.process.wait()


@contextlib.contextmanager
def apart() -> Iterator[set[int] | None]:
    """Keep the bot under test and the load apart: this process (the emulator and the respondents) on one core, the
    bot on another (the cores to give it are yielded; None on a one-core machine, where nothing changes).

    Sharing both cores with the load, the bot was moved between them by the scheduler and its CPU time per answer
    came out higher and more scattered (datatool-bot's steady runs on this two-core machine, the same code: 3.9 to
    5.3 ms; kept apart, three runs: 3.7 to 3.9 ms).  Both bots are run the same way."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        yield None
        return
    os.sched_setaffinity(0, {available[0]})
    try:
        yield {available[1]}
    finally:
        os.sched_setaffinity(0, set(available))


def datatool_env(emulator: BotApiEmulator, folder: Path, **extra: str) -> dict[str, str]:
    return {
        "DATATOOL_TELEGRAM_TOKEN": emulator.token,
        "DATATOOL_TELEGRAM_BASE_URL": emulator.base_url,
        "DATATOOL_BOT_USERNAME": USERNAME,
        "DATATOOL_DB_PATH": str(folder / "datatool.db"),
        "DATATOOL_REPORTS_DIR": str(folder / "reports"),
        "DATATOOL_LOG_LEVEL": "WARNING",
        "DATATOOL_WEBHOOK_SECRET": WEBHOOK_SECRET,  # used in webhook mode only
        **extra,
    }


def datatool_settings(emulator: BotApiEmulator, folder: Path, **extra: object) -> Settings:
    values: dict[str, object] = {
        "telegram_token": emulator.token,
        "telegram_base_url": emulator.base_url,
        "bot_username": USERNAME,
        "db_path": folder / "datatool.db",
        "reports_dir": folder / "reports",
    }
    return Settings(_env_file=None, **(values | extra))  # type: ignore[call-arg]


WEBHOOK_SECRET = "bench-webhook-secret"
WEBHOOK_PATH = "/bench/telegram"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def webhook_url(port: int) -> str:
    return f"http://127.0.0.1:{port}{WEBHOOK_PATH}"


def datatool_argv(webhook_port: int | None = None) -> list[str]:
    """``datatool-bot run``; with ``webhook_port``, in webhook mode on that port of 127.0.0.1."""
    argv = [str(Path(sys.executable).with_name("datatool-bot")), "run"]
    if webhook_port is not None:
        argv += ["--webhook-url", webhook_url(webhook_port), "--listen", f"127.0.0.1:{webhook_port}"]
    return argv


def floor_argv() -> list[str]:
    return [sys.executable, "-m", "bench.floor"]


def floor_env(emulator: BotApiEmulator, screens: Path, webhook_port: int | None = None, **extra: str) -> dict[str, str]:
    """The floor bot handles as many updates at once as datatool-bot does by default (``concurrent_updates``); with
    ``webhook_port``, it takes them by webhook on that port, as python-telegram-bot's ``run_webhook`` does."""
    concurrency = Settings.model_fields["concurrent_updates"].default
    webhook = (
        {}
        if webhook_port is None
        else {"FLOOR_WEBHOOK_URL": webhook_url(webhook_port), "FLOOR_WEBHOOK_SECRET": WEBHOOK_SECRET}
    )
    return {
        "FLOOR_TOKEN": emulator.token,
        "FLOOR_BASE_URL": emulator.base_url,
        "FLOOR_SCREENS": str(screens),
        "FLOOR_CONCURRENCY": str(concurrency),
        **webhook,
        **extra,
    }


def write_screens(walks: list[list[Screen]], path: Path) -> list[list[dict]]:
    """The floor bot's questionnaires (one per role): each screen's HTML text and button labels."""
    tracks = [
        [{"text": s.text, "labels": [[b.label for b in row] for row in s.buttons]} for s in walk] for walk in walks
    ]
    path.write_text(json.dumps(tracks, ensure_ascii=False), encoding="utf-8")
    return tracks


# ---- respondents ----------------------------------------------------------------------------------------------------


@dataclass
class Respondent:
    user_id: int
    message_id: int = 0  # the bot message showing the current question
    invitation_id: int | None = None


def buttons_of(screen: Screen) -> list[list[tuple[str, str]]]:
    return [[(button.label, button.data) for button in row] for row in screen.buttons]


def first_screen(reply: Reply) -> Screen:
    screen = reply.edit or (reply.send[0] if reply.send else None)
    if screen is None:
        raise RuntimeError("the service gave no screen")
    return screen


def owner_of(screen: Screen) -> int:
    for row in screen.buttons:
        for button in row:
            decoded = callbacks.decode(button.data)
            if decoded is not None and decoded.owner is not None:
                return decoded.owner
    raise RuntimeError("no button carries an invitation")


def button(screen: Screen, action: Action) -> str:
    for row in screen.buttons:
        for b in row:
            decoded = callbacks.decode(b.data)
            if decoded is not None and decoded.action is action:
                return b.data
    raise RuntimeError(f"no {action.name} button on the screen")


async def questionnaire_screens(settings: Settings) -> list[list[Screen]]:
    """Every screen a respondent is shown, from the first question to the thanks after submitting, as datatool-bot
    renders it, in order: one walk per role (officer, member; one person each, on a throwaway database).  The floor
    bot shows the same texts and buttons, so both bots move the same bytes and the comparison is of the work, not of
    the payload.

    The walk answers as the benchmark's respondents mostly do: the second option (Level 2, "agree"), so the questions
    asked only after a Level 1 answer are left out, as they are for most of them; free text is skipped; then the
    review and Submit."""
    people = await _open_invitations(settings, councils=1, per_role=1, at=datetime.now(UTC))
    walks: list[list[Screen]] = []
    async with _services(settings, datetime.now(UTC)) as services:
        for who, screen in people:
            screens = [screen]
            action = _next_action(screen)
            while action is not None:
                pressed = _buttons(screens[-1], action)
                data = pressed[1] if action is Action.ANSWER and len(pressed) > 1 else pressed[0]
                screens.append(first_screen(await services.respondents.press(who, data)))
                action = None if action is Action.SUBMIT else _next_action(screens[-1])
            walks.append(screens)
    return walks


def _next_action(screen: Screen) -> Action | None:
    return next((a for a in (Action.SUBMIT, Action.ANSWER, Action.SKIP, Action.REVIEW) if _has(screen, a)), None)


def _buttons(screen: Screen, action: Action) -> list[str]:
    return [
        b.data
        for row in screen.buttons
        for b in row
        if (d := callbacks.decode(b.data)) is not None and d.action is action
    ]


def _has(screen: Screen, action: Action) -> bool:
    return any(
        (d := callbacks.decode(b.data)) is not None and d.action is action for row in screen.buttons for b in row
    )


def _services(settings: Settings, at: datetime):  # noqa: ANN202 - the bot's own wiring, as `run` builds it
    from bot.services import Services

    return Services(settings, clock=SettableClock(at))


async def _open_invitations(
    settings: Settings, *, councils: int, per_role: int, at: datetime, answered: int = 0, unopened: int = 0
) -> list[tuple[Who, Screen]]:
    """Campaigns with invitations, each opened through the real respondent service at ``at``: the link, the
    language, the privacy notice, then ``answered`` questions.  Returns each person and the screen they are on.
    ``unopened``: members more per campaign, invited and never opened."""
    from bot.services import admin_services

    clock = SettableClock(at)
    today = at.date()
    tokens: list[str] = []
    async with admin_services(settings, clock) as admin:
        names = [name for name, _ in await admin.campaigns.store.authority_names()][:councils]
        for name in names:
            campaign_id = await admin.campaigns.create(name, today - timedelta(days=7), today + timedelta(days=21))
            for role in ROLES:
                issued = await admin.campaigns.issue_invitations(campaign_id, role, per_role, USERNAME)
                tokens += [i.token for i in issued]
            if unopened:
                await admin.campaigns.issue_invitations(campaign_id, MEMBER, unopened, USERNAME)
    async with _services(settings, at) as services:
        service = services.respondents

        async def open_one(n: int, token: str) -> tuple[Who, Screen]:
            who = Who(FIRST_USER + n, FIRST_USER + n, ENGLISH)
            screen = first_screen(await service.start(who, token))
            screen = first_screen(await service.press(who, button(screen, Action.LANGUAGE)))
            screen = first_screen(await service.press(who, button(screen, Action.CONSENT)))
            for _ in range(answered):
                screen = first_screen(await service.press(who, button(screen, Action.ANSWER)))
            return who, screen

        # SEED_AT_ONCE people at a time, as the bot serves them: their reads and writes share trips and commits
        # (one by one, seeding the fan-out's 3,000 took over a minute of the benchmark's five).
        opened: list[tuple[Who, Screen]] = []
        for first in range(0, len(tokens), SEED_AT_ONCE):
            chunk = tokens[first : first + SEED_AT_ONCE]
            opened += await asyncio.gather(*(open_one(first + k, token) for k, token in enumerate(chunk)))
    return opened


async def seed_respondents(
    settings: Settings,
    emulator: BotApiEmulator,
    *,
    councils: int,
    per_role: int,
    at: datetime,
    answered: int = 0,
    unopened: int = 0,
) -> list[Respondent]:
    """``councils`` open campaigns with ``per_role`` officers and members each, every invitation opened through the
    real respondent service at ``at`` (link, language, privacy notice, then ``answered`` questions), and the
    question each person is now on placed in their chat as the bot's last message; and ``unopened`` members more
    per campaign, invited and never opened."""
    people = []
    for who, screen in await _open_invitations(
        settings, councils=councils, per_role=per_role, at=at, answered=answered, unopened=unopened
    ):
        emulator.add_user(who.user_id, f"Respondent {who.user_id - FIRST_USER}")
        person = Respondent(who.user_id, invitation_id=owner_of(screen))
        person.message_id = emulator.history(who.user_id, screen.text, buttons_of(screen))
        people.append(person)
    return people


# ---- watching the bot's replies -------------------------------------------------------------------------------------


@dataclass
class Watch:
    """Follows the emulator's recorded calls: the first reply (edit or new message) to each chat after a press."""

    emulator: BotApiEmulator
    methods: frozenset[str] = frozenset({"editMessageText", "sendMessage"})
    seen: int = 0
    pressed: dict[int, float] = field(default_factory=dict)  # chat -> wall time of the press awaiting a reply
    waiting: dict[int, asyncio.Future[float]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    first_press: float | None = None
    last_reply: float = 0.0

    def press(self, chat_id: int) -> asyncio.Future[float]:
        now = time.time()
        self.first_press = now if self.first_press is None else self.first_press
        self.pressed[chat_id] = now
        future = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = future
        return future

    def scan(self) -> None:
        calls = self.emulator.calls
        while self.seen < len(calls):
            call = calls[self.seen]
            self.seen += 1
            if call.method not in self.methods:
                continue
            try:
                chat = int(call.params.get("chat_id"))
            except (TypeError, ValueError):
                continue
            began = self.pressed.pop(chat, None)
            if began is None:
                continue
            latency = max(call.timestamp - began, 0.0)
            self.latencies.append(latency)
            self.last_reply = max(self.last_reply, call.timestamp)
            future = self.waiting.pop(chat, None)
            if future is not None and not future.done():
                future.set_result(latency)

    async def run(self) -> None:
        """Scan on every change of the emulator until cancelled."""
        while True:
            self.scan()
            await self.emulator.wait_for(lambda: len(self.emulator.calls) > self.seen, 3600, description="a call")

    def drain_rate(self) -> float:
        if self.first_press is None or not self.latencies:
            return 0.0
        return len(self.latencies) / max(self.last_reply - self.first_press, 1e-9)


def percentile(values: Iterable[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), percentile(values, 99), max(values)
