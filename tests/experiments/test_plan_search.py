"""Plan search: finding a plan known to be best, the total and weekly budgets, a weighted
objective, an NSGA-II front, resuming, robustness measures, reproducibility on any executor
(process pool, Dask), and the scenario files written for the reported plans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import changesim
from changesim.experiments.executors import ProcessExecutor, SerialExecutor
from changesim.experiments.plans import load_plan_search, optimise
from changesim.experiments.plans.store import trial_name
from tests.builders import BO, WEB, org

#: Two communications of equal cost (6 weeks x 1,000): a strong one and a weak one.
STRONG_AND_WEAK = [
    {"kind": "communication", "start": 0, "weeks": 6, "intensity": 1.0, "cost_per_week": 1000},
    {"kind": "communication", "start": 0, "weeks": 6, "intensity": 0.1, "cost_per_week": 1000},
]


def write_plan(folder: Path, base: dict[str, Any], **fields: Any) -> Path:
    """``base.yaml`` and ``plan.yaml`` in ``folder``; ``fields`` are the plan file's."""
    (folder / "base.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
    data = {"name": "test plan", "base": "base.yaml", **fields}
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def strong_or_weak(folder: Path, **fields: Any) -> Path:
    """A 100-employee organisation, 20 weeks: which communication, and when?

    The budget pays for one of the two; the strong one gives the most adopters by the end
    (about 0.84 against 0.67 for the weak one and 0.60 for none), whenever it starts.
    """
    base = org(
        [BO, WEB],
        weeks=20,
        adoption={"rule": "readiness", "p": 0.01, "q": 0.3},
        interventions=STRONG_AND_WEAK,
    )
    plan: dict[str, Any] = {
        "levers": {
            "interventions[0].use": {"values": [True, False]},
            "interventions[1].use": {"values": [True, False]},
            "interventions[0].start": {"low": 0, "high": 14},
            "interventions[1].start": {"low": 0, "high": 14},
        },
        "budget": {"total": 6000},
        "objectives": {"final_adopted_share": "maximise"},
        "uncertain": {"replications": 2},
        "search": {"batch": 4, "startup": 8},
        "seed": 5,
        **fields,
    }
    return write_plan(folder, base, **plan)


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[changesim.PlanSearch, Path]:
    """The strong-or-weak search, 24 trials, one process, saved to its folder."""
    folder = tmp_path_factory.mktemp("plan")
    result = optimise(strong_or_weak(folder), folder / "out", trials=24, workers=1)
    return result, folder


def test_finds_the_plan_that_is_best_by_construction(searched) -> None:
    result, _ = searched
    best = result.best
    assert best is not None
    assert best["interventions[0].use"]
    assert not best["interventions[1].use"]
    feasible = result.trials.query("feasible")
    assert best["final_adopted_share"] == feasible["final_adopted_share"].max()
    others = feasible[~feasible["interventions[0].use"] | feasible["interventions[1].use"]]
    assert best["final_adopted_share"] > others["final_adopted_share"].max() + 0.1
    # the base as written uses both: over the budget
    route = result.comparison.query("kind == 'route'").iloc[0]
    assert not route["within_budget"]


def test_the_summary_and_report_say_where_the_best_plan_came_from(searched) -> None:
    result, folder = searched
    progress = result.progress
    assert progress.best_trial == result.best["trial"]
    assert progress.tried == 24
    later = result.trials.query("state == 'complete' and trial > @progress.best_trial")
    assert progress.since_best == len(later) > 0
    assert not (
        later["feasible"] & (later["final_adopted_share"] > result.best["final_adopted_share"])
    ).any()
    sentence = f"The best plan came from trial {progress.best_trial}"
    assert any(line.startswith(sentence) for line in result.summary_lines())
    assert sentence in (folder / "out" / "report.md").read_text(encoding="utf-8")


def test_no_reported_plan_exceeds_the_budget(searched) -> None:
    result, folder = searched
    trials = result.trials
    over = trials[trials["cost_max"] > 6000]
    assert len(over) > 0, "the search tried plans over the budget"
    assert not over["feasible"].any()
    assert (result.front["cost_max"] <= 6000).all()
    assert set(result.front["trial"]).isdisjoint(over["trial"])
    front = pd.read_csv(folder / "out" / "front.csv")
    assert (front["cost_max"] <= 6000).all()
    comparison = pd.read_csv(folder / "out" / "comparison.csv")
    assert comparison.query("kind == 'plan'")["within_budget"].all()


def test_written_plans_load_and_run(searched) -> None:
    from typer.testing import CliRunner

    from changesim.cli import app

    result, folder = searched
    files = sorted((folder / "out" / "plans").glob("plan-*.yaml"))
    assert [f.stem for f in files] == list(result.front["plan"])
    scenario = changesim.load_scenario(files[0])
    assert [i.kind for i in scenario.interventions] == ["communication"]  # the weak one left out
    assert scenario.interventions[0].intensity == 1.0
    run = changesim.simulate(scenario, seed=1)
    assert run.summary["total_intervention_cost"] <= 6000
    cli = CliRunner().invoke(app, ["run", str(files[0]), "--out", str(folder / "run")])
    assert cli.exit_code == 0, cli.output
    assert (folder / "run" / "summary.json").is_file()
    assert (folder / "out" / "front.png").stat().st_size > 0
    report = (folder / "out" / "report.md").read_text(encoding="utf-8")
    assert "plan-01" in report
    assert "](front.png)" in report  # the figure beside it, shown in the report
    assert "](front.png)" not in result.report()  # no figure named, none shown


def test_a_resumed_search_continues_from_its_stored_trials(tmp_path: Path, searched) -> None:
    whole, _ = searched
    path = strong_or_weak(tmp_path)
    first = optimise(path, tmp_path / "out", trials=8, workers=1)
    assert first.evaluated == 8
    stored = {
        n: (tmp_path / "out" / f"{trial_name(n)}.parquet").stat().st_mtime_ns for n in range(8)
    }
    second = optimise(path, tmp_path / "out", trials=24, workers=1)
    assert second.evaluated == 16
    assert len(second.trials) == 24
    after = {
        n: (tmp_path / "out" / f"{trial_name(n)}.parquet").stat().st_mtime_ns for n in range(8)
    }
    assert after == stored  # the first eight were not run again
    # stopped at a batch boundary, the search goes on as if it had never stopped
    columns = ["trial", "interventions[0].use", "interventions[0].start", "final_adopted_share"]
    pd.testing.assert_frame_equal(second.trials[columns], whole.trials[columns])


def test_a_search_killed_within_a_batch_finishes_its_proposed_plans(
    tmp_path: Path, searched, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after two plans of the second batch: the other two stay proposed (running in
    the journal) and are finished from their stored parameters when the search runs again,
    with the trials an uninterrupted search gives."""
    from changesim.experiments.plans import search as search_module

    whole, _ = searched
    path = strong_or_weak(tmp_path)
    out = tmp_path / "out"
    optimise(path, out, trials=4, workers=1)  # the first batch (search.batch is 4)
    real = search_module.evaluate

    def killed_after_two(problem, candidates, executor, done, progress) -> None:
        told = []

        def done_then_kill(position: int, runs: pd.DataFrame) -> None:
            done(position, runs)
            told.append(position)
            if len(told) == 2:
                raise KeyboardInterrupt

        real(problem, candidates, executor, done_then_kill, progress)

    monkeypatch.setattr(search_module, "evaluate", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        optimise(path, out, trials=8, workers=1)
    monkeypatch.setattr(search_module, "evaluate", real)
    on_disk = sorted(p.stem for p in (out / "trials").glob("trial-*.parquet"))
    assert on_disk == [trial_name(n).split("/")[-1] for n in range(6)]
    resumed = optimise(path, out, trials=8, workers=1)
    assert resumed.evaluated == 2  # trials 6 and 7, proposed before the kill
    assert list(resumed.trials["state"]) == ["complete"] * 8
    columns = ["trial", "interventions[0].use", "interventions[0].start", "final_adopted_share"]
    pd.testing.assert_frame_equal(resumed.trials[columns], whole.trials[columns].head(8))


def test_another_plan_file_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    path = strong_or_weak(tmp_path)
    optimise(path, tmp_path / "out", trials=1, workers=1)
    other = strong_or_weak(tmp_path, seed=6)
    with pytest.raises(changesim.ScenarioError, match="holds another plan search"):
        optimise(other, tmp_path / "out", trials=1, workers=1)
    again = optimise(other, tmp_path / "out", trials=1, workers=1, force=True)
    assert again.evaluated == 1


def test_serial_and_process_pool_give_the_same_trials(tmp_path: Path) -> None:
    path = strong_or_weak(tmp_path, search={"batch": 4, "startup": 2})
    serial = optimise(path, trials=8, executor=SerialExecutor())
    pool = ProcessExecutor(2)
    try:
        parallel = optimise(path, trials=8, executor=pool)
    finally:
        pool.close()
    pd.testing.assert_frame_equal(serial.trials, parallel.trials)


def test_a_dask_cluster_gives_the_same_trials_as_one_process(tmp_path: Path) -> None:
    """A cluster of two threaded workers in this process (starts in a second, unlike worker
    processes): items finish out of order, and the trials must not notice."""
    from distributed import LocalCluster

    from changesim.experiments.executors import DaskExecutor

    path = strong_or_weak(tmp_path, search={"batch": 4, "startup": 2})
    serial = optimise(path, trials=8, executor=SerialExecutor())
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        executor = DaskExecutor(cluster.scheduler_address)
        try:
            assert executor.workers == 2
            on_dask = optimise(path, trials=8, executor=executor)
        finally:
            executor.close()
    pd.testing.assert_frame_equal(serial.trials, on_dask.trials)


def test_no_reported_plan_spends_more_than_the_weekly_cap_in_any_week(tmp_path: Path) -> None:
    """Each communication costs 1,000 a week for 6 weeks: both at once spend 2,000 in the
    weeks they overlap, over a cap of 1,500 a week; one alone, or both one after the other,
    keep to it. The total is not capped."""
    cap = 1500.0
    path = strong_or_weak(tmp_path, budget={"per_week": cap}, search={"batch": 4, "startup": 4})
    result = optimise(path, tmp_path / "out", trials=16, workers=1)
    trials = result.trials
    both = trials["interventions[0].use"] & trials["interventions[1].use"]
    apart = (trials["interventions[0].start"] - trials["interventions[1].start"]).abs()
    overlapping = both & (apart < 6)
    assert overlapping.any(), "the search tried plans over the weekly cap"
    assert (~overlapping).any()
    # the weekly peak is worked out from the levers here, not by the code under test
    used = trials["interventions[0].use"] | trials["interventions[1].use"]
    expected = np.where(overlapping, 2000.0, np.where(used, 1000.0, 0.0))
    assert list(trials["peak_week_cost_max"]) == list(expected)
    assert list(trials["feasible"]) == list(~overlapping)
    assert not result.front.empty
    assert (result.front["peak_week_cost_max"] <= cap).all()
    for name, data in result.plans.items():  # every run of every reported plan, week by week
        for run in result.problem.runs(name):
            weekly = changesim.simulate(changesim.load_scenario(data), seed=run.seed).weekly
            assert weekly.query("unit == 'all'")["intervention_cost"].max() <= cap, name
    report = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "at most 1,500 in any one week" in report


def test_a_weighted_objective_reports_the_feasible_trial_with_the_lowest_value(
    tmp_path: Path,
) -> None:
    """The best plan is the feasible trial whose runs, weighed by
    :func:`changesim.analysis.objective.combined_objective` here, have the lowest mean."""
    from changesim.analysis.objective import combined_objective

    weights = {"weeks_to_80": 2000.0, "total_intervention_cost": 1.0}
    path = strong_or_weak(
        tmp_path, objectives=None, objective={"weights": weights}, search={"batch": 4}
    )
    result = optimise(path, tmp_path / "out", trials=12, workers=1)
    assert result.objectives == ["objective"]
    recomputed = {}
    never_reached = 0
    for _, row in result.trials.iterrows():
        runs = pd.read_parquet(tmp_path / "out" / f"{trial_name(row['trial'])}.parquet")
        never_reached += int(runs["weeks_to_80"].isna().sum())
        recomputed[row["trial"]] = combined_objective(runs, weights, never=21.0).mean()
    assert never_reached > 0, "some runs never reach 80%: they count as 20 weeks + 1"
    trials = result.trials.set_index("trial")
    assert trials["objective"].to_dict() == pytest.approx(recomputed)
    feasible = trials.query("feasible")
    assert (feasible["cost_max"] <= 6000).all()
    assert (trials.query("not feasible")["cost_max"] > 6000).all()
    best = result.best
    assert best is not None
    lowest = min(recomputed[t] for t in feasible.index)
    assert best["objective"] == pytest.approx(lowest)
    assert best["trial"] == min(t for t in feasible.index if recomputed[t] == lowest)
    assert list(result.front["objective"]) == sorted(result.front["objective"])


def test_nsga2_gives_a_front_of_feasible_plans_no_trial_dominates(tmp_path: Path) -> None:
    path = strong_or_weak(
        tmp_path,
        objectives={"final_adopted_share": "maximise", "weeks_to_50": "minimise"},
        search={"sampler": "nsga2", "population": 4, "batch": 4},
        report={"top": 100},
    )
    result = optimise(path, trials=12, workers=1)
    trials = result.trials
    assert (trials["state"] == "complete").all()
    feasible = trials.query("feasible")
    losses = np.column_stack([-feasible["final_adopted_share"], feasible["weeks_to_50"]])

    def dominated(point: np.ndarray) -> bool:
        return any((other <= point).all() and (other < point).any() for other in losses)

    trial_numbers = feasible["trial"]
    undominated = {t for t, p in zip(trial_numbers, losses, strict=True) if not dominated(p)}
    assert set(result.front["trial"]) == undominated
    assert result.front["feasible"].all()
    assert (result.front["cost_max"] <= 6000).all()
    assert list(result.front["final_adopted_share"]) == sorted(
        result.front["final_adopted_share"], reverse=True
    )


# --------------------------------------------------------------------------- robustness


def timing_plan(folder: Path, measure: str, **fields: Any) -> Path:
    """Two routes for 100 employees where everyone adopts the week their unit opens (p = 1),
    so every outcome is certain. The back-office unit's size is uncertain: 60 of 100 in one
    sampled scenario, 20 of 60 in three.

    ``early``: the back office opens in week 0, the front office in week 20. Half have
    adopted by week 1 when the back office is the larger part, else only by week 20.
    ``steady``: everyone opens in week 2; half by week 2 whatever the sizes.
    So early wins (1 against 2 weeks) only in the first scenario and loses by 18 weeks in
    the others.
    """
    base = org(
        [BO, WEB],
        weeks=25,
        adoption={"rule": "bass", "p": 1.0, "q": 0.0, "revert": 0},
    )
    plan = {
        "routes": {
            "early": {"route": {"kind": "back_office_first", "start": 0, "gap_weeks": 20}},
            "steady": {"route": {"kind": "combined", "start": 2}},
        },
        "objectives": {"weeks_to_50": "minimise"},
        "uncertain": {
            "factors": {"organisation.units[0].headcount": {"values": [60, 20, 20, 20]}},
            "design": {"kind": "grid"},
            "replications": 1,
        },
        "robustness": {"measure": measure},
        "search": {"sampler": "random", "batch": 2},
        "seed": 2,
        **fields,
    }
    return write_plan(folder, base, **plan)


@pytest.mark.parametrize("measure", ["quantile", "regret"])
def test_a_plan_that_wins_in_one_scenario_only_ranks_below_a_steady_one(
    tmp_path: Path, measure: str
) -> None:
    result = optimise(timing_plan(tmp_path, measure), trials=4, workers=1)
    routes = result.comparison.query("kind == 'route'").set_index("name")
    assert list(routes["weeks_to_50_mean"]) == [(1 + 3 * 20) / 4, 2.0]
    early, steady = routes.loc["early", "weeks_to_50"], routes.loc["steady", "weeks_to_50"]
    if measure == "quantile":
        assert early == pytest.approx(20.0)  # 90% of the runs within
        assert steady == 2.0
    else:
        assert early == 18.0  # the largest shortfall against the best in a scenario
        assert steady == 1.0
    assert set(result.trials["route"]) == {"early", "steady"}
    assert result.best is not None
    assert result.best["route"] == "steady"


# --------------------------------------------------------------------------- the file


def test_the_file_resolves_routes_levers_and_compared_routes(tmp_path: Path) -> None:
    problem = load_plan_search(timing_plan(tmp_path, "mean"))
    assert list(problem.routes) == ["early", "steady"]
    assert list(problem.compare) == ["early", "steady"]
    assert len(problem.runs("x")) == 4
    # every candidate runs on the same seeds
    assert [r.seed for r in problem.runs("a")] == [r.seed for r in problem.runs("b")]


def test_the_shipped_example_plan_is_valid() -> None:
    from tests.builders import SCENARIOS

    problem = load_plan_search(SCENARIOS / "plans" / "example_plan.yaml")
    assert list(problem.routes) == [
        "back_office_first",
        "front_office_first",
        "combined",
        "pilot_then_waves",
    ]
    assert len(problem.runs("x")) == 4
