"""Searching change plans under a budget: which route, which mix and timing of interventions
holds up best across what is uncertain (ADR 0018).

:func:`load_plan_search` reads a plan-search file (:mod:`.plan_spec`); :func:`optimise`
proposes plans with Optuna (TPE by default; NSGA-II or random draws on request), evaluates
each on the same sampled uncertain scenarios and seeds (common random numbers, the sweep
layer's design and seeds) on any executor, and returns a :class:`PlanSearch`: the best plan or
the Pareto front, every trial, a comparison with the routes as written, and each reported
plan as a ready-to-run scenario.

How it holds together:

- *Trials.* Plans are proposed in batches of ``search.batch`` trials, aligned to trial
  numbers, and every batch is evaluated in full before the next is proposed. The sampler is
  seeded afresh for each trial from the file's seed and the trial number, so the trials do
  not depend on the executor or on the number of workers, and a search stopped between
  batches continues as if it had never stopped.
- *Storage.* With ``out`` the Optuna study lives in ``out/study.log`` (a journal file) and
  each finished trial's runs in ``out/trials/trial-NNNNN.parquet``. Run again, the search
  keeps its finished trials, evaluates trials that were proposed but not finished, and
  proposes the rest. Another plan file in the same folder is refused unless ``force``.
- *Budget.* A plan's cost is the largest total intervention cost (and the largest weekly
  spend) over all its runs; a plan over the budget is marked infeasible for Optuna
  (``Trial.set_constraint``) and is never reported.
- *Robustness.* Per objective: the mean over the runs, a quantile of the runs, or the regret
  against the best plan in each sampled scenario. Regret depends on which plans have been
  seen, so the search minimises the worst case over the scenarios instead, and the final
  ranking computes regret against every evaluated plan and every compared route.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError

from changesim.analysis.metrics import METRICS
from changesim.analysis.metrics import metric as declared_metric
from changesim.analysis.objective import combined_objective
from changesim.experiments.executors import Executor, ProcessExecutor, SerialExecutor
from changesim.experiments.factors import Factor
from changesim.experiments.outputs import write_outputs
from changesim.experiments.plan_spec import (
    USE,
    Budget,
    ChoiceLever,
    LeverSpec,
    PlanSpec,
    RangeLever,
)
from changesim.experiments.spec import ExperimentSpec
from changesim.experiments.store import slug
from changesim.experiments.sweeps import Experiment, Run, _factor_problems, read_mapping
from changesim.scenario import Problem, Scenario, ScenarioError, load_scenario
from changesim.scenario.errors import problems_from_validation
from changesim.scenario.paths import parse_path, path_problem, with_values
from changesim.version import __version__

if TYPE_CHECKING:
    import optuna
    from matplotlib.figure import Figure

#: Runs per item of work sent to an executor.
RUNS_PER_ITEM = 4
#: Name of the Optuna study in the journal.
STUDY = "plan-search"
#: Column of the largest total intervention cost over a plan's runs.
COST = "cost_max"
#: Column of the largest weekly intervention spend over a plan's runs.
PEAK = "peak_week_cost_max"
#: Summary column added to each run: the most spent on interventions in one week.
PEAK_RUN = "peak_weekly_intervention_cost"


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class Lever:
    """One lever: its Optuna parameter name, its dotted path and what it may take.

    Attributes
    ----------
    name : str
        The parameter's name in the study: the path, prefixed ``<route>:`` for a lever of one
        route choice.
    path : str
        Dotted path into the scenario (``interventions[i].use`` leaves intervention ``i`` in
        or out).
    spec : RangeLever or ChoiceLever
        The values it may take.
    route : str or None
        The route choice it belongs to; None for a lever of every plan.
    """

    name: str
    path: str
    spec: LeverSpec
    route: str | None = None

    @property
    def use_index(self) -> int | None:
        """For ``interventions[i].use``: ``i``; else None."""
        parts = parse_path(self.path)
        if len(parts) == 3 and parts[0] == "interventions" and parts[2] == USE:
            return int(parts[1])
        return None

    def suggest(self, trial: optuna.Trial) -> Any:
        """Ask ``trial`` for this lever's value."""
        spec = self.spec
        if isinstance(spec, ChoiceLever):
            return trial.suggest_categorical(self.name, spec.values)
        if spec.integer:
            return trial.suggest_int(
                self.name, int(spec.low), int(spec.high), step=int(spec.step or 1)
            )
        return trial.suggest_float(
            self.name, float(spec.low), float(spec.high), step=spec.step, log=spec.log
        )

    def values(self, value: Any) -> dict[str, Any]:
        """The dotted paths this lever sets at ``value`` (its own and those it scales)."""
        if self.use_index is not None:
            return {}
        out = {self.path: value}
        if isinstance(self.spec, RangeLever):
            out.update({path: value * per for path, per in self.spec.scales.items()})
        return out

    def extremes(self) -> list[Any]:
        """The values that bound what the lever can take (checked against the scenario)."""
        if isinstance(self.spec, ChoiceLever):
            return list(self.spec.values)
        return [self.spec.low, self.spec.high]


@dataclass(frozen=True)
class Candidate:
    """A plan as the runs need it: a label, the scenario as data, interventions left out."""

    label: str
    data: dict[str, Any]
    dropped: tuple[int, ...] = ()

    def scenario_data(self) -> dict[str, Any]:
        """The scenario as data, the left-out interventions removed."""
        return _drop(self.data, self.dropped)


