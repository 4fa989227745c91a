"""Levers and candidates: what a plan may change in the scenario, the values a lever sets,
the check of a lever against the scenarios it applies to, and a plan as the runs need it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from changesim.experiments.plans.spec import USE, ChoiceLever, LeverSpec, RangeLever
from changesim.scenario import Problem, ScenarioError, load_scenario
from changesim.scenario.paths import parse_path, path_problem, with_values

if TYPE_CHECKING:
    import optuna


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
        return without_interventions(self.data, self.dropped)


def without_interventions(data: dict[str, Any], dropped: Iterable[int]) -> dict[str, Any]:
    """Scenario ``data`` without the interventions at the indices ``dropped`` (a shallow
    copy; ``data`` itself when nothing is dropped)."""
    dropped = set(dropped)
    if not dropped:
        return data
    out = dict(data)
    out["interventions"] = [
        x for i, x in enumerate(data.get("interventions", [])) if i not in dropped
    ]
    return out


def lever_problems(
    lever: Lever, choices: dict[str, dict[str, Any]], label: str, where: str
) -> list[Problem]:
    """A lever's path must name a field of every plan it applies to, and its extreme values
    (and the values it scales) must be allowed there.

    Parameters
    ----------
    lever : Lever
        The lever checked.
    choices : dict
        Route choice -> scenario data of the plans the lever applies to (``base`` for the
        base scenario when there is no route lever).
    label : str
        The plan-search file, for messages.
    where : str
        The lever's field path in the file, for messages.

    Returns
    -------
    list of Problem
        The first problem found, or none.
    """
    try:
        parts = parse_path(lever.path)
    except ValueError as error:
        return [Problem(label, where, str(error), has_value=False)]
    data = next(iter(choices.values()))
    if parts[-1] == USE:
        return _use_problems(lever, data, label, where)
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


def _use_problems(lever: Lever, data: dict[str, Any], label: str, where: str) -> list[Problem]:
    """``interventions[i].use`` must name an intervention and take true and false."""
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
        isinstance(lever.spec, ChoiceLever) and all(isinstance(v, bool) for v in lever.spec.values)
    ):
        return [Problem(label, where, "use takes {values: [true, false]}", has_value=False)]
    return []
