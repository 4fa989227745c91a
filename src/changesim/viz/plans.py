"""The figure of a plan search: every trial, the reported plans and the compared routes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def front_figure(
    trials: pd.DataFrame,
    front: pd.DataFrame,
    comparison: pd.DataFrame,
    objectives: list[str],
    labels: list[str],
    title: str,
    lower: list[bool],
) -> Figure:
    """The search at a glance.

    With one objective: each trial's value by trial number (within the budget filled, over
    it crossed), the best so far as a line, and each compared route as a dashed level. With
    several: the first objective against each other one (at most three panels), the reported
    plans of the front joined and numbered, the routes as labelled diamonds.

    Parameters
    ----------
    trials, front, comparison : pandas.DataFrame
        ``PlanSearch.trials``, ``.front`` and ``.comparison``.
    objectives : list of str
        Column names of the objectives.
    labels : list of str
        Axis labels, one per objective.
    title : str
        The search's name.
    lower : list of bool
        Per objective: whether lower is better.
    """
    complete = trials[trials["state"] == "complete"] if "state" in trials else trials
    feasible = complete[complete["feasible"] == True]  # noqa: E712
    over = complete[complete["feasible"] != True]  # noqa: E712
    routes = comparison[comparison["kind"] == "route"] if not comparison.empty else comparison
    if len(objectives) == 1:
        name = objectives[0]
        fig, ax = plt.subplots(figsize=(7, 4.2))
        ax.scatter(feasible["trial"], feasible[name], s=16, color="tab:blue", label="plan")
        if not over.empty:
            ax.scatter(
                over["trial"], over[name], s=16, marker="x", color="tab:red", label="over budget"
            )
        if not feasible.empty:
            ordered = feasible.sort_values("trial")
            values = ordered[name].to_numpy(dtype=float)
            accumulate = np.minimum if lower[0] else np.maximum
            best = accumulate.accumulate(values)
            ax.step(
                ordered["trial"], best, where="post", color="tab:blue", lw=1.2, label="best so far"
            )
        for i, row in enumerate(routes.itertuples(index=False)):
            value = getattr(row, name)
            ax.axhline(value, ls="--", lw=0.9, color=f"C{(i + 2) % 10}")
            ax.annotate(
                str(row.name),
                (0, value),
                fontsize=7,
                va="bottom",
                xycoords=("axes fraction", "data"),
            )
        ax.set_xlabel("trial")
        ax.set_ylabel(labels[0])
        ax.legend(fontsize=8, loc="best")
        ax.set_title(title, fontsize=10)
        fig.tight_layout()
        return fig
    pairs = [(0, j) for j in range(1, min(len(objectives), 4))]
    fig, axes = plt.subplots(1, len(pairs), figsize=(5.2 * len(pairs), 4.4), squeeze=False)
    for ax, (i, j) in zip(axes[0], pairs, strict=True):
        x, y = objectives[i], objectives[j]
        ax.scatter(feasible[x], feasible[y], s=12, color="0.7", label="plan")
        if not over.empty:
            ax.scatter(
                over[x], over[y], s=12, marker="x", color="tab:red", alpha=0.5, label="over budget"
            )
        if not front.empty:
            shown = front.sort_values(x)
            ax.plot(shown[x], shown[y], "o-", color="tab:blue", ms=5, label="reported plans")
            for row in front.itertuples(index=False):
                ax.annotate(
                    str(row.rank),
                    (getattr(row, x), getattr(row, y)),
                    fontsize=7,
                    xytext=(3, 3),
                    textcoords="offset points",
                )
        for k, row in enumerate(routes.itertuples(index=False)):
            ax.scatter(
                [getattr(row, x)],
                [getattr(row, y)],
                marker="D",
                s=36,
                color=f"C{(k + 2) % 10}",
                label=str(row.name),
            )
        ax.set_xlabel(labels[i])
        ax.set_ylabel(labels[j])
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
