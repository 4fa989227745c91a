"""Same scenario and seed give identical results, in this process and another; other seeds
differ."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

import changesim
from changesim import ChangeModel
from tests.builders import SCENARIOS, load_example


def test_same_seed_gives_identical_results():
    scenario = changesim.load_scenario(SCENARIOS / "pilot_then_waves.yaml")
    a = changesim.simulate(scenario, seed=11)
    b = changesim.simulate(scenario, seed=11)
    pd.testing.assert_frame_equal(a.weekly, b.weekly)
    pd.testing.assert_frame_equal(a.units, b.units)
    pd.testing.assert_series_equal(pd.Series(a.summary), pd.Series(b.summary))


def test_different_seeds_give_different_results():
    scenario = changesim.load_scenario(SCENARIOS / "pilot_then_waves.yaml")
    a = changesim.simulate(scenario, seed=11).weekly
    b = changesim.simulate(scenario, seed=12).weekly
    assert not a["adopted"].equals(b["adopted"])
    assert not np.allclose(a["readiness_mean"], b["readiness_mean"])


def test_seed_defaults_to_the_scenarios_seed():
    scenario = changesim.load_scenario(SCENARIOS / "combined.yaml")
    implicit = changesim.simulate(scenario)
    explicit = changesim.simulate(scenario, seed=scenario.seed)
    assert implicit.seed == scenario.seed
    pd.testing.assert_frame_equal(implicit.weekly, explicit.weekly)


def test_same_seed_gives_identical_results_in_another_process(tmp_path):
    """Same scenario + same seed = identical results in any process."""
    path = SCENARIOS / "back_office_first.yaml"
    out = tmp_path / "weekly.parquet"
    code = (
        "import changesim, sys\n"
        "s = changesim.load_scenario(sys.argv[1])\n"
        "changesim.simulate(s, seed=5).weekly.to_parquet(sys.argv[2], index=False)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path), str(out)], check=True)
    here = changesim.simulate(changesim.load_scenario(path), seed=5).weekly
    there = pd.read_parquet(out)
    pd.testing.assert_frame_equal(here, there, check_categorical=False)


def test_a_customer_setting_leaves_every_employee_draw_as_it_was():
    """Steering acts on customers only: two steering strengths on the same seed give the
    same adoption, employee by employee (each submodel draws from its own stream). (Data
    feeds act on the people too since ADR 0010; with their people-side cost switched off
    they leave adoption as it was, tests/model/test_feeds.py.)"""

    def steered(communication: float) -> ChangeModel:
        scenario = load_example(customers={"steering": {"communication": communication}})
        model = ChangeModel(scenario, rng=21, agents=False)
        model.run_model()
        return model

    a, b = steered(0.3), steered(1.5)
    np.testing.assert_array_equal(a.state.adoption_week, b.state.adoption_week)
    frame_a, frame_b = a.recorder.weekly_frame(), b.recorder.weekly_frame()
    pd.testing.assert_series_equal(frame_a["adopted"], frame_b["adopted"])
    assert not frame_a["first_contact_resolution"].equals(frame_b["first_contact_resolution"])


def test_two_routes_on_one_seed_build_the_same_organisation():
    """Common random numbers: the route is the lever, the people and their network are not."""
    first = ChangeModel(
        changesim.load_scenario(SCENARIOS / "back_office_first.yaml"), rng=4, agents=False
    )
    second = ChangeModel(
        changesim.load_scenario(SCENARIOS / "pilot_then_waves.yaml"), rng=4, agents=False
    )
    for name in ("readiness", "resistance", "threshold", "manager"):
        np.testing.assert_array_equal(
            getattr(first.state.employees, name), getattr(second.state.employees, name)
        )
    assert (first.state.network.adjacency != second.state.network.adjacency).nnz == 0
    np.testing.assert_array_equal(first.state.seed_adopter, second.state.seed_adopter)
