"""``datatool-bot demo``: a whole fieldwork round, offline, on embedded defaults.

Starts the local Bot API emulator and the real bot against it (PTB's real HTTP stack, a fresh SQLite database),
creates a campaign for Flintshire County Council with 62 officer and 65 member invitations, and lets simulated
people answer through Telegram: some never open their link, some stop half-way, the rest submit.  Then the
reminder rounds of the default policy go out (the demo moves its clock from slot to slot instead of waiting
days), simulated people who get one come back with some probability, and the response-rate table is printed
before and after each round.  So that the report has something to compare with, Flintshire's previous round and
other councils' campaigns of its round are invented first, closed (``bot.demo_history``), and the demo says so.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.app import build_application, running
from bot.constants import COMPLETION_JOB
from bot.demo_history import History, seed_history
from bot.emulator import BotApiEmulator, UserDriver
from bot.services import Services, admin_services, load_questionnaires
from config.settings import Settings
from flows import callbacks
from flows.callbacks import Action
from flows.i18n import ENGLISH, WELSH
from flows.model import MEMBER, OFFICER, Questionnaire
from flows.ports.clock import SettableClock
from flows.rate_texts import format_text
from flows.reminders import campaign_slots
from reports.rates import RateTable

AUTHORITY = "Flintshire County Council"
INVITED = {OFFICER: 62, MEMBER: 65}
FIELDWORK_DAYS = 25
# Chance that a person opens their link, and that someone who opened it submits at once. Chosen so the first days
# look like the report's round (officers about half, members far fewer) before any reminder.
OPENS = {OFFICER: 0.72, MEMBER: 0.36}
FINISHES = {OFFICER: 0.72, MEMBER: 0.40}
# Chance that someone who stopped part-way comes back and finishes after a reminder.
COMES_BACK = {OFFICER: 0.45, MEMBER: 0.55}
# How each group tends to see the council: weights of Level 1, 2, 3 and Don't know.
LEVEL_WEIGHTS = {OFFICER: (3, 5, 2, 1), MEMBER: (4, 4, 1, 2)}
AGREE_WEIGHTS = (1, 3, 3, 4, 1, 1)  # strongly disagree ... strongly agree, then don't know
COMMENTS = (
    "Services keep their own spreadsheets, so the same data is collected several times.",
    "We need analysts who can turn the data into something members can read quickly.",
    "Data-sharing agreements are old and nobody is sure what they allow.",
    "The early help hub portal showed what joined-up data can do.",
)
COMMENTS_CY = (  # the same four, as those who answer in Cymraeg write them
    "Mae gwasanaethau'n cadw eu taenlenni eu hunain, felly caiff yr un data ei gasglu sawl gwaith.",
    "Mae angen dadansoddwyr arnom a all droi'r data yn rhywbeth y gall aelodau ei ddarllen yn gyflym.",
    "Mae'r cytundebau rhannu data yn hen a does neb yn siŵr beth maen nhw'n ei ganiatáu.",
    "Dangosodd porth yr hwb cymorth cynnar beth all data cydgysylltiedig ei wneud.",
)
CONCURRENCY = 24
AUDITOR_ID = 4242


@dataclass
class Person:
    role: str
    reference: str
    token: str
    user_id: int
    opens: bool
    finishes: bool
    stop_after: int  # answers given before giving up, for those who do not finish
    language: str = ENGLISH
    driver: UserDriver | None = field(default=None, repr=False)
    submitted: bool = False


async def run_demo(out: Path = Path("demo-output"), seed: int = 2019, invited: dict[str, int] | None = None) -> int:
    """The whole demo; ``invited`` (officers and members) defaults to the report's 62 and 65."""
    invited = invited or INVITED
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "demo.db"
    for stale in out.glob("demo.db*"):
        stale.unlink()
    rng = random.Random(seed)
    async with BotApiEmulator(username="datatool_demo_bot") as emu:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_token=emu.token,
            telegram_base_url=emu.base_url,
            bot_username="datatool_demo_bot",
            db_path=db_path,
            rate_limit_per_second=10_000,  # the emulator is not Telegram; real runs keep the default of 30
            auditor_ids=frozenset({AUDITOR_ID}),
            reports_dir=out / "reports",
        )
        opens_on = _next_monday(datetime.now(settings.zone).date())
        clock = SettableClock(
            datetime.combine(opens_on, datetime.min.time(), settings.zone).replace(hour=9).astimezone(UTC)
        )
        campaign_id, people, history = await _set_up(settings, opens_on, rng, invited, seed)
        print(
            f"Campaign {campaign_id}: {AUTHORITY}, {invited[OFFICER]} officers and {invited[MEMBER]} members "
            f"invited, fieldwork {opens_on:%a %d %b} to {opens_on + timedelta(days=FIELDWORK_DAYS):%a %d %b %Y}."
        )
        print(
            f"Invented for this demonstration, to show the comparisons: {AUTHORITY}'s campaign of round "
            f"{history.previous_round} and {history.councils} other councils' closed campaigns of round "
            f"{history.round} ({history.answering} made-up responses); none of it is real data."
        )
        print(f"Simulating the fieldwork through the local Bot API emulator at {emu.base_url.rsplit('/', 1)[0]} ...\n")
        services = Services(settings, clock=clock, demonstration=True)  # every output says the data is invented
        app = build_application(settings, services)
        async with running(app, poll_timeout=2):
            gate = asyncio.Semaphore(CONCURRENCY)

            async def first_visit(person: Person) -> None:
                async with gate:
                    await _first_visit(emu, person, random.Random(f"{seed}-{person.reference}"))

            await asyncio.gather(*(first_visit(p) for p in people if p.opens))
            opened = sum(p.opens for p in people)
            stopped = sum(p.opens and not p.submitted for p in people)
            print(f"First days: {opened} people opened their link; {stopped} stopped part-way; the rest submitted.\n")
            print(_indent(format_text(await _rates(services, campaign_id), details=True)))
            await _reminder_rounds(services, clock, settings.zone, campaign_id, opens_on, people, seed)
            never = await services.campaigns.nonstarters(campaign_id)
            print(
                f"\n{len(never)} invitations were never opened: a bot cannot message people who have not started "
                "it, so `/nonstarters flint` lists their references for the council to chase by email."
            )
            folder = await _complete(emu, app, services, clock, campaign_id, opens_on, settings.zone)
    print(
        f"\nThe full report (English and Cymraeg, HTML and a Word draft), charts and exports (the report's tables, "
        f"and each respondent's answers: not for publication) are in {folder}/"
    )
    print(f"Database: {db_path}   ({time.perf_counter() - began:.0f} s)")
    return 0


