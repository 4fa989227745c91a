"""Routes open their phases in order, after their gaps, on their gates."""

from __future__ import annotations

import numpy as np
import pytest

import changesim
from changesim.build.network import OrgNetwork
from changesim.build.population import Employees
from changesim.model.routes import Phase, PhaseSchedule, expand_route, open_phases
from changesim.model.state import NOT_YET, OrgState
from changesim.scenario.organisation import Organisation, UnitSpec
from changesim.scenario.routes import (
    BackOfficeFirst,
    Combined,
    Custom,
    FrontOfficeFirst,
    Gate,
    PilotThenWaves,
)
from tests.builders import BO, PHONE, WEB, first_week, org, unit_rows


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        ("back_office_first", ["bo"], ["web", "phone"]),
        ("front_office_first", ["web", "phone"], ["bo"]),
    ],
)
@pytest.mark.parametrize(("start", "gap"), [(0, 12), (3, 7)])
def test_two_step_routes_open_in_order(kind, first, second, start, gap):
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], route={"kind": kind, "start": start, "gap_weeks": gap})
    )
    weekly = changesim.simulate(scenario, seed=1).weekly
    for name in first:
        rows = unit_rows(weekly, name)
        assert (rows.loc[rows["week"] < start, "in_scope"] == 0).all()
        open_rows = rows[rows["week"] >= start]
        assert (open_rows["in_scope"] == open_rows["headcount"]).all()
        assert (rows.loc[rows["week"] < start, "adopted"] == 0).all()
    for name in second:
        rows = unit_rows(weekly, name)
        opens = start + gap
        assert (rows.loc[rows["week"] < opens, "in_scope"] == 0).all()
        assert (rows.loc[rows["week"] < opens, "adopted"] == 0).all()
        open_rows = rows[rows["week"] >= opens]
        assert (open_rows["in_scope"] == open_rows["headcount"]).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pilot_gate_opens_the_wave_the_week_after_the_pilot_reaches_it(seed):
    """Phases open at the start of a week, on the adopted share at the end of the last one.

    So the first wave's first in-scope week is one after the first week whose recorded pilot
    share reaches the gate; the second wave follows ``wave_gap_weeks`` later.
    """
    route = {
        "kind": "pilot_then_waves",
        "pilot": "web",
        "gate": {"adopted_share": 0.8},
        "waves": [["bo"], ["phone"]],
        "wave_gap_weeks": 5,
    }
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], route=route, weeks=60, adoption={"p": 0.05, "q": 0.5})
    )
    weekly = changesim.simulate(scenario, seed=seed).weekly
    pilot = unit_rows(weekly, "web")
    reached = first_week(pilot, pilot["adopted_share"] >= 0.8)
    assert reached > 1  # the gate is really waited for
    assert (pilot["in_scope"] == pilot["headcount"]).all()
    wave1 = unit_rows(weekly, "bo")
    wave2 = unit_rows(weekly, "phone")
    assert first_week(wave1, wave1["in_scope"] > 0) == reached + 1
    assert first_week(wave2, wave2["in_scope"] > 0) == reached + 1 + 5


@pytest.mark.parametrize(("start", "max_weeks"), [(0, 3), (2, 3), (1, 0)])
def test_pilot_gate_max_weeks_opens_the_wave_when_the_gate_is_never_met(start, max_weeks):
    route = {
        "kind": "pilot_then_waves",
        "pilot": "web",
        "start": start,
        "gate": {"adopted_share": 0.5, "max_weeks": max_weeks},
    }
    # p = q = 0 and no initial adopters: nobody ever adopts, so the gate cannot be met.
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], route=route, adoption={"p": 0.0, "q": 0.0}, weeks=12)
    )
    weekly = changesim.simulate(scenario, seed=1).weekly
    assert (weekly["adopted"] == 0).all()
    pilot = unit_rows(weekly, "web")
    assert first_week(pilot, pilot["in_scope"] > 0) == start
    for name in ("bo", "phone"):  # default: all other units in one wave
        rows = unit_rows(weekly, name)
        assert first_week(rows, rows["in_scope"] > 0) == start + max_weeks


def test_gate_without_max_weeks_never_opens_if_never_met():
    route = {"kind": "pilot_then_waves", "pilot": "web", "gate": {"adopted_share": 0.5}}
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], route=route, adoption={"p": 0.0, "q": 0.0}, weeks=15)
    )
    weekly = changesim.simulate(scenario, seed=1).weekly
    assert (weekly.loc[weekly["unit"].isin(["bo", "phone"]), "in_scope"] == 0).all()


