"""OrgState's per-unit helpers: unit values per employee, runs of units as slices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from changesim import ChangeModel
from changesim.model.state import NOT_YET
from tests.builders import load_example, route_of


@pytest.fixture(scope="module")
def state():
    model = ChangeModel(load_example(route=route_of("pilot_then_waves")), rng=1, agents=False)
    for _ in range(8):  # the pilot has opened, the waves not yet
        model.step()
    return model.state


def test_of_units_gives_each_employee_its_units_value(state):
    values = np.arange(len(state.headcount)) * 10
    np.testing.assert_array_equal(state.of_units(values), values[state.unit])


@pytest.mark.parametrize("seed", range(6))
def test_blocks_are_exactly_the_chosen_units_employees_with_neighbours_merged(state, seed):
    chosen = np.random.default_rng(seed).random(len(state.headcount)) < 0.5
    blocks = state.blocks(chosen)
    covered = np.zeros(state.size, dtype=bool)
    for block in blocks:
        assert not covered[block].any()  # no employee twice
        covered[block] = True
    np.testing.assert_array_equal(covered, chosen[state.unit])
    # Adjacent chosen units form one slice: no two slices touch.
    assert all(a.stop < b.start for a, b in itertools.pairwise(blocks))


def test_blocks_of_no_unit_and_of_every_unit(state):
    assert state.blocks(np.zeros(len(state.headcount), dtype=bool)) == []
    assert state.blocks(np.ones(len(state.headcount), dtype=bool)) == [slice(0, state.size)]


def test_in_scope_count_is_the_headcount_of_opened_units(state):
    assert 0 < state.in_scope.sum() < state.size
    np.testing.assert_array_equal(state.in_scope_count(), state.per_unit(state.in_scope))


def test_in_scope_count_follows_a_unit_opening():
    model = ChangeModel(load_example(route=route_of("pilot_then_waves")), rng=1, agents=False)
    state = model.state
    before = state.in_scope_count()
    waiting = np.flatnonzero(state.opened_week == NOT_YET)
    state.open_units(waiting[:1])
    np.testing.assert_array_equal(state.in_scope_count(), state.per_unit(state.in_scope))
    assert state.in_scope_count().sum() == before.sum() + state.headcount[waiting[0]]
    assert not state.in_scope_count().flags.writeable
