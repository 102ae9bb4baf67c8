"""Respondents' traffic, end to end, for datatool-bot and for the floor bot against the same strict emulator.

- **Burst**: N respondents, each sitting at a question, press an answer at the same moment (a council's members all
  opening a reminder at 10:00); three rounds per bot (the next question each time), taken in turn.  Latency from
  the press reaching the emulator to the bot's edit; answers per second while draining; the bot process's CPU per
  answer and peak RSS.  Then the same in **webhook mode**, on the same respondents (the next three questions), both
  bots started again: the emulator POSTs the presses to each bot's webhook as Telegram does, up to 40 at once (one
  at a time per person); datatool-bot answers each POST once the press is handled (``run --webhook-url``), the
  floor bot, as python-telegram-bot's ``run_webhook`` does, at once.
- **Steady**: M respondents answer the whole questionnaire concurrently, each pressing as soon as the next question
  is on screen; two runs per bot on fresh respondents, taken in turn (``STEADY_ORDER``), both bots up throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import floor
from bench.figures import Figure, Target
from bench.harness import (
    TOKEN,
    BotProcess,
    Respondent,
    Usage,
    Watch,
    apart,
    datatool_argv,
    datatool_env,
    datatool_settings,
    floor_argv,
    floor_env,
    free_port,
    questionnaire_screens,
    seed_respondents,
    summary,
    write_screens,
)
from bot.emulator import BotApiEmulator
from flows import callbacks
from flows.callbacks import Action

MB = 1024 * 1024
Picker = Callable[[list[list[tuple[str, str | None]]], random.Random], str | None]


@dataclass
class Run:
    """One bot's figures for one scenario."""

    latencies: list[float]
    answers: int
    rate: float  # answers per second while draining
    cpu_per_answer: float  # seconds
    peak_rss: int  # bytes
    lost: int = 0  # presses the bot never answered


def choose(buttons: list[list[tuple[str, str | None]]], rng: random.Random) -> str | None:
    """A respondent's next press on datatool-bot's screen: submit when offered, else an answer, else skip the
    free-text question (the benchmark measures buttons), else the review."""
    found: dict[Action, list[str]] = {}
    for row in buttons:
        for _, data in row:
            decoded = callbacks.decode(data) if data else None
            if decoded is not None:
                found.setdefault(decoded.action, []).append(data)
    for action in (Action.SUBMIT, Action.ANSWER, Action.SKIP, Action.REVIEW):
        if action in found:
            return rng.choice(found[action])
    return None


def floor_choice(buttons: list[list[tuple[str, str | None]]], rng: random.Random) -> str | None:
    options = [data for row in buttons for _, data in row if data and data.startswith(floor.PREFIX + ":")]
    return rng.choice(options) if options else None


async def burst(emulator: BotApiEmulator, bot: BotProcess, people: list[Respondent], pick: Picker) -> Run:
    """Everyone presses at once; wait until every press has its edit and its answer."""
    rng = random.Random(7)
    watch = Watch(emulator, frozenset({"editMessageText"}))
    watch.seen = len(emulator.calls)
    answered_before = len(emulator.calls_to("answerCallbackQuery"))
    before = bot.usage()
    futures = []
    for person in people:
        message = emulator.messages(person.user_id)[-1]
        data = pick(message.buttons, rng)
        assert data is not None, "nothing to press"
        futures.append(watch.press(person.user_id))
        await emulator.press_button(person.user_id, person.message_id, data)
    watcher = asyncio.create_task(watch.run())
    try:
        await asyncio.wait_for(asyncio.gather(*futures), 300)
        await emulator.wait_for(
            lambda: len(emulator.calls_to("answerCallbackQuery")) - answered_before >= len(people),
            60,
            description="every press answered",
        )
    finally:
        watcher.cancel()
    after = bot.usage()
    return _run(watch, before, after, len(people))


async def steady(
    emulator: BotApiEmulator, bot: BotProcess, people: list[Respondent], pick: Picker, *, limit: int = 400
) -> Run:
    """Everyone answers the whole questionnaire, pressing as soon as the bot has answered the last press."""
    watch = Watch(emulator)
    watch.seen = len(emulator.calls)
    before = bot.usage()
    watcher = asyncio.create_task(watch.run())
    presses = 0

    async def respondent(person: Respondent) -> None:
        nonlocal presses
        rng = random.Random(person.user_id)
        for _ in range(limit):
            message = emulator.messages(person.user_id)[-1]
            data = pick(message.buttons, rng)
            if data is None:
                return
            shown = (message.message_id, message.version)  # the message object is edited in place
            future = watch.press(person.user_id)
            await emulator.press_button(person.user_id, message.message_id, data)
            presses += 1
            await asyncio.wait_for(future, 60)
            # the edit is recorded before the emulator applies it: wait until the chat shows it
            await emulator.wait_for(
                lambda shown=shown: _on_screen(emulator, person.user_id) != shown, 30, description="the next screen"
            )

    try:
        await asyncio.gather(*(respondent(p) for p in people))
    finally:
        watcher.cancel()
    after = bot.usage()
    return _run(watch, before, after, presses)


