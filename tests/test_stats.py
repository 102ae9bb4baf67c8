"""The statistics (reports/stats.py): margins of error, rounding, the median rule, weights, quantiles and targets,
and that the response-rate table (reports/rates.py) and the report work every figure out the same way."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from reports.model import RateResult
from reports.rates import RateRow, RateTable
from reports.stats import (
    effective_n,
    margin,
    margin_points,
    median_category,
    pct,
    percent,
    points,
    quantile,
    required_responses,
    respondent_weights,
    round_half_up,
    target_count,
    target_rate,
)

# ---- margins of error ---------------------------------------------------------------------------------------------


def test_method_notes_figures():
    # Officers 32 of 62: 1.96 * sqrt(0.25/32) * sqrt(30/61) = 1.96 * 0.08839 * 0.70128 = 0.1215 -> ±12
    assert margin(32, 62) == pytest.approx(0.12149, abs=1e-5)
    assert margin_points(32, 62) == 12
    # Members 9 of 65: 1.96 * (0.5/3) * sqrt(56/64) = 1.96 * 0.16667 * 0.93541 = 0.3056 -> ±31
    assert margin_points(9, 65) == 31
    # Total 41 of 127: 1.96 * sqrt(0.25/41) * sqrt(86/126) = 0.1264 -> ±13
    assert margin_points(41, 127) == 13


def test_margin_edges_and_rounding():
    assert margin(62, 62) == 0.0 and margin_points(62, 62) == 0  # everyone answered: a census, no sampling error
    assert margin(0, 62) is None and margin_points(0, 62) is None
    assert points(0.125) == 13 and points(0.1249) == 12  # half up
    assert pct(F(1, 8)) == 13 and pct(F(3, 8)) == 38 and pct(F(1, 3)) == 33 and pct(None) is None
    # ±10 points for 62 invited: 38 responses give 1.96*sqrt(0.25/38)*sqrt(24/61) = 0.0996; 37 give 0.1016
    assert required_responses(62) == 38


def test_median_rule_is_lower_middle():
    levels = [0, 1, 2]
    assert median_category([F(5), F(5), F(0)], levels) == 0  # 10 answers split 5/5: the lower one
    assert median_category([F(4), F(5), F(0)], levels) == 1
    assert median_category([F(0), F(0), F(0)], levels) is None


# ---- weights and quantiles ----------------------------------------------------------------------------------------


def test_weights_normalised():
    weights = respondent_weights({"officer": 62, "member": 65}, {"officer": 32, "member": 9})
    assert 32 * weights["officer"] + 9 * weights["member"] == 41
    assert weights["member"] / weights["officer"] == F(65, 9) / F(62, 32)


def test_quantile():
    assert quantile([], 0.5) is None
    assert quantile([3, 1, 2, 2], 0.5) == 2 and quantile([1, 2, 3, 3], 0.25) == 1 and quantile([1, 2, 3, 3], 0.75) == 3
    assert quantile([1], 0.25) == 1


# ---- one implementation for the rate table and the report ---------------------------------------------------------


def test_an_exact_half_point_rounds_up_everywhere():
    # 11 of 33: 0.98 * sqrt(22 / (11 * 32)) = 0.98 * 1/4 = 0.245 exactly, which floating point computes as
    # 24.499999999999996 points; half up gives ±25 in the report and in /rates alike.
    assert margin_points(11, 33) == 25 and margin_points(6, 9) == 25 and margin_points(28, 29) == 4
    assert RateRow("officer", 33, 11, 0).moe == 25
    assert RateResult("officer", 33, 11, margin(11, 33)).margin_points == 25


def test_rate_table_and_report_agree_on_every_rate_and_margin():
    for invited in range(0, 131):
        for responded in range(0, invited + 1):
            row = RateRow("member", invited, responded, 0)
            result = RateResult("member", invited, responded, margin(responded, invited))
            assert (row.percentage, row.moe) == (result.percentage, result.margin_points), (responded, invited)


def test_flintshire_rate_table():
    class Counts:
        def __init__(self, role: str, invited: int, started: int, responded: int):
            self.role, self.invited, self.started, self.responded = role, invited, started, responded

    table = RateTable.from_roles("Flintshire", [Counts("officer", 62, 0, 32), Counts("member", 65, 0, 9)])
    assert [(r.percentage, r.moe) for r in table.rows] == [(52, 12), (14, 31), (32, 13)]


# ---- rounding, targets, effective n -------------------------------------------------------------------------------


def test_round_half_up_is_exact():
    assert round_half_up(F(5, 2)) == 3 and round_half_up(2.5) == 3 and round_half_up(F(249, 100)) == 2
    assert round_half_up(-2.5) == -3 and round_half_up(0) == 0  # halves away from zero
    # A float is read as the decimal it prints as: 0.285 * 100 prints as 28.499999999999996.
    assert round_half_up(0.285 * 100) == 28 and pct(0.285) == 29
    assert percent(32, 62) == 52 and percent(0, 5) == 0 and percent(1, 0) is None


def test_targets():
    assert target_rate(62, None) == 38 / 62  # ±10 points: 38 of 62 (test_margin_edges_and_rounding)
    assert target_rate(62, 0.5) == 0.5 and target_rate(0, None) is None
    # ±5 points for 62 invited: 54 give 1.96*sqrt(0.25/54)*sqrt(8/61) = 0.0483; 53 give 0.0517
    assert required_responses(1) == 1 and required_responses(62, 0.05) == 54
    assert target_count(0.5, 65) == 33 and target_count(0.4, 10) == 4 and target_count(None, 10) is None


def test_effective_n():
    assert effective_n([(F(1), 10)]) == 10.0  # equal weights: the raw n
    assert effective_n([(F(3, 5), 9), (F(3, 2), 8)]) == pytest.approx(17.4**2 / 21.24)
    assert effective_n([(F(2), 0)]) == 0.0
