"""The answer to "which route is best?": rankings with the probability of being best, the
trade-off in one sentence, the routes no other beats on everything, and the metrics that do
not tell the routes apart.

Works on a runs table (one row per route and replication, with ``route``, ``seed`` and the
summary metrics) in which every route ran on the same seeds (common random numbers), so
routes are compared within each seed: a route is best in a replication if no other route
did better there. A sweep's runs (with ``design_point``) are compared within each design point
and replication, so P(best) and the intervals cover the uncertainty space as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from changesim.analysis.metrics import KEY_METRICS, Metric, metric
from changesim.analysis.statistics import mean_interval
from changesim.analysis.uncertainty import best_route_shares, wilson_interval

#: What a route spends, costs its customers and takes in time: the axes of the Pareto view,
#: each the first of its candidates that is present.
PARETO_AXES = (
    ("time", ("weeks_to_80", "weeks_to_50")),
    ("customer harm", ("churned_share", "mean_satisfaction")),
    ("cost", ("total_cost", "total_intervention_cost")),
)


@dataclass(frozen=True)
class Ranking:
    """The routes ordered best first on one metric.

    Attributes
    ----------
    metric : str
        The summary metric.
    routes : list of str
        Best first by the mean over replications, in the metric's direction of better;
        routes without a value (never reached) last.
    means : dict
        Route to its mean.
    p_best : dict
        Route to the share of replications in which it was best (ties split).
    p_interval : dict
        Route to the 95% Wilson interval of ``p_best``.
    replications : int
        Replications compared.
    """

    metric: str
    routes: list[str]
    means: dict[str, float]
    p_best: dict[str, float]
    p_interval: dict[str, tuple[float, float]]
    replications: int

    @property
    def best(self) -> str:
        """The route with the best mean."""
        return self.routes[0]


@dataclass(frozen=True)
class Difference:
    """A paired difference between two routes on one metric (``route`` − ``other``)."""

    metric: str
    route: str
    other: str
    mean: float
    low: float
    high: float
    pairs: int

    @property
    def resolved(self) -> bool:
        """Whether the 95% interval excludes 0."""
        return bool(self.low > 0 or self.high < 0)


@dataclass
class Verdict:
    """What a comparison concludes.

    Attributes
    ----------
    rankings : list of Ranking
        One per key metric that has a direction of better and varies between runs.
    tradeoff : str
        The headline in one sentence.
    pareto : list of str
        Routes that no other route beats on time, customer harm and cost at once (by means).
    pareto_axes : dict
        Axis name to the metric used for it.
    constant : dict
        Metrics with the same value in every run of every route (they cannot tell routes
        apart), to that value.
    totals : dict
        Headcount ('employees') and customer population ('customers') used for counts.
    """

    rankings: list[Ranking]
    tradeoff: str
    pareto: list[str]
    pareto_axes: dict[str, str]
    constant: dict[str, float] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)

    def ranking(self, name: str) -> Ranking:
        """The ranking on metric ``name``."""
        for ranking in self.rankings:
            if ranking.metric == name:
                return ranking
        raise KeyError(name)

    def sentences(self, currency: str | None = None) -> list[str]:
        """The verdict as plain sentences: trade-off, the best route per metric, the Pareto
        set and what does not vary."""
        lines = [self.tradeoff]
        for ranking in self.rankings:
            declared = metric(ranking.metric)
            best = ranking.best
            p = ranking.p_best[best]
            lines.append(
                f"Best on {declared.title(currency)} ({declared.better} is better): {best}, "
                f"{show(declared, ranking.means[best], self.totals)}, "
                f"best in {p:.0%} of {ranking.replications} replications."
            )
        if self.pareto:
            axes = ", ".join(self.pareto_axes)
            lines.append(
                f"Not beaten on {axes} at once by any other route: {', '.join(self.pareto)}."
            )
        if self.constant:
            same = "; ".join(
                f"{metric(k).label} {metric(k).format(v)}" for k, v in self.constant.items()
            )
            lines.append(f"The same in every run of every route (left out): {same}.")
        return lines


def show(declared: Metric, value: float, totals: Mapping[str, int]) -> str:
    """A value as a person says it: shares as percentages with the count they stand for."""
    text = declared.format(value)
    total = totals.get(declared.of or "")
    if declared.of and total and np.isfinite(value):
        text += f" (about {value * total:,.0f} {declared.of})"
    return text


def said(
    difference: Difference,
    totals: Mapping[str, int],
    currency: str | None = None,
    than: str | None = None,
) -> str:
    """A paired difference in words with its 95% interval: 'reaches 80% 5.5 weeks sooner
    than B [4.9, 6.1]' — the interval is of the size, in the direction said."""
    declared = metric(difference.metric)
    if not np.isfinite(difference.mean):
        return f"cannot be compared on {declared.label} (no replication where both have it)"
    text = declared.phrase(difference.mean, currency)
    if than is not None:
        text += f" than {than}"
    if np.isfinite(difference.low):
        sign = 1.0 if difference.mean > 0 else -1.0  # as Metric.phrase chooses its words
        low, high = sorted((sign * difference.low, sign * difference.high))
        like = difference.mean
        text += f" [{declared.bound(low, like)}, {declared.bound(high, like)}]"
    total = totals.get(declared.of or "")
    if declared.of and total:
        text += f", about {abs(difference.mean) * total:,.0f} {declared.of}"
    if not difference.resolved:
        text += " (within the noise: the interval includes no difference)"
    return text


