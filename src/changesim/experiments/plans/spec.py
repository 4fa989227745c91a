"""Plan-search files: the levers of a change plan, a budget, objectives and the uncertainty a
plan must hold up under.

A plan-search file is YAML validated like a scenario (unknown keys refused, every field
described; errors name the file, the field path, the bad value and what is allowed)::

    name: Best plan under GBP 500,000
    base: ../example_org.yaml                  # the scenario the plans change
    routes:                                    # the route lever: one of these
      pilot_then_waves:
        file: ../pilot_then_waves.yaml         # the route section of a scenario file
        levers:                                # levers of this route only
          route.gate.adopted_share: {low: 0.5, high: 0.9}
      back_office_first:
        route: {kind: back_office_first}       # or a route section written here
        levers:
          route.gap_weeks: {low: 4, high: 20}
    levers:                                    # dotted paths into the scenario
      interventions[0].intensity: {low: 0.1, high: 1.0,
                                   scales: {interventions[0].cost_per_week: 8000}}
      interventions[0].weeks: {low: 4, high: 26}
      interventions[2].use: {values: [true, false]}
      interventions[2].choose: {values: [centrality, betweenness, random]}
    budget: {total: 500000}                    # and/or per_week: the most spent in a week
    objectives:                                # or objective: {weights: {...}}
      weeks_to_80: minimise
      quality_loss: minimise
    uncertain:                                 # as an experiment file's factors
      factors:
        population.readiness.mean: {low: 0.35, high: 0.65}
      design: {kind: lhs, samples: 4}
      replications: 2
    robustness: {measure: quantile, level: 0.9}   # mean, quantile or regret
    seed: 1
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Tag, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from changesim.analysis.metrics import METRICS
from changesim.experiments.spec import Design, ExperimentSpec, FactorSpec, FactorValue
from changesim.scenario.fields import StrictModel, spec_field

#: The pseudo-field that leaves an intervention in or out of a plan: ``interventions[2].use``.
USE = "use"

Direction = Literal["minimise", "maximise", "minimize", "maximize"]


class RangeLever(StrictModel):
    """A number between ``low`` and ``high``; whole numbers when both are written as whole
    numbers (weeks) and ``step`` is whole or not given."""

    low: int | float = spec_field(..., "Smallest value.")
    high: int | float = spec_field(..., "Largest value.")
    step: int | float | None = spec_field(
        None, "Only values low + k step; default any value (whole numbers: every one).", gt=0
    )
    log: bool = spec_field(False, "Search on a log scale (low must be above 0).")
    scales: dict[str, float] = spec_field(
        {},
        "Other fields set in proportion to this lever: dotted path -> value per unit of the "
        "lever, e.g. a cost per week that grows with the intensity.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> RangeLever:
        if not self.low < self.high:
            raise PydanticCustomError(
                "range_order",
                "low ({low}) must be below high ({high})",
                {"low": self.low, "high": self.high, "path": "high"},
            )
        if self.log and self.low <= 0:
            raise PydanticCustomError(
                "log_positive", "a log scale needs low above 0", {"path": "low"}
            )
        if self.log and self.step is not None:
            raise PydanticCustomError("log_step", "a log scale takes no step", {"path": "step"})
        return self

    @property
    def integer(self) -> bool:
        """Whether the lever takes whole numbers only."""
        whole = (self.low, self.high) + (() if self.step is None else (self.step,))
        return all(isinstance(v, int) and not isinstance(v, bool) for v in whole)


class ChoiceLever(StrictModel):
    """One of a list of values (a choice method, a weekday, true/false)."""

    values: list[FactorValue] = spec_field(..., "The values to choose from.", min_length=2)


def _lever_kind(data: Any) -> str | None:
    if isinstance(data, BaseModel):
        data = data.model_dump()
    if not isinstance(data, dict):
        return None
    return "values" if "values" in data else "range"


LeverSpec = Annotated[
    Annotated[RangeLever, Tag("range")] | Annotated[ChoiceLever, Tag("values")],
    Discriminator(
        _lever_kind,
        custom_error_type="lever_kind",
        custom_error_message="a lever is {low, high} (optionally step, log, scales) or "
        "{values: [...]}",
    ),
]


class RouteChoice(StrictModel):
    """One route the search may choose, with levers of its own."""

    route: dict[str, Any] | None = spec_field(
        None, "The route section, as in a scenario file (e.g. {kind: combined})."
    )
    file: Path | None = spec_field(
        None, "A scenario file whose route section is taken (relative to this file)."
    )
    levers: dict[str, LeverSpec] = spec_field(
        {}, "Levers that apply when this route is chosen: dotted path -> range or values."
    )

    @model_validator(mode="after")
    def _one_source(self) -> RouteChoice:
        if (self.route is None) == (self.file is None):
            raise PydanticCustomError(
                "route_source", "give either route (a route section) or file, not both", {}
            )
        return self


class Budget(StrictModel):
    """What the interventions may cost; a plan over it is never reported."""

    total: float | None = spec_field(
        None, "Most total intervention cost over the run.", unit="currency", gt=0
    )
    per_week: float | None = spec_field(
        None, "Most intervention cost spent in any one week.", unit="currency/week", gt=0
    )

    @model_validator(mode="after")
    def _something(self) -> Budget:
        if self.total is None and self.per_week is None:
            raise PydanticCustomError("budget", "give total, per_week or both", {})
        return self


class WeightedObjective(StrictModel):
    """One objective: the weighted sum of metrics of :mod:`changesim.analysis.objective`, a
    cost in the scenario's currency (lower is better)."""

    weights: dict[str, float] = spec_field(
        ..., "Metric name -> weight in currency per unit of the metric.", min_length=1
    )
    never: float | None = spec_field(
        None,
        "Weeks counted for a milestone (weeks_to_*) never reached; default the run's weeks + 1.",
        ge=0,
    )


class Uncertain(StrictModel):
    """What is uncertain: every plan is judged on the same sampled scenarios and seeds."""

    factors: dict[str, FactorSpec] = spec_field(
        {}, "Uncertain factors: dotted path into the scenario -> range, values or distribution."
    )
    design: Design | None = spec_field(
        None, "How the factors are sampled; default lhs with 8 samples (none without factors)."
    )
    replications: int = spec_field(
        2, "Runs per sampled scenario, on seeds shared by every plan.", ge=1, le=1_000
    )

    @model_validator(mode="after")
    def _as_an_experiment(self) -> Uncertain:
        """The same checks as an experiment file's design and factors."""
        try:
            ExperimentSpec(routes=[Path(".")], factors=self.factors, design=self.resolved_design())
        except ValidationError as error:
            first = error.errors()[0]
            ctx = dict(first.get("ctx") or {})
            raise PydanticCustomError(
                first["type"],
                first["msg"].replace("{", "(").replace("}", ")"),
                {"path": ctx.get("path", "design")},
            ) from None
        return self

    def resolved_design(self) -> Design:
        """The design used: as given, else lhs with 8 samples, or one point without factors."""
        if self.design is not None:
            return self.design
        return Design(kind="lhs", samples=8) if self.factors else Design(kind="grid")


class Robustness(StrictModel):
    """How a plan's outcomes over the uncertain scenarios become one number per objective."""

    measure: Literal["mean", "quantile", "regret"] = spec_field(
        "mean",
        "mean: over every run; quantile: the value that `level` of the runs do at least as "
        "well as (0.9: the 90th percentile of weeks to 80%); regret: how far the plan falls "
        "behind the best plan in each sampled scenario, at the `level` quantile of the "
        "scenarios (1: the largest regret).",
    )
    level: float | None = spec_field(
        None,
        "The quantile's level: default 0.9 for quantile, 1 (the worst) for regret.",
        gt=0,
        le=1,
    )

    def resolved_level(self) -> float:
        """The level used."""
        if self.level is not None:
            return self.level
        return 1.0 if self.measure == "regret" else 0.9


class Search(StrictModel):
    """How candidates are proposed."""

    sampler: Literal["tpe", "nsga2", "random"] = spec_field(
        "tpe",
        "tpe: Optuna's tree-structured Parzen estimator (one or several objectives); nsga2: "
        "Optuna's NSGA-II (several objectives, many trials); random: independent draws.",
    )
    batch: int = spec_field(
        8,
        "Plans proposed together and evaluated in parallel; fixed so that the trials do not "
        "depend on the number of workers.",
        ge=1,
        le=1_000,
    )
    startup: int = spec_field(10, "Random plans before TPE builds its model.", ge=1, le=10_000)
    population: int = spec_field(20, "NSGA-II population size.", ge=2, le=10_000)


class Report(StrictModel):
    """What is reported."""

    top: int = spec_field(5, "Plans reported (the best, or spread along the front).", ge=1, le=100)
    compare: list[Path] = spec_field(
        [],
        "Scenario files compared with the plans on the same seeds (relative to this file); "
        "default each route choice on the base scenario as written.",
    )


class PlanSpec(StrictModel):
    """A plan-search file."""

    name: str = spec_field("Unnamed plan search", "Short name shown in reports.")
    description: str = spec_field("", "What the search asks.")
    base: Path = spec_field(..., "The scenario the plans change, relative to this file.")
    routes: dict[str, RouteChoice] = spec_field(
        {}, "The route lever: name -> route section or file; default the base's route."
    )
    levers: dict[str, LeverSpec] = spec_field(
        {},
        "Levers: dotted path into the scenario -> range or values; interventions[i].use "
        "({values: [true, false]}) leaves an intervention in or out.",
    )
    budget: Budget | None = spec_field(None, "The budget every reported plan keeps to.")
    objectives: dict[str, Direction | None] | None = spec_field(
        None,
        "Metric name -> minimise or maximise (empty: the metric's own direction of better); "
        "several give a Pareto front.",
    )
    objective: WeightedObjective | None = spec_field(
        None, "One weighted objective instead of objectives."
    )
    uncertain: Uncertain = spec_field(Uncertain(), "What a plan must hold up under.")
    robustness: Robustness = spec_field(Robustness(), "How outcomes over uncertainty count.")
    search: Search = spec_field(Search(), "How candidates are proposed.")
    report: Report = spec_field(Report(), "What is reported.")
    seed: int = spec_field(0, "Seed of the sampler and of every run's seed.", ge=0, le=2**63 - 1)

    @model_validator(mode="after")
    def _objectives(self) -> PlanSpec:
        if (self.objectives is None) == (self.objective is None):
            raise PydanticCustomError(
                "objectives",
                "give objectives (metric -> direction) or objective (weights), not both",
                {"path": "objectives"},
            )
        names = self.objectives or (self.objective.weights if self.objective else {})
        prefix = "objectives" if self.objectives is not None else "objective.weights"
        if not names:
            raise PydanticCustomError("no_objective", "name at least one metric", {"path": prefix})
        for name, direction in (self.objectives or {}).items():
            if name in METRICS and direction is None and METRICS[name].better is None:
                raise PydanticCustomError(
                    "direction",
                    "{name} has no direction of better; say minimise or maximise",
                    {"name": name, "path": f"{prefix}.{name}"},
                )
        for name in names:
            if name not in METRICS:
                raise PydanticCustomError(
                    "metric",
                    "'{name}' is not a metric; allowed: {allowed}",
                    {"name": name, "allowed": ", ".join(METRICS), "path": f"{prefix}.{name}"},
                )
        return self

    @model_validator(mode="after")
    def _something_to_choose(self) -> PlanSpec:
        route_levers = any(choice.levers for choice in self.routes.values())
        if not self.levers and len(self.routes) < 2 and not route_levers:
            raise PydanticCustomError(
                "no_levers",
                "a plan search needs a lever: two routes or more, or levers",
                {"path": "levers"},
            )
        return self

    def directions(self) -> list[Literal["minimise", "maximise"]]:
        """Direction of each objective, in order."""
        if self.objective is not None:
            return ["minimise"]
        out: list[Literal["minimise", "maximise"]] = []
        for name, direction in (self.objectives or {}).items():
            if direction is None:
                direction = "minimise" if METRICS[name].better == "lower" else "maximise"
            out.append("maximise" if direction.startswith("maxim") else "minimise")
        return out

    def objective_names(self) -> list[str]:
        """The objectives' names: the metrics, or ``objective`` for a weighted one."""
        return ["objective"] if self.objective is not None else list(self.objectives or {})
