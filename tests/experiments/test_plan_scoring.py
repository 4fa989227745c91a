"""Scoring plans (:mod:`changesim.experiments.plans.scoring`): outcomes from a runs table,
the robust values against their definitions, regret and the Pareto filter against brute-force
checks on random points, budget violations, and which trials are reported."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from changesim.analysis.objective import combined_objective
from changesim.experiments.plans import PlanProblem, PlanSpec
from changesim.experiments.plans.evaluate import PEAK_RUN
from changesim.experiments.plans.scoring import (
    Scores,
    loss_signs,
    lower_is_better,
    pareto,
    regrets,
    reported_front,
    scores,
    search_values,
    violations,
)
from changesim.experiments.plans.spec import Budget
from tests.builders import plan_trials

#: Seeded draws for the property checks.
CASES = 200


def plan_spec(**fields: Any) -> PlanSpec:
    """A plan-search file's contents (one lever); ``fields`` replace the defaults."""
    data = {
        "base": "x.yaml",
        "levers": {"adoption.q": {"low": 0, "high": 1}},
        "objectives": {"weeks_to_80": "minimise"},
        **fields,
    }
    return PlanSpec.model_validate(data)


def problem_of(spec: PlanSpec, weeks: int = 20) -> PlanProblem:
    """A problem around ``spec`` on a base scenario of ``weeks`` weeks (all scoring reads)."""
    return PlanProblem(spec, "test", {"weeks": weeks}, {}, [], [], {})


def found(values: np.ndarray, scenario_means: np.ndarray | None = None) -> Scores:
    """Scores of per-run ``values`` (runs x objectives), one run per scenario by default."""
    means = values if scenario_means is None else scenario_means
    return Scores(values, means, cost=0.0, peak=0.0)


# --------------------------------------------------------------------------- scores


def runs_table() -> pd.DataFrame:
    """Six runs: design points 1, 0, 1, 0, 2, 2 (not in order), two milestones never
    reached, costs and weekly peaks."""
    return pd.DataFrame(
        {
            "design_point": [1, 0, 1, 0, 2, 2],
            "replication": [0, 0, 1, 1, 0, 1],
            "weeks_to_80": [4.0, np.nan, 6.0, 10.0, np.nan, 8.0],
            "final_adopted_share": [0.9, 0.5, 0.7, 0.6, np.nan, 0.8],
            "total_intervention_cost": [100.0, 300.0, 200.0, 50.0, 250.0, 0.0],
            PEAK_RUN: [10.0, 30.0, 70.0, 5.0, 20.0, 0.0],
        }
    )


def test_scores_count_a_milestone_never_reached_as_the_weeks_plus_one() -> None:
    spec = plan_spec(objectives={"weeks_to_80": "minimise", "final_adopted_share": None})
    got = scores(problem_of(spec, weeks=20), runs_table())
    weeks = [4.0, 21.0, 6.0, 10.0, 21.0, 8.0]
    np.testing.assert_array_equal(got.values[:, 0], weeks)
    # a metric that is no milestone keeps its NaN (not available is not "never")
    np.testing.assert_array_equal(got.values[:, 1], [0.9, 0.5, 0.7, 0.6, np.nan, 0.8])
    # per design point, in the order of the points, whatever the order of the rows
    np.testing.assert_array_equal(got.scenario_means[:, 0], [(21 + 10) / 2, 5.0, (21 + 8) / 2])
    assert got.scenario_means.shape == (3, 2)
    assert got.cost == 300.0
    assert got.peak == 70.0


def test_scores_of_a_weighted_objective_are_combined_objective() -> None:
    weights = {"weeks_to_80": 1000.0, "total_intervention_cost": 2.0}
    runs = runs_table()
    for never, expected_never in ((None, 31.0), (40.0, 40.0)):
        spec = plan_spec(objectives=None, objective={"weights": weights, "never": never})
        got = scores(problem_of(spec, weeks=30), runs)
        expected = combined_objective(runs, weights, never=expected_never).to_numpy()
        np.testing.assert_allclose(got.values[:, 0], expected)
        assert got.values.shape == (6, 1)


