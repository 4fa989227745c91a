"""Sweeps: every route at every design point, with replications on common random numbers,
on any executor, into a store that survives a kill.

The runs are ordered (design point, replication, route) and cut into batches of a fixed size;
a batch is the unit of work and of storage. Each finished batch is written atomically as one
Parquet file of ``out/runs/`` (and ``out/weekly/`` when weekly series are kept), so the store
is a Parquet dataset that ``pandas.read_parquet(out / "runs")`` or duckdb read without
changesim. Run again, a sweep skips every batch on disk and runs the others; because each run
carries its own seed, the final store is the same whatever was interrupted, in whatever order
the batches finished, on whatever executor.

Seeds: replication ``k`` of design point ``p`` uses one seed for every route (common random
numbers), spawned from the experiment's seed by ``numpy.random.SeedSequence`` (point, then
replication).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from changesim.experiments.design import design_points
from changesim.experiments.executors import Executor, ProcessExecutor, SerialExecutor
from changesim.experiments.factors import Factor
from changesim.experiments.provenance import extensions
from changesim.experiments.spec import ExperimentSpec, FactorValue
from changesim.scenario import Problem, ScenarioError, load_scenario
from changesim.scenario.errors import problems_from_validation
from changesim.scenario.files import YamlLimit, file_problem, read_yaml_text
from changesim.scenario.paths import parse_path, path_problem, with_values
from changesim.version import __version__

#: Runs per batch (the unit of work and of storage) unless the sweep is small.
BATCH_RUNS = 8


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its file, the route scenarios and the factors.

    Attributes
    ----------
    spec : ExperimentSpec
        The file's contents, defaults filled in.
    label : str
        Where it came from, for messages.
    routes : dict
        Route label (the scenario's name) to the scenario as plain data.
    factors : list of Factor
        In the file's order.
    """

    spec: ExperimentSpec
    label: str
    routes: dict[str, dict[str, Any]]
    factors: list[Factor]

    def key(self) -> str:
        """Hash of what makes the sweep: the spec, the route scenarios and the version."""
        digest = hashlib.sha256()
        digest.update(json.dumps(self.spec.model_dump(mode="json"), sort_keys=True).encode())
        digest.update(json.dumps(self.routes, sort_keys=True, default=str).encode())
        digest.update(__version__.encode())
        return digest.hexdigest()[:16]

    def design(self) -> pd.DataFrame:
        """One row per design point: ``design_point``, each factor's value (column named by
        its path) and its unit-cube coordinate (``u:<path>``)."""
        unit = design_points(self.factors, self.spec.design, self.spec.seed)
        frame = pd.DataFrame({"design_point": np.arange(len(unit))})
        for j, factor in enumerate(self.factors):
            frame[factor.path] = [factor.value(u) for u in unit[:, j]]
        for j, factor in enumerate(self.factors):
            frame[f"u:{factor.path}"] = unit[:, j]
        return frame

    def seeds(self, points: int) -> np.ndarray:
        """Seeds, shape (points, replications): one per design point and replication."""
        children = np.random.SeedSequence(self.spec.seed).spawn(points)
        return np.array(
            [
                [
                    int(g.generate_state(1, dtype=np.uint32)[0])
                    for g in child.spawn(self.spec.replications)
                ]
                for child in children
            ],
            dtype=np.int64,
        )


def load_experiment(
    source: str | Path, *, samples: int | None = None, replications: int | None = None
) -> Experiment:
    """Read, validate and resolve an experiment file.

    Parameters
    ----------
    source : str or Path
        The experiment's YAML file; route paths in it are relative to its folder.
    samples, replications : int, optional
        Override the file's ``design.samples`` and ``replications`` (for a quick look).

    Raises
    ------
    ScenarioError
        With the file, field path, bad value and what is allowed: for the file itself, for a
        route scenario (naming that file), for a factor path that the scenario does not have,
        and for a factor value its field does not allow.
    """
    path = Path(source)
    label = str(path)
    data = _read(path)
    if samples is not None:
        data.setdefault("design", {})
        if isinstance(data["design"], dict):
            data["design"]["samples"] = samples
    if replications is not None:
        data["replications"] = replications
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(problems_from_validation(error, data, label, ExperimentSpec)) from None
    routes: dict[str, dict[str, Any]] = {}
    for route in spec.routes:
        scenario = load_scenario(route if route.is_absolute() else path.parent / route)
        name = scenario.name if scenario.name not in routes else f"{scenario.name} ({route})"
        routes[name] = scenario.model_dump(by_alias=True, mode="json")
    factors = [Factor(p, f) for p, f in spec.factors.items()]
    problems = [p for factor in factors for p in factor_problems(factor, routes, label)]
    if problems:
        raise ScenarioError(problems)
    return Experiment(spec, label, routes, factors)


def _read(path: Path) -> dict[str, Any]:
    """The experiment file as a mapping, read within the bounds of scenario files."""
    return read_mapping(path, "experiment file")


