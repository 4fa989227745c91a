"""The optimised employee week gives, seed for seed, the results of the week before it.

Issue 13 made the employee stages faster: the neighbours' adopted share kept from week to week
(:mod:`changesim.model.exposure`) instead of a second sparse product, fatigue and demonstration
on slices of units, fewer temporaries. None of it may move a result. The stages as they were
(before issue 13) are kept here frozen; a run with them patched in must give exactly the
weekly frame of a run with today's stages, on scenarios that exercise every stage: both
approaches, champions (changing weights), cross-unit ties (a changing network), work redesign,
hold-outs, reverting, feeds, the threshold rule and the complete network.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from changesim import ChangeModel
from changesim.model import adoption, change_model, influence
from changesim.model.rules import RuleInputs
from changesim.model.state import NOT_YET
from tests.builders import SCENARIOS, load_example, read_yaml, route_of

# --- the frozen stages ------------------------------------------------------------------------


def old_neighbour_mean(network, values, weights, isolated=0.0):
    weighted = weights * values
    if network.adjacency is None:
        total_w = weights.sum() - weights
        total = weighted.sum() - weighted
    else:
        total_w = network.adjacency @ weights
        total = network.adjacency @ weighted
    out = np.broadcast_to(np.asarray(isolated, dtype=np.float64), (network.size,)).copy()
    np.divide(total, total_w, out=out, where=total_w > 0)
    return out


def old_social_influence(state, spec):
    rate = spec.readiness_influence
    if rate == 0:
        return
    target = old_neighbour_mean(state.network, state.readiness, state.weight, state.readiness)
    state.readiness += rate * (target - state.readiness)


def old_demonstration(state, experience, quality):
    climbed = (state.quality - quality.learning_start) / (
        quality.new_level - quality.learning_start
    )
    proven = np.where(state.cutover_week != NOT_YET, np.clip(climbed, 0.0, 1.0), 0.0)
    opened = state.headcount[state.opened_week != NOT_YET].sum()
    success = float((state.headcount * proven).sum() / opened) if opened else 0.0
    waiting = ~state.in_scope
    if success == 0 or not waiting.any():
        return
    rate = min(
        1.0,
        experience.demonstration
        * (1.0 + experience.experience_multiplier * experience.level)
        * success,
    )
    state.readiness[waiting] += rate * (1.0 - state.readiness[waiting])


def old_change_fatigue(state, spec):
    if not state.resistance_malleable:
        return
    changing = (state.opened_week != NOT_YET) & (state.cutover_week == NOT_YET)
    extra = int(changing.sum()) - 1
    if extra <= 0:
        return
    tired = state.in_scope & ~state.adopted & changing[state.unit]
    rate = min(1.0, spec.fatigue * extra)
    state.resistance[tired] += rate * (1.0 - state.resistance[tired])


def old_effective_resistance(state, employees):
    return state.resistance[employees] * (1.0 - state.redesign[state.unit[employees]])


def old_revert(state, spec, rng):
    rate = spec.revert
    struggling = state.quality < 1.0
    if rate == 0 or not struggling.any():
        return
    candidates = np.flatnonzero(state.adopted & struggling[state.unit])
    if len(candidates) == 0:
        return
    probability = rate * old_effective_resistance(state, candidates)
    reverted = candidates[rng.random(len(candidates)) < probability]
    state.revert(reverted)


def old_adopt(state, rule, spec, rng, factor=None):
    candidates = np.flatnonzero(state.in_scope & ~state.adopted)
    if len(candidates) == 0:
        return
    resistance = old_effective_resistance(state, candidates)
    if spec.refusal < 1.0:
        willing = resistance <= spec.refusal
        candidates, resistance = candidates[willing], resistance[willing]
    share = old_neighbour_mean(state.network, state.adopted, state.weight)
    inputs = RuleInputs(
        neighbour_share=share[candidates],
        readiness=state.readiness[candidates],
        resistance=resistance,
        threshold=state.threshold[candidates],
        p=spec.p,
        q=spec.q,
        k=spec.k,
        params=spec.params,
    )
    probability = rule(inputs)
    if factor is not None:
        probability = probability * factor[state.unit[candidates]]
    adopters = candidates[rng.random(len(candidates)) < probability]
    state.adopt(adopters)


def old_update_quality(state, spec, terms=None):  # terms: kept results it does not use
    share = state.adopted_share()
    learners = np.flatnonzero(state.adopted & (state.adoption_week < state.week))
    taught = 1.0 - state.lessons
    remaining = np.exp(-(1.0 + state.learning_boost) / (spec.learning_weeks * taught))
    state.proficiency[learners] = (
        1.0 - (1.0 - state.proficiency[learners]) * remaining[state.unit[learners]]
    )
    count = state.adopted_count
    total = state.per_unit(state.proficiency)
    learned = np.divide(total, count, out=np.zeros(len(share)), where=count > 0)
    adopter_quality = spec.learning_start + (spec.new_level - spec.learning_start) * learned
    mixing = spec.mixing_penalty * taught * (1.0 - state.redesign) * 4.0 * share * (1.0 - share)
    state.quality = np.maximum((1.0 - share) + share * adopter_quality - mixing, 0.0)
    cut = (state.cutover_week == NOT_YET) & (share >= spec.cutover_share)
    state.cutover_week[cut] = state.week


OLD_STAGES = {
    (change_model, "update_quality"): old_update_quality,
    (influence, "social_influence"): old_social_influence,
    (influence, "demonstration"): old_demonstration,
    (influence, "change_fatigue"): old_change_fatigue,
    (adoption, "revert"): old_revert,
    (adoption, "adopt"): old_adopt,
}

# --- the comparison ---------------------------------------------------------------------------


def scenario(name: str):
    if name in ("pilot_then_waves", "organisation_oriented", "front_office_first"):
        overrides = read_yaml(SCENARIOS / f"{name}.yaml")
        overrides.pop("extends", None)
        return load_example(**overrides, weeks=60)
    if name == "threshold_complete":
        return load_example(
            weeks=40,
            route=route_of("combined"),
            network={"kind": "complete"},
            adoption={"rule": "threshold", "initial_adopters": {"share": 0.1}},
        )
    if name == "large":  # 5,600 employees: the exposure is corrected, not counted afresh
        spec = load_example(weeks=40, route=route_of("pilot_then_waves"))
        units = [u.model_dump() for u in spec.organisation.units]
        for unit in units:
            unit["headcount"] *= 4
        return load_example(
            weeks=40, route=route_of("pilot_then_waves"), organisation={"units": units}
        )
    return load_example(weeks=60, adoption={"revert": 0.2, "refusal": 0.5})


def weekly(model: ChangeModel) -> pd.DataFrame:
    model.run_model()
    return model.recorder.weekly_frame()


@pytest.mark.parametrize(
    "name",
    [
        "pilot_then_waves",
        "organisation_oriented",
        "front_office_first",
        "threshold_complete",
        "reverting",
        "large",
    ],
)
@pytest.mark.parametrize("seed", [3, 11])
def test_todays_employee_stages_give_the_frozen_stages_results(name, seed, monkeypatch):
    spec = scenario(name)
    today = weekly(ChangeModel(spec, rng=seed, agents=False))
    for (module, attribute), old in OLD_STAGES.items():
        monkeypatch.setattr(module, attribute, old)
    before = weekly(ChangeModel(spec, rng=seed, agents=False))
    pd.testing.assert_frame_equal(today, before, check_exact=True)
    assert today["adopted"].iloc[-1] > 0  # something happened


@pytest.mark.parametrize("name", ["pilot_then_waves", "organisation_oriented", "large"])
def test_banded_product_moves_results_by_rounding_only(name):
    """Networks from ``BANDED_FROM_TIES`` ties on sum in another order (build/banded.py): the
    same adoptions week by week, readiness and quality equal to rounding."""
    spec = scenario(name)
    plain = weekly(ChangeModel(spec, rng=3, agents=False))
    model = ChangeModel(spec, rng=3, agents=False)
    model.state.network.banded_from = 0  # this small network takes the banded product too
    banded = weekly(model)
    assert model.state.network._banded is not None
    assert model.state.network._banded.offsets
    floats = ["readiness_mean", "resistance_mean", "quality"]
    pd.testing.assert_frame_equal(banded.drop(columns=floats), plain.drop(columns=floats))
    assert not banded[floats].equals(plain[floats])  # the order of the sums did change
    np.testing.assert_allclose(banded[floats], plain[floats], rtol=1e-12)
