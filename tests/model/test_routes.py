"""Routes open their phases in order, after their gaps, on their gates."""

from __future__ import annotations

import pytest

import changesim
from tests.builders import BO, PHONE, WEB, first_week, org, unit_rows


@pytest.mark.parametrize(
    ("kind", "first", "second"),
    [
        ("back_office_first", ["bo"], ["web", "phone"]),
        ("front_office_first", ["web", "phone"], ["bo"]),
    ],
)
@pytest.mark.parametrize(("start", "gap"), [(0, 12), (3, 7)])
def test_two_step_routes_open_in_order(kind, first, second, start, gap):
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], route={"kind": kind, "start": start, "gap_weeks": gap})
    )
    weekly = changesim.simulate(scenario, seed=1).weekly
    for name in first:
        rows = unit_rows(weekly, name)
        assert (rows.loc[rows["week"] < start, "in_scope"] == 0).all()
        open_rows = rows[rows["week"] >= start]
        assert (open_rows["in_scope"] == open_rows["headcount"]).all()
        assert (rows.loc[rows["week"] < start, "adopted"] == 0).all()
    for name in second:
        rows = unit_rows(weekly, name)
        opens = start + gap
        assert (rows.loc[rows["week"] < opens, "in_scope"] == 0).all()
        assert (rows.loc[rows["week"] < opens, "adopted"] == 0).all()
        open_rows = rows[rows["week"] >= opens]
        assert (open_rows["in_scope"] == open_rows["headcount"]).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pilot_gate_opens_the_wave_the_week_after_the_pilot_reaches_it(seed):
    """Phases open at the start of a week, on the adopted share at the end of the last one.

    So the first wave's first in-scope week is one after the first week whose recorded pilot
    share reaches the gate; the second wave follows ``wave_gap_weeks`` later.
    """
    route = {
        "kind": "pilot_then_waves",
        "pilot": "web",
        "gate": {"adopted_share": 0.8},
        "waves": [["bo"], ["phone"]],
        "wave_gap_weeks": 5,
    }
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], route=route, weeks=60, adoption={"p": 0.05, "q": 0.5})
    )
    weekly = changesim.simulate(scenario, seed=seed).weekly
    pilot = unit_rows(weekly, "web")
    reached = first_week(pilot, pilot["adopted_share"] >= 0.8)
    assert reached > 1  # the gate is really waited for
    assert (pilot["in_scope"] == pilot["headcount"]).all()
    wave1 = unit_rows(weekly, "bo")
    wave2 = unit_rows(weekly, "phone")
    assert first_week(wave1, wave1["in_scope"] > 0) == reached + 1
    assert first_week(wave2, wave2["in_scope"] > 0) == reached + 1 + 5


@pytest.mark.parametrize(("start", "max_weeks"), [(0, 3), (2, 3), (1, 0)])
def test_pilot_gate_max_weeks_opens_the_wave_when_the_gate_is_never_met(start, max_weeks):
    route = {
        "kind": "pilot_then_waves",
        "pilot": "web",
        "start": start,
        "gate": {"adopted_share": 0.5, "max_weeks": max_weeks},
    }
    # p = q = 0 and no initial adopters: nobody ever adopts, so the gate cannot be met.
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], route=route, adoption={"p": 0.0, "q": 0.0}, weeks=12)
    )
    weekly = changesim.simulate(scenario, seed=1).weekly
    assert (weekly["adopted"] == 0).all()
    pilot = unit_rows(weekly, "web")
    assert first_week(pilot, pilot["in_scope"] > 0) == start
    for name in ("bo", "phone"):  # default: all other units in one wave
        rows = unit_rows(weekly, name)
        assert first_week(rows, rows["in_scope"] > 0) == start + max_weeks


def test_gate_without_max_weeks_never_opens_if_never_met():
    route = {"kind": "pilot_then_waves", "pilot": "web", "gate": {"adopted_share": 0.5}}
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], route=route, adoption={"p": 0.0, "q": 0.0}, weeks=15)
    )
    weekly = changesim.simulate(scenario, seed=1).weekly
    assert (weekly.loc[weekly["unit"].isin(["bo", "phone"]), "in_scope"] == 0).all()