async def _reminder_rounds(
    services: Services,
    clock: SettableClock,
    zone: ZoneInfo,
    campaign_id: int,
    opens_on: date,
    people: list[Person],
    seed: int,
) -> None:
    policy = services.reminder_policy
    slots = campaign_slots(policy, opens_on, opens_on + timedelta(days=FIELDWORK_DAYS), zone)
    by_chat = {p.user_id: p for p in people}
    for number, slot in enumerate(slots, start=1):
        clock.current = slot.at + timedelta(minutes=1)
        report = await services.reminders.tick()
        reminded = await services.reminder_store.reminded_chats(campaign_id, slot.id)
        rng = random.Random(f"{seed}-{slot.id}")
        back = [by_chat[c] for c in reminded if rng.random() < COMES_BACK[by_chat[c].role]]
        await asyncio.gather(*(_come_back(p, random.Random(f"{seed}-{slot.id}-{p.reference}")) for p in back))
        label = "final reminder" if slot.final else f"reminder round {number}"
        local = slot.at.astimezone(zone)
        if not report.sent:
            print(
                f"\n{label.capitalize()} ({local:%a %d %b %H:%M}): nobody due (each person's gap or maximum, "
                "or the group is at target)."
            )
        else:
            print(
                f"\nAfter the {label} ({local:%a %d %b %H:%M}): {report.sent} sent, {len(back)} came back and "
                "submitted."
            )
            print(_indent(format_text(await _rates(services, campaign_id), details=True)))
        clock.current += timedelta(hours=2)  # the afternoon passes


async def _complete(
    emu: BotApiEmulator,
    app: Application,
    services: Services,
    clock: SettableClock,
    campaign_id: int,
    opens_on: date,
    zone: ZoneInfo,
) -> Path:
    """The close date passes: the bot closes fieldwork and posts the compiled summary to the auditor."""
    auditor = UserDriver(emu, emu.add_user(AUDITOR_ID, first_name="Auditor"))
    await auditor.command("campaigns")  # the auditor has started the bot, so it can post to them
    clock.current = (
        datetime.combine(opens_on + timedelta(days=FIELDWORK_DAYS + 1), datetime.min.time(), zone)
        .replace(hour=9)
        .astimezone(UTC)
    )
    assert app.job_queue is not None
    (job,) = app.job_queue.get_jobs_by_name(COMPLETION_JOB)
    await job.run(app)  # the job the bot runs every minute: closes fieldwork and posts the summary, now
    summary = next(m for m in emu.bot_messages(AUDITOR_ID) if "Response rates" in m.text)
    files = [m.filename for m in emu.bot_messages(AUDITOR_ID) if m.kind == "document"]
    photos = sum(m.kind == "photo" for m in emu.bot_messages(AUDITOR_ID))
    print(
        f"\nFieldwork closed on {clock.current.astimezone(zone):%a %d %b}. The bot posted to the auditor: the summary "
        f"below, {photos} charts and {', '.join(files)}.\n"
    )
    print(_indent(summary.text))
    return services.completion.folder(await services.campaigns.campaign(campaign_id), interim=False)


