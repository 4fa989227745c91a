"""Dotted paths into a scenario, as a user writes them: ``population.readiness.mean``,
``customers.feeds[0].delivered``, ``organisation.units[1].headcount``.

Sweeps vary scenarios along such paths; :func:`variant` makes one changed scenario from
Python (a notebook, the browser view) without copying whole sections or lists.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from changesim.scenario.errors import Problem, ScenarioError
from changesim.scenario.load import load_scenario
from changesim.scenario.schema import Scenario

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> list[str | int]:
    """``"customers.feeds[0].delivered"`` -> ``["customers", "feeds", 0, "delivered"]``.

    Raises
    ------
    ValueError
        If the text is not a dotted path (empty parts, unclosed brackets).
    """
    parts: list[str | int] = []
    position = 0
    for match in _PART.finditer(path):
        gap = path[position : match.start()]
        if gap not in ("", ".") or (gap == "." and not parts):
            break
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        position = match.end()
    if not parts or position != len(path):
        raise ValueError(f"{path!r} is not a dotted path such as population.readiness.mean")
    return parts


def path_problem(data: Any, parts: list[str | int]) -> str | None:
    """Why ``parts`` does not name a value in ``data`` (a scenario as plain data), or None."""
    node = data
    for depth, part in enumerate(parts):
        where = ".".join(str(p) for p in parts[:depth]) or "the scenario"
        if isinstance(part, int):
            if not isinstance(node, list):
                return f"{where} is not a list"
            if part >= len(node):
                return f"{where} has {len(node)} entries (numbered from 0)"
        elif not isinstance(node, dict) or part not in node:
            keys = ", ".join(sorted(map(str, node))) if isinstance(node, dict) else ""
            return f"{where} has no field {part!r}" + (f"; it has: {keys}" if keys else "")
        node = node[part]
    if isinstance(node, dict | list):
        return "names a whole section; name one field inside it"
    return None


def with_values(data: dict[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the scenario ``data`` with each dotted path set to its value."""
    changed = copy.deepcopy(data)
    for path, value in values.items():
        parts = parse_path(path)
        node: Any = changed
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return changed


def variant(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """A copy of ``scenario`` with each dotted path set to its value, validated again.

    Parameters
    ----------
    scenario : Scenario
        The scenario to start from; it is not changed.
    changes : mapping
        Dotted path to new value, e.g. ``{"adoption.q": 0.3,
        "customers.feeds[0].delivered": "monday"}``. A path must name one field that the
        scenario has (as validated, with its defaults filled in), not a whole section.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Naming each path that is not a dotted path or names no field, or each new value the
        schema does not allow (with what is allowed).
    """
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=False)
    problems = []
    for path in changes:
        try:
            found = path_problem(data, parse_path(path))
        except ValueError as error:
            found = str(error)
        if found is not None:
            problems.append(Problem("<variant>", path, found, has_value=False))
    if problems:
        raise ScenarioError(problems)
    return load_scenario(with_values(data, changes))
