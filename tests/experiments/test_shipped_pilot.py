"""The shipped synthetic pilot: made by its documented script, valid for the scenario it
belongs to, and continued by the shipped routes for the rest of the rollout."""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd

import changesim
from changesim.build.observed import read_observations
from changesim.scenario.diff import differing_fields
from tests.builders import ROOT, SCENARIOS

DATA = SCENARIOS / "data" / "pilot_observed.csv"
AFTER_PILOT = sorted((SCENARIOS / "after_pilot").glob("*.yaml"))


def make_pilot_data():
    spec = importlib.util.spec_from_file_location(
        "make_pilot_data", ROOT / "tools" / "make_pilot_data.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_pilot_data"] = module
    spec.loader.exec_module(module)
    return module


def test_the_shipped_pilot_is_what_the_script_makes():
    tool = make_pilot_data()
    shipped = pd.read_csv(DATA)
    pd.testing.assert_frame_equal(shipped, tool.pilot_observations(), check_dtype=False)


def test_the_shipped_pilot_fits_its_scenario_and_ends_at_the_gate():
    scenario = changesim.load_scenario(SCENARIOS / "pilot_then_waves.yaml")
    observations = read_observations(DATA, scenario)
    shares = observations.frame["adopted_share"]
    gate = scenario.route.gate.adopted_share
    assert shares.iloc[-1] >= gate > shares.iloc[-2]  # observed until the waves are decided
    assert observations.figures == ["adopted_share", "readiness_score"]


def test_the_routes_after_the_pilot_differ_only_after_it():
    pilot = changesim.load_scenario(SCENARIOS / "pilot_then_waves.yaml")
    assert len(AFTER_PILOT) == 2
    for path in AFTER_PILOT:
        route = changesim.load_scenario(path)
        assert route.route.pilot == pilot.route.pilot
        assert route.route.gate == pilot.route.gate
        changed = {f.split(".")[0].split("[")[0] for f in differing_fields(pilot, route)}
        assert changed <= {"name", "route"}, path
