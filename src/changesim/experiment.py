"""Running scenarios over replications with common random numbers, resumably.

Every scenario in a comparison runs on the same list of seeds (common random numbers), so the
differences between routes are paired and not blurred by seed-to-seed noise. Each finished run
is stored under ``out/runs/`` as soon as it ends; an interrupted comparison rerun with the same
output directory reuses them and only runs what is missing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from changesim.run import simulate
from changesim.scenario import Scenario
from changesim.version import __version__


def replication_seeds(base_seed: int, replications: int) -> list[int]:
    """Independent seeds for ``replications`` runs, spawned from ``base_seed``."""
    children = np.random.SeedSequence(base_seed).spawn(replications)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def scenario_key(scenario: Scenario) -> str:
    """Short hash of what makes a run: the validated scenario, the contents of the data files
    it names and the changesim version. Stored runs are reused only when all three match."""
    digest = hashlib.sha256()
    digest.update(json.dumps(scenario.model_dump(mode="json"), sort_keys=True).encode())
    digest.update(__version__.encode())
    files = [scenario.population.table, getattr(scenario.network, "file", None)]
    for path in files:
        if path is not None and Path(path).is_file():
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


def slug(text: str) -> str:
    """A file-name-safe version of a scenario name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "scenario"


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
    store: Path | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Runs:
    """Run every scenario on every seed.

    Parameters
    ----------
    scenarios : dict
        Route label to scenario.
    seeds : list of int
        The common random numbers: every scenario runs on each of these seeds.
    store : Path, optional
        Folder for finished runs; existing matching runs are loaded instead of rerun.
    progress : callable, optional
        Called with (route label, replication index) after each run.
    """
    weekly, summaries = [], []
    for label, scenario in scenarios.items():
        key = scenario_key(scenario)
        for replication, seed in enumerate(seeds):
            frame, summary = _one_run(scenario, seed, store, f"{slug(label)}-{key}-{seed}")
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
    scenario: Scenario, seed: int, store: Path | None, name: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    if store is not None:
        weekly_path = store / f"{name}.parquet"
        summary_path = store / f"{name}.json"
        if weekly_path.is_file() and summary_path.is_file():
            return pd.read_parquet(weekly_path), json.loads(summary_path.read_text())
    result = simulate(scenario, seed=seed)
    weekly = result.weekly.assign(unit=result.weekly["unit"].astype(str))
    if store is not None:
        store.mkdir(parents=True, exist_ok=True)
        tmp = weekly_path.with_suffix(".parquet.tmp")
        weekly.to_parquet(tmp, index=False)
        tmp.replace(weekly_path)  # the summary is written last: its presence marks a whole run
        summary_path.write_text(json.dumps(result.summary))
    return weekly, result.summary
