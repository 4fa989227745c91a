"""Stage 5: each unit's service quality follows its adoption (the J-curve); units cut over."""

from __future__ import annotations

import numpy as np

from changesim.model.memo import LastResult
from changesim.model.state import NOT_YET, OrgState
from changesim.scenario.quality import Quality


class LearningTerms:
    """The quality stage's terms that change in few weeks of a run (lessons, learning boost,
    redesign), kept while everything they depend on stays the same. One per run."""

    def __init__(self) -> None:
        self.remaining = LastResult(_remaining)
        self.mixing = LastResult(_mixing)


def update_quality(state: OrgState, spec: Quality, terms: LearningTerms | None = None) -> None:
    """Adopters learn; unit quality = old work, adopters' learning work, minus the mixing loss.

    Q = max(0, (1 - a) + a (Q0 + (Q1 - Q0) L) - d (1 - lam) (1 - rho) 4 a (1 - a)), with a the
    adopted share, L the adopters' mean proficiency, rho the unit's work redesign and lam the
    lessons it received from an earlier unit (:mod:`changesim.model.lessons`). Each week after
    the week of adoption, proficiency closes the share 1 - exp(-1 / tau) of its gap to 1, where
    tau = learning time (1 - lam) / (1 + the unit's learning boost). A unit cuts over the first
    week its adopted share reaches ``spec.cutover_share``.

    ``terms`` keeps the learning and mixing terms from week to week (the model passes its own);
    None works them out afresh.
    """
    if terms is None:
        terms = LearningTerms()
    share = state.adopted_share()
    learners = state.adopted & (state.adoption_week < state.week)
    # P = 1 - (1 - P) * remaining for learners, in place over everyone: the others (not
    # adopted, or adopted this week) have P = 0 and are multiplied back to exactly 0.
    proficiency = state.proficiency
    np.subtract(1.0, proficiency, out=proficiency)
    key = _key(state, spec)
    proficiency *= terms.remaining.get(key, state, spec.learning_weeks)
    np.subtract(1.0, proficiency, out=proficiency)
    proficiency *= learners
    count = state.adopted_count
    total = state.per_unit(state.proficiency)  # non-adopters have proficiency 0
    learned = np.divide(total, count, out=np.zeros(len(share)), where=count > 0)
    adopter_quality = spec.learning_start + (spec.new_level - spec.learning_start) * learned
    mixing = terms.mixing.get(key, state, spec.mixing_penalty) * share * (1.0 - share)
    # A unit cannot give less than no service: extreme settings (learning_start near 0 with a
    # mixing penalty near 1) would otherwise drive the formula below 0 at half adoption.
    state.quality = np.maximum((1.0 - share) + share * adopter_quality - mixing, 0.0)
    cut = (state.cutover_week == NOT_YET) & (share >= spec.cutover_share)
    state.cutover_week[cut] = state.week


def _key(state: OrgState, spec: Quality) -> bytes:
    """What the learning and mixing terms depend on: learning time and mixing penalty, the
    unit arrays set by lessons and interventions, and the headcounts."""
    arrays = (state.lessons, state.learning_boost, state.redesign, state.headcount)
    parameters = np.array([spec.learning_weeks, spec.mixing_penalty], dtype=np.float64)
    return parameters.tobytes() + b"".join(a.tobytes() for a in arrays)


def _remaining(state: OrgState, learning_weeks: float) -> np.ndarray:
    """Per employee, the share of the proficiency gap left after a week of learning:
    exp(-1 / tau) with tau = learning time (1 - lam) / (1 + the unit's learning boost)."""
    taught = 1.0 - state.lessons  # per unit; lessons are below 1 (lesson_transfer <= 0.9)
    return state.of_units(np.exp(-(1.0 + state.learning_boost) / (learning_weeks * taught)))


def _mixing(state: OrgState, penalty: float) -> np.ndarray:
    """Per unit, the mixing loss at a = 1/2 over 4 a (1 - a): d (1 - lam) (1 - rho) 4."""
    return penalty * (1.0 - state.lessons) * (1.0 - state.redesign) * 4.0
