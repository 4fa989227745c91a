"""Projecting the rollout from a calibration: ``project`` runs the whole scenario (and any
alternative routes) once per posterior particle and reports bands, outcomes and which route
is best for the rest of the rollout, with the probability of each.

Each run continues the particle's own accepted pilot run: the same parameters *and* the same
seed, so its pilot weeks are the ones that matched the observations (ADR 0014). Every route
runs on the same particles and seeds (common random numbers), so each particle is a
*situation* in which the routes are compared directly; probabilities are weighted by the
particles' weights.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from changesim.analysis.abc import weighted_quantile
from changesim.analysis.metrics import KEY_METRICS, metric
from changesim.analysis.uncertainty import best_route_shares, wilson_interval
from changesim.experiments.calibration import LEVEL, Calibration, load_calibration
from changesim.experiments.executors import Executor, ProcessExecutor, SerialExecutor
from changesim.experiments.outputs import write_outputs
from changesim.experiments.pilot import PilotStatistics
from changesim.experiments.provenance import extensions
from changesim.experiments.store import slug
from changesim.scenario import Problem, Scenario, ScenarioError, load_scenario
from changesim.scenario.paths import parse_path, path_problem, with_values
from changesim.version import __version__

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Per unit: the projected weekly figures with bands; per organisation (unit ``all``) also
#: the customer figures when the scenario has customers.
UNIT_BANDS = ("adopted_share", "quality")
ORGANISATION_BANDS = ("adopted_share", "quality", "satisfaction", "churned_share")
#: Runs per work item.
CHUNK = 4


@dataclass(frozen=True)
class RouteRuns:
    """One route at several particles (one work item), with the statistics of each
    particle's accepted pilot run."""

    route: str
    scenario: dict[str, Any]
    paths: tuple[str, ...]
    values: np.ndarray
    seeds: np.ndarray
    particles: np.ndarray
    statistics: PilotStatistics
    accepted: np.ndarray


