"""Calibrating a scenario to what a pilot showed: ``calibrate`` fits chosen parameters by
ABC-SMC (:mod:`changesim.analysis.abc`, ADR 0014) on any executor and returns a
:class:`Calibration`: the posterior particles, estimates with 90% intervals, the correlation
between parameters and a posterior-predictive check.

With ``out`` every finished generation is stored at once; the same call after an
interruption continues after the last stored generation and gives the same result as a
calibration that never stopped (each generation has its own random stream).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from changesim.analysis.abc import (
    MAX_SEED,
    Generation,
    abc_smc,
    weighted_correlation,
    weighted_quantile,
)
from changesim.build.observed import Observations, check_fit, read_observations
from changesim.experiments.executors import Executor, ProcessExecutor, SerialExecutor
from changesim.experiments.outputs import write_outputs
from changesim.experiments.pilot import PilotStatistics, pilot_scenario, simulate_pilots
from changesim.experiments.provenance import extensions
from changesim.scenario import Problem, Scenario, ScenarioError, load_scenario
from changesim.scenario.paths import number_bounds
from changesim.version import __version__

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: The interval reported for each parameter and each predicted value.
LEVEL = 0.90
#: Stream number of the posterior-predictive check (after any generation's).
CHECK_STREAM = 1_000_000


@dataclass(frozen=True)
class Parameter:
    """A fitted parameter: its dotted path and its uniform prior."""

    path: str
    low: float
    high: float


def fitted_parameters(
    scenario: Scenario,
    paths: Sequence[str],
    priors: Mapping[str, tuple[float, float]] | None = None,
    source: str = "--fit",
) -> list[Parameter]:
    """The parameters to fit with their priors: the interval given in ``priors``, else the
    interval the schema allows.

    Raises
    ------
    ScenarioError
        Naming each path that is not a field, not a real number, repeated, without a bounded
        interval in the schema and without a prior, or with a prior outside the schema's
        interval or empty; and each prior for a path that is not fitted.
    """
    priors = dict(priors or {})
    problems: list[Problem] = []
    parameters: list[Parameter] = []
    if not paths:
        problems.append(Problem(source, "", "name at least one parameter to fit", has_value=False))
    for path in paths:
        try:
            low, high = number_bounds(scenario, path)
        except ValueError as error:
            problems.append(Problem(source, path, f"cannot be fitted: {error}", has_value=False))
            continue
        if path in [p.path for p in parameters]:
            problems.append(Problem(source, path, "is named twice", has_value=False))
            continue
        given = priors.pop(path, None)
        if given is None:
            if low is None or high is None:
                problems.append(
                    Problem(
                        source,
                        path,
                        "has no upper or lower bound in the schema; give a prior interval "
                        f"(--prior {path}=LOW:HIGH)",
                        has_value=False,
                    )
                )
                continue
            given = (float(low), float(high))
        a, b = float(given[0]), float(given[1])
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            problems.append(
                Problem("--prior", path, "must be an interval LOW:HIGH with LOW < HIGH", given)
            )
        elif (low is not None and a < low) or (high is not None and b > high):
            allowed = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
            problems.append(
                Problem("--prior", path, f"must lie within what the field allows, {allowed}", given)
            )
        else:
            parameters.append(Parameter(path, a, b))
    problems += [
        Problem("--prior", path, "is not one of the fitted parameters", has_value=False)
        for path in priors
    ]
    if problems:
        raise ScenarioError(problems)
    return parameters


@dataclass
class Calibration:
    """A fitted scenario: the posterior and how well it reproduces the pilot.

    Attributes
    ----------
    scenario : Scenario
        The scenario that was calibrated (its own values of the fitted parameters unused).
    parameters : list of Parameter
        The fitted parameters and their priors.
    statistics : PilotStatistics
        The observed values fitted.
    particles : pandas.DataFrame
        The posterior: one row per particle with a column per parameter path, ``weight``
        (they sum to 1), ``distance`` and ``seed`` (the seed of the run that was accepted:
        a projection continues that run).
    history : pandas.DataFrame
        One row per generation: ``generation``, ``epsilon``, ``simulations``, ``acceptance``
        and ``effective_size``.
    accepted : numpy.ndarray
        Each particle's statistics in its accepted run, shape (particles, statistics), in
        the order of ``statistics.table`` (a projection checks that it repeats them).
    predictive : pandas.DataFrame
        The posterior-predictive check, one row per statistic: ``figure``, ``unit``, ``week``,
        ``observed``, ``low`` / ``median`` / ``high`` (5th, 50th and 95th percentiles of fresh
        runs at posterior draws), ``inside`` and ``quantile`` (the observed value's place among
        the predictions).
    seed : int
        The seed everything random came from.
    observed_source : str
        Where the observations came from.
    seconds : float
        Wall time of the calibration.
    version : str
        changesim version that made it.
    extensions : dict
        The user's own implementations the scenario named when it was made (see
        :mod:`changesim.experiments.provenance`).
    """

    scenario: Scenario
    parameters: list[Parameter]
    statistics: PilotStatistics
    particles: pd.DataFrame
    history: pd.DataFrame
    accepted: np.ndarray
    predictive: pd.DataFrame
    seed: int
    observed_source: str
    seconds: float
    version: str = __version__
    extensions: dict[str, str] = field(default_factory=dict)

    @property
    def paths(self) -> list[str]:
        """The fitted dotted paths, in order."""
        return [p.path for p in self.parameters]

    @property
    def weights(self) -> np.ndarray:
        """The particles' weights."""
        return self.particles["weight"].to_numpy(dtype=float)

    @property
    def estimates(self) -> pd.DataFrame:
        """One row per parameter: ``parameter``, ``estimate`` (posterior median), ``low90`` and
        ``high90`` (5th and 95th percentiles), ``mean``, ``sd``, ``prior_low``, ``prior_high``.
        """
        rows = []
        tail = (1 - LEVEL) / 2
        for p in self.parameters:
            values = self.particles[p.path].to_numpy(dtype=float)
            low, median, high = weighted_quantile(values, self.weights, [tail, 0.5, 1 - tail])
            mean = float(values @ self.weights)
            rows.append(
                {
                    "parameter": p.path,
                    "estimate": float(median),
                    "low90": float(low),
                    "high90": float(high),
                    "mean": mean,
                    "sd": float(np.sqrt(((values - mean) ** 2) @ self.weights)),
                    "prior_low": p.low,
                    "prior_high": p.high,
                }
            )
        return pd.DataFrame(rows)

    @property
    def correlation(self) -> pd.DataFrame:
        """The posterior correlation between the parameters."""
        theta = self.particles[self.paths].to_numpy(dtype=float)
        matrix = weighted_correlation(theta, self.weights)
        return pd.DataFrame(matrix, index=self.paths, columns=self.paths)

    @property
    def coverage(self) -> float:
        """Share of the observed values inside the 90% predictive band (about 0.9 when model
        and posterior reproduce the pilot)."""
        return float(self.predictive["inside"].mean())

    def draws(self, count: int, rng: np.random.Generator) -> pd.DataFrame:
        """``count`` particles drawn by weight, with replacement."""
        chosen = rng.choice(len(self.particles), size=count, p=self.weights / self.weights.sum())
        return self.particles.iloc[chosen].reset_index(drop=True)

    def summary_lines(self) -> list[str]:
        """The result in a few lines of text (the command line prints them)."""
        lines = [
            f"{row.parameter}: {row.estimate:.4g} (90% interval {row.low90:.4g} to "
            f"{row.high90:.4g}; prior {row.prior_low:g} to {row.prior_high:g})"
            for row in self.estimates.itertuples()
        ]
        corr = self.correlation.to_numpy()
        pairs = [
            (abs(corr[i, j]), self.paths[i], self.paths[j], corr[i, j])
            for i in range(len(self.paths))
            for j in range(i + 1, len(self.paths))
        ]
        if pairs:
            _, a, b, r = max(pairs)
            lines.append(f"strongest correlation: {a} and {b}, {r:+.2f}")
        last = self.history.iloc[-1]
        lines.append(
            f"{int(self.history['simulations'].sum())} simulations in "
            f"{len(self.history)} generations, {self.seconds:.0f} s; last acceptance "
            f"{last['acceptance']:.1%}"
        )
        lines.append(
            f"posterior-predictive check: {self.coverage:.0%} of the {len(self.predictive)} "
            "observed values lie inside the 90% predictive band (90% or more fits; far "
            "fewer shows what the model cannot reproduce)"
        )
        return lines

    def figures(self) -> dict[str, Figure]:
        """``fit`` (observed against the 5–95% predictive band) and ``posterior`` (each
        parameter's distribution and the pairs)."""
        from changesim.viz.calibration import fit_figure, posterior_figure

        return {
            "fit": fit_figure(self.predictive, self.scenario.name),
            "posterior": posterior_figure(
                self.particles, {p.path: (p.low, p.high) for p in self.parameters}
            ),
        }

    def metadata(self) -> dict[str, Any]:
        """What made the calibration and its settings."""
        return {
            "changesim_version": self.version,
            "seed": self.seed,
            "observed": self.observed_source,
            "parameters": [p.__dict__ for p in self.parameters],
            "seconds": self.seconds,
            "coverage": self.coverage,
            "extensions": self.extensions,
            "scenario": self.scenario.model_dump(mode="json", by_alias=True),
        }

    def save(self, out: str | Path, *, figures: bool = True) -> list[Path]:
        """Write estimates.csv, correlation.csv, particles.csv, generations.csv,
        predictive.csv, observed.csv, accepted.csv, calibration.json and (with ``figures``)
        fit.png and posterior.png to folder ``out``; :func:`load_calibration` reads them back.

        Returns
        -------
        list of Path
            The files written.
        """
        tables = {
            "estimates.csv": self.estimates,
            "correlation.csv": self.correlation.rename_axis("parameter").reset_index(),
            "particles.csv": self.particles,
            "generations.csv": self.history,
            "predictive.csv": self.predictive,
            "observed.csv": self.statistics.table,
            "accepted.csv": pd.DataFrame(self.accepted),
        }
        texts = {"calibration.json": json.dumps(self.metadata(), indent=2)}
        return write_outputs(out, tables, texts, self.figures() if figures else None)


