"""What an earlier unit's change teaches the units that open after it, and what running the
old and the new way side by side costs meanwhile.

Klein beginnen (start small): once some unit has cut over (a pilot that worked), every unit
whose change opens later receives lessons ``lambda = transfer * E``: its learning time and its
mixing penalty shrink by the factor ``1 - lambda`` (applied in :mod:`changesim.model.quality`).
``E`` is the organisation's experience with channel steering and a uniform customer view, its
absorptive capacity (Cohen & Levinthal 1990): an organisation that has done this before can
take in what the pilot taught. A pilot that never cuts over teaches nothing. Units open while
no unit has cut over (every unit of the combined route; the second phase of a two-step route
whose first phase has not cut over yet) learn nothing.

Double running: every unit whose change has opened and not yet cut over runs the old and the
new way side by side, at ``quality.double_running_cost`` per employee and week.
"""

from __future__ import annotations

import numpy as np

from changesim.model.state import NOT_YET, OrgState
from changesim.scenario.organisation import Experience
from changesim.scenario.quality import Quality


def receive_lessons(state: OrgState, experience: Experience) -> None:
    """Stage 1b: units that open this week take in the lessons of units already cut over.

    Called right after the route's phases open. A unit opening in week t receives
    ``lambda_u = lesson_transfer * E`` if some unit cut over in an earlier week (stage 5 of
    week t - 1 or before), else 0; ``lambda_u`` stays fixed for the rest of the run.

    Parameters
    ----------
    state : OrgState
        The organisation; ``state.lessons`` is written for the units opening this week.
    experience : Experience
        The organisation's experience (``lesson_transfer`` and the level ``E``).
    """
    opening = state.opened_week == state.week
    if not opening.any() or not np.any(state.cutover_week != NOT_YET):
        return
    state.lessons[opening] = experience.lesson_transfer * experience.level


def double_running_cost(state: OrgState, spec: Quality) -> float:
    """The week's cost of running old and new ways side by side (after stage 5).

    ``double_running_cost * sum of H_u`` over the units that have opened and not cut over at
    the end of the week: a unit pays from the week it opens until the week before it cuts
    over; a unit that never cuts over pays until the end of the run.

    Parameters
    ----------
    state : OrgState
        The organisation at the end of the week.
    spec : Quality
        The quality section (``double_running_cost`` per employee-week).

    Returns
    -------
    float
        The week's double-running cost, in the scenario's currency.
    """
    if spec.double_running_cost == 0:
        return 0.0
    running = state.in_scope_count() @ (state.cutover_week == NOT_YET)  # opened, not cut over
    return float(spec.double_running_cost * running)
