"""A reminder round fanned out under Telegram's flood limit, with an auditor asking for /rates while it runs.

The emulator enforces 30 new messages a second overall, strictly (a 429 with ``retry_after`` beyond it).
datatool-bot sends a due reminder slot to N people who started and have not finished; at the same time the floor bot
sends one message to each of N chats of its own emulator through python-telegram-bot's ``AIORateLimiter`` (the
least a bot must do to keep under the limit).  Both rounds run side by side, each against its own emulator (the
limit is per bot), so the benchmark takes one round's time, not two.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bench.figures import Figure, Target
from bench.harness import (
    TOKEN,
    BotProcess,
    Watch,
    datatool_argv,
    datatool_env,
    datatool_settings,
    floor_argv,
    floor_env,
    seed_respondents,
    summary,
)
from bot.emulator import BotApiEmulator

LIMIT = 30
AUDITOR = 99
ZONE = "Europe/London"


def policy_due_now(path: Path) -> None:
    """A reminder policy whose slot fell a minute ago, every day, with no quiet hours: the round is due at start."""
    slot = (datetime.now(ZoneInfo(ZONE)) - timedelta(minutes=1)).strftime("%H:%M")
    path.write_text(
        yaml.safe_dump(
            {
                "weekdays": list(range(7)),
                "times": [slot],
                "quiet_start": "00:00",
                "quiet_end": "00:00",
                "min_gap_days": 0,
                "max_per_person": 3,
                "final_days_before_close": 2,
                "final_time": slot,
                "skip_if_active_hours": 24,
                "grace_hours": 3,
            }
        )
    )


class Round:
    """What one bot's round delivered: first and last delivery, per-chat counts, 429s."""

    def __init__(self, emulator: BotApiEmulator, chats: set[int]):
        self.emulator, self.chats = emulator, chats

    def delivered(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for chat in self.chats:
            n = len(self.emulator.bot_messages(chat)) - 1  # minus the earlier question
            if n > 0:
                counts[chat] = n
        return counts

    def times(self) -> list[float]:
        """When each new message to these chats reached the emulator (a refused one too: the span is what counts)."""
        out = []
        for call in self.emulator.calls_to("sendMessage"):
            try:
                chat = int(call.params.get("chat_id"))
            except (TypeError, ValueError):
                continue
            if chat in self.chats:
                out.append(call.timestamp)
        return out

    def figures(self) -> dict[str, float]:
        counts = self.delivered()
        stamps = sorted(self.times())
        delivered = len(counts)
        span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
        # Every new message the bot got through in that span counts against the limit: the auditor's /rates
        # answers too (refused ones are not in the chats).
        replies = max(len(self.emulator.bot_messages(AUDITOR)) - 1, 0) if AUDITOR in self.emulator.chat_ids else 0
        rate = (sum(counts.values()) + replies - 1) / span if span > 0 else 0.0
        return {
            "people": len(self.chats),
            "delivered": delivered,
            "rate": rate,
            "share": rate / LIMIT * 100,
            "refused": self.emulator.flood_refusals,
            "duplicates": sum(n - 1 for n in counts.values() if n > 1),
            "span": span,
        }


async def datatool_round(size: int, folder: Path) -> tuple[dict[str, float], list[float]]:
    async with BotApiEmulator(TOKEN) as emulator:
        settings = datatool_settings(emulator, folder, timezone=ZONE)
        policy_due_now(folder / "reminders.yaml")
        councils = 20
        people = await seed_respondents(
            settings,
            emulator,
            councils=councils,
            per_role=-(-size // (2 * councils)),
            at=datetime.now(UTC) - timedelta(days=2),
            answered=1,
        )
        chats = {p.user_id for p in people}
        emulator.add_user(AUDITOR, "Auditor")
        emulator.history(AUDITOR, "Welcome, auditor.")
        emulator.limit_messages(LIMIT)
        env = datatool_env(
            emulator,
            folder,
            DATATOOL_AUDITOR_IDS=str(AUDITOR),
            DATATOOL_TIMEZONE=ZONE,
            DATATOOL_REMINDER_POLICY=str(folder / "reminders.yaml"),
        )
        rates: list[float] = []
        round_ = Round(emulator, chats)
        async with BotProcess(emulator, datatool_argv(), env, folder / "bot.log"):
            watch = Watch(emulator, frozenset({"sendMessage"}))
            watch.seen = len(emulator.calls)
            watcher = asyncio.create_task(watch.run())
            deadline = time.monotonic() + size / LIMIT * 2 + 60
            try:
                while len(round_.delivered()) < len(chats) and time.monotonic() < deadline:
                    future = watch.press(AUDITOR)
                    await emulator.send_message(AUDITOR, "/rates")
                    rates.append(await asyncio.wait_for(future, 30))
                    await asyncio.sleep(5)  # an auditor asking every few seconds
            finally:
                watcher.cancel()
            return round_.figures(), rates


async def floor_round(size: int, folder: Path) -> dict[str, float]:
    async with BotApiEmulator(TOKEN) as emulator:
        chats = set(range(80_000_000, 80_000_000 + size))
        for chat in chats:
            emulator.add_user(chat, "Respondent")
            emulator.history(chat, "An earlier question.")
        emulator.add_user(AUDITOR, "Auditor")
        (folder / "chats.txt").write_text("\n".join(str(c) for c in sorted(chats)))
        (folder / "screens.json").write_text("[]")
        emulator.limit_messages(LIMIT)
        env = floor_env(emulator, folder / "screens.json", FLOOR_CHATS=str(folder / "chats.txt"), FLOOR_RATE_LIMIT="1")
        round_ = Round(emulator, chats)
        async with BotProcess(emulator, floor_argv(), env, folder / "floor.log"):
            await emulator.send_message(AUDITOR, "/fanout")
            await emulator.wait_for(
                lambda: len(round_.delivered()) >= len(chats), size / LIMIT * 2 + 60, description="the floor's round"
            )
        return round_.figures()


async def run(size: int = 3000) -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        ours_folder, floor_folder = Path(tmp, "ours"), Path(tmp, "floor")
        ours_folder.mkdir()
        floor_folder.mkdir()
        (mine, rates), base = await asyncio.gather(datatool_round(size, ours_folder), floor_round(size, floor_folder))
    section = f"Reminder fan-out: {size:,} people at Telegram's {LIMIT} messages a second"
    p50, p99, worst = summary(rates) if rates else (float("nan"),) * 3
    return [
        Figure(
            section,
            "reminders delivered",
            mine["delivered"],
            "",
            base["delivered"],
            Target(">=", mine["people"]),
            note=f"{mine['people']:,} due",
        ),
        Figure(
            section,
            "achieved rate, share of the limit",
            mine["share"],
            "%",
            base["share"],
            Target(">=", 95),
            note="every new message delivered during the round: the reminders and the /rates answers",
        ),
        Figure(section, "429s received", mine["refused"], "", base["refused"], Target("==", 0)),
        Figure(section, "duplicate reminders", mine["duplicates"], "", base["duplicates"], Target("==", 0)),
        Figure(section, "time for the round", mine["span"], "s", base["span"]),
        Figure(
            section,
            "/rates during the round, worst",
            worst * 1000,
            "ms",
            None,
            Target("<", 1000),
            note=f"{len(rates)} asked; median {p50 * 1000:.0f} ms",
        ),
    ]


if __name__ == "__main__":
    import sys

    from bench.figures import table

    print(table(asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 3000))))
