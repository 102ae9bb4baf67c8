"""config.settings: defaults, parsing, one-line actionable errors, .env, and the token never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from config.settings import Settings, SettingsError, load_settings
from tests.support import clean_environment

# A token of the right shape (digits ':' 30+ url-safe characters); never a real one.
GOOD_TOKEN = "123456789:AAEfakeTOKENvalue_for-tests0123456789"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return clean_environment(monkeypatch, tmp_path)


def test_defaults() -> None:
    s = load_settings()
    assert s.db_path == Path("datatool.db")
    assert s.timezone == "Europe/London"
    assert s.zone.key == "Europe/London"
    assert s.telegram_base_url == "https://api.telegram.org/bot"
    assert s.auditor_ids == frozenset()
    assert s.telegram_token is None
    assert s.bot_username is None
    assert s.rate_limit_per_second == 30.0


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATATOOL_DB_PATH", "/srv/datatool/answers.db")
    monkeypatch.setenv("DATATOOL_TIMEZONE", "Europe/Dublin")
    monkeypatch.setenv("DATATOOL_TELEGRAM_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("DATATOOL_BOT_USERNAME", "@datatool_wales_bot")
    monkeypatch.setenv("DATATOOL_RATE_LIMIT_PER_SECOND", "500")
    s = load_settings()
    assert s.db_path == Path("/srv/datatool/answers.db")
    assert s.timezone == "Europe/Dublin"
    assert s.telegram_base_url == "http://127.0.0.1:8081/bot"
    assert s.bot_username == "datatool_wales_bot"
    assert s.rate_limit_per_second == 500.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12, 34", {12, 34}), ("12,34,12", {12, 34}), (" 7 ", {7}), ("", set()), ("5,", {5})],
)
def test_auditor_ids_parsed(monkeypatch: pytest.MonkeyPatch, raw: str, expected: set[int]) -> None:
    monkeypatch.setenv("DATATOOL_AUDITOR_IDS", raw)
    ids = load_settings().auditor_ids
    assert isinstance(ids, frozenset)
    assert ids == frozenset(expected)


@pytest.mark.parametrize("raw", ["12,abc", "12;34", "-5", "1.5"])
def test_bad_auditor_ids_one_actionable_line(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("DATATOOL_AUDITOR_IDS", raw)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("DATATOOL_AUDITOR_IDS ")
    assert "numeric Telegram user ids separated by commas" in message  # how to fix it


@pytest.mark.parametrize(
    ("variable", "value", "hint"),
    [
        ("DATATOOL_TIMEZONE", "Mars/Olympus_Mons", "IANA time zone"),
        ("DATATOOL_TIMEZONE", "", "IANA time zone"),
        ("DATATOOL_TIMEZONE", "../../etc/passwd", "IANA time zone"),
        ("DATATOOL_TELEGRAM_BASE_URL", "ftp://example.org/bot", "http://127.0.0.1:8081/bot"),
        ("DATATOOL_TELEGRAM_BASE_URL", "api.telegram.org/bot", "http://127.0.0.1:8081/bot"),
        ("DATATOOL_BOT_USERNAME", "no spaces allowed", "without @"),
        ("DATATOOL_BOT_USERNAME", "9starts_with_digit", "without @"),
        ("DATATOOL_RATE_LIMIT_PER_SECOND", "0", "messages per second"),
        ("DATATOOL_RATE_LIMIT_PER_SECOND", "fast", "messages per second"),
    ],
)
def test_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, hint: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{variable} ")
    assert hint in message


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token-but-SECRET-looking-value-1234567890",
        "123456789:tooShortSecretXYZ",
        "12:AAEfakeTOKENvalue_for-tests0123456789",  # id too short
        "123456789:AAEfake TOKEN value for tests 0123456789",
    ],
)
def test_bad_token_shape_never_echoes_the_token(monkeypatch: pytest.MonkeyPatch, token: str) -> None:
    monkeypatch.setenv("DATATOOL_TELEGRAM_TOKEN", token)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert message.startswith("DATATOOL_TELEGRAM_TOKEN ")
    assert "BotFather" in message
    assert token not in message
    secret_part = token.split(":")[-1]
    assert secret_part not in message
    assert secret_part not in repr(info.value)


def test_good_token_accepted_and_returned_by_require_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATATOOL_TELEGRAM_TOKEN", f"  {GOOD_TOKEN}  ")
    assert load_settings().require_token() == GOOD_TOKEN


def test_require_token_without_token() -> None:
    s = load_settings()
    with pytest.raises(SettingsError) as info:
        s.require_token()
    message = str(info.value)
    assert "DATATOOL_TELEGRAM_TOKEN" in message
    assert "BotFather" in message
    assert "\n" not in message


def test_settings_never_show_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATATOOL_TELEGRAM_TOKEN", GOOD_TOKEN)
    s = load_settings()
    secret = GOOD_TOKEN.split(":")[1]
    for shown in (repr(s), str(s), f"{s}", s.model_dump_json(), repr(s.model_dump()), repr(s.telegram_token)):
        assert secret not in shown
    assert s.telegram_token is not None and s.telegram_token.get_secret_value() == GOOD_TOKEN


def test_dotenv_in_working_directory_is_read(clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        "# local settings\n"
        "DATATOOL_TIMEZONE=Europe/Paris\n"
        "DATATOOL_AUDITOR_IDS=5, 6\n"
        f"DATATOOL_TELEGRAM_TOKEN={GOOD_TOKEN}\n"
        "DATATOOL_DB_PATH=data/answers.db\n",
        encoding="utf-8",
    )
    s = load_settings()
    assert s.timezone == "Europe/Paris"
    assert s.auditor_ids == frozenset({5, 6})
    assert s.require_token() == GOOD_TOKEN
    assert s.db_path == Path("data/answers.db")


def test_environment_beats_dotenv(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    (clean_env / ".env").write_text("DATATOOL_TIMEZONE=Europe/Paris\n", encoding="utf-8")
    monkeypatch.setenv("DATATOOL_TIMEZONE", "Europe/Berlin")
    assert load_settings().timezone == "Europe/Berlin"


def test_bad_value_in_dotenv_names_the_variable(clean_env: Path) -> None:
    (clean_env / ".env").write_text("DATATOOL_AUDITOR_IDS=12,abc\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"^DATATOOL_AUDITOR_IDS "):
        load_settings()


def test_overrides_take_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATATOOL_DB_PATH", "from_env.db")
    s = load_settings(db_path=Path("override.db"), auditor_ids="1,2")
    assert s.db_path == Path("override.db")
    assert s.auditor_ids == frozenset({1, 2})


def test_settings_are_frozen() -> None:
    s = load_settings()
    with pytest.raises(ValidationError):
        s.timezone = "UTC"  # type: ignore[misc]
    assert s.timezone == "Europe/London"
    assert isinstance(s, Settings)
