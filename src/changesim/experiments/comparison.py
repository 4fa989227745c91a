"""Comparing routes as one library call: ``compare`` runs them on common random numbers and
returns a :class:`Comparison` with the runs, the summary, the paired differences and a report.

The command line (``changesim compare``), notebooks and the browser view all call this.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from changesim.analysis.metrics import KEY_METRICS, METRICS
from changesim.analysis.statistics import mean_interval, paired_differences, summary_table
from changesim.analysis.verdict import Verdict, conclude
from changesim.experiments.provenance import extensions
from changesim.experiments.replications import replication_seeds, run_replications
from changesim.experiments.store import RunStore, slug
from changesim.scenario import Scenario, load_scenario
from changesim.scenario.diff import beyond_route
from changesim.version import __version__

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Fewest replications on which ``until_precision`` trusts an interval (two equal differences
#: would give a width of 0).
MIN_PRECISION_PAIRS = 5

#: A route to compare: a scenario file or an already-loaded scenario.
Source = str | Path | Scenario


@dataclass
class Comparison:
    """Routes run on the same seeds, with the statistics that compare them.

    Attributes
    ----------
    scenarios : dict
        Route label to scenario, in the order given; the first is the reference.
    seeds : list of int
        The common random numbers: every route ran on each of these seeds.
    base_seed : int
        The seed the replication seeds were spawned from.
    runs : pandas.DataFrame
        One row per (route, replication): route, replication, seed and every summary metric.
    weekly : pandas.DataFrame
        The weekly frames of every run with route, replication and seed columns.
    summary : pandas.DataFrame
        Per route and headline metric: mean, 95% interval (ci_low, ci_high), n (runs with a
        value) and runs.
    differences : pandas.DataFrame
        Per route other than the reference and per headline metric: mean of the paired
        difference (route − reference) over seeds, with its 95% interval.
    sources : list of str
        Where each route came from (file path or scenario name).
    version : str
        changesim version that made the comparison.
    recomputed : list of str
        Stored runs that were found damaged (unreadable) and run again.
    precision : dict or None
        With ``until_precision``: the key metric, the target width, the widest interval of
        its paired differences, whether the target was reached, and the replications used.
    key_metrics : list of str
        The metrics the verdict concludes on, most important first.
    extensions : dict
        The user's own implementations the scenarios named when it was made (see
        :mod:`changesim.experiments.provenance`).
    """

    scenarios: dict[str, Scenario]
    seeds: list[int]
    base_seed: int
    runs: pd.DataFrame
    weekly: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    sources: list[str]
    version: str = field(default=__version__)
    recomputed: list[str] = field(default_factory=list)
    precision: dict[str, Any] | None = None
    key_metrics: list[str] = field(default_factory=lambda: list(KEY_METRICS))
    extensions: dict[str, str] = field(default_factory=dict)

    @property
    def routes(self) -> list[str]:
        """Route labels in order; the first is the reference of the differences."""
        return list(self.scenarios)

    @property
    def reference(self) -> str:
        """The route the others are compared with."""
        return self.routes[0]

    @property
    def currency(self) -> str | None:
        """Currency of the contact costs (the reference route's), None without customers."""
        customers = self.scenarios[self.reference].customers
        return None if customers is None else customers.currency

    @property
    def totals(self) -> dict[str, int]:
        """What shares stand for: the reference route's headcount ('employees') and, with
        customers, its customer population ('customers')."""
        scenario = self.scenarios[self.reference]
        org = self.weekly[(self.weekly["route"] == self.reference) & (self.weekly["unit"] == "all")]
        totals = {"employees": int(org["headcount"].iloc[0])}  # also from a population table
        if scenario.customers is not None:
            totals["customers"] = scenario.customers.population
        return totals

    @cached_property
    def verdict(self) -> Verdict:
        """The answer: rankings with P(best), the trade-off sentence, the Pareto set."""
        present = [m for m in self.key_metrics if m in self.runs.columns]
        return conclude(self.runs, present, totals=self.totals, currency=self.currency)

    @cached_property
    def beyond_route(self) -> dict[str, list[str]]:
        """Routes whose scenario differs from the reference's in more than the route, with
        the differing fields (dotted paths): anything listed may explain a difference too."""
        return beyond_route(self.scenarios)

    @cached_property
    def holdouts(self) -> pd.DataFrame:
        """Per route and unit: the mean share (with 95% interval) and number of employees who
        have not adopted at the end of the run."""
        last = self.weekly[self.weekly["week"] == self.weekly["week"].max()]
        rows = []
        for (route, unit), group in last.groupby(["route", "unit"], sort=False, observed=True):
            share = 1.0 - group["adopted_share"].to_numpy(dtype=float)
            mean, low, high, _ = mean_interval(share)
            rows.append(
                {
                    "route": route,
                    "unit": unit,
                    "non_adopter_share": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "non_adopters": mean * float(group["headcount"].iloc[0]),
                }
            )
        return pd.DataFrame(rows)

    def warnings(self) -> list[str]:
        """What the user should know before trusting the comparison."""
        notes = [
            f"'{label}' differs from '{self.reference}' in more than the route: "
            f"{', '.join(fields)}. A difference in results may come from any of these."
            for label, fields in self.beyond_route.items()
        ]
        if self.recomputed:
            notes.append(
                f"{len(self.recomputed)} stored run(s) could not be read and were run again: "
                f"{', '.join(self.recomputed)}"
            )
        return notes

    def metadata(self, command: str | None = None) -> dict[str, Any]:
        """What made this comparison: version, sources, seeds and every scenario as validated."""
        meta: dict[str, Any] = {
            "changesim version": self.version,
            "scenario files": ", ".join(self.sources),
            "replications": len(self.seeds),
            "base seed": self.base_seed,
            "seeds": self.seeds,
        }
        if command is not None:
            meta["command"] = command
        if self.precision is not None:
            meta["precision"] = self.precision
        if self.currency is not None:
            meta["currency"] = self.currency
        meta["extensions"] = self.extensions
        meta["scenarios"] = {k: v.model_dump(mode="json") for k, v in self.scenarios.items()}
        return meta

    def figures(self) -> dict[str, Figure]:
        """The comparison's figures (bands across replications), by title."""
        from changesim.viz.plots import comparison_figures, tradeoffs  # matplotlib on drawing

        verdict = self.verdict
        figures = {
            "Trade-offs": tradeoffs(
                self.summary, verdict.pareto_axes, verdict.pareto, self.currency
            )
        }
        return figures | comparison_figures(self.weekly)

    def report(
        self,
        path: str | Path | None = None,
        *,
        pngs: Mapping[str, bytes] | None = None,
        command: str | None = None,
    ) -> str:
        """The self-contained HTML report; written to ``path`` when one is given.

        Parameters
        ----------
        path : str or Path, optional
            File to write.
        pngs : mapping, optional
            Figures already rendered as PNG (title to bytes); drawn afresh if not given.
        command : str, optional
            The command that made the comparison, shown under provenance.
        """
        from changesim.viz.plots import png_bytes
        from changesim.viz.report import comparison_report

        if pngs is None:
            pngs = {title: png_bytes(fig) for title, fig in self.figures().items()}
        meta = self.metadata(command)
        shown = {k: _shown(v) for k, v in meta.items() if k != "scenarios"}
        text = comparison_report(
            title="Migration routes compared",
            verdict=self.verdict,
            table=self.summary,
            differences=self.differences,
            holdouts=self.holdouts,
            reference=self.reference,
            figures=dict(pngs),
            meta=shown,
            warnings=self.warnings(),
            currency=self.currency,
        )
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def save(self, out: str | Path, *, command: str | None = None) -> list[Path]:
        """Write the comparison to folder ``out``.

        weekly.parquet, runs.csv, summary.csv, differences.csv, holdouts.csv, verdict.txt
        (the answer in sentences), meta.json, one PNG per figure and report.html.

        Returns
        -------
        list of Path
            The files written.
        """
        from changesim.viz.plots import png_bytes

        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        written = [out / name for name in ("weekly.parquet", "runs.csv", "summary.csv")]
        self.weekly.to_parquet(written[0], index=False)
        self.runs.to_csv(written[1], index=False)
        self.summary.to_csv(written[2], index=False)
        written.append(out / "differences.csv")
        self.differences.to_csv(written[-1], index=False)
        written.append(out / "holdouts.csv")
        self.holdouts.to_csv(written[-1], index=False)
        written.append(out / "verdict.txt")
        written[-1].write_text("\n".join(self.verdict.sentences(self.currency)) + "\n")
        written.append(out / "meta.json")
        written[-1].write_text(json.dumps(self.metadata(command), indent=2))
        pngs = {}
        for title, fig in self.figures().items():
            pngs[title] = png_bytes(fig)
            written.append(out / f"{slug(title)}.png")
            written[-1].write_bytes(pngs[title])
        written.append(out / "report.html")
        self.report(written[-1], pngs=pngs, command=command)
        return written


def _shown(value: Any) -> str:
    """A metadata value as report text."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def compare(
    sources: Sequence[Source] | Mapping[str, Scenario],
    *,
    replications: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    command: str | None = None,
    until_precision: float | None = None,
    max_replications: int = 200,
    key_metric: str = "weeks_to_80",
    metrics: Sequence[str] | None = None,
) -> Comparison:
    """Run every route on the same seeds and compare them.

    Parameters
    ----------
    sources : sequence or mapping
        Scenario files or loaded scenarios (labelled by their names, made unique with the
        file name where two share one), or a mapping from label to scenario. The first route
        is the reference for the paired differences.
    replications : int, optional
        Runs per route; default the first scenario's ``replications``.
    seed : int, optional
        Base seed of the replication seeds; default the first scenario's ``seed``.
    out : str or Path, optional
        Folder for the results. Finished runs are kept in ``out/runs/`` as they end and
        reused when the same comparison runs again (an interrupted comparison resumes); at
        the end the tables, figures, metadata and ``report.html`` are written there.
    progress : callable, optional
        Called as ``progress(done, total)`` after each run.
    command : str, optional
        The command line that asked for this, recorded in the metadata.
    until_precision : float, optional
        Add replications (doubling, on the same seed sequence) until the 95% interval of every
        paired difference in ``key_metric`` is narrower than this width (on at least
        :data:`MIN_PRECISION_PAIRS` replications), or ``max_replications`` is reached;
        :attr:`Comparison.precision` says how it ended.
    max_replications : int
        The most replications ``until_precision`` may use.
    key_metric : str
        The metric whose paired differences ``until_precision`` watches.
    metrics : sequence of str, optional
        The metrics the verdict concludes on, most important first (the trade-off sentence
        starts from the first); default
        :data:`~changesim.analysis.metrics.KEY_METRICS`.

    Returns
    -------
    Comparison

    Raises
    ------
    ScenarioError
        If a scenario file is invalid.
    ValueError
        If no route is given, ``replications`` is below 1, or a metric is unknown.
    """
    scenarios, labels = _labelled(sources)
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    first = next(iter(scenarios.values()))
    count = first.replications if replications is None else replications
    if count < 1:
        raise ValueError(f"replications must be at least 1, got {count}")
    if until_precision is not None and key_metric not in METRICS:
        raise ValueError(f"unknown key metric {key_metric!r}; known: {', '.join(METRICS)}")
    unknown = [m for m in metrics or () if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(METRICS)}")
    base_seed = first.seed if seed is None else seed
    store = None if out is None else RunStore(Path(out) / "runs")
    reference = next(iter(scenarios))
    done, ran, parts = 0, 0, []
    precision: dict[str, Any] | None = None

    def advance(_label: str, _replication: int) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, len(scenarios) * count)

    while True:  # one round without until_precision; rounds of doubling with it
        seeds = replication_seeds(base_seed, count)  # a prefix of any longer list
        parts.append(
            run_replications(scenarios, seeds[ran:], store=store, progress=advance, first=ran)
        )
        ran = count
        summaries = _in_route_order(pd.concat([p.summaries for p in parts]), scenarios)
        if until_precision is None:
            break
        widths = paired_differences(summaries, reference, [key_metric])
        widest = float((widths["ci_high"] - widths["ci_low"]).max()) if len(widths) else 0.0
        reached = bool(widest < until_precision) and count >= MIN_PRECISION_PAIRS
        precision = {
            "metric": key_metric,
            "target width": until_precision,
            "widest interval": widest,
            "reached": reached,
            "replications": count,
        }
        if reached or count >= max_replications:
            break
        count = min(max_replications, 2 * count)
    weekly = pd.concat([p.weekly for p in parts], ignore_index=True)
    weekly["unit"] = weekly["unit"].astype("category")
    comparison = Comparison(
        scenarios=scenarios,
        seeds=seeds,
        base_seed=base_seed,
        runs=summaries,
        weekly=weekly,
        summary=summary_table(summaries),
        differences=paired_differences(summaries, reference),
        sources=labels,
        recomputed=[] if store is None else list(store.damaged),
        precision=precision,
        key_metrics=list(metrics or KEY_METRICS),
        extensions=extensions(scenarios.values()),
    )
    if out is not None:
        comparison.save(out, command=command)
    return comparison


def _in_route_order(summaries: pd.DataFrame, scenarios: dict[str, Scenario]) -> pd.DataFrame:
    """Runs by route (in the order given) and replication, as a single round would give."""
    order = {label: i for i, label in enumerate(scenarios)}
    key = summaries["route"].map(order) * 1_000_000 + summaries["replication"]
    return summaries.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)


def _labelled(
    sources: Sequence[Source] | Mapping[str, Scenario],
) -> tuple[dict[str, Scenario], list[str]]:
    """Route label to scenario, and where each came from."""
    if isinstance(sources, Mapping):
        return dict(sources), [str(label) for label in sources]
    scenarios: dict[str, Scenario] = {}
    origins = []
    for source in sources:
        scenario = source if isinstance(source, Scenario) else load_scenario(source)
        origin = scenario.name if isinstance(source, Scenario) else str(source)
        label = scenario.name if scenario.name not in scenarios else f"{scenario.name} ({origin})"
        scenarios[label] = scenario
        origins.append(origin)
    return scenarios, origins