@dataclass(frozen=True)
class PlanProblem:
    """A validated plan-search file, resolved.

    Attributes
    ----------
    spec : PlanSpec
        The file's contents, defaults filled in.
    label : str
        Where it came from, for messages.
    base : dict
        The base scenario as plain data.
    routes : dict
        Route choice -> route section (empty: the base's route).
    levers : list of Lever
        Every lever, the route choices' after the plan-wide ones.
    factors : list of Factor
        The uncertain factors, in the file's order.
    compare : dict
        Label -> scenario data of the routes the plans are compared with.
    """

    spec: PlanSpec
    label: str
    base: dict[str, Any]
    routes: dict[str, dict[str, Any]]
    levers: list[Lever]
    factors: list[Factor]
    compare: dict[str, dict[str, Any]]

    @property
    def experiment(self) -> Experiment:
        """The uncertain part as a sweep-layer experiment: its design and seeds."""
        uncertain = self.spec.uncertain
        spec = ExperimentSpec(
            routes=[self.spec.base],
            factors=uncertain.factors,
            design=uncertain.resolved_design(),
            replications=uncertain.replications,
            seed=self.spec.seed,
        )
        return Experiment(spec, self.label, {"base": self.base}, self.factors)

    @property
    def never(self) -> float:
        """Weeks counted for a milestone never reached."""
        objective = self.spec.objective
        if objective is not None and objective.never is not None:
            return objective.never
        return float(self.base["weeks"]) + 1.0

    def key(self) -> str:
        """Hash of what makes the trials: the file (its report settings aside), the base
        scenario, the routes and the changesim version."""
        digest = hashlib.sha256()
        spec = self.spec.model_dump(mode="json", exclude={"report"})
        for part in (spec, self.base, self.routes):
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
        digest.update(__version__.encode())
        return digest.hexdigest()[:16]

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Ask ``trial`` for a plan: the route first, then that route's levers and the rest."""
        params: dict[str, Any] = {}
        route = None
        if self.routes:
            route = trial.suggest_categorical("route", list(self.routes))
            params["route"] = route
        for lever in self.levers:
            if lever.route is None or lever.route == route:
                params[lever.name] = lever.suggest(trial)
        return params

    def candidate(self, params: dict[str, Any], label: str) -> Candidate:
        """The plan that ``params`` (a trial's parameters) describe."""
        data = copy.deepcopy(self.base)
        route = params.get("route")
        if route is not None:
            data["route"] = copy.deepcopy(self.routes[route])
        values: dict[str, Any] = {}
        dropped = []
        for lever in self.levers:
            if lever.name not in params:
                continue
            value = params[lever.name]
            if lever.use_index is not None and not value:
                dropped.append(lever.use_index)
            values.update(lever.values(value))
        return Candidate(label, with_values(data, values), tuple(sorted(dropped)))

    def runs(self, label: str) -> list[Run]:
        """Every run of one candidate: each design point and replication on its own seed,
        the same for every candidate (common random numbers)."""
        experiment = self.experiment
        design = experiment.design()
        seeds = experiment.seeds(len(design))
        out = []
        for p in range(len(design)):
            values = {f.path: _plain(design.at[p, f.path]) for f in self.factors}
            for k in range(seeds.shape[1]):
                out.append(Run(label, p, k, int(seeds[p, k]), values))
        return out


def load_plan_search(source: str | Path) -> PlanProblem:
    """Read, validate and resolve a plan-search file.

    Parameters
    ----------
    source : str or Path
        The YAML file; the base, route and compared files are relative to its folder.

    Returns
    -------
    PlanProblem

    Raises
    ------
    ScenarioError
        With the file, field path, bad value and what is allowed: for the file itself, a
        base, route or compared scenario (naming that file), a lever or factor path the
        scenario does not have, a value its field does not allow, and a customer metric
        without customers.
    """
    path = Path(source)
    label = str(path)
    data = read_mapping(path, "plan-search file")
    try:
        spec = PlanSpec.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(problems_from_validation(error, data, label, PlanSpec)) from None
    folder = path.parent

    def near(p: Path) -> Path:
        return p if p.is_absolute() else folder / p

    base_scenario = load_scenario(near(spec.base))
    base = base_scenario.model_dump(mode="json", by_alias=True)
    problems: list[Problem] = []
    routes: dict[str, dict[str, Any]] = {}
    for name, choice in spec.routes.items():
        where = f"routes.{name}"
        if choice.file is not None:
            try:
                section = load_scenario(near(choice.file)).model_dump(mode="json", by_alias=True)
            except ScenarioError as error:
                problems += error.problems
                continue
            routes[name] = section["route"]
        else:
            assert choice.route is not None
            try:
                routes[name] = load_scenario({**base, "route": choice.route}).model_dump(
                    mode="json", by_alias=True
                )["route"]
            except ScenarioError as error:
                reasons = "; ".join(f"{p.path}: {p.message}" for p in error.problems)
                problems.append(Problem(label, f"{where}.route", reasons, choice.route))
    levers = [Lever(p, p, s) for p, s in spec.levers.items()]
    for name, choice in spec.routes.items():
        levers += [Lever(f"{name}:{p}", p, s, name) for p, s in choice.levers.items()]
    if problems:
        raise ScenarioError(problems)
    choices = {n: {**base, "route": r} for n, r in routes.items()} or {"base": base}
    for lever in levers:
        where = (
            f"levers.{lever.path}"
            if lever.route is None
            else (f"routes.{lever.route}.levers.{lever.path}")
        )
        within = choices if lever.route is None else {lever.route: choices[lever.route]}
        problems += _lever_problems(lever, within, label, where)
    factors = [Factor(p, f) for p, f in spec.uncertain.factors.items()]
    for factor in factors:
        for found in _factor_problems(factor, choices, label):
            problems.append(
                Problem(
                    found.file,
                    f"uncertain.{found.path}",
                    found.message,
                    found.value,
                    found.has_value,
                )
            )
    customer = [n for n in spec.objective_names() if _needs_customers(spec, n)]
    if customer and base_scenario.customers is None:
        for name in customer:
            where = "objectives" if spec.objectives is not None else "objective.weights"
            problems.append(
                Problem(
                    label,
                    f"{where}.{name}",
                    "is a customer metric; the base scenario has no customers section",
                    has_value=False,
                )
            )
    if problems:
        raise ScenarioError(problems)
    compare: dict[str, dict[str, Any]] = {}
    if spec.report.compare:
        for file in spec.report.compare:
            scenario = load_scenario(near(file))
            name = scenario.name if scenario.name not in compare else f"{scenario.name} ({file})"
            compare[name] = scenario.model_dump(mode="json", by_alias=True)
    else:
        for name, data_ in choices.items():
            compare[name if routes else base_scenario.name] = data_
    return PlanProblem(spec, label, base, routes, levers, factors, compare)


