"""Figures of a calibration and a projection: observed against predicted bands, the
posterior, and projected bands per unit. They read frames only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from changesim.model.collector import ORGANISATION

#: Axis labels of the observed figures.
FIGURE_LABELS = {
    "adopted_share": "adopted share",
    "readiness_score": "readiness (survey)",
    "self_service_share": "self-service share",
    "satisfaction": "satisfaction",
}


def fit_figure(predictive: pd.DataFrame, title: str) -> Figure:
    """Observed points against the 5–95% band and median of fresh runs at posterior draws,
    one panel per observed figure and unit (the posterior-predictive check)."""
    panels = list(predictive.groupby(["figure", "unit"], sort=False))
    columns = min(len(panels), 3)
    rows = int(np.ceil(len(panels) / columns))
    fig, axes = plt.subplots(
        rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False, constrained_layout=True
    )
    for ax, ((figure, unit), frame) in zip(axes.flat, panels, strict=False):
        ax.fill_between(
            frame["week"], frame["low"], frame["high"], alpha=0.25, linewidth=0, label="5–95%"
        )
        ax.plot(frame["week"], frame["median"], label="median")
        outside = ~frame["inside"].astype(bool)
        ax.scatter(
            frame["week"], frame["observed"], color="black", s=14, zorder=3, label="observed"
        )
        ax.scatter(
            frame["week"][outside],
            frame["observed"][outside],
            color="crimson",
            s=28,
            zorder=4,
            label="outside the band",
        )
        ax.set(
            title=f"{unit}: {FIGURE_LABELS.get(str(figure), str(figure))}",
            xlabel="week",
            ylim=(0, 1.02),
        )
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize="small")
    fig.suptitle(f"{title}: the pilot against the calibrated model")
    return fig


def posterior_figure(particles: pd.DataFrame, priors: Mapping[str, tuple[float, float]]) -> Figure:
    """Each parameter's posterior (weighted histogram over its prior interval) on the
    diagonal and each pair's particles below it."""
    paths = list(priors)
    size = len(paths)
    fig, axes = plt.subplots(
        size, size, figsize=(2.8 * size + 0.6, 2.6 * size), squeeze=False, constrained_layout=True
    )
    weight = particles["weight"].to_numpy(dtype=float)
    for i, row_path in enumerate(paths):
        for j, column_path in enumerate(paths):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            x = particles[column_path].to_numpy(dtype=float)
            if i == j:
                ax.hist(x, bins=20, range=priors[column_path], weights=weight, color="C0")
                ax.set_yticks([])
            else:
                ax.scatter(x, particles[row_path], s=6, alpha=0.5, c=weight, cmap="Blues")
                ax.set_ylim(*priors[row_path])
            ax.set_xlim(*priors[column_path])
            if i == size - 1:
                ax.set_xlabel(column_path, fontsize="small")
            if j == 0 and i > 0:
                ax.set_ylabel(row_path, fontsize="small")
    fig.suptitle("Posterior (axes span the priors)")
    return fig


def projection_figure(bands: pd.DataFrame, observed: pd.DataFrame, route: str) -> Figure:
    """Projected adopted share per unit (median and 5–95% band over the posterior) with the
    pilot's observed points."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2), constrained_layout=True)
    rows = bands[(bands["route"] == route) & (bands["figure"] == "adopted_share")]
    for unit, frame in rows.groupby("unit", sort=False):
        style: dict[str, Any] = {"label": str(unit)}
        if unit == ORGANISATION:
            style = {"label": "organisation", "color": "black", "linewidth": 2.5}
        (line,) = ax.plot(frame["week"], frame["median"], **style)
        ax.fill_between(
            frame["week"], frame["low"], frame["high"], color=line.get_color(), alpha=0.15
        )
        seen = observed[(observed["unit"] == unit) & (observed["figure"] == "adopted_share")]
        if len(seen):
            ax.scatter(seen["week"], seen["observed"], color=line.get_color(), s=12, zorder=3)
    ax.set(
        title=f"{route}: projected adoption (5–95%), pilot observed as points",
        xlabel="week",
        ylabel="adopted share",
        ylim=(0, 1.02),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig
