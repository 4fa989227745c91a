"""Global sensitivity of a sweep's outputs to its factors, with SALib.

The sweep's design points are SALib's own samples in the unit cube (see
:mod:`changesim.experiments.design`), so SALib's analysers read them back directly: Sobol'
first-order and total indices with bootstrap confidence intervals for a ``sobol`` design,
Morris μ* (mean absolute elementary effect, per unit of the factor's unit range) and σ for a
``morris`` design. Each output is the mean over replications at a design point, per route.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Bootstrap resamples for the confidence intervals of the indices.
RESAMPLES = 1000


def _problem(factors: list[str]) -> dict[str, object]:
    return {"num_vars": len(factors), "names": factors, "bounds": [[0.0, 1.0]] * len(factors)}


def point_means(runs: pd.DataFrame, route: str, name: str, points: int) -> np.ndarray:
    """The metric's mean over replications at each design point (NaN where none has it)."""
    rows = runs[runs["route"] == route]
    means = rows.groupby("design_point")[name].mean()
    return means.reindex(range(points)).to_numpy(dtype=float)


def sobol_indices(
    design: pd.DataFrame, runs: pd.DataFrame, factors: list[str], names: list[str], seed: int
) -> pd.DataFrame:
    """Sobol' S1 and ST with 95% intervals, per route, metric and factor.

    Metrics missing at any design point (a milestone never reached) are left out: Saltelli's
    estimator needs every point.
    """
    from SALib.analyze import sobol

    rows = []
    for route in runs["route"].unique():
        for name in names:
            y = point_means(runs, route, name, len(design))
            if np.isnan(y).any():
                continue
            found = sobol.analyze(
                _problem(factors),
                y,
                calc_second_order=False,
                num_resamples=RESAMPLES,
                seed=seed % 2**32,
            )
            for j, factor in enumerate(factors):
                rows.append(
                    {
                        "route": route,
                        "metric": name,
                        "factor": factor,
                        "S1": found["S1"][j],
                        "S1_conf": found["S1_conf"][j],
                        "ST": found["ST"][j],
                        "ST_conf": found["ST_conf"][j],
                    }
                )
    return pd.DataFrame(rows)


def morris_indices(
    design: pd.DataFrame, runs: pd.DataFrame, factors: list[str], names: list[str], seed: int
) -> pd.DataFrame:
    """Morris μ*, its 95% interval and σ, per route, metric and factor (unit-range scale)."""
    from SALib.analyze import morris

    x = design[[f"u:{f}" for f in factors]].to_numpy(dtype=float)
    rows = []
    for route in runs["route"].unique():
        for name in names:
            y = point_means(runs, route, name, len(design))
            if np.isnan(y).any():
                continue
            found = morris.analyze(
                _problem(factors), x, y, num_resamples=RESAMPLES, seed=seed % 2**32
            )
            for j, factor in enumerate(factors):
                rows.append(
                    {
                        "route": route,
                        "metric": name,
                        "factor": factor,
                        "mu_star": found["mu_star"][j],
                        "mu_star_conf": found["mu_star_conf"][j],
                        "sigma": found["sigma"][j],
                    }
                )
    return pd.DataFrame(rows)
