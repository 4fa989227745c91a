"""A plan search in words: the labels and formats of the objectives, the robustness measure
described, each reported plan as a commented scenario file, and the Markdown report."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from changesim.analysis.metrics import metric as declared_metric
from changesim.experiments.plans.scoring import COST, PEAK
from changesim.experiments.plans.spec import PlanSpec
from changesim.version import __version__

if TYPE_CHECKING:
    from changesim.experiments.plans.result import PlanSearch


def objective_label(name: str) -> str:
    """How objective ``name`` is labelled: the metric's label, or ``objective``."""
    return "objective" if name == "objective" else declared_metric(name).label


def format_value(name: str, value: float) -> str:
    """A value of objective ``name`` as its metric shows it (a weighted objective: currency)."""
    if name == "objective":
        return f"{value:,.0f}"
    return declared_metric(name).format(value)


def measure_words(spec: PlanSpec) -> str:
    """The robustness measure in words, for reports."""
    robustness = spec.robustness
    level = robustness.resolved_level()
    if robustness.measure == "mean":
        return "mean over the runs"
    if robustness.measure == "quantile":
        return f"the value {level:.0%} of the runs do at least as well as"
    worst = "largest" if level == 1 else f"{level:.0%} quantile of the"
    return f"regret: the {worst} shortfall against the best plan in each sampled scenario"


def measure_suffix(spec: PlanSpec) -> str:
    """The robustness measure in a few words, after an axis label: `` (mean)``."""
    measure = spec.robustness.measure
    level = spec.robustness.resolved_level()
    if measure == "mean":
        return " (mean)"
    if measure == "quantile":
        return f" ({level:.0%} of runs)"
    return " (regret)"


def plan_yaml(search: PlanSearch, row: dict[str, Any]) -> str:
    """The scenario file of a reported plan (``row`` of ``search.front``): the scenario as
    YAML after comments on where it comes from, its outcomes, costs and lever values."""
    import yaml

    spec = search.problem.spec
    lines = [
        f"# {row['plan']} of plan search {spec.name!r} (trial {row['trial']}), changesim "
        f"{__version__}.",
        f"# Robustness: {measure_words(spec)}.",
    ]
    for name in spec.objective_names():
        lines.append(
            f"#   {objective_label(name)}: {format_value(name, row[name])} "
            f"(mean {format_value(name, row[f'{name}_mean'])})"
        )
    lines.append(
        f"#   intervention cost: at most {row[COST]:,.0f} over the runs; most in one "
        f"week {row[PEAK]:,.0f}"
    )
    lever_values = search.problem.parameters_in(row)
    lines.append("# Levers: " + ", ".join(f"{k} = {_cell(v)}" for k, v in lever_values.items()))
    data = search.plans[row["plan"]]
    return "\n".join(lines) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def markdown_report(search: PlanSearch, figure: str | None = None) -> str:
    """The report of ``search``: the question, the reported plans, the comparison with the
    routes on the same seeds, and how the numbers were made; ``figure`` (a file name beside
    the report, e.g. ``front.png``) is shown under the reported plans."""
    problem = search.problem
    spec = problem.spec
    names = spec.objective_names()
    points = len(problem.experiment.design())
    out = [f"# Plan search: {spec.name}", ""]
    if spec.description:
        out += [spec.description, ""]
    feasible = int(search.trials["feasible"].sum()) if not search.trials.empty else 0
    out += [
        f"{len(search.trials)} plans tried, {feasible} within the budget. Every plan and every "
        f"route ran on the same {points} sampled scenario(s) x "
        f"{spec.uncertain.replications} replication(s) (common random numbers).",
        "",
        f"- Robustness: {measure_words(spec)}.",
    ]
    budget = spec.budget
    if budget is not None:
        caps = []
        if budget.total is not None:
            caps.append(f"total intervention cost at most {budget.total:,.0f}")
        if budget.per_week is not None:
            caps.append(f"at most {budget.per_week:,.0f} in any one week")
        out.append(
            f"- Budget: {' and '.join(caps)}, judged on the largest cost over a plan's runs."
        )
    out.append(
        "- Objectives: "
        + ", ".join(
            f"{objective_label(n)} ({d})" for n, d in zip(names, spec.directions(), strict=True)
        )
    )
    out += ["", "## Reported plans", ""]
    if search.front.empty:
        out.append("No plan kept to the budget.")
    else:
        levers = [k for k in problem.parameter_names() if k in search.front.columns]
        header = ["plan", "trial", *[objective_label(n) for n in names], "cost (max)", *levers]
        out += _md_table(
            header,
            [
                [
                    r["plan"],
                    str(r["trial"]),
                    *[format_value(n, r[n]) for n in names],
                    f"{r[COST]:,.0f}",
                    *[_cell(r[k]) for k in levers],
                ]
                for _, r in search.front.iterrows()
            ],
        )
        out += ["", *search.progress.lines()]
    if figure is not None:
        out += ["", f"![Every plan tried, the reported plans and the routes]({figure})"]
    out += ["", "## Compared with the routes as written, on the same seeds", ""]
    header = [
        "",
        *[objective_label(n) for n in names],
        *[f"{objective_label(n)} (mean)" for n in names],
        "cost (max)",
        "within budget",
    ]
    out += _md_table(
        header,
        [
            [
                f"{r['name']} ({r['kind']})",
                *[format_value(n, r[n]) for n in names],
                *[format_value(n, r[f"{n}_mean"]) for n in names],
                f"{r[COST]:,.0f}",
                "yes" if r["within_budget"] else "**no**",
            ]
            for _, r in search.comparison.iterrows()
        ],
    )
    out += [
        "",
        "Files: front.csv, trials.csv, comparison.csv, front.png, plans/*.yaml "
        "(run one with `changesim run plans/plan-01.yaml --out run`).",
        "",
    ]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "–" if math.isnan(value) else f"{value:.3g}"
    return str(value)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines
