"""Stage 4 on a hand-set state: who may adopt, who reverts, and when no numbers are drawn."""

from __future__ import annotations

import numpy as np
import pytest

import changesim
from changesim import ChangeModel
from changesim.model import adoption
from changesim.model.state import NOT_YET
from changesim.registry import RULES
from tests.builders import org

THREE_UNITS = [
    {"name": "bo", "kind": "back_office", "headcount": 10},
    {"name": "web", "kind": "front_office", "channel": "web", "headcount": 10},
    {"name": "desk", "kind": "front_office", "channel": "desk", "headcount": 10},
]


def hand_state():
    """Units 0 and 1 open, unit 2 waiting; employees 0-3 and 10-11 adopted; resistance
    0.0 .. 1.0 in steps of 1/29 except employee 5 at exactly 0.5; unit 1 half redesigned."""
    scenario = changesim.load_scenario(
        org(THREE_UNITS, network={"kind": "small_world", "degree": 4, "rewire": 0.1})
    )
    model = ChangeModel(scenario, rng=1, agents=False)
    state = model.state
    state.opened_week[:] = [0, 0, NOT_YET]
    state.in_scope[:] = np.repeat([True, True, False], 10)
    state.revert(np.flatnonzero(state.adopted))
    state.adopt(np.array([0, 1, 2, 3, 10, 11]))
    state.resistance[:] = np.linspace(0.0, 1.0, state.size)
    state.resistance[5] = 0.5
    state.redesign[:] = [0.0, 0.5, 0.0]
    return model, state


@pytest.mark.parametrize("refusal", [1.0, 0.5, 0.2])
def test_candidates_are_in_scope_non_adopters_up_to_the_refusal(refusal):
    _, state = hand_state()
    effective = state.resistance * (1.0 - state.redesign[state.unit])
    expected = np.flatnonzero(state.in_scope & ~state.adopted & (effective <= refusal))
    candidates, resistance = adoption._candidates(state, refusal)
    np.testing.assert_array_equal(candidates, expected)
    np.testing.assert_array_equal(resistance, effective[expected])
    assert (5 in candidates) == (refusal >= 0.5)  # a resistance exactly at the refusal may adopt


def adoption_spec(model, **changes):
    return model.settings.adoption.model_copy(update=changes)


def test_a_single_certain_candidate_adopts():
    model, state = hand_state()
    state.adopt(np.setdiff1d(np.flatnonzero(state.in_scope & ~state.adopted), [4]))  # 4 waits
    spec = adoption_spec(model, p=1.0, refusal=1.0)
    adoption.adopt(state, RULES.get("bass"), spec, np.random.default_rng(0))
    assert state.adopted[4]


def test_revert_at_rate_one_takes_back_every_adopter_with_full_resistance():
    model, state = hand_state()
    state.resistance[:] = 1.0
    state.quality[:] = [0.5, 1.0, 1.0]  # unit 0 struggles, unit 1 does not
    adoption.revert(state, adoption_spec(model, revert=1.0), np.random.default_rng(0))
    assert not state.adopted[:10].any()
    assert state.adopted[[10, 11]].all()


def test_a_single_certain_reverter_reverts():
    model, state = hand_state()
    state.revert(np.array([1, 2, 3, 10, 11]))  # employee 0 is the only adopter
    state.resistance[:] = 1.0
    state.quality[:] = 0.5
    adoption.revert(state, adoption_spec(model, revert=1.0), np.random.default_rng(0))
    assert not state.adopted.any()


def test_no_reverting_draws_no_numbers():
    model, state = hand_state()
    state.quality[:] = 0.5  # everyone struggles, but nobody may revert
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    adoption.revert(state, adoption_spec(model, revert=0.0), rng)
    assert rng.bit_generator.state == before
    assert state.adopted.sum() == 6
