"""Reminders: the messenger that sends them, the reminder store, and each campaign's policy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

if TYPE_CHECKING:
    from flows.delivery import Delivery
    from flows.render import Screen


MAX_POLICY_DAYS = 366
"""``min_gap_days`` and ``final_days_before_close``: whole days, at most a year (fieldwork is shorter)."""
MAX_PER_PERSON = 50
"""``max_per_person``: reminders to one person, at most (the default is 3)."""
MAX_ACTIVE_HOURS = 24 * 31
"""``skip_if_active_hours``: at most a month."""
MAX_GRACE_HOURS = 24 * 7
"""``grace_hours``: a missed slot is sent at most a week late (the default is 3 hours)."""

_BOUNDS: dict[str, tuple[bool, float, float, str]] = {
    # field: (whole numbers only, lowest, highest, unit); grace_hours must also be above 0
    "min_gap_days": (True, 0, MAX_POLICY_DAYS, "days"),
    "max_per_person": (True, 0, MAX_PER_PERSON, "reminders"),
    "final_days_before_close": (True, 0, MAX_POLICY_DAYS, "days"),
    "skip_if_active_hours": (False, 0, MAX_ACTIVE_HOURS, "hours"),
    "grace_hours": (False, 0, MAX_GRACE_HOURS, "hours"),
}


class ReminderPolicy(BaseModel):
    """When reminders go out. Defaults: Tuesdays and Thursdays at 10:00, at least 3 days apart, at most 3 each,
    a final reminder 2 days before close, never between 20:00 and 08:00, nor to anyone active in the last day.

    Every number is finite and within ``_BOUNDS`` (days are whole days), so a policy that would make the slot
    calendar overflow (``final_days_before_close: 1e10``, ``.inf``, ``.nan``) is refused where it is accepted —
    the YAML loader, the command line — with a message naming the field, not found later by the reminder tick."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    weekdays: list[int] = Field(default=[1, 3], min_length=1)  # Monday = 0
    times: list[time] = Field(default=[time(10, 0)], min_length=1)
    quiet_start: time = time(20, 0)
    quiet_end: time = time(8, 0)
    min_gap_days: int = 3
    max_per_person: int = 3
    final_days_before_close: int = 2
    final_time: time = time(10, 0)
    skip_if_active_hours: float = 24
    grace_hours: float = 3
    """A slot missed (the bot was down) is still sent this long after its time, then given up."""

    @field_validator(*_BOUNDS, mode="before")
    @classmethod
    def _bounded(cls, value: object, info: ValidationInfo) -> object:
        whole, lowest, highest, unit = _BOUNDS[info.field_name or ""]
        wanted = f"{'a whole number' if whole else 'a number'} of {unit} from {lowest:g} to {highest:g}"
        if info.field_name == "grace_hours":
            wanted = f"a number of {unit} above 0 and at most {highest:g}"
        number = value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise ValueError(f"must be {wanted}, not {value!r}") from None
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise ValueError(f"must be {wanted}")
        finite = not isinstance(number, float) or math.isfinite(number)
        out_of_range = not lowest <= number <= highest or (info.field_name == "grace_hours" and number <= 0)
        if not finite or out_of_range or (whole and number != int(number)):
            shown = f"{number:g}" if isinstance(number, float) or abs(number) < 10**15 else "a larger number"
            raise ValueError(f"must be {wanted}, not {shown}")
        return int(number) if whole else float(number)

    @model_validator(mode="after")
    def _sane(self) -> ReminderPolicy:
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        for t in [*self.times, self.final_time]:
            if self.quiet(t):
                raise ValueError(f"{t:%H:%M} is inside quiet hours ({self.quiet_start:%H:%M}–{self.quiet_end:%H:%M})")
        return self

    def quiet(self, local: time) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        return (local >= start or local < end) if start > end else (start <= local < end)


@dataclass(frozen=True)
class Slot:
    id: str  # "2026-12-01T10:00" (local wall clock) or "final"
    at: datetime  # aware, UTC
    final: bool = False


@dataclass(frozen=True)
class CampaignWindow:
    id: int
    authority: str
    opens_on: date
    closes_on: date
    policy: ReminderPolicy
    below_target: frozenset[str]  # roles under their target response rate


@dataclass(frozen=True)
class Queued:
    invitation_id: int
    slot: str
    campaign_id: int
    role: str
    chat_id: int
    language: str
    cursor: str | None
    authority: str
    closes_on: date
    final: bool
    attempts: int = 0  # sends tried before this one


class Messenger(Protocol):
    async def send(self, chat_id: int, screen: Screen) -> Delivery:
        """Send one message and say what became of it (``flows.delivery``)."""
        ...


class ReminderStore(Protocol):
    async def open_campaigns(self, today: date) -> list[CampaignWindow]: ...

    async def queue_slot(self, campaign: CampaignWindow, slot: Slot, roles: frozenset[str], now: datetime) -> int:
        """Queue the slot for every eligible invitation of those roles; returns how many were queued."""
        ...

    async def queue_snoozed(self, now: datetime, policy_for: dict[int, ReminderPolicy]) -> int: ...

    async def due(self, now: datetime, limit: int) -> list[Queued]: ...

    async def answers(self, invitation_id: int) -> dict[str, str | None]: ...

    async def mark_sending(self, invitation_id: int, slot: str, now: datetime) -> bool: ...

    async def mark(
        self,
        invitation_id: int,
        slot: str,
        status: str,
        now: datetime,
        *,
        not_before: datetime | None = None,
        error: str | None = None,
    ) -> None: ...

    async def recover(self) -> int:
        """Rows left ``sending`` by a crash become ``unknown`` (never resent); returns how many."""
        ...


class Policies(Protocol):
    """A campaign's reminder policy (``storage.reminders.ReminderRepository``)."""

    async def policy_for_campaign(self, campaign_id: int) -> ReminderPolicy: ...
