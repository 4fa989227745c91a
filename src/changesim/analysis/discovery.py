"""Scenario discovery: under which factor ranges does each route win?

For each route, every design point is marked a win when the route has the best mean of the
metric there (over replications, by the metric's direction of better). The Patient Rule
Induction Method (PRIM, Friedman & Fisher 1999; the ``prim`` package) then peels the factor
space down to a box where wins are dense. Of the boxes along the peeling trajectory the one
kept is the densest that still holds at least :data:`MIN_COVERAGE` of the route's wins, and it
is said in plain words: "Pilot then waves wins in 83% of cases where readiness < 0.45 and
experience > 0.6 (71% of its wins lie there; it wins 40% of all cases)".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from changesim.analysis.metrics import metric
from changesim.analysis.uncertainty import best_in_rows

#: Least share of a route's wins the kept box must contain.
MIN_COVERAGE = 0.5


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
    x = design[factors].reset_index(drop=True)
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
        chosen = int(covered["density"].idxmax()) if len(covered) else 0
        box.select(chosen)
        limits = _restricted(box.limits, x)
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


def _restricted(
    limits: pd.DataFrame, x: pd.DataFrame
) -> dict[str, tuple[float, float] | list[object]]:
    """The box's limits on the factors it actually restricts."""
    found: dict[str, tuple[float, float] | list[object]] = {}
    for factor, row in limits.iterrows():
        column = x[factor]
        if pd.api.types.is_numeric_dtype(column):
            low, high = float(row["min"]), float(row["max"])
            if low > column.min() or high < column.max():  # an open side is unrestricted
                found[str(factor)] = (
                    low if low > column.min() else -np.inf,
                    high if high < column.max() else np.inf,
                )
        else:
            kept = sorted(row["min"]) if isinstance(row["min"], set) else [row["min"]]
            if set(kept) != set(column.unique()):
                found[str(factor)] = kept
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