# --- The building blocks, one at a time ------------------------------------------------------
#
# A four-unit organisation: one back-office unit and three front-office units. The back-office
# is listed second, so that grouping the units by kind is not the same as taking them in file
# order.

FOUR = Organisation(
    units=[
        UnitSpec(name="web", kind="front_office", channel="web", headcount=4),
        UnitSpec(name="bo", kind="back_office", headcount=3),
        UnitSpec(name="phone", kind="front_office", channel="phone", headcount=5),
        UnitSpec(name="desk", kind="front_office", channel="desk", headcount=2),
    ]
)
FRONT_UNITS = ("web", "phone", "desk")
GATE = Gate(adopted_share=0.6, max_weeks=9)


@pytest.mark.parametrize(
    ("route", "first", "second"),
    [
        (BackOfficeFirst(kind="back_office_first", start=2, gap_weeks=5), ("bo",), FRONT_UNITS),
        (FrontOfficeFirst(kind="front_office_first", start=2, gap_weeks=5), FRONT_UNITS, ("bo",)),
    ],
)
@pytest.mark.parametrize("gate", [None, GATE])
def test_two_step_route_expands_to_one_kind_then_the_other(route, first, second, gate):
    """First phase at the start week; the other kind gap_weeks later, on the route's gate."""
    route = route.model_copy(update={"gate": gate})
    assert expand_route(route, FOUR) == [
        Phase(first, after_weeks=2),
        Phase(second, after_weeks=5, gate=gate),
    ]


def test_combined_route_is_one_phase_of_every_unit_in_file_order():
    assert expand_route(Combined(kind="combined", start=6), FOUR) == [
        Phase(("web", "bo", "phone", "desk"), after_weeks=6)
    ]


def test_pilot_then_waves_without_waves_puts_every_other_unit_in_one_gated_wave():
    route = PilotThenWaves(kind="pilot_then_waves", pilot="phone", start=3, gate=GATE)
    assert expand_route(route, FOUR) == [
        Phase(("phone",), after_weeks=3),
        Phase(("web", "bo", "desk"), after_weeks=0, gate=GATE),
    ]


def test_pilot_then_waves_gates_only_the_first_wave_and_spaces_later_ones_by_the_wave_gap():
    route = PilotThenWaves(
        kind="pilot_then_waves",
        pilot="bo",
        start=1,
        gate=GATE,
        waves=[["desk"], ["phone"], ["web"]],
        wave_gap_weeks=4,
    )
    assert expand_route(route, FOUR) == [
        Phase(("bo",), after_weeks=1),
        Phase(("desk",), after_weeks=0, gate=GATE),
        Phase(("phone",), after_weeks=4),
        Phase(("web",), after_weeks=4),
    ]


def test_custom_route_keeps_the_phases_as_written():
    route = Custom(
        kind="custom",
        phases=[
            {"units": ["desk", "bo"], "after_weeks": 2},
            {"units": ["web"], "after_weeks": 3, "gate": {"adopted_share": 0.25}},
            {"units": ["phone"], "gate": {"adopted_share": 0.5, "max_weeks": 7}},
        ],
    )
    assert expand_route(route, FOUR) == [
        Phase(("desk", "bo"), after_weeks=2),
        Phase(("web",), after_weeks=3, gate=Gate(adopted_share=0.25)),
        Phase(("phone",), after_weeks=0, gate=Gate(adopted_share=0.5, max_weeks=7)),
    ]


# --- Phase.ready at its boundaries -----------------------------------------------------------


def test_phase_without_gate_is_ready_exactly_after_its_weeks_whatever_the_share():
    phase = Phase(("web",), after_weeks=4)
    assert not phase.ready(3, 1.0)
    assert phase.ready(4, 0.0)
    assert phase.ready(5, 0.0)


def test_phase_with_gate_opens_when_the_share_is_exactly_at_the_gate():
    phase = Phase(("web",), after_weeks=0, gate=Gate(adopted_share=0.5))
    assert phase.ready(0, 0.5)
    assert phase.ready(0, 0.75)
    assert not phase.ready(0, 0.4999)
    assert not phase.ready(1000, 0.4999)  # no max_weeks: waits for ever