def load_calibration(folder: str | Path) -> Calibration:
    """Read a calibration written by :meth:`Calibration.save`.

    Raises
    ------
    ScenarioError
        If the folder does not hold a complete calibration.
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
        frames = {
            name: pd.read_csv(folder / f"{name}.csv")
            for name in ("particles", "generations", "predictive", "observed", "accepted")
        }
        parameters = [Parameter(**p) for p in meta["parameters"]]
        scenario = load_scenario(meta["scenario"])
        missing = [p.path for p in parameters if p.path not in frames["particles"].columns]
        if missing:
            raise KeyError(", ".join(missing))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ScenarioError(
            [
                Problem(
                    str(folder),
                    "",
                    f"is not a calibration folder written by changesim calibrate ({error})",
                    has_value=False,
                )
            ]
        ) from None
    for column in ("week",):
        frames["observed"][column] = frames["observed"][column].astype(int)
    return Calibration(
        scenario=scenario,
        parameters=parameters,
        statistics=PilotStatistics(frames["observed"].astype({"unit": str})),
        particles=frames["particles"],
        history=frames["generations"],
        accepted=frames["accepted"].to_numpy(dtype=float),
        predictive=frames["predictive"],
        seed=int(meta["seed"]),
        observed_source=str(meta["observed"]),
        seconds=float(meta["seconds"]),
        version=str(meta["changesim_version"]),
        extensions=dict(meta.get("extensions", {})),
    )


def calibrate(
    scenario: Scenario | str | Path,
    observed: Observations | str | Path,
    fit: Sequence[str],
    *,
    priors: Mapping[str, tuple[float, float]] | None = None,
    particles: int = 200,
    generations: int = 8,
    min_acceptance: float = 0.05,
    checks: int = 100,
    seed: int | None = None,
    out: str | Path | None = None,
    force: bool = False,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Fit the parameters at the dotted paths ``fit`` to a pilot's observations.

    Parameters
    ----------
    scenario : Scenario, str or Path
        The scenario the pilot ran in (a file or a loaded scenario).
    observed : Observations, str or Path
        The pilot's observations, or their CSV file (see :mod:`changesim.build.observed`).
    fit : sequence of str
        Dotted paths of real-valued fields, e.g. ``["adoption.p", "adoption.q",
        "population.resistance.mean"]``.
    priors : mapping, optional
        Path to ``(low, high)``: a uniform prior; default the interval the schema allows.
    particles : int
        Particles per generation (the posterior's sample size).
    generations : int
        Most generations, the prior's included; fewer if the acceptance falls below
        ``min_acceptance`` first.
    min_acceptance : float
        Stop once a generation accepts fewer than this share of its simulations.
    checks : int
        Runs of the posterior-predictive check.
    seed : int, optional
        Default the scenario's seed.
    out : str or Path, optional
        Folder to store each generation as it finishes and the results at the end; a
        calibration stopped part-way continues from there.
    force : bool
        Delete another calibration's generations found in ``out`` instead of refusing.
    workers : int, optional
        Local worker processes when no executor is given; default all cores (1 runs here).
    executor : Executor, optional
        Where to run (:mod:`changesim.experiments.executors`); it is not closed here.
    progress : callable, optional
        Called as ``progress(simulations done, simulations expected)``; the expectation
        grows as acceptance falls.

    Returns
    -------
    Calibration

    Raises
    ------
    ScenarioError
        For a bad scenario, observations file, fitted path or prior, for more parameters
        than observed values, and for an ``out`` holding another calibration.
    """
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if not isinstance(observed, Observations):
        observed = read_observations(observed, scenario)
    parameters = fitted_parameters(scenario, fit, priors)
    check_fit([p.path for p in parameters], observed)
    statistics = PilotStatistics.of(observed)
    seed = scenario.seed if seed is None else seed
    data = pilot_scenario(scenario, statistics)
    paths = tuple(p.path for p in parameters)
    store = None if out is None else _GenerationStore(Path(out))
    history = []
    if store is not None:
        key = _key(data, statistics, parameters, particles, seed)
        history = store.start(key, force=force)
    own = executor is None
    if executor is None:
        executor = SerialExecutor() if workers == 1 else ProcessExecutor(workers)
    counter = _Counter(progress, particles, generations, history)
    try:
        done = abc_smc(
            statistics.observed,
            np.array([p.low for p in parameters]),
            np.array([p.high for p in parameters]),
            lambda values, seeds: simulate_pilots(
                executor, data, paths, statistics, values, seeds, counter.add
            ),
            particles=particles,
            generations=generations,
            min_acceptance=min_acceptance,
            seed=seed,
            history=history,
            on_generation=lambda g: _finished(g, counter, store),
        )
        posterior = done[-1]
        predictive = _predictive_check(
            executor, data, paths, statistics, posterior, checks, seed, counter
        )
    finally:
        if own:
            executor.close()
    calibration = Calibration(
        scenario=scenario,
        parameters=parameters,
        statistics=statistics,
        particles=_particles(posterior, paths),
        accepted=posterior.stats,
        history=pd.DataFrame(
            {
                "generation": [g.number for g in done],
                "epsilon": [g.epsilon for g in done],
                "simulations": [g.simulations for g in done],
                "acceptance": [g.acceptance for g in done],
                "effective_size": [g.effective_size for g in done],
            }
        ),
        predictive=predictive,
        seed=seed,
        observed_source=observed.source,
        seconds=time.perf_counter() - started,
        extensions=extensions([scenario]),
    )
    if out is not None:
        calibration.save(out)
    return calibration


