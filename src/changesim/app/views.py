"""The page's views: matplotlib figures drawn from what the model has recorded so far.

Each view has a plain drawing function (``draw_*(model) -> Figure``, testable without a
browser) and a Solara component that shows it. They read only the model's records: the Mesa
``datacollector`` (organisation series) and ``model.recorder`` (per-unit and per-channel rows),
so a frame costs O(units x weeks), whatever the number of employees and customers. The network
view draws a sample laid out once per model (:attr:`AppModel.network_sample`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

if TYPE_CHECKING:
    from changesim.app.model import AppModel
    from changesim.model.change_model import ChangeModel

FIGSIZE = (6.0, 4.4)
#: Colours of the network view: not yet in scope, in scope, adopted.
STATE_COLOURS = ("#c8c8c8", "#e69f00", "#009e73")
TWIN_STYLE: dict[str, Any] = {"linestyle": "--", "color": "black", "linewidth": 1.5}


def _figure() -> tuple[Figure, Any]:
    fig = Figure(figsize=FIGSIZE)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.32, top=0.92)
    return fig, fig.subplots()


def _weeks_axis(ax: Any, model: ChangeModel) -> None:
    ax.set_xlim(0, model.settings.weeks)
    ax.set_xlabel("week")
    ax.grid(alpha=0.3)


def _legend(ax: Any) -> None:
    """The legend below the axes, so that it never hides a line."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, fontsize="small")


def _per_unit(model: ChangeModel, key: str) -> np.ndarray:
    """(weeks so far, units) array of a recorder row; adopted counts become shares."""
    rows = np.vstack(model.recorder.rows[key])
    if key == "adopted":
        rows = rows / model.state.headcount
    return rows


def _twin_label(model: AppModel) -> str:
    return f"all, {model.twin_route}"


def draw_adoption(model: AppModel) -> Figure:
    """Adopted share per unit and of the organisation, week by week."""
    fig, ax = _figure()
    shares = _per_unit(model, "adopted")
    weeks = np.arange(len(shares))
    for i, name in enumerate(model.unit_names):
        ax.plot(weeks, shares[:, i], label=name)
    org = model.datacollector.get_model_vars_dataframe()
    ax.plot(org["week"], org["adopted_share"], color="black", linewidth=2.5, label="all")
    if model.twin is not None:
        twin = model.twin.datacollector.get_model_vars_dataframe()
        ax.plot(twin["week"], twin["adopted_share"], label=_twin_label(model), **TWIN_STYLE)
    ax.set_ylim(0, 1)
    ax.set_ylabel("adopted share")
    ax.set_title(f"Adoption per unit: {model.route_name}")
    _weeks_axis(ax, model)
    _legend(ax)
    return fig


def draw_quality(model: AppModel) -> Figure:
    """Service quality per unit (the old level is 1): the J-curve of each unit."""
    fig, ax = _figure()
    quality = _per_unit(model, "quality")
    weeks = np.arange(len(quality))
    for i, name in enumerate(model.unit_names):
        ax.plot(weeks, quality[:, i], label=name)
    org = model.datacollector.get_model_vars_dataframe()
    ax.plot(org["week"], org["quality"], color="black", linewidth=2.5, label="all")
    if model.twin is not None:
        twin = model.twin.datacollector.get_model_vars_dataframe()
        ax.plot(twin["week"], twin["quality"], label=_twin_label(model), **TWIN_STYLE)
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_ylabel("service quality (old level = 1)")
    ax.set_title(f"Service quality per unit: {model.route_name}")
    _weeks_axis(ax, model)
    _legend(ax)
    return fig


def channel_shares(model: ChangeModel) -> tuple[list[str], np.ndarray]:
    """Channel names and each week's share of contacts per channel (weeks x channels)."""
    spec = model.settings.customers
    rows = model.recorder.customer_rows["contacts"]
    if spec is None or not rows:
        return [], np.empty((0, 0))
    contacts = np.vstack(rows).astype(np.float64)
    total = contacts.sum(axis=1, keepdims=True)
    shares = np.divide(contacts, total, out=np.full_like(contacts, np.nan), where=total > 0)
    return list(spec.channel_names()), shares


def draw_customers(model: AppModel) -> Figure:
    """Each channel's share of the week's contacts, and customer satisfaction."""
    fig, ax = _figure()
    names, shares = channel_shares(model)
    if not names:
        ax.text(0.5, 0.5, "no customers in this scenario", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    weeks = np.arange(len(shares))
    for i, name in enumerate(names):
        ax.plot(weeks, shares[:, i], label=f"{name} share")
    org = model.datacollector.get_model_vars_dataframe()
    ax.plot(org["week"], org["satisfaction"], color="black", linewidth=2.5, label="satisfaction")
    if model.twin is not None:
        twin = model.twin.datacollector.get_model_vars_dataframe()
        ax.plot(
            twin["week"],
            twin["satisfaction"],
            label=f"satisfaction, {model.twin_route}",
            **TWIN_STYLE,
        )
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of contacts / satisfaction")
    spec = model.settings.customers
    assert spec is not None
    ax.set_title(f"Channels and customers ({spec.population:,} customers)")
    _weeks_axis(ax, model)
    _legend(ax)
    return fig


def draw_network(model: AppModel) -> Figure:
    """The organisation's network coloured by adoption (a sample, laid out once)."""
    fig, ax = _figure()
    chosen, positions, edges = model.network_sample
    state = model.state
    colour = np.where(state.adopted[chosen], 2, np.where(state.in_scope[chosen], 1, 0))
    if len(edges):
        ax.add_collection(
            LineCollection(positions[edges], colors="#999999", linewidths=0.4, alpha=0.5)
        )
    ax.scatter(
        positions[:, 0],
        positions[:, 1],
        c=np.asarray(STATE_COLOURS)[colour],
        s=np.where(state.champion[chosen], 40, 14),
        edgecolors=np.where(state.champion[chosen], "black", "none"),
        linewidths=0.8,
    )
    for i, (label, col) in enumerate(
        zip(("not yet open", "open", "adopted"), STATE_COLOURS, strict=True)
    ):
        ax.scatter([], [], c=col, s=14, label=f"{label}: {np.sum(colour == i)}")
    ax.scatter([], [], c="white", edgecolors="black", s=40, label="champion")
    shown = f"{len(chosen)} of {state.size:,}" if len(chosen) < state.size else f"{state.size}"
    ax.set_title(f"Network, week {state.week} ({shown} employees)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize="small")
    ax.set_axis_off()
    return fig


@solara.component
def Adoption(model: AppModel) -> Any:
    """The adoption view."""
    update_counter.get()  # redrawn after every step
    return _show(draw_adoption(model))


@solara.component
def Network(model: AppModel) -> Any:
    """The network view."""
    update_counter.get()  # redrawn after every step
    return _show(draw_network(model))


@solara.component
def Quality(model: AppModel) -> Any:
    """The service-quality view."""
    update_counter.get()  # redrawn after every step
    return _show(draw_quality(model))


@solara.component
def Customers(model: AppModel) -> Any:
    """The channels-and-customers view."""
    update_counter.get()  # redrawn after every step
    return _show(draw_customers(model))


def _show(figure: Figure) -> Any:
    return solara.FigureMatplotlib(figure, format="png")


def components() -> list[tuple[Any, int]]:
    """The views as Solara components for SolaraViz, all on its first page (SolaraViz
    redraws them after every step)."""
    return [(view, 0) for view in (Adoption, Network, Quality, Customers)]