def test_gate_max_weeks_opens_at_exactly_max_weeks_elapsed():
    phase = Phase(("web",), after_weeks=2, gate=Gate(adopted_share=0.5, max_weeks=6))
    assert not phase.ready(5, 0.0)
    assert phase.ready(6, 0.0)
    assert phase.ready(7, 0.0)


def test_gate_does_not_open_a_phase_before_its_after_weeks():
    phase = Phase(("web",), after_weeks=5, gate=Gate(adopted_share=0.5, max_weeks=2))
    assert not phase.ready(4, 1.0)  # share met and max_weeks passed: after_weeks still wins
    assert phase.ready(5, 0.0)


def test_gate_with_zero_max_weeks_opens_at_once():
    phase = Phase(("web",), after_weeks=0, gate=Gate(adopted_share=0.9, max_weeks=0))
    assert phase.ready(0, 0.0)


# --- PhaseSchedule.open_due -------------------------------------------------------------------


def never_shared(i: int) -> float:
    return 0.0


def test_first_phase_opens_in_its_start_week_and_only_once():
    schedule = PhaseSchedule([Phase(("web",), after_weeks=3)])
    assert schedule.open_due(2, never_shared) == []
    assert schedule.open_due(3, never_shared) == [0]
    assert schedule.open_due(4, never_shared) == []
    assert schedule.opened == [3]


def test_open_due_opens_several_phases_in_one_week_when_they_are_due():
    schedule = PhaseSchedule(
        [
            Phase(("web",), after_weeks=2),
            Phase(("bo",)),
            Phase(("phone",)),
            Phase(("desk",), after_weeks=3),
        ]
    )
    assert schedule.open_due(1, never_shared) == []
    assert schedule.open_due(2, never_shared) == [0, 1, 2]
    assert schedule.open_due(4, never_shared) == []
    assert schedule.open_due(5, never_shared) == [3]
    assert schedule.opened == [2, 2, 2, 5]


def test_a_later_phase_never_opens_before_an_earlier_one():
    """The third phase is due by its own terms, but waits behind the gated second phase."""
    schedule = PhaseSchedule(
        [
            Phase(("web",)),
            Phase(("bo",), gate=Gate(adopted_share=0.5)),
            Phase(("phone",)),
        ]
    )
    share = {0: 0.0, 1: 0.0}
    asked: list[int] = []

    def share_of(i: int) -> float:
        asked.append(i)
        return share[i]

    assert schedule.open_due(0, share_of) == [0]
    assert schedule.open_due(1, share_of) == []
    assert schedule.opened == [0, NOT_YET, NOT_YET]
    assert set(asked) == {0}  # the gate reads the share of the phase before it
    share[0] = 0.5
    assert schedule.open_due(4, share_of) == [1, 2]
    assert schedule.opened == [0, 4, 4]


def test_after_weeks_count_from_the_week_the_previous_phase_opened():
    schedule = PhaseSchedule(
        [
            Phase(("web",), after_weeks=3),
            Phase(("bo",), gate=Gate(adopted_share=0.5)),
            Phase(("phone",), after_weeks=2),
        ]
    )
    shares = iter([0.0, 0.9])  # the gate holds from the second week asked

    def share_of(i: int) -> float:
        return next(shares) if i == 0 else 0.0

    opened = {week: schedule.open_due(week, share_of) for week in range(3, 12)}
    assert opened[3] == [0]
    assert opened[4] == [1]
    assert opened[6] == [2]  # two weeks after phase 1 (week 4), not after week 0 or 3
    assert schedule.opened == [3, 4, 6]


def test_gate_max_weeks_counts_from_the_previous_phase_opening():
    schedule = PhaseSchedule(
        [Phase(("web",), after_weeks=2), Phase(("bo",), gate=Gate(adopted_share=0.5, max_weeks=3))]
    )
    weeks = [w for w in range(12) if schedule.open_due(w, never_shared)]
    assert weeks == [2, 5]


def test_unit_indices_are_positions_in_the_organisations_unit_list():
    schedule = PhaseSchedule([Phase(("bo",)), Phase(("desk", "web")), Phase(())])
    indices = schedule.unit_indices(FOUR.names)
    assert [i.tolist() for i in indices] == [[1], [3, 0], []]
    for i in indices:
        assert i.dtype == np.int64
    # An empty phase still indexes unit arrays (a float index array would raise).
    assert np.zeros(4)[indices[2]].shape == (0,)


# --- open_phases on a hand-made state ---------------------------------------------------------

