"""Comparing routes: means with 95% intervals, and paired differences under common seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: Summary metrics shown in comparison tables, in order, with a readable label.
HEADLINE_METRICS = {
    "weeks_to_50": "weeks to 50%",
    "weeks_to_80": "weeks to 80%",
    "weeks_to_95": "weeks to 95%",
    "final_adopted_share": "final adopted share",
    "quality_dip_depth": "quality dip depth",
    "quality_dip_weeks": "weeks below old quality",
    "non_adopter_share": "non-adopters",
    "total_intervention_cost": "intervention cost",
}
#: Customer metrics, shown when the scenarios have customers.
CUSTOMER_METRICS = {
    "final_satisfaction": "final satisfaction",
    "mean_satisfaction": "mean satisfaction",
    "satisfaction_recovery_week": "satisfaction back at start (week)",
    "final_self_service_share": "self-service share at end",
    "churned_share": "churned customers",
    "mean_first_contact_resolution": "first-contact resolution",
    "total_contacts": "contacts",
    "total_contact_cost": "contact cost",
    "cost_per_resolved_contact": "cost per resolved contact",
}
#: Metrics for which NaN means "never reached" rather than "not available".
NEVER_METRICS = ("weeks_to_50", "weeks_to_80", "weeks_to_95", "satisfaction_recovery_week")


def metrics_in(summaries: pd.DataFrame) -> list[str]:
    """The headline metrics, plus customer metrics when every run has them."""
    names = list(HEADLINE_METRICS)
    if all(m in summaries.columns for m in CUSTOMER_METRICS):
        names += list(CUSTOMER_METRICS)
    return names


def format_value(value: float, metric: str) -> str:
    """A metric's value with the precision that suits it ('–' for NaN)."""
    if pd.isna(value):
        return "–"
    if "cost" in metric:
        return f"{value:,.2f}" if "per" in metric else f"{value:,.0f}"
    if "week" in metric:
        return f"{value:.1f}"
    if metric == "total_contacts":
        return f"{value:,.0f}"
    return f"{value:.3f}"


def metric_label(metric: str, currency: str | None = None) -> str:
    """Readable label of a summary metric; cost metrics name the ``currency`` if given."""
    label = {**HEADLINE_METRICS, **CUSTOMER_METRICS}.get(metric, metric.replace("_", " "))
    return f"{label} ({currency})" if currency and "cost" in metric else label


def missing_text(metric: str) -> str:
    """What a NaN mean stands for: 'never' for milestones, '–' (not available) otherwise."""
    return "never" if metric in NEVER_METRICS else "–"


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
    metrics = metrics or metrics_in(summaries)
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
    metrics = metrics or metrics_in(summaries)
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
