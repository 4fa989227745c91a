"""Stage 5: service quality follows adoption (the J-curve) and never falls below 0."""

from __future__ import annotations

import numpy as np

import changesim
from changesim import ChangeModel
from changesim.model.quality import update_quality
from tests.builders import BO, org


def test_quality_is_floored_at_no_service() -> None:
    """learning_start 0 and mixing_penalty 1 at half adoption: the formula gives
    0.5 + 0 - 1 = -0.5; the unit gives no service (0), not negative service."""
    scenario = changesim.load_scenario(
        org([BO], quality={"learning_start": 0.0, "mixing_penalty": 1.0})
    )
    model = ChangeModel(scenario, rng=1, agents=False)
    state = model.state
    state.adopt(np.arange(BO["headcount"] // 2))
    update_quality(state, scenario.quality)
    assert state.quality[0] == 0.0


def test_quality_at_half_adoption_of_fresh_adopters() -> None:
    """The ODD's worked example with the defaults: 0.5 + 0.5 * 0.7 - 0.1 = 0.75."""
    scenario = changesim.load_scenario(org([BO]))
    model = ChangeModel(scenario, rng=1, agents=False)
    state = model.state
    state.adopt(np.arange(BO["headcount"] // 2))
    update_quality(state, scenario.quality)
    assert state.quality[0] == 0.75


def test_extreme_quality_settings_run_to_finite_results() -> None:
    scenario = changesim.load_scenario(
        org([BO], quality={"learning_start": 0.0, "mixing_penalty": 1.0, "new_level": 0.01})
    )
    summary = changesim.simulate(scenario, seed=2).summary
    assert summary["quality_dip_depth"] == 1.0  # down to no service at the worst week
    assert all(np.isfinite(v) for k, v in summary.items() if not k.startswith("weeks_to"))
