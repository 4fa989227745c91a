"""Figures of results. Plotting reads result frames; it never runs a simulation.

The backend is left to matplotlib (inline in Jupyter, Agg without a display); the command line
asks for Agg (it writes files only).
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from changesim.analysis.metrics import SERIES, metric
from changesim.analysis.statistics import curve_bands
from changesim.model.collector import ORGANISATION


def _unit_lines(weekly: pd.DataFrame, column: str, title: str, ylabel: str) -> Figure:
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    for unit, rows in weekly.groupby("unit", sort=False, observed=True):
        style: dict[str, Any] = {"color": "black", "linewidth": 2.5} if unit == ORGANISATION else {}
        label = "organisation" if unit == ORGANISATION else str(unit)
        ax.plot(rows["week"], rows[column], label=label, **style)
    ax.set(title=title, xlabel="week", ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def adoption_by_unit(weekly: pd.DataFrame, title: str = "Adoption") -> Figure:
    """Adopted share per unit and for the organisation, one run."""
    fig = _unit_lines(weekly, "adopted_share", title, "adopted share")
    fig.axes[0].set_ylim(0, 1.02)
    return fig


def quality_by_unit(weekly: pd.DataFrame, title: str = "Service quality") -> Figure:
    """Service quality per unit (old level = 1), one run: the J-curve."""
    fig = _unit_lines(weekly, "quality", title, "quality (old level = 1)")
    fig.axes[0].axhline(1.0, color="grey", linestyle=":", linewidth=1)
    return fig


def route_bands(bands: pd.DataFrame, title: str, ylabel: str) -> Figure:
    """Mean curve per route with its band across replications (from ``curve_bands``)."""
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    for route, rows in bands.groupby("route", sort=False):
        (line,) = ax.plot(rows["week"], rows["mean"], label=str(route))
        ax.fill_between(
            rows["week"], rows["low"], rows["high"], color=line.get_color(), alpha=0.2, linewidth=0
        )
    ax.set(title=title, xlabel="week", ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def units_per_route(weekly: pd.DataFrame, column: str = "adopted_share") -> Figure:
    """Small multiples: mean ``column`` per unit across replications, one panel per route."""
    routes = list(dict.fromkeys(weekly["route"]))
    cols = min(3, len(routes))
    rows_n = (len(routes) + cols - 1) // cols
    fig, axes = plt.subplots(
        rows_n,
        cols,
        figsize=(4.2 * cols, 3.2 * rows_n),
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    units = weekly[weekly["unit"] != ORGANISATION]
    means = units.groupby(["route", "unit", "week"], sort=False, observed=True)[column].mean()
    for ax, route in zip(axes.flat, routes, strict=False):
        for unit, series in means.loc[route].groupby(level="unit", sort=False, observed=True):
            ax.plot(series.index.get_level_values("week"), series.to_numpy(), label=str(unit))
        ax.set(title=route, xlabel="week")
        ax.grid(alpha=0.3)
    axes.flat[0].set_ylabel(column.replace("_", " "))
    axes.flat[0].legend(fontsize="x-small")
    for ax in list(axes.flat)[len(routes) :]:
        ax.set_visible(False)
    return fig


def channel_shares(weekly: pd.DataFrame, title: str = "Channel shares") -> Figure:
    """Share of contacts per channel, one run."""
    org = weekly[weekly["unit"] == ORGANISATION]
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    for column in [c for c in org.columns if c.startswith("channel_share_")]:
        ax.plot(org["week"], org[column], label=column.removeprefix("channel_share_"))
    ax.set(title=title, xlabel="week", ylabel="share of contacts", ylim=(0, 1))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def customer_outcomes(weekly: pd.DataFrame, title: str = "Customers") -> Figure:
    """Satisfaction and first-contact resolution of the organisation's customers, one run."""
    org = weekly[weekly["unit"] == ORGANISATION]
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    ax.plot(org["week"], org["satisfaction"], label="satisfaction", color="black")
    ax.plot(org["week"], org["first_contact_resolution"], label="first-contact resolution")
    ax.set(title=title, xlabel="week", ylabel="share / score", ylim=(0, 1))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def run_figures(weekly: pd.DataFrame, name: str) -> dict[str, Figure]:
    """The figures of one run, by file stem."""
    figures = {
        "adoption": adoption_by_unit(weekly, f"Adoption: {name}"),
        "quality": quality_by_unit(weekly, f"Service quality: {name}"),
    }
    if "satisfaction" in weekly.columns:
        figures["channels"] = channel_shares(weekly, f"Channel shares: {name}")
        figures["customers"] = customer_outcomes(weekly, f"Customers: {name}")
    return figures


def comparison_figures(weekly: pd.DataFrame) -> dict[str, Figure]:
    """The figures of a route comparison (bands across replications), by title.

    One figure per declared weekly series present in ``weekly`` (see
    :data:`changesim.analysis.metrics.SERIES`), then adoption per unit.
    """
    figures = {
        series.title: route_bands(curve_bands(weekly, series.column), series.title, series.axis)
        for series in SERIES
        if series.column in weekly.columns
    }
    figures["Adoption per unit"] = units_per_route(weekly)
    return figures


def tradeoffs(
    summary: pd.DataFrame, axes: dict[str, str], front: list[str], currency: str | None = None
) -> Figure:
    """The Pareto view: each route's mean (with its 95% interval) on time against customer
    harm and against cost; routes no other beats on all at once are filled, the others open.

    Parameters
    ----------
    summary : pandas.DataFrame
        The comparison's summary table (route, metric, mean, ci_low, ci_high).
    axes : dict
        'time', and 'customer harm' and/or 'cost', to the metric shown on that axis.
    front : list of str
        The routes on the Pareto front.
    currency : str, optional
        Currency of money metrics, for the axis label.
    """
    others: list[str | None] = [a for a in ("customer harm", "cost") if a in axes]
    fig, panels = plt.subplots(
        1, max(1, len(others)), figsize=(5.2 * max(1, len(others)), 4), constrained_layout=True
    )
    panels = list(panels) if len(others) > 1 else [panels]
    time = axes.get("time")
    table = summary.set_index(["metric", "route"])
    routes = list(dict.fromkeys(summary["route"]))
    for panel, axis in zip(panels, others or [None], strict=True):
        for i, route in enumerate(routes):
            colour = f"C{i}"
            x = _point(table, time, route)
            y = _point(table, axes[axis], route) if axis else (0.0, 0.0, 0.0)
            filled = route in front
            panel.errorbar(
                x[0],
                y[0],
                xerr=[[x[0] - x[1]], [x[2] - x[0]]],
                yerr=[[y[0] - y[1]], [y[2] - y[0]]],
                fmt="o",
                color=colour,
                markerfacecolor=colour if filled else "white",
                markersize=8,
                capsize=3,
                label=f"{route}{'' if filled else ' (beaten)'}",
            )
        if time:
            panel.set_xlabel(_axis_label(time, currency))
            _percent_if_share(panel.xaxis, time)
        if axis:
            panel.set_ylabel(_axis_label(axes[axis], currency))
            _percent_if_share(panel.yaxis, axes[axis])
            panel.set_title(f"time against {axis}")
        panel.grid(alpha=0.3)
    panels[0].legend(fontsize="small")
    fig.suptitle("Trade-offs (filled: not beaten on every axis at once by another route)")
    return fig


def _point(table: pd.DataFrame, name: str | None, route: str) -> tuple[float, float, float]:
    """Mean and 95% bounds of ``name`` for ``route`` (the mean for a missing bound)."""
    if name is None:
        return 0.0, 0.0, 0.0
    row = table.loc[(name, route), ["mean", "ci_low", "ci_high"]].to_numpy(dtype=float)
    mean, low, high = (float(v) for v in row)
    return mean, low if low == low else mean, high if high == high else mean  # NaN: one run


def _axis_label(name: str, currency: str | None) -> str:
    """Short label, currency and direction of better: 'total cost (GBP), lower is better'."""
    declared = metric(name)
    label = declared.label if len(declared.label) <= 25 else declared.short or declared.label
    if currency and declared.unit.startswith("currency"):
        label += f" ({currency})"
    return (
        label
        + {"lower": ", lower is better", "higher": ", higher is better", None: ""}[declared.better]
    )


def _percent_if_share(axis: Any, name: str) -> None:
    """Ticks as percentages on an axis that shows a share."""
    if metric(name).unit == "share":
        from matplotlib.ticker import PercentFormatter

        axis.set_major_formatter(PercentFormatter(1.0))


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes; closes the figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()
