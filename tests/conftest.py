"""Shared fixtures: a fake clock, the shipped questionnaires, and a bot running against the local emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.services import load_questionnaires
from flows.model import Questionnaire
from flows.ports.clock import SettableClock


@dataclass
class FakeClock(SettableClock):
    """The project's settable clock, at the tests' usual moment unless told otherwise."""

    current: datetime = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def questionnaires() -> dict[str, Questionnaire]:
    return load_questionnaires()


@pytest.fixture
def officer(questionnaires: dict[str, Questionnaire]) -> Questionnaire:
    return questionnaires["officer"]


@pytest.fixture
def member(questionnaires: dict[str, Questionnaire]) -> Questionnaire:
    return questionnaires["member"]


TODAY = date(2026, 11, 25)


@pytest.fixture
async def emulator() -> AsyncIterator:
    from bot.emulator import BotApiEmulator

    async with BotApiEmulator() as emu:
        yield emu


@pytest.fixture
async def world(emulator, tmp_path: Path, clock: FakeClock, questionnaires):
    from tests.support import World, make_settings, seed_campaign

    w = World(
        emu=emulator,
        settings=make_settings(emulator, tmp_path / "datatool.db"),
        clock=clock,
        questionnaires=questionnaires,
    )
    await seed_campaign(w)
    return w
