"""Reports (issue 11, item 5): the national report and one council's full bundle, from a database of 22 councils.

Seeding: the 22 councils of ``config/authorities.yaml``, each with a campaign of 62 officers and 65 members invited as
the command line invites them (``flows.campaigns``), every invitation answered by walking the real questionnaire
through the engine with a seeded random (each council with its own leaning, so medians differ between councils and
characteristics; some comments, some in Cymraeg), written in one transaction per council
(``storage.surveys.SurveyRepository.add_submitted``), then fieldwork closed as the bot closes it (everyone submitted).

Measured, times the best of 3 (the median is in the note):

- the national report as ``datatool-bot report --national`` builds it (``CompletionService.national``): every
  council's answers loaded, scored, the national view, the chart and HTML in English and Cymraeg, the CSV, written;
- one council's full bundle as completion compiles it (``CompletionService.compile``): summaries, charts, HTML in
  English and Cymraeg, CSV and XLSX exports;
- the peak memory of each: how far the resident set grows while building it once in a fresh interpreter (as the
  ``datatool-bot report`` process builds it), over its RSS once everything is imported and the database is open.
  RSS, not tracemalloc: it counts matplotlib's C++ buffers too, and tracing would slow the run several times over.

``python -m bench.reports`` runs it alone and prints the table.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import pathlib
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from bench.figures import Figure, Target, table
from bot.services import admin_services, load_questionnaires
from config.authorities import load_authorities
from config.settings import Settings
from flows import engine
from flows.engine import Choose, Skip, State, Submit, Write
from flows.i18n import ENGLISH, WELSH
from flows.model import MEMBER, OFFICER, Questionnaire
from flows.ports.clock import SettableClock
from flows.tokens import hash_token
from reports.inputs import Response
from storage.respondents import RespondentRepository
from storage.surveys import SurveyRepository

SECTION = "Reports"
INVITED = {OFFICER: 62, MEMBER: 65}
OPENS_ON, CLOSES_ON = date(2026, 10, 26), date(2026, 11, 27)
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
BOT_USERNAME = "datatool_bench_bot"
COUNCIL = "Flintshire County Council"  # the council whose bundle is timed (the demo's)
REPEAT = 3
MB = 1_000_000
ROOT = pathlib.Path(__file__).resolve().parents[1]

# How each group tends to see its council: weights of the answers from the least favourable up (Level 1, 2, 3;
# strongly disagree ... strongly agree), and of "Don't know".  Each council, and each section within it, leans one way
# or the other from here (``respond``).
LEVEL_WEIGHTS = {OFFICER: (3, 5, 2), MEMBER: (4, 4, 1)}
AGREE_WEIGHTS = (1, 3, 3, 4, 1)
DONT_KNOW = {OFFICER: 1, MEMBER: 2}
COMMENT_CHANCE = 0.35
WELSH_CHANCE = 0.15
COMMENTS = {
    ENGLISH: (
        "Services keep their own spreadsheets, so the same data is collected several times.",
        "We need analysts who can turn the data into something members can read quickly.",
        "Data-sharing agreements are old and nobody is sure what they allow.",
        "The early help hub portal showed what joined-up data can do.",
        "Ask data.team@example.gov.wales, they know where the housing figures are.",
        "Members rarely see performance data before a decision; it comes as a forty-page pack.",
        "Leadership talks about data but there is no budget line for it.",
    ),
    WELSH: (
        "Mae pob gwasanaeth yn cadw ei daenlenni ei hun, felly caiff yr un data ei gasglu sawl gwaith.",
        "Mae angen dadansoddwyr arnom i wneud y data'n rhywbeth y gall aelodau ei ddarllen yn gyflym.",
        "Mae'r cytundebau rhannu data yn hen a does neb yn siŵr beth maen nhw'n ei ganiatáu.",
    ),
}


# ---- seeding --------------------------------------------------------------------------------------------------------


def respond(qn: Questionnaire, role: str, language: str, lean: dict[str, float], rng: random.Random) -> dict:
    """One respondent's answers: the questionnaire walked question by question through the engine, as the bot walks
    it, then submitted.  ``lean`` tilts each section towards its favourable (positive) or unfavourable end."""
    state = State(answers={})
    prompt = engine.prompt_for(qn, state)
    while isinstance(prompt, engine.QuestionPrompt):
        q = prompt.question
        categories = qn.kind(q).categories()
        if categories is None:  # free text
            if q.optional and rng.random() >= COMMENT_CHANCE:
                event: engine.Input = Skip(q.id)
            else:
                event = Write(rng.choice(COMMENTS[language]), language)
        else:
            ranked = [categories[i] for i in categories.ranking]
            base = LEVEL_WEIGHTS[role] if categories.numbered else AGREE_WEIGHTS
            base = base if len(base) == len(ranked) else (1,) * len(ranked)  # a scale of another length: even
            tilt, middle = lean[qn.section_of(q.id).id], (len(ranked) - 1) / 2
            weights = {c: w * math.exp(tilt * (k - middle)) for k, (c, w) in enumerate(zip(ranked, base, strict=True))}
            if categories.dont_know is not None:
                weights[categories.dont_know] = DONT_KNOW[role]
            options = qn.option_ids(q)
            event = Choose(q.id, rng.choices(options, weights=[weights.get(o, 1.0) for o in options])[0])
        result = engine.step(qn, state, event, NOW)
        assert result.error is None, (q.id, result.error)
        state = State(answers={**state.answers, **result.save}, cursor=result.cursor)
        prompt = result.prompt  # the next screen, as the bot would show it
    assert engine.step(qn, state, Submit(), NOW).submit, "the walk left a required question unanswered"
    return dict(state.answers)


async def seed(settings: Settings, questionnaires: dict[str, Questionnaire]) -> int:
    """Every council's campaign, invitations and submitted responses; fieldwork closed.  Returns the responses."""
    sections = {s.id for qn in questionnaires.values() for s in qn.sections}
    responses = 0
    async with admin_services(settings, SettableClock(NOW)) as admin:
        respondents = RespondentRepository(admin.conn)
        surveys = SurveyRepository(admin.conn)
        for n, authority in enumerate(load_authorities()):
            rng = random.Random(f"bench-reports-{n}")
            council = rng.uniform(-0.9, 0.9)
            lean = {s: council + rng.uniform(-0.6, 0.6) for s in sorted(sections)}
            campaign_id = await admin.campaigns.create(authority.name, OPENS_ON, CLOSES_ON)
            rows = []
            for role, count in INVITED.items():
                for issued in await admin.campaigns.issue_invitations(campaign_id, role, count, BOT_USERNAME):
                    invitation = await respondents.invitation_by_token_hash(hash_token(issued.token))
                    assert invitation is not None
                    language = WELSH if rng.random() < WELSH_CHANCE else ENGLISH
                    answers = respond(questionnaires[role], role, language, lean, rng)
                    rows.append((invitation.id, Response(role, answers, language)))
            await surveys.add_submitted(rows, questionnaires, NOW)
            responses += len(rows)
        closed = await admin.campaigns.close_completed()  # everyone invited has submitted
        assert len(closed) == len(load_authorities()), "every campaign should have closed as complete"
    return responses


