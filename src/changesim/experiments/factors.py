"""Uncertain factors: dotted paths into a scenario, and values drawn on the unit interval.

A factor's path names a field of the scenario as a user writes it:
``population.readiness.mean``, ``customers.feeds[0].delivered``,
``organisation.units[1].headcount``. Every design samples the unit cube; a factor maps
``u`` in [0, 1) to its value (a range linearly, a list of values by equal slices, a
distribution through its inverse CDF), so that one sample serves every kind of factor and
SALib's indices are computed on the same points.
"""

from __future__ import annotations

from dataclasses import dataclass

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
