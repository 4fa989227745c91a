"""Statistics across replications on hand-made samples: t-intervals, summary tables, paired
differences under common random numbers, percentile bands of weekly curves.

Every expected value is worked out by hand (or from the t-quantile, ``scipy.stats.t.ppf``) on
the small sample given in the test; nothing is copied from a run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from changesim.analysis.statistics import (
    curve_bands,
    mean_interval,
    paired_differences,
    summary_table,
)


def t_half_width(sd: float, n: int, level: float = 0.95) -> float:
    """Half width of the two-sided t-interval of a mean: t_{(1+level)/2, n-1} sd / sqrt(n)."""
    return float(stats.t.ppf((1 + level) / 2, n - 1) * sd / math.sqrt(n))


# ---------------------------------------------------------------------------- mean_interval


def test_mean_interval_of_a_known_sample_has_the_t_quantile_width() -> None:
    """1..5: mean 3, sample sd sqrt(2.5) (squares of deviations 4+1+0+1+4 over 4)."""
    mean, low, high, n = mean_interval(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    half = t_half_width(math.sqrt(2.5), 5)  # t_{0.975, 4} = 2.776
    assert n == 5
    assert mean == pytest.approx(3.0)
    assert low < mean < high
    assert low == pytest.approx(3.0 - half, rel=1e-12)
    assert high == pytest.approx(3.0 + half, rel=1e-12)


def test_mean_interval_level_sets_the_quantile() -> None:
    """A 90% interval uses t_{0.95, n-1}: narrower than the 95% one on the same sample."""
    values = np.array([2.0, 4.0, 9.0])  # mean 5, deviations -3, -1, 4: sd sqrt(26 / 2)
    _, low90, high90, _ = mean_interval(values, level=0.90)
    _, low95, high95, _ = mean_interval(values)
    assert high90 - 5.0 == pytest.approx(t_half_width(math.sqrt(13.0), 3, 0.90), rel=1e-12)
    assert low90 == pytest.approx(5.0 - t_half_width(math.sqrt(13.0), 3, 0.90), rel=1e-12)
    assert high95 - 5.0 == pytest.approx(t_half_width(math.sqrt(13.0), 3), rel=1e-12)
    assert low95 < low90 < high90 < high95


def test_mean_interval_leaves_out_nan_and_counts_the_rest() -> None:
    """NaN, infinite and None values are left out; the count says how many remain."""
    values = np.array([1.0, np.nan, 3.0, None, np.inf], dtype=object)
    mean, low, high, n = mean_interval(values)
    half = t_half_width(math.sqrt(2.0), 2)  # 1 and 3: mean 2, sd sqrt(2)
    assert n == 2
    assert mean == pytest.approx(2.0)
    assert (low, high) == pytest.approx((2.0 - half, 2.0 + half), rel=1e-12)


def test_mean_interval_of_nothing_is_nan_with_count_zero() -> None:
    mean, low, high, n = mean_interval(np.array([np.nan, np.nan]))
    assert n == 0
    assert np.isnan([mean, low, high]).all()
    assert mean_interval(np.array([]))[3] == 0


def test_mean_interval_of_one_run_has_a_mean_but_no_interval() -> None:
    mean, low, high, n = mean_interval(np.array([np.nan, 7.5]))
    assert (mean, n) == (7.5, 1)
    assert np.isnan([low, high]).all()


def test_mean_interval_of_two_runs_has_an_interval() -> None:
    """Two values are enough to estimate the spread: 1 and 3 have sd sqrt(2)."""
    mean, low, high, n = mean_interval(np.array([1.0, 3.0]))
    assert n == 2
    assert high - mean == pytest.approx(t_half_width(math.sqrt(2.0), 2), rel=1e-12)
    assert low == pytest.approx(2.0 * mean - high, rel=1e-12)


def test_mean_interval_of_identical_values_is_exactly_the_mean() -> None:
    """No spread: the interval collapses onto the mean exactly, without rounding noise.

    0.1 three times has a computed mean of 0.10000000000000002, so an interval computed from
    the sample sd would be a few 1e-17 wide instead of empty.
    """
    mean, low, high, n = mean_interval(np.array([0.1, 0.1, 0.1]))
    assert n == 3
    assert mean == pytest.approx(0.1)
    assert low == mean
    assert high == mean


# ---------------------------------------------------------------------------- summary_table


def test_summary_table_has_one_row_per_route_and_metric_in_order_of_appearance() -> None:
    """Routes keep their first-appearance order; n counts finite values, runs all rows."""
    summaries = pd.DataFrame(
        {
            "route": ["zeta", "alpha", "zeta", "alpha", "zeta"],
            "seed": [1, 1, 2, 2, 3],
            "weeks_to_50": [10.0, 4.0, 12.0, 6.0, np.nan],
            "cost": [1.0, 2.0, 3.0, 2.0, 5.0],
        }
    )
    table = summary_table(summaries, ["weeks_to_50", "cost"])
    assert list(table.columns) == ["route", "metric", "mean", "ci_low", "ci_high", "n", "runs"]
    assert list(table["route"]) == ["zeta", "zeta", "alpha", "alpha"]
    assert list(table["metric"]) == ["weeks_to_50", "cost", "weeks_to_50", "cost"]
    assert list(table["n"]) == [2, 3, 2, 2]
    assert list(table["runs"]) == [3, 3, 2, 2]
    # zeta, weeks_to_50: 10 and 12 (NaN left out): mean 11, sd sqrt(2).
    zeta = table.iloc[0]
    half = t_half_width(math.sqrt(2.0), 2)
    assert zeta["mean"] == pytest.approx(11.0)
    assert (zeta["ci_low"], zeta["ci_high"]) == pytest.approx((11.0 - half, 11.0 + half))
    # zeta, cost: 1, 3, 5: mean 3, sd 2.
    cost = table.iloc[1]
    assert cost["mean"] == pytest.approx(3.0)
    assert cost["ci_high"] == pytest.approx(3.0 + t_half_width(2.0, 3))
    # alpha, cost: 2 and 2, no spread.
    alpha = table.iloc[3]
    assert (alpha["mean"], alpha["ci_low"], alpha["ci_high"]) == (2.0, 2.0, 2.0)


def test_summary_table_defaults_to_the_headline_metrics() -> None:
    """Without a metric list: the headline adoption metrics present, in display order."""
    summaries = pd.DataFrame(
        {
            "route": ["a", "a"],
            "seed": [1, 2],
            "final_adopted_share": [0.8, 0.9],
            "weeks_to_50": [5.0, 7.0],
            "rogers_laggards": [0.1, 0.2],
        }
    )
    table = summary_table(summaries)
    assert list(table["metric"]) == ["weeks_to_50", "final_adopted_share"]
    assert table["mean"].tolist() == pytest.approx([6.0, 0.85])


# ---------------------------------------------------------------------- paired_differences


def runs_frame() -> pd.DataFrame:
    """Hand-made runs of three routes, rows shuffled so that seeds are not aligned by position.

    weeks_to_50 by seed:      1     2     3     4     5
        base                 10    12    11    15     –
        fast                  8     9   NaN    12     7
        cautious             13    12    12    16     –
    cost by seed:
        base                  1     1     1     1     –
        fast                  3     4     5     6    99
        cautious              1     1     1     1     –
    """
    rows = [
        ("fast", 4, 12.0, 6.0),
        ("base", 2, 12.0, 1.0),
        ("cautious", 3, 12.0, 1.0),
        ("fast", 1, 8.0, 3.0),
        ("base", 4, 15.0, 1.0),
        ("cautious", 1, 13.0, 1.0),
        ("fast", 5, 7.0, 99.0),
        ("base", 1, 10.0, 1.0),
        ("fast", 3, np.nan, 5.0),
        ("cautious", 4, 16.0, 1.0),
        ("base", 3, 11.0, 1.0),
        ("cautious", 2, 12.0, 1.0),
        ("fast", 2, 9.0, 4.0),
    ]
    return pd.DataFrame(rows, columns=["route", "seed", "weeks_to_50", "cost"])


def test_paired_differences_match_runs_by_seed_and_leave_out_nan_pairs() -> None:
    """fast - base over seeds 1, 2, 4 (seed 3 has NaN, seed 5 has no base run): -2, -3, -3."""
    table = paired_differences(runs_frame(), "base", ["weeks_to_50", "cost"])
    row = table[(table["route"] == "fast") & (table["metric"] == "weeks_to_50")].iloc[0]
    diffs = np.array([-2.0, -3.0, -3.0])
    half = t_half_width(float(np.std(diffs, ddof=1)), 3)  # sd sqrt(1/3)
    assert row["reference"] == "base"
    assert row["pairs"] == 3
    assert row["mean_difference"] == pytest.approx(-8.0 / 3.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((-8 / 3 - half, -8 / 3 + half))


def test_paired_differences_use_only_seeds_both_routes_ran() -> None:
    """cost, fast - base over seeds 1-4 (seed 5 unmatched): 2, 3, 4, 5, mean 3.5."""
    table = paired_differences(runs_frame(), "base", ["cost"])
    fast = table[table["route"] == "fast"].iloc[0]
    assert fast["pairs"] == 4
    assert fast["mean_difference"] == pytest.approx(3.5)
    sd = math.sqrt((1.5**2 + 0.5**2 + 0.5**2 + 1.5**2) / 3)
    assert fast["ci_high"] == pytest.approx(3.5 + t_half_width(sd, 4))


def test_paired_differences_have_a_row_per_other_route_and_metric_in_order() -> None:
    """The reference gets no row; other routes keep their first-appearance order (not sorted)."""
    table = paired_differences(runs_frame(), "base", ["weeks_to_50", "cost"])
    assert list(table.columns) == [
        "route",
        "reference",
        "metric",
        "mean_difference",
        "ci_low",
        "ci_high",
        "pairs",
    ]
    assert list(table["route"]) == ["fast", "fast", "cautious", "cautious"]
    assert list(table["metric"]) == ["weeks_to_50", "cost", "weeks_to_50", "cost"]
    assert set(table["reference"]) == {"base"}
    # cautious - base, weeks_to_50: 3, 0, 1, 1, mean 1.25; cost: all 0, an empty interval.
    cautious = table[table["route"] == "cautious"].set_index("metric")
    assert cautious.loc["weeks_to_50", "mean_difference"] == pytest.approx(1.25)
    assert cautious.loc["weeks_to_50", "pairs"] == 4
    assert tuple(cautious.loc["cost", ["mean_difference", "ci_low", "ci_high"]]) == (0.0, 0.0, 0.0)


def test_paired_differences_default_to_the_headline_metrics() -> None:
    runs = runs_frame().rename(columns={"cost": "total_intervention_cost"})
    table = paired_differences(runs, "base")
    assert list(table["metric"]) == ["weeks_to_50", "total_intervention_cost"] * 2


# ---------------------------------------------------------------------------- curve_bands


def weekly_frame() -> pd.DataFrame:
    """Two routes, two weeks, five replications; a unit row per replication that is ignored."""
    records = []
    for route, offset in (("second", 100.0), ("first", 0.0)):
        for week in (0, 1):
            for replication in range(5):
                value = offset + 10.0 * week + replication  # 0, 1, 2, 3, 4 (+10, +100)
                records.append((route, replication, week, "all", value))
                records.append((route, replication, week, "web", -1000.0))
    frame = pd.DataFrame(records, columns=["route", "seed", "week", "unit", "share"])
    frame["route"] = pd.Categorical(frame["route"], categories=["first", "second", "unused"])
    return frame


def test_curve_bands_give_mean_and_percentiles_per_route_and_week() -> None:
    """Values 0..4: mean 2; linear-interpolated 5th percentile 0.2, 95th 3.8 (0.05 * 4 steps).

    Routes and weeks keep their order of appearance; an unused route category has no rows.
    """
    bands = curve_bands(weekly_frame(), "share")
    assert list(bands.columns) == ["route", "week", "mean", "low", "high"]
    assert list(bands["route"]) == ["second", "second", "first", "first"]
    assert list(bands["week"]) == [0, 1, 0, 1]
    base = np.array([100.0, 110.0, 0.0, 10.0])
    np.testing.assert_allclose(bands["mean"], base + 2.0)
    np.testing.assert_allclose(bands["low"], base + 0.2)
    np.testing.assert_allclose(bands["high"], base + 3.8)


def test_curve_bands_take_the_given_unit_and_band() -> None:
    """Quartiles of 0..4 are 1 and 3; the web rows are all -1000."""
    frame = weekly_frame()
    quartiles = curve_bands(frame, "share", band=(25, 75))
    np.testing.assert_allclose(quartiles["low"], [101.0, 111.0, 1.0, 11.0])
    np.testing.assert_allclose(quartiles["high"], [103.0, 113.0, 3.0, 13.0])
    web = curve_bands(frame, "share", unit="web")
    assert len(web) == 4
    assert set(web["mean"]) == set(web["low"]) == set(web["high"]) == {-1000.0}