def read_mapping(path: Path, what: str) -> dict[str, Any]:
    """A YAML file of keys and values (an experiment or plan-search file, ``what``), read
    within the bounds of scenario files.

    Raises
    ------
    ScenarioError
        For a missing or unreadable file, YAML that does not parse, and anything but a mapping.
    """

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(str(path), "", message, has_value=False)])

    problem = file_problem(path)
    if problem is not None:
        raise refuse(f"no such {what}" if problem == "no such file" else problem)
    try:
        data = read_yaml_text(path.read_text(encoding="utf-8"))
    except (YamlLimit, UnicodeDecodeError, OSError) as error:
        raise refuse(str(error) if isinstance(error, YamlLimit) else "cannot be read") from None
    except Exception as error:  # yaml.YAMLError and its kin: the position is enough
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise refuse(f"not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise refuse(
            f"{'an' if what[0] in 'aeiou' else 'a'} {what.removesuffix(' file')} must "
            "be a mapping of keys to values"
        )
    return data


def factor_problems(factor: Factor, routes: dict[str, dict[str, Any]], label: str) -> list[Problem]:
    """What is wrong with ``factor`` for these routes: its path must exist in every route,
    and both its extreme values must be allowed there (the plan search checks its levers the
    same way).

    Parameters
    ----------
    factor : Factor
        The factor (or lever) to check.
    routes : dict
        Route name -> the route's scenario as data.
    label : str
        The file the factor comes from, for the problems' messages.

    Returns
    -------
    list of Problem
        Empty when the factor is fine; else one problem at ``factors.<path>``.
    """
    where = f"factors.{factor.path}"
    try:
        parts = parse_path(factor.path)
    except ValueError as error:
        return [Problem(label, where, str(error), has_value=False)]
    for name, data in routes.items():
        problem = path_problem(data, parts)
        if problem is not None:
            return [Problem(label, where, f"not a field of route {name!r}: {problem}", factor.path)]
    name, data = next(iter(routes.items()))
    for value in factor.extremes():
        try:
            load_scenario(with_values(data, {factor.path: value}))
        except ScenarioError as error:
            reasons = "; ".join(p.message for p in error.problems)
            return [Problem(label, where, f"the value is not allowed here: {reasons}", value)]
    return []


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class Run:
    """One run: a route at a design point, one replication, its seed."""

    route: str
    design_point: int
    replication: int
    seed: int
    values: dict[str, FactorValue]


@dataclass(frozen=True)
class Batch:
    """A fixed slice of the sweep's runs, run together and stored as one file."""

    number: int
    runs: list[Run]
    routes: dict[str, dict[str, Any]]
    weekly: bool


