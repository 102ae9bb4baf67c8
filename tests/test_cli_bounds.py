"""The command line does nothing it cannot finish: numbers and dates out of range are refused with one line before
anything is read or written, ``invites create`` makes sure its files can be written before any invitation exists, a
closed campaign takes no invitations, and everything it writes is readable by its owner only.

The date rules live in ``flows.campaigns`` (so the chat and the demo keep them too) and are tested there with a fake
clock; the command line reads the real clock, so its tests set dates around the real today.
"""

from __future__ import annotations

import asyncio
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from flows.campaigns import (
    YEARS_AHEAD,
    CampaignClosed,
    CampaignService,
    ClosesBeforeToday,
    DateOutOfRange,
    years_from,
)
from flows.ports.clock import SettableClock
from storage.database import connect
from storage.repositories import CampaignRepository
from tests.support import cli_env, exit_code

TODAY = date.today()  # what the command line calls today (give or take midnight, which no test here is near to)
BEYOND_INT64 = "99999999999999999999999"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> Path:
    return cli_env(monkeypatch, tmp_path, "bounds.db")


def refused_with_one_line(capsys: pytest.CaptureFixture, argv: list[str], code: int = 2) -> str:
    assert exit_code(argv) == code
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def create(capsys: pytest.CaptureFixture, authority: str = "flint", opens: int = -5, closes: int = 30) -> str:
    assert (
        exit_code(["campaign", "create", "--authority", authority, "--opens", day(opens), "--closes", day(closes)]) == 0
    )
    return capsys.readouterr().out.strip()


def invitations(db: Path) -> int:
    async def count() -> int:
        async with aiosqlite.connect(db) as conn, conn.execute("SELECT COUNT(*) FROM invitations") as cursor:
            row = await cursor.fetchone()
            return row[0] if row else 0

    return asyncio.run(count())


# ---- ids and counts --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["campaign", "close", BEYOND_INT64],
        ["campaign", "close", "0"],
        ["campaign", "close", "-1"],
        ["campaign", "close", "٣"],  # a digit, but not one anybody types for an id
        ["campaign", "update", BEYOND_INT64, "--target-members", "50"],
        ["invites", "create", "--campaign", BEYOND_INT64, "--role", "member", "--count", "1"],
        ["invites", "create", "--campaign", "1", "--role", "member", "--count", BEYOND_INT64],
        ["invites", "list", "--campaign", str(2**63)],
        ["auditors", "add", BEYOND_INT64],
    ],
)
def test_an_id_or_count_out_of_range_is_refused_with_one_line_before_the_database(env: Path, capsys, argv):
    err = refused_with_one_line(capsys, argv)
    assert "is not a positive whole number up to 9223372036854775807" in err
    assert "--help" in err  # where to read more
    assert not env.exists()


def test_the_largest_id_sqlite_holds_is_looked_up_and_not_found(env: Path, capsys):
    assert exit_code(["campaign", "list"]) == 0  # the database exists
    capsys.readouterr()
    err = refused_with_one_line(capsys, ["campaign", "close", str(2**63 - 1)])
    assert "there is no campaign 9223372036854775807" in err


# ---- dates -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [
        (None, day(-1), f"--closes {day(-1)} is in the past"),
        (day(-30), day(-1), f"--closes {day(-1)} is in the past"),
        (None, "9999-12-31", f"--closes 9999-12-31 is more than {YEARS_AHEAD} years ahead"),
        (None, day(366 * YEARS_AHEAD + 1), f"is more than {YEARS_AHEAD} years ahead"),
        ("0001-01-01", day(10), f"--opens 0001-01-01 is more than {YEARS_AHEAD} years ago"),
    ],
)
def test_a_campaign_date_out_of_range_is_refused_naming_the_field(env: Path, capsys, opens, closes, expected):
    argv = ["campaign", "create", "--authority", "flint", "--closes", closes] + (["--opens", opens] if opens else [])
    err = refused_with_one_line(capsys, argv)
    assert expected in err, err
    assert not env.exists()  # refused before the database was opened


def test_dates_at_the_edges_are_accepted(env: Path, capsys):
    assert create(capsys, closes=0) == "1"  # closes today: fieldwork runs to the end of the day
    latest = years_from(TODAY, YEARS_AHEAD)
    assert exit_code(["campaign", "create", "--authority", "cardiff", "--closes", latest.isoformat()]) == 0
    assert (
        exit_code(["campaign", "create", "--authority", "powys", "--closes", (latest + timedelta(days=1)).isoformat()])
        == 2
    )


def test_update_cannot_end_fieldwork_by_moving_the_close_date_into_the_past(env: Path, capsys):
    campaign = create(capsys)
    err = refused_with_one_line(capsys, ["campaign", "update", campaign, "--closes", day(-1)])
    assert f"is before today ({TODAY})" in err and f"`datatool-bot campaign close {campaign}`" in err
    err = refused_with_one_line(capsys, ["campaign", "update", campaign, "--closes", "9999-12-31"])
    assert f"--closes 9999-12-31 is more than {YEARS_AHEAD} years ahead" in err
    assert exit_code(["campaign", "list"]) == 0
    assert f"{day(30)}  open" in capsys.readouterr().out  # unchanged, and still open
    assert exit_code(["campaign", "update", campaign, "--closes", day(0)]) == 0  # to today is shortening, not ending
    assert f"closes {day(0)}" in capsys.readouterr().out


# ---- the rules themselves, with a fake clock -------------------------------------------------------------------------


