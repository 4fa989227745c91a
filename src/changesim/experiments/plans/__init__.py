"""Searching change plans under a budget: which route, which mix and timing of interventions
holds up best across what is uncertain (ADR 0018).

:func:`load_plan_search` reads a plan-search file (:mod:`.spec`) into a problem
(:mod:`.problem`, its levers in :mod:`.levers`); :func:`optimise` (:mod:`.search`) proposes
plans with Optuna (TPE by default; NSGA-II or random draws on request), runs each on the same
sampled uncertain scenarios and seeds (common random numbers, the sweep layer's design and
seeds) on any executor (:mod:`.evaluate`), scores them (:mod:`.scoring`), keeps every trial in
a folder it can resume from (:mod:`.store`) and returns a :class:`PlanSearch`
(:mod:`.result`): the best plan or the Pareto front, every trial, whether the search has
settled (:mod:`.progress`), a comparison with the routes as written, and each reported plan as
a ready-to-run scenario, with a report (:mod:`.report`).

How it holds together:

- *Trials.* Plans are proposed in batches of ``search.batch`` trials, aligned to trial
  numbers, and every batch is evaluated in full before the next is proposed. The sampler is
  seeded afresh for each trial from the file's seed and the trial number, so the trials do
  not depend on the executor or on the number of workers, and a search stopped between
  batches continues as if it had never stopped.
- *Storage.* With ``out`` the Optuna study lives in ``out/study.log`` (a journal file) and
  each finished trial's runs in ``out/trials/trial-NNNNN.parquet``. Run again, the search
  keeps its finished trials, evaluates trials that were proposed but not finished, and
  proposes the rest. Another plan file in the same folder is refused unless ``force``.
- *Budget.* A plan's cost is the largest total intervention cost (and the largest weekly
  spend) over all its runs; a plan over the budget is marked infeasible for Optuna
  (``Trial.set_constraint``) and is never reported.
- *Robustness.* Per objective: the mean over the runs, a quantile of the runs, or the regret
  against the best plan in each sampled scenario. Regret depends on which plans have been
  seen, so the search minimises the worst case over the scenarios instead, and the final
  ranking computes regret against every evaluated plan and every compared route.
"""

from changesim.experiments.plans.problem import PlanProblem, load_plan_search
from changesim.experiments.plans.result import PlanSearch
from changesim.experiments.plans.search import optimise
from changesim.experiments.plans.spec import PlanSpec

__all__ = ["PlanProblem", "PlanSearch", "PlanSpec", "load_plan_search", "optimise"]
