"""A plan-search file resolved into a problem: the base scenario, the route choices, the
levers, the uncertain factors and the compared routes, checked against one another
(:func:`load_plan_search`), and what a trial's parameters make of it."""

from __future__ import annotations

import copy
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from changesim.analysis.metrics import METRICS
from changesim.experiments.factors import Factor
from changesim.experiments.plans.levers import Candidate, Lever, lever_problems
from changesim.experiments.plans.spec import PlanSpec
from changesim.experiments.spec import ExperimentSpec
from changesim.experiments.sweeps import Experiment, Run, factor_problems, read_mapping
from changesim.scenario import Problem, ScenarioError, load_scenario
from changesim.scenario.errors import problems_from_validation
from changesim.scenario.paths import with_values
from changesim.version import __version__

if TYPE_CHECKING:
    import optuna


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

    def parameter_names(self) -> list[str]:
        """The trial parameters a plan may have: ``route``, then each lever's name."""
        return ["route", *(lever.name for lever in self.levers)]

    def parameters_in(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        """The parameters a trials-table row gives (a lever of another route is NaN there),
        in the order of :meth:`parameter_names`."""
        return {
            name: row[name]
            for name in self.parameter_names()
            if name in row and not (isinstance(row[name], float) and math.isnan(row[name]))
        }

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
    routes, problems = _route_sections(spec, base, label, near)
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
        problems += lever_problems(lever, within, label, where)
    factors = [Factor(p, f) for p, f in spec.uncertain.factors.items()]
    for factor in factors:
        for found in factor_problems(factor, choices, label):
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


def _route_sections(
    spec: PlanSpec, base: dict[str, Any], label: str, near: Callable[[Path], Path]
) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """Route choice -> its validated route section, and the problems of those that fail."""
    problems: list[Problem] = []
    routes: dict[str, dict[str, Any]] = {}
    for name, choice in spec.routes.items():
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
                problems.append(Problem(label, f"routes.{name}.route", reasons, choice.route))
    return routes, problems


def _needs_customers(spec: PlanSpec, name: str) -> bool:
    names = list(spec.objective.weights) if spec.objective is not None else [name]
    return any(METRICS[n].group == "customers" for n in names if n in METRICS)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value
