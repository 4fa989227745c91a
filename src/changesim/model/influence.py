"""Stage 3: readiness follows the neighbours and visible success; change fatigue raises
resistance."""

from __future__ import annotations

import numpy as np

from changesim.model.state import NOT_YET, OrgState
from changesim.scenario.adoption import Influence
from changesim.scenario.organisation import Experience
from changesim.scenario.quality import Quality


def social_influence(state: OrgState, spec: Influence) -> None:
    """Stage 3a: readiness moves toward the influence-weighted neighbours' readiness."""
    rate = spec.readiness_influence
    if rate == 0:
        return
    target = state.network.neighbour_mean(state.readiness, state.weight, state.readiness)
    target -= state.readiness  # r += rate (target - r), without temporaries
    target *= rate
    state.readiness += target


def demonstration(state: OrgState, experience: Experience, quality: Quality) -> None:
    """Stage 3b: visible success raises the readiness of units whose change has not opened.

    Success is the share of the headcount whose change has opened that sits in units that
    have cut over, each weighted by how far its quality has climbed from a fresh adopter's
    level toward the new level: a pilot that works is a full demonstration, whatever its
    size. Experience multiplies the effect (1 + m E).
    """
    cut = state.cutover_week != NOT_YET
    waiting = state.opened_week == NOT_YET
    if not cut.any() or not waiting.any():  # nothing shown yet, or nobody left to see it
        return
    climbed = (state.quality - quality.learning_start) / (
        quality.new_level - quality.learning_start
    )
    proven = np.where(cut, np.clip(climbed, 0.0, 1.0), 0.0)
    opened = state.headcount[~waiting].sum()
    success = float((state.headcount * proven).sum() / opened)
    if success == 0:
        return
    rate = min(
        1.0,
        experience.demonstration
        * (1.0 + experience.experience_multiplier * experience.level)
        * success,
    )
    for block in state.blocks(waiting):
        readiness = state.readiness[block]  # a view: updated in place
        readiness += rate * (1.0 - readiness)


def change_fatigue(state: OrgState, spec: Influence) -> None:
    """Stage 3c: several units changing at once raise in-scope non-adopters' resistance.

    Under the organisation approach resistance is a given and does not move.
    """
    if not state.resistance_malleable:
        return
    changing = (state.opened_week != NOT_YET) & (state.cutover_week == NOT_YET)
    extra = int(changing.sum()) - 1
    if extra <= 0:
        return
    rate = min(1.0, spec.fatigue * extra)
    for block in state.blocks(changing):  # opened units: everyone is in scope
        resistance = state.resistance[block]  # a view: updated in place
        # s += rate (1 - s) for non-adopters; adopters add an exact 0 (faster than a mask).
        step = 1.0 - resistance
        step *= rate
        step *= ~state.adopted[block]
        resistance += step
