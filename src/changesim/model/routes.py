"""Migration routes: each expands to one phase schedule that the model reads.

A phase opens the change of its units: from that week their employees are *in scope* and may
adopt. Phases open in order. The first opens in its start week; each later phase opens once
``after_weeks`` have passed since the previous phase opened and, if it has a gate, once the
previous phase's adopted share reaches the gate (or the gate's ``max_weeks`` run out).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from changesim.model.state import NOT_YET, OrgState
from changesim.registry import ROUTES, register_route
from changesim.scenario.organisation import Organisation
from changesim.scenario.routes import (
    BackOfficeFirst,
    Combined,
    Custom,
    FrontOfficeFirst,
    Gate,
    PilotThenWaves,
    Route,
)


@dataclass(frozen=True)
class Phase:
    """One step of a route: which units open, how long after the previous phase, on what gate."""

    units: tuple[str, ...]
    after_weeks: int = 0
    gate: Gate | None = None

    def ready(self, elapsed: int, previous_share: float) -> bool:
        """Whether this phase opens ``elapsed`` weeks after the previous phase opened."""
        if elapsed < self.after_weeks:
            return False
        if self.gate is None or previous_share >= self.gate.adopted_share:
            return True
        return self.gate.max_weeks is not None and elapsed >= self.gate.max_weeks


class PhaseSchedule:
    """The phases of a route and when each opened: decides which phases open in a week.

    Parameters
    ----------
    phases : list of Phase
        From :func:`expand_route`.
    """

    def __init__(self, phases: list[Phase]) -> None:
        self.phases = phases
        self.opened = [NOT_YET] * len(phases)

    def open_due(self, week: int, share_of: Callable[[int], float]) -> list[int]:
        """Open, in order, every phase due in ``week``; return their indices.

        ``share_of(i)`` gives the adopted share of phase ``i``'s units now (the gate's input).
        """
        opened_now = []
        for i, phase in enumerate(self.phases):
            if self.opened[i] != NOT_YET:
                continue
            if i == 0:
                ready = week >= phase.after_weeks
            else:
                previous = self.opened[i - 1]
                ready = previous != NOT_YET and phase.ready(week - previous, share_of(i - 1))
            if not ready:
                break
            self.opened[i] = week
            opened_now.append(i)
        return opened_now

    def unit_indices(self, names: list[str]) -> list[np.ndarray]:
        """Per phase, the positions of its units in ``names`` (the organisation's units)."""
        return [
            np.array([names.index(name) for name in phase.units], dtype=np.int64)
            for phase in self.phases
        ]


#: A route's expander: ``expand(route, organisation)`` with the scenario's ``route`` section.
def open_phases(schedule: PhaseSchedule, phase_units: list[np.ndarray], state: OrgState) -> None:
    """Stage 1: open every phase whose start week or gate has come.

    ``phase_units[i]`` holds the unit indices of phase ``i``. The employees of an opened unit
    come in scope, and its seed adopters (initial adopters, champions) adopt at once.
    """

    def adopted_share(i: int) -> float:
        units = phase_units[i]
        return float(state.adopted_count[units].sum() / state.headcount[units].sum())

    for i in schedule.open_due(state.week, adopted_share):
        units = phase_units[i]
        state.open_units(units)
        newly = np.isin(state.unit, units) & state.seed_adopter & ~state.adopted
        state.adopt(newly)


RouteExpander = Callable[[Route, Organisation], list[Phase]]


def expand_route(route: Route, organisation: Organisation) -> list[Phase]:
    """The phase schedule of a scenario's ``route`` section."""
    return ROUTES.get(route.kind)(route, organisation)


def _of_kind(organisation: Organisation, kind: str) -> tuple[str, ...]:
    return tuple(u.name for u in organisation.units if u.kind == kind)


def _two_step(
    route: BackOfficeFirst | FrontOfficeFirst, first: tuple[str, ...], second: tuple[str, ...]
) -> list[Phase]:
    return [Phase(first, route.start), Phase(second, route.gap_weeks, route.gate)]


def back_office_first(route: BackOfficeFirst, organisation: Organisation) -> list[Phase]:
    """Back-office units, then front-office units ``gap_weeks`` later."""
    return _two_step(
        route, _of_kind(organisation, "back_office"), _of_kind(organisation, "front_office")
    )


def front_office_first(route: FrontOfficeFirst, organisation: Organisation) -> list[Phase]:
    """Front-office units, then the back-office ``gap_weeks`` later."""
    return _two_step(
        route, _of_kind(organisation, "front_office"), _of_kind(organisation, "back_office")
    )


def combined(route: Combined, organisation: Organisation) -> list[Phase]:
    """All units in one phase (big bang)."""
    return [Phase(tuple(organisation.names), route.start)]


def pilot_then_waves(route: PilotThenWaves, organisation: Organisation) -> list[Phase]:
    """A pilot; the first wave when the pilot's gate holds; later waves every few weeks."""
    waves = route.waves
    if waves is None:
        waves = [[name for name in organisation.names if name != route.pilot]]
    phases = [Phase((route.pilot,), route.start)]
    for i, wave in enumerate(waves):
        if i == 0:
            phases.append(Phase(tuple(wave), 0, route.gate))
        else:
            phases.append(Phase(tuple(wave), route.wave_gap_weeks))
    return phases


def custom(route: Custom, organisation: Organisation) -> list[Phase]:
    """Explicit phases from the scenario."""
    return [Phase(tuple(p.units), p.after_weeks, p.gate) for p in route.phases]


# The built-ins, registered without a decorator so that their bodies stay plain functions
# (mutation testing skips decorated functions).
register_route("back_office_first")(back_office_first)
register_route("front_office_first")(front_office_first)
register_route("combined")(combined)
register_route("pilot_then_waves")(pilot_then_waves)
register_route("custom")(custom)
