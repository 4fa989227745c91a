"""Routes compared across an uncertainty space, on hand-made runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from changesim.analysis.uncertainty import (
    best_route_shares,
    paired_differences_over_uncertainty,
    probability_best,
    probability_best_by_range,
    wilson_interval,
)


def runs(weeks: dict[str, list[float]], points: int = 2, replications: int = 2) -> pd.DataFrame:
    """Runs of several routes; ``weeks[route]`` lists weeks_to_80 by (point, replication)."""
    rows = []
    for route, values in weeks.items():
        for i, value in enumerate(values):
            rows.append(
                {
                    "route": route,
                    "design_point": i // replications,
                    "replication": i % replications,
                    "weeks_to_80": value,
                    "mean_satisfaction": -value,
                    "total_contacts": value,
                }
            )
    return pd.DataFrame(rows)


def test_the_best_route_by_the_metrics_direction_with_ties_shared() -> None:
    table = runs({"A": [10, 20, 30, 40], "B": [12, 20, 25, np.nan]})
    shares = best_route_shares(table, "weeks_to_80")  # lower is better, a milestone
    assert shares["A"].tolist() == [1.0, 0.5, 0.0, 1.0]  # B never reached 80% in the last
    assert shares["B"].tolist() == [0.0, 0.5, 1.0, 0.0]
    higher = best_route_shares(table, "mean_satisfaction")  # higher is better (here -weeks)
    assert higher["A"].tolist() == [1.0, 0.5, 0.0, 0.0]  # not a milestone: the last has no best
    assert higher["B"].tolist() == [0.0, 0.5, 1.0, 0.0]


def test_a_situation_where_no_route_reaches_the_milestone_has_no_best() -> None:
    table = runs({"A": [10, np.nan], "B": [12, np.nan]}, points=1)
    shares = best_route_shares(table, "weeks_to_80")
    assert shares.sum(axis=1).tolist() == [1.0, 0.0]


def test_probability_best_over_situations() -> None:
    table = runs({"A": [10, 20, 30, 40], "B": [12, 20, 25, 45]})
    found = probability_best(table, ["weeks_to_80", "total_contacts"]).set_index("route")
    assert found.loc["A", "p_best"] == pytest.approx((1 + 0.5 + 0 + 1) / 4)
    assert found.loc["B", "p_best"] == pytest.approx((0 + 0.5 + 1 + 0) / 4)
    assert (found["situations"] == 4).all()
    assert set(found["metric"]) == {"weeks_to_80"}  # contacts have no direction of better


def test_wilson_interval() -> None:
    low, high = wilson_interval(1.0, 16)
    assert high == pytest.approx(1.0)
    assert low == pytest.approx(16 / (16 + 1.96**2))  # at p = 1: n / (n + z^2)
    low, high = wilson_interval(0.5, 100)
    assert (low, high) == pytest.approx((0.404, 0.596), abs=1e-3)


def test_probability_best_by_factor_range() -> None:
    table = runs({"A": [10, 20, 30, 40], "B": [12, 25, 25, 35]})
    design = pd.DataFrame({"design_point": [0, 1], "x": [0.1, 0.9], "day": ["monday", "friday"]})
    found = probability_best_by_range(table, design, ["day"], "weeks_to_80")
    monday = found[(found["range"] == "monday") & (found["route"] == "A")]
    assert monday["p_best"].item() == 1.0  # point 0: A better in both replications
    friday = found[(found["range"] == "friday") & (found["route"] == "B")]
    assert friday["p_best"].item() == pytest.approx(1.0)


def test_paired_differences_over_situations() -> None:
    table = runs({"A": [10, 20, 30, 40], "B": [12, 23, 34, 45]})
    found = paired_differences_over_uncertainty(table, ["weeks_to_80"], "A")
    row = found.iloc[0]
    assert (row["route"], row["reference"], row["pairs"]) == ("B", "A", 4)
    assert row["mean_difference"] == pytest.approx((2 + 3 + 4 + 5) / 4)
    assert row["ci_low"] > 0


def test_a_situation_where_no_route_has_the_metric_has_no_winner() -> None:
    """Weeks to 80% never reached by either route (NaN): nobody is best there, no warning."""
    table = runs({"A": [10, np.nan, 30, 40], "B": [12, np.nan, 25, 45]})
    shares = best_route_shares(table, "weeks_to_80")
    assert shares.iloc[1].tolist() == [0.0, 0.0]
    found = probability_best(table, ["weeks_to_80"]).set_index("route")
    assert found.loc["A", "p_best"] == pytest.approx(2 / 4)
