"""Hold-outs: employees whose effective resistance is above ``adoption.refusal`` do not adopt."""

from __future__ import annotations

import numpy as np
import pytest

import changesim
from changesim import ChangeModel
from tests.builders import BO, WEB, load_example, org, route_of


def always(inputs: changesim.RuleInputs) -> np.ndarray:
    return np.ones(len(inputs.neighbour_share))


def spread_out(**extra) -> changesim.Scenario:
    """Two units, resistance spread over [0, 1], the organisation approach (nothing moves it)."""
    return changesim.load_scenario(
        org(
            [BO, WEB],
            approach="organisation",
            population={"resistance": {"mean": 0.5, "sd": 0.25}},
            **extra,
        )
    )


@pytest.mark.parametrize("refusal", [0.3, 0.6, 0.9])
def test_after_one_week_exactly_the_employees_at_or_below_refusal_have_adopted(
    temporary_rule, refusal
):
    rule = temporary_rule("test_holdout_always", always)
    model = ChangeModel(spread_out(adoption={"rule": rule, "refusal": refusal}), rng=4)
    model.step()
    state = model.state
    np.testing.assert_array_equal(state.adopted, state.resistance <= refusal)
    assert 0 < state.adopted.sum() < state.size  # the spread puts people on both sides


def test_default_refusal_holds_nobody_out(temporary_rule):
    rule = temporary_rule("test_holdout_always", always)
    model = ChangeModel(spread_out(adoption={"rule": rule}), rng=4)
    model.step()
    assert model.state.adopted.all()


def test_work_redesign_brings_hold_outs_below_refusal(temporary_rule):
    """Redesign lowers effective resistance s (1 - rho): some of those above 0.5 now adopt."""
    rule = temporary_rule("test_holdout_always", always)
    redesign = {"kind": "work_redesign", "start": 0, "weeks": 10, "intensity": 0.8}
    model = ChangeModel(
        spread_out(adoption={"rule": rule, "refusal": 0.5}, interventions=[redesign]), rng=4
    )
    model.step()
    state = model.state
    effective = state.resistance * (1.0 - state.redesign[state.unit])
    assert state.redesign.min() > 0
    np.testing.assert_array_equal(state.adopted, effective <= 0.5)
    assert state.adopted.sum() > (state.resistance <= 0.5).sum()


def test_the_example_leaves_hold_outs_and_more_of_them_on_the_big_bang():
    """The shipped example's refusal leaves a residual; change fatigue under the combined
    route pushes more people across it than a sequential route does. Over seeds 1-6 the
    combined route left 1.2-3.5% and back-office first 0.1-0.5%: 3 seeds each, a margin of
    half a point."""
    residual = {}
    for route in ("combined", "back_office_first"):
        scenario = load_example(route=route_of(route))
        shares = [
            changesim.simulate(scenario, seed=s).summary["non_adopter_share"] for s in (1, 2, 3)
        ]
        residual[route] = np.mean(shares)
        assert all(0 < share < 0.1 for share in shares)
    assert residual["combined"] > residual["back_office_first"] + 0.005
