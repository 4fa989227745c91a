"""Checks that span sections: unit names that must exist, routes that place every unit once,
interventions that fit the change approach, channels that customers can use."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from changesim.scenario.interventions import INDIVIDUAL_INTERVENTIONS, ORGANISATION_INTERVENTIONS
from changesim.scenario.routes import (
    BackOfficeFirst,
    Combined,
    FrontOfficeFirst,
    PilotThenWaves,
    Route,
)

if TYPE_CHECKING:
    from changesim.scenario.customers import Customers
    from changesim.scenario.schema import Scenario


def cross_section_problems(scenario: Scenario) -> list[tuple[str, Any, str]]:
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
        problems.extend(_customer_problems(scenario, scenario.customers, check_unit))
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


def _route_problems(
    route: Route, scenario: Scenario, check_unit: Callable[[str, str], None]
) -> list[tuple[str, Any, str]]:
    problems: list[tuple[str, Any, str]] = []
    units = scenario.organisation.units
    if isinstance(route, BackOfficeFirst | FrontOfficeFirst):
        for kind in ("back_office", "front_office"):
            if not any(u.kind == kind for u in units):
                problems.append(("route.kind", route.kind, f"the organisation has no {kind} unit"))
        return problems
    if isinstance(route, Combined):
        return problems
    placed: list[tuple[str, str]] = []
    if isinstance(route, PilotThenWaves):
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


def _customer_problems(
    scenario: Scenario, customers: Customers, check_unit: Callable[[str, str], None]
) -> list[tuple[str, Any, str]]:
    channels = customers.channel_names()
    allowed = ", ".join(channels)
    problems: list[tuple[str, Any, str]] = []
    pairs: set[tuple[str, str]] = set()
    for i, feed in enumerate(customers.feeds):
        check_unit(f"customers.feeds[{i}].from", feed.source)
        check_unit(f"customers.feeds[{i}].to", feed.target)
        if feed.source == feed.target:
            problems.append(
                (f"customers.feeds[{i}].to", feed.target, "a feed runs between two units")
            )
        elif (feed.source, feed.target) in pairs:
            problems.append(
                (
                    f"customers.feeds[{i}]",
                    f"{feed.source} -> {feed.target}",
                    "a second feed between the same units; give one feed per pair",
                )
            )
        pairs.add((feed.source, feed.target))
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
