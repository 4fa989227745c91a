"""Scenario discovery: under which factor ranges does each route win?

For each route, every design point is marked a win when the route has the best mean of the
metric there (over replications, by the metric's direction of better). The Patient Rule
Induction Method (PRIM, Friedman & Fisher 1999; the ``prim`` package) then peels the factor
space down to a box where wins are dense. Of the boxes along the peeling trajectory the one
kept is the densest that still holds at least :data:`MIN_COVERAGE` of the route's wins and
restricts at most :data:`MAX_DIMENSIONS` factors, and it is said in plain words: "Pilot then
waves wins in 83% of cases where readiness < 0.45 and experience > 0.6 (71% of its wins lie
there; it wins 40% of all cases)". Factors that take words are peeled by the positions of
their values and said as words. PRIM may also restrict a factor that does not matter; the
density and coverage say how good a description a box is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from changesim.analysis.metrics import metric
from changesim.analysis.uncertainty import best_in_rows

#: Least share of a route's wins the kept box must contain.
MIN_COVERAGE = 0.5
#: Most factors a kept box restricts, where the peeling trajectory offers such a box (a box
#: on many factors is hard to say and often describes noise).
MAX_DIMENSIONS = 3


@dataclass(frozen=True)
class WinBox:
    """Where a route wins: box limits and how good a description they are.

    Attributes
    ----------
    route, metric : str
        What is described.
    limits : dict
        Factor to ``(low, high)`` for numbers (an unrestricted side is infinite), or to the
        list of values for words; only the restricted factors.
    density : float
        Share of the design points in the box where the route wins.
    coverage : float
        Share of the route's wins that lie in the box.
    base_rate : float
        Share of all design points where the route wins.
    sentence : str
        The box in plain words.
    """

    route: str
    metric: str
    limits: dict[str, tuple[float, float] | list[object]]
    density: float
    coverage: float
    base_rate: float
    sentence: str


def wins(runs: pd.DataFrame, name: str, points: int) -> pd.DataFrame:
    """Per design point (rows) and route (columns): True where the route's mean is best."""
    better = metric(name).better
    means = runs.groupby(["design_point", "route"])[name].mean().unstack("route")
    means = means.reindex(range(points))
    if better is None:
        raise ValueError(f"{name} has no direction of better")
    won = best_in_rows(means.to_numpy(dtype=float), better)
    return pd.DataFrame(won, index=means.index, columns=means.columns)


def winning_boxes(
    runs: pd.DataFrame, design: pd.DataFrame, factors: list[str], name: str
) -> list[WinBox]:
    """A PRIM box per route that wins somewhere but not everywhere, for metric ``name``."""
    import prim

    if metric(name).better is None or not factors:
        return []
    x, words = _numeric(design[factors].reset_index(drop=True))
    table = wins(runs, name, len(design))
    boxes = []
    for route in table.columns:
        y = table[route].to_numpy(dtype=float)
        base = float(y.mean())
        if base in (0.0, 1.0):
            continue  # never or always best: nothing to discover
        box = prim.Prim(x, y, threshold=0.5, threshold_type=">").find_box()
        trajectory = box.peeling_trajectory
        covered = trajectory[trajectory["coverage"] >= MIN_COVERAGE]
        simple = covered[covered["res dim"] <= MAX_DIMENSIONS]
        candidates = simple if len(simple) else covered
        chosen = int(candidates["density"].idxmax()) if len(candidates) else 0
        box.select(chosen)
        limits = _restricted(box.limits, x, words)
        boxes.append(
            WinBox(
                route=str(route),
                metric=name,
                limits=limits,
                density=float(box.density),
                coverage=float(box.coverage),
                base_rate=base,
                sentence=_sentence(str(route), limits, box.density, box.coverage, base),
            )
        )
    return boxes


Limits = dict[str, tuple[float, float] | list[object]]


def _numeric(x: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[object]]]:
    """Factors that take words as the positions of their values (PRIM peels numbers), and
    those values in order, per such factor."""
    x = x.copy()
    words: dict[str, list[object]] = {}
    for factor in x.columns:
        if not pd.api.types.is_numeric_dtype(x[factor]):
            values = list(dict.fromkeys(x[factor]))
            words[str(factor)] = values
            x[factor] = x[factor].map({v: i for i, v in enumerate(values)}).astype(float)
    return x, words


def _restricted(limits: pd.DataFrame, x: pd.DataFrame, words: dict[str, list[object]]) -> Limits:
    """The box's limits on the factors it actually restricts, words given back as words."""
    found: Limits = {}
    for factor, row in limits.iterrows():
        column = x[factor]
        low, high = float(row["min"]), float(row["max"])
        if not (low > column.min() or high < column.max()):
            continue
        if str(factor) in words:
            values = words[str(factor)]
            found[str(factor)] = [v for i, v in enumerate(values) if low <= i <= high]
        else:  # an open side is unrestricted
            found[str(factor)] = (
                low if low > column.min() else -np.inf,
                high if high < column.max() else np.inf,
            )
    return found


def _sentence(
    route: str,
    limits: dict[str, tuple[float, float] | list[object]],
    density: float,
    coverage: float,
    base: float,
) -> str:
    """The box in plain words."""
    parts = []
    for factor, limit in limits.items():
        if isinstance(limit, list):
            parts.append(f"{factor} is {' or '.join(map(str, limit))}")
        elif np.isinf(limit[0]):
            parts.append(f"{factor} < {limit[1]:.3g}")
        elif np.isinf(limit[1]):
            parts.append(f"{factor} > {limit[0]:.3g}")
        else:
            parts.append(f"{factor} between {limit[0]:.3g} and {limit[1]:.3g}")
    where = " and ".join(parts) if parts else "anywhere in the space"
    return (
        f"{route} wins in {density:.0%} of cases where {where} "
        f"({coverage:.0%} of its wins lie there; it wins {base:.0%} of all cases)."
    )