def _on_screen(emulator: BotApiEmulator, chat_id: int) -> tuple[int, int]:
    last = emulator.messages(chat_id)[-1]
    return last.message_id, last.version


def _run(watch: Watch, before: Usage, after: Usage, answers: int) -> Run:
    return Run(
        watch.latencies,
        answers,
        watch.drain_rate(),
        (after.cpu - before.cpu) / max(answers, 1),
        after.peak_rss,
        lost=answers - len(watch.latencies),
    )


# ---- the scenarios, for both bots ------------------------------------------------------------------------------------

ROUNDS = 3
"""Bursts per bot, taken in turn (datatool-bot, floor, datatool-bot, ...): each figure is the median of its rounds,
so a slow minute of the machine does not land on one bot only."""
STEADY_ORDER = ("datatool-bot", "floor", "floor", "datatool-bot")
"""Steady runs, two per bot, in this order: a machine that gets faster or slower during the benchmark weighs on both
bots alike (one run each, one after the other, measured the same code at 1.13x and 1.38x the floor's CPU on the
same day; taken in turn, three pairs measured 0.94x to 1.01x).  Each figure is the median (here the mean) of two."""


MODES = ("polling", "webhook")
"""How each bot takes its updates: long polling (getUpdates), or the emulator POSTing them to its webhook."""


@dataclass
class Side:
    """One bot's emulator and respondents; ``start(mode)`` runs the bot in a process of its own (a new one each
    time: its peak RSS is its own), taking updates by long polling or by webhook."""

    emulator: BotApiEmulator
    people: list[Respondent]
    pick: Picker
    start: Callable[[str], contextlib.AbstractAsyncContextManager[BotProcess]]


