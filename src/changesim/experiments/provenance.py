"""What made a result besides its scenario, seed and changesim version: the implementations
registered by the user (:mod:`changesim.registry`) that the scenarios name. A scenario that
says ``adoption.rule: complex_contagion`` is reproducible only with that rule's code, and one
that says ``network.kind: small_world`` means something else after the built-in generator was
replaced; the results' metadata record where such implementations came from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from changesim.registry import INTERVENTIONS, NETWORKS, ROUTES, RULES, Registry
from changesim.scenario import Scenario


def extensions(scenarios: Iterable[Scenario | Mapping[str, Any]]) -> dict[str, str]:
    """The user's implementations that ``scenarios`` name, with where they come from.

    Parameters
    ----------
    scenarios : iterable of Scenario or mapping
        Scenarios, or scenarios as validated plain data (sections may be left out, as a
        route section alone: ``{"route": {...}}``).

    Returns
    -------
    dict
        ``"<what> <name>"`` (``"adoption rule complex_contagion"``) -> ``module.qualname`` of
        the implementation, for every name not served by changesim's own; empty when all are.
    """
    found: dict[str, str] = {}
    for scenario in scenarios:
        data = scenario.model_dump() if isinstance(scenario, Scenario) else scenario
        for registry, name in _names(data):
            origin = registry.extension(name)
            if origin is not None:
                found[f"{registry.what} {name}"] = origin
    return found


def _names(data: Mapping[str, Any]) -> list[tuple[Registry[Any], str]]:
    """The registered names a scenario's data uses, with their registries."""
    names: list[tuple[Registry[Any], str]] = []
    if "adoption" in data:
        names.append((RULES, data["adoption"]["rule"]))
    if "network" in data:
        names.append((NETWORKS, data["network"]["kind"]))
    if "route" in data:
        names.append((ROUTES, data["route"]["kind"]))
    names += [(INTERVENTIONS, i["kind"]) for i in data.get("interventions", [])]
    return names