# ---- measuring ------------------------------------------------------------------------------------------------------


def _settings(folder: pathlib.Path) -> Settings:
    return Settings(
        _env_file=None,
        db_path=folder / "reports.db",
        reports_dir=folder / "datatool-reports",
        authorities=None,
        telegram_token=None,
    )


async def _best_of(run: Callable[[int], Awaitable[object]]) -> tuple[list[float], object]:
    times, result = [], None
    for attempt in range(REPEAT):
        gc.collect()  # start each run clean: no collection of earlier garbage lands in its time
        began = time.perf_counter()
        result = await run(attempt)
        times.append(time.perf_counter() - began)
    return times, result


def _status(field: str) -> int | None:
    """A ``kB`` field of /proc/self/status (Linux) in bytes, or None."""
    try:
        for line in pathlib.Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _rss() -> int:
    """The resident set size now, in bytes."""
    return _status("VmRSS") or _peak_rss()


def _peak_rss() -> int:
    """The process's peak resident set size so far, in bytes: VmHWM, which starts afresh with the new interpreter;
    else ``ru_maxrss`` (KiB on Linux), which a child inherits from its parent across exec and so may overstate."""
    return _status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def _memory_child(what: str, folder: pathlib.Path) -> dict[str, int]:
    """In a fresh interpreter, as a ``datatool-bot report`` process is: RSS once everything is imported and the
    database open, and the peak RSS after building ``what`` ("national" or "bundle") once."""
    questionnaires = load_questionnaires()
    async with admin_services(_settings(folder), SettableClock(NOW)) as admin:
        completion = admin.completion(questionnaires)  # imports the compiler: matplotlib, Jinja2, openpyxl
        campaign = await admin.campaigns.campaign_for(COUNCIL)
        before = _rss()
        if what == "national":
            await completion.national(folder / "national-memory")
        else:
            await completion.compile(campaign, interim=False)
        return {"before": before, "peak": _peak_rss()}


