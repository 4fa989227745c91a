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
    # a's median counting the miss as worst is 20, b's is 30: a first, as P(best) says
    assert ranking.routes == ["a", "b"]


def test_a_route_that_misses_a_milestone_in_most_runs_ranks_behind_one_that_does_not():
    runs = runs_of(
        {
            "fast but unreliable": {"weeks_to_80": [10, np.nan, np.nan, np.nan, 12]},
            "steady": {"weeks_to_80": [30, 31, 30, 31, 30]},
        }
    )
    ranking = rank(runs, "weeks_to_80")
    assert ranking.routes == ["steady", "fast but unreliable"]  # median: inf against 30
    assert ranking.means["fast but unreliable"] == pytest.approx(11.0)
    assert ranking.p_best["steady"] == pytest.approx(0.6)


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
    assert text == "loses 0.40 percentage points more customers [0.30, 0.50], about 400 customers"
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
    assert f"but loses {churn:.2f} percentage points more customers" in sentence
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


def sweep_of(values: dict[str, dict[str, list[float]]], points: int) -> pd.DataFrame:
    """Sweep runs from {route: {metric: one value per situation}}: ``points`` design points,
    the same seeds (one per replication) at every design point, situations point-major."""
    rows = []
    for route, metrics in values.items():
        count = len(next(iter(metrics.values())))
        for i in range(count):
            point, replication = divmod(i, count // points)
            rows.append(
                {
                    "route": route,
                    "design_point": point,
                    "replication": replication,
                    "seed": 100 + replication,
                }
                | {name: series[i] for name, series in metrics.items()}
            )
    return pd.DataFrame(rows)


def test_p_best_shares_split_ties_and_lose_the_replications_with_a_missing_value():
    runs = runs_of(
        {
            "a": {"mean_satisfaction": [0.7, 0.6, np.nan, 0.5, 0.5]},
            "b": {"mean_satisfaction": [0.7, 0.7, 0.6, 0.4, 0.5]},
            "c": {"mean_satisfaction": [0.6, 0.5, 0.6, 0.4, 0.5]},
        }
    )
    ranking = rank(runs, "mean_satisfaction")  # higher is better
    # seed 1 a and b tie, seed 2 b, seed 3 nobody (a has no value), seed 4 a, seed 5 all tie
    assert ranking.p_best == pytest.approx(
        {"a": (0.5 + 1 + 1 / 3) / 5, "b": (0.5 + 1 + 1 / 3) / 5, "c": (1 / 3) / 5}
    )
    assert ranking.replications == 5
    assert ranking.means == pytest.approx({"a": 0.575, "b": 0.58, "c": 0.52})
    for route, p in ranking.p_best.items():
        low, high = ranking.p_interval[route]
        assert 0 <= low < p < high <= 1  # Wilson: around p, inside [0, 1]


def test_a_route_that_never_reaches_a_milestone_is_last_and_never_best():
    runs = runs_of(
        {
            "never": {"weeks_to_80": [np.nan] * 5},
            "late": {"weeks_to_80": [40, 41, 42, 43, 44]},
            "early": {"weeks_to_80": [20, 21, 22, 23, 24]},
        }
    )
    ranking = rank(runs, "weeks_to_80")
    assert ranking.routes == ["early", "late", "never"]
    assert math.isnan(ranking.means["never"])
    assert ranking.p_best == {"never": 0.0, "late": 0.0, "early": 1.0}
    low, high = ranking.p_interval["never"]
    assert low == pytest.approx(0.0, abs=1e-12)
    assert 0 < high < 1
    low, high = ranking.p_interval["early"]
    assert 0 < low < 1
    assert high == pytest.approx(1.0)


def test_routes_that_tie_keep_the_order_they_were_run_in():
    runs = runs_of({"zulu": {"weeks_to_80": [20] * 5}, "alpha": {"weeks_to_80": [20] * 5}})
    ranking = rank(runs, "weeks_to_80")
    assert ranking.routes == ["zulu", "alpha"]
    assert list(ranking.means) == ["zulu", "alpha"]
    assert ranking.p_best == {"zulu": 0.5, "alpha": 0.5}


def test_a_sweep_is_ranked_and_paired_within_design_point_and_replication():
    # 2 design points x 3 replications; the seeds repeat at each design point
    runs = sweep_of(
        {
            "a": {"weeks_to_80": [20, 22, 21, 30, 35, 31]},
            "b": {"weeks_to_80": [25, 21, 26, 29, 37, 36]},
        },
        points=2,
    )
    ranking = rank(runs, "weeks_to_80")
    assert ranking.replications == 6
    assert ranking.p_best == pytest.approx({"a": 4 / 6, "b": 2 / 6})
    diff = paired(runs, "weeks_to_80", "a", "b")
    gaps = [-5, 1, -5, 1, -2, -5]
    assert (diff.route, diff.other, diff.pairs) == ("a", "b", 6)
    assert diff.mean == pytest.approx(np.mean(gaps))
    assert (diff.low, diff.high) == pytest.approx(t_interval(gaps))


def test_a_route_without_any_value_cannot_be_compared():
    runs = runs_of(
        {"a": {"quality_loss": [1.0, 2.0, 3.0, 4.0, 5.0]}, "b": {"quality_loss": [np.nan] * 5}}
    )
    diff = paired(runs, "quality_loss", "a", "b")
    assert (diff.route, diff.other, diff.pairs) == ("a", "b", 0)
    assert math.isnan(diff.mean)
    assert said(diff, {"customers": 100}) == (
        "cannot be compared on quality lost (dip depth × weeks) (no replication where both have it)"
    )


def test_said_wording_of_each_part():
    more = Difference("churned_share", "a", "b", 0.012, 0.010, 0.014, 20)
    assert said(more, {}) == "loses 1.2 percentage points more customers [1.0, 1.4]"
    # an interval from one pair is not known: no bounds, and not a resolved difference
    single = Difference("weeks_to_80", "a", "b", 2.0, np.nan, np.nan, 1)
    assert said(single, {"employees": 10}, than="b") == (
        "reaches 80% 2.0 weeks later than b (within the noise: the interval includes no difference)"
    )
    # the bounds are of the size, in the direction said, smallest first
    less = Difference("mean_satisfaction", "a", "b", -0.2, -0.3, 0.1, 8)
    assert said(less, {}) == (
        "keeps customers 0.200 less satisfied [-0.100, 0.300]"
        " (within the noise: the interval includes no difference)"
    )
    # the bounds have the precision of the size said: 2 decimals below one point, else 1
    above = Difference("churned_share", "a", "b", 0.012, 0.008, 0.016, 20)
    assert said(above, {}) == "loses 1.2 percentage points more customers [0.8, 1.6]"
    below = Difference("churned_share", "a", "b", 0.008, 0.004, 0.012, 20)
    assert said(below, {}) == "loses 0.80 percentage points more customers [0.40, 1.20]"
    cost = Difference("total_cost", "a", "b", 5_000, 1_000, 9_000, 8)
    assert said(cost, {"customers": 10}, currency="EUR") == "costs EUR 5,000 more [1,000, 9,000]"


def test_verdict_ranking_by_metric_name():
    runs = runs_of(
        {
            "a": {"weeks_to_80": [20, 21, 20, 21, 20], "quality_loss": [5, 4, 5, 4, 5]},
            "b": {"weeks_to_80": [30, 31, 30, 31, 32], "quality_loss": [1, 2, 1, 2, 1]},
        }
    )
    verdict = conclude(runs, ["weeks_to_80", "quality_loss"])
    assert verdict.ranking("quality_loss").best == "b"
    assert verdict.ranking("weeks_to_80").best == "a"
    with pytest.raises(KeyError, match="churned_share"):
        verdict.ranking("churned_share")


def test_tradeoff_sentence_without_rankings_and_with_one_route():
    runs = runs_of({"only": {"weeks_to_80": [20, 21, 22, 23, 24]}})
    assert tradeoff_sentence(runs, [], {}) == (
        "The routes cannot be told apart on the key metrics: every run gave the same values."
    )
    assert tradeoff_sentence(runs, [rank(runs, "weeks_to_80")], {}) == (
        "Only one route was run: only."
    )


def test_tradeoff_passes_over_a_later_metric_on_which_the_rival_only_equals_the_winner():
    runs = runs_of(
        {
            # b is listed first, so it heads the churn ranking on an equal mean
            "b": {
                "weeks_to_80": [30, 31, 30, 31, 32],
                "churned_share": [0.005, 0.004, 0.003, 0.002, 0.001],
            },
            "a": {
                "weeks_to_80": [20, 21, 20, 21, 20],
                "churned_share": [0.001, 0.002, 0.003, 0.004, 0.005],
            },
        }
    )
    rankings = [rank(runs, "weeks_to_80"), rank(runs, "churned_share")]
    assert rankings[1].best == "b"
    sentence = tradeoff_sentence(runs, rankings, {})
    assert sentence.startswith("a is best on every key metric (weeks to 80%, churned customers)")


def test_tradeoff_is_against_the_first_later_metric_the_winner_does_not_win():
    runs = runs_of(
        {
            "a": {
                "weeks_to_80": [20, 21, 20, 21, 20],
                "quality_loss": [1, 2, 1, 2, 1],
                "total_cost": [200, 210, 205, 200, 210],
            },
            "b": {
                "weeks_to_80": [30, 31, 30, 31, 32],
                "quality_loss": [5, 4, 5, 4, 5],
                "total_cost": [100, 110, 100, 105, 100],
            },
        }
    )
    rankings = [rank(runs, n) for n in ("weeks_to_80", "quality_loss", "total_cost")]
    sentence = tradeoff_sentence(runs, rankings, {}, currency="GBP")
    assert sentence.startswith("a reaches 80% 10.4 weeks sooner than b [")
    assert "but costs GBP 102 more [" in sentence
    # money first: the currency goes with the gain too
    money = tradeoff_sentence(runs, [rankings[2], rankings[0]], {}, currency="GBP")
    assert money.startswith("b costs GBP 102 less than a [")
    assert ", but reaches 80% 10.4 weeks later [" in money
    alone = tradeoff_sentence(runs, [rankings[2]], {}, currency="GBP")
    assert alone.startswith(
        "b is best on every key metric (total cost (interventions, double running, contacts)); it "
        "costs GBP 102 less"
    )
    assert "than the next best, a [" in alone


def test_constant_metrics_of_one_run_and_of_no_runs():
    one = runs_of({"a": {"x": [2.5] * 5}}).head(1)
    assert constant_metrics(one, ["x"]) == {"x": 2.5}
    assert constant_metrics(one.head(0), ["x"]) == {}
    runs = pd.DataFrame({"x": [3.0, 3.0, np.inf], "y": [np.inf] * 3, "z": [0.0, 0.0, 0.0]})
    assert constant_metrics(runs, ["x", "y", "z"]) == {"z": 0.0}  # infinite is not a value


def test_pareto_front_without_axes_is_every_route_and_twins_are_kept():
    means = pd.DataFrame({"weeks_to_80": [30.0, 20.0]}, index=["b", "a"])
    assert pareto_front(means, []) == ["b", "a"]
    means = pd.DataFrame(
        {"weeks_to_80": [20.0, 20.0, 30.0], "mean_satisfaction": [0.7, 0.7, 0.8]},
        index=["a", "twin", "kind"],
    )
    # a and its twin do not beat each other; kind is better on satisfaction only
    assert pareto_front(means, ["weeks_to_80", "mean_satisfaction"]) == ["a", "twin", "kind"]
    means.loc["twin", "mean_satisfaction"] = 0.75
    assert pareto_front(means, ["weeks_to_80", "mean_satisfaction"]) == ["twin", "kind"]


def comparison() -> pd.DataFrame:
    """Three routes: 'cheap' is slow, 'fast' is dear, 'worse' is beaten by 'fast'."""
    return runs_of(
        {
            "cheap": {
                "weeks_to_80": [30, 31, 30, 31, 32],
                "weeks_to_50": [15, 16, 15, 16, 15],
                "churned_share": [0.002, 0.003, 0.002, 0.003, 0.002],
                "total_cost": [100.0, 110.0, 100.0, 105.0, 100.0],
                "total_intervention_cost": [50.0] * 5,
                "final_adopted_share": [1.0] * 5,
                "rogers_innovators": [0.025] * 5,
            },
            "fast": {
                "weeks_to_80": [20, 21, 20, 21, 20],
                "weeks_to_50": [10, 11, 10, 11, 12],
                "churned_share": [0.002, 0.002, 0.003, 0.002, 0.003],
                "total_cost": [200.0, 210.0, 205.0, 200.0, 210.0],
                "total_intervention_cost": [50.0] * 5,
                "final_adopted_share": [1.0] * 5,
                "rogers_innovators": [0.025] * 5,
            },
            "worse": {
                "weeks_to_80": [25, 26, 25, 26, 25],
                "weeks_to_50": [12, 13, 12, 13, 12],
                "churned_share": [0.004, 0.004, 0.005, 0.004, 0.005],
                "total_cost": [300.0, 310.0, 305.0, 300.0, 310.0],
                "total_intervention_cost": [50.0] * 5,
                "final_adopted_share": [1.0] * 5,
                "rogers_innovators": [0.025] * 5,
            },
        }
    ).assign(label="text")  # a column that is not a number is not a metric


def test_conclude_on_the_key_metrics_present_by_default():
    verdict = conclude(comparison(), totals={"customers": 1000, "employees": 50}, currency="GBP")
    assert [r.metric for r in verdict.rankings] == ["weeks_to_80", "churned_share", "total_cost"]
    assert verdict.totals == {"customers": 1000, "employees": 50}
    assert verdict.tradeoff == (
        "fast reaches 80% 10.4 weeks sooner than cheap [9.3, 11.5],"
        " but costs GBP 102 more [95, 109]."
    )
    # the first candidate of an axis that varies: total_intervention_cost is the same
    assert verdict.pareto_axes == {
        "time": "weeks_to_80",
        "customer harm": "churned_share",
        "cost": "total_cost",
    }
    assert verdict.pareto == ["cheap", "fast"]  # in the order run; 'worse' is beaten by 'fast'
    # the Rogers shares are details: constant, but not worth a sentence
    assert verdict.constant == {"total_intervention_cost": 50.0, "final_adopted_share": 1.0}
    assert verdict.sentences(currency="GBP") == [
        verdict.tradeoff,
        "Best on weeks to 80% (lower is better): fast, 20.4, best in 100% of 5 replications.",
        "Best on churned customers (lower is better): cheap, 0.24% (about 2 customers),"
        " best in 50% of 5 replications.",
        "Best on total cost (interventions, double running, contacts) (GBP) (lower is better):"
        " cheap, 103, best in 100% of 5 replications.",
        "Not beaten on time, customer harm, cost at once by any other route: cheap, fast.",
        "The same in every run of every route (left out):"
        " intervention cost 50; final adopted share 100.0%.",
    ]


def test_conclude_on_chosen_metrics_with_a_constant_first_candidate_axis():
    runs = comparison().assign(weeks_to_80=25.0)
    verdict = conclude(runs, ["churned_share", "weeks_to_80"])
    assert [r.metric for r in verdict.rankings] == ["churned_share"]
    assert verdict.pareto_axes["time"] == "weeks_to_50"
    assert verdict.totals == {}
    line = verdict.sentences()[1]
    assert line == (
        "Best on churned customers (lower is better): cheap, 0.24%, best in 50% of 5 replications."
    )


def test_conclude_when_nothing_varies():
    runs = runs_of({"a": {"weeks_to_80": [20.0] * 5}, "b": {"weeks_to_80": [20.0] * 5}})
    verdict = conclude(runs)
    assert verdict.rankings == []
    assert verdict.tradeoff.startswith("The routes cannot be told apart")
    assert verdict.pareto == ["a", "b"]  # no axis tells them apart
    assert verdict.pareto_axes == {}


def test_conclude_on_a_sweep():
    runs = sweep_of(
        {
            "z": {"weeks_to_80": [20, 22, 21, 30, 35, 31], "total_cost": [5, 6, 5, 6, 5, 6]},
            "b": {"weeks_to_80": [25, 21, 26, 29, 37, 36], "total_cost": [3, 4, 3, 4, 3, 3]},
        },
        points=2,
    )
    verdict = conclude(runs)
    assert verdict.ranking("weeks_to_80").replications == 6
    assert verdict.pareto == ["z", "b"]  # in the order run
    assert verdict.constant == {}