@contextlib.asynccontextmanager
async def datatool_side(respondents: int, folder: Path, cpus: set[int] | None = None) -> AsyncIterator[Side]:
    async with BotApiEmulator(TOKEN) as emulator:
        emulator.limit_messages(30)
        settings = datatool_settings(emulator, folder)
        councils = max(1, -(-respondents // 100))
        per_role = -(-respondents // (2 * councils))
        # One member more per council who never answers: no council completes, so the bot compiles no final report
        # in the middle of a run (its completion job looks every minute, and a steady run submits whole councils).
        people = await seed_respondents(
            settings, emulator, councils=councils, per_role=per_role, at=datetime.now(UTC), unopened=1
        )

        def start(mode: str) -> BotProcess:
            port = free_port() if mode == "webhook" else None
            return BotProcess(
                emulator,
                datatool_argv(port),
                datatool_env(emulator, folder),
                folder / f"bot-{mode}.log",
                cpus,
                webhook_port=port,
            )

        yield Side(emulator, people[:respondents], choose, start)


@contextlib.asynccontextmanager
async def floor_side(
    respondents: int, screens: Path, folder: Path, cpus: set[int] | None = None
) -> AsyncIterator[Side]:
    tracks = json.loads(screens.read_text(encoding="utf-8"))
    async with BotApiEmulator(TOKEN) as emulator:
        emulator.limit_messages(30)
        people = []
        for n in range(respondents):  # officers and members in turn: the same shares as datatool-bot's respondents
            user, track = 70_000_000 + n, n % len(tracks)
            first = tracks[track][0]
            emulator.add_user(user, f"Respondent {n}")
            people.append(
                Respondent(user, emulator.history(user, first["text"], floor.keyboard(track, 0, first["labels"])))
            )

        def start(mode: str) -> BotProcess:
            port = free_port() if mode == "webhook" else None
            return BotProcess(
                emulator,
                floor_argv(),
                floor_env(emulator, screens, port),
                folder / f"floor-{mode}.log",
                cpus,
                webhook_port=port,
            )

        yield Side(emulator, people, floor_choice, start)


@dataclass(frozen=True)
class Summary:
    p50: float
    p99: float
    worst: float
    rate: float
    cpu: float
    peak_rss: int
    lost: int
    rounds: int
    cpus: tuple[float, ...] = ()  # each round's CPU per answer, in the order run
    p99s: tuple[float, ...] = ()  # each round's p99


def summarise(runs: list[Run]) -> Summary:
    """The median of each figure over the rounds (peak RSS: the highest; presses lost: all of them)."""
    cut = [summary(r.latencies) for r in runs]
    return Summary(
        statistics.median(c[0] for c in cut),
        statistics.median(c[1] for c in cut),
        statistics.median(c[2] for c in cut),
        statistics.median(r.rate for r in runs),
        statistics.median(r.cpu_per_answer for r in runs),
        max(r.peak_rss for r in runs),
        sum(r.lost for r in runs),
        len(runs),
        tuple(r.cpu_per_answer for r in runs),
        tuple(c[1] for c in cut),
    )


def figures(section: str, ours: Summary, base: Summary) -> list[Figure]:
    note = f"median of {ours.rounds} rounds, taken in turn with the floor" if ours.rounds > 1 else ""
    return [
        Figure(section, "press → edit, p50", ours.p50 * 1000, "ms", base.p50 * 1000, note=note),
        Figure(
            section,
            "press → edit, p99",
            ours.p99 * 1000,
            "ms",
            base.p99 * 1000,
            Target("<=", 1.5, of_floor=True),
            note=_each(note, ours.p99s, base.p99s, 1000, "ms"),
        ),
        Figure(section, "press → edit, max", ours.worst * 1000, "ms", base.worst * 1000, note=note),
        Figure(section, "answers per second while draining", ours.rate, "/s", base.rate, note=note),
        Figure(
            section,
            "CPU per answer (bot process)",
            ours.cpu * 1000,
            "ms",
            base.cpu * 1000,
            Target("<=", 1.2, of_floor=True),
            note=_each(note, ours.cpus, base.cpus, 1000, "ms", digits=2),
        ),
        Figure(section, "peak RSS (bot process)", ours.peak_rss / MB, "MB", base.peak_rss / MB, Target("<", 100)),
        Figure(section, "presses never answered", ours.lost, "", base.lost, Target("==", 0)),
    ]


def _each(note: str, ours: tuple[float, ...], base: tuple[float, ...], scale: float, unit: str, digits: int = 0) -> str:
    """The note, with every round's figure for both bots (how far apart the rounds are is how far to trust it)."""
    if len(ours) < 2:
        return note
    shown = lambda values: ", ".join(f"{v * scale:,.{digits}f}" for v in values)  # noqa: E731
    return f"{note}; rounds: {shown(ours)} {unit} against {shown(base)}"


BURST_SECTIONS = {
    "polling": "Burst: {size:,} respondents press at once",
    "webhook": "Burst in webhook mode: {size:,} respondents press at once, POSTed up to 40 at a time",
}


async def run(*, burst_size: int = 2000, steady_size: int = 200, rounds: int = ROUNDS) -> list[Figure]:
    results: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp, apart() as cpus:
        folder = Path(tmp)
        screens = folder / "screens.json"
        for name in ("walk", "burst-ours", "burst-floor"):
            (folder / name).mkdir()
        async with BotApiEmulator(TOKEN) as emulator:
            write_screens(await questionnaire_screens(datatool_settings(emulator, folder / "walk")), screens)
        # Burst: both bots up at once (the idle one waits in a long poll, or for POSTs), their rounds taken in turn;
        # then both started again in webhook mode, for as many rounds on the same respondents' next questions.
        async with (
            datatool_side(burst_size, folder / "burst-ours", cpus) as ours,
            floor_side(burst_size, screens, folder / "burst-floor", cpus) as base,
        ):
            for mode in MODES:
                mine, theirs = [], []
                async with ours.start(mode) as our_bot, base.start(mode) as base_bot:
                    for _ in range(rounds):
                        mine.append(await burst(ours.emulator, our_bot, ours.people, ours.pick))
                        theirs.append(await burst(base.emulator, base_bot, base.people, base.pick))
                results += figures(BURST_SECTIONS[mode].format(size=burst_size), summarise(mine), summarise(theirs))
        # Steady: whole questionnaires, each run on fresh respondents, the bots (both up, as for the burst) in the
        # order of STEADY_ORDER.
        for name in ("steady-ours", "steady-floor"):
            (folder / name).mkdir()
        mine, theirs = [], []
        async with (
            datatool_side(steady_size * STEADY_ORDER.count("datatool-bot"), folder / "steady-ours", cpus) as ours,
            floor_side(steady_size * STEADY_ORDER.count("floor"), screens, folder / "steady-floor", cpus) as base,
            ours.start("polling") as our_bot,
            base.start("polling") as base_bot,
        ):
            for name in STEADY_ORDER:
                side, bot, done = (ours, our_bot, mine) if name == "datatool-bot" else (base, base_bot, theirs)
                people = side.people[len(done) * steady_size :][:steady_size]
                done.append(await steady(side.emulator, bot, people, side.pick))
        results += figures(
            f"Steady: {steady_size} respondents answer the whole questionnaire", summarise(mine), summarise(theirs)
        )
    return results


if __name__ == "__main__":
    import sys

    from bench.figures import table

    sizes = [int(a) for a in sys.argv[1:3]]
    print(table(asyncio.run(run(**dict(zip(("burst_size", "steady_size"), sizes, strict=False))))))