#: Headcounts of FOUR's units (web, bo, phone, desk) and the seed adopters by employee.
HEADCOUNTS = [4, 3, 5, 2]
UNIT_OF = np.repeat(np.arange(4, dtype=np.int32), HEADCOUNTS)
#: web: employees 0-3, bo: 4-6, phone: 7-11, desk: 12-13.
SEEDS = [1, 2, 3, 5, 8, 13]


def hand_state() -> OrgState:
    size = len(UNIT_OF)
    seed = np.zeros(size, dtype=bool)
    seed[SEEDS] = True
    employees = Employees(
        unit=UNIT_OF,
        readiness=np.full(size, 0.5),
        resistance=np.full(size, 0.3),
        threshold=np.full(size, 0.3),
        manager=np.zeros(size, dtype=bool),
        initial_adopter=seed,
        ids=np.arange(size),
    )
    return OrgState.starting(employees, OrgNetwork(size, None), 4, resistance_malleable=True)


def hand_schedule(gate_share: float) -> tuple[PhaseSchedule, list[np.ndarray]]:
    """bo at week 0; web and desk two weeks later; phone on a gate on web and desk."""
    schedule = PhaseSchedule(
        [
            Phase(("bo",)),
            Phase(("web", "desk"), after_weeks=2),
            Phase(("phone",), gate=Gate(adopted_share=gate_share)),
        ]
    )
    return schedule, schedule.unit_indices(FOUR.names)


def test_open_phases_puts_exactly_the_opened_units_in_scope_and_adopts_their_seeds_only():
    state = hand_state()
    schedule, units = hand_schedule(gate_share=0.9)
    open_phases(schedule, units, state)  # week 0: bo
    bo = UNIT_OF == 1
    np.testing.assert_array_equal(state.in_scope, bo)
    np.testing.assert_array_equal(state.opened_week, [NOT_YET, 0, NOT_YET, NOT_YET])
    np.testing.assert_array_equal(np.flatnonzero(state.adopted), [5])
    np.testing.assert_array_equal(state.adopted_count, [0, 1, 0, 0])

    state.week = 1
    open_phases(schedule, units, state)  # nothing due
    np.testing.assert_array_equal(state.in_scope, bo)

    state.week = 2
    open_phases(schedule, units, state)  # web and desk; phone's gate (0.9) is not met
    np.testing.assert_array_equal(state.in_scope, np.isin(UNIT_OF, [0, 1, 3]))
    np.testing.assert_array_equal(state.opened_week, [2, 0, NOT_YET, 2])
    np.testing.assert_array_equal(np.flatnonzero(state.adopted), [1, 2, 3, 5, 13])
    np.testing.assert_array_equal(state.adopted_count, [3, 1, 0, 1])
    assert state.adoption_week[5] == 0  # earlier seeds keep their week
    np.testing.assert_array_equal(state.adoption_week[[1, 2, 3, 13]], 2)
    assert not state.adopted[8]  # phone's seed waits for phone to open


@pytest.mark.parametrize(("gate_share", "opens"), [(0.65, True), (0.7, False)])
def test_the_gate_reads_the_pooled_adopted_share_of_the_previous_phases_units(gate_share, opens):
    """web and desk open in week 2 with 3 + 1 seeds of 4 + 2 employees: 4/6 = 0.667 pooled.

    Neither unit alone (0.75, 0.5) nor the mean of their shares (0.625) gives that answer.
    The gate reads the share at the start of the week, before the week's seeds adopt, so
    phone cannot open in week 2 itself.
    """
    state = hand_state()
    schedule, units = hand_schedule(gate_share)
    for week in range(3):
        state.week = week
        open_phases(schedule, units, state)
    np.testing.assert_array_equal(state.adopted_count, [3, 1, 0, 1])
    assert state.opened_week[2] == NOT_YET
    state.week = 3
    open_phases(schedule, units, state)
    assert (state.opened_week[2] == 3) == opens
    assert state.adopted[8] == opens  # phone's seed adopts when phone opens


def test_open_phases_does_not_count_an_already_adopted_seed_twice():
    state = hand_state()
    schedule, units = hand_schedule(gate_share=0.9)
    state.adopt(np.array([4, 5]))  # bo: one seed (5) and one other employee adopted early
    open_phases(schedule, units, state)
    np.testing.assert_array_equal(np.flatnonzero(state.adopted), [4, 5])
    np.testing.assert_array_equal(state.adopted_count, [0, 2, 0, 0])