def _needs_customers(spec: PlanSpec, name: str) -> bool:
    names = list(spec.objective.weights) if spec.objective is not None else [name]
    return any(METRICS[n].group == "customers" for n in names if n in METRICS)


def _lever_problems(
    lever: Lever, choices: dict[str, dict[str, Any]], label: str, where: str
) -> list[Problem]:
    """A lever's path must name a field of every plan it applies to, and its extreme values
    (and the values it scales) must be allowed there."""
    try:
        parts = parse_path(lever.path)
    except ValueError as error:
        return [Problem(label, where, str(error), has_value=False)]
    data = next(iter(choices.values()))
    if parts[-1] == USE:
        count = len(data.get("interventions", []))
        index = lever.use_index
        if index is None or index >= count:
            return [
                Problem(
                    label,
                    where,
                    f"use is a lever of an intervention, interventions[i].use with i below {count}",
                    lever.path,
                )
            ]
        if not (
            isinstance(lever.spec, ChoiceLever)
            and all(isinstance(v, bool) for v in lever.spec.values)
        ):
            return [Problem(label, where, "use takes {values: [true, false]}", has_value=False)]
        return []
    targets = [lever.path]
    if isinstance(lever.spec, RangeLever):
        targets += list(lever.spec.scales)
    for target in targets:
        try:
            target_parts = parse_path(target)
        except ValueError as error:
            return [Problem(label, where, str(error), has_value=False)]
        for route, scenario in choices.items():
            problem = path_problem(scenario, target_parts)
            if problem is not None:
                whose = f" of route {route!r}" if route != "base" else ""
                return [Problem(label, where, f"not a field{whose}: {problem}", target)]
    for value in lever.extremes():
        try:
            load_scenario(with_values(data, lever.values(value)))
        except ScenarioError as error:
            reasons = "; ".join(f"{p.path}: {p.message}" for p in error.problems)
            return [Problem(label, where, f"the value is not allowed here: {reasons}", value)]
    return []


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _drop(data: dict[str, Any], dropped: Iterable[int]) -> dict[str, Any]:
    dropped = set(dropped)
    if not dropped:
        return data
    out = dict(data)
    out["interventions"] = [
        x for i, x in enumerate(data.get("interventions", [])) if i not in dropped
    ]
    return out


# --------------------------------------------------------------------------- runs


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
        data = _drop(with_values(item.candidate.data, run.values), item.candidate.dropped)
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
    """Run every candidate on the common scenarios and seeds, calling ``on_done(position,
    runs)`` as each candidate's runs are complete (in the order they finish)."""
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


# --------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class Scores:
    """A candidate's outcomes, per objective, in the objective's own units.

    Attributes
    ----------
    values : numpy.ndarray
        Per run and objective, shape (runs, objectives); milestones never reached count as
        the run's weeks + 1.
    scenario_means : numpy.ndarray
        Per sampled scenario (design point) and objective: the mean over replications.
    cost : float
        The largest total intervention cost over the runs.
    peak : float
        The largest intervention spend in one week over the runs.
    """

    values: np.ndarray
    scenario_means: np.ndarray
    cost: float
    peak: float


def scores(problem: PlanProblem, runs: pd.DataFrame) -> Scores:
    """The outcomes of one candidate from its runs (see :class:`Scores`)."""
    spec = problem.spec
    if spec.objective is not None:
        values = combined_objective(runs, spec.objective.weights, never=problem.never)
        matrix = values.to_numpy(dtype=float)[:, None]
    else:
        columns = []
        for name in spec.objective_names():
            column = runs[name].to_numpy(dtype=float)
            if declared_metric(name).never:
                column = np.where(np.isnan(column), problem.never, column)
            columns.append(column)
        matrix = np.column_stack(columns)
    points = runs["design_point"].to_numpy()
    means = np.vstack([matrix[points == p].mean(axis=0) for p in np.unique(points)])
    return Scores(
        values=matrix,
        scenario_means=means,
        cost=float(runs["total_intervention_cost"].max()),
        peak=float(runs[PEAK_RUN].max()),
    )


