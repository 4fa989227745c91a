"""Readiness and resistance: the demonstration effect of a visible pilot, multiplied by
experience."""

from __future__ import annotations

import numpy as np
import pandas as pd

import changesim
from tests.builders import BACK, cutover, load_example, route_of, unit_rows

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
