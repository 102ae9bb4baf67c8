"""``datatool-bot demo``: a whole fieldwork round, offline, on embedded defaults.

Starts the local Bot API emulator and the real bot against it (PTB's real HTTP stack, a fresh SQLite database),
creates a campaign for Flintshire County Council with 62 officer and 65 member invitations, lets simulated people
answer through Telegram — some never open their link, some stop half-way, the rest submit — and prints the
response-rate table in the report's shape.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_application, running
from bot.cli import create_invitations
from bot.emulator import BotApiEmulator, UserDriver
from config.settings import Settings
from flows import callbacks
from flows.callbacks import Action
from reports.rates import RateTable, format_text
from storage.database import connect
from storage.repositories import CampaignRepository

AUTHORITY = "Flintshire County Council"
INVITED = {"officer": 62, "member": 65}
# Chance that a person opens their link, and that someone who opened it submits. Chosen so the round looks like the
# report's (officers about half, members far fewer) before any reminders.
OPENS = {"officer": 0.72, "member": 0.30}
FINISHES = {"officer": 0.72, "member": 0.50}
# How each group tends to see the council: weights of Level 1, 2, 3 and Don't know.
LEVEL_WEIGHTS = {"officer": (3, 5, 2, 1), "member": (4, 4, 1, 2)}
AGREE_WEIGHTS = (1, 4, 3, 3, 1, 1)  # sa a n d sd dk
COMMENTS = (
    "Services keep their own spreadsheets, so the same data is collected several times.",
    "We need analysts who can turn the data into something members can read quickly.",
    "Data-sharing agreements are old and nobody is sure what they allow.",
    "The early help hub portal showed what joined-up data can do.",
)
CONCURRENCY = 24


@dataclass
class Person:
    role: str
    reference: str
    token: str
    user_id: int
    opens: bool
    finishes: bool
    stop_after: int  # answers given before giving up, for those who do not finish


async def run_demo(out: Path = Path("demo-output"), seed: int = 2019) -> int:
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
        )
        campaign_id = await _create_campaign(settings)
        people = await _invite(settings, campaign_id, rng)
        print(f"Campaign {campaign_id}: {AUTHORITY}, {INVITED['officer']} officers and {INVITED['member']} members "
              f"invited. Simulating fieldwork through the local Bot API emulator at {emu.base_url.rsplit('/', 1)[0]} ...")
        app = build_application(settings)
        async with running(app, poll_timeout=2):
            gate = asyncio.Semaphore(CONCURRENCY)

            async def one(person: Person) -> None:
                async with gate:
                    await _respond(emu, person, random.Random(f"{seed}-{person.reference}"))

            await asyncio.gather(*(one(p) for p in people if p.opens))
        table = await _rates(settings, campaign_id)
    opened = sum(p.opens for p in people)
    stopped = sum(p.opens and not p.finishes for p in people)
    print(f"{opened} people opened their link; {stopped} stopped part-way; the rest submitted.\n")
    print(format_text(table))
    print(f"\nDatabase: {db_path}   ({time.perf_counter() - began:.0f} s)")
    return 0


async def _create_campaign(settings: Settings) -> int:
    conn = await connect(settings.db_path)
    try:
        today = datetime.now(settings.zone).date()
        return await CampaignRepository(conn).create_campaign(AUTHORITY, today, today + timedelta(days=28), datetime.now(UTC))
    finally:
        await conn.close()


async def _invite(settings: Settings, campaign_id: int, rng: random.Random) -> list[Person]:
    people: list[Person] = []
    for role, count in INVITED.items():
        rows = await create_invitations(settings, campaign_id, role, count, settings.bot_username or "")
        for reference, _, link in rows:
            opens = rng.random() < OPENS[role]
            people.append(Person(
                role=role,
                reference=reference,
                token=link.rsplit("=", 1)[1],
                user_id=700_000_000 + len(people),
                opens=opens,
                finishes=opens and rng.random() < FINISHES[role],
                stop_after=rng.randint(2, 12),
            ))
    return people


async def _respond(emu: BotApiEmulator, person: Person, rng: random.Random) -> None:
    language = "cy" if rng.random() < 0.15 else "en"
    driver = UserDriver(emu, emu.add_user(person.user_id, first_name=f"Demo {person.reference}", language_code=language))
    await driver.start(person.token)
    await driver.tap(callbacks.encode(Action.LANGUAGE, language))
    await driver.tap(callbacks.encode(Action.CONSENT))
    answered = 0
    while True:
        if not person.finishes and answered >= person.stop_after:
            return  # closes Telegram and never comes back
        message = driver.last
        data = [d for row in message.buttons for _, d in row]
        if callbacks.encode(Action.SUBMIT) in data:
            await driver.tap(callbacks.encode(Action.SUBMIT))
            return
        answers = [d for d in data if d.startswith(Action.ANSWER.value + callbacks.SEPARATOR)]
        if answers:
            await driver.tap(_pick(answers, person.role, rng))
        elif any(d.startswith(Action.SKIP.value + callbacks.SEPARATOR) for d in data) and rng.random() < 0.6:
            await driver.tap(next(d for d in data if d.startswith(Action.SKIP.value + callbacks.SEPARATOR)))
        else:
            await driver.send(rng.choice(COMMENTS))
        answered += 1


def _pick(payloads: list[str], role: str, rng: random.Random) -> str:
    options = [p.rsplit(callbacks.SEPARATOR, 1)[1] for p in payloads]
    if set(options) >= {"l1", "l2", "l3"}:
        weights = dict(zip(("l1", "l2", "l3", "dk"), LEVEL_WEIGHTS[role]))
    else:
        weights = dict(zip(("sa", "a", "n", "d", "sd", "dk"), AGREE_WEIGHTS))
    return rng.choices(payloads, weights=[weights.get(o, 1) for o in options])[0]


async def _rates(settings: Settings, campaign_id: int) -> RateTable:
    conn = await connect(settings.db_path)
    try:
        return RateTable.from_roles(AUTHORITY, await CampaignRepository(conn).rates(campaign_id))
    finally:
        await conn.close()
