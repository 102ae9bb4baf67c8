"""``make bench``: how fast and how big the hot paths are, on this machine.

- engine: steps per second through a whole officer questionnaire (pure code, no I/O);
- storage: answers recorded per second (each in its own durable transaction, synchronous=FULL, WAL);
- rates: /rates for every council (22 campaigns x 127 invitations) from aggregate queries;
- reminders: planning and queueing one slot for 22 councils;
- scoring: the compiled summary for 127 invited, 60 responses, and peak memory while scoring.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.services import load_questionnaires
from config.reminder_policy import load_reminder_policy
from flows import engine
from flows.engine import Choose, Skip, State, Write
from flows.model import QuestionType
from flows.reminders import Slot
from flows.tokens import hash_token, new_token
from reports.model import Response, SurveyData
from reports.scoring import score
from reports.summary import render_summary
from storage.database import connect
from storage.reminders import ReminderRepository
from storage.repositories import CampaignRepository, RespondentRepository

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
COUNCILS = 22


def timed(label: str, count: int, unit: str, fn: Callable[[], object], repeat: int = 3) -> None:
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - began)
    best = min(runs)
    print(f"{label:<48} {count / best:>12,.0f} {unit}/s   (best of {repeat}: {best * 1000:,.1f} ms for {count:,})")


def walk(qn, rng: random.Random) -> dict:
    state = State(answers={})
    while True:
        prompt = engine.prompt_for(qn, state)
        if not isinstance(prompt, engine.QuestionPrompt):
            return dict(state.answers)
        q = prompt.question
        if q.type is QuestionType.TEXT:
            event = Write("A comment about data") if rng.random() < 0.5 else Skip(q.id)
        else:
            event = Choose(q.id, rng.choice(qn.option_ids(q)))
        result = engine.step(qn, state, event, NOW)
        state = State(answers={**state.answers, **result.save}, cursor=result.cursor)


async def storage_bench(folder: Path) -> None:
    conn = await connect(folder / "bench.db")
    try:
        campaigns = CampaignRepository(conn)
        respondents = RespondentRepository(conn)
        ids = []
        began = time.perf_counter()
        for n in range(COUNCILS):
            authority = f"Council {n:02d}"
            cid = await campaigns.create_campaign(authority, NOW.date() - timedelta(days=7), NOW.date() + timedelta(days=21), NOW)
            for role, count in (("officer", 62), ("member", 65)):
                tokens = [new_token() for _ in range(count)]
                await campaigns.add_invitations(cid, role, count, tokens, [hash_token(t) for t in tokens], NOW)
            ids.append(cid)
        print(f"{'create 22 campaigns x 127 invitations':<48} {time.perf_counter() - began:>12.2f} s")

        async with conn.execute("SELECT id FROM invitations ORDER BY id LIMIT 300") as cur:
            invitations = [row[0] async for row in cur]
        for i in invitations:
            await respondents.bind(i, 10_000 + i, 10_000 + i, NOW)
            await respondents.set_language(i, "en")
        began = time.perf_counter()
        writes = 0
        for q in range(10):
            for i in invitations:
                await respondents.record(i, {f"q{q}": "l2"}, f"q{q + 1}", NOW)
                writes += 1
        elapsed = time.perf_counter() - began
        print(f"{'answers recorded (durable, one transaction each)':<48} {writes / elapsed:>12,.0f} answers/s")
        for i in invitations[:200]:
            await respondents.submit(i, "officer", 1, NOW)

        latencies = []
        for _ in range(5):
            for cid in ids:
                began = time.perf_counter()
                await campaigns.rates(cid)
                latencies.append(time.perf_counter() - began)
        print(f"{'rates for one council (aggregate query)':<48} {statistics.median(latencies) * 1000:>12.2f} ms median")

        reminders = ReminderRepository(conn, load_reminder_policy())
        began = time.perf_counter()
        windows = await reminders.open_campaigns(NOW.date())
        queued = 0
        for window in windows:
            queued += await reminders.queue_slot(window, Slot("bench", NOW), frozenset({"officer", "member"}),
                                                 NOW + timedelta(days=2))
        print(f"{'plan and queue a reminder slot, 22 councils':<48} {(time.perf_counter() - began) * 1000:>12.1f} ms"
              f"   ({queued} queued)")
    finally:
        await conn.close()


def main() -> None:
    questionnaires = load_questionnaires()
    rng = random.Random(1)
    officer = questionnaires["officer"]
    answers = walk(officer, rng)
    steps = len(answers)
    timed("engine: officer questionnaire, step by step", steps * 50, "steps",
          lambda: [walk(officer, random.Random(i)) for i in range(50)])

    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(storage_bench(Path(folder)))

    responses = [Response("officer", walk(officer, random.Random(i))) for i in range(40)]
    responses += [Response("member", walk(questionnaires["member"], random.Random(100 + i))) for i in range(20)]
    data = SurveyData("Flintshire County Council", "Cyngor Sir y Fflint", {"officer": 62, "member": 65}, responses,
                      questionnaires, opens_on=date(2026, 11, 1), closes_on=date(2026, 11, 30))
    tracemalloc.start()
    began = time.perf_counter()
    report = score(data)
    message = render_summary(report, "en")
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'score + Telegram summary, 60 responses':<48} {elapsed * 1000:>12.1f} ms   "
          f"(peak {peak / 1024 / 1024:.1f} MiB, message {len(message)} chars)")


if __name__ == "__main__":
    main()
