"""Uncertain factors: dotted paths into a scenario, and values drawn on the unit interval.

A factor's path names a field of the scenario as a user writes it:
``population.readiness.mean``, ``customers.feeds[0].delivered``,
``organisation.units[1].headcount``. Every design samples the unit cube; a factor maps
``u`` in [0, 1) to its value (a range linearly, a list of values by equal slices, a
distribution through its inverse CDF), so that one sample serves every kind of factor and
SALib's indices are computed on the same points.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from changesim.experiments.spec import (
    FactorSpec,
    FactorValue,
    NormalFactor,
    RangeFactor,
    TriangularFactor,
    ValuesFactor,
)

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


def with_values(data: dict[str, Any], values: dict[str, FactorValue]) -> dict[str, Any]:
    """A copy of the scenario ``data`` with each dotted path set to its value."""
    changed = copy.deepcopy(data)
    for path, value in values.items():
        parts = parse_path(path)
        node: Any = changed
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return changed


@dataclass(frozen=True)
class Factor:
    """One uncertain factor: its path and how a unit-interval sample becomes its value."""

    path: str
    spec: FactorSpec

    @property
    def numeric(self) -> bool:
        """Whether every value is a number (ranges and distributions always are)."""
        if isinstance(self.spec, ValuesFactor):
            return all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in self.spec.values
            )
        return True

    def value(self, u: float) -> FactorValue:
        """The factor's value at ``u`` in [0, 1]."""
        spec = self.spec
        u = min(max(float(u), 0.0), 1.0)
        if isinstance(spec, RangeFactor):
            return spec.low + u * (spec.high - spec.low)
        if isinstance(spec, ValuesFactor):
            return spec.values[min(int(u * len(spec.values)), len(spec.values) - 1)]
        return _distribution_value(spec, u)

    def levels(self, count: int) -> list[float]:
        """Grid levels in unit space: ``count`` evenly spaced points for a range or a
        distribution (its quantiles), the middle of each slice for a list of values."""
        if isinstance(self.spec, ValuesFactor):
            n = len(self.spec.values)
            return [(i + 0.5) / n for i in range(n)]
        if isinstance(self.spec, RangeFactor):
            return [i / (count - 1) for i in range(count)]
        return [(i + 0.5) / count for i in range(count)]

    def extremes(self) -> list[FactorValue]:
        """The values that bound what the factor can take (checked against the scenario)."""
        if isinstance(self.spec, ValuesFactor):
            return list(self.spec.values)
        if isinstance(self.spec, RangeFactor):
            return [self.spec.low, self.spec.high]
        return [self.value(1e-6), self.value(1 - 1e-6)]


def _distribution_value(spec: NormalFactor | TriangularFactor, u: float) -> float:
    """Inverse CDF of the factor's distribution at ``u``, cut to its bounds."""
    if isinstance(spec, NormalFactor):
        low = -np.inf if spec.low is None else (spec.low - spec.mean) / spec.sd
        high = np.inf if spec.high is None else (spec.high - spec.mean) / spec.sd
        u = min(max(u, 1e-12), 1 - 1e-12)
        return float(stats.truncnorm.ppf(u, low, high, loc=spec.mean, scale=spec.sd))
    width = spec.high - spec.low
    return float(stats.triang.ppf(u, (spec.mode - spec.low) / width, loc=spec.low, scale=width))
