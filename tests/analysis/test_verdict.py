"""The verdict on hand-made runs: rankings and P(best), the trade-off sentence, the Pareto
front and the metrics that cannot tell routes apart."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from changesim.analysis.metrics import metric
from changesim.analysis.verdict import (
    Difference,
    conclude,
    constant_metrics,
    paired,
    pareto_front,
    rank,
    said,
    tradeoff_sentence,
)

SEEDS = [11, 12, 13, 14, 15]


def runs_of(values: dict[str, dict[str, list[float]]]) -> pd.DataFrame:
    """Runs from {route: {metric: one value per seed}}, every route on SEEDS."""
    rows = []
    for route, metrics in values.items():
        for i, seed in enumerate(SEEDS):
            rows.append(
                {"route": route, "replication": i, "seed": seed}
                | {name: series[i] for name, series in metrics.items()}
            )
    return pd.DataFrame(rows)


def t_interval(diffs: list[float]) -> tuple[float, float]:
    d = np.asarray(diffs, dtype=float)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return d.mean() - half, d.mean() + half


def test_rank_orders_by_the_direction_of_better_and_counts_wins_per_seed():
    runs = runs_of(
        {
            "slow": {"weeks_to_80": [30, 20, 30, 30, 30], "mean_satisfaction": [0.7] * 5},
            "fast": {"weeks_to_80": [20, 25, 20, 20, 20], "mean_satisfaction": [0.6] * 5},
        }
    )
    weeks = rank(runs, "weeks_to_80")
    assert weeks.routes == ["fast", "slow"]  # lower is better
    assert weeks.p_best == {"slow": pytest.approx(0.2), "fast": pytest.approx(0.8)}
    low, high = weeks.p_interval["fast"]
    assert low < 0.8 < high
    assert rank(runs, "mean_satisfaction").routes == ["slow", "fast"]  # higher is better


def test_rank_splits_ties_and_counts_never_reached_as_worst():
    runs = runs_of(
        {
            "a": {"weeks_to_80": [20, 20, np.nan, 20, 20]},
            "b": {"weeks_to_80": [20, 30, 30, 30, 30]},
        }
    )
    ranking = rank(runs, "weeks_to_80")
    # seed 1 a tie (half each), seeds 2, 4, 5 a, seed 3 b (a never got there)
    assert ranking.p_best["a"] == pytest.approx((0.5 + 3) / 5)
    assert ranking.p_best["b"] == pytest.approx((0.5 + 1) / 5)
    assert ranking.means["a"] == pytest.approx(20.0)  # of the runs that reached it
    assert ranking.routes == ["b", "a"]  # b always got there, a in 4 of 5


def test_paired_difference_is_the_mean_over_seeds_with_the_t_interval():
    runs = runs_of(
        {"a": {"weeks_to_80": [20, 21, 22, 23, 24]}, "b": {"weeks_to_80": [25, 27, 26, 29, 30]}}
    )
    diff = paired(runs, "weeks_to_80", "a", "b")
    gaps = [-5, -6, -4, -6, -6]
    assert diff.mean == pytest.approx(np.mean(gaps))
    assert (diff.low, diff.high) == pytest.approx(t_interval(gaps))
    assert diff.pairs == 5
    assert diff.resolved


def test_said_gives_the_size_in_the_direction_said_with_its_interval_and_count():
    sooner = Difference("weeks_to_80", "a", "b", -5.4, -6.1, -4.9, 20)
    assert said(sooner, {}, than="b") == "reaches 80% 5.4 weeks sooner than b [4.9, 6.1]"
    churn = Difference("churned_share", "a", "b", 0.004, 0.003, 0.005, 20)
    text = said(churn, {"customers": 100_000})
    assert text == "loses 0.4 percentage points more customers [0.3, 0.5], about 400 customers"
    cost = Difference("total_cost", "a", "b", -120_000, -150_000, -90_000, 20)
    assert said(cost, {}, currency="GBP") == "costs GBP 120,000 less [90,000, 150,000]"
    unsure = Difference("weeks_to_80", "a", "b", 0.2, -0.5, 0.9, 10)
    assert said(unsure, {}).endswith("(within the noise: the interval includes no difference)")


def test_tradeoff_sentence_names_the_winner_what_it_gains_and_what_it_costs():
    runs = runs_of(
        {
            "big bang": {
                "weeks_to_80": [20, 21, 22, 23, 24],
                "churned_share": [0.008, 0.009, 0.008, 0.010, 0.009],
            },
            "back-office first": {
                "weeks_to_80": [25, 27, 26, 29, 30],
                "churned_share": [0.004, 0.005, 0.005, 0.005, 0.004],
            },
        }
    )
    rankings = [rank(runs, "weeks_to_80"), rank(runs, "churned_share")]
    sentence = tradeoff_sentence(runs, rankings, {"customers": 100_000})
    low, high = t_interval([5, 6, 4, 6, 6])
    churn = np.mean([0.004, 0.004, 0.003, 0.005, 0.005]) * 100
    assert sentence.startswith(
        f"big bang reaches 80% 5.4 weeks sooner than back-office first [{low:.1f}, {high:.1f}]"
    )
    assert f"but loses {churn:.1f} percentage points more customers" in sentence
    assert sentence.endswith(f"about {churn * 1000:,.0f} customers.")


def test_tradeoff_sentence_says_when_one_route_is_best_on_everything():
    runs = runs_of(
        {
            "good": {"weeks_to_80": [20, 21, 20, 21, 20], "churned_share": [0.001] * 5},
            "bad": {"weeks_to_80": [30, 31, 30, 31, 32], "churned_share": [0.002] * 5},
        }
    )
    rankings = [rank(runs, "weeks_to_80"), rank(runs, "churned_share")]
    sentence = tradeoff_sentence(runs, rankings, {})
    assert sentence.startswith("good is best on every key metric (weeks to 80%, churned customers)")
    assert "than the next best, bad" in sentence


def test_constant_metrics_are_those_with_one_value_in_every_run():
    runs = runs_of(
        {
            "a": {"x": [1.0] * 5, "y": [1.0] * 5, "z": [np.nan] * 5},
            "b": {"x": [1.0] * 5, "y": [1.0, 1.0, 1.0, 1.0, 1.1], "z": [np.nan] * 5},
        }
    )
    assert constant_metrics(runs, ["x", "y", "z"]) == {"x": 1.0}


def test_pareto_front_keeps_routes_no_other_beats_on_every_axis():
    means = pd.DataFrame(
        {
            "weeks_to_80": [20.0, 30.0, 25.0, 30.0],
            "mean_satisfaction": [0.6, 0.8, 0.7, 0.7],  # higher is better
        },
        index=["fast", "kind", "middle", "dominated"],
    )
    front = pareto_front(means, ["weeks_to_80", "mean_satisfaction"])
    assert front == ["fast", "kind", "middle"]  # 'dominated' is beaten by 'kind' on one axis
    twins = pd.DataFrame({"weeks_to_80": [20.0, 20.0]}, index=["a", "b"])
    assert pareto_front(twins, ["weeks_to_80"]) == ["a", "b"]  # equal is not beaten


def test_conclude_drops_constant_metrics_from_the_rankings_and_notes_them():
    runs = runs_of(
        {
            "a": {"weeks_to_80": [20, 21, 20, 21, 20], "final_adopted_share": [1.0] * 5},
            "b": {"weeks_to_80": [30, 31, 30, 31, 32], "final_adopted_share": [1.0] * 5},
        }
    )
    verdict = conclude(runs, ["weeks_to_80", "final_adopted_share"], totals={"employees": 100})
    assert [r.metric for r in verdict.rankings] == ["weeks_to_80"]
    assert verdict.constant == {"final_adopted_share": 1.0}
    assert any("final adopted share 100.0%" in line for line in verdict.sentences())


def test_metric_words_and_differences():
    churn = metric("churned_share")
    assert churn.format(0.003) == "0.30%"
    assert churn.format_difference(0.004) == "+0.4 pp"
    assert metric("weeks_to_80").phrase(-5.46) == "reaches 80% 5.5 weeks sooner"
    assert metric("weeks_to_80").phrase(2.0) == "reaches 80% 2.0 weeks later"
    assert metric("weeks_to_80").heading == "to 80%↓"
    assert metric("mean_satisfaction").heading == "satisfaction↑"
    plain = metric("rogers_laggards")
    assert plain.phrase(0.1) == "has laggards 10.0 percentage points higher"
