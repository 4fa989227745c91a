"""Interventions of the change approach, each a small vectorised action on the state arrays.

Individual approach: ``communication`` raises readiness, ``training`` lowers resistance.
Organisation approach: ``cross_unit_ties`` adds ties between units and speeds up learning (a
learning organisation); ``work_redesign`` redesigns work around resistance, so resistance weighs
less in adoption and mixing old and new ways costs less. ``champions`` fit both approaches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from changesim.build.network import random_cross_unit_ties
from changesim.build.selection import choose_employees
from changesim.model.memo import LastResult
from changesim.model.state import NOT_YET, OrgState
from changesim.registry import INTERVENTIONS, register_intervention
from changesim.scenario.interventions import Champions, CrossUnitTies, Intervention

#: Share of the remaining gap closed per week at intensity 1 (readiness up, resistance down).
EFFECT_PER_WEEK = 0.1
#: Influence weight of a champion at intensity 1 (ordinary employees weigh 1).
CHAMPION_MAX_WEIGHT = 10.0
#: The week a window begins for units it never reaches (after any week of a run).
NEVER = np.iinfo(np.int64).max


@dataclass
class ActiveIntervention:
    """A scenario intervention bound to the units it reaches.

    With ``timing: absolute`` the intervention runs in weeks ``start`` to ``start + weeks - 1``
    for everyone it reaches. With ``timing: unit_opening`` each reached unit gets its own run
    of ``weeks`` weeks, beginning ``start`` weeks after that unit's change opens.
    """

    spec: Intervention
    reached: np.ndarray  # bool per unit
    chosen: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    started: bool = False
    #: The employee masks of the last window (it changes in few weeks).
    _masks: LastResult = field(init=False, repr=False, compare=False)
    #: Per unit, the week its window begins (``timing: unit_opening``), kept while no unit opens.
    _begins: LastResult = field(init=False, repr=False, compare=False)
    #: The window of ``timing: absolute`` in a later week and in its first week.
    _absolute: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._masks = LastResult(_employee_masks)
        self._begins = LastResult(self._begin_weeks)
        reached = self.reached
        self._absolute = (np.array([reached, np.zeros_like(reached)]), np.array([reached, reached]))

    def window(self, state: OrgState) -> np.ndarray | None:
        """Bool per unit, two rows: in the intervention's window this week, window begins
        now; None when no unit is in the window this week."""
        spec = self.spec
        week = state.week
        if spec.timing == "absolute":
            weeks_in = week - spec.start
            if not 0 <= weeks_in < spec.weeks:
                return None
            return self._absolute[weeks_in == 0]
        begins = self._begins.get(state.opened_week.tobytes(), state.opened_week)
        active = (begins <= week) & (begins > week - spec.weeks)
        if not active.any():
            return None
        return np.array([active, begins == week])

    def _begin_weeks(self, opened_week: np.ndarray) -> np.ndarray:
        """Per unit, the week its window begins: ``start`` weeks after the unit opened; never
        for a unit not reached or not opened yet."""
        opened = self.reached & (opened_week != NOT_YET)
        return np.where(opened, opened_week.astype(np.int64) + self.spec.start, NEVER)

    def employees(self, state: OrgState, window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``window``'s rows per employee (read-only): in the window, window begins now."""
        masks = self._masks.get(window.tobytes(), state, window)
        return masks[0], masks[1]

    def cost(self, starting: int, first: bool) -> float:
        """Cost this week: per active week, per employee starting (``starting`` of them),
        fixed on the first week."""
        spec = self.spec
        cost = spec.cost_per_week + spec.cost_per_employee * starting
        return float(cost + (spec.cost_fixed if first else 0.0))


def _starting(intervention: ActiveIntervention, state: OrgState, window: np.ndarray) -> int:
    """Employees whose window begins now, counted when they cost something."""
    if intervention.spec.cost_per_employee == 0:
        return 0
    return int(state.headcount @ window[1])


def _employee_masks(state: OrgState, window: np.ndarray) -> np.ndarray:
    """Per-unit bool rows as per-employee rows."""
    return np.repeat(window, state.headcount, axis=1)


#: An action is called as ``action(intervention, active, starting, state, rng)`` with bool
#: masks of the employees in the intervention's window and of those whose window begins now
#: (read-only: they are kept for the following weeks).
Action = Callable[[ActiveIntervention, np.ndarray, np.ndarray, OrgState, np.random.Generator], None]


def bind_interventions(
    specs: Sequence[Intervention], unit_names: list[str], state: OrgState
) -> list[ActiveIntervention]:
    """Attach each scenario intervention to the employees of the units it reaches."""
    bound = []
    for spec in specs:
        if spec.units is None:
            reached = np.ones(len(unit_names), dtype=bool)
        else:
            reached = np.isin(unit_names, spec.units)
        bound.append(ActiveIntervention(spec, reached))
    return bound