def _finished(generation: Generation, counter: _Counter, store: _GenerationStore | None) -> None:
    """A generation is complete: store it and update the progress expectation."""
    counter.generation(generation)
    if store is not None:
        store.write(generation)


def _particles(generation: Generation, paths: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame(generation.theta, columns=list(paths))
    frame["weight"] = generation.weight
    frame["distance"] = generation.distance
    frame["seed"] = generation.seed.astype(np.int64)
    return frame


def _predictive_check(
    executor: Executor,
    data: dict[str, Any],
    paths: tuple[str, ...],
    statistics: PilotStatistics,
    posterior: Generation,
    checks: int,
    seed: int,
    counter: _Counter,
) -> pd.DataFrame:
    """Fresh runs (new seeds) at ``checks`` posterior draws: where the observations fall."""
    rng = np.random.default_rng([seed, CHECK_STREAM])
    chosen = rng.choice(len(posterior.weight), size=checks, p=posterior.weight)
    seeds = rng.integers(0, MAX_SEED, size=checks)
    counter.expect_more(checks)
    runs = simulate_pilots(
        executor, data, paths, statistics, posterior.theta[chosen], seeds, counter.add
    )
    runs = runs[~np.isnan(runs).any(axis=1)]
    observed = statistics.observed
    tail = (1 - LEVEL) / 2
    low, median, high = np.quantile(runs, [tail, 0.5, 1 - tail], axis=0)
    below = (runs < observed).mean(axis=0) + 0.5 * (runs == observed).mean(axis=0)
    frame = statistics.table.copy()
    frame["low"] = low
    frame["median"] = median
    frame["high"] = high
    frame["inside"] = (observed >= low) & (observed <= high)
    frame["quantile"] = below
    return frame


class _Counter:
    """Simulations done and expected, for a progress callback."""

    def __init__(
        self,
        progress: Callable[[int, int], None] | None,
        particles: int,
        generations: int,
        history: list[Generation],
    ) -> None:
        self.progress = progress
        self.particles = particles
        self.generations = generations
        self.done = sum(g.simulations for g in history)
        self.left = max(generations - len(history), 0)
        rate = history[-1].acceptance if history else 0.5
        self.expected = self.done + self._future(rate)
        self._report()

    def _future(self, rate: float) -> int:
        return int(self.left * self.particles / max(rate, 0.05))

    def add(self, count: int) -> None:
        self.done += count
        self.expected = max(self.expected, self.done)
        self._report()

    def generation(self, generation: Generation) -> None:
        self.left = max(self.left - 1, 0)
        self.expected = self.done + self._future(generation.acceptance * 0.7)
        self._report()

    def expect_more(self, count: int) -> None:
        self.expected = self.done + count
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.expected)