async def _set_up(
    settings: Settings, opens_on: date, rng: random.Random, invited: dict[str, int], seed: int
) -> tuple[int, list[Person], History]:
    """The campaign and its invitations, created as ``datatool-bot campaign create`` and ``invites create`` do; then
    the invented history it is compared with."""
    people: list[Person] = []
    async with admin_services(settings) as admin:
        campaign_id = await admin.campaigns.create(AUTHORITY, opens_on, opens_on + timedelta(days=FIELDWORK_DAYS))
        for role, count in invited.items():
            for invitation in await admin.campaigns.issue_invitations(
                campaign_id, role, count, settings.bot_username or ""
            ):
                people.append(_person(invitation.reference, role, invitation.token, len(people), rng))
        campaign = await admin.campaigns.campaign(campaign_id)
    history = await seed_history(settings, campaign, _questionnaires(), invited, LEVEL_WEIGHTS, AGREE_WEIGHTS, seed)
    return campaign_id, people, history


def _person(reference: str, role: str, token: str, number: int, rng: random.Random) -> Person:
    """A simulated person: whether they open their link, finish at once, or stop part-way (and where)."""
    opens = rng.random() < OPENS[role]
    return Person(
        role=role,
        reference=reference,
        token=token,
        user_id=700_000_000 + number,
        opens=opens,
        finishes=opens and rng.random() < FINISHES[role],
        stop_after=rng.randint(2, 12),
        language=WELSH if rng.random() < 0.15 else ENGLISH,
    )


async def _first_visit(emu: BotApiEmulator, person: Person, rng: random.Random) -> None:
    user = emu.add_user(person.user_id, first_name=f"Demo {person.reference}", language_code=person.language)
    person.driver = driver = UserDriver(emu, user)
    await driver.start(person.token)
    await driver.tap(callbacks.encode(Action.LANGUAGE, person.language))
    await driver.tap(callbacks.encode(Action.CONSENT))
    await _answer(person, rng, limit=None if person.finishes else person.stop_after)


async def _come_back(person: Person, rng: random.Random) -> None:
    assert person.driver is not None
    await person.driver.tap(callbacks.encode(Action.RESUME))
    await _answer(person, rng, limit=None)


async def _answer(person: Person, rng: random.Random, *, limit: int | None) -> None:
    """Answer what is on screen until submitted, or until ``limit`` answers (then close Telegram)."""
    driver = person.driver
    assert driver is not None
    answered = 0
    while limit is None or answered < limit:
        data = driver.last.callback_data
        if callbacks.encode(Action.SUBMIT) in map(callbacks.without_owner, data):
            await driver.tap(callbacks.encode(Action.SUBMIT))
            person.submitted = True
            return
        answers = [d for d in data if d.startswith(Action.ANSWER.value + callbacks.SEPARATOR)]
        skips = [d for d in data if d.startswith(Action.SKIP.value + callbacks.SEPARATOR)]
        if answers:
            await driver.tap(_pick(answers, person.role, rng))
        elif skips and rng.random() < 0.6:
            await driver.tap(skips[0])
        else:
            await driver.send(rng.choice(COMMENTS_CY if person.language == WELSH else COMMENTS))
        answered += 1


def _pick(payloads: list[str], role: str, rng: random.Random) -> str:
    """A simulated person's choice among a question's answer buttons, weighted by how favourable each is (read from
    the question type's categories, least favourable first) and with its own weight for "Don't know"."""
    cb = callbacks.decode(payloads[0])
    assert cb is not None
    qn = _questionnaires()[role]
    question = qn.question(cb.args[0])
    assert question is not None
    cats = qn.kind(question).categories()
    assert cats is not None
    *ranked_weights, dont_know = LEVEL_WEIGHTS[role] if cats.numbered else AGREE_WEIGHTS
    weights = {cats[i]: w for i, w in zip(cats.ranking, ranked_weights, strict=True)}
    if cats.dont_know is not None:
        weights[cats.dont_know] = dont_know
    options = [(callbacks.decode(p) or cb).arg(1) for p in payloads]
    return rng.choices(payloads, weights=[weights.get(o or "", 1) for o in options])[0]


@cache
def _questionnaires() -> dict[str, Questionnaire]:
    return load_questionnaires()


async def _rates(services: Services, campaign_id: int) -> RateTable:
    return await services.campaigns.table(await services.campaigns.campaign(campaign_id))


def _next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