def apply_interventions(
    interventions: list[ActiveIntervention], state: OrgState, rng: np.random.Generator
) -> float:
    """Let every intervention act on the employees in its window; return this week's cost.

    Influence weights, work redesign and learning speed-up are derived afresh each week from
    the interventions active now, so they end when the interventions end.
    """
    state.redesign[:] = 0.0
    state.learning_boost[:] = 0.0
    windows = [(i, i.window(state)) for i in interventions]
    acting = [(i, window) for i, window in windows if window is not None]
    previous_weight = state.weight
    if not acting:  # a quiet week: everyone weighs 1, nothing to do
        if previous_weight is not state.unit_weight:
            state.weight = state.unit_weight
        return 0.0
    state.weight = np.ones(state.size)
    cost = 0.0
    for intervention, window in acting:
        first = not intervention.started
        intervention.started = True
        active, starting = intervention.employees(state, window)
        INTERVENTIONS.get(intervention.spec.kind)(intervention, active, starting, state, rng)
        cost += intervention.cost(_starting(intervention, state, window), first)
    if np.array_equal(state.weight, previous_weight):
        state.weight = previous_weight  # unchanged: keep the array, and the network's cache
    return cost


def _units_of(mask: np.ndarray, state: OrgState) -> np.ndarray:
    """Bool per unit: does ``mask`` hold for any of its employees."""
    return state.per_unit(mask) > 0


def communication(
    intervention: ActiveIntervention,
    active: np.ndarray,
    starting: np.ndarray,
    state: OrgState,
    rng: np.random.Generator,
) -> None:
    """Readiness of everyone in the window moves toward 1: r += c I (1 - r)."""
    rate = EFFECT_PER_WEEK * intervention.spec.intensity
    state.readiness[active] += rate * (1.0 - state.readiness[active])


def training(
    intervention: ActiveIntervention,
    active: np.ndarray,
    starting: np.ndarray,
    state: OrgState,
    rng: np.random.Generator,
) -> None:
    """Resistance of employees in the window whose change has opened falls: s -= c I s."""
    rate = EFFECT_PER_WEEK * intervention.spec.intensity
    state.resistance[active & state.in_scope] *= 1.0 - rate


def champions(
    intervention: ActiveIntervention,
    active: np.ndarray,
    starting: np.ndarray,
    state: OrgState,
    rng: np.random.Generator,
) -> None:
    """When the window begins, choose champions; while it lasts they weigh more.

    Champions are convinced: readiness at least 0.9 and they adopt as soon as their unit's
    change opens. Under the individual approach their resistance is also cut to at most
    ``resistance_cap`` (0.1 by default); under the organisation approach resistance is a given
    and stays as it is.
    """
    spec = cast(Champions, intervention.spec)  # the registry dispatched on spec.kind
    pool = np.flatnonzero(starting)
    if len(pool):
        chosen = choose_employees(
            spec.choose, pool, round(spec.share * len(pool)), state.network, state.manager, rng
        )
        intervention.chosen = np.union1d(intervention.chosen, chosen)
        state.champion[chosen] = True
        state.seed_adopter[chosen] = True
        state.readiness[chosen] = np.maximum(state.readiness[chosen], 0.9)
        if state.resistance_malleable:
            state.resistance[chosen] = np.minimum(state.resistance[chosen], spec.resistance_cap)
        opened = state.in_scope[chosen] & ~state.adopted[chosen]
        state.adopt(chosen[opened])
    current = intervention.chosen[active[intervention.chosen]]
    weight = 1.0 + (CHAMPION_MAX_WEIGHT - 1.0) * spec.intensity
    state.weight[current] = np.maximum(state.weight[current], weight)


def cross_unit_ties(
    intervention: ActiveIntervention,
    active: np.ndarray,
    starting: np.ndarray,
    state: OrgState,
    rng: np.random.Generator,
) -> None:
    """When the window begins, add ties between units; while it lasts, units learn faster."""
    spec = cast(CrossUnitTies, intervention.spec)  # the registry dispatched on spec.kind
    pool = np.flatnonzero(starting)
    if len(pool):
        count = round(spec.ties_per_employee * len(pool))
        sources, targets = random_cross_unit_ties(state.unit, count, rng, among=pool)
        state.network = state.network.with_ties(sources, targets)
    state.learning_boost[_units_of(active, state)] += spec.intensity


def work_redesign(
    intervention: ActiveIntervention,
    active: np.ndarray,
    starting: np.ndarray,
    state: OrgState,
    rng: np.random.Generator,
) -> None:
    """While the window lasts, work in the units is redesigned with the given intensity."""
    units = _units_of(active, state)
    state.redesign[units] = np.maximum(state.redesign[units], intervention.spec.intensity)


# The built-ins, registered without a decorator so that their bodies stay plain functions
# (mutation testing skips decorated functions).
register_intervention("communication")(communication)
register_intervention("training")(training)
register_intervention("champions")(champions)
register_intervention("cross_unit_ties")(cross_unit_ties)
register_intervention("work_redesign")(work_redesign)
