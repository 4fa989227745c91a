"""Interventions of the change approach, each a small vectorised action on the state arrays.

Individual approach: ``communication`` raises readiness, ``training`` lowers resistance.
Organisation approach: ``cross_unit_ties`` adds ties between units and speeds up learning (a
learning organisation); ``work_redesign`` redesigns work around resistance, so resistance weighs
less in adoption and mixing old and new ways costs less. ``champions`` fit both approaches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from changesim.network import random_cross_unit_ties
from changesim.selection import choose_employees
from changesim.state import OrgState

#: Share of the remaining gap closed per week at intensity 1 (readiness up, resistance down).
EFFECT_PER_WEEK = 0.1
#: Influence weight of a champion at intensity 1 (ordinary employees weigh 1).
CHAMPION_MAX_WEIGHT = 10.0


@dataclass
class ActiveIntervention:
    """A scenario intervention bound to the employees it reaches."""

    spec: object
    reached: np.ndarray  # bool per employee
    chosen: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def active(self, week: int) -> bool:
        """Whether the intervention acts in ``week``."""
        return self.spec.start <= week < self.spec.start + self.spec.weeks

    def cost(self, week: int) -> float:
        """Cost incurred in ``week``."""
        if not self.active(week):
            return 0.0
        cost = self.spec.cost_per_week
        if week == self.spec.start:
            cost += self.spec.cost_fixed + self.spec.cost_per_employee * int(self.reached.sum())
        return float(cost)


Action = Callable[[ActiveIntervention, OrgState, np.random.Generator], None]
_ACTIONS: dict[str, Action] = {}


def register_intervention(kind: str) -> Callable[[Action], Action]:
    """Register the weekly action of an intervention ``kind``."""

    def decorate(action: Action) -> Action:
        _ACTIONS[kind] = action
        return action

    return decorate


def bind_interventions(specs, unit_names: list[str], state: OrgState) -> list[ActiveIntervention]:
    """Attach each scenario intervention to the employees of the units it reaches."""
    bound = []
    for spec in specs:
        if spec.units is None:
            reached = np.ones(state.size, dtype=bool)
        else:
            indices = [unit_names.index(name) for name in spec.units]
            reached = np.isin(state.unit, indices)
        bound.append(ActiveIntervention(spec, reached))
    return bound


def apply_interventions(
    interventions: list[ActiveIntervention], state: OrgState, rng: np.random.Generator
) -> float:
    """Let every active intervention act this week; return this week's cost.

    Influence weights, work redesign and learning speed-up are derived afresh each week from
    the interventions active now, so they end when the interventions end.
    """
    state.weight[:] = 1.0
    state.redesign[:] = 0.0
    state.learning_boost[:] = 0.0
    cost = 0.0
    for intervention in interventions:
        if intervention.active(state.week):
            _ACTIONS[intervention.spec.kind](intervention, state, rng)
            cost += intervention.cost(state.week)
    return cost


def _reached_units(intervention: ActiveIntervention, state: OrgState) -> np.ndarray:
    """Bool per unit: does the intervention reach any of its employees."""
    return state.per_unit(intervention.reached) > 0


@register_intervention("communication")
def communication(intervention: ActiveIntervention, state: OrgState, rng) -> None:
    """Readiness of everyone reached moves toward 1: r += c I (1 - r)."""
    rate = EFFECT_PER_WEEK * intervention.spec.intensity
    r = state.readiness
    r[intervention.reached] += rate * (1.0 - r[intervention.reached])


@register_intervention("training")
def training(intervention: ActiveIntervention, state: OrgState, rng) -> None:
    """Resistance of reached employees in scope falls: s -= c I s."""
    rate = EFFECT_PER_WEEK * intervention.spec.intensity
    trained = intervention.reached & state.in_scope
    state.resistance[trained] *= 1.0 - rate


@register_intervention("champions")
def champions(intervention: ActiveIntervention, state: OrgState, rng) -> None:
    """At the start, choose champions; while active, they carry a larger influence weight.

    Champions are convinced: readiness at least 0.9, resistance at most 0.1, and they adopt as
    soon as their unit's change opens.
    """
    spec = intervention.spec
    if state.week == spec.start:
        pool = np.flatnonzero(intervention.reached)
        count = round(spec.share * len(pool))
        chosen = choose_employees(spec.choose, pool, count, state, rng)
        intervention.chosen = chosen
        state.champion[chosen] = True
        state.seed_adopter[chosen] = True
        state.readiness[chosen] = np.maximum(state.readiness[chosen], 0.9)
        state.resistance[chosen] = np.minimum(state.resistance[chosen], 0.1)
    weight = 1.0 + (CHAMPION_MAX_WEIGHT - 1.0) * spec.intensity
    state.weight[intervention.chosen] = np.maximum(state.weight[intervention.chosen], weight)


@register_intervention("cross_unit_ties")
def cross_unit_ties(intervention: ActiveIntervention, state: OrgState, rng) -> None:
    """At the start, add ties between units; while active, reached units learn faster."""
    spec = intervention.spec
    if state.week == spec.start:
        pool = np.flatnonzero(intervention.reached)
        count = round(spec.ties_per_employee * len(pool))
        sources, targets = random_cross_unit_ties(state.unit, count, rng, among=pool)
        state.network = state.network.with_ties(sources, targets)
    state.learning_boost[_reached_units(intervention, state)] += spec.intensity


@register_intervention("work_redesign")
def work_redesign(intervention: ActiveIntervention, state: OrgState, rng) -> None:
    """While active, reached units' work is redesigned with the intervention's intensity."""
    units = _reached_units(intervention, state)
    state.redesign[units] = np.maximum(state.redesign[units], intervention.spec.intensity)
