"""The statistics of the data tool, each in one place: margins of error, rounding, the median rule, weights,
Kish's effective n, required responses and target rates, quantiles.

Pure arithmetic over numbers: no questionnaires, no view-model, no I/O.  Scoring (``reports.scoring``), the
disclosure rules (``reports.disclosure``), the response-rate table (``reports.rates``), the national view and the
formatters all use these, so a figure is worked out the same way wherever it is shown.

Margins of error (method notes, "Margins of error")
    moe = 1.96 * sqrt(0.25 / n) * sqrt((N - n) / (N - 1)), n answered, N invited: 0 when n >= N, None when n == 0.
    For a share, n is the number answering that question (Don't know excluded) and N the number invited in the
    group (all invited for the total).  For the weighted total, n is Kish's effective sample size
    n_eff = (sum w)^2 / sum w^2 over the respondents answering, which is smaller than the raw n whenever the
    weights differ.  The margin covers sampling only, not self-selection.  ``points`` rounds half up to whole
    points: 32 of 62 -> 12, 9 of 65 -> 31, 41 of 127 -> 13 (and 11 of 33, exactly 24.5 points, -> 25).

Rounding
    Percentages are rounded half up from the exact value (``pct``: 1/8 -> 13%, 3/8 -> 38%); a float is read as the
    decimal it prints as (``round_half_up``).  Margins, which are irrational and computed in floating point, are
    rounded half up with a tolerance of 1e-9 (``points``), so an exact half that floating point lands just below
    still rounds up.

Median rule
    The median is the *lower-middle* value: the least favourable category c such that at least half of the
    (weighted) answers are at c or below, in the order Level 1 < Level 2 < Level 3 (for the agree scale:
    strongly disagree < disagree < neither < agree < strongly agree).  With an odd n this is the ordinary median;
    with an even n it is the lower of the two middle values, so a council split 50/50 between Level 1 and Level 2
    is reported at Level 1: the headline never overstates maturity.  The weighted median uses the same rule on
    weighted counts; across councils (the national view) the nearest-rank ``quantile`` at 0.5 is the same rule.

Weighted total (method notes, "Weighted total")
    A respondent in group g carries the weight

        w_g = (N_g / r_g) * (R / N)

    where N_g is the number invited in g, r_g the responses received from g (submitted), N = sum N_g and
    R = sum r_g.  The factor R / N normalises the weights so that they sum to R over all respondents (a weighted
    count is on the scale of a head count).  For a question, the weighted count at category c is
    sum_g w_g * count_g(c); the weighted share is that count over the sum of weighted counts of all categories
    (Don't know excluded, as in the raw shares).  Because Don't know drops out per question, the groups' weighted
    proportions for one question can differ slightly from their proportions of those invited.

Change between two rounds (``share_change``)
    Two rounds of one council are two independent samples of (nearly) the same people.  A share at some level or
    above, x1 of n1 answering out of N1 invited then and x2 of n2 of N2 now, has changed beyond sampling error when

        |q2 - q1| > 1.96 * sqrt(q1 (1 - q1) / (n1 + 2) * f1 + q2 (1 - q2) / (n2 + 2) * f2)

    with q = (x + 1) / (n + 2) and f = (N - n) / (N - 1), the finite population correction of the margin of error
    (``fpc``).  This is the margin of the difference of two shares with the Agresti-Caffo adjustment (one answer
    added on each side of the line in each round).  The plain formula with the observed shares p = x / n takes a
    round where all or none were at the level to have no sampling error at all, and with 8 to 20 answering in each
    round it calls a chance difference real up to 8 or 9 times in 100 (worked out exactly over the binomial
    outcomes, for true shares of 50% to 85%); the adjusted one stays at about 6 in 100 or under.  Unlike the
    published margins it uses the shares observed, not the worst case 0.25: the question is whether these two
    shares differ, not how far off any share could be.  When everyone invited answered in both rounds the margin
    is 0 and any difference is a real one.  Self-selection is not covered.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

Z95 = 1.96
"""The normal quantile of a two-sided 95% interval."""
DEFAULT_TARGET_MARGIN = 0.10
"""Without a target rate, aim for the responses that give a worst-case margin of ±10 points."""


# ---- rounding -----------------------------------------------------------------------------------------------------


def _exact(value: Fraction | float | int) -> Fraction:
    """A number as an exact fraction; a float as the decimal it prints as (0.285 -> 285/1000, not its binary value)."""
    return Fraction(value) if isinstance(value, Fraction | int) else Fraction(str(value))


def round_half_up(value: Fraction | float | int) -> int:
    """The nearest whole number, halves away from zero (12.5 -> 13); exact for fractions, and a float is read as
    the decimal it prints as (``0.285 * 100`` prints as 28.499999999999996 -> 28)."""
    exact = _exact(value)
    whole = math.floor(abs(exact) + Fraction(1, 2))
    return whole if exact >= 0 else -whole


def pct(share: Fraction | float | None) -> int | None:
    """A share (0..1) in whole percent, rounded half up; exact for fractions (1/8 -> 13, 3/8 -> 38)."""
    if share is None:
        return None
    return round_half_up(_exact(share) * 100)


def percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in whole percent, rounded half up (32/62 -> 52); None when ``whole`` is 0."""
    if whole == 0:
        return None
    return pct(Fraction(part, whole))


