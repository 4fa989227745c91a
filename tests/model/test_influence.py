"""Readiness and resistance: the demonstration effect of a visible pilot, multiplied by
experience."""

from __future__ import annotations

import numpy as np
import pandas as pd

import changesim
from changesim import ChangeModel
from changesim.model import influence
from changesim.model.state import NOT_YET
from tests.builders import BACK, cutover, load_example, org, route_of, unit_rows

EXPERIENCED = {"channel_steering": 1.0, "uniform_customer_view": 1.0}


INEXPERIENCED = {"channel_steering": 0.0, "uniform_customer_view": 0.0}


#: A gate the pilot reaches only after it has cut over and learned (quality back at 1 or
#: above), so that its success is visible while the waves still wait. (With the shipped gate
#: of 0.8 = the cut-over share the waves open the week the pilot cuts over, before its quality
#: recovers, and the demonstration effect has nothing to show.)
GATE = {"adopted_share": 1.0, "max_weeks": 40}


def pilot_run(experience: dict, **extra) -> changesim.RunResult:
    route = {**route_of("pilot_then_waves"), "gate": GATE}
    scenario = load_example(route=route, organisation={"experience": {**experience, **extra}})
    return changesim.simulate(scenario, seed=13)


def waiting_readiness(result, week: int) -> float:
    """Headcount-weighted mean readiness of the non-pilot units in ``week``."""
    rows = result.weekly[
        (result.weekly["week"] == week)
        & result.weekly["unit"].isin([BACK, "contact_centre", "service_desks"])
    ]
    return float((rows["readiness_mean"] * rows["headcount"]).sum() / rows["headcount"].sum())


def first_wave(result) -> int:
    opened = result.units.set_index("unit").loc[BACK, "opened_week"]
    assert opened is not None
    assert not pd.isna(opened)
    return int(opened)


def test_experience_raises_readiness_of_units_waiting_for_their_wave():
    experienced = pilot_run(EXPERIENCED)
    inexperienced = pilot_run(INEXPERIENCED)
    week = min(first_wave(experienced), first_wave(inexperienced)) - 1
    # Not vacuous: the pilot cut over and worked at the old quality or better before then.
    pilot = unit_rows(inexperienced.weekly, "web_team")
    pilot_cut = cutover(inexperienced, "web_team")
    proven = pilot[(pilot["week"] >= pilot_cut) & (pilot["week"] < week)]
    assert (proven["quality"] >= 1.0).any()
    # Readiness moves without randomness (social influence, communication, demonstration), so
    # the comparison is exact: only the experience multiplier differs.
    assert waiting_readiness(experienced, week) > waiting_readiness(inexperienced, week)


def test_without_demonstration_experience_leaves_readiness_unchanged():
    experienced = pilot_run(EXPERIENCED, demonstration=0.0)
    inexperienced = pilot_run(INEXPERIENCED, demonstration=0.0)
    week = min(first_wave(experienced), first_wave(inexperienced)) - 1
    for unit in (BACK, "contact_centre", "service_desks"):
        e = unit_rows(experienced.weekly, unit)
        i = unit_rows(inexperienced.weekly, unit)
        e, i = e[e["week"] <= week], i[i["week"] <= week]
        np.testing.assert_array_equal(e["readiness_mean"], i["readiness_mean"])
        # Not vacuous: the waiting units' readiness still moves (social influence).
        assert e["readiness_mean"].iloc[-1] != e["readiness_mean"].iloc[0]


# --- the stages on a hand-set state ----------------------------------------------------------

THREE_UNITS = [
    {"name": "bo", "kind": "back_office", "headcount": 10},
    {"name": "web", "kind": "front_office", "channel": "web", "headcount": 10},
    {"name": "desk", "kind": "front_office", "channel": "desk", "headcount": 10},
]


def hand_state():
    """Three units of ten; nothing opened, nobody adopted; readiness 0.2 .. 0.8."""
    scenario = changesim.load_scenario(
        org(THREE_UNITS, network={"kind": "small_world", "degree": 4, "rewire": 0.1})
    )
    model = ChangeModel(scenario, rng=1, agents=False)
    state = model.state
    state.opened_week[:] = NOT_YET
    state.in_scope[:] = False
    state.readiness[:] = np.linspace(0.2, 0.8, state.size)
    return model, state


def pilot_shown(state, quality: float) -> None:
    """Unit 0 opened and cut over, working at ``quality``; units 1 and 2 wait."""
    state.opened_week[0] = 0
    state.in_scope[:10] = True
    state.cutover_week[0] = 3
    state.quality[:] = [quality, 1.0, 1.0]


def test_demonstration_counts_a_pilot_between_nothing_and_everything():
    model, state = hand_state()
    spec, experience = model.settings.quality, model.settings.organisation.experience
    strength = experience.demonstration * (1 + experience.experience_multiplier * experience.level)
    assert 0 < strength < 1  # not vacuous, and the cap does not bind
    cases = {  # the pilot's quality: what it shows (its climb from a fresh adopter's level)
        spec.learning_start - 0.2: 0.0,  # below a fresh adopter's level: nothing, not less
        (spec.learning_start + spec.new_level) / 2: 0.5,
        spec.new_level: 1.0,  # all the way: a full demonstration
        spec.new_level + 0.3: 1.0,  # above it: still a full one, not more
    }
    for quality, shown in cases.items():
        _, state = hand_state()
        pilot_shown(state, quality)
        before = state.readiness.copy()
        influence.demonstration(state, experience, spec)
        rate = min(1.0, strength * shown)
        np.testing.assert_allclose(state.readiness[:10], before[:10])  # the pilot itself
        np.testing.assert_allclose(state.readiness[10:], before[10:] + rate * (1 - before[10:]))


def test_demonstration_rate_is_capped_at_one():
    model, state = hand_state()
    experience = model.settings.organisation.experience.model_copy(
        update={"demonstration": 5.0, "experience_multiplier": 0.0}
    )
    pilot_shown(state, model.settings.quality.new_level)
    influence.demonstration(state, experience, model.settings.quality)
    np.testing.assert_array_equal(state.readiness[10:], 1.0)


def test_fatigue_rate_is_capped_at_one_and_spares_adopters():
    model, state = hand_state()
    state.opened_week[:] = 0  # three units changing at once: two extra
    state.in_scope[:] = True
    state.adopt(np.array([0, 15]))
    before = state.resistance.copy()
    spec = model.settings.influence.model_copy(update={"fatigue": 0.9})
    influence.change_fatigue(state, spec)
    np.testing.assert_array_equal(state.resistance[[0, 15]], before[[0, 15]])
    others = np.setdiff1d(np.arange(state.size), [0, 15])
    np.testing.assert_array_equal(state.resistance[others], 1.0)  # rate min(1, 0.9 * 2) = 1


def test_social_influence_at_rate_one_takes_the_neighbours_mean_and_spares_the_isolated():
    model, state = hand_state()
    spec = model.settings.influence.model_copy(update={"readiness_influence": 1.0})
    adjacency = state.network.adjacency.tolil()
    adjacency[5, :] = 0  # employee 5 has no ties
    adjacency[:, 5] = 0
    state.network = type(state.network)(state.size, adjacency.tocsr())
    before = state.readiness.copy()
    influence.social_influence(state, spec)
    assert state.readiness[5] == before[5]
    tied = np.setdiff1d(np.arange(state.size), [5])
    matrix = state.network.adjacency.toarray()
    expected = matrix @ before / matrix.sum(axis=1).clip(1)
    np.testing.assert_allclose(state.readiness[tied], expected[tied])
