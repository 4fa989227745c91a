"""Dotted paths into a scenario, as a user writes them: ``population.readiness.mean``,
``customers.feeds[0].delivered``, ``organisation.units[1].headcount``.

Sweeps vary scenarios along such paths; :func:`variant` makes one changed scenario from
Python (a notebook, the browser view) without copying whole sections or lists.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from changesim.scenario.errors import Problem, ScenarioError, dotted_path
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
        where = dotted_path(parts[:depth]) or "the scenario"
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


def number_bounds(scenario: Scenario, path: str) -> tuple[float | None, float | None]:
    """The interval the schema allows for the number at ``path`` (None for an open side).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario; the path is followed through its values, so that it may lead
        through a list of interventions or a unit's overrides.
    path : str
        A dotted path to a field holding a fraction or other real number.

    Raises
    ------
    ValueError
        If the path is not a dotted path, names no field, or names a field that does not hold a
        real number (a whole number, a text, a choice).
    """
    parts = parse_path(path)
    problem = path_problem(scenario.model_dump(mode="json", by_alias=True), parts)
    if problem is not None:
        raise ValueError(problem)
    node: Any = scenario
    for part in parts[:-1]:
        node = node[part] if isinstance(part, int) or isinstance(node, dict) else _field(node, part)
    last = parts[-1]
    if not isinstance(node, BaseModel):
        return None, None  # a free mapping of numbers (a rule's params)
    name = _field_name(node, str(last))
    info = type(node).model_fields[name]
    kinds = get_args(info.annotation) or (info.annotation,)
    if float not in kinds:
        raise ValueError(f"{path} is not a real number (it holds {_kind(info.annotation)})")
    low = high = None
    for rule in info.metadata:
        low = getattr(rule, "ge", getattr(rule, "gt", low))
        high = getattr(rule, "le", getattr(rule, "lt", high))
    return low, high


def _field_name(model: BaseModel, key: str) -> str:
    """The attribute name of the field that a file calls ``key`` (its name or alias)."""
    for name, info in type(model).model_fields.items():
        if key in (name, info.alias):
            return name
    return key


def _field(model: BaseModel, key: str) -> Any:
    return getattr(model, _field_name(model, key))


def _kind(annotation: Any) -> str:
    """What a field holds, in words."""
    if get_origin(annotation) is Literal:
        return "a choice of " + ", ".join(map(repr, get_args(annotation)))
    if annotation is int:
        return "a whole number"
    return getattr(annotation, "__name__", None) or str(annotation)