async def _memory(what: str, folder: pathlib.Path) -> dict[str, int]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.reports",
        "--memory",
        what,
        str(folder),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"measuring the memory of the {what} report failed (exit {process.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


def _growth(memory: dict[str, int]) -> float:
    return (memory["peak"] - memory["before"]) / MB


def _size(paths: list[pathlib.Path]) -> str:
    total = sum(p.stat().st_size for p in paths)
    return f"{len(paths)} files, {total / MB:.1f} MB"


async def run(folder: pathlib.Path) -> list[Figure]:
    folder = pathlib.Path(folder)
    settings = _settings(folder)
    questionnaires = load_questionnaires()
    began = time.perf_counter()
    responses = await seed(settings, questionnaires)
    seeded = time.perf_counter() - began

    async with admin_services(settings, SettableClock(NOW)) as admin:
        completion = admin.completion(questionnaires)
        councils = len(await admin.campaigns.latest_per_authority())
        campaign = await admin.campaigns.campaign_for(COUNCIL)

        async def national(attempt: int) -> list[pathlib.Path]:
            written = await completion.national(folder / f"national-{attempt}")
            assert written, "the national report wrote nothing"
            return written

        async def bundle(attempt: int) -> object:
            return await completion.compile(campaign, interim=False)

        national_times, national_files = await _best_of(national)
        bundle_times, _ = await _best_of(bundle)
        bundle_files = sorted(completion.folder(campaign, interim=False).iterdir())
    # Each in its own fresh interpreter, both at once: a process's resident set is its own, whatever runs beside it.
    national_memory, bundle_memory = await asyncio.gather(_memory("national", folder), _memory("bundle", folder))

    assert isinstance(national_files, list)
    scope = f"{councils} councils × {sum(INVITED.values())} invited, {responses:,} submitted"
    rss = (
        "peak RSS growth in a fresh process (as a `datatool-bot report` process), over its RSS with everything "
        "imported and the database open"
    )
    return [
        Figure(
            SECTION,
            f"national report, from the database ({scope})",
            min(national_times),
            "s",
            target=Target("<", 1.0),
            note=f"best of {REPEAT}, median {statistics.median(national_times):.2f} s; `report --national` "
            f"(CompletionService.national): load, score, en+cy HTML and chart, CSV ({_size(national_files)}); "
            f"seeding took {seeded:.1f} s, not counted",
        ),
        Figure(
            SECTION,
            "national report: peak memory",
            _growth(national_memory),
            "MB",
            target=Target("<", 100.0),
            note=f"{rss}; the process peaks at {national_memory['peak'] / MB:.0f} MB",
        ),
        Figure(
            SECTION,
            f"one council's full bundle ({COUNCIL}, {sum(INVITED.values())} submitted)",
            min(bundle_times),
            "s",
            note=f"best of {REPEAT}, median {statistics.median(bundle_times):.2f} s; CompletionService.compile: "
            f"summaries, charts, en+cy HTML and Word, tables and answers as CSV+XLSX ({_size(bundle_files)}); no target: built once per "
            "campaign, in a worker thread",
        ),
        Figure(
            SECTION,
            "one council's full bundle: peak memory",
            _growth(bundle_memory),
            "MB",
            note=f"{rss}; the process peaks at {bundle_memory['peak'] / MB:.0f} MB; no target",
        ),
    ]


def main() -> None:
    if sys.argv[1:2] == ["--memory"]:  # the child process of ``_memory``
        print(json.dumps(asyncio.run(_memory_child(sys.argv[2], pathlib.Path(sys.argv[3])))))
        return
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        figures = asyncio.run(run(pathlib.Path(folder)))
        elapsed = time.perf_counter() - began
    print(table(figures))
    print(f"\n(run() took {elapsed:.1f} s)")


if __name__ == "__main__":
    main()
