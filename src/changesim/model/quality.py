"""Stage 5: each unit's service quality follows its adoption (the J-curve); units cut over."""

from __future__ import annotations

import numpy as np

from changesim.model.state import NOT_YET, OrgState
from changesim.scenario.quality import Quality


def update_quality(state: OrgState, spec: Quality) -> None:
    """Adopters learn; unit quality = old work, adopters' learning work, minus the mixing loss.

    Q = max(0, (1 - a) + a (Q0 + (Q1 - Q0) L) - d (1 - lam) (1 - rho) 4 a (1 - a)), with a the
    adopted share, L the adopters' mean proficiency, rho the unit's work redesign and lam the
    lessons it received from an earlier unit (:mod:`changesim.model.lessons`). Each week after
    the week of adoption, proficiency closes the share 1 - exp(-1 / tau) of its gap to 1, where
    tau = learning time (1 - lam) / (1 + the unit's learning boost). A unit cuts over the first
    week its adopted share reaches ``spec.cutover_share``.
    """
    share = state.adopted_share()
    learners = state.adopted & (state.adoption_week < state.week)
    taught = 1.0 - state.lessons  # per unit; lessons are below 1 (lesson_transfer <= 0.9)
    remaining = np.exp(-(1.0 + state.learning_boost) / (spec.learning_weeks * taught))
    # P = 1 - (1 - P) * remaining for learners, in place over everyone: the others (not
    # adopted, or adopted this week) have P = 0 and are multiplied back to exactly 0.
    proficiency = state.proficiency
    np.subtract(1.0, proficiency, out=proficiency)
    proficiency *= state.of_units(remaining)
    np.subtract(1.0, proficiency, out=proficiency)
    proficiency *= learners
    count = state.adopted_count
    total = state.per_unit(state.proficiency)  # non-adopters have proficiency 0
    learned = np.divide(total, count, out=np.zeros(len(share)), where=count > 0)
    adopter_quality = spec.learning_start + (spec.new_level - spec.learning_start) * learned
    mixing = spec.mixing_penalty * taught * (1.0 - state.redesign) * 4.0 * share * (1.0 - share)
    # A unit cannot give less than no service: extreme settings (learning_start near 0 with a
    # mixing penalty near 1) would otherwise drive the formula below 0 at half adoption.
    state.quality = np.maximum((1.0 - share) + share * adopter_quality - mixing, 0.0)
    cut = (state.cutover_week == NOT_YET) & (share >= spec.cutover_share)
    state.cutover_week[cut] = state.week
