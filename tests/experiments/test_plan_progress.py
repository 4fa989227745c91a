"""Has a plan search settled (:mod:`changesim.experiments.plans.progress`): where the best plan
or the Pareto front came from among the trials, on hand-made trial tables."""

from __future__ import annotations

import numpy as np
import pytest

from changesim.experiments.plans import PlanSpec
from changesim.experiments.plans.progress import search_progress
from changesim.experiments.plans.scoring import reported_front
from tests.builders import plan_trials

TWO = {"weeks_to_80": "minimise", "final_adopted_share": "maximise"}


def spec(batch: int = 4, **objectives: str) -> PlanSpec:
    """A plan-search file with ``search.batch`` = ``batch``; one objective (weeks to 80%,
    minimised) unless ``objectives`` name others."""
    return PlanSpec.model_validate(
        {
            "base": "x.yaml",
            "levers": {"adoption.q": {"low": 0, "high": 1}},
            "objectives": objectives or {"weeks_to_80": "minimise"},
            "search": {"batch": batch},
        }
    )


def test_the_best_is_the_reported_best_and_the_trials_after_it_are_counted() -> None:
    # best (1.0) at trial 3; trial 9 is better but over the budget; trial 10 failed
    values = [5.0, 4.0, 3.0, 1.0, 2.0, 1.0, 6.0, 7.0, 3.0, 0.5, np.nan, 2.0]
    table = plan_trials(
        values,
        feasible=[True] * 9 + [False, False, True],
        state=["complete"] * 10 + ["fail", "complete"],
    )
    progress = search_progress(spec(batch=4), table)
    assert progress.best_trial == 3 == reported_front(spec(), table)["trial"].iloc[0]
    assert progress.tried == 11  # the failed trial is not counted
    assert progress.since_best == 7  # trials 4-9 and 11, the tie at trial 5 included
    assert progress.settled
    assert "trial 3" in progress.lines()[0]
    assert "7 plan(s)" in progress.lines()[0]
    assert len(progress.lines()) == 1


@pytest.mark.parametrize(("batch", "settled"), [(3, True), (4, True), (5, False)])
def test_one_objective_settles_once_a_whole_batch_found_nothing_better(
    batch: int, settled: bool
) -> None:
    table = plan_trials([5.0, 4.0, 3.0, 2.0, 1.0, 3.0, 2.0, 4.0, 5.0])  # best at trial 4, 4 after
    progress = search_progress(spec(batch=batch), table)
    assert progress.since_best == 4
    assert progress.settled is settled
    assert ("has not settled" in " ".join(progress.lines())) is not settled


def test_a_maximised_objective_finds_the_largest() -> None:
    table = plan_trials([0.2, 0.9, 0.5, 0.1], names=("final_adopted_share",))
    progress = search_progress(spec(batch=2, final_adopted_share="maximise"), table)
    assert progress.best_trial == 1
    assert progress.since_best == 2


@pytest.mark.parametrize("objectives", [{"weeks_to_80": "minimise"}, TWO])
def test_no_plan_within_the_budget_has_no_best_and_has_not_settled(objectives) -> None:
    values = [(1.0, 0.5), (2.0, 0.4), (3.0, 0.3), (4.0, 0.2), (5.0, 0.1)]
    names = tuple(objectives)
    table = plan_trials([v[: len(names)] for v in values], names=names, feasible=[False] * 5)
    progress = search_progress(spec(batch=2, **objectives), table)
    assert (progress.tried, progress.batch, progress.objectives) == (5, 2, len(names))
    assert progress.best_trial is None
    assert progress.front == 0
    assert not progress.settled
    assert progress.lines() == []


def test_a_front_of_one_plan_is_reported() -> None:
    table = plan_trials([(1, 0.9), (2, 0.5), (3, 0.1)], names=tuple(TWO))  # trial 0 beats both
    progress = search_progress(spec(batch=2, **TWO), table)
    assert (progress.front, progress.front_from_last_batch) == (1, 0)
    assert progress.settled
    assert progress.lines()[0].startswith("1 plan(s) are on the Pareto front")


def test_several_objectives_count_the_front_plans_from_the_last_batch() -> None:
    # Front: trials 0 (0 weeks, 0.0), 2 (3, 0.3), 5 (6, 0.6); 1, 3, 4 and 6 are dominated.
    values = [(0, 0.0), (1, 0.0), (3, 0.3), (4, 0.2), (6, 0.5), (6, 0.6), (7, 0.6)]
    table = plan_trials(values, names=tuple(TWO))
    progress = search_progress(spec(batch=2, **TWO), table)
    assert progress.front == 3
    assert progress.front_from_last_batch == 1  # trial 5, of the last batch (trials 5 and 6)
    assert not progress.settled
    assert "3 plan(s)" in progress.lines()[0]
    assert "1 of them" in progress.lines()[0]
    assert progress.objectives == 2
    advice = progress.lines()[1]
    assert advice.startswith("The search has not settled: more trials may find better plans")
    assert advice.endswith(
        "(run it again with a larger --trials; it goes on from the trials it has)."
    )
    # A later batch that adds nothing to the front settles it.
    later = plan_trials([*values, (8, 0.1), (9, 0.6)], names=tuple(TWO))
    progress = search_progress(spec(batch=2, **TWO), later)
    assert (progress.front, progress.front_from_last_batch) == (3, 0)
    assert progress.settled
    assert len(progress.lines()) == 1


def test_the_last_batch_is_of_complete_plan_trials() -> None:
    # Trial 5 failed: the last batch of 2 is trials 3 and 4, and trial 4 is on the front.
    values = [(5, 0.5), (4, 0.4), (5, 0.4), (6, 0.1), (1, 0.1), (0, 0.0)]
    table = plan_trials(values, names=tuple(TWO), state=["complete"] * 5 + ["fail"])
    progress = search_progress(spec(batch=2, **TWO), table)
    assert progress.front == 3  # trials 0, 1 and 4 (2 is dominated by 0 and 1, 3 by 4)
    assert progress.front_from_last_batch == 1  # trial 4; trial 5 would be on it had it run
