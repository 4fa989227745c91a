"""Stage 4: adopters may revert while their unit struggles; in-scope non-adopters adopt."""

from __future__ import annotations

import numpy as np

from changesim.model.rules import AdoptionRule, RuleInputs
from changesim.model.state import OrgState
from changesim.scenario.adoption import Adoption


def effective_resistance(state: OrgState, employees: np.ndarray | None = None) -> np.ndarray:
    """Resistance as it weighs in adoption, lowered by the unit's work redesign: of
    ``employees`` (indices), default everyone (then possibly ``state.resistance`` itself)."""
    resistance = state.resistance if employees is None else state.resistance[employees]
    if not state.redesign.any():
        return resistance
    kept = 1.0 - state.redesign
    return resistance * (state.of_units(kept) if employees is None else kept[state.unit[employees]])


def revert(state: OrgState, spec: Adoption, rng: np.random.Generator) -> None:
    """Stage 4a: adopters in units whose quality is below the old level may revert.

    The weekly probability is ``spec.revert`` times the adopter's effective resistance.
    """
    rate = spec.revert
    struggling = state.quality < 1.0
    if rate == 0 or not struggling.any():
        return
    if struggling.all():  # the usual case while everybody changes: no mask of units
        candidates = np.flatnonzero(state.adopted)
    else:
        candidates = np.flatnonzero(state.adopted & state.of_units(struggling))
    if len(candidates) == 0:
        return
    probability = rate * effective_resistance(state, candidates)
    reverted = candidates[rng.random(len(candidates)) < probability]
    state.revert(reverted)


def adopt(
    state: OrgState,
    rule: AdoptionRule,
    spec: Adoption,
    rng: np.random.Generator,
    factor: np.ndarray | None = None,
) -> None:
    """Stage 4b: in-scope non-adopters adopt with the rule's probability.

    Employees whose effective resistance is above ``spec.refusal`` (the hold-outs) are not
    candidates this week; training, work redesign or fatigue can move them across it.
    ``factor`` (per unit, in [0, 1]) multiplies the rule's probability, e.g. the slowdown of a
    unit working around stale data; None leaves it as it is. It draws no extra random numbers.
    """
    candidates, resistance = _candidates(state, spec.refusal)
    if len(candidates) == 0:
        return
    inputs = RuleInputs(
        neighbour_share=state.exposure_of(candidates),
        readiness=state.readiness[candidates],
        resistance=resistance,
        threshold=state.threshold[candidates],
        p=spec.p,
        q=spec.q,
        k=spec.k,
        params=spec.params,
    )
    probability = rule(inputs)
    if factor is not None:
        probability = probability * factor[state.unit[candidates]]
    adopters = candidates[rng.random(len(candidates)) < probability]
    state.adopt(adopters)


def _candidates(state: OrgState, refusal: float) -> tuple[np.ndarray, np.ndarray]:
    """The in-scope non-adopters whose effective resistance is at most ``refusal``, and their
    effective resistance."""
    waiting = state.in_scope > state.adopted  # in scope and not adopted
    if refusal >= 1.0:  # nobody refuses
        candidates = np.flatnonzero(waiting)
        return candidates, effective_resistance(state, candidates)
    resistance = effective_resistance(state)
    candidates = np.flatnonzero(waiting & (resistance <= refusal))
    return candidates, resistance[candidates]
