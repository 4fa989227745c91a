"""Employee traits stay in [0, 1] under the most extreme parameters the schema allows."""

import numpy as np
import pytest

import changesim
from changesim import ChangeModel

UNITS = [
    {
        "name": f"u{i}",
        "kind": "back_office" if i == 0 else "front_office",
        **({} if i == 0 else {"channel": "phone"}),
        "headcount": 30,
    }
    for i in range(5)
]


@pytest.mark.parametrize("seed", [0, 1])
def test_extreme_fatigue_and_interventions_keep_traits_in_range(seed):
    scenario = changesim.load_scenario(
        {
            "weeks": 30,
            "organisation": {"units": UNITS},
            "influence": {"fatigue": 1.0, "readiness_influence": 1.0},
            "adoption": {"p": 0.001, "q": 0.01, "revert": 1.0},
            "interventions": [
                {"kind": "communication", "intensity": 1.0, "weeks": 30},
                {"kind": "training", "intensity": 1.0, "weeks": 30},
                {"kind": "champions", "intensity": 1.0, "share": 1.0, "weeks": 30},
            ],
        }
    )
    model = ChangeModel(scenario, rng=seed, agents=False)
    for _ in range(scenario.weeks):
        model.step()
        state = model.state
        for trait in (state.readiness, state.resistance, state.proficiency):
            assert np.all((trait >= 0) & (trait <= 1))
        assert np.all(np.isfinite(state.quality))


def test_fatigue_saturates_instead_of_overshooting():
    """With fatigue 1 and four extra units changing, resistance reaches 1 and stops there."""
    scenario = changesim.load_scenario(
        {
            "weeks": 3,
            "organisation": {"units": UNITS},
            "influence": {"fatigue": 1.0, "readiness_influence": 0.0},
            "adoption": {"p": 0.0, "q": 0.0},
        }
    )
    model = ChangeModel(scenario, rng=0, agents=False)
    model.step()
    np.testing.assert_allclose(model.state.resistance, 1.0)
