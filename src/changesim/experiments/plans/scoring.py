"""Scoring plans: a candidate's outcomes per objective, the robust value the search optimises
(mean, quantile or regret), how far it is over the budget, and which plans are reported (the
best, or spread along the Pareto front)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from changesim.analysis.metrics import metric as declared_metric
from changesim.analysis.objective import combined_objective
from changesim.experiments.plans.evaluate import PEAK_RUN
from changesim.experiments.plans.problem import PlanProblem
from changesim.experiments.plans.spec import Budget, PlanSpec

#: Column of the largest total intervention cost over a plan's runs.
COST = "cost_max"
#: Column of the largest weekly intervention spend over a plan's runs.
PEAK = "peak_week_cost_max"


@dataclass(frozen=True)
class Scores:
    """A candidate's outcomes, per objective, in the objective's own units.

    Attributes
    ----------
    values : numpy.ndarray
        Per run and objective, shape (runs, objectives); milestones never reached count as
        the run's weeks + 1.
    scenario_means : numpy.ndarray
        Per sampled scenario (design point) and objective: the mean over replications.
    cost : float
        The largest total intervention cost over the runs.
    peak : float
        The largest intervention spend in one week over the runs.
    """

    values: np.ndarray
    scenario_means: np.ndarray
    cost: float
    peak: float


def scores(problem: PlanProblem, runs: pd.DataFrame) -> Scores:
    """The outcomes of one candidate from its runs (see :class:`Scores`)."""
    spec = problem.spec
    if spec.objective is not None:
        values = combined_objective(runs, spec.objective.weights, never=problem.never)
        matrix = values.to_numpy(dtype=float)[:, None]
    else:
        columns = []
        for name in spec.objective_names():
            column = runs[name].to_numpy(dtype=float)
            if declared_metric(name).never:
                column = np.where(np.isnan(column), problem.never, column)
            columns.append(column)
        matrix = np.column_stack(columns)
    points = runs["design_point"].to_numpy()
    means = np.vstack([matrix[points == p].mean(axis=0) for p in np.unique(points)])
    return Scores(
        values=matrix,
        scenario_means=means,
        cost=float(runs["total_intervention_cost"].max()),
        peak=float(runs[PEAK_RUN].max()),
    )


def loss_signs(spec: PlanSpec) -> np.ndarray:
    """+1 for an objective minimised, -1 for one maximised (losses are sign x value)."""
    return np.array([1.0 if d == "minimise" else -1.0 for d in spec.directions()])


def lower_is_better(spec: PlanSpec) -> list[bool]:
    """Per objective: whether lower is better in the reported values (regret always)."""
    if spec.robustness.measure == "regret":
        return [True] * len(spec.directions())
    return [d == "minimise" for d in spec.directions()]


def search_values(spec: PlanSpec, found: Scores) -> list[float]:
    """What the search optimises per objective: the mean, the quantile, or (for regret, which
    needs every plan) the same quantile of the per-scenario means, worst case at level 1."""
    signs = loss_signs(spec)
    level = spec.robustness.resolved_level()
    measure = spec.robustness.measure
    if measure == "mean":
        return [float(v) for v in found.values.mean(axis=0)]
    loss = (found.values if measure == "quantile" else found.scenario_means) * signs
    return [float(v) for v in np.quantile(loss, level, axis=0) * signs]


def regrets(spec: PlanSpec, means: np.ndarray) -> np.ndarray:
    """Regret of each candidate per objective: how far its per-scenario mean falls behind the
    best candidate of that scenario, at the level quantile over the scenarios (1: the most).

    Parameters
    ----------
    spec : PlanSpec
        The objectives' directions and the robustness level.
    means : numpy.ndarray
        Shape (candidates, scenarios, objectives), in the objectives' units.

    Returns
    -------
    numpy.ndarray
        Shape (candidates, objectives); 0 for a candidate that is best in every scenario.
    """
    loss = means * loss_signs(spec)
    behind = loss - loss.min(axis=0)
    return np.quantile(behind, spec.robustness.resolved_level(), axis=1)


def violations(budget: Budget | None, found: Scores) -> dict[str, float]:
    """Each budget constraint as Optuna reads it: over the budget by this much (> 0 breaks)."""
    if budget is None:
        return {}
    out = {}
    if budget.total is not None:
        out["total"] = found.cost - budget.total
    if budget.per_week is not None:
        out["per_week"] = found.peak - budget.per_week
    return out


def pareto(losses: np.ndarray) -> np.ndarray:
    """Indices of the rows no other row dominates (lower is better in every column)."""
    keep = []
    for i, row in enumerate(losses):
        dominated = np.any(np.all(losses <= row, axis=1) & np.any(losses < row, axis=1))
        if not dominated:
            keep.append(i)
    return np.array(keep, dtype=int)


def feasible_losses(spec: PlanSpec, trials: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The complete trials within the budget that have a value for every objective, and
    their values as losses (lower is better in every column)."""
    names = spec.objective_names()
    ok = trials[(trials["feasible"] == True) & (trials["state"] == "complete")]  # noqa: E712
    ok = ok.dropna(subset=names)
    values = ok[names].to_numpy(dtype=float)
    return ok, np.where(lower_is_better(spec), values, -values)


def reported_front(spec: PlanSpec, trials: pd.DataFrame) -> pd.DataFrame:
    """The reported plans: feasible, complete, best first; for several objectives the Pareto
    front, thinned evenly along the first objective to ``report.top`` plans.

    Parameters
    ----------
    spec : PlanSpec
        The objectives, their directions, the robustness measure and ``report.top``.
    trials : pandas.DataFrame
        ``PlanSearch.trials``: ``trial``, ``state``, ``feasible`` and a column per objective.

    Returns
    -------
    pandas.DataFrame
        The chosen rows of ``trials``, with ``rank`` (from 1) and ``plan`` (``plan-01``, ...)
        in front.
    """
    names = spec.objective_names()
    ok, losses = feasible_losses(spec, trials)
    if len(names) == 1:
        order = np.lexsort((ok["trial"].to_numpy(), losses[:, 0]))
        chosen = order[: spec.report.top]
    else:
        front = pareto(losses)
        front = front[np.lexsort((ok["trial"].to_numpy()[front], losses[front, 0]))]
        if len(front) > spec.report.top:
            picks = np.unique(np.round(np.linspace(0, len(front) - 1, spec.report.top)))
            front = front[picks.astype(int)]
        chosen = front
    out = ok.iloc[chosen].reset_index(drop=True)
    out.insert(0, "plan", [f"plan-{i + 1:02d}" for i in range(len(out))])
    out.insert(0, "rank", range(1, len(out) + 1))
    return out
