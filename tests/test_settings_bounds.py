"""Settings are validated when they are loaded (issue 21 item 5), not found wrong later by a respondent or a job:

- the privacy notice must be HTML Telegram accepts, checked with Telegram's own rules (``flows.telegram_html``, the
  emulator's parser): "Write to our DPO <dpo@example.org>" is refused at start-up with one line naming the file, the
  text and the line, instead of stopping every respondent at the notice with "Sorry, something went wrong";
- every number of a reminder policy is finite, whole where it counts days, and within a named range: 1e10, inf and
  NaN are refused with a message naming the field, in the YAML loader and so in ``campaign create --reminders``;
- the rate limit is a finite number."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.emulator import ApiError, parse_html
from config.privacy import (
    DEFAULT_PRIVACY_NOTICE,
    PrivacyNoticeError,
    load_privacy_notice,
)
from config.reminder_policy import ReminderPolicyError, load_reminder_policy
from config.settings import SettingsError, load_settings
from flows.ports.reminders import MAX_ACTIVE_HOURS, MAX_GRACE_HOURS, MAX_PER_PERSON, MAX_POLICY_DAYS, ReminderPolicy
from flows.reminders import campaign_slots
from tests.support import clean_environment

DPO = "Write to our DPO <dpo@example.org>."
TOKEN = "123456789:AAEfakeTOKENvalue_for-tests0123456789"  # the right shape; never a real one


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return clean_environment(monkeypatch, tmp_path)


def shipped_notice() -> dict:
    return yaml.safe_load(DEFAULT_PRIVACY_NOTICE.read_text(encoding="utf-8"))


def notice_with(tmp_path: Path, part: str, language: str, line: str) -> Path:
    """The shipped notice with ``line`` added as the third line of one of its texts."""
    notice = shipped_notice()
    lines = notice[part][language].splitlines()
    notice[part][language] = "\n".join([*lines[:2], line, *lines[2:]])
    path = tmp_path / "privacy.yaml"
    path.write_text(yaml.safe_dump(notice, allow_unicode=True, width=10_000), encoding="utf-8")
    return path


# ---- the privacy notice ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("part", "language"), [("short", "en"), ("short", "cy"), ("full", "en"), ("full", "cy")])
def test_a_notice_telegram_would_refuse_is_refused_when_loaded_naming_the_file_text_and_line(tmp_path, part, language):
    path = notice_with(tmp_path, part, language, DPO)
    with pytest.raises(ApiError, match="can't parse entities"):  # what Telegram would answer to every respondent
        parse_html(DPO)
    with pytest.raises(PrivacyNoticeError) as refused:
        load_privacy_notice(path)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {part}.{language} is not valid Telegram HTML")
    assert 'Unsupported start tag "dpo@example.org" on line 3' in message
    assert "&lt;" in message  # and how to write it


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("<p>A paragraph</p>", 'Unsupported start tag "p"'),
        ("<b>Bold, never closed", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>Crossed <i>tags</b></i>", 'Unmatched end tag, expected "</i>", found "</b>"'),
        ("Costs < benefits", 'Unsupported start tag ""'),
    ],
)
def test_other_markup_telegram_refuses_is_refused_too(tmp_path, line, reason):
    with pytest.raises(PrivacyNoticeError, match="full.en is not valid Telegram HTML") as refused:
        load_privacy_notice(notice_with(tmp_path, "full", "en", line))
    assert reason in str(refused.value)


def test_the_escaped_address_is_accepted_and_shows_as_written(tmp_path):
    notice = load_privacy_notice(notice_with(tmp_path, "full", "en", "Write to our DPO &lt;dpo@example.org&gt;."))
    visible, _ = parse_html(notice.full["en"])
    assert DPO in visible


def test_run_stops_at_start_up_with_one_line_naming_the_notice(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    path = notice_with(tmp_path, "full", "cy", DPO)
    monkeypatch.setenv("DATATOOL_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("DATATOOL_TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")  # nothing listens: never reached
    monkeypatch.setenv("DATATOOL_DB_PATH", str(tmp_path / "bot.db"))
    monkeypatch.setenv("DATATOOL_PRIVACY_NOTICE", str(path))
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and TOKEN not in err
    assert f"{path}: full.cy is not valid Telegram HTML" in err


# ---- the reminder policy ---------------------------------------------------------------------------------------


BAD_POLICIES = [
    # (field, the value as written in YAML, what the message says is wanted)
    ("final_days_before_close", "1e10", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("final_days_before_close", "1.0e10", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("final_days_before_close", ".inf", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("final_days_before_close", "inf", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("final_days_before_close", ".nan", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("final_days_before_close", "-1", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("final_days_before_close", "2.5", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("min_gap_days", "1.0e10", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("min_gap_days", ".inf", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("min_gap_days", ".nan", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("min_gap_days", "0.5", f"a whole number of days from 0 to {MAX_POLICY_DAYS}"),
    ("max_per_person", "1000", f"a whole number of reminders from 0 to {MAX_PER_PERSON}"),
    ("max_per_person", "true", f"a whole number of reminders from 0 to {MAX_PER_PERSON}"),
    ("skip_if_active_hours", ".inf", f"a number of hours from 0 to {MAX_ACTIVE_HOURS}"),
    ("skip_if_active_hours", "1.0e10", f"a number of hours from 0 to {MAX_ACTIVE_HOURS}"),
    ("skip_if_active_hours", ".nan", f"a number of hours from 0 to {MAX_ACTIVE_HOURS}"),
    ("grace_hours", ".inf", f"a number of hours above 0 and at most {MAX_GRACE_HOURS}"),
    ("grace_hours", ".nan", f"a number of hours above 0 and at most {MAX_GRACE_HOURS}"),
    ("grace_hours", "1.0e10", f"a number of hours above 0 and at most {MAX_GRACE_HOURS}"),
    ("grace_hours", "0", f"a number of hours above 0 and at most {MAX_GRACE_HOURS}"),
]


@pytest.mark.parametrize(("field", "value", "wanted"), BAD_POLICIES, ids=[f"{f}={v}" for f, v, _ in BAD_POLICIES])
def test_a_policy_number_out_of_bounds_is_refused_naming_the_field(tmp_path, field, value, wanted):
    path = tmp_path / "policy.yaml"
    path.write_text(f"{field}: {value}\n")
    with pytest.raises(ReminderPolicyError) as refused:
        load_reminder_policy(path)
    assert str(refused.value).startswith(f"{path}: {field}: must be {wanted}")
    assert "\n" not in str(refused.value)


def test_numbers_in_bounds_are_kept_and_whole_days_written_as_decimals_are_whole(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(
        "final_days_before_close: 2.0\nmin_gap_days: 0\nmax_per_person: 50\nskip_if_active_hours: 1.5\n"
        "grace_hours: 0.5\n"
    )
    policy = load_reminder_policy(path)
    assert (policy.final_days_before_close, policy.min_gap_days, policy.max_per_person) == (2, 0, 50)
    assert (policy.skip_if_active_hours, policy.grace_hours) == (1.5, 0.5)
    assert ReminderPolicy.model_validate_json(policy.model_dump_json()) == policy  # as a campaign stores it
    assert load_reminder_policy() == ReminderPolicy()  # the shipped file


def test_the_largest_policy_allowed_still_gives_a_calendar():
    widest = ReminderPolicy(
        min_gap_days=MAX_POLICY_DAYS,
        final_days_before_close=MAX_POLICY_DAYS,
        max_per_person=MAX_PER_PERSON,
        skip_if_active_hours=MAX_ACTIVE_HOURS,
        grace_hours=MAX_GRACE_HOURS,
    )
    slots = campaign_slots(widest, date(2026, 11, 20), date(2026, 12, 18), ZoneInfo("Europe/London"))
    assert slots and slots[-1].final


def test_campaign_create_refuses_a_policy_out_of_bounds_and_creates_nothing(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("DATATOOL_DB_PATH", str(tmp_path / "p.db"))
    policy = tmp_path / "forever.yaml"
    policy.write_text("final_days_before_close: 1e10\n")
    assert (
        main(["campaign", "create", "--authority", "powys", "--closes", "2099-01-01", "--reminders", str(policy)]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "final_days_before_close" in err and "Traceback" not in err
    assert main(["campaign", "list"]) == 0
    assert "Powys" not in capsys.readouterr().out


# ---- settings ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "nan", "1e10"])
def test_the_rate_limit_must_be_a_finite_number_in_range(monkeypatch, value):
    monkeypatch.setenv("DATATOOL_RATE_LIMIT_PER_SECOND", value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith("DATATOOL_RATE_LIMIT_PER_SECOND ")
    assert "messages per second" in str(refused.value)