def _signs(spec: PlanSpec) -> np.ndarray:
    """+1 for an objective minimised, -1 for one maximised (losses are sign x value)."""
    return np.array([1.0 if d == "minimise" else -1.0 for d in spec.directions()])


def search_values(spec: PlanSpec, found: Scores) -> list[float]:
    """What the search optimises per objective: the mean, the quantile, or (for regret, which
    needs every plan) the same quantile of the per-scenario means, worst case at level 1."""
    signs = _signs(spec)
    level = spec.robustness.resolved_level()
    measure = spec.robustness.measure
    if measure == "mean":
        return [float(v) for v in found.values.mean(axis=0)]
    loss = (found.values if measure == "quantile" else found.scenario_means) * signs
    return [float(v) for v in np.quantile(loss, level, axis=0) * signs]


def regrets(spec: PlanSpec, means: np.ndarray) -> np.ndarray:
    """Regret of each candidate per objective: how far its per-scenario mean falls behind the
    best candidate of that scenario, at the level quantile over the scenarios (1: the most).

    Parameters
    ----------
    means : numpy.ndarray
        Shape (candidates, scenarios, objectives), in the objectives' units.

    Returns
    -------
    numpy.ndarray
        Shape (candidates, objectives); 0 for a candidate that is best in every scenario.
    """
    loss = means * _signs(spec)
    behind = loss - loss.min(axis=0, keepdims=True)
    return np.quantile(behind, spec.robustness.resolved_level(), axis=1)


def violations(budget: Budget | None, found: Scores) -> dict[str, float]:
    """Each budget constraint as Optuna reads it: over the budget by this much (> 0 breaks)."""
    if budget is None:
        return {}
    out = {}
    if budget.total is not None:
        out["total"] = found.cost - budget.total
    if budget.per_week is not None:
        out["per_week"] = found.peak - budget.per_week
    return out


def pareto(losses: np.ndarray) -> np.ndarray:
    """Indices of the rows no other row dominates (lower is better in every column)."""
    keep = []
    for i, row in enumerate(losses):
        dominated = np.any(np.all(losses <= row, axis=1) & np.any(losses < row, axis=1))
        if not dominated:
            keep.append(i)
    return np.array(keep, dtype=int)


# --------------------------------------------------------------------------- store


