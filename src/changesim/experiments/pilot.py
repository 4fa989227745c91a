"""The pilot as statistics: which simulated values stand against which observed ones, and
runs of the pilot's weeks for many parameter sets at once (the work item of an executor).

Adoption and readiness are per unit and week (``adopted_share`` and ``readiness_mean`` of the
unit's weekly rows); the customer figures are the organisation's (its ``satisfaction`` and
the share of contacts in self-service channels), whichever unit's row gives them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from changesim.build.observed import Observations
from changesim.experiments.executors import Executor
from changesim.scenario import Scenario, ScenarioError, load_scenario
from changesim.scenario.customers import SELF_SERVICE_CHANNELS
from changesim.scenario.paths import with_values

#: Observed column -> the weekly column it is compared with (per unit).
UNIT_FIGURES = {"adopted_share": "adopted_share", "readiness_score": "readiness_mean"}
#: Observed customer figures: the organisation's, one value per week.
CUSTOMER_FIGURES = ("self_service_share", "satisfaction")
#: Simulations per work item sent to an executor.
CHUNK = 8


@dataclass(frozen=True)
class PilotStatistics:
    """The observed values in a fixed order, and where each one is found in a run.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per statistic: ``figure`` (the observed column), ``unit`` (``all`` for
        customer figures), ``week`` and ``observed``.
    """

    table: pd.DataFrame

    @classmethod
    def of(cls, observations: Observations) -> PilotStatistics:
        """The statistics of ``observations``; a customer figure given on several rows of a
        week counts once, as their mean."""
        frame = observations.frame
        parts = []
        for figure in observations.figures:
            rows = frame[["unit", "week", figure]].dropna(subset=[figure])
            if figure in CUSTOMER_FIGURES:
                rows = rows.groupby("week", as_index=False)[figure].mean().assign(unit="all")
            parts.append(
                pd.DataFrame(
                    {
                        "figure": figure,
                        "unit": rows["unit"].to_numpy(),
                        "week": rows["week"].astype(int).to_numpy(),
                        "observed": rows[figure].astype(float).to_numpy(),
                    }
                )
            )
        return cls(pd.concat(parts, ignore_index=True))

    @property
    def observed(self) -> np.ndarray:
        """The observed values, in table order."""
        return self.table["observed"].to_numpy(dtype=float)

    @property
    def last_week(self) -> int:
        """The last observed week: the pilot runs this far."""
        return int(self.table["week"].max())

    @property
    def needs_customers(self) -> bool:
        """Whether a customer figure was observed (otherwise runs leave the customers out:
        the employees' dynamics do not depend on them)."""
        return bool(self.table["figure"].isin(CUSTOMER_FIGURES).any())

    def of_run(self, weekly: pd.DataFrame) -> np.ndarray:
        """The statistics of one run's weekly frame, in table order."""
        units = pd.Index(weekly["unit"].astype(str).unique())
        weeks = weekly["week"].to_numpy(dtype=int)
        row = np.full((len(units), weeks.max() + 1), -1)
        row[units.get_indexer(weekly["unit"].astype(str)), weeks] = np.arange(len(weekly))
        at = row[units.get_indexer(self.table["unit"]), self.table["week"].to_numpy(dtype=int)]
        values = np.empty(len(self.table))
        for figure, rows in self.table.groupby("figure", sort=False):
            if figure == "self_service_share":
                column = _self_service(weekly)
            else:
                column = weekly[UNIT_FIGURES.get(str(figure), str(figure))].to_numpy(dtype=float)
            positions = rows.index.to_numpy()
            values[positions] = column[at[positions]]
        return values


def _self_service(weekly: pd.DataFrame) -> np.ndarray:
    """Share of contacts in self-service channels, from the channel shares (NaN where the
    row has none: the units' rows)."""
    columns = [f"channel_share_{c}" for c in SELF_SERVICE_CHANNELS]
    present = [c for c in columns if c in weekly.columns]
    return weekly[present].sum(axis=1, min_count=1).to_numpy(dtype=float)


def pilot_scenario(scenario: Scenario, statistics: PilotStatistics) -> dict[str, Any]:
    """The scenario as plain data, cut to the pilot's weeks and without customers unless a
    customer figure was observed."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=False)
    data["weeks"] = max(statistics.last_week, 1)
    if not statistics.needs_customers:
        data["customers"] = None
    return data


@dataclass(frozen=True)
class PilotRuns:
    """Runs of a scenario at several parameter sets, each with its own seed (one work item).

    Attributes
    ----------
    scenario : dict
        The scenario as plain data (see :func:`pilot_scenario`).
    paths : tuple of str
        The fitted dotted paths.
    values : numpy.ndarray
        Shape (runs, paths).
    seeds : numpy.ndarray
        Shape (runs,).
    statistics : PilotStatistics
        What to take from each run.
    """

    scenario: dict[str, Any]
    paths: tuple[str, ...]
    values: np.ndarray
    seeds: np.ndarray
    statistics: PilotStatistics


def run_pilot(work: PilotRuns) -> np.ndarray:
    """The statistics of each run, shape (runs, statistics); NaN for a parameter set that the
    scenario does not allow. Runs in a worker process."""
    from changesim.model.change_model import ChangeModel

    out = np.full((len(work.seeds), len(work.statistics.table)), np.nan)
    for i, (row, seed) in enumerate(zip(work.values, work.seeds, strict=True)):
        changes = {p: float(v) for p, v in zip(work.paths, row, strict=True)}
        try:
            scenario = load_scenario(with_values(work.scenario, changes))
        except ScenarioError:
            continue
        model = ChangeModel(scenario, rng=int(seed), agents=False)
        model.run_model()
        out[i] = work.statistics.of_run(model.recorder.weekly_frame())
    return out


def simulate_pilots(
    executor: Executor,
    scenario: dict[str, Any],
    paths: tuple[str, ...],
    statistics: PilotStatistics,
    values: np.ndarray,
    seeds: np.ndarray,
    done: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Run every parameter set on ``executor`` in chunks; statistics in the order given.
    ``done`` is called with the number of runs of each chunk as it finishes."""
    chunks = list(_chunks(scenario, paths, statistics, values, seeds))
    out = np.empty((len(seeds), len(statistics.table)))
    for index, stats in executor.map_unordered(run_pilot, chunks):
        out[index * CHUNK : index * CHUNK + len(stats)] = stats
        if done is not None:
            done(len(stats))
    return out


def _chunks(
    scenario: dict[str, Any],
    paths: tuple[str, ...],
    statistics: PilotStatistics,
    values: np.ndarray,
    seeds: np.ndarray,
) -> Iterator[PilotRuns]:
    for start in range(0, len(seeds), CHUNK):
        end = start + CHUNK
        yield PilotRuns(scenario, paths, values[start:end], seeds[start:end], statistics)
