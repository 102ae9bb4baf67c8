"""The command line: campaigns and invitations round trip through the database; bad arguments say what to do."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.cli import main, resolve_username
from config.settings import Settings, SettingsError
from flows.tokens import hash_token
from tests.support import cli_env, exit_code

# Dates around the real today: the command line refuses a close date in the past or years ahead.
OPENS, CLOSES = ((date.today() + timedelta(days=days)).isoformat() for days in (-5, 40))


@pytest.fixture
def env(monkeypatch, tmp_path: Path) -> Path:
    return cli_env(monkeypatch, tmp_path, "cli.db")


def test_campaign_and_invites_round_trip(env: Path, capsys, tmp_path: Path):
    assert (
        main(["campaign", "create", "--authority", "Flintshire County Council", "--opens", OPENS, "--closes", CLOSES])
        == 0
    )
    campaign_id = capsys.readouterr().out.strip()
    assert campaign_id == "1"
    out = tmp_path / "members.csv"
    assert (
        main(["invites", "create", "--campaign", campaign_id, "--role", "member", "--count", "3", "--out", str(out)])
        == 0
    )
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["reference", "role", "link"]
    assert [r[0] for r in rows[1:]] == ["C1-M0001", "C1-M0002", "C1-M0003"]
    assert {r[1] for r in rows[1:]} == {"member"}
    tokens = [r[2].removeprefix("https://t.me/datatool_test_bot?start=") for r in rows[1:]]
    assert all(len(t) >= 16 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)
    # Only hashes are stored: the database file never contains a token.
    raw = env.read_bytes() + (
        env.with_name(env.name + "-wal").read_bytes() if env.with_name(env.name + "-wal").exists() else b""
    )
    assert not any(t.encode() in raw for t in tokens)

    # Standard output when there is no --out, numbering continues per role.
    assert main(["invites", "create", "--campaign", "1", "--role", "member", "--count", "1"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "reference,role,link" and printed[1].startswith("C1-M0004,member,https://t.me/")

    import asyncio

    async def hashes() -> set[str]:
        async with aiosqlite.connect(env) as conn:
            async with conn.execute("SELECT token_hash FROM invitations") as cur:
                return {row[0] async for row in cur}

    assert {hash_token(t) for t in tokens} <= asyncio.run(hashes())


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["campaign", "create", "--authority", "X", "--closes", "2026-13-01"], "use YYYY-MM-DD"),
        (
            ["campaign", "create", "--authority", "X", "--opens", "2027-01-02", "--closes", "2027-01-01"],
            "before --opens",
        ),
        (["invites", "create", "--campaign", "9", "--role", "member", "--count", "2"], "no campaign 9"),
        (["invites", "create", "--campaign", "1", "--role", "mayor", "--count", "2"], "invalid choice"),
        (["invites", "create", "--campaign", "1", "--role", "member", "--count", "0"], "not a positive whole number"),
    ],
)
def test_bad_arguments_are_refused_with_advice(env: Path, capsys, argv, expected):
    assert exit_code(argv) == 2
    assert expected in capsys.readouterr().err


def test_existing_out_file_is_not_overwritten(env: Path, capsys, tmp_path: Path):
    assert main(["campaign", "create", "--authority", "Cardiff Council", "--closes", CLOSES]) == 0
    out = tmp_path / "keep.csv"
    out.write_text("precious")
    assert main(["invites", "create", "--campaign", "1", "--role", "officer", "--count", "1", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert out.read_text() == "precious"


def test_malformed_setting_stops_with_one_line(env: Path, monkeypatch, capsys):
    monkeypatch.setenv("DATATOOL_AUDITOR_IDS", "12,bob")
    assert main(["campaign", "create", "--authority", "X", "--closes", CLOSES]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "DATATOOL_AUDITOR_IDS" in err


def test_run_without_token_says_how_to_get_one(env: Path, capsys):
    assert main(["run"]) == 2
    assert "BotFather" in capsys.readouterr().err


async def test_username_comes_from_getme_when_not_configured(emulator, tmp_path: Path):
    settings = Settings(
        _env_file=None, telegram_token=emulator.token, telegram_base_url=emulator.base_url, db_path=tmp_path / "x.db"
    )
    assert await resolve_username(settings) == "datatool_test_bot"
    with pytest.raises(SettingsError, match="DATATOOL_BOT_USERNAME"):
        await resolve_username(Settings(_env_file=None, db_path=tmp_path / "x.db"))