def _key(
    data: dict[str, Any],
    statistics: PilotStatistics,
    parameters: list[Parameter],
    particles: int,
    seed: int,
) -> str:
    """Hash of what makes a calibration's generations (not how many: more can follow)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    digest.update(statistics.table.to_csv(index=False).encode())
    digest.update(json.dumps([p.__dict__ for p in parameters]).encode())
    digest.update(f"{particles} {seed} {__version__}".encode())
    return digest.hexdigest()[:16]


class _GenerationStore:
    """``out/generations/``: one ``.npz`` per finished generation and the key they belong to."""

    def __init__(self, out: Path) -> None:
        self.folder = out / "generations"

    def start(self, key: str, *, force: bool) -> list[Generation]:
        """The stored generations of this calibration; refuse another's unless ``force``."""
        key_file = self.folder / "key.txt"
        if key_file.is_file() and key_file.read_text().strip() != key:
            if not force:
                raise ScenarioError(
                    [
                        Problem(
                            str(self.folder.parent),
                            "",
                            "holds another calibration (other scenario, observations, "
                            "parameters, particles, seed or version); use another folder, or "
                            "--force to delete it and start afresh",
                            has_value=False,
                        )
                    ]
                )
            for old in self.folder.glob("gen-*.npz"):
                old.unlink()
        self.folder.mkdir(parents=True, exist_ok=True)
        key_file.write_text(key)
        found = []
        for number in range(10_000):
            path = self.folder / f"gen-{number:03d}.npz"
            if not path.is_file():
                break
            try:
                with np.load(path) as stored:
                    found.append(
                        Generation(
                            number=number,
                            **{k: stored[k] for k in _ARRAYS},
                            epsilon=float(stored["epsilon"]),
                            simulations=int(stored["simulations"]),
                        )
                    )
            except (OSError, ValueError, KeyError):  # a damaged file: run it again
                break
        return found

    def write(self, generation: Generation) -> None:
        """Store a finished generation (a temporary name, then renamed: never half a file)."""
        path = self.folder / f"gen-{generation.number:03d}.npz"
        tmp = path.with_name(f".{path.stem}.tmp.npz")
        np.savez(
            tmp,
            **{k: getattr(generation, k) for k in _ARRAYS},
            epsilon=generation.epsilon,
            simulations=generation.simulations,
        )
        tmp.replace(path)


_ARRAYS = ("theta", "weight", "distance", "seed", "stats", "scale", "next_scale")
