"""Interventions act by their documented rules, cost what their fields say, and choose champions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import changesim
from changesim import ChangeModel
from changesim.model.interventions import CHAMPION_MAX_WEIGHT, EFFECT_PER_WEEK
from tests.builders import BO, WEB, load_example, org, route_of, unit_rows


def intervention_scenario(interventions, **extra) -> dict:
    settings = {"weeks": 15, "adoption": {"rule": "readiness"}, **extra}
    return org([BO, WEB], interventions=interventions, **settings)


def test_communication_raises_readiness_by_the_documented_rule():
    """With no social influence, r_final = 1 - (1 - r0)(1 - c I)^weeks for reached employees."""
    weeks, intensity = 5, 0.6
    spec = {
        "kind": "communication",
        "start": 2,
        "weeks": weeks,
        "intensity": intensity,
        "units": ["bo"],
    }
    scenario = changesim.load_scenario(
        intervention_scenario([spec], influence={"readiness_influence": 0})
    )
    model = ChangeModel(scenario, rng=6, agents=False)
    before = model.state.readiness.copy()
    model.run_model()
    reached = model.state.unit == 0
    expected = 1 - (1 - before[reached]) * (1 - EFFECT_PER_WEEK * intensity) ** weeks
    np.testing.assert_allclose(model.state.readiness[reached], expected, rtol=1e-12)
    np.testing.assert_array_equal(model.state.readiness[~reached], before[~reached])


def test_communication_raises_final_readiness_against_the_same_seed():
    spec = {"kind": "communication", "start": 1, "weeks": 10, "intensity": 0.5}
    base = changesim.load_scenario(intervention_scenario([]))
    treated = changesim.load_scenario(intervention_scenario([spec]))
    a = ChangeModel(base, rng=8, agents=False)
    b = ChangeModel(treated, rng=8, agents=False)
    np.testing.assert_array_equal(a.state.readiness, b.state.readiness)
    a.run_model()
    b.run_model()
    # Social influence averages readiness, which preserves the order employee by employee.
    assert np.all(b.state.readiness >= a.state.readiness)
    base_summary = changesim.simulate(base, seed=8).summary
    treated_summary = changesim.simulate(treated, seed=8).summary
    assert treated_summary["final_readiness_mean"] > base_summary["final_readiness_mean"] + 0.05


def test_training_lowers_resistance_of_in_scope_employees_only():
    """s_final = s0 (1 - c I)^weeks in scope; units whose change has not opened are untouched."""
    weeks, intensity = 6, 0.5
    spec = {"kind": "training", "start": 1, "weeks": weeks, "intensity": intensity}
    data = intervention_scenario(
        [spec],
        route={"kind": "back_office_first", "gap_weeks": 20},
        influence={"fatigue": 0},
        weeks=10,
    )
    model = ChangeModel(changesim.load_scenario(data), rng=6, agents=False)
    before = model.state.resistance.copy()
    model.run_model()
    in_scope = model.state.unit == 0
    expected = before[in_scope] * (1 - EFFECT_PER_WEEK * intensity) ** weeks
    np.testing.assert_allclose(model.state.resistance[in_scope], expected, rtol=1e-12)
    np.testing.assert_array_equal(model.state.resistance[~in_scope], before[~in_scope])
    baseline = ChangeModel(
        changesim.load_scenario({**data, "interventions": []}), rng=6, agents=False
    )
    baseline.run_model()
    assert np.all(model.state.resistance[in_scope] < baseline.state.resistance[in_scope])


def expected_costs(specs: list[dict], headcount: dict[str, int], run_weeks: int) -> np.ndarray:
    """Cost per week 0..run_weeks by hand: fixed and per-employee cost in the start week,
    the weekly cost in each of the ``weeks`` active weeks from the start week on."""
    cost = np.zeros(run_weeks + 1)
    for spec in specs:
        start, weeks = spec["start"], spec["weeks"]
        reached = sum(headcount[u] for u in spec.get("units", headcount))
        cost[start] += spec.get("cost_fixed", 0) + spec.get("cost_per_employee", 0) * reached
        cost[start : start + weeks] += spec.get("cost_per_week", 0)
    return cost


@pytest.mark.parametrize("start", [0, 2])
def test_intervention_cost_is_the_sum_of_the_cost_fields(start):
    specs = [
        {
            "kind": "communication",
            "start": start,
            "weeks": 5,
            "cost_fixed": 1000.0,
            "cost_per_week": 100.0,
        },
        {
            "kind": "training",
            "start": start + 1,
            "weeks": 4,
            "units": ["web"],
            "cost_fixed": 50.0,
            "cost_per_employee": 3.0,
            "cost_per_week": 10.0,
        },
        {
            "kind": "champions",
            "start": start,
            "weeks": 3,
            "cost_per_week": 7.0,
            "cost_per_employee": 2.0,
        },
    ]
    headcount = {"bo": BO["headcount"], "web": WEB["headcount"]}
    scenario = changesim.load_scenario(intervention_scenario(specs))
    result = changesim.simulate(scenario, seed=1)
    expected = expected_costs(specs, headcount, scenario.weeks)
    # By hand: 1000 + 5*100 + 50 + 40*3 + 4*10 + 3*7 + 100*2 = 1931
    assert expected.sum() == 1931.0
    assert result.summary["total_intervention_cost"] == pytest.approx(1931.0)
    org_cost = unit_rows(result.weekly, "all")["intervention_cost"].to_numpy()
    np.testing.assert_allclose(org_cost, expected)
    units_cost = result.weekly.loc[result.weekly["unit"] != "all", "intervention_cost"]
    assert units_cost.isna().all()


@pytest.mark.parametrize("start", [0, 2])
def test_champions_are_chosen_weighted_and_adopt(start):
    """Champions: share of those reached, weight 1 + (w_max - 1) I, readiness >= 0.9,
    resistance <= 0.1, adopted at once where the change has opened, else when it opens."""
    share, intensity = 0.1, 0.5
    spec = {
        "kind": "champions",
        "start": start,
        "weeks": 6,
        "share": share,
        "intensity": intensity,
        "choose": "random",
    }
    # No social influence or fatigue, so readiness and resistance stay where champions put them.
    scenario = changesim.load_scenario(
        intervention_scenario(
            [spec],
            route={"kind": "back_office_first", "gap_weeks": 4},
            influence={"readiness_influence": 0, "fatigue": 0},
        )
    )
    model = ChangeModel(scenario, rng=3, agents=False)
    if start > 0:
        model.run_for(start - 1)
        assert not model.state.champion.any()  # not before the start week
        model.step()
    champions = np.flatnonzero(model.state.champion)
    assert len(champions) == round(share * model.state.size)
    assert np.all(model.state.weight[champions] == 1 + (CHAMPION_MAX_WEIGHT - 1) * intensity)
    others = np.setdiff1d(np.arange(model.state.size), champions)
    assert np.all(model.state.weight[others] == 1)
    assert np.all(model.state.readiness[champions] >= 0.9)
    assert np.all(model.state.readiness[champions] <= 1.0)  # raised to 0.9, not past 1
    assert np.all(model.state.resistance[champions] <= 0.1)
    back = champions[model.state.unit[champions] == 0]
    front = champions[model.state.unit[champions] == 1]
    assert len(back) > 0
    assert len(front) > 0
    # The back-office is open from week 0: its champions adopt in the week they are chosen.
    assert model.state.adopted[back].all()
    assert np.all(model.state.adoption_week[back] == start)
    # The front-office opens in week 4: its champions adopt then.
    model.run_for(4 - model.state.week)
    assert model.state.adopted[front].all()
    assert np.all(model.state.adoption_week[front] == 4)
    # After the 6 weeks, champions weigh like everybody else.
    model.run_for(start + 6 - model.state.week)
    assert np.all(model.state.weight == 1)


@pytest.mark.parametrize("cap", [0.3, 1.0])
def test_champions_resistance_cap_is_the_switch_for_the_cut(cap):
    """With resistance_cap c a champion's resistance becomes min(s, c): 1 leaves it as drawn."""
    spec = {"kind": "champions", "start": 0, "weeks": 6, "share": 0.2, "choose": "random"}
    data = intervention_scenario(
        [{**spec, "resistance_cap": cap}], influence={"readiness_influence": 0, "fatigue": 0}
    )
    drawn = ChangeModel(changesim.load_scenario({**data, "interventions": []}), rng=5).state
    model = ChangeModel(changesim.load_scenario(data), rng=5, agents=False)
    champions = np.flatnonzero(model.state.champion)
    assert len(champions) > 0
    np.testing.assert_array_equal(
        model.state.resistance[champions], np.minimum(drawn.resistance[champions], cap)
    )
    if cap < 1:
        assert (drawn.resistance[champions] > cap).any()  # the cut did something