class PlanStore:
    """The folder of a plan search: ``plan-search.json``, ``study.log`` (the Optuna journal),
    ``trials/`` and ``routes/`` (each candidate's runs as Parquet)."""

    def __init__(self, directory: str | Path | None) -> None:
        self.directory = None if directory is None else Path(directory)
        self._memory: dict[str, pd.DataFrame] = {}

    def start(self, problem: PlanProblem, *, force: bool) -> None:
        """Begin, or resume, the search of ``problem``.

        Raises
        ------
        ScenarioError
            If the folder holds another plan search and ``force`` is not given.
        """
        if self.directory is None:
            return
        manifest_path = self.directory / "plan-search.json"
        key = problem.key()
        if manifest_path.is_file():
            existing = json.loads(manifest_path.read_text(encoding="utf-8"))
            if existing.get("key") != key:
                if not force:
                    raise ScenarioError(
                        [
                            Problem(
                                str(self.directory),
                                "",
                                f"holds another plan search ({existing.get('name')!r}, key "
                                f"{existing.get('key')}); use another folder, or --force to "
                                "delete it and start afresh",
                                has_value=False,
                            )
                        ]
                    )
                for part in ("trials", "routes", "plans"):
                    shutil.rmtree(self.directory / part, ignore_errors=True)
                (self.directory / "study.log").unlink(missing_ok=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        manifest = {
            "name": problem.spec.name,
            "file": problem.label,
            "key": key,
            "changesim version": __version__,
            "spec": problem.spec.model_dump(mode="json"),
        }
        tmp = manifest_path.with_name(".plan-search.json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        tmp.replace(manifest_path)

    def storage(self) -> optuna.storages.BaseStorage:
        """The Optuna storage: a journal file in the folder, or memory without one."""
        import optuna
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        if self.directory is None:
            return optuna.storages.InMemoryStorage()
        return JournalStorage(JournalFileBackend(str(self.directory / "study.log")))

    def _path(self, name: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{name}.parquet"

    def load(self, name: str) -> pd.DataFrame | None:
        """The stored runs of candidate ``name`` (``trials/trial-00012``), or None."""
        if name in self._memory:
            return self._memory[name]
        path = self._path(name)
        if path is None or not path.is_file():
            return None
        try:
            return pd.read_parquet(path)
        except Exception:  # a damaged file: run again
            return None

    def save(self, name: str, runs: pd.DataFrame) -> None:
        """Store a candidate's runs (a temporary name, then renamed: never half a file)."""
        self._memory[name] = runs
        path = self._path(name)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        runs.to_parquet(tmp, index=False)
        tmp.replace(path)


def trial_name(number: int) -> str:
    """Store name of a trial's runs."""
    return f"trials/trial-{number:05d}"


def _route_name(label: str, data: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
    return f"routes/{slug(label)}-{digest.hexdigest()[:10]}"


# --------------------------------------------------------------------------- the search


def _sampler(spec: PlanSpec, number: int) -> optuna.samplers.BaseSampler:
    """The sampler that proposes trial ``number``, seeded from the file's seed and the number
    (so that a trial never depends on which process proposed it)."""
    import optuna

    seed = int(np.random.SeedSequence([spec.seed, number]).generate_state(1)[0])
    search = spec.search
    if search.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if search.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=search.population, seed=seed)
    return optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=search.startup, constant_liar=True
    )


def _directions(spec: PlanSpec) -> list[Literal["minimize", "maximize"]]:
    return ["minimize" if d == "minimise" else "maximize" for d in spec.directions()]


@dataclass
class _Progress:
    callback: Callable[[int, int], None] | None
    done: int = 0
    total: int = 0

    def add(self, runs: int) -> None:
        self.done += runs
        self.report()

    def report(self) -> None:
        if self.callback is not None:
            self.callback(self.done, max(self.total, self.done))


def optimise(
    plan: PlanProblem | str | Path,
    out: str | Path | None = None,
    *,
    trials: int = 50,
    workers: int | None = None,
    executor: Executor | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PlanSearch:
    """Search for the plan that holds up best across what is uncertain, within the budget.

    Parameters
    ----------
    plan : PlanProblem, str or Path
        From :func:`load_plan_search`, or a plan-search file.
    out : str or Path, optional
        Folder of the study and its runs, and of the results at the end; a search run again
        into the same folder continues from its stored trials. Without it the search is
        kept in memory only.
    trials : int
        Trials in total (the stored ones included): run again with a larger number to
        search further.
    workers : int, optional
        Local worker processes when no executor is given; default all cores (1 runs here).
    executor : Executor, optional
        Where to run (:mod:`changesim.experiments.executors`); it is not closed here.
    force : bool
        Delete another plan search found in ``out`` instead of refusing.
    progress : callable, optional
        Called as ``progress(runs done, runs expected)``.

    Returns
    -------
    PlanSearch

    Raises
    ------
    ScenarioError
        For a bad plan-search file (see :func:`load_plan_search`) and for an ``out`` that
        holds another plan search.
    """
    import optuna

    started = time.perf_counter()
    problem = plan if isinstance(plan, PlanProblem) else load_plan_search(plan)
    store = PlanStore(out)
    store.start(problem, force=force)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    own = executor is None
    if executor is None:
        executor = SerialExecutor() if workers == 1 else ProcessExecutor(workers)
    try:
        study = optuna.create_study(
            storage=store.storage(),
            study_name=STUDY,
            directions=_directions(problem.spec),
            load_if_exists=True,
        )
        per_plan = len(problem.runs("x"))
        counter = _Progress(progress)
        stored = len(study.get_trials(deepcopy=False))
        routes_todo = [
            n for n, d in problem.compare.items() if store.load(_route_name(n, d)) is None
        ]
        counter.total = per_plan * (max(trials - stored, 0) + len(routes_todo))
        for frozen in study.get_trials(deepcopy=False):
            if frozen.state == optuna.trial.TrialState.RUNNING:
                counter.total += per_plan
        counter.report()
        evaluated = _search(problem, study, store, trials, executor, counter)
        route_runs = _compare_routes(problem, store, executor, counter)
    finally:
        if own:
            executor.close()
        optuna.logging.set_verbosity(verbosity)
    result = _result(problem, study, store, route_runs)
    result.evaluated = evaluated
    result.seconds = time.perf_counter() - started
    if out is not None:
        result.save(out)
    return result


def _search(
    problem: PlanProblem,
    study: optuna.Study,
    store: PlanStore,
    target: int,
    executor: Executor,
    counter: _Progress,
) -> int:
    """Finish trials left running by an interrupted search, then propose and evaluate
    batches until ``target`` trials exist. Returns the trials evaluated here."""
    import optuna

    evaluated = 0
    running = [
        optuna.trial.Trial(study, t._trial_id)
        for t in study.get_trials(deepcopy=False)
        if t.state == optuna.trial.TrialState.RUNNING
    ]
    if running:
        evaluated += _finish(problem, study, store, running, executor, counter)
    batch = problem.spec.search.batch
    while (count := len(study.get_trials(deepcopy=False))) < target:
        size = min(batch - count % batch, target - count)
        asked = []
        for _ in range(size):
            study.sampler = _sampler(problem.spec, len(study.get_trials(deepcopy=False)))
            trial = study.ask()
            problem.suggest(trial)
            asked.append(trial)
        evaluated += _finish(problem, study, store, asked, executor, counter)
    return evaluated


def _finish(
    problem: PlanProblem,
    study: optuna.Study,
    store: PlanStore,
    trials: list[optuna.Trial],
    executor: Executor,
    counter: _Progress,
) -> int:
    """Evaluate ``trials`` (their runs from the store where a killed search left them) and
    tell the study."""
    import optuna

    todo: list[tuple[optuna.Trial, Candidate]] = []
    for trial in trials:
        candidate = problem.candidate(trial.params, trial_name(trial.number))
        try:
            load_scenario(candidate.scenario_data())
        except ScenarioError as error:
            trial.set_user_attr("problem", "; ".join(str(p) for p in error.problems))
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            counter.total -= len(problem.runs("x"))
            continue
        stored = store.load(candidate.label)
        if stored is not None:
            counter.total -= len(stored)
            _tell(problem, study, trial, stored)
        else:
            todo.append((trial, candidate))

    def done(position: int, runs: pd.DataFrame) -> None:
        trial, candidate = todo[position]
        store.save(candidate.label, runs)
        _tell(problem, study, trial, runs)

    evaluate(problem, [c for _, c in todo], executor, done, counter.add)
    return len(todo)


def _tell(
    problem: PlanProblem, study: optuna.Study, trial: optuna.Trial, runs: pd.DataFrame
) -> None:
    """Record a trial's outcome: constraints, per-scenario means, costs, and its values."""
    import optuna

    found = scores(problem, runs)
    for key, value in violations(problem.spec.budget, found).items():
        trial.set_constraint(key, value)
    trial.set_user_attr("cost", found.cost)
    trial.set_user_attr("peak", found.peak)
    values = search_values(problem.spec, found)
    if not all(math.isfinite(v) for v in values):
        trial.set_user_attr("problem", "an objective is not defined for these runs")
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return
    study.tell(trial, values)


def _compare_routes(
    problem: PlanProblem, store: PlanStore, executor: Executor, counter: _Progress
) -> dict[str, pd.DataFrame]:
    """The runs of every compared route on the same seeds (from the store where possible)."""
    found: dict[str, pd.DataFrame] = {}
    todo = []
    for label, data in problem.compare.items():
        stored = store.load(_route_name(label, data))
        if stored is not None:
            found[label] = stored
        else:
            todo.append(Candidate(label, data))

    def done(position: int, runs: pd.DataFrame) -> None:
        candidate = todo[position]
        store.save(_route_name(candidate.label, candidate.data), runs)
        found[candidate.label] = runs

    evaluate(problem, todo, executor, done, counter.add)
    return {label: found[label] for label in problem.compare}


# --------------------------------------------------------------------------- the result


@dataclass
class PlanSearch:
    """A finished plan search.

    Attributes
    ----------
    problem : PlanProblem
        The plan-search file, resolved.
    trials : pandas.DataFrame
        One row per trial: ``trial``, ``state``, each lever (``route``, then the parameter
        names), each objective's robust value (column named by the objective) and its mean
        (``<objective>_mean``), ``cost_max``, ``peak_week_cost_max``, ``feasible`` and
        ``problem`` (why a trial failed).
    front : pandas.DataFrame
        The reported plans, best first: the best plans (one objective) or plans spread along
        the Pareto front (several), all within the budget; with ``rank`` and ``plan`` (the
        name of its scenario file) before the columns of ``trials``.
    comparison : pandas.DataFrame
        The reported plans and the compared routes on the same seeds: ``name``, ``kind``
        (plan or route), each objective's robust value and mean, costs and ``within_budget``.
    plans : dict
        Plan name -> the plan's scenario as data (ready to run).
    evaluated : int
        Trials evaluated by this call (the others were stored).
    seconds : float
        Wall time of the call.
    """

    problem: PlanProblem
    trials: pd.DataFrame
    front: pd.DataFrame
    comparison: pd.DataFrame
    plans: dict[str, dict[str, Any]]
    evaluated: int = 0
    seconds: float = 0.0
    version: str = field(default=__version__)

    @property
    def objectives(self) -> list[str]:
        """The objectives' names, in order."""
        return self.problem.spec.objective_names()

    @property
    def best(self) -> pd.Series | None:
        """The best plan within the budget (one objective); None for several objectives (see
        :attr:`front`) or when no plan kept to the budget."""
        if len(self.objectives) > 1 or self.front.empty:
            return None
        return self.front.iloc[0]

    def scenario(self, name: str) -> Scenario:
        """The reported plan ``name`` (``plan-01``) as a validated scenario."""
        return load_scenario(self.plans[name])

    def summary_lines(self) -> list[str]:
        """The result in a few lines of text (the command line prints them)."""
        spec = self.problem.spec
        feasible = int(self.trials["feasible"].sum()) if not self.trials.empty else 0
        lines = [
            f"{len(self.trials)} plans tried ({self.evaluated} now), {feasible} within the "
            f"budget, each on {len(self.problem.runs('x'))} runs with the same seeds"
        ]
        if self.front.empty:
            lines.append("no plan kept to the budget: raise it, or narrow the levers")
            return lines
        kind = "best plan" if len(self.objectives) == 1 else "plans on the Pareto front"
        lines.append(f"{kind} ({_measure_words(spec)}):")
        for _, series in self.front.iterrows():
            data = series.to_dict()
            parts = [f"{_objective_label(n)} {_fmt(n, data[n])}" for n in self.objectives]
            cost = f"cost up to {data[COST]:,.0f}"
            lines.append(
                f"  {data['plan']} (trial {data['trial']}): " + ", ".join(parts) + f"; {cost}"
            )
        return lines

    def figures(self) -> dict[str, Figure]:
        """``front``: the trials, the front or best, and the compared routes."""
        from changesim.viz.plans import front_figure

        labels = [_objective_label(n) + _measure_suffix(self.problem.spec) for n in self.objectives]
        return {
            "front": front_figure(
                self.trials,
                self.front,
                self.comparison,
                self.objectives,
                labels,
                self.problem.spec.name,
                _lower(self.problem.spec),
            )
        }

    def report(self) -> str:
        """A Markdown report: the question, the reported plans, the comparison with the
        routes, and how the numbers were made."""
        return _report(self)

    def save(self, out: str | Path, *, figures: bool = True) -> list[Path]:
        """Write front.csv, trials.csv, comparison.csv, report.md, front.png and one scenario
        file per reported plan (``plans/plan-01.yaml``: loads with
        :func:`changesim.load_scenario` and runs with ``changesim run``).

        Returns
        -------
        list of Path
            The files written.
        """
        folder = Path(out)
        tables = {
            "front.csv": self.front,
            "trials.csv": self.trials,
            "comparison.csv": self.comparison,
        }
        texts = {"report.md": self.report()}
        written = write_outputs(folder, tables, texts, self.figures() if figures else None)
        plans = folder / "plans"
        shutil.rmtree(plans, ignore_errors=True)
        plans.mkdir(parents=True, exist_ok=True)
        for _, series in self.front.iterrows():
            data = series.to_dict()
            path = plans / f"{data['plan']}.yaml"
            path.write_text(
                _plan_yaml(self, {str(k): v for k, v in data.items()}), encoding="utf-8"
            )
            written.append(path)
        return written


def _result(
    problem: PlanProblem,
    study: optuna.Study,
    store: PlanStore,
    route_runs: dict[str, pd.DataFrame],
) -> PlanSearch:
    import optuna

    spec = problem.spec
    names = spec.objective_names()
    rows = []
    means: list[np.ndarray | None] = []
    for frozen in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"trial": frozen.number, "state": frozen.state.name.lower()}
        row.update(frozen.params)
        runs = store.load(trial_name(frozen.number))
        if frozen.state == optuna.trial.TrialState.COMPLETE and runs is not None:
            found = scores(problem, runs)
            row.update(_values(problem, found))
            row[COST], row[PEAK] = found.cost, found.peak
            row["feasible"] = (
                all(v <= 0 for v in frozen.constraints.values()) if (frozen.constraints) else True
            )
            means.append(found.scenario_means)
        else:
            row["feasible"] = False
            means.append(None)
        row["problem"] = frozen.user_attrs.get("problem", "")
        rows.append(row)
    trials = pd.DataFrame(rows)
    route_rows = []
    route_means = []
    for label, runs in route_runs.items():
        found = scores(problem, runs)
        row = {
            "name": label,
            "kind": "route",
            **_values(problem, found),
            COST: found.cost,
            PEAK: found.peak,
            "within_budget": all(v <= 0 for v in violations(spec.budget, found).values()),
        }
        route_rows.append(row)
        route_means.append(found.scenario_means)
    if spec.robustness.measure == "regret":
        complete = [i for i, m in enumerate(means) if m is not None]
        known = [m for m in means if m is not None] + route_means
        if known:
            stacked = np.stack(known)
            regret = regrets(spec, stacked)
            for j, name in enumerate(names):
                column = np.full(len(trials), np.nan)
                column[complete] = regret[: len(complete), j]
                trials[name] = column
                for r, route_row in enumerate(route_rows):
                    route_row[name] = float(regret[len(complete) + r, j])
    if trials.empty:
        trials = pd.DataFrame(columns=["trial", "state", "feasible", "problem", *names])
    front = _front(spec, trials)
    plans = {}
    for _, series in front.iterrows():
        data = series.to_dict()
        params = {k: v for k, v in data.items() if k in _param_names(problem) and _given(v)}
        candidate = problem.candidate(params, data["plan"])
        scenario = candidate.scenario_data()
        scenario["name"] = f"{spec.name}: {data['plan']} (trial {data['trial']})"
        plans[data["plan"]] = scenario
    plan_rows = [
        {
            "name": row["plan"],
            "kind": "plan",
            **{n: row[n] for n in names},
            **{f"{n}_mean": row[f"{n}_mean"] for n in names},
            COST: row[COST],
            PEAK: row[PEAK],
            "within_budget": True,
        }
        for _, row in front.iterrows()
    ]
    comparison = pd.DataFrame(plan_rows + route_rows)
    return PlanSearch(problem, trials, front, comparison, plans)


def _given(value: Any) -> bool:
    return not (isinstance(value, float) and math.isnan(value))


def _param_names(problem: PlanProblem) -> set[str]:
    return {"route"} | {lever.name for lever in problem.levers}


def _values(problem: PlanProblem, found: Scores) -> dict[str, float]:
    names = problem.spec.objective_names()
    robust = search_values(problem.spec, found)
    out = {name: robust[j] for j, name in enumerate(names)}
    out.update({f"{name}_mean": float(found.values[:, j].mean()) for j, name in enumerate(names)})
    return out


def _front(spec: PlanSpec, trials: pd.DataFrame) -> pd.DataFrame:
    """The reported plans: feasible, complete, best first; for several objectives the Pareto
    front, thinned evenly along the first objective to ``report.top`` plans."""
    names = spec.objective_names()
    ok = trials[(trials["feasible"] == True) & (trials["state"] == "complete")]  # noqa: E712
    ok = ok.dropna(subset=names)
    if ok.empty:
        out = ok.copy()
        out.insert(0, "plan", [])
        out.insert(0, "rank", [])
        return out
    signs = np.ones(len(names)) if spec.robustness.measure == "regret" else _signs(spec)
    losses = ok[names].to_numpy(dtype=float) * signs
    if len(names) == 1:
        order = np.lexsort((ok["trial"].to_numpy(), losses[:, 0]))
        chosen = order[: spec.report.top]
    else:
        front = pareto(losses)
        front = front[np.lexsort((ok["trial"].to_numpy()[front], losses[front, 0]))]
        if len(front) > spec.report.top:
            picks = np.unique(np.round(np.linspace(0, len(front) - 1, spec.report.top)))
            front = front[picks.astype(int)]
        chosen = front
    out = ok.iloc[chosen].reset_index(drop=True)
    out.insert(0, "plan", [f"plan-{i + 1:02d}" for i in range(len(out))])
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def _lower(spec: PlanSpec) -> list[bool]:
    """Per objective: whether lower is better in the reported values (regret always)."""
    if spec.robustness.measure == "regret":
        return [True] * len(spec.directions())
    return [d == "minimise" for d in spec.directions()]


def _objective_label(name: str) -> str:
    return "objective" if name == "objective" else declared_metric(name).label


def _fmt(name: str, value: float) -> str:
    if name == "objective":
        return f"{value:,.0f}"
    return declared_metric(name).format(value)


def _measure_words(spec: PlanSpec) -> str:
    robustness = spec.robustness
    level = robustness.resolved_level()
    if robustness.measure == "mean":
        return "mean over the runs"
    if robustness.measure == "quantile":
        return f"the value {level:.0%} of the runs do at least as well as"
    worst = "largest" if level == 1 else f"{level:.0%} quantile of the"
    return f"regret: the {worst} shortfall against the best plan in each sampled scenario"


def _measure_suffix(spec: PlanSpec) -> str:
    measure = spec.robustness.measure
    level = spec.robustness.resolved_level()
    if measure == "mean":
        return " (mean)"
    if measure == "quantile":
        return f" ({level:.0%} of runs)"
    return " (regret)"


def _plan_yaml(search: PlanSearch, row: dict[str, Any]) -> str:
    import yaml

    spec = search.problem.spec
    lines = [
        f"# {row['plan']} of plan search {spec.name!r} (trial {row['trial']}), changesim "
        f"{__version__}.",
        f"# Robustness: {_measure_words(spec)}.",
    ]
    for name in spec.objective_names():
        lines.append(
            f"#   {_objective_label(name)}: {_fmt(name, row[name])} "
            f"(mean {_fmt(name, row[f'{name}_mean'])})"
        )
    lines.append(
        f"#   intervention cost: at most {row[COST]:,.0f} over the runs; most in one "
        f"week {row[PEAK]:,.0f}"
    )
    lever_values = {k: row[k] for k in _param_names(search.problem) if k in row and _given(row[k])}
    lines.append("# Levers: " + ", ".join(f"{k} = {_cell(v)}" for k, v in lever_values.items()))
    data = search.plans[row["plan"]]
    return "\n".join(lines) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _report(search: PlanSearch) -> str:
    problem = search.problem
    spec = problem.spec
    names = spec.objective_names()
    experiment = problem.experiment
    points = len(experiment.design())
    budget = spec.budget
    out = [f"# Plan search: {spec.name}", ""]
    if spec.description:
        out += [spec.description, ""]
    feasible = int(search.trials["feasible"].sum()) if not search.trials.empty else 0
    out += [
        f"{len(search.trials)} plans tried, {feasible} within the budget. Every plan and every "
        f"route ran on the same {points} sampled scenario(s) x "
        f"{spec.uncertain.replications} replication(s) (common random numbers).",
        "",
        f"- Robustness: {_measure_words(spec)}.",
    ]
    if budget is not None:
        caps = []
        if budget.total is not None:
            caps.append(f"total intervention cost at most {budget.total:,.0f}")
        if budget.per_week is not None:
            caps.append(f"at most {budget.per_week:,.0f} in any one week")
        out.append(
            f"- Budget: {' and '.join(caps)}, judged on the largest cost over a plan's runs."
        )
    out.append(
        "- Objectives: "
        + ", ".join(
            f"{_objective_label(n)} ({d})" for n, d in zip(names, spec.directions(), strict=True)
        )
    )
    out += ["", "## Reported plans", ""]
    if search.front.empty:
        out.append("No plan kept to the budget.")
    else:
        levers = [
            k for k in ["route", *[lv.name for lv in problem.levers]] if k in search.front.columns
        ]
        header = ["plan", "trial", *[_objective_label(n) for n in names], "cost (max)", *levers]
        out += _md_table(
            header,
            [
                [
                    r["plan"],
                    str(r["trial"]),
                    *[_fmt(n, r[n]) for n in names],
                    f"{r[COST]:,.0f}",
                    *[_cell(r[k]) for k in levers],
                ]
                for _, r in search.front.iterrows()
            ],
        )
    out += ["", "## Compared with the routes as written, on the same seeds", ""]
    header = [
        "",
        *[_objective_label(n) for n in names],
        *[f"{_objective_label(n)} (mean)" for n in names],
        "cost (max)",
        "within budget",
    ]
    out += _md_table(
        header,
        [
            [
                f"{r['name']} ({r['kind']})",
                *[_fmt(n, r[n]) for n in names],
                *[_fmt(n, r[f"{n}_mean"]) for n in names],
                f"{r[COST]:,.0f}",
                "yes" if r["within_budget"] else "**no**",
            ]
            for _, r in search.comparison.iterrows()
        ],
    )
    out += [
        "",
        "Files: front.csv, trials.csv, comparison.csv, front.png, plans/*.yaml "
        "(run one with `changesim run plans/plan-01.yaml --out run`).",
        "",
    ]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "–" if math.isnan(value) else f"{value:.3g}"
    return str(value)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines
