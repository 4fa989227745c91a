"""Scenario files: the validated description of one simulated organisational change.

A scenario is a YAML file (read with ``yaml.safe_load``) validated by the pydantic models in
this module. Every field has a default, so a file states only what differs; a file may
``extends:`` another file and override a few fields. Unknown keys are rejected. Problems are
reported by :class:`changesim.errors.ScenarioError` with the file, field path, bad value and
what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from changesim.customer_spec import Customers, Experience
from changesim.rules import registered_rules
from changesim.scenario_base import CHANNELS, Channel, StrictModel, UnitName, spec_field

# --------------------------------------------------------------------------- organisation


class Unit(StrictModel):
    """An organisational unit: the back-office or one front-office channel team."""

    name: UnitName = spec_field(..., "Unique name of the unit, used by routes and overrides.")
    kind: Literal["back_office", "front_office"] = spec_field(
        ..., "back_office (case handling, CRM) or front_office (serves one channel)."
    )
    channel: Channel | None = spec_field(
        None, "Customer channel a front-office unit serves; back-office units have none."
    )
    headcount: int | None = spec_field(
        None,
        "Number of employees. Required unless the population comes from a table.",
        unit="employees",
        ge=1,
        le=5_000_000,
    )

    @model_validator(mode="after")
    def _channel_matches_kind(self) -> Unit:
        if self.kind == "front_office" and self.channel is None:
            raise PydanticCustomError(
                "channel_required",
                "a front_office unit needs a channel, one of: {allowed}",
                {"allowed": ", ".join(CHANNELS), "path": "channel"},
            )
        if self.kind == "back_office" and self.channel is not None:
            raise PydanticCustomError(
                "channel_forbidden",
                "a back_office unit serves no channel; remove 'channel'",
                {"path": "channel"},
            )
        return self


class Organisation(StrictModel):
    """The organisation's units."""

    units: list[Unit] = spec_field(..., "The units of the organisation.", min_length=1)
    experience: Experience = spec_field(
        Experience(), "What the organisation has done before (channel steering, CRM)."
    )

    @property
    def names(self) -> list[str]:
        """Unit names in file order."""
        return [u.name for u in self.units]


# --------------------------------------------------------------------------- population


class Distribution(StrictModel):
    """A Beta distribution on [0, 1] given by its mean and standard deviation."""

    mean: float = spec_field(..., "Mean of the Beta distribution.", ge=0.0, le=1.0)
    sd: float = spec_field(0.0, "Standard deviation; 0 gives everyone the mean.", ge=0.0, lt=0.5)

    @model_validator(mode="after")
    def _feasible(self) -> Distribution:
        check_beta(self.mean, self.sd, "sd")
        return self


def check_beta(mean: float, sd: float, path: str) -> None:
    """Raise a validation error if no Beta distribution has this mean and sd."""
    limit = (mean * (1.0 - mean)) ** 0.5
    if sd > 0 and sd >= limit:
        raise PydanticCustomError(
            "beta_infeasible",
            "sd {sd} is too large for mean {mean}: a Beta distribution needs sd < {limit}",
            {"sd": sd, "mean": mean, "limit": f"{limit:.3f}", "path": path},
        )


class DistributionOverride(StrictModel):
    """Per-unit change to a population distribution; unset fields keep the default."""

    mean: float | None = spec_field(None, "Mean for this unit.", ge=0.0, le=1.0)
    sd: float | None = spec_field(None, "Standard deviation for this unit.", ge=0.0, lt=0.5)


class UnitPopulation(StrictModel):
    """Distribution overrides for one unit."""

    readiness: DistributionOverride | None = spec_field(None, "Readiness for this unit.")
    resistance: DistributionOverride | None = spec_field(None, "Resistance for this unit.")
    threshold: DistributionOverride | None = spec_field(None, "Threshold for this unit.")


class Population(StrictModel):
    """Employees' change readiness, resistance and adoption threshold."""

    readiness: Distribution = spec_field(
        Distribution(mean=0.5, sd=0.15),
        "Change readiness r (veranderbereidheid): willingness to work the new way.",
    )
    resistance: Distribution = spec_field(
        Distribution(mean=0.35, sd=0.15),
        "Resistance to change s (veranderweerstand).",
    )
    threshold: Distribution = spec_field(
        Distribution(mean=0.3, sd=0.1),
        "Adoption threshold theta: share of adopted colleagues needed (threshold rule).",
    )
    manager_share: float = spec_field(
        0.1, "Share of employees who are managers (span of control ~10).", ge=0.0, le=1.0
    )
    units: dict[str, UnitPopulation] = spec_field(
        {}, "Per-unit overrides of the distributions, keyed by unit name."
    )
    table: Path | None = spec_field(
        None,
        "CSV or Parquet file with one row per employee: column 'unit' (required), optional "
        "'id', 'readiness', 'resistance', 'threshold', 'role' (staff/manager), "
        "'initial_adopter' (true/false; used with initial_adopters.choose: table). Missing "
        "columns are drawn from the distributions. Unit headcounts come from the table.",
    )

    @model_validator(mode="after")
    def _overrides_feasible(self) -> Population:
        for unit, override in self.units.items():
            for attribute in ("readiness", "resistance", "threshold"):
                if getattr(override, attribute) is not None:
                    dist = self.distribution(attribute, unit)
                    check_beta(dist.mean, dist.sd, f"units.{unit}.{attribute}.sd")
        return self

    def distribution(self, attribute: str, unit: str) -> Distribution:
        """The distribution of ``attribute`` for the employees of ``unit``."""
        base: Distribution = getattr(self, attribute)
        override = self.units.get(unit)
        change = getattr(override, attribute) if override else None
        if change is None:
            return base
        # Not re-validated here: _overrides_feasible checks every combination on loading.
        return Distribution.model_construct(
            mean=base.mean if change.mean is None else change.mean,
            sd=base.sd if change.sd is None else change.sd,
        )


# --------------------------------------------------------------------------- network


class CompleteNetwork(StrictModel):
    """Everyone is tied to everyone (the mean-field limit)."""

    kind: Literal["complete"] = spec_field(..., "Selects this variant: complete.")


class RingNetwork(StrictModel):
    """A ring lattice over the whole organisation, ordered by unit."""

    kind: Literal["ring"] = spec_field(..., "Selects this variant: ring.")
    degree: int = spec_field(10, "Ties per employee (rounded down to even).", unit="ties", ge=2)


class ErdosRenyiNetwork(StrictModel):
    """Random ties with a given mean degree."""

    kind: Literal["erdos_renyi"] = spec_field(..., "Selects this variant: erdos_renyi.")
    degree: float = spec_field(10.0, "Mean ties per employee.", unit="ties", gt=0.0, le=1000.0)


class SmallWorldNetwork(StrictModel):
    """Watts-Strogatz small world inside each unit plus random cross-unit ties."""

    kind: Literal["small_world"] = spec_field(..., "Selects this variant: small_world.")
    degree: int = spec_field(10, "Ties per employee inside the unit (even).", unit="ties", ge=2)
    rewire: float = spec_field(0.1, "Rewiring probability of a within-unit tie.", ge=0.0, le=1.0)
    cross_unit_ties: float = spec_field(
        0.02, "Cross-unit ties as a share of within-unit ties.", ge=0.0, le=1.0
    )


class EdgeListNetwork(StrictModel):
    """A measured network: CSV/Parquet with columns 'source' and 'target'."""

    kind: Literal["edge_list"] = spec_field(..., "Selects this variant: edge_list.")
    file: Path = spec_field(..., "Edge list; ids match the population table's 'id' or row index.")


Network = Annotated[
    CompleteNetwork | RingNetwork | ErdosRenyiNetwork | SmallWorldNetwork | EdgeListNetwork,
    Field(discriminator="kind"),
]

# --------------------------------------------------------------------------- adoption

Choice = Literal["random", "centrality", "betweenness", "managers", "table"]


class InitialAdopters(StrictModel):
    """Employees who adopt as soon as their unit's phase opens (innovators)."""

    count: int | None = spec_field(None, "Number of initial adopters.", unit="employees", ge=0)
    share: float | None = spec_field(
        None, "Share of all employees who are initial adopters.", ge=0.0, le=1.0
    )
    choose: Literal["random", "centrality", "betweenness", "table"] = spec_field(
        "random",
        "random; centrality (highest degree); betweenness; table (column 'initial_adopter').",
    )

    @model_validator(mode="after")
    def _one_size(self) -> InitialAdopters:
        if self.count is not None and self.share is not None:
            raise PydanticCustomError(
                "count_and_share", "give either count or share, not both", {"path": "count"}
            )
        return self


class Adoption(StrictModel):
    """The adoption rule and its parameters."""

    rule: str = spec_field(
        "readiness", "Registered adoption rule: bass, threshold, readiness or your own."
    )
    p: float = spec_field(
        0.01, "Outside influence (innovation) per week.", unit="1/week", ge=0, le=1
    )
    q: float = spec_field(
        0.25, "Imitation per week at full adopted neighbourhood.", unit="1/week", ge=0, le=1
    )
    k: float = spec_field(
        8.0, "Steepness of the readiness-resistance logistic (readiness rule).", ge=0, le=100
    )
    params: dict[str, float] = spec_field({}, "Extra parameters for user-registered rules.")
    revert: float = spec_field(
        0.05,
        "Weekly reversion probability of a fully resistant adopter while the unit's quality "
        "is below its old level (scaled by resistance).",
        unit="1/week",
        ge=0,
        le=1,
    )
    initial_adopters: InitialAdopters = spec_field(
        InitialAdopters(), "Who adopts first; none by default."
    )

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str) -> str:
        known = registered_rules()
        if rule not in known:
            raise PydanticCustomError(
                "unknown_rule",
                "unknown adoption rule '{rule}'; registered rules: {allowed}",
                {"rule": rule, "allowed": ", ".join(sorted(known))},
            )
        return rule


class Influence(StrictModel):
    """How employees' readiness and resistance move during the change."""

    readiness_influence: float = spec_field(
        0.05, "Weekly pull of readiness toward the neighbours' mean.", unit="1/week", ge=0, le=1
    )
    fatigue: float = spec_field(
        0.01,
        "Weekly rise of resistance per additional unit changing at the same time "
        "(change fatigue; individual approach only).",
        unit="1/week",
        ge=0,
        le=1,
    )


class Quality(StrictModel):
    """Service quality of a unit during the change (the J-curve); the old level is 1."""

    new_level: float = spec_field(
        1.15, "Quality of the new way of working once learned.", unit="relative", ge=0, le=3
    )
    learning_start: float = spec_field(
        0.7, "Quality of a fresh adopter's work before learning.", unit="relative", ge=0, le=3
    )
    learning_weeks: float = spec_field(
        10.0, "Time constant of learning the new way.", unit="weeks", gt=0, le=520
    )
    mixing_penalty: float = spec_field(
        0.1,
        "Loss when old and new ways are mixed, at its largest when half have adopted.",
        unit="relative",
        ge=0,
        le=1,
    )
    cutover_share: float = spec_field(
        0.8, "Adopted share at which a unit counts as cut over.", ge=0.01, le=1.0
    )

    @model_validator(mode="after")
    def _learning_improves(self) -> Quality:
        if self.new_level <= self.learning_start:
            raise PydanticCustomError(
                "learning_direction",
                "new_level ({new}) must be above learning_start ({start}): learning the new "
                "way of working improves it",
                {"new": self.new_level, "start": self.learning_start, "path": "new_level"},
            )
        return self


# --------------------------------------------------------------------------- routes


class Gate(StrictModel):
    """A condition on the previous phase that opens the next one."""

    adopted_share: float = spec_field(
        0.8, "Opens when the previous phase's adopted share reaches this.", gt=0.0, le=1.0
    )
    max_weeks: int | None = spec_field(
        None, "Opens at the latest this many weeks after the previous phase.", unit="weeks", ge=0
    )


class PhaseSpec(StrictModel):
    """One phase of a custom route."""

    units: list[UnitName] = spec_field(..., "Units whose change opens in this phase.", min_length=1)
    after_weeks: int = spec_field(
        0,
        "Weeks after the previous phase opened (the first phase: the start week).",
        unit="weeks",
        ge=0,
    )
    gate: Gate | None = spec_field(None, "Extra condition on the previous phase; none by default.")


class BackOfficeFirst(StrictModel):
    """The back-office changes first; the front-office follows."""

    kind: Literal["back_office_first"] = spec_field(..., "Selects this variant: back_office_first.")
    start: int = spec_field(0, "Week the first phase opens.", unit="weeks", ge=0)
    gap_weeks: int = spec_field(12, "Weeks between the two phases.", unit="weeks", ge=0)
    gate: Gate | None = spec_field(None, "Also wait until the first phase reaches this adoption.")


class FrontOfficeFirst(StrictModel):
    """The front-office channels change first; the back-office follows."""

    kind: Literal["front_office_first"] = spec_field(
        ..., "Selects this variant: front_office_first."
    )
    start: int = spec_field(0, "Week the first phase opens.", unit="weeks", ge=0)
    gap_weeks: int = spec_field(12, "Weeks between the two phases.", unit="weeks", ge=0)
    gate: Gate | None = spec_field(None, "Also wait until the first phase reaches this adoption.")


class Combined(StrictModel):
    """All units at once (big bang)."""

    kind: Literal["combined"] = spec_field(..., "Selects this variant: combined.")
    start: int = spec_field(0, "Week all units open.", unit="weeks", ge=0)


class PilotThenWaves(StrictModel):
    """A small-start pilot unit, then waves once the pilot has proven itself."""

    kind: Literal["pilot_then_waves"] = spec_field(..., "Selects this variant: pilot_then_waves.")
    pilot: UnitName = spec_field(..., "The pilot unit.")
    start: int = spec_field(0, "Week the pilot opens.", unit="weeks", ge=0)
    gate: Gate = spec_field(Gate(), "Condition on the pilot that opens the first wave.")
    waves: list[Annotated[list[UnitName], Field(min_length=1)]] | None = spec_field(
        None, "Units per wave; default: all other units in one wave."
    )
    wave_gap_weeks: int = spec_field(8, "Weeks between later waves.", unit="weeks", ge=0)


class Custom(StrictModel):
    """Explicit phases with start weeks and gates."""

    kind: Literal["custom"] = spec_field(..., "Selects this variant: custom.")
    phases: list[PhaseSpec] = spec_field(..., "Phases in order.", min_length=1)


Route = Annotated[
    BackOfficeFirst | FrontOfficeFirst | Combined | PilotThenWaves | Custom,
    Field(discriminator="kind"),
]

# --------------------------------------------------------------------------- interventions


class InterventionBase(StrictModel):
    """Timing, reach and cost shared by every intervention."""

    timing: Literal["absolute", "unit_opening"] = spec_field(
        "absolute",
        "absolute: start is a week of the run; unit_opening: start counts from the week each "
        "reached unit's change opens, so every unit gets its own run of the intervention.",
    )
    start: int = spec_field(0, "Start week (see timing).", unit="weeks", ge=0)
    weeks: int = spec_field(12, "Duration.", unit="weeks", ge=1)
    intensity: float = spec_field(0.5, "Strength, 0 (none) to 1 (maximal).", ge=0.0, le=1.0)
    units: list[UnitName] | None = spec_field(None, "Units reached; default: all units.")
    cost_fixed: float = spec_field(0.0, "One-off cost at the start.", unit="currency", ge=0)
    cost_per_week: float = spec_field(0.0, "Cost per active week.", unit="currency/week", ge=0)
    cost_per_employee: float = spec_field(
        0.0,
        "One-off cost per employee reached, when their window begins.",
        unit="currency/employee",
        ge=0,
    )


class Communication(InterventionBase):
    """Individual approach: raises readiness of everyone reached (in scope or not)."""

    kind: Literal["communication"] = spec_field(..., "Selects this variant: communication.")


class Training(InterventionBase):
    """Individual approach: lowers resistance of reached employees whose change has opened."""

    kind: Literal["training"] = spec_field(..., "Selects this variant: training.")


class Champions(InterventionBase):
    """Champions: ready, unresisting employees whose influence weight is raised."""

    kind: Literal["champions"] = spec_field(..., "Selects this variant: champions.")
    share: float = spec_field(0.05, "Share of reached employees made champions.", ge=0.0, le=1.0)
    choose: Literal["random", "centrality", "betweenness", "managers"] = spec_field(
        "centrality", "How champions are chosen."
    )


class CrossUnitTies(InterventionBase):
    """Organisation approach (learning organisation): new ties between units."""

    kind: Literal["cross_unit_ties"] = spec_field(..., "Selects this variant: cross_unit_ties.")
    ties_per_employee: float = spec_field(
        1.0, "Mean new cross-unit ties per reached employee.", unit="ties", ge=0, le=100
    )


class WorkRedesign(InterventionBase):
    """Organisation approach: work is redesigned around resistance instead of fighting it."""

    kind: Literal["work_redesign"] = spec_field(..., "Selects this variant: work_redesign.")


Intervention = Annotated[
    Communication | Training | Champions | CrossUnitTies | WorkRedesign,
    Field(discriminator="kind"),
]

INDIVIDUAL_INTERVENTIONS = frozenset({"communication", "training"})
ORGANISATION_INTERVENTIONS = frozenset({"cross_unit_ties", "work_redesign"})

# --------------------------------------------------------------------------- scenario


class Scenario(StrictModel):
    """One simulated change: organisation, people, network, route, interventions, run."""

    name: str = spec_field("Unnamed scenario", "Short name shown in reports.")
    description: str = spec_field("", "What the scenario represents.")
    weeks: int = spec_field(104, "Simulated weeks.", unit="weeks", ge=1, le=1040)
    seed: int = spec_field(0, "Seed of the random number generator.", ge=0)
    replications: int = spec_field(1, "Runs with different seeds in compare.", ge=1, le=10_000)
    organisation: Organisation = spec_field(..., "The organisation: its units and experience.")
    population: Population = spec_field(Population(), "Employees' readiness and resistance.")
    network: Network = spec_field(
        SmallWorldNetwork(kind="small_world"), "The organisational network."
    )
    approach: Literal["individual", "organisation"] = spec_field(
        "individual",
        "individual: the person is the object of change (raise readiness, lower resistance); "
        "organisation: resistance is a given, redesign the organisation around it.",
    )
    adoption: Adoption = spec_field(Adoption(), "Adoption rule.")
    influence: Influence = spec_field(Influence(), "Social influence and change fatigue.")
    quality: Quality = spec_field(Quality(), "Service quality during the change.")
    route: Route = spec_field(Combined(kind="combined"), "The migration route.")
    interventions: list[Intervention] = spec_field([], "Interventions of the change approach.")
    customers: Customers | None = spec_field(
        None, "Customers and channel design; without it only the organisation is simulated."
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = reference_problems(self)
        if problems:
            raise PydanticCustomError(
                "cross_reference",
                "; ".join(f"{path}: {msg}" for path, _, msg in problems),
                {"problems": problems},
            )
        return self


def reference_problems(scenario: Scenario) -> list[tuple[str, Any, str]]:
    """Problems that span sections: unknown unit names, routes, approach mismatches.

    Returns
    -------
    list of (field path, bad value, message)
    """
    names = scenario.organisation.names
    allowed = ", ".join(names)
    problems: list[tuple[str, Any, str]] = []

    def check_unit(path: str, name: str) -> None:
        if name not in names:
            problems.append((path, name, f"unknown unit; the organisation has: {allowed}"))

    seen: set[str] = set()
    for i, unit in enumerate(scenario.organisation.units):
        if unit.name in seen:
            problems.append(
                (
                    f"organisation.units[{i}].name",
                    unit.name,
                    "this unit name is already used; names must be unique",
                )
            )
        seen.add(unit.name)
    for name in scenario.population.units:
        check_unit(f"population.units.{name}", name)
    if scenario.population.table is None:
        for i, unit in enumerate(scenario.organisation.units):
            if unit.headcount is None:
                problems.append(
                    (
                        f"organisation.units[{i}].headcount",
                        None,
                        "required unless population.table gives the employees",
                    )
                )
    if scenario.adoption.initial_adopters.choose == "table" and scenario.population.table is None:
        problems.append(("adoption.initial_adopters.choose", "table", "needs population.table"))
    problems.extend(_route_problems(scenario.route, scenario, check_unit))
    if scenario.customers is not None:
        problems.extend(_customer_problems(scenario, check_unit))
    for i, intervention in enumerate(scenario.interventions):
        for j, name in enumerate(intervention.units or []):
            check_unit(f"interventions[{i}].units[{j}]", name)
        wrong_school = (
            ORGANISATION_INTERVENTIONS
            if scenario.approach == "individual"
            else INDIVIDUAL_INTERVENTIONS
        )
        if intervention.kind in wrong_school:
            fits = sorted(
                (
                    INDIVIDUAL_INTERVENTIONS
                    if scenario.approach == "individual"
                    else ORGANISATION_INTERVENTIONS
                )
                | {"champions"}
            )
            problems.append(
                (
                    f"interventions[{i}].kind",
                    intervention.kind,
                    f"does not belong to approach {scenario.approach!r}; "
                    f"that approach uses: {', '.join(fits)}",
                )
            )
    return problems


def _route_problems(route: Any, scenario: Scenario, check_unit: Any) -> list:
    problems: list[tuple[str, Any, str]] = []
    units = scenario.organisation.units
    if route.kind in ("back_office_first", "front_office_first"):
        for kind in ("back_office", "front_office"):
            if not any(u.kind == kind for u in units):
                problems.append(("route.kind", route.kind, f"the organisation has no {kind} unit"))
        return problems
    if route.kind == "combined":
        return problems
    placed: list[tuple[str, str]] = []
    if route.kind == "pilot_then_waves":
        check_unit("route.pilot", route.pilot)
        placed.append(("route.pilot", route.pilot))
        for w, wave in enumerate(route.waves or []):
            for j, name in enumerate(wave):
                check_unit(f"route.waves[{w}][{j}]", name)
                placed.append((f"route.waves[{w}][{j}]", name))
        if route.waves is None:
            return problems
    else:
        if route.phases[0].gate is not None:
            problems.append(
                (
                    "route.phases[0].gate",
                    route.phases[0].gate.model_dump(),
                    "the first phase has no previous phase to gate on; use after_weeks",
                )
            )
        for p, phase in enumerate(route.phases):
            for j, name in enumerate(phase.units):
                check_unit(f"route.phases[{p}].units[{j}]", name)
                placed.append((f"route.phases[{p}].units[{j}]", name))
    seen: set[str] = set()
    for path, name in placed:
        if name in seen:
            problems.append((path, name, "unit appears in more than one phase"))
        seen.add(name)
    missing = [u.name for u in units if u.name not in seen]
    if missing:
        problems.append(
            (
                "route",
                ", ".join(missing),
                "every unit must be in one phase; missing: " + ", ".join(missing),
            )
        )
    return problems


def _customer_problems(scenario: Scenario, check_unit: Any) -> list:
    customers = scenario.customers
    channels = customers.channel_names()
    allowed = ", ".join(channels)
    problems: list[tuple[str, Any, str]] = []
    for i, feed in enumerate(customers.feeds):
        check_unit(f"customers.feeds[{i}].from", feed.source)
        check_unit(f"customers.feeds[{i}].to", feed.target)
    steering = customers.steering
    if steering.target is not None and steering.target not in channels:
        problems.append(
            (
                "customers.steering.target",
                steering.target,
                f"not one of the scenario's channels: {allowed}",
            )
        )
    if {r.channel for r in steering.restrictions} >= set(channels):
        problems.append(
            (
                "customers.steering.restrictions",
                [r.channel for r in steering.restrictions],
                "at least one channel must stay unrestricted to take the overflow",
            )
        )
    for i, restriction in enumerate(steering.restrictions):
        if restriction.channel not in channels:
            problems.append(
                (
                    f"customers.steering.restrictions[{i}].channel",
                    restriction.channel,
                    f"not one of the scenario's channels: {allowed}",
                )
            )
    for i, unit in enumerate(scenario.organisation.units):
        if unit.channel is not None and unit.channel not in channels:
            problems.append(
                (
                    f"organisation.units[{i}].channel",
                    unit.channel,
                    f"customers.channels has no such channel; it has: {allowed}",
                )
            )
    return problems