def run_batch(batch: Batch) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run every run of ``batch``; one summary row per run, and the organisation's weekly
    rows when the experiment keeps them. Runs in a worker process."""
    from changesim.experiments.run import simulate

    rows, weekly = [], []
    for run in batch.runs:
        scenario = load_scenario(with_values(batch.routes[run.route], run.values))
        result = simulate(scenario, seed=run.seed)
        ids: dict[str, str | int] = {
            "route": run.route,
            "design_point": run.design_point,
            "replication": run.replication,
            "seed": run.seed,
        }
        rows.append({**ids, **run.values, **result.summary})
        if batch.weekly:
            org = result.weekly[result.weekly["unit"] == "all"].drop(columns="unit")
            for column, value in reversed(ids.items()):
                org.insert(0, column, value)
            weekly.append(org)
    return pd.DataFrame(rows), (pd.concat(weekly, ignore_index=True) if weekly else None)


def plan(experiment: Experiment, design: pd.DataFrame) -> list[Run]:
    """Every run, ordered by design point, replication and route."""
    seeds = experiment.seeds(len(design))
    paths = [f.path for f in experiment.factors]
    runs = []
    for p in range(len(design)):
        values = {path: _plain(design.at[p, path]) for path in paths}
        for k in range(experiment.spec.replications):
            for route in experiment.routes:
                runs.append(Run(route, p, k, int(seeds[p, k]), values))
    return runs


def _plain(value: Any) -> FactorValue:
    """A numpy scalar as the Python value a scenario file would hold."""
    return value.item() if hasattr(value, "item") else value


# --------------------------------------------------------------------------- store


class SweepStore:
    """The folder of a sweep: ``manifest.json``, ``design.parquet``, ``runs/``, ``weekly/``."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    def manifest(self) -> dict[str, Any] | None:
        """The manifest, or None if the folder holds no sweep."""
        if not self.manifest_path.is_file():
            return None
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def start(self, manifest: dict[str, Any], design: pd.DataFrame, *, force: bool) -> None:
        """Begin, or resume, the sweep described by ``manifest``.

        Raises
        ------
        ScenarioError
            If the folder holds a different sweep (another experiment file, other routes,
            another changesim version) and ``force`` is not given.
        """
        existing = self.manifest()
        if existing is not None and existing.get("key") != manifest["key"]:
            if not force:
                raise ScenarioError(
                    [
                        Problem(
                            str(self.directory),
                            "",
                            f"holds the results of another sweep ({existing.get('experiment')!r}, "
                            f"key {existing.get('key')}); use another folder, or --force to "
                            "delete them and start afresh",
                            has_value=False,
                        )
                    ]
                )
            for part in ("runs", "weekly"):
                shutil.rmtree(self.directory / part, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        _atomic(self.manifest_path, json.dumps(manifest, indent=2).encode())
        path = self.directory / "design.parquet"
        tmp = path.with_name(".design.parquet.tmp")
        design.to_parquet(tmp, index=False)
        tmp.replace(path)

    def done(self) -> set[int]:
        """Numbers of the batches whose files are on disk and readable."""
        found = set()
        for path in (self.directory / "runs").glob("part-*.parquet"):
            try:
                pd.read_parquet(path, columns=["route"])
            except Exception:  # a damaged file (a disk that filled up): run the batch again
                continue
            found.add(int(path.stem.split("-")[1]))
        return found

    def write(self, number: int, runs: pd.DataFrame, weekly: pd.DataFrame | None) -> None:
        """Store one finished batch: weekly first, then runs, whose file marks it done."""
        if weekly is not None:
            _write_parquet(self.directory / "weekly" / f"part-{number:05d}.parquet", weekly)
        _write_parquet(self.directory / "runs" / f"part-{number:05d}.parquet", runs)

    def runs(self) -> pd.DataFrame:
        """Every stored run, sorted by design point, replication and route order."""
        frame = pd.read_parquet(self.directory / "runs")
        return frame.sort_values(
            ["design_point", "replication", "route"], kind="stable"
        ).reset_index(drop=True)


def _atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
    """Write to a hidden temporary name, then rename: readers never see half a file (and
    dataset readers skip names starting with a dot)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)


# --------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep, read back from its folder.

    Attributes
    ----------
    out : Path
        The folder.
    manifest : dict
        What made it: experiment, key, version, design, seeds, sizes.
    design : pandas.DataFrame
        One row per design point.
    ran : int
        Runs executed by this call (the others were on disk).
    routes : list of str
        Route labels, in order.
    """

    out: Path
    manifest: dict[str, Any]
    design: pd.DataFrame
    ran: int = 0
    routes: list[str] = field(default_factory=list)

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run (route, design_point, replication, seed, each factor, each metric),
        read from the store when asked: a sweep never holds all its results in memory."""
        return SweepStore(self.out).runs()


def sweep(
    experiment: Experiment | str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run an experiment into ``out``, resuming whatever is already there.

    Parameters
    ----------
    experiment : Experiment, str or Path
        From :func:`load_experiment`, or an experiment file.
    out : str or Path
        The results folder.
    workers : int, optional
        Local worker processes when no executor is given; default all cores (1 runs in this
        process).
    executor : Executor, optional
        Where to run (:mod:`changesim.experiments.executors`); it is not closed here.
    force : bool
        Delete the results of another sweep found in ``out`` instead of refusing.
    progress : callable, optional
        Called as ``progress(runs done, runs in total)`` after each batch (and once at the
        start with the runs already on disk).

    Returns
    -------
    SweepResult
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    design = experiment.design()
    runs = plan(experiment, design)
    size = BATCH_RUNS
    store = SweepStore(out)
    manifest = {
        "experiment": experiment.spec.name,
        "file": experiment.label,
        "key": experiment.key(),
        "changesim version": __version__,
        "design": experiment.spec.design.model_dump(),
        "design points": len(design),
        "replications": experiment.spec.replications,
        "routes": list(experiment.routes),
        "extensions": extensions(experiment.routes.values()),
        "factors": [f.path for f in experiment.factors],
        "seed": experiment.spec.seed,
        "runs": len(runs),
        "batch runs": size,
        "spec": experiment.spec.model_dump(mode="json"),
    }
    store.start(manifest, design, force=force)
    batches = [
        Batch(n, runs[start : start + size], experiment.routes, experiment.spec.outputs.weekly)
        for n, start in enumerate(range(0, len(runs), size))
    ]
    done = store.done()
    todo = [b for b in batches if b.number not in done]
    finished = len(runs) - sum(len(b.runs) for b in todo)
    if progress is not None:
        progress(finished, len(runs))
    own = executor is None
    if executor is None:
        executor = SerialExecutor() if workers == 1 else ProcessExecutor(workers)
    try:
        for position, (frame, weekly) in _results(executor, todo):
            store.write(todo[position].number, frame, weekly)
            finished += len(todo[position].runs)
            if progress is not None:
                progress(finished, len(runs))
    finally:
        if own:
            executor.close()
    return SweepResult(
        out=Path(out),
        manifest=manifest,
        design=design,
        ran=sum(len(b.runs) for b in todo),
        routes=list(experiment.routes),
    )


def _results(
    executor: Executor, batches: list[Batch]
) -> Iterator[tuple[int, tuple[pd.DataFrame, pd.DataFrame | None]]]:
    return executor.map_unordered(run_batch, batches)
