"""Running scenarios over replications with common random numbers, resumably.

Every scenario in a comparison runs on the same list of seeds (common random numbers), so the
differences between routes are paired and not blurred by seed-to-seed noise. Each finished run
is stored under ``out/runs/`` as soon as it ends; an interrupted comparison rerun with the same
output directory reuses them and only runs what is missing (see :mod:`.store`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from changesim.experiments.run import simulate
from changesim.experiments.store import RunStore, scenario_key
from changesim.scenario import Scenario


def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """Independent seeds for ``replications`` runs, spawned from ``base_seed``."""
    children = np.random.SeedSequence(base_seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


@dataclass
class Runs:
    """Results of many runs: tidy weekly and summary frames with route, replication and seed."""

    weekly: pd.DataFrame
    summaries: pd.DataFrame
    seeds: list[int]
    routes: list[str]


def run_replications(
    scenarios: dict[str, Scenario],
    seeds: list[int],
    store: RunStore | None = None,
    progress: Callable[[str, int], None] | None = None,
    first: int = 0,
) -> Runs:
    """Run every scenario on every seed.

    Parameters
    ----------
    scenarios : dict
        Route label to scenario.
    seeds : list of int
        The common random numbers: every scenario runs on each of these seeds.
    store : RunStore, optional
        Finished runs; runs found there are loaded instead of rerun.
    progress : callable, optional
        Called with (route label, replication index) after each run.
    first : int
        Number of the first replication (when adding replications to earlier ones).
    """
    weekly, summaries = [], []
    for label, scenario in scenarios.items():
        key = scenario_key(scenario)
        for replication, seed in enumerate(seeds, start=first):
            name = RunStore.name(label, key, seed)
            frame, summary = _one_run(scenario, seed, store, name)
            frame.insert(0, "route", label)
            frame.insert(1, "replication", replication)
            frame.insert(2, "seed", seed)
            weekly.append(frame)
            summaries.append({"route": label, "replication": replication, "seed": seed, **summary})
            if progress is not None:
                progress(label, replication)
    weekly_frame = pd.concat(weekly, ignore_index=True)
    weekly_frame["unit"] = weekly_frame["unit"].astype("category")
    return Runs(weekly_frame, pd.DataFrame(summaries), list(seeds), list(scenarios))


def _one_run(
    scenario: Scenario, seed: int, store: RunStore | None, name: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    if store is not None:
        stored = store.load(name)
        if stored is not None:
            return stored
    result = simulate(scenario, seed=seed)
    weekly = result.weekly.assign(unit=result.weekly["unit"].astype(str))
    if store is not None:
        store.save(name, weekly, result.summary)
    return weekly, result.summary
