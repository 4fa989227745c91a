"""What two scenarios differ in, field by field, as dotted paths.

A route comparison is fair when the scenarios differ in the route only; :func:`beyond_route`
lists every other field in which they differ, so that a user sees what else could explain a
difference in results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from changesim.scenario.schema import Scenario

#: Fields that may differ between the routes of a fair comparison: the route itself, and
#: what does not enter a run (its name and description; seeds and replications come from
#: the comparison, not from each file).
ROUTE_FIELDS = frozenset({"route", "name", "description", "seed", "replications"})


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """A nested mapping/list as ``{dotted.path[0]: leaf}``."""
    if isinstance(value, Mapping):
        items: dict[str, Any] = {}
        for key, inner in value.items():
            items |= flatten(inner, f"{path}.{key}" if path else str(key))
        return items
    if isinstance(value, list):
        items = {}
        for i, inner in enumerate(value):
            items |= flatten(inner, f"{path}[{i}]")
        return items if value else {path: []}
    return {path: value}


def differing_fields(a: Scenario, b: Scenario) -> list[str]:
    """Dotted paths of the fields whose values differ between ``a`` and ``b``, in order.

    A list item that exists in one scenario only, or is of another ``kind`` in each, is one
    path (``interventions[2]``), with everything inside it.
    """
    left = flatten(a.model_dump(mode="json", by_alias=True))
    right = flatten(b.model_dump(mode="json", by_alias=True))
    paths = list(dict.fromkeys([*left, *right]))
    changed = [p for p in paths if left.get(p, _MISSING) != right.get(p, _MISSING)]
    return _collapsed(changed, left, right)


def beyond_route(scenarios: Mapping[str, Scenario]) -> dict[str, list[str]]:
    """For each scenario after the first: the fields other than the route (and name,
    description, seed, replications) in which it differs from the first; only scenarios with
    such fields are listed."""
    labels = list(scenarios)
    if not labels:
        return {}
    reference = scenarios[labels[0]]
    found = {}
    for label in labels[1:]:
        fields = [
            path
            for path in differing_fields(reference, scenarios[label])
            if _top(path) not in ROUTE_FIELDS
        ]
        if fields:
            found[label] = fields
    return found


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _collapsed(paths: list[str], left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """Paths inside a list item present on one side only, collapsed to that item's path."""
    out: list[str] = []
    for path in paths:
        item = _one_sided_item(path, left, right)
        if item not in out:
            out.append(item)
    return out


def _one_sided_item(path: str, left: dict[str, Any], right: dict[str, Any]) -> str:
    """The outermost list item ``path`` lies in that is on one side only or is of another
    ``kind`` on each side (a whole other intervention), else ``path``."""
    cut = 0
    while (cut := path.find("]", cut) + 1) > 0:
        prefix = path[:cut]
        kind = prefix + ".kind"
        if _has(left, prefix) != _has(right, prefix) or left.get(kind) != right.get(kind):
            return prefix
    return path


def _has(flat: dict[str, Any], prefix: str) -> bool:
    """Whether ``flat`` has ``prefix`` or a path inside it."""
    return any(p == prefix or p.startswith((prefix + ".", prefix + "[")) for p in flat)
