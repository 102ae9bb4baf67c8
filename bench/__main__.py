"""``make bench``: datatool-bot end to end against the floor bot, on this machine; writes BENCHMARKS.md.

Every end-to-end figure is measured for datatool-bot and for the floor bot (``bench/floor.py``: the least work any
Telegram questionnaire bot must do) in the same run, against the same strict Bot API emulator, and printed with its
target and PASS/FAIL:

- burst: 2,000 respondents press at once (``bench/traffic.py``), taking updates by long polling, then by webhook
  (the emulator POSTing as Telegram does, up to 40 at once);
- steady: 200 respondents answer the whole questionnaire concurrently (``bench/traffic.py``);
- a reminder round to 3,000 people under Telegram's 30 messages a second, with /rates asked meanwhile
  (``bench/fanout.py``);
- reports: the national report for 22 councils x 127, and one council's full bundle (``bench/reports.py``);
- pieces: the engine, durable answer writes, /rates, reminder planning and scoring, in isolation (below).

Benchmarks are never timed assertions in ``make test``.  ``python -m bench --quick`` runs every scenario small (a
smoke test of the benchmark itself, figures not comparable).
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path

from bench import fanout, reports, traffic
from bench.figures import Figure, table
from bot.services import load_questionnaires
from config.reminder_policy import load_reminder_policy
from flows import engine
from flows.engine import Choose, Skip, State, Write
from flows.i18n import ENGLISH
from flows.model import MEMBER, OFFICER, ROLES
from flows.ports.reminders import Slot
from flows.questions.text import TextQuestion
from flows.report_input import survey_data
from flows.tokens import hash_token, new_token
from reports.inputs import Response
from reports.scoring import score
from reports.summary import render_summary
from storage.database import connect
from storage.reminders import ReminderRepository
from storage.repositories import CampaignRepository
from storage.respondents import RespondentRepository

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
COUNCILS = 22


PIECES = "Pieces, in isolation (no Telegram)"


def timed(label: str, count: int, unit: str, fn: Callable[[], object], repeat: int = 3) -> Figure:
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - began)
    best = min(runs)
    return Figure(
        PIECES, label, count / best, f"{unit}/s", note=f"best of {repeat}: {best * 1000:,.1f} ms for {count:,}"
    )


def walk(qn, rng: random.Random) -> dict:
    state = State(answers={})
    while True:
        prompt = engine.prompt_for(qn, state)
        if not isinstance(prompt, engine.QuestionPrompt):
            return dict(state.answers)
        q = prompt.question
        if q.type == TextQuestion.name:
            event = Write("A comment about data") if rng.random() < 0.5 else Skip(q.id)
        else:
            event = Choose(q.id, rng.choice(qn.option_ids(q)))
        result = engine.step(qn, state, event, NOW)
        state = State(answers={**state.answers, **result.save}, cursor=result.cursor)


async def storage_bench(folder: Path) -> list[Figure]:
    figures = []
    conn = await connect(folder / "bench.db")
    try:
        campaigns = CampaignRepository(conn)
        respondents = RespondentRepository(conn, spacing=0)  # each write measured alone, not the 10 ms between commits
        ids, tokens = [], []
        began = time.perf_counter()
        for n in range(COUNCILS):
            authority = f"Council {n:02d}"
            cid = await campaigns.create_campaign(
                authority, NOW.date() - timedelta(days=7), NOW.date() + timedelta(days=21), NOW
            )
            for role, count in ((OFFICER, 62), (MEMBER, 65)):
                issued = [new_token() for _ in range(count)]
                await campaigns.add_invitations(cid, role, count, issued, [hash_token(t) for t in issued], NOW)
                tokens += issued
            ids.append(cid)
        figures.append(Figure(PIECES, "create 22 campaigns x 127 invitations", time.perf_counter() - began, "s"))

        invitations = []
        for token in tokens[:300]:
            invitation = await respondents.invitation_by_token_hash(hash_token(token))
            assert invitation is not None
            invitations.append(invitation.id)
        for i in invitations:
            await respondents.bind(i, 10_000 + i, 10_000 + i, NOW)
            await respondents.set_language(i, ENGLISH)
        began = time.perf_counter()
        writes = 0
        for q in range(10):
            for i in invitations:
                await respondents.record(i, {f"q{q}": "l2"}, f"q{q + 1}", NOW)
                writes += 1
        elapsed = time.perf_counter() - began
        figures.append(
            Figure(
                PIECES,
                "answers recorded (durable, one transaction each)",
                writes / elapsed,
                "answers/s",
                note="synchronous=FULL, WAL",
            )
        )
        for i in invitations[:200]:
            await respondents.submit(i, OFFICER, 1, NOW)

        latencies = []
        for _ in range(5):
            for cid in ids:
                began = time.perf_counter()
                await campaigns.rates(cid)
                latencies.append(time.perf_counter() - began)
        figures.append(
            Figure(PIECES, "rates for one council (aggregate query), median", statistics.median(latencies) * 1000, "ms")
        )

        reminders = ReminderRepository(conn, load_reminder_policy())
        began = time.perf_counter()
        windows = await reminders.open_campaigns(NOW.date())
        queued = 0
        for window in windows:
            queued += await reminders.queue_slot(window, Slot("bench", NOW), frozenset(ROLES), NOW + timedelta(days=2))
        figures.append(
            Figure(
                PIECES,
                "plan and queue a reminder slot, 22 councils",
                (time.perf_counter() - began) * 1000,
                "ms",
                note=f"{queued} queued",
            )
        )
    finally:
        await conn.close()
    return figures


def pieces() -> list[Figure]:
    questionnaires = load_questionnaires()
    officer = questionnaires[OFFICER]
    steps = len(walk(officer, random.Random(1)))
    figures = [
        timed(
            "engine: officer questionnaire, step by step",
            steps * 50,
            "steps",
            lambda: [walk(officer, random.Random(i)) for i in range(50)],
        )
    ]
    with tempfile.TemporaryDirectory() as folder:
        figures += asyncio.run(storage_bench(Path(folder)))
    responses = [Response(OFFICER, walk(officer, random.Random(i))) for i in range(40)]
    responses += [Response(MEMBER, walk(questionnaires[MEMBER], random.Random(100 + i))) for i in range(20)]
    data = survey_data(
        "Flintshire County Council",
        "Cyngor Sir y Fflint",
        {OFFICER: 62, MEMBER: 65},
        responses,
        questionnaires,
        opens_on=date(2026, 11, 1),
        closes_on=date(2026, 11, 30),
    )
    tracemalloc.start()
    began = time.perf_counter()
    report = score(data)
    message = render_summary(report, ENGLISH)
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures.append(
        Figure(
            PIECES,
            "score + Telegram summary, 60 responses",
            elapsed * 1000,
            "ms",
            note=f"peak {peak / 1024 / 1024:.1f} MiB traced, message {len(message)} chars",
        )
    )
    return figures


# ---- BENCHMARKS.md --------------------------------------------------------------------------------------------------


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        (
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).stdout.strip()
    return [
        f"- **Date**: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit or 'unknown'}{' (with local changes)' if dirty else ''}",
        f"- **Machine**: {cpu}, {os.cpu_count()} cores, {memory / 1024 / 1024:.0f} GiB; {platform.platform()}",
        f"- **Python** {platform.python_version()}; python-telegram-bot {_version('python-telegram-bot')}, "
        f"httpx {_version('httpx')}, aiosqlite {_version('aiosqlite')} (SQLite {sqlite3.sqlite_version}), "
        f"aiohttp {_version('aiohttp')} (the emulator), matplotlib {_version('matplotlib')}",
    ]


HOW = """\
Every end-to-end figure is measured for datatool-bot and for the **floor bot** (`bench/floor.py`) in the same run,
against the same strict Bot API emulator (`bot/emulator`, in the benchmark's process, on 127.0.0.1), each bot in its
own process so that its CPU time (user + system, all threads) and peak RSS (`VmHWM`) are its own, and on a core of
its own for the burst and steady runs (the emulator and the respondents on the other). The floor bot is
the least work any Telegram questionnaire bot must do: per press it edits the message to the next question and
answers the button, with no storage, no rendering and no checks. It uses python-telegram-bot as any minimal bot
would, with the same version, HTTP stack and number of updates handled at once as datatool-bot, and its usual calls:
it fetches updates as soon as a batch arrives (datatool-bot waits until one could start at once) and edits through
`CallbackQuery.edit_message_text` (datatool-bot sends the edit as plain JSON). It shows the same screens, read from a
file at start-up, so both move the same bytes: the rest of the difference is datatool-bot's own work (its durable
SQLite writes, its rules and its screens). Latency runs from the press being queued at the emulator to the
bot's edit reaching it. The emulator enforces Telegram's flood limit strictly: beyond 30 new messages in any second,
429 with `retry_after` (edits and button answers are not counted, as for Telegram's broadcast limit). The burst is
run twice: with both bots long polling, then with both started again in webhook mode, the emulator POSTing each
press to each bot's webhook as Telegram does (up to 40 at once, one at a time per person, again until answered 2xx):
datatool-bot (`run --webhook-url`) answers a POST once its press is handled, so that a crash loses nothing Telegram
was told was received; the floor bot, as python-telegram-bot's `run_webhook` does, answers at once and queues the
press in memory.
"""


def write_markdown(path: Path, figures: list[Figure], seconds: float) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`); do not edit by hand.",
        "",
        *machine(),
        f"- **Duration** of `make bench`: {seconds:.0f} s",
        "",
        HOW,
    ]
    verdicts = [f.verdict for f in figures if f.verdict]
    lines += [f"**{verdicts.count('PASS')} of {len(verdicts)} targets met.**", ""]
    for section in dict.fromkeys(f.section for f in figures):
        lines += [f"## {section}", "", table([f for f in figures if f.section == section]), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    quick = "--quick" in sys.argv[1:]
    began = time.monotonic()
    figures: list[Figure] = []

    def report(new: list[Figure]) -> None:
        figures.extend(new)
        for section in dict.fromkeys(f.section for f in new):
            print(f"\n## {section}\n\n{table([f for f in new if f.section == section])}", flush=True)

    report(asyncio.run(traffic.run(burst_size=200 if quick else 2000, steady_size=20 if quick else 200)))
    report(asyncio.run(fanout.run(150 if quick else 3000)))
    with tempfile.TemporaryDirectory() as folder:
        report(asyncio.run(reports.run(Path(folder))))
    report(pieces())
    seconds = time.monotonic() - began
    target = Path("BENCHMARKS-quick.md" if quick else "BENCHMARKS.md")
    write_markdown(target, figures, seconds)
    failed = [f for f in figures if f.verdict == "FAIL"]
    print(f"\n{len(figures)} figures in {seconds:.0f} s; {len(failed)} target(s) missed; written to {target}")


if __name__ == "__main__":
    main()
