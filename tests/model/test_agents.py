"""Mesa agents are views onto the state arrays."""

from __future__ import annotations

import numpy as np

import changesim
from changesim import ChangeModel
from tests.builders import BO, WEB


def small_model(seed: int = 4) -> ChangeModel:
    scenario = changesim.load_scenario(
        {
            "weeks": 20,
            "organisation": {"units": [BO, WEB]},
            "network": {"kind": "small_world", "degree": 6},
            "route": {"kind": "back_office_first", "gap_weeks": 3},
            "adoption": {"initial_adopters": {"count": 5}},
        }
    )
    return ChangeModel(scenario, rng=seed, agents=True)


def assert_agents_match_state(model: ChangeModel) -> None:
    state = model.state
    assert [e.index for e in model.employees] == list(range(state.size))
    assert [e.adopted for e in model.employees] == state.adopted.tolist()
    np.testing.assert_array_equal([e.readiness for e in model.employees], state.readiness)
    np.testing.assert_array_equal([e.resistance for e in model.employees], state.resistance)
    np.testing.assert_array_equal([e.threshold for e in model.employees], state.threshold)
    assert [e.unit for e in model.employees] == [model.unit_names[u] for u in state.unit]
    assert [e.in_scope for e in model.employees] == state.in_scope.tolist()
    weeks = [-1 if e.adoption_week is None else e.adoption_week for e in model.employees]
    np.testing.assert_array_equal(weeks, state.adoption_week)
    shares = state.adopted_share()
    for unit in model.units:
        assert unit.name == model.unit_names[unit.index]
        assert unit.headcount == state.headcount[unit.index]
        assert unit.adopted_share == shares[unit.index]
        assert unit.quality == state.quality[unit.index]
        opened = state.opened_week[unit.index]
        assert unit.opened_week == (None if opened < 0 else opened)


def test_agents_are_views_onto_the_state_arrays():
    model = small_model()
    assert len(model.employees) == 100
    assert len(model.units) == 2
    assert len(model.agents) == len(model.employees) + len(model.units)
    assert_agents_match_state(model)
    for _ in range(6):
        model.step()
        assert_agents_match_state(model)
    # After 6 weeks both units are open and somebody adopted in each (5 seeds + p, q > 0).
    assert all(e.in_scope for e in model.employees)
    assert model.state.adopted.sum() > 5


def test_agent_setters_write_into_the_state_arrays():
    model = small_model()
    model.step()
    model.step()
    employee = next(e for e in model.employees if not e.adopted)
    employee.adopted = True
    assert model.state.adopted[employee.index]
    assert model.state.adoption_week[employee.index] == model.state.week
    employee.adopted = False
    assert not model.state.adopted[employee.index]
    assert model.state.adoption_week[employee.index] == -1
    employee.readiness = 1.7
    assert model.state.readiness[employee.index] == 1.0
    employee.resistance = 0.25
    assert model.state.resistance[employee.index] == 0.25
    assert_agents_match_state(model)


def test_agent_neighbours_follow_the_network():
    model = small_model()
    employee = model.employees[17]
    expected = set(model.state.network.neighbours(17).tolist())
    assert {e.index for e in employee.neighbours()} == expected
    assert 17 not in expected
    assert len(expected) >= 2


def test_model_without_agents_has_none_but_runs_identically():
    with_agents = small_model(seed=9)
    scenario = with_agents.settings
    without = ChangeModel(scenario, rng=9, agents=False)
    assert len(without.agents) == 0
    with_agents.run_model()
    without.run_model()
    np.testing.assert_array_equal(with_agents.state.adopted, without.state.adopted)
    np.testing.assert_array_equal(with_agents.state.readiness, without.state.readiness)