# --------------------------------------------------------------------------- directions


def test_signs_and_lower_is_better_follow_the_directions() -> None:
    spec = plan_spec(objectives={"weeks_to_80": "minimise", "final_adopted_share": "maximise"})
    np.testing.assert_array_equal(loss_signs(spec), [1.0, -1.0])
    assert lower_is_better(spec) == [True, False]
    regret = plan_spec(objectives=spec.objectives, robustness={"measure": "regret"})
    np.testing.assert_array_equal(loss_signs(regret), [1.0, -1.0])
    assert lower_is_better(regret) == [True, True]  # regret is a shortfall whatever the way


# --------------------------------------------------------------------------- robust values


def two_objectives(measure: str, level: float | None = None) -> PlanSpec:
    return plan_spec(
        objectives={"weeks_to_80": "minimise", "final_adopted_share": "maximise"},
        robustness={"measure": measure, "level": level},
    )


def test_the_mean_is_the_mean_of_the_runs_whatever_the_direction() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=(9, 2))
    scenario_means = rng.normal(size=(3, 2))
    got = search_values(two_objectives("mean"), found(values, scenario_means))
    assert got == pytest.approx(list(values.mean(axis=0)))


@pytest.mark.parametrize("level", [None, 0.75, 1.0])
def test_the_quantile_is_the_value_that_level_of_the_runs_do_at_least_as_well_as(
    level: float | None,
) -> None:
    """Minimised: the level quantile (most runs are at or below it); maximised: the
    1 - level quantile (most runs are at or above it). Default level 0.9."""
    q = 0.9 if level is None else level
    rng = np.random.default_rng(2)
    for _ in range(CASES // 10):
        values = rng.normal(size=(int(rng.integers(2, 30)), 2))
        per_scenario = rng.normal(size=(3, 2))  # not what the quantile of the runs reads
        got = search_values(two_objectives("quantile", level), found(values, per_scenario))
        assert got[0] == pytest.approx(np.quantile(values[:, 0], q))
        assert got[1] == pytest.approx(np.quantile(values[:, 1], 1 - q))
        assert np.mean(values[:, 0] <= got[0] + 1e-12) >= q - 1 / len(values)
        assert np.mean(values[:, 1] >= got[1] - 1e-12) >= q - 1 / len(values)


def test_the_search_value_of_regret_is_the_worst_scenario_mean_by_default() -> None:
    """Per-run values do not count, only the per-scenario means: the worst by default, the
    level quantile of them otherwise."""
    values = np.array([[100.0, -100.0]] * 4)
    means = np.array([[3.0, 0.2], [7.0, 0.9], [5.0, 0.5]])
    assert search_values(two_objectives("regret"), found(values, means)) == [7.0, 0.2]
    half = search_values(two_objectives("regret", 0.5), found(values, means))
    assert half == pytest.approx([5.0, 0.5])


def test_mean_and_quantile_can_disagree() -> None:
    """A plan best on average but bad in two cases in ten loses under the 90% quantile."""
    spec = PlanSpec.model_validate(
        {
            "base": "x.yaml",
            "levers": {"adoption.q": {"low": 0, "high": 1}},
            "objectives": {"weeks_to_80": None},
            "robustness": {"measure": "quantile", "level": 0.9},
        }
    )
    gamble = np.array([1.0] * 8 + [20.0] * 2)[:, None]
    steady = np.full((10, 1), 5.0)
    found = {
        name: Scores(values, values.reshape(10, 1, 1).mean(axis=1), 0.0, 0.0)
        for name, values in (("gamble", gamble), ("steady", steady))
    }
    assert gamble.mean() < steady.mean()
    assert search_values(spec, found["steady"]) < search_values(spec, found["gamble"])


# --------------------------------------------------------------------------- regret


def brute_force_regret(means: np.ndarray, lower: list[bool], level: float) -> np.ndarray:
    """Regret by loops: per candidate and objective, the shortfall against the best
    candidate in each scenario, then the level quantile over the scenarios."""
    candidates, count, objectives = means.shape
    out = np.zeros((candidates, objectives))
    for c in range(candidates):
        for j in range(objectives):
            shortfalls = []
            for s in range(count):
                column = means[:, s, j]
                best = column.min() if lower[j] else column.max()
                shortfalls.append(abs(means[c, s, j] - best))
            out[c, j] = np.quantile(shortfalls, level)
    return out


@pytest.mark.parametrize("level", [None, 0.5])
def test_regret_matches_a_brute_force_shortfall(level: float | None) -> None:
    spec = two_objectives("regret", level)
    rng = np.random.default_rng(3)
    for _ in range(CASES // 4):
        shape = (int(rng.integers(1, 6)), int(rng.integers(1, 5)), 2)
        means = rng.integers(0, 4, size=shape).astype(float)  # small integers: many ties
        got = regrets(spec, means)
        assert got.shape == (shape[0], 2)
        expected = brute_force_regret(means, [True, False], 1.0 if level is None else level)
        np.testing.assert_allclose(got, expected)
        assert (got >= 0).all()


def test_regret_is_zero_only_for_a_plan_best_in_every_scenario() -> None:
    spec = two_objectives("regret")
    rng = np.random.default_rng(4)
    for _ in range(CASES // 4):
        means = rng.normal(size=(4, 3, 2))
        best_everywhere = np.stack(
            [means[..., 0].min(axis=0) - 1, means[..., 1].max(axis=0) + 1], axis=-1
        )
        got = regrets(spec, np.concatenate([means, best_everywhere[None]]))
        assert list(got[-1]) == [0.0, 0.0]
        assert (got[:-1] > 0).all()  # continuous draws: the others fall behind somewhere


def test_regret_is_the_shortfall_against_the_best_in_each_scenario() -> None:
    spec = PlanSpec.model_validate(
        {
            "base": "x.yaml",
            "levers": {"adoption.q": {"low": 0, "high": 1}},
            "objectives": {"weeks_to_80": "minimise", "mean_satisfaction": "maximise"},
            "robustness": {"measure": "regret"},
        }
    )
    # candidates x scenarios x objectives
    means = np.array(
        [
            [[10.0, 0.7], [30.0, 0.6]],
            [[12.0, 0.8], [14.0, 0.5]],
        ]
    )
    assert regrets(spec, means) == pytest.approx(np.array([[16.0, 0.1], [2.0, 0.1]]))


# --------------------------------------------------------------------------- budget


def test_violations_are_how_far_over_each_cap() -> None:
    spent = Scores(np.zeros((1, 1)), np.zeros((1, 1)), cost=5000.0, peak=800.0)
    assert violations(None, spent) == {}
    assert violations(Budget(total=4000), spent) == {"total": 1000.0}
    assert violations(Budget(per_week=1000), spent) == {"per_week": -200.0}
    assert violations(Budget(total=5000, per_week=800), spent) == {"total": 0.0, "per_week": 0.0}


# --------------------------------------------------------------------------- Pareto


def brute_force_front(losses: np.ndarray) -> list[int]:
    """Rows that no other row beats in one column without losing in another."""
    return [
        i
        for i, row in enumerate(losses)
        if not any((other <= row).all() and (other < row).any() for other in losses)
    ]


def test_pareto_matches_a_brute_force_dominance_check() -> None:
    rng = np.random.default_rng(5)
    for _ in range(CASES):
        rows, columns = int(rng.integers(1, 12)), int(rng.integers(1, 4))
        losses = rng.integers(0, 4, size=(rows, columns)).astype(float)  # ties and duplicates
        front = pareto(losses)
        assert front.dtype.kind == "i"
        assert list(front) == brute_force_front(losses)


def test_pareto_keeps_the_rows_nothing_beats() -> None:
    losses = np.array([[1, 5], [2, 2], [3, 3], [5, 1], [1, 5]], dtype=float)
    assert list(pareto(losses)) == [0, 1, 3, 4]


# --------------------------------------------------------------------------- reported plans


def test_the_best_plans_come_first_ties_to_the_earlier_trial() -> None:
    trials = plan_trials(
        [(5.0,), (3.0,), (np.nan,), (1.0,), (3.0,), (0.5,), (0.1,), (2.0,)],
        feasible=[True, True, True, True, True, False, True, True],
        state=["complete"] * 6 + ["fail", "complete"],
    )
    # a lever of one route only: NaN in the trials of the other route
    trials["back:route.gap_weeks"] = [4, np.nan, 6, np.nan, np.nan, 2, 3, 5]
    front = reported_front(plan_spec(report={"top": 4}), trials)
    # trial 5 is over the budget, 6 did not complete, 2 has no value
    assert list(front["trial"]) == [3, 7, 1, 4]  # 1 and 4 tie: the earlier first
    assert list(front["rank"]) == [1, 2, 3, 4]
    assert list(front["plan"]) == ["plan-01", "plan-02", "plan-03", "plan-04"]
    assert list(front.columns) == ["rank", "plan", *trials.columns]
    assert list(front.index) == [0, 1, 2, 3]


def test_a_maximised_objective_ranks_the_largest_first_except_under_regret() -> None:
    trials = plan_trials([(0.2,), (0.9,), (0.5,)], names=("final_adopted_share",))
    share = {"final_adopted_share": "maximise"}
    assert list(reported_front(plan_spec(objectives=share), trials)["trial"]) == [1, 2, 0]
    regret = plan_spec(objectives=share, robustness={"measure": "regret"})
    assert list(reported_front(regret, trials)["trial"]) == [0, 2, 1]


def test_several_objectives_report_the_front_thinned_evenly_along_the_first() -> None:
    spec = plan_spec(objectives={"weeks_to_80": "minimise", "final_adopted_share": "maximise"})
    # seven plans on the front (slower is better adopted), two dominated, one infeasible
    on_front = [(float(w), 0.1 * w) for w in range(7)]
    trials = plan_trials(
        [*on_front[::-1], (6.0, 0.2), (3.0, 0.1), (0.0, 0.9)],
        names=("weeks_to_80", "final_adopted_share"),
        feasible=[True] * 9 + [False],
    )
    directions = spec.objectives

    def reported(top: int) -> list[float]:
        chosen = reported_front(plan_spec(objectives=directions, report={"top": top}), trials)
        assert chosen["feasible"].all()
        return list(chosen["weeks_to_80"])

    assert reported(10) == [0, 1, 2, 3, 4, 5, 6]
    assert reported(7) == [0, 1, 2, 3, 4, 5, 6]
    assert reported(5) == [0, 2, 3, 4, 6]  # spread from one end of the front to the other
    assert reported(3) == [0, 3, 6]
    assert list(reported_front(spec, trials)["weeks_to_80"]) == reported(5)  # default top 5


@pytest.mark.parametrize("names", [("weeks_to_80",), ("weeks_to_80", "final_adopted_share")])
def test_no_feasible_plan_gives_an_empty_front_with_its_columns(names: tuple[str, ...]) -> None:
    trials = plan_trials([(1.0, 0.5)[: len(names)]] * 2, names=names, feasible=[False, False])
    front = reported_front(plan_spec(objectives=dict.fromkeys(names)), trials)
    assert front.empty
    assert list(front.columns) == ["rank", "plan", *trials.columns]


def test_pareto_of_no_rows_is_no_indices() -> None:
    losses = np.empty((0, 2))
    front = pareto(losses)
    assert front.dtype.kind == "i"
    assert losses[front].shape == (0, 2)  # usable as indices
