"""A combined objective: one number per run that weighs speed, service quality, customers and
money against each other, so that routes can be ranked on all of them at once.

The objective is a weighted sum of summary metrics, each weight in currency per unit of its
metric, so the objective is a cost in the scenario's currency (lower is better)::

    J = sum over metrics m of  w_m * x_m

:data:`EXAMPLE_WEIGHTS` are illustrative weights for the example organisation (1,400
employees, 100,000 customers, GBP); see docs/start-small.md for their reasoning. They are not
calibrated: a strategist should put in their own.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Illustrative weights for the example organisation, in GBP per unit of each metric.
#: One quality-week (the whole organisation giving no service for a week) is valued at a week of
#: its staff cost, 1,400 employees x GBP 700 = about GBP 1,000,000; each week until 80% have
#: adopted forgoes the new way's gain of 15% of that (new_level 1.15), GBP 150,000; a churned
#: customer is valued at GBP 500, so the whole customer base (churned_share = 1) at 100,000 x
#: GBP 500; interventions and double running count at their cost.
EXAMPLE_WEIGHTS: dict[str, float] = {
    "weeks_to_80": 150_000.0,
    "quality_loss": 1_000_000.0,
    "churned_share": 50_000_000.0,
    "total_intervention_cost": 1.0,
    "double_running_cost": 1.0,
}

#: Column name of the objective in a runs table.
OBJECTIVE = "objective"


def combined_objective(
    runs: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    never: float | None = None,
) -> pd.Series:
    """The combined objective of every run: ``J = sum_m w_m x_m`` (lower is better).

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run with a column per summary metric (``Comparison.runs``,
        ``SweepResult.runs``).
    weights : mapping, optional
        Metric name to weight, in currency per unit of the metric; default
        :data:`EXAMPLE_WEIGHTS`. Metrics not named do not count.
    never : float, optional
        Value put in for a milestone (``weeks_to_*``) that a run never reached, e.g. the
        run's length plus one week. Without it such a run's objective is NaN.

    Returns
    -------
    pandas.Series
        The objective per run, on ``runs``' index, named ``objective``.

    Raises
    ------
    KeyError
        If ``runs`` lacks a weighted metric (``churned_share`` needs runs with customers).
    """
    weights = EXAMPLE_WEIGHTS if weights is None else weights
    missing = [metric for metric in weights if metric not in runs.columns]
    if missing:
        raise KeyError(f"the runs have no column for weighted metric(s): {', '.join(missing)}")
    total = np.zeros(len(runs))
    for metric, weight in weights.items():
        values = runs[metric].to_numpy(dtype=np.float64)
        if never is not None and metric.startswith("weeks_to_"):
            values = np.where(np.isnan(values), never, values)
        total = total + weight * values
    return pd.Series(total, index=runs.index, name=OBJECTIVE)


def with_objective(
    runs: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    never: float | None = None,
) -> pd.DataFrame:
    """A copy of ``runs`` with an ``objective`` column (see :func:`combined_objective`)."""
    return runs.assign(**{OBJECTIVE: combined_objective(runs, weights, never=never)})
