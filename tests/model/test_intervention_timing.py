"""Interventions timed from each unit's opening (``timing: unit_opening``)."""

import numpy as np
import pytest

import changesim
from changesim import ChangeModel
from changesim.model.state import NOT_YET

GAP = 5
WEEKS = 3


def scenario(timing: str, *, trained: bool = True) -> changesim.Scenario:
    training = {
        "kind": "training",
        "timing": timing,
        "start": 0,
        "weeks": WEEKS,
        "intensity": 1.0,
        "cost_per_employee": 10.0,
        "cost_per_week": 1.0,
    }
    return changesim.load_scenario(
        {
            "weeks": 12,
            "organisation": {
                "units": [
                    {"name": "bo", "kind": "back_office", "headcount": 40},
                    {"name": "fo", "kind": "front_office", "channel": "phone", "headcount": 60},
                ]
            },
            "network": {"kind": "ring", "degree": 4},
            "adoption": {"rule": "bass", "p": 0, "q": 0, "revert": 0},  # nobody adopts
            "influence": {"readiness_influence": 0, "fatigue": 0},
            "route": {"kind": "back_office_first", "gap_weeks": GAP},
            "interventions": [training] if trained else [],
        }
    )


def initial_resistance() -> np.ndarray:
    """Resistance as drawn, before any training (the same seed draws the same employees)."""
    return ChangeModel(scenario("absolute", trained=False), rng=1).state.resistance.copy()


def test_each_unit_is_trained_when_its_change_opens():
    model = ChangeModel(scenario("unit_opening"), rng=1)
    start = initial_resistance()
    front = model.state.unit == 1
    model.run_model()
    state = model.state
    assert state.opened_week.tolist() == [0, GAP]
    # Every employee had exactly WEEKS weeks of training at 10% per week, whenever it came.
    np.testing.assert_allclose(state.resistance, start * 0.9**WEEKS)
    assert (state.opened_week[state.unit[front]] != NOT_YET).all()


def test_unit_opening_costs_per_employee_when_the_unit_starts():
    result = changesim.simulate(scenario("unit_opening"), seed=1)
    org = result.weekly[result.weekly["unit"] == "all"].set_index("week")["intervention_cost"]
    # Week 0: the back-office's 40 employees start (40 x 10) plus one active week (1).
    assert org[0] == pytest.approx(40 * 10 + 1)
    assert org[GAP] == pytest.approx(60 * 10 + 1)
    # Active weeks: 0..2 for the back-office and GAP..GAP+2 for the front-office.
    active = sorted({*range(WEEKS), *range(GAP, GAP + WEEKS)})
    assert (org[active] >= 1).all()
    assert org.drop(index=active).sum() == 0
    assert result.summary["total_intervention_cost"] == pytest.approx(100 * 10 + len(active))


def test_absolute_timing_misses_units_that_open_later():
    model = ChangeModel(scenario("absolute"), rng=1)
    start = initial_resistance()
    model.run_model()
    back = model.state.unit == 0
    np.testing.assert_allclose(model.state.resistance[back], start[back] * 0.9**WEEKS)
    # Training acts on employees in scope only; the front-office opened after it ended.
    np.testing.assert_array_equal(model.state.resistance[~back], start[~back])
