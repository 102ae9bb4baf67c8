"""Settings: one pydantic-settings class, read from the environment (prefix ``DATATOOL_``) and ``.env``.

Built once in the entry point (``bot.cli``) and passed down; tests build their own.  A missing or malformed setting
stops start-up with one line that names the variable and says how to fix it (``SettingsError``).
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "DATATOOL_"
TELEGRAM_API = "https://api.telegram.org/bot"
TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
USERNAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # Telegram's rule for setWebhook's secret_token
MAX_RATE_PER_SECOND = 100_000  # far above Telegram's 30: only a local emulator goes faster (the demo uses 10,000)

# How to fix each setting, used in the one-line error message.
HINTS = {
    "telegram_token": "paste the token @BotFather gave you, e.g. 123456789:AAE...",
    "telegram_base_url": "use a URL such as http://127.0.0.1:8081/bot, or unset it to reach Telegram",
    "bot_username": "use the bot's username without @, e.g. datatool_wales_bot, or unset it to read it from getMe",
    "db_path": "give a file path such as ./datatool.db",
    "auditor_ids": "give numeric Telegram user ids separated by commas, e.g. 12345678,87654321",
    "timezone": "give an IANA time zone such as Europe/London",
    "rate_limit_per_second": f"give a number of messages per second above 0 and at most {MAX_RATE_PER_SECOND}, e.g. 30",
    "auditor_chat_id": "give the numeric id of the auditors' group chat, e.g. -1001234567890",
    "digest_time": "give a time of day as HH:MM, e.g. 08:30",
    "authorities": "give the path of a YAML file shaped like config/authorities.yaml",
    "reports_dir": "give a folder path such as ./datatool-reports",
    "reminder_policy": "give the path of a YAML file shaped like config/reminders.yaml",
    "rate_limit_retries": "give a whole number from 0 to 10",
    "privacy_notice": "give the path of a YAML file shaped like config/privacy.yaml",
    "publisher": "give the path of a YAML file shaped like config/publisher.yaml",
    "telegram_timeout": "give a number of seconds from 0.1 to 120, e.g. 10",
    "concurrent_updates": "give a whole number from 1 to 256, e.g. 8",
    "webhook_secret": "generate one with python3 -c 'import secrets; print(secrets.token_urlsafe(32))' (1 to 256 "
    "characters from A-Z, a-z, 0-9, _ and -)",
    # ---- operations and translation (issue 23) ----
    "status_file": "give a file path such as /var/lib/datatool/datatool.status.json, or unset it to write beside "
    "the database",
    "require_reviewed_welsh": "give true or false",
    # ---- retention and backups (issue 23, items 1 and 4) ----
    "retention_days": "give a whole number of days from 1 to 3650, e.g. 365",
    "retention_warning_days": "give a whole number of days from 0 (no warning) to 365, e.g. 14",
    "retention_keep_reports": "give true (keep the compiled reports and aggregate tables) or false (remove them too)",
    "backup_dir": "give a folder path such as /var/backups/datatool, or unset it for datatool-backups beside the "
    "database",
    "backups_kept": "give a whole number from 1 to 366, e.g. 7",
    "backup_time": "give a time of day as HH:MM, e.g. 02:30",
    "erasure_ledger": "give a file path such as /var/lib/datatool/datatool.db.erasures.jsonl, or unset it to keep it "
    "beside the database",
}


class SettingsError(Exception):
    """A setting is missing or malformed; ``str()`` is one line a user can act on."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_token: SecretStr | None = None
    telegram_base_url: str = TELEGRAM_API
    bot_username: str | None = None
    db_path: Path = Path("datatool.db")
    auditor_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/London"
    auditor_chat_id: int | None = None
    """Where the daily digest and completion summaries go (a group chat); default: each auditor directly."""
    digest_time: time = time(8, 30)
    """Local time of the daily digest to auditors."""
    authorities: Path | None = None
    """A YAML list of authorities (default: config/authorities.yaml, the 22 Welsh principal councils)."""
    reports_dir: Path = Path("datatool-reports")
    """Where compiled reports are written (one folder per campaign)."""
    reminder_policy: Path | None = None
    """A YAML file with the default reminder policy (default: config/reminders.yaml)."""
    privacy_notice: Path | None = None
    """A YAML file with the privacy notice (default: config/privacy.yaml)."""
    publisher: Path | None = None
    """A YAML file naming the audit body that publishes the reports (default: config/publisher.yaml, Audit Wales)."""
    rate_limit_per_second: float = Field(default=30.0, gt=0, le=MAX_RATE_PER_SECOND, allow_inf_nan=False)
    """New messages a second, overall (``bot/pacing.py``): Telegram allows about 30; only a local emulator may go
    faster.  Edits and button answers are not counted."""
    rate_limit_retries: int = Field(default=3, ge=0, le=10)
    """How often a request refused with 429 is retried after the wait Telegram names."""
    concurrent_updates: int = Field(default=8, ge=1, le=256)
    """Updates handled at once (different people's; one person's always in order, ``bot/ordering.py``)."""
    telegram_timeout: float = Field(default=10.0, ge=0.1, le=120)
    """Seconds to wait for Telegram's answer to a request.  A send that times out may still have been delivered:
    it is recorded as in doubt and never repeated automatically."""
    webhook_secret: SecretStr | None = None
    """Webhook mode only (``run --webhook-url``): Telegram sends it in the ``X-Telegram-Bot-Api-Secret-Token`` header
    of every update it POSTs, and the bot refuses (403) any request without it.  Secret, never logged."""

    # ---- operations and translation (issue 23) ----
    status_file: Path | None = None
    """Where ``run`` writes its health as it starts, every 30 s and when it stops, for ``datatool-bot status``
    (``bot/health.py``); default: beside the database, ``<DATATOOL_DB_PATH>.status.json``."""
    require_reviewed_welsh: bool = False
    """Refuse to open fieldwork (``campaign create``, ``run``) while any Welsh text respondents read has not been
    reviewed by a qualified translator (``datatool-bot translations status``); the command line's
    ``--require-reviewed-welsh`` does the same for one command."""

    # ---- retention and backups (issue 23, items 1 and 4) ----
    retention_days: int = Field(default=365, ge=1, le=3650)
    """Days a campaign's respondent-level data is kept after fieldwork closes, then erased (``flows/retention.py``);
    ``campaign create`` records it on the campaign (or ``--retention-days``), and the privacy notice states it."""
    retention_warning_days: int = Field(default=14, ge=0, le=365)
    """Days before that the auditors are warned in chat, once; 0: no warning."""
    retention_keep_reports: bool = True
    """At expiry, keep the compiled reports and aggregate tables (true), or remove them too (false)."""
    backup_dir: Path | None = None
    """Where the nightly backup goes (``flows/backups.py``); default: ``datatool-backups`` beside the database."""
    backups_kept: int = Field(default=7, ge=1, le=366)
    """How many nightly backups are kept (the oldest are removed)."""
    backup_time: time = time(2, 30)
    """Local time of the nightly backup (one missed while the bot was stopped is taken when it starts)."""
    erasure_ledger: Path | None = None
    """The record of withdrawals and purges kept outside the database and applied again at every start, so a restored
    backup never brings erased data back (``storage/erasures.py``); default: ``<DATATOOL_DB_PATH>.erasures.jsonl``."""

    @property
    def backup_folder(self) -> Path:
        return self.backup_dir if self.backup_dir is not None else self.db_path.parent / "datatool-backups"

    @property
    def erasure_ledger_path(self) -> Path:
        return (
            self.erasure_ledger
            if self.erasure_ledger is not None
            else self.db_path.with_name(self.db_path.name + ".erasures.jsonl")
        )

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_PATTERN.match(value.get_secret_value().strip()):
            raise ValueError("does not look like a bot token")
        return value

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_shape(cls, value: object) -> object:
        """Blank is unset; otherwise Telegram's rule, checked here so that a bad secret stops start-up in one line
        instead of a refused setWebhook.  The message never repeats the value."""
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if not isinstance(raw, str) or not WEBHOOK_SECRET_PATTERN.match(raw.strip()):
            raise ValueError("is not a valid secret token")
        return SecretStr(raw.strip())

    @field_validator("telegram_base_url")
    @classmethod
    def _url_shape(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError("is not an http(s) URL")
        return value

    @field_validator("bot_username", mode="before")
    @classmethod
    def _username_shape(cls, value: str | None) -> str | None:
        if value is None or not str(value).strip():
            return None
        value = str(value).strip().removeprefix("@")
        if not USERNAME_PATTERN.match(value):
            raise ValueError("is not a Telegram username")
        return value

    @field_validator("auditor_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(re.fullmatch(r"\d{1,15}", p) for p in parts):
                raise ValueError(f"{value!r} is not a list of numeric user ids")
            return frozenset(int(p) for p in parts)
        return value

    @field_validator("privacy_notice", "authorities", "reminder_policy", "publisher")
    @classmethod
    def _notice_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a file")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def require_token(self) -> str:
        if self.telegram_token is None:
            raise SettingsError(
                f"{ENV_PREFIX}TELEGRAM_TOKEN is not set: {HINTS['telegram_token']} (in the environment or .env)"
            )
        return self.telegram_token.get_secret_value().strip()

    def require_webhook_secret(self) -> str:
        if self.webhook_secret is None:
            raise SettingsError(
                f"{ENV_PREFIX}WEBHOOK_SECRET is not set, and webhook mode needs it: "
                f"{HINTS['webhook_secret']}, and put it in the environment or .env"
            )
        return self.webhook_secret.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment and ``.env``, turning validation errors into one actionable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        field = str(err["loc"][0]) if err["loc"] else "settings"
        reason = err["msg"].removeprefix("Value error, ")
        hint = HINTS.get(field, "check its value")
        raise SettingsError(f"{ENV_PREFIX}{field.upper()} {reason}: {hint}") from None
