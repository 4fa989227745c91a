"""Running candidates: every run of each candidate on the common sampled scenarios and seeds,
in items of a few runs sent to an executor (local processes or Dask)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from changesim.experiments.executors import Executor
from changesim.experiments.plans.levers import Candidate, without_interventions
from changesim.experiments.plans.problem import PlanProblem
from changesim.experiments.sweeps import Run
from changesim.scenario import load_scenario
from changesim.scenario.paths import with_values

#: Runs per item of work sent to an executor.
RUNS_PER_ITEM = 4
#: Summary column added to each run: the most spent on interventions in one week.
PEAK_RUN = "peak_weekly_intervention_cost"


@dataclass(frozen=True)
class Item:
    """Some runs of one candidate: the unit of work sent to an executor."""

    candidate: Candidate
    runs: list[Run]


def run_item(item: Item) -> pd.DataFrame:
    """Run every run of ``item``: one row per run with its design point, replication, seed,
    factor values, summary metrics and the most spent on interventions in one week. Runs in
    a worker process."""
    from changesim.experiments.run import simulate
    from changesim.model.collector import ORGANISATION

    rows: list[dict[str, Any]] = []
    for run in item.runs:
        data = without_interventions(
            with_values(item.candidate.data, run.values), item.candidate.dropped
        )
        result = simulate(load_scenario(data), seed=run.seed)
        org = result.weekly[result.weekly["unit"] == ORGANISATION]
        rows.append(
            {
                "design_point": run.design_point,
                "replication": run.replication,
                "seed": run.seed,
                **run.values,
                **result.summary,
                PEAK_RUN: float(np.nanmax(org["intervention_cost"].to_numpy(dtype=float))),
            }
        )
    return pd.DataFrame(rows)


def evaluate(
    problem: PlanProblem,
    candidates: list[Candidate],
    executor: Executor,
    on_done: Callable[[int, pd.DataFrame], None],
    on_runs: Callable[[int], None] | None = None,
) -> None:
    """Run every candidate on the common scenarios and seeds.

    Parameters
    ----------
    problem : PlanProblem
        Whose runs (design points, replications and seeds) every candidate gets.
    candidates : list of Candidate
        The plans (or routes) to run.
    executor : Executor
        Where the runs go, a few per item.
    on_done : callable
        Called as ``on_done(position, runs)`` as each candidate's runs are complete, in the
        order they finish; ``runs`` is ordered by design point and replication.
    on_runs : callable, optional
        Called with the number of runs in each finished item (progress).
    """
    items: list[tuple[int, Item]] = []
    for position, candidate in enumerate(candidates):
        runs = problem.runs(candidate.label)
        for start in range(0, len(runs), RUNS_PER_ITEM):
            items.append((position, Item(candidate, runs[start : start + RUNS_PER_ITEM])))
    left = {p: 0 for p in range(len(candidates))}
    for position, _ in items:
        left[position] += 1
    parts: dict[int, list[pd.DataFrame]] = {p: [] for p in left}
    for index, frame in executor.map_unordered(run_item, [item for _, item in items]):
        position = items[index][0]
        parts[position].append(frame)
        left[position] -= 1
        if on_runs is not None:
            on_runs(len(frame))
        if left[position] == 0:
            whole = pd.concat(parts.pop(position), ignore_index=True)
            on_done(
                position,
                whole.sort_values(["design_point", "replication"], kind="stable").reset_index(
                    drop=True
                ),
            )