def points(moe: float | None) -> int | None:
    """A margin in whole percentage points, rounded half up (0.1215 -> 12; 0.245 -> 25 although floating point
    computes 11 of 33's margin as 24.499999999999996 points)."""
    if moe is None:
        return None
    return math.floor(moe * 100 + 0.5 + 1e-9)


# ---- margins of error ---------------------------------------------------------------------------------------------


def margin(n: float, population: int) -> float | None:
    """Worst-case 95% margin of error (a fraction, 0.12 = 12 points) for a share from n answers of N invited.

    moe = 1.96 * sqrt(0.25 / n) * sqrt((N - n) / (N - 1)): 0 when n >= N (everyone answered), None when n == 0.
    ``n`` may be an effective sample size (a float) for the weighted total.
    """
    if n <= 0:
        return None
    if n >= population:
        return 0.0
    return Z95 * math.sqrt(0.25 / n) * math.sqrt((population - n) / (population - 1))


def fpc(n: float, population: int) -> float:
    """The finite population correction of a variance, (N - n) / (N - 1): 0 when everyone answered (n >= N)."""
    if n >= population or population <= 1:
        return 0.0
    return (population - n) / (population - 1)


def share_change(then: tuple[Fraction | int, int, int], now: tuple[Fraction | int, int, int]) -> tuple[Fraction, float]:
    """The adjusted change in a share between two independent samples, each ``(count, n, N)`` (count of the n
    answering at the level, N invited), and its 95% margin: ``(q2 - q1, margin)`` with q = (x + 1) / (n + 2) (module
    docstring, "Change between two rounds").  The change is real when ``beyond_margin(q2 - q1, margin)``."""
    adjusted = []
    variance = 0.0
    for count, n, population in (then, now):
        if n <= 0:
            raise ValueError("a share needs at least one answer")
        q = (Fraction(count) + 1) / (n + 2)
        adjusted.append(q)
        variance += float(q * (1 - q)) / (n + 2) * fpc(n, population)
    return adjusted[1] - adjusted[0], Z95 * math.sqrt(variance)


def beyond_margin(difference: Fraction | float, moe: float) -> bool:
    """Whether a change is larger than its margin (a difference exactly at the margin is not, within 1e-9)."""
    return abs(float(difference)) > moe + 1e-9


def margin_points(n: int, population: int) -> int | None:
    """32 of 62 -> 12; 9 of 65 -> 31; 41 of 127 -> 13."""
    return points(margin(n, population))


def required_responses(population: int, target_margin: float = DEFAULT_TARGET_MARGIN) -> int:
    """The fewest responses whose worst-case 95% margin is at most ``target_margin`` (0.10 = ±10 points)."""
    for n in range(1, population + 1):
        moe = margin(n, population)
        if moe is not None and moe <= target_margin + 1e-12:
            return n
    return population


def responses_for_margin(responded: int, population: int, target_margin: float = DEFAULT_TARGET_MARGIN) -> int:
    """The further responses that would bring the worst-case margin to ``target_margin``; 0 when already there
    (9 of 65: 40 give ±10 points, 39 give ±10.0002 -> 31 more)."""
    return max(0, required_responses(population, target_margin) - responded)


def target_rate(invited: int, target: float | None, target_margin: float = DEFAULT_TARGET_MARGIN) -> float | None:
    """The target response rate: the one set, else the rate giving a worst-case margin of ``target_margin``."""
    if target is not None:
        return target
    if invited <= 0:
        return None
    return required_responses(invited, target_margin) / invited


def target_count(target: float | None, invited: int) -> int | None:
    """The responses a target rate (0..1) asks for: the rate times those invited, rounded up."""
    return None if target is None else math.ceil(target * invited - 1e-9)


# ---- weights ------------------------------------------------------------------------------------------------------


def respondent_weights(invited: Mapping[str, int], responded: Mapping[str, int]) -> dict[str, Fraction]:
    """w_g = (N_g / r_g) * (R / N) for each group with responses; the weights sum to R over all respondents."""
    groups = [g for g, r in responded.items() if r > 0 and invited.get(g, 0) > 0]
    big_r = sum(responded[g] for g in groups)
    big_n = sum(invited[g] for g in groups)
    if not groups:
        return {}
    return {g: Fraction(invited[g], responded[g]) * Fraction(big_r, big_n) for g in groups}


def effective_n(weighted_counts: Iterable[tuple[Fraction, int]]) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2 for (weight, number of respondents with it) pairs."""
    pairs = [(w, k) for w, k in weighted_counts if k > 0]
    total = sum(w * k for w, k in pairs)
    squares = sum(w * w * k for w, k in pairs)
    return float(total * total / squares) if squares else 0.0


# ---- medians and quantiles ----------------------------------------------------------------------------------------


def median_category(counts: Sequence[Fraction], ranking: Sequence[int]) -> int | None:
    """Index (into ``counts``) of the lower-middle category.

    ``ranking`` lists indexes from least to most favourable.  Returns the first category in that order whose
    cumulative count reaches half of the total; None when there are no answers.
    """
    total = sum(counts)
    if total <= 0:
        return None
    running = Fraction(0)
    for index in ranking:
        running += counts[index]
        if running * 2 >= total:
            return index
    return ranking[-1]  # pragma: no cover - unreachable: the cumulative count reaches the total


def quantile(values: Sequence[int], q: float) -> int | None:
    """Nearest-rank quantile: the smallest value with at least q of the values at or below it (q = 0.5 gives
    the lower-middle median, the rule used for every median here)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered) - 1e-12))
    return ordered[rank - 1]
