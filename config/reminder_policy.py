"""Loading a reminder policy from YAML (``reminders.yaml`` by default)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from flows.ports.reminders import ReminderPolicy

DEFAULT_REMINDER_POLICY = Path(__file__).parent / "reminders.yaml"


class ReminderPolicyError(ValueError):
    pass


def load_reminder_policy(path: Path = DEFAULT_REMINDER_POLICY) -> ReminderPolicy:
    try:
        return ReminderPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (OSError, yaml.YAMLError) as exc:
        raise ReminderPolicyError(f"{path}: cannot read the reminder policy: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"]) or "policy"
        raise ReminderPolicyError(f"{path}: {where}: {err['msg'].removeprefix('Value error, ')}") from None
