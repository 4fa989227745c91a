"""Figures and the HTML report of an analysed sweep, from its tables
(:class:`changesim.experiments.analyze.Analysis` holds them). Never runs a simulation."""

from __future__ import annotations

import html
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from changesim.analysis.discovery import WinBox
from changesim.analysis.metrics import metric
from changesim.analysis.verdict import Verdict
from changesim.viz.report import STYLE, _img


def probability_best_figure(p_best: pd.DataFrame) -> Figure:
    """Per metric, each route's probability of being best, with 95% intervals."""
    metrics = list(dict.fromkeys(p_best["metric"]))
    routes = list(dict.fromkeys(p_best["route"]))
    fig, ax = plt.subplots(figsize=(7, 0.6 + 0.5 * len(metrics) * len(routes) / 2 + 1))
    height = 0.8 / max(len(routes), 1)
    for i, route in enumerate(routes):
        rows = p_best[p_best["route"] == route].set_index("metric").reindex(metrics)
        y = np.arange(len(metrics)) + i * height
        err = np.vstack([rows["p_best"] - rows["ci_low"], rows["ci_high"] - rows["p_best"]])
        ax.barh(y, rows["p_best"], height=height, xerr=err, label=route, capsize=2)
    ax.set_yticks(np.arange(len(metrics)) + 0.4 - height / 2, [metric(m).label for m in metrics])
    ax.invert_yaxis()
    ax.set(xlim=(0, 1), xlabel="probability of being best over the uncertainty space")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    fig.tight_layout()
    return fig


def sensitivity_figure(table: pd.DataFrame, name: str) -> Figure:
    """Per factor, its total Sobol' index (or Morris μ*) for each route, for metric ``name``."""
    rows = table[table["metric"] == name]
    value, conf, label = (
        ("ST", "ST_conf", "total Sobol' index")
        if "ST" in rows
        else ("mu_star", "mu_star_conf", "Morris μ* (per unit range)")
    )
    factors = list(dict.fromkeys(rows["factor"]))
    routes = list(dict.fromkeys(rows["route"]))
    fig, ax = plt.subplots(figsize=(7, 1 + 0.45 * len(factors) * max(len(routes), 1) / 2 + 1))
    height = 0.8 / max(len(routes), 1)
    for i, route in enumerate(routes):
        part = rows[rows["route"] == route].set_index("factor").reindex(factors)
        y = np.arange(len(factors)) + i * height
        ax.barh(y, part[value], height=height, xerr=part[conf], label=route, capsize=2)
    ax.set_yticks(np.arange(len(factors)) + 0.4 - height / 2, factors)
    ax.invert_yaxis()
    ax.set(xlabel=label, title=metric(name).label)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def analysis_figures(
    p_best: pd.DataFrame, sensitivity: pd.DataFrame, metrics: list[str]
) -> dict[str, Figure]:
    """The figures of an analysis, by title."""
    figures = {}
    if not p_best.empty:
        figures["Probability of being best"] = probability_best_figure(p_best)
    if not sensitivity.empty:
        for name in metrics:
            if name in set(sensitivity["metric"]):
                title = f"Sensitivity of {metric(name).label}"
                figures[title] = sensitivity_figure(sensitivity, name)
    return figures


def _ranking(p_best: pd.DataFrame) -> str:
    """Per metric, the routes by probability of being best, in words."""
    items = []
    for name, rows in p_best.groupby("metric", sort=False):
        ordered = rows.sort_values("p_best", ascending=False)
        parts = [
            f"{html.escape(str(r.route))} {r.p_best:.0%} "
            f"<small>[{r.ci_low:.0%}, {r.ci_high:.0%}]</small>"
            for r in ordered.itertuples()
        ]
        declared = metric(str(name))
        items.append(
            f"<li><b>{html.escape(declared.label)}</b> ({declared.better} is better): "
            f"{' · '.join(parts)}</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>None.</p>"
    shown = frame.copy()
    for column in shown.select_dtypes("number"):
        shown[column] = shown[column].map(lambda v: f"{v:.3g}")
    return shown.to_html(index=False, escape=True, border=0)


NO_BOXES = "<li>No route wins in only part of the space.</li>"


def _answer(verdict: Verdict | None) -> str:
    """The headline and the verdict's sentences, over the uncertainty space."""
    if verdict is None:
        return ""
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in verdict.sentences()[1:])
    return (
        f'<p class="headline" id="headline">{html.escape(verdict.tradeoff)}</p>'
        f"<p><small>Over every situation (design point and replication): the intervals and "
        f"P(best) cover the uncertain factors and the seeds together.</small></p><ul>{lines}</ul>"
    )


def analysis_report(
    *,
    verdict: Verdict | None,
    manifest: dict[str, Any],
    p_best: pd.DataFrame,
    boxes: list[WinBox],
    differences: pd.DataFrame,
    sensitivity: pd.DataFrame,
    figures: dict[str, bytes],
) -> str:
    """The HTML text of the analysis report (figures embedded)."""
    found = "".join(
        f"<li>{html.escape(b.sentence)} <small>({html.escape(metric(b.metric).label)})</small></li>"
        for b in boxes
    )
    images = "".join(f"<h3>{html.escape(t)}</h3>{_img(png, t)}" for t, png in figures.items())
    meta = {
        "experiment": manifest["experiment"],
        "design": f"{manifest['design']['kind']}, {manifest['design points']} points",
        "replications": manifest["replications"],
        "runs": manifest["runs"],
        "routes": ", ".join(manifest["routes"]),
        "factors": ", ".join(manifest["factors"]) or "none",
        "seed": manifest["seed"],
        "changesim version": manifest["changesim version"],
    }
    meta_rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>{html.escape(str(v))}</td></tr>"
        for k, v in meta.items()
    )
    title = f"Routes under uncertainty: {manifest['experiment']}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>{_answer(verdict)}
<p>Every route ran at every design point of the factor space, with replications on common
seeds. A <i>situation</i> is one design point and replication; in each, the routes are
compared directly. The probability of being best counts the situations where a route is best
by the metric's direction of better (ties shared), with a 95% interval.</p>
<h2>Which route is best, how often</h2>{_ranking(p_best)}
<h2>Where each route wins</h2><ul>{found or NO_BOXES}</ul>
<h2>Figures</h2>{images}
<h2>Paired differences against “{html.escape(manifest["routes"][0])}”</h2>
<p>Mean of route − reference over all situations, with a 95% interval that reflects both the
seeds and the uncertain factors.</p>{_table(differences)}
<h2>Sensitivity</h2>{_table(sensitivity)}
<h2>Provenance</h2><table class="meta">{meta_rows}</table>
</body></html>
"""
