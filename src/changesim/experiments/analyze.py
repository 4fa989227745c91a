"""Analysing a finished sweep: sensitivity, which route wins where, and a report.

``analyze(folder)`` reads a sweep's store (``manifest.json``, ``design.parquet``, ``runs/``)
and computes, per key metric: Sobol' or Morris indices (when the design is one of those),
the probability that each route is best over the uncertainty space (overall and per third of
each factor's range), paired differences against the first route, and PRIM boxes that say
where each route wins. ``Analysis.save`` writes the tables, figures and an HTML report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from changesim.analysis.discovery import WinBox, winning_boxes
from changesim.analysis.metrics import KEY_METRICS, METRICS
from changesim.analysis.sensitivity import morris_indices, sobol_indices
from changesim.analysis.uncertainty import (
    paired_differences_over_uncertainty,
    probability_best,
    probability_best_by_range,
)
from changesim.analysis.verdict import Verdict, conclude
from changesim.experiments.store import slug
from changesim.experiments.sweeps import SweepStore
from changesim.scenario import Problem, ScenarioError


@dataclass
class Analysis:
    """A sweep analysed.

    Attributes
    ----------
    manifest : dict
        The sweep's manifest (experiment, design, seeds, routes, factors).
    metrics : list of str
        The metrics analysed.
    sensitivity : pandas.DataFrame
        Sobol' (S1, ST with intervals) or Morris (mu_star, sigma) indices per route, metric and
        factor; empty for other designs.
    p_best : pandas.DataFrame
        Per metric and route: probability of being best over the situations, with interval.
    p_best_by_range : pandas.DataFrame
        The same within each third of each factor's range.
    differences : pandas.DataFrame
        Paired differences against the reference route over the uncertainty space.
    boxes : list of WinBox
        Where each route wins, per metric, in plain words.
    verdict : Verdict or None
        The answer over the uncertainty space: the trade-off sentence, the best route per
        metric with P(best) over situations, the Pareto set.
    """

    manifest: dict[str, Any]
    metrics: list[str]
    sensitivity: pd.DataFrame
    p_best: pd.DataFrame
    p_best_by_range: pd.DataFrame
    differences: pd.DataFrame
    boxes: list[WinBox] = field(default_factory=list)
    verdict: Verdict | None = None

    def save(self, out: str | Path) -> list[Path]:
        """Write the tables (CSV), the figures (PNG) and ``report.html`` into ``out``."""
        from changesim.viz.plots import png_bytes
        from changesim.viz.sweep_report import analysis_figures, analysis_report

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        tables = {
            "sensitivity.csv": self.sensitivity,
            "p_best.csv": self.p_best,
            "p_best_by_range.csv": self.p_best_by_range,
            "differences.csv": self.differences,
            "boxes.csv": pd.DataFrame([vars(b) for b in self.boxes]),
        }
        written = []
        for name, frame in tables.items():
            written.append(out / name)
            frame.to_csv(written[-1], index=False)
        pngs = {}
        for title, figure in analysis_figures(self.p_best, self.sensitivity, self.metrics).items():
            pngs[title] = png_bytes(figure)
            written.append(out / f"{slug(title)}.png")
            written[-1].write_bytes(pngs[title])
        if self.verdict is not None:
            written.append(out / "verdict.txt")
            written[-1].write_text("\n".join(self.verdict.sentences()) + "\n")
        written.append(out / "report.html")
        report = analysis_report(
            verdict=self.verdict,
            manifest=self.manifest,
            p_best=self.p_best,
            boxes=self.boxes,
            differences=self.differences,
            sensitivity=self.sensitivity,
            figures=pngs,
        )
        written[-1].write_text(report, encoding="utf-8")
        return written


def analyze(folder: str | Path, *, metrics: list[str] | None = None) -> Analysis:
    """Analyse the sweep stored in ``folder``.

    Parameters
    ----------
    folder : str or Path
        A sweep's results folder (from :func:`changesim.sweep` or ``changesim sweep``).
    metrics : list of str, optional
        Summary metrics to analyse; default :data:`KEY_METRICS` where present.

    Raises
    ------
    ScenarioError
        If the folder holds no sweep, or a metric is not in its runs.
    """
    store = SweepStore(folder)
    manifest = store.manifest()
    if manifest is None or not (store.directory / "runs").is_dir():
        raise ScenarioError(
            [
                Problem(
                    str(folder), "", "holds no sweep (no manifest.json and runs/)", has_value=False
                )
            ]
        )
    runs = store.runs()
    design = pd.read_parquet(store.directory / "design.parquet")
    names = list(metrics) if metrics else [m for m in KEY_METRICS if m in runs.columns]
    unknown = [m for m in names if m not in runs.columns]
    if unknown:
        raise ScenarioError(
            [
                Problem(
                    str(folder), "metrics", f"not in the runs; known: {', '.join(METRICS)}", unknown
                )
            ]
        )
    factors: list[str] = manifest["factors"]
    kind = manifest["design"]["kind"]
    seed = int(manifest["seed"])
    if kind == "sobol":
        sensitivity = sobol_indices(design, runs, factors, names, seed)
    elif kind == "morris":
        sensitivity = morris_indices(design, runs, factors, names, seed)
    else:
        sensitivity = pd.DataFrame()
    by_range = [probability_best_by_range(runs, design, factors, n) for n in names if factors]
    reference = manifest["routes"][0]
    return Analysis(
        manifest=manifest,
        metrics=names,
        sensitivity=sensitivity,
        p_best=probability_best(runs, names),
        p_best_by_range=pd.concat(by_range, ignore_index=True) if by_range else pd.DataFrame(),
        differences=paired_differences_over_uncertainty(runs, names, reference),
        boxes=[box for n in names for box in winning_boxes(runs, design, factors, n)],
        verdict=conclude(runs, names),
    )