def situation(runs: pd.DataFrame) -> list[str]:
    """The columns that name one situation in which all routes ran alike: the seed of a
    comparison, or the design point and replication of a sweep."""
    return ["design_point", "replication"] if "design_point" in runs.columns else ["seed"]


def paired(runs: pd.DataFrame, name: str, route: str, other: str) -> Difference:
    """The paired difference ``route`` − ``other`` on ``name`` over common situations."""
    table = runs.pivot_table(index=situation(runs), columns="route", values=name, dropna=False)
    diff = (table[route] - table[other]).to_numpy(dtype=float)
    mean, low, high, n = mean_interval(diff)
    return Difference(name, route, other, mean, low, high, n)


def constant_metrics(runs: pd.DataFrame, names: Sequence[str]) -> dict[str, float]:
    """The metrics among ``names`` with one and the same finite value in every run."""
    same = {}
    for name in names:
        values = runs[name].to_numpy(dtype=float)
        if len(values) and np.all(np.isfinite(values)) and np.all(values == values[0]):
            same[name] = float(values[0])
    return same


def rank(runs: pd.DataFrame, name: str) -> Ranking:
    """Routes on metric ``name``, best first, with P(best) per replication.

    Routes are ordered by their mean in the direction of better (routes without any value
    last). For a milestone (NaN = never reached) a run that never got there counts as worse
    than any run that did: routes are ordered by their median with those runs at the bad end,
    so that a route which sometimes never gets there is neither hidden (a mean of the runs
    that did) nor ranked behind a route that is slower in most runs; ``means`` stays the mean
    of the runs that got there, and a route that never got there in a replication is not best
    in it.
    """
    declared = metric(name)
    sign = 1.0 if declared.better == "lower" else -1.0
    situations = runs if "design_point" in runs.columns else runs.assign(design_point=0)
    shares = best_route_shares(situations, name)  # a comparison: one situation per replication
    if declared.never:
        runs = runs.assign(**{name: runs[name].fillna(sign * np.inf)})
    by_route = runs.groupby("route", sort=False)[name]
    means, keys = {}, {}
    for route, values in by_route:
        finite = values[np.isfinite(values)]
        means[str(route)] = float(finite.mean()) if len(finite) else np.nan
        centre = float(np.median(values)) if declared.never else means[str(route)]
        keys[str(route)] = sign * centre if not np.isnan(centre) else np.inf

    n = len(shares)
    p_best = {str(route): float(shares[route].mean()) for route in shares.columns}
    return Ranking(
        metric=name,
        routes=sorted(means, key=keys.__getitem__),
        means=means,
        p_best=p_best,
        p_interval={route: wilson_interval(p, n) for route, p in p_best.items()},
        replications=n,
    )


