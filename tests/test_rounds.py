"""Rounds of the data tool (issue 12, item 1): every campaign carries its round, from the command line and the
service down to storage and back; the default is the year fieldwork opens, and a bad label is refused clearly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from flows.campaigns import CampaignService, InvalidRound, check_round, default_round
from flows.ports.clock import SettableClock
from storage.database import connect
from storage.repositories import CampaignRepository
from tests.support import cli_env, exit_code

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> Path:
    return cli_env(monkeypatch, tmp_path, "rounds.db")


@pytest.mark.parametrize("label", ["2026", "2026-27", "Spring 2027", "R1", "2026/27", "a" * 20, "x.y_z"])
def test_short_printable_labels_are_rounds(label: str):
    assert check_round(label) == label


@pytest.mark.parametrize("label", ["", " 2026", "-2026", "2026!", "a" * 21, "2026\n", "<b>", "Ionawr–Mawrth"])
def test_other_labels_are_refused(label: str):
    with pytest.raises(InvalidRound):
        check_round(label)


def test_default_round_is_the_year_fieldwork_opens():
    assert default_round(date(2026, 12, 1)) == "2026"
    assert default_round(date(2027, 1, 2)) == "2027"


def test_cli_round_defaults_to_the_opening_year_and_is_listed(env: Path, capsys):
    # Dates around the real today: the command line refuses a close date in the past.
    opens, closes, cardiff_opens, cardiff_closes, extended = (
        (date.today() + timedelta(days=days)).isoformat() for days in (-5, 40, 90, 135, 60)
    )
    year = opens[:4]
    assert main(["campaign", "create", "--authority", "flint", "--opens", opens, "--closes", closes]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "1"  # standard output is the id alone, for scripts
    assert f"round {year}" in out.err
    assert (
        main(
            [
                "campaign",
                "create",
                "--authority",
                "cardiff",
                "--opens",
                cardiff_opens,
                "--closes",
                cardiff_closes,
                "--round",
                "2026-27",
            ]
        )
        == 0
    )
    out = capsys.readouterr()
    assert out.out.strip() == "2" and "round 2026-27" in out.err
    assert main(["campaign", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split()[:3] == ["id", "authority", "round"]
    cardiff = next(line for line in listed if "Cardiff" in line)
    flint = next(line for line in listed if "Flintshire" in line)
    assert " 2026-27 " in cardiff and f" {year} " in flint and "2026-27" not in flint
    assert main(["campaign", "update", "1", "--closes", extended]) == 0
    assert f"round {year}:" in capsys.readouterr().out


@pytest.mark.parametrize("label", ["2026!", "2026 (draft)", "a" * 21])
def test_cli_refuses_a_bad_round_with_advice_and_creates_nothing(env: Path, capsys, label: str):
    assert exit_code(["campaign", "create", "--authority", "flint", "--closes", "2099-01-15", "--round", label]) == 2
    err = capsys.readouterr().err
    assert "is not a round" in err and "2026-27" in err
    assert not env.exists()  # refused while parsing: the database was never opened


async def test_storage_and_service_keep_the_round(tmp_path: Path):
    conn = await connect(tmp_path / "r.db")
    try:
        repo = CampaignRepository(conn)
        await repo.sync_authorities([("Flintshire County Council", "Cyngor Sir y Fflint"), ("Cardiff Council", None)])
        service = CampaignService(repo, SettableClock(NOW), ZoneInfo("Europe/London"))
        default = await service.create("flint", date(2026, 12, 1), date(2027, 1, 15))
        explicit = await service.create("cardiff", date(2027, 3, 1), date(2027, 4, 1), round="2026-27")
        assert (await repo.campaign(default)).round == "2026"
        assert (await repo.campaign(explicit)).round == "2026-27"
        assert {c.id: c.round for c in await repo.campaigns()} == {default: "2026", explicit: "2026-27"}
        # Straight to the repository (the benchmarks do): the same default.
        direct = await repo.create_campaign("Cardiff Council", date(2025, 11, 1), date(2025, 12, 1), NOW)
        assert (await repo.campaign(direct)).round == "2025"
        with pytest.raises(InvalidRound):
            await service.create("flint", date(2026, 12, 1), date(2027, 1, 15), round="2026;DROP")
        assert len(await repo.campaigns()) == 3
    finally:
        await conn.close()
