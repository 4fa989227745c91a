"""The result of a plan search: every trial, the reported plans (the best, or spread along
the Pareto front), the comparison with the routes on the same seeds, and each reported plan as
a ready-to-run scenario; the figure, the Markdown report and the files written."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from changesim.experiments.outputs import write_outputs
from changesim.experiments.plans.problem import PlanProblem
from changesim.experiments.plans.progress import SearchProgress, search_progress
from changesim.experiments.plans.report import (
    format_value,
    markdown_report,
    measure_suffix,
    measure_words,
    objective_label,
    plan_yaml,
)
from changesim.experiments.plans.scoring import (
    COST,
    PEAK,
    Scores,
    lower_is_better,
    regrets,
    reported_front,
    scores,
    search_values,
    violations,
)
from changesim.experiments.plans.store import PlanStore, trial_name
from changesim.scenario import Scenario, load_scenario
from changesim.version import __version__

if TYPE_CHECKING:
    import optuna
    from matplotlib.figure import Figure


@dataclass
class PlanSearch:
    """A finished plan search.

    Attributes
    ----------
    problem : PlanProblem
        The plan-search file, resolved.
    trials : pandas.DataFrame
        One row per trial: ``trial``, ``state``, each lever (``route``, then the parameter
        names), each objective's robust value (column named by the objective) and its mean
        (``<objective>_mean``), ``cost_max``, ``peak_week_cost_max``, ``feasible`` and
        ``problem`` (why a trial failed).
    front : pandas.DataFrame
        The reported plans, best first: the best plans (one objective) or plans spread along
        the Pareto front (several), all within the budget; with ``rank`` and ``plan`` (the
        name of its scenario file) before the columns of ``trials``.
    comparison : pandas.DataFrame
        The reported plans and the compared routes on the same seeds: ``name``, ``kind``
        (plan or route), each objective's robust value and mean, costs and ``within_budget``.
    plans : dict
        Plan name -> the plan's scenario as data (ready to run).
    evaluated : int
        Trials evaluated by this call (the others were stored).
    seconds : float
        Wall time of the call.
    """

    problem: PlanProblem
    trials: pd.DataFrame
    front: pd.DataFrame
    comparison: pd.DataFrame
    plans: dict[str, dict[str, Any]]
    evaluated: int = 0
    seconds: float = 0.0
    version: str = field(default=__version__)

    @property
    def objectives(self) -> list[str]:
        """The objectives' names, in order."""
        return self.problem.spec.objective_names()

    @property
    def best(self) -> pd.Series | None:
        """The best plan within the budget (one objective); None for several objectives (see
        :attr:`front`) or when no plan kept to the budget."""
        if len(self.objectives) > 1 or self.front.empty:
            return None
        return self.front.iloc[0]

    @property
    def progress(self) -> SearchProgress:
        """Where the best plan or the Pareto front came from among the trials, and whether
        the search has settled (see :mod:`changesim.experiments.plans.progress`)."""
        return search_progress(self.problem.spec, self.trials)

    def scenario(self, name: str) -> Scenario:
        """The reported plan ``name`` (``plan-01``) as a validated scenario."""
        return load_scenario(self.plans[name])

    def summary_lines(self) -> list[str]:
        """The result in a few lines of text (the command line prints them)."""
        spec = self.problem.spec
        feasible = int(self.trials["feasible"].sum()) if not self.trials.empty else 0
        lines = [
            f"{len(self.trials)} plans tried ({self.evaluated} now), {feasible} within the "
            f"budget, each on {len(self.problem.runs('x'))} runs with the same seeds"
        ]
        if self.front.empty:
            lines.append("no plan kept to the budget: raise it, or narrow the levers")
            return lines
        kind = "best plan" if len(self.objectives) == 1 else "plans on the Pareto front"
        lines.append(f"{kind} ({measure_words(spec)}):")
        for _, series in self.front.iterrows():
            data = series.to_dict()
            parts = [f"{objective_label(n)} {format_value(n, data[n])}" for n in self.objectives]
            cost = f"cost up to {data[COST]:,.0f}"
            lines.append(
                f"  {data['plan']} (trial {data['trial']}): " + ", ".join(parts) + f"; {cost}"
            )
        return lines + self.progress.lines()

    def figures(self) -> dict[str, Figure]:
        """``front``: the trials, the front or best, and the compared routes."""
        from changesim.viz.plans import front_figure

        labels = [objective_label(n) + measure_suffix(self.problem.spec) for n in self.objectives]
        return {
            "front": front_figure(
                self.trials,
                self.front,
                self.comparison,
                self.objectives,
                labels,
                self.problem.spec.name,
                lower_is_better(self.problem.spec),
            )
        }

    def report(self, figure: str | None = None) -> str:
        """A Markdown report: the question, the reported plans, the comparison with the
        routes, and how the numbers were made; ``figure`` names an image file beside the
        report to show (``save`` passes ``front.png``)."""
        return markdown_report(self, figure)

    def save(self, out: str | Path, *, figures: bool = True) -> list[Path]:
        """Write front.csv, trials.csv, comparison.csv, report.md, front.png and one scenario
        file per reported plan (``plans/plan-01.yaml``: loads with
        :func:`changesim.load_scenario` and runs with ``changesim run``).

        Returns
        -------
        list of Path
            The files written.
        """
        folder = Path(out)
        tables = {
            "front.csv": self.front,
            "trials.csv": self.trials,
            "comparison.csv": self.comparison,
        }
        texts = {"report.md": self.report("front.png" if figures else None)}
        written = write_outputs(folder, tables, texts, self.figures() if figures else None)
        plans = folder / "plans"
        shutil.rmtree(plans, ignore_errors=True)
        plans.mkdir(parents=True, exist_ok=True)
        for _, series in self.front.iterrows():
            data = series.to_dict()
            path = plans / f"{data['plan']}.yaml"
            path.write_text(plan_yaml(self, {str(k): v for k, v in data.items()}), encoding="utf-8")
            written.append(path)
        return written


