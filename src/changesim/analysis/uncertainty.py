"""Which route wins where: routes compared across a sweep's uncertainty space.

A sweep runs every route at every design point and replication on the same seed, so each
(design point, replication) is one *situation* in which the routes can be compared directly:
paired differences against a reference route, and which route is best there by the metric's
direction of better. Over the situations that gives the probability that each route is best,
overall and within each third of each factor's range.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from changesim.analysis.metrics import metric
from changesim.analysis.statistics import mean_interval

SITUATION = ["design_point", "replication"]


def best_in_rows(values: np.ndarray, better: str) -> np.ndarray:
    """Per row, True where the value is the best of the row by ``better`` ("lower" or
    "higher"); NaN is never best, and a row of NaN has no best."""
    worst = np.inf if better == "lower" else -np.inf
    filled = np.where(np.isnan(values), worst, values)
    best = filled.min(axis=1) if better == "lower" else filled.max(axis=1)
    return np.isclose(filled, best[:, None], rtol=0, atol=1e-12) & ~np.isnan(values)


def by_situation(runs: pd.DataFrame, name: str) -> pd.DataFrame:
    """One row per situation (design point, replication), one column per route: the metric."""
    return runs.set_index([*SITUATION, "route"])[name].unstack("route")  # keeps NaN rows


def best_route_shares(runs: pd.DataFrame, name: str) -> pd.DataFrame:
    """Per situation, each route's share of being best (1 for the best, split among ties, 0 if
    the metric is missing for any route there); rows without a direction are all NaN.

    For a milestone (NaN = never reached) a route that never got there is worse than any
    route that did and is never best; a situation in which no route got there has no best.

    Returns
    -------
    pandas.DataFrame
        Rows: situations; columns: routes.
    """
    better = metric(name).better
    table = by_situation(runs, name)
    if better is None:
        return table * np.nan
    values = table.to_numpy(dtype=float)
    if metric(name).never:
        complete = ~np.isnan(values).all(axis=1)  # never reached is a value: the worst
    else:
        complete = ~np.isnan(values).any(axis=1)
    winners = best_in_rows(values, better) & complete[:, None]
    shares = winners / np.maximum(winners.sum(axis=1, keepdims=True), 1)
    return pd.DataFrame(shares, index=table.index, columns=table.columns)


def wilson_interval(p: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's score interval for a proportion ``p`` of ``n`` (sensible at 0 and 1, unlike
    the normal approximation)."""
    if n == 0:
        return float("nan"), float("nan")
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def probability_best(runs: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Per metric and route: the probability of being best over the situations, with a 95%
    Wilson interval, and the situations counted."""
    rows = []
    for name in names:
        if metric(name).better is None:
            continue
        shares = best_route_shares(runs, name)
        n = len(shares)
        for route in shares.columns:
            p = float(shares[route].mean())
            low, high = wilson_interval(p, n)
            rows.append(
                {
                    "metric": name,
                    "route": route,
                    "p_best": p,
                    "ci_low": low,
                    "ci_high": high,
                    "situations": n,
                }
            )
    return pd.DataFrame(rows)


def probability_best_by_range(
    runs: pd.DataFrame, design: pd.DataFrame, factors: list[str], name: str, bins: int = 3
) -> pd.DataFrame:
    """P(best) of each route within each ``bins``-quantile range of each numeric factor (and
    each value of a factor that takes words)."""
    shares = best_route_shares(runs, name).reset_index()
    shares = shares.merge(design[["design_point", *factors]], on="design_point")
    routes = [c for c in shares.columns if c not in (*SITUATION, *factors)]
    rows = []
    for factor in factors:
        column = shares[factor]
        if pd.api.types.is_numeric_dtype(column) and column.nunique() > bins:
            ranges = pd.qcut(column, bins, duplicates="drop")
            labels = ranges.astype(str)
        else:
            labels = column.astype(str)
        for label, group in shares.groupby(labels, sort=True, observed=True):
            for route in routes:
                rows.append(
                    {
                        "metric": name,
                        "factor": factor,
                        "range": str(label),
                        "route": route,
                        "p_best": float(group[route].mean()),
                        "situations": len(group),
                    }
                )
    return pd.DataFrame(rows)


def paired_differences_over_uncertainty(
    runs: pd.DataFrame, names: list[str], reference: str
) -> pd.DataFrame:
    """Per metric and route: the mean paired difference (route − reference) over situations,
    with its 95% t-interval; the spread is that of the uncertainty and the seeds together."""
    rows = []
    for name in names:
        table = by_situation(runs, name)
        for route in table.columns:
            if route == reference:
                continue
            mean, low, high, n = mean_interval((table[route] - table[reference]).to_numpy())
            rows.append(
                {
                    "metric": name,
                    "route": route,
                    "reference": reference,
                    "mean_difference": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "pairs": n,
                }
            )
    return pd.DataFrame(rows)