def on_opening(kind: str, **fields: float) -> dict:
    """An intervention timed on unit opening."""
    return {"kind": kind, "timing": "unit_opening", **fields}


def organisation_model(interventions: list[dict], seed: int, **extra) -> ChangeModel:
    """The example organisation under the organisation approach, pilot then waves."""
    scenario = load_example(
        approach="organisation",
        route=route_of("pilot_then_waves"),
        interventions=interventions,
        **extra,
    )
    return ChangeModel(scenario, rng=seed, agents=False)


def test_organisation_interventions_act_in_each_units_own_window_only():
    """Timed on unit opening with ``start: 2, weeks: 5``: a unit learns faster (ties) and is
    redesigned exactly in weeks o + 2 .. o + 6 after it opens in week o, and not otherwise;
    the learning boost is the intensity, not added up from week to week."""
    ties = on_opening("cross_unit_ties", start=2, weeks=5, intensity=0.5, ties_per_employee=0.5)
    redesign = on_opening("work_redesign", start=2, weeks=5, intensity=0.4)
    model = organisation_model([ties, redesign], seed=2, weeks=45)
    seen_active = set()
    for _ in range(model.settings.weeks):
        model.step()
        state = model.state
        opened = state.opened_week
        active = (opened != -1) & (opened + 2 <= state.week) & (state.week <= opened + 6)
        seen_active |= set(np.flatnonzero(active).tolist())
        np.testing.assert_array_equal(state.learning_boost, np.where(active, 0.5, 0.0))
        np.testing.assert_array_equal(state.redesign, np.where(active, 0.4, 0.0))
    assert len(seen_active) == len(state.opened_week)  # every unit had its window
    assert len(set(state.opened_week.tolist())) > 1  # and they opened in different weeks


def test_cross_unit_ties_join_the_starting_units_to_other_units():
    """When a unit's window begins, about ``ties_per_employee`` new ties per starting employee
    join one of them to an employee of another unit (repeats of existing ties merge)."""
    ties = on_opening("cross_unit_ties", weeks=3, intensity=0.5, ties_per_employee=0.5)
    model = organisation_model([ties], seed=5, network={"cross_unit_ties": 0.0}, weeks=40)
    checked = 0
    for _ in range(model.settings.weeks):
        before = model.state.network.adjacency
        model.step()
        state = model.state
        starting_units = np.flatnonzero(state.opened_week == state.week)
        added = sp.triu(state.network.adjacency - before).tocoo()
        if len(starting_units) == 0:
            assert added.nnz == 0
            continue
        starting = np.isin(state.unit, starting_units)
        expected = round(0.5 * starting.sum())
        assert 0.9 * expected <= added.nnz <= expected  # a few repeats merge
        assert np.all(state.unit[added.row] != state.unit[added.col])
        assert np.all(starting[added.row] | starting[added.col])
        checked += 1
    assert checked >= 2  # the pilot and at least one wave