def run_route(work: RouteRuns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each run's summary row and weekly band figures. Runs in a worker process.

    A row's ``continues_pilot`` says whether the run's pilot weeks repeat the particle's
    accepted pilot run (they do unless the route or scenario differs in those weeks)."""
    from changesim.experiments.run import simulate

    rows, weekly = [], []
    runs = zip(work.values, work.seeds, work.particles, work.accepted, strict=True)
    for row, seed, particle, accepted in runs:
        changes = {p: float(v) for p, v in zip(work.paths, row, strict=True)}
        result = simulate(load_scenario(with_values(work.scenario, changes)), seed=int(seed))
        ids = {"route": work.route, "particle": int(particle), "seed": int(seed)}
        pilot = work.statistics.of_run(result.weekly)
        repeats = bool(np.allclose(pilot, accepted, rtol=0, atol=1e-9, equal_nan=True))
        rows.append({**ids, **changes, "continues_pilot": repeats, **result.summary})
        frame = result.weekly
        columns = [c for c in ORGANISATION_BANDS if c in frame.columns]
        kept = frame[["week", "unit", *columns]].copy()
        kept["unit"] = kept["unit"].astype(str)
        kept.insert(0, "particle", int(particle))
        kept.insert(0, "route", work.route)
        weekly.append(kept)
    return pd.DataFrame(rows), pd.concat(weekly, ignore_index=True)


@dataclass
class Projection:
    """The rollout projected from a calibration.

    Attributes
    ----------
    calibration : Calibration
        Where the parameters and seeds came from.
    routes : dict
        Route label to scenario, in the order given.
    runs : pandas.DataFrame
        One row per route and particle: route, particle, seed, weight, the fitted
        parameters, ``continues_pilot`` (the run repeats the particle's accepted pilot run)
        and every summary metric.
    bands : pandas.DataFrame
        Per route, unit (``all`` for the organisation), figure and week: ``low``, ``median``,
        ``high`` (5th, 50th, 95th weighted percentiles over the particles).
    metrics : list of str
        The key metrics of the outcomes and the answer.
    version : str
        changesim version that made it.
    extensions : dict
        The user's own implementations the routes named when it was made (see
        :mod:`changesim.experiments.provenance`).
    """

    calibration: Calibration
    routes: dict[str, Scenario]
    runs: pd.DataFrame
    bands: pd.DataFrame
    metrics: list[str] = field(default_factory=lambda: list(KEY_METRICS))
    version: str = __version__
    extensions: dict[str, str] = field(default_factory=dict)

    @property
    def outcomes(self) -> pd.DataFrame:
        """Per route and key metric: weighted ``mean``, ``median``, ``low90``, ``high90``
        and, for a milestone, ``never`` (the probability it is not reached in the run; the
        percentiles then count "never" as later than any week, shown as infinite)."""
        rows = []
        tail = (1 - LEVEL) / 2
        for route, runs in self.runs.groupby("route", sort=False):
            weight = runs["weight"].to_numpy(dtype=float)
            weight = weight / weight.sum()
            for name in self.metrics:
                if name not in runs.columns:
                    continue
                values = runs[name].to_numpy(dtype=float)
                missing = np.isnan(values)
                if missing.all() and not metric(name).never:
                    continue  # undefined in every run (customer metrics without customers)
                never = float(weight[missing].sum()) if metric(name).never else np.nan
                filled = np.where(missing, np.inf, values) if metric(name).never else values
                usable = ~np.isnan(filled)
                if not usable.any():
                    low = median = high = mean = np.nan
                else:
                    low, median, high = weighted_quantile(
                        filled[usable], weight[usable], [tail, 0.5, 1 - tail]
                    )
                    finite = usable & np.isfinite(filled)
                    mean = (
                        float(filled[finite] @ weight[finite] / weight[finite].sum())
                        if finite.any()
                        else np.nan
                    )
                rows.append(
                    {
                        "route": route,
                        "metric": name,
                        "mean": mean,
                        "median": float(median),
                        "low90": float(low),
                        "high90": float(high),
                        "never": never,
                    }
                )
        return pd.DataFrame(rows)

    @property
    def best(self) -> pd.DataFrame:
        """Per key metric and route: the probability that the route is best for the rest of
        the rollout, given what the pilot showed (weighted over the particles), with a 95%
        Wilson interval on the particles' effective number. Empty for a single route."""
        if len(self.routes) < 2:
            return pd.DataFrame(columns=["metric", "route", "probability", "low95", "high95"])
        runs = self.runs.rename(columns={"particle": "design_point"}).assign(replication=0)
        weights = runs.drop_duplicates("design_point").set_index("design_point")["weight"]
        effective = float(weights.sum() ** 2 / (weights**2).sum())
        rows = []
        for name in self.metrics:
            if name not in runs.columns or metric(name).better is None:
                continue
            shares = best_route_shares(runs, name)
            w = weights.reindex(shares.index.get_level_values("design_point")).to_numpy()
            probability = np.clip(shares.to_numpy().T @ (w / w.sum()), 0.0, 1.0)
            by_route = dict(zip(shares.columns, probability, strict=True))
            for route in self.routes:
                p = float(by_route[route])
                low, high = wilson_interval(p, max(round(effective), 1))
                rows.append(
                    {"metric": name, "route": route, "probability": p, "low95": low, "high95": high}
                )
        return pd.DataFrame(rows)

    @property
    def warnings(self) -> list[str]:
        """Routes whose runs do not all repeat the accepted pilot runs: their route or
        scenario differs in the pilot's weeks, so they are not conditioned on the pilot."""
        found = []
        for route, runs in self.runs.groupby("route", sort=False):
            differ = int((~runs["continues_pilot"].astype(bool)).sum())
            if differ:
                found.append(
                    f"{route}: {differ} of {len(runs)} runs do not repeat the pilot that was "
                    "observed (the route or scenario differs in the pilot's weeks); its "
                    "projection uses the fitted parameters but not the observed pilot"
                )
        return found

    def answer_lines(self) -> list[str]:
        """The projection in lines of text: per key metric, with several routes the most
        probable best and its probability, then each route's median and 90% band."""
        lines = []
        outcomes = self.outcomes
        best = self.best
        customers = next(iter(self.routes.values())).customers
        currency = None if customers is None else customers.currency
        width = max(len(route) for route in self.routes)
        for name in self.metrics:
            declared = metric(name)
            rows = outcomes[outcomes["metric"] == name]
            if rows.empty:
                continue
            chances = best[best["metric"] == name] if len(best) else best
            heading = declared.title(currency)
            if len(chances):
                top = chances.iloc[int(np.argmax(chances["probability"].to_numpy()))]
                heading += f" — best: {top['route']} (P = {float(top['probability']):.2f})"
            lines.append(heading)
            for _, row in rows.iterrows():
                low, median, high, never = (
                    float(row[c]) for c in ("low90", "median", "high90", "never")
                )
                band = (
                    f"{_shown(declared.format, median)} "
                    f"[{_shown(declared.format, low)}, {_shown(declared.format, high)}]"
                )
                if not np.isnan(never) and never > 0:
                    band += f", never reached in {never:.0%}"
                lines.append(f"  {row['route']!s:<{width}}  {band}")
        return lines

    def figures(self) -> dict[str, Figure]:
        """Per route, the projected adoption per unit with the pilot's observed points."""
        from changesim.viz.calibration import projection_figure

        observed = self.calibration.statistics.table
        return {
            f"projection-{slug(route)}": projection_figure(self.bands, observed, route)
            for route in self.routes
        }

    def save(self, out: str | Path, *, figures: bool = True) -> list[Path]:
        """Write runs.csv, bands.csv, outcomes.csv, best.csv (several routes), answer.txt,
        projection.json and one PNG per route to folder ``out``.

        Returns
        -------
        list of Path
            The files written.
        """
        tables = {"runs.csv": self.runs, "bands.csv": self.bands, "outcomes.csv": self.outcomes}
        if len(self.routes) > 1:
            tables["best.csv"] = self.best
        meta = {
            "changesim_version": self.version,
            "calibration seed": self.calibration.seed,
            "observed": self.calibration.observed_source,
            "parameters": self.calibration.paths,
            "particles": len(self.calibration.particles),
            "extensions": self.extensions,
            "routes": {
                name: s.model_dump(mode="json", by_alias=True) for name, s in self.routes.items()
            },
        }
        texts = {
            "answer.txt": "\n".join(self.warnings + self.answer_lines()) + "\n",
            "projection.json": json.dumps(meta, indent=2),
        }
        return write_outputs(out, tables, texts, self.figures() if figures else None)


def project(
    calibration: Calibration | str | Path,
    routes: Sequence[Scenario | str | Path] | None = None,
    *,
    metrics: Sequence[str] | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Projection:
    """Run the rollout once per posterior particle, for the calibrated scenario or each of
    ``routes``.

    Parameters
    ----------
    calibration : Calibration, str or Path
        From :func:`changesim.calibrate`, or its folder.
    routes : sequence, optional
        Scenarios (files or loaded) to project; default the calibrated scenario. Each must
        have the fitted fields; to be a continuation of the same pilot, they should share its
        organisation and pilot phase and differ in what follows.
    metrics : sequence of str, optional
        Key metrics of the outcomes and the answer; default :data:`KEY_METRICS`.
    workers : int, optional
        Local worker processes when no executor is given; default all cores (1 runs here).
    executor : Executor, optional
        Where to run; it is not closed here.
    progress : callable, optional
        Called as ``progress(runs done, runs in total)``.

    Returns
    -------
    Projection

    Raises
    ------
    ScenarioError
        For a calibration folder or route file with problems, or a route without a fitted
        field.
    """
    if not isinstance(calibration, Calibration):
        calibration = load_calibration(calibration)
    named = _routes(calibration, routes)
    particles = calibration.particles
    values = particles[calibration.paths].to_numpy(dtype=float)
    seeds = particles["seed"].to_numpy(dtype=np.int64)
    work = list(_work(named, calibration, values, seeds))
    total = len(named) * len(particles)
    own = executor is None
    if executor is None:
        executor = SerialExecutor() if workers == 1 else ProcessExecutor(workers)
    summaries: list[pd.DataFrame] = [pd.DataFrame()] * len(work)
    weekly: list[pd.DataFrame] = [pd.DataFrame()] * len(work)
    done = 0
    if progress is not None:
        progress(0, total)
    try:
        for index, (rows, frame) in executor.map_unordered(run_route, work):
            summaries[index], weekly[index] = rows, frame
            done += len(rows)
            if progress is not None:
                progress(done, total)
    finally:
        if own:
            executor.close()
    weight = particles["weight"].to_numpy(dtype=float)
    runs = pd.concat(summaries, ignore_index=True)
    runs.insert(3, "weight", weight[runs["particle"].to_numpy()])
    return Projection(
        calibration=calibration,
        routes=named,
        runs=runs,
        bands=_bands(pd.concat(weekly, ignore_index=True), weight),
        metrics=list(metrics or KEY_METRICS),
        extensions=extensions(named.values()),
    )


def _routes(
    calibration: Calibration, routes: Sequence[Scenario | str | Path] | None
) -> dict[str, Scenario]:
    """Route label -> scenario, each checked to have the fitted fields."""
    loaded = (
        [calibration.scenario]
        if not routes
        else [r if isinstance(r, Scenario) else load_scenario(r) for r in routes]
    )
    named: dict[str, Scenario] = {}
    problems = []
    for source, scenario in zip(routes or ["the calibration"], loaded, strict=True):
        label = scenario.name if scenario.name not in named else f"{scenario.name} ({source})"
        data = scenario.model_dump(mode="json", by_alias=True, exclude_none=False)
        for path in calibration.paths:
            found = path_problem(data, parse_path(path))
            if found is not None:
                problems.append(
                    Problem(str(source), path, f"is fitted, but {found}", has_value=False)
                )
        named[label] = scenario
    if problems:
        raise ScenarioError(problems)
    return named


def _work(
    routes: dict[str, Scenario], calibration: Calibration, values: np.ndarray, seeds: np.ndarray
) -> Iterator[RouteRuns]:
    for label, scenario in routes.items():
        data = scenario.model_dump(mode="json", by_alias=True, exclude_none=False)
        for start in range(0, len(seeds), CHUNK):
            part = slice(start, start + CHUNK)
            yield RouteRuns(
                label,
                data,
                tuple(calibration.paths),
                values[part],
                seeds[part],
                np.arange(len(seeds))[part],
                calibration.statistics,
                calibration.accepted[part],
            )


def _bands(weekly: pd.DataFrame, weight: np.ndarray) -> pd.DataFrame:
    """Weighted 5th, 50th and 95th percentiles per route, unit, figure and week."""
    tail = (1 - LEVEL) / 2
    rows = []
    figures = [c for c in ORGANISATION_BANDS if c in weekly.columns]
    for (route, unit, week), group in weekly.groupby(["route", "unit", "week"], sort=False):
        w = weight[group["particle"].to_numpy()]
        for figure in figures if unit == "all" else UNIT_BANDS:
            values = group[figure].to_numpy(dtype=float)
            ok = ~np.isnan(values)
            if not ok.any():
                continue
            low, median, high = weighted_quantile(values[ok], w[ok], [tail, 0.5, 1 - tail])
            rows.append(
                {
                    "route": route,
                    "unit": unit,
                    "figure": figure,
                    "week": week,
                    "low": float(low),
                    "median": float(median),
                    "high": float(high),
                }
            )
    return pd.DataFrame(rows)


def _shown(format_value: Callable[[float], str], value: float) -> str:
    """A value as its metric shows it; an infinite milestone is "never"."""
    return "never" if np.isinf(value) else format_value(value)