def pareto_front(means: pd.DataFrame, axes: Sequence[str]) -> list[str]:
    """Routes (rows of ``means``) that no other route matches or beats on every axis while
    beating it on one, in the axes' directions of better; all routes without axes."""
    if not axes:
        return list(means.index)
    signs = np.array([1.0 if metric(a).better == "lower" else -1.0 for a in axes])
    values = means[list(axes)].to_numpy(dtype=float) * signs  # lower is better on every axis
    front = []
    for i, route in enumerate(means.index):
        others = np.delete(values, i, axis=0)
        dominated = np.any(np.all(others <= values[i], axis=1) & np.any(others < values[i], axis=1))
        if not dominated:
            front.append(str(route))
    return front


def tradeoff_sentence(
    runs: pd.DataFrame,
    rankings: Sequence[Ranking],
    totals: Mapping[str, int],
    currency: str | None = None,
) -> str:
    """The headline: the best route on the first key metric, and what it costs against the
    route that is best on the first key metric it does not win — or that it wins them all."""
    if not rankings:
        return "The routes cannot be told apart on the key metrics: every run gave the same values."
    lead = rankings[0]
    winner = lead.best
    for ranking in rankings[1:]:
        rival = ranking.best
        if rival == winner or ranking.means[rival] == ranking.means[winner]:
            continue
        gain = paired(runs, lead.metric, winner, rival)
        loss = paired(runs, ranking.metric, winner, rival)
        return (
            f"{winner} {said(gain, totals, currency, than=rival)}, "
            f"but {said(loss, totals, currency)}."
        )
    if len(lead.routes) == 1:
        return f"Only one route was run: {winner}."
    runner_up = lead.routes[1]
    gain = paired(runs, lead.metric, winner, runner_up)
    named = ", ".join(metric(r.metric).label for r in rankings)
    return (
        f"{winner} is best on every key metric ({named}); it "
        f"{said(gain, totals, currency, than=f'the next best, {runner_up}')}."
    )


def conclude(
    runs: pd.DataFrame,
    metrics: Sequence[str] | None = None,
    *,
    totals: Mapping[str, int] | None = None,
    currency: str | None = None,
) -> Verdict:
    """What the runs say about the routes on the key metrics.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per route and replication: ``route``, ``seed`` and the summary metrics; every
        route on the same seeds.
    metrics : sequence of str, optional
        Key metrics, most important first (the trade-off starts from the first); default
        :data:`~changesim.analysis.metrics.KEY_METRICS` where present.
    totals : mapping, optional
        ``employees`` and ``customers``: the counts shares stand for.
    currency : str, optional
        Currency of the money metrics.

    Returns
    -------
    Verdict
    """
    names = list(metrics) if metrics else [m for m in KEY_METRICS if m in runs.columns]
    totals = dict(totals or {})
    every = [
        n
        for n in runs.columns
        if n not in ("route", "replication", "seed", "design_point")
        and pd.api.types.is_numeric_dtype(runs[n])
    ]
    constant = constant_metrics(runs, every)
    ranked = [n for n in names if metric(n).better is not None and n not in constant]
    rankings = [rank(runs, n) for n in ranked]
    axes = {}
    for axis, candidates in PARETO_AXES:
        present = [c for c in candidates if c in runs.columns and c not in constant]
        if present:
            axes[axis] = present[0]
    means = runs.groupby("route", sort=False)[list(axes.values())].mean()
    return Verdict(
        rankings=rankings,
        tradeoff=tradeoff_sentence(runs, rankings, totals, currency),
        pareto=pareto_front(means, list(axes.values())),
        pareto_axes=axes,
        constant={k: v for k, v in constant.items() if metric(k).group != "detail"},
        totals=totals,
    )
