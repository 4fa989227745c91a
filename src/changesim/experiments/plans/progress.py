"""Has a plan search settled? Where its best plan, or its Pareto front, came from among the
trials: a best plan found in the last batch, or a front that the last batch still moved, says
that more trials may well find better plans."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from changesim.experiments.plans.scoring import feasible_losses, pareto
from changesim.experiments.plans.spec import PlanSpec


@dataclass(frozen=True)
class SearchProgress:
    """Where the reported plans came from among the trials.

    Attributes
    ----------
    tried : int
        Complete trials.
    batch : int
        Plans proposed together (``search.batch``); the last batch is the ``batch`` complete
        trials with the highest numbers.
    objectives : int
        Number of objectives.
    best_trial : int or None
        One objective: the trial of the best plan within the budget (ties to the earlier
        trial); None without such a plan, or for several objectives.
    since_best : int
        One objective: complete trials numbered after ``best_trial``, none of them better.
    front : int
        Several objectives: plans on the whole Pareto front of the plans within the budget
        (before it is thinned for the report).
    front_from_last_batch : int
        Several objectives: how many of those came from the last batch.
    """

    tried: int
    batch: int
    objectives: int
    best_trial: int | None = None
    since_best: int = 0
    front: int = 0
    front_from_last_batch: int = 0

    @property
    def settled(self) -> bool:
        """True when a whole batch of trials went by without a better plan (one objective)
        or without a new plan on the front (several)."""
        if self.objectives == 1:
            return self.best_trial is not None and self.since_best >= self.batch
        return self.front > 0 and self.front_from_last_batch == 0

    def lines(self) -> list[str]:
        """The progress in a sentence or two (the summary and the report print them)."""
        if self.objectives == 1:
            if self.best_trial is None:
                return []
            found = (
                f"The best plan came from trial {self.best_trial}; the {self.since_best} "
                f"plan(s) tried after it found none better."
            )
        else:
            if self.front == 0:
                return []
            found = (
                f"{self.front} plan(s) are on the Pareto front; {self.front_from_last_batch} of "
                f"them came from the last batch of {min(self.batch, self.tried)} trial(s)."
            )
        if self.settled:
            return [found]
        return [
            found,
            "The search has not settled: more trials may find better plans (run it again "
            "with a larger --trials; it goes on from the trials it has).",
        ]


def search_progress(spec: PlanSpec, trials: pd.DataFrame) -> SearchProgress:
    """Where the best plan (one objective) or the Pareto front (several) of ``trials`` came
    from.

    Parameters
    ----------
    spec : PlanSpec
        The objectives, their directions and ``search.batch``.
    trials : pandas.DataFrame
        ``PlanSearch.trials``: ``trial``, ``state``, ``feasible`` and a column per objective.

    Returns
    -------
    SearchProgress
    """
    names = spec.objective_names()
    complete = np.sort(trials.loc[trials["state"] == "complete", "trial"].to_numpy(dtype=int))
    batch = spec.search.batch
    progress = SearchProgress(tried=len(complete), batch=batch, objectives=len(names))
    ok, losses = feasible_losses(spec, trials)
    if ok.empty:
        return progress
    numbers = ok["trial"].to_numpy(dtype=int)
    if len(names) == 1:
        best = int(numbers[np.lexsort((numbers, losses[:, 0]))[0]])
        since = int(np.count_nonzero(complete > best))
        return SearchProgress(len(complete), batch, 1, best_trial=best, since_best=since)
    on_front = numbers[pareto(losses)]
    last_batch = complete[-batch:]
    recent = int(np.count_nonzero(np.isin(on_front, last_batch)))
    return SearchProgress(
        len(complete), batch, len(names), front=len(on_front), front_from_last_batch=recent
    )
