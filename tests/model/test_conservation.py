"""Conservation on every shipped scenario: nobody lost or double-counted, shares and
summaries consistent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import changesim
from tests.builders import SHIPPED, unit_rows


@pytest.fixture(scope="module", params=SHIPPED, ids=[p.stem for p in SHIPPED])
def shipped_run(request):
    scenario = changesim.load_scenario(request.param)
    return scenario, changesim.simulate(scenario, seed=3)


def test_shipped_scenarios_are_found():
    assert {p.stem for p in SHIPPED} >= {
        "example_org",
        "back_office_first",
        "front_office_first",
        "combined",
        "pilot_then_waves",
        "organisation_oriented",
    }


def test_conservation(shipped_run):
    scenario, result = shipped_run
    weekly = result.weekly
    names = scenario.organisation.names
    assert set(weekly["unit"]) == {*names, "all"}
    assert sorted(weekly["week"].unique()) == list(range(scenario.weeks + 1))
    units = weekly[weekly["unit"] != "all"]
    assert (units["in_scope"] <= units["headcount"]).all()
    assert (units["adopted"] <= units["in_scope"]).all()
    assert (weekly["adopted"] >= 0).all()
    # A unit is in scope as a whole or not at all.
    assert ((units["in_scope"] == 0) | (units["in_scope"] == units["headcount"])).all()
    for column in (
        "adopted_share",
        "in_scope_share",
        "readiness_mean",
        "resistance_mean",
    ):
        values = weekly[column].to_numpy()
        assert np.all((values >= 0) & (values <= 1)), column
    quality = weekly["quality"].to_numpy()
    assert np.all(np.isfinite(quality))
    assert np.all(quality > 0)
    # The organisation rows add up the unit rows.
    totals = units.groupby("week", observed=True)[["headcount", "adopted", "in_scope"]].sum()
    all_rows = weekly[weekly["unit"] == "all"].set_index("week")[
        ["headcount", "adopted", "in_scope"]
    ]
    pd.testing.assert_frame_equal(totals.sort_index(), all_rows.sort_index(), check_dtype=False)
    # Headcounts are the scenario's.
    heads = units[units["week"] == 0].set_index("unit")["headcount"]
    for unit in scenario.organisation.units:
        assert heads[unit.name] == unit.headcount
    # Shares are counts over headcount.
    np.testing.assert_allclose(weekly["adopted_share"], weekly["adopted"] / weekly["headcount"])
    np.testing.assert_allclose(weekly["in_scope_share"], weekly["in_scope"] / weekly["headcount"])


def test_summary_agrees_with_weekly_frame(shipped_run):
    _, result = shipped_run
    orgrows = unit_rows(result.weekly, "all")
    shares = orgrows["adopted_share"].to_numpy()
    summary = result.summary
    assert summary["final_adopted_share"] == pytest.approx(shares[-1])
    assert summary["non_adopter_share"] == pytest.approx(1 - shares[-1])
    for level in (50, 80, 95):
        reached = np.flatnonzero(shares >= level / 100)
        expected = float(orgrows["week"].iloc[reached[0]]) if len(reached) else np.nan
        assert summary[f"weeks_to_{level}"] == pytest.approx(expected, nan_ok=True)
    rogers = [v for k, v in summary.items() if k.startswith("rogers_")]
    assert len(rogers) == 5
    assert sum(rogers) == pytest.approx(1.0)
