"""Statistics across replications: means with 95% intervals, paired differences under common
random numbers, and percentile bands of weekly curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from changesim.analysis.metrics import headline_metrics


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean, lower and upper bound of the t-interval, and the count of finite values.

    NaN values (e.g. a milestone never reached) are left out; the count says how many remain.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    mean = float(values.mean())
    if n == 1:
        return mean, float("nan"), float("nan"), n  # no spread to estimate from one run
    if np.all(values == values[0]):
        return mean, mean, mean, n
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half, n


def summary_table(summaries: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """One row per route and metric: mean, 95% interval, runs counted, runs in total."""
    metrics = metrics or headline_metrics(summaries.columns)
    rows = []
    for route, group in summaries.groupby("route", sort=False):
        for metric in metrics:
            mean, low, high, n = mean_interval(group[metric].to_numpy())
            rows.append(
                {
                    "route": route,
                    "metric": metric,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n": n,
                    "runs": len(group),
                }
            )
    return pd.DataFrame(rows)


def paired_differences(
    summaries: pd.DataFrame, reference: str, metrics: list[str] | None = None
) -> pd.DataFrame:
    """Per route and metric: mean of (route - reference) over replications with the same seed.

    Runs in which either side has NaN for a metric are left out of that metric's pairs.
    """
    metrics = metrics or headline_metrics(summaries.columns)
    base = summaries[summaries["route"] == reference].set_index("seed")
    rows = []
    for route, group in summaries.groupby("route", sort=False):
        if route == reference:
            continue
        other = group.set_index("seed")
        common = other.index.intersection(base.index)
        for metric in metrics:
            diff = other.loc[common, metric].to_numpy() - base.loc[common, metric].to_numpy()
            mean, low, high, n = mean_interval(diff)
            rows.append(
                {
                    "route": route,
                    "reference": reference,
                    "metric": metric,
                    "mean_difference": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "pairs": n,
                }
            )
    return pd.DataFrame(rows)


def curve_bands(
    weekly: pd.DataFrame, column: str, unit: str = "all", band: tuple[float, float] = (5, 95)
) -> pd.DataFrame:
    """Per route and week: mean and percentile band of ``column`` across replications."""
    rows = weekly[weekly["unit"] == unit]
    grouped = rows.groupby(["route", "week"], sort=False, observed=True)[column]
    frame = grouped.agg(
        mean="mean",
        low=lambda x: np.percentile(x, band[0]),
        high=lambda x: np.percentile(x, band[1]),
    )
    return frame.reset_index()
