"""The search: Optuna proposes plans in batches (ask), each batch is evaluated on the common
scenarios and seeds and its outcomes and budget constraints told back (tell), until the
trials asked for exist; then the compared routes run on the same seeds (ADR 0018).

Trials are proposed in batches of ``search.batch``, aligned to trial numbers, and every batch
is evaluated in full before the next is proposed. The sampler is seeded afresh for each trial
from the file's seed and the trial number, so the trials do not depend on the executor or on
the number of workers, and a search stopped between batches continues as if it had never
stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from changesim.experiments.executors import Executor, ProcessExecutor, SerialExecutor
from changesim.experiments.plans.evaluate import evaluate
from changesim.experiments.plans.levers import Candidate
from changesim.experiments.plans.problem import PlanProblem, load_plan_search
from changesim.experiments.plans.result import PlanSearch, collect_result
from changesim.experiments.plans.scoring import scores, search_values, violations
from changesim.experiments.plans.spec import PlanSpec
from changesim.experiments.plans.store import PlanStore, route_name, trial_name
from changesim.scenario import ScenarioError, load_scenario

if TYPE_CHECKING:
    import optuna

#: Name of the Optuna study in the journal.
STUDY = "plan-search"


def _sampler(spec: PlanSpec, number: int) -> optuna.samplers.BaseSampler:
    """The sampler that proposes trial ``number``, seeded from the file's seed and the number
    (so that a trial never depends on which process proposed it)."""
    import optuna

    seed = int(np.random.SeedSequence([spec.seed, number]).generate_state(1)[0])
    search = spec.search
    if search.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if search.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=search.population, seed=seed)
    return optuna.samplers.TPESampler(
        seed=seed, n_startup_trials=search.startup, constant_liar=True
    )


def _directions(spec: PlanSpec) -> list[Literal["minimize", "maximize"]]:
    return ["minimize" if d == "minimise" else "maximize" for d in spec.directions()]


@dataclass
class _Progress:
    callback: Callable[[int, int], None] | None
    done: int = 0
    total: int = 0

    def add(self, runs: int) -> None:
        self.done += runs
        self.report()

    def report(self) -> None:
        if self.callback is not None:
            self.callback(self.done, max(self.total, self.done))


def optimise(
    plan: PlanProblem | str | Path,
    out: str | Path | None = None,
    *,
    trials: int = 50,
    workers: int | None = None,
    executor: Executor | None = None,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PlanSearch:
    """Search for the plan that holds up best across what is uncertain, within the budget.

    Parameters
    ----------
    plan : PlanProblem, str or Path
        From :func:`load_plan_search`, or a plan-search file.
    out : str or Path, optional
        Folder of the study and its runs, and of the results at the end; a search run again
        into the same folder continues from its stored trials. Without it the search is
        kept in memory only.
    trials : int
        Trials in total (the stored ones included): run again with a larger number to
        search further.
    workers : int, optional
        Local worker processes when no executor is given; default all cores (1 runs here).
    executor : Executor, optional
        Where to run (:mod:`changesim.experiments.executors`); it is not closed here.
    force : bool
        Delete another plan search found in ``out`` instead of refusing.
    progress : callable, optional
        Called as ``progress(runs done, runs expected)``.

    Returns
    -------
    PlanSearch

    Raises
    ------
    ScenarioError
        For a bad plan-search file (see :func:`load_plan_search`) and for an ``out`` that
        holds another plan search.
    """
    import optuna

    started = time.perf_counter()
    problem = plan if isinstance(plan, PlanProblem) else load_plan_search(plan)
    store = PlanStore(out)
    store.start(problem, force=force)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    own = executor is None
    if executor is None:
        executor = SerialExecutor() if workers == 1 else ProcessExecutor(workers)
    try:
        study = optuna.create_study(
            storage=store.storage(),
            study_name=STUDY,
            directions=_directions(problem.spec),
            load_if_exists=True,
        )
        per_plan = len(problem.runs("x"))
        counter = _Progress(progress)
        stored = len(study.get_trials(deepcopy=False))
        routes_todo = [
            n for n, d in problem.compare.items() if store.load(route_name(n, d)) is None
        ]
        counter.total = per_plan * (max(trials - stored, 0) + len(routes_todo))
        for frozen in study.get_trials(deepcopy=False):
            if frozen.state == optuna.trial.TrialState.RUNNING:
                counter.total += per_plan
        counter.report()
        evaluated = _search(problem, study, store, trials, executor, counter)
        route_runs = _compare_routes(problem, store, executor, counter)
    finally:
        if own:
            executor.close()
        optuna.logging.set_verbosity(verbosity)
    result = collect_result(problem, study, store, route_runs)
    result.evaluated = evaluated
    result.seconds = time.perf_counter() - started
    if out is not None:
        result.save(out)
    return result


def _search(
    problem: PlanProblem,
    study: optuna.Study,
    store: PlanStore,
    target: int,
    executor: Executor,
    counter: _Progress,
) -> int:
    """Finish trials left running by an interrupted search, then propose and evaluate
    batches until ``target`` trials exist. Returns the trials evaluated here."""
    import optuna

    evaluated = 0
    # Optuna has no public way to reopen a trial that is still running in the journal (a
    # ``Trial`` is made from the storage's trial id, ``FrozenTrial._trial_id``); the pin
    # ``optuna<6`` and test_a_search_killed_within_a_batch_finishes_its_proposed_plans
    # guard it.
    running = [
        optuna.trial.Trial(study, t._trial_id)
        for t in study.get_trials(deepcopy=False)
        if t.state == optuna.trial.TrialState.RUNNING
    ]
    if running:
        evaluated += _finish(problem, study, store, running, executor, counter)
    batch = problem.spec.search.batch
    while (count := len(study.get_trials(deepcopy=False))) < target:
        size = min(batch - count % batch, target - count)
        asked = []
        for _ in range(size):
            study.sampler = _sampler(problem.spec, len(study.get_trials(deepcopy=False)))
            trial = study.ask()
            problem.suggest(trial)
            asked.append(trial)
        evaluated += _finish(problem, study, store, asked, executor, counter)
    return evaluated


def _finish(
    problem: PlanProblem,
    study: optuna.Study,
    store: PlanStore,
    trials: list[optuna.Trial],
    executor: Executor,
    counter: _Progress,
) -> int:
    """Evaluate ``trials`` (their runs from the store where a killed search left them) and
    tell the study."""
    import optuna

    todo: list[tuple[optuna.Trial, Candidate]] = []
    for trial in trials:
        candidate = problem.candidate(trial.params, trial_name(trial.number))
        try:
            load_scenario(candidate.scenario_data())
        except ScenarioError as error:
            trial.set_user_attr("problem", "; ".join(str(p) for p in error.problems))
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            counter.total -= len(problem.runs("x"))
            continue
        stored = store.load(candidate.label)
        if stored is not None:
            counter.total -= len(stored)
            _tell(problem, study, trial, stored)
        else:
            todo.append((trial, candidate))

    def done(position: int, runs: pd.DataFrame) -> None:
        trial, candidate = todo[position]
        store.save(candidate.label, runs)
        _tell(problem, study, trial, runs)

    evaluate(problem, [c for _, c in todo], executor, done, counter.add)
    return len(todo)


def _tell(
    problem: PlanProblem, study: optuna.Study, trial: optuna.Trial, runs: pd.DataFrame
) -> None:
    """Record a trial's outcome: constraints, per-scenario means, costs, and its values."""
    import optuna

    found = scores(problem, runs)
    for key, value in violations(problem.spec.budget, found).items():
        trial.set_constraint(key, value)
    trial.set_user_attr("cost", found.cost)
    trial.set_user_attr("peak", found.peak)
    values = search_values(problem.spec, found)
    if not all(math.isfinite(v) for v in values):
        trial.set_user_attr("problem", "an objective is not defined for these runs")
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return
    study.tell(trial, values)


def _compare_routes(
    problem: PlanProblem, store: PlanStore, executor: Executor, counter: _Progress
) -> dict[str, pd.DataFrame]:
    """The runs of every compared route on the same seeds (from the store where possible)."""
    found: dict[str, pd.DataFrame] = {}
    todo = []
    for label, data in problem.compare.items():
        stored = store.load(route_name(label, data))
        if stored is not None:
            found[label] = stored
        else:
            todo.append(Candidate(label, data))

    def done(position: int, runs: pd.DataFrame) -> None:
        candidate = todo[position]
        store.save(route_name(candidate.label, candidate.data), runs)
        found[candidate.label] = runs

    evaluate(problem, todo, executor, done, counter.add)
    return {label: found[label] for label in problem.compare}
