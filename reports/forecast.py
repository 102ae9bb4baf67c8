"""Where a group's response rate is heading by the close date: a range, never a single promise (method notes,
"Forecasting a response rate").  Pure: every figure from the history passed in, the time passed in as ``now``.

Method
    Responses arrive in waves: one in the days after the invitation and one after each reminder, each smaller, with
    a trickle between them.  For one group (N invited, n submitted so far, R = N - n not yet responded):

    1. A wave lasts ``WAVE`` (3 days) after the invitation or a reminder, cut short by the next reminder.
    2. The share of the remaining non-respondents a reminder brings (its *yield*): for each past reminder whose wave
       is over, the responses within its wave over the non-respondents when it went out.  Each wave is smaller
       than the one before, so the range per future reminder is half the smallest yield seen to the largest.  With
       no reminder wave seen yet, the prior range ``PRIOR`` is used: 5% to 15% of those remaining per reminder.
       A reminder whose wave is still arriving counts neither way (its wave time is left out of the trickle too).
    3. The trickle: the responses of the last ``LOOKBACK`` (7) days outside every wave, over the wave-free days in
       that span (none when there was less than a day of wave-free time), times the wave-free days left before the
       close.  The high end takes that rate, the low end half of it (it may slow); never more than R.
    4. With k reminders still to come before the close (the policy's slots, passed in) and trickle t, the further
       responses are t + (R - t) * (1 - (1 - s)^k), with s the low or high yield and t the low or high trickle:
       the low count is n plus that rounded down, the high count n plus it rounded up, clamped to [n, N].
    5. The target (a rate) asks for ceil(rate * N) responses: *likely* when the low count reaches it, *unlikely*
       when the high count falls short of it, else *possible*.
    6. The responses that would bring the worst-case 95% margin of error to ±10 points: the smallest n' with
       1.96 * sqrt(0.25 / n') * sqrt((N - n') / (N - 1)) <= 0.10, less n (0 when already reached).

    Everything is exact (fractions) except the margin, which ``reports.stats`` works out.  The projection assumes
    the pattern so far carries on; self-selection, a campaign extended or a council chasing by email are not in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from reports.stats import responses_for_margin, target_count

__all__ = [
    "LIKELY",
    "LOOKBACK",
    "POSSIBLE",
    "PRIOR",
    "UNLIKELY",
    "WAVE",
    "GroupForecast",
    "GroupHistory",
    "forecast_group",
]

WAVE = timedelta(days=3)
"""How long a wave of responses lasts after the invitation or a reminder."""
LOOKBACK = timedelta(days=7)
"""The recent span the trickle between waves is measured over."""
PRIOR = (Fraction(5, 100), Fraction(15, 100))
"""The share of the remaining non-respondents one reminder brings, before any reminder wave has been seen."""
LIKELY, POSSIBLE, UNLIKELY = "likely", "possible", "unlikely"


@dataclass(frozen=True)
class GroupHistory:
    """One group's fieldwork so far: those invited, when each response came, when reminders went to the group, and
    the reminder slots still to come before the close."""

    role: str
    invited: int
    submitted: tuple[datetime, ...]
    reminders_sent: tuple[datetime, ...] = ()
    reminders_left: tuple[datetime, ...] = ()
    target: float | None = None  # the target response rate, 0..1


@dataclass(frozen=True)
class GroupForecast:
    role: str
    invited: int
    responded: int
    low: int  # projected responses at the close, low end
    high: int  # ... and high end
    per_reminder: tuple[Fraction, Fraction]  # share of those remaining one reminder brings, low and high
    from_prior: bool  # no reminder wave seen yet: ``per_reminder`` is the prior range
    reminders_left: int
    trickle_per_day: Fraction  # responses a day between waves, recently
    target_count: int | None
    outlook: str | None  # LIKELY, POSSIBLE or UNLIKELY; None without a target
    more_for_margin: int  # further responses that would bring the margin to ±10 points
    target: float | None = None

    @property
    def low_rate(self) -> Fraction:
        return Fraction(self.low, self.invited)

    @property
    def high_rate(self) -> Fraction:
        return Fraction(self.high, self.invited)


def _days(span: timedelta) -> Fraction:
    return Fraction(span.days * 86400 + span.seconds, 86400)


def _free_days(start: datetime, end: datetime, waves: Sequence[tuple[datetime, datetime]]) -> Fraction:
    """Days in [start, end) outside every wave."""
    if end <= start:
        return Fraction(0)
    covered = timedelta(0)
    reach = start
    for a, b in sorted(waves):
        a, b = max(a, reach), min(b, end)
        if b > a:
            covered += b - a
            reach = b
    return _days(end - start - covered)


def _waves(starts: Sequence[datetime]) -> list[tuple[datetime, datetime]]:
    """Each wave from its start for ``WAVE``, cut short by the next start."""
    ordered = sorted(starts)
    return [(s, min([s + WAVE, *ordered[i + 1 : i + 2]])) for i, s in enumerate(ordered)]


def forecast_group(history: GroupHistory, opens_at: datetime, closes_at: datetime, now: datetime) -> GroupForecast:
    """The forecast for one group at ``now`` (module docstring); ``closes_at`` is the end of the last day."""
    big_n = history.invited
    times = sorted(t for t in history.submitted if t <= now)
    n = min(len(times), big_n)
    remaining = big_n - n
    sent = sorted(t for t in history.reminders_sent if t <= now)
    waves = _waves([opens_at, *sent])
    reminder_waves = waves[1:]

    yields = []
    for start, end in reminder_waves:
        if end > now:
            continue  # still arriving
        before = sum(1 for t in times if t <= start)
        if big_n - before > 0:
            yields.append(Fraction(sum(1 for t in times if start < t <= end), big_n - before))
    from_prior = not yields
    low_share, high_share = PRIOR if from_prior else (min(yields) / 2, max(yields))

    since = max(now - LOOKBACK, opens_at)
    free_past = _free_days(since, now, waves)
    in_waves = sum(1 for t in times if since < t <= now and any(a <= t < b for a, b in waves))
    trickled = sum(1 for t in times if since < t <= now) - in_waves
    rate = Fraction(trickled) / free_past if free_past >= 1 else Fraction(0)
    left = sorted(t for t in history.reminders_left if now < t < closes_at)
    future_waves = [(a, b) for a, b in _waves([*sent, *left]) if b > now] + [w for w in waves[:1] if w[1] > now]
    free_left = _free_days(now, closes_at, future_waves)
    trickle_high = min(Fraction(remaining), rate * free_left)
    trickle_low = trickle_high / 2

    def further(share: Fraction, trickle: Fraction) -> Fraction:
        return trickle + (remaining - trickle) * (1 - (1 - share) ** len(left))

    low = min(big_n, max(n, n + math.floor(further(low_share, trickle_low))))
    high = min(big_n, max(low, n + math.ceil(further(high_share, trickle_high))))
    wanted = target_count(history.target, big_n)
    outlook = None
    if wanted is not None:
        outlook = LIKELY if low >= wanted else UNLIKELY if high < wanted else POSSIBLE
    return GroupForecast(
        history.role,
        big_n,
        n,
        low,
        high,
        (low_share, high_share),
        from_prior,
        len(left),
        rate,
        wanted,
        outlook,
        responses_for_margin(n, big_n),
        history.target,
    )