async def test_the_date_rules_and_closed_campaigns_belong_to_the_use_cases(tmp_path: Path):
    """What the chat and the demo call: the same refusals as the command line."""
    clock = SettableClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    conn = await connect(tmp_path / "rules.db")
    try:
        repo = CampaignRepository(conn)
        await repo.sync_authorities([("Flintshire County Council", "Cyngor Sir y Fflint")])
        service = CampaignService(repo, clock, ZoneInfo("Europe/London"))
        for opens, closes, field in (
            (date(2026, 11, 1), date(2026, 11, 24), "closes"),
            (date(2026, 11, 25), date(9999, 12, 31), "closes"),
            (date(2023, 11, 24), date(2026, 12, 24), "opens"),
        ):
            with pytest.raises(DateOutOfRange) as refused:
                await service.create("flint", opens, closes)
            assert refused.value.field == field
        assert await repo.campaigns() == []
        campaign_id = await service.create("flint", date(2026, 11, 20), date(2026, 12, 5))
        with pytest.raises(ClosesBeforeToday):
            await service.update(campaign_id, closes_on=date(2026, 11, 24))
        with pytest.raises(DateOutOfRange):
            await service.update(campaign_id, closes_on=date(2030, 1, 1))
        assert (await service.campaign(campaign_id)).closes_on == date(2026, 12, 5)
        assert len(await service.issue_invitations(campaign_id, "member", 2, "bot")) == 2
        # The close date has passed; the bot has not marked the campaign closed yet: a link would never work.
        clock.current = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
        with pytest.raises(CampaignClosed):
            await service.issue_invitations(campaign_id, "member", 1, "bot")
        assert len(await service.invitations(campaign_id)) == 2
    finally:
        await conn.close()


# ---- invites create ----------------------------------------------------------------------------------------------------


def test_invitations_cannot_be_added_to_a_closed_campaign(env: Path, capsys, tmp_path: Path):
    campaign = create(capsys)
    assert exit_code(["campaign", "close", campaign]) == 0
    capsys.readouterr()
    out = tmp_path / "late.csv"
    err = refused_with_one_line(
        capsys, ["invites", "create", "--campaign", campaign, "--role", "member", "--count", "2", "--out", str(out)]
    )
    assert "is closed: invitations cannot be added" in err
    assert not out.exists() and not (tmp_path / "late-qr").exists()
    assert not list(tmp_path.glob(".late.csv.*"))  # nothing left behind
    assert invitations(env) == 0


@pytest.mark.parametrize(
    ("out", "qr_dir", "expected"),
    [
        ("missing/members.csv", None, "cannot write --out missing/members.csv: there is no folder missing"),
        ("members.csv", "in-the-way", "cannot write --qr-dir in-the-way: a file is in the way of the folder"),
        ("members.csv", "in-the-way/qr", "cannot write --qr-dir in-the-way/qr: a file is in the way of the folder"),
        ("in-the-way.csv", None, None),  # the default QR folder is free: this one works
    ],
)
def test_invites_create_checks_it_can_write_its_files_before_creating_anything(
    env: Path, capsys, tmp_path: Path, out, qr_dir, expected
):
    campaign = create(capsys)
    (tmp_path / "in-the-way").write_text("a file where a folder would go")
    argv = ["invites", "create", "--campaign", campaign, "--role", "member", "--count", "3", "--out", out]
    argv += ["--qr-dir", qr_dir] if qr_dir else []
    if expected is None:
        assert exit_code(argv) == 0
        assert invitations(env) == 3 and len(list((tmp_path / "in-the-way-qr").iterdir())) == 3
        return
    err = refused_with_one_line(capsys, argv)
    assert expected in err and "no invitation was created" in err
    assert invitations(env) == 0  # no invitation whose link was lost
    assert not (tmp_path / "members.csv").exists() and not (tmp_path / "members-qr").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bounds.db", "in-the-way"]  # nothing half-written


def test_out_is_a_folder(env: Path, capsys, tmp_path: Path):
    campaign = create(capsys)
    err = refused_with_one_line(
        capsys,
        ["invites", "create", "--campaign", campaign, "--role", "member", "--count", "1", "--out", str(tmp_path)],
    )
    assert "is a folder" in err and invitations(env) == 0


# ---- files readable by their owner only ----------------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_everything_the_command_line_writes_is_readable_by_its_owner_only(env: Path, capsys, tmp_path: Path):
    campaign = create(capsys)
    assert mode(env) == 0o600
    out = tmp_path / "members.csv"
    out.write_text("an older file, readable by all")
    out.chmod(0o644)
    assert (
        exit_code(
            [
                "invites",
                "create",
                "--campaign",
                campaign,
                "--role",
                "member",
                "--count",
                "2",
                "--out",
                str(out),
                "--force",
            ]
        )
        == 0
    )
    assert mode(out) == 0o600 and out.read_text().startswith("reference,role,link")
    qr = tmp_path / "members-qr"
    assert mode(qr) == 0o700 and [mode(png) for png in qr.iterdir()] == [0o600, 0o600]
    assert exit_code(["report", "--authority", "flint", "--out", str(tmp_path / "reports" / "flint")]) == 0
    written = [Path(line) for line in capsys.readouterr().out.splitlines()]
    assert written and {mode(path) for path in written} == {0o600}
    assert mode(tmp_path / "reports") == mode(tmp_path / "reports" / "flint") == 0o700

    async def wal_and_shm() -> list[int]:  # SQLite gives them the database's own mode
        conn = await connect(env)
        try:
            return [mode(env.with_name(env.name + suffix)) for suffix in ("-wal", "-shm")]
        finally:
            await conn.close()

    assert asyncio.run(wal_and_shm()) == [0o600, 0o600]