def collect_result(
    problem: PlanProblem,
    study: optuna.Study,
    store: PlanStore,
    route_runs: dict[str, pd.DataFrame],
) -> PlanSearch:
    """The result of a search: every trial of ``study`` scored from its runs in ``store``,
    regret (if that is the measure) against every complete trial and compared route, the
    reported plans and their scenarios, and the comparison with ``route_runs``."""
    import optuna

    spec = problem.spec
    names = spec.objective_names()
    rows = []
    means: list[np.ndarray | None] = []
    for frozen in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"trial": frozen.number, "state": frozen.state.name.lower()}
        row.update(frozen.params)
        runs = store.load(trial_name(frozen.number))
        if frozen.state == optuna.trial.TrialState.COMPLETE and runs is not None:
            found = scores(problem, runs)
            row.update(_objective_values(problem, found))
            row[COST], row[PEAK] = found.cost, found.peak
            row["feasible"] = (
                all(v <= 0 for v in frozen.constraints.values()) if (frozen.constraints) else True
            )
            means.append(found.scenario_means)
        else:
            row["feasible"] = False
            means.append(None)
        row["problem"] = frozen.user_attrs.get("problem", "")
        rows.append(row)
    trials = pd.DataFrame(rows)
    route_rows = []
    route_means = []
    for label, runs in route_runs.items():
        found = scores(problem, runs)
        row = {
            "name": label,
            "kind": "route",
            **_objective_values(problem, found),
            COST: found.cost,
            PEAK: found.peak,
            "within_budget": all(v <= 0 for v in violations(spec.budget, found).values()),
        }
        route_rows.append(row)
        route_means.append(found.scenario_means)
    if spec.robustness.measure == "regret":
        complete = [i for i, m in enumerate(means) if m is not None]
        known = [m for m in means if m is not None] + route_means
        if known:
            stacked = np.stack(known)
            regret = regrets(spec, stacked)
            for j, name in enumerate(names):
                column = np.full(len(trials), np.nan)
                column[complete] = regret[: len(complete), j]
                trials[name] = column
                for r, route_row in enumerate(route_rows):
                    route_row[name] = float(regret[len(complete) + r, j])
    if trials.empty:
        trials = pd.DataFrame(columns=["trial", "state", "feasible", "problem", *names])
    front = reported_front(spec, trials)
    plans = {}
    for _, series in front.iterrows():
        data = series.to_dict()
        candidate = problem.candidate(problem.parameters_in(data), data["plan"])
        scenario = candidate.scenario_data()
        scenario["name"] = f"{spec.name}: {data['plan']} (trial {data['trial']})"
        plans[data["plan"]] = scenario
    plan_rows = [
        {
            "name": row["plan"],
            "kind": "plan",
            **{n: row[n] for n in names},
            **{f"{n}_mean": row[f"{n}_mean"] for n in names},
            COST: row[COST],
            PEAK: row[PEAK],
            "within_budget": True,
        }
        for _, row in front.iterrows()
    ]
    comparison = pd.DataFrame(plan_rows + route_rows)
    return PlanSearch(problem, trials, front, comparison, plans)


def _objective_values(problem: PlanProblem, found: Scores) -> dict[str, float]:
    """Each objective's robust value (named by the objective) and mean (``<name>_mean``)."""
    names = problem.spec.objective_names()
    robust = search_values(problem.spec, found)
    out = {name: robust[j] for j, name in enumerate(names)}
    out.update({f"{name}_mean": float(found.values[:, j].mean()) for j, name in enumerate(names)})
    return out
