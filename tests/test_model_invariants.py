"""Invariants of the model: reproducibility, conservation, route order, agents, rules,
interventions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim import ChangeModel
from changesim.model.interventions import CHAMPION_MAX_WEIGHT, EFFECT_PER_WEEK

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def org(units, **extra) -> dict:
    """A scenario mapping with the given units and a small complete network by default."""
    data = {
        "name": "test",
        "weeks": 30,
        "organisation": {"units": units},
        "network": {"kind": "complete"},
        "adoption": {"rule": "bass", "p": 0.02, "q": 0.4, "revert": 0},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


BO = {"name": "bo", "kind": "back_office", "headcount": 60}
WEB = {"name": "web", "kind": "front_office", "channel": "web", "headcount": 40}
PHONE = {"name": "phone", "kind": "front_office", "channel": "phone", "headcount": 50}


def unit_rows(weekly: pd.DataFrame, unit: str) -> pd.DataFrame:
    return weekly[weekly["unit"] == unit].sort_values("week").reset_index(drop=True)


def first_week(rows: pd.DataFrame, mask: pd.Series) -> int:
    weeks = rows.loc[mask, "week"]
    assert len(weeks) > 0, "condition never holds"
    return int(weeks.iloc[0])


# --------------------------------------------------------------------------- reproducibility


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


# --------------------------------------------------------------------------- conservation


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


# --------------------------------------------------------------------------- route order


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


# --------------------------------------------------------------------------- Mesa agents


def small_model(seed: int = 4) -> ChangeModel:
    scenario = changesim.load_scenario(
        {
            "weeks": 20,
            "organisation": {"units": [BO, WEB]},
            "network": {"kind": "small_world", "degree": 6},
            "route": {"kind": "back_office_first", "gap_weeks": 3},
            "adoption": {"initial_adopters": {"count": 5}},
        }
    )
    return ChangeModel(scenario, rng=seed, agents=True)


def assert_agents_match_state(model: ChangeModel) -> None:
    state = model.state
    assert [e.index for e in model.employees] == list(range(state.size))
    assert [e.adopted for e in model.employees] == state.adopted.tolist()
    np.testing.assert_array_equal([e.readiness for e in model.employees], state.readiness)
    np.testing.assert_array_equal([e.resistance for e in model.employees], state.resistance)
    np.testing.assert_array_equal([e.threshold for e in model.employees], state.threshold)
    assert [e.unit for e in model.employees] == [model.unit_names[u] for u in state.unit]
    assert [e.in_scope for e in model.employees] == state.in_scope.tolist()
    weeks = [-1 if e.adoption_week is None else e.adoption_week for e in model.employees]
    np.testing.assert_array_equal(weeks, state.adoption_week)
    shares = state.adopted_share()
    for unit in model.units:
        assert unit.name == model.unit_names[unit.index]
        assert unit.headcount == state.headcount[unit.index]
        assert unit.adopted_share == shares[unit.index]
        assert unit.quality == state.quality[unit.index]
        opened = state.opened_week[unit.index]
        assert unit.opened_week == (None if opened < 0 else opened)


def test_agents_are_views_onto_the_state_arrays():
    model = small_model()
    assert len(model.employees) == 100
    assert len(model.units) == 2
    assert len(model.agents) == len(model.employees) + len(model.units)
    assert_agents_match_state(model)
    for _ in range(6):
        model.step()
        assert_agents_match_state(model)
    # After 6 weeks both units are open and somebody adopted in each (5 seeds + p, q > 0).
    assert all(e.in_scope for e in model.employees)
    assert model.state.adopted.sum() > 5


def test_agent_setters_write_into_the_state_arrays():
    model = small_model()
    model.step()
    model.step()
    employee = next(e for e in model.employees if not e.adopted)
    employee.adopted = True
    assert model.state.adopted[employee.index]
    assert model.state.adoption_week[employee.index] == model.state.week
    employee.adopted = False
    assert not model.state.adopted[employee.index]
    assert model.state.adoption_week[employee.index] == -1
    employee.readiness = 1.7
    assert model.state.readiness[employee.index] == 1.0
    employee.resistance = 0.25
    assert model.state.resistance[employee.index] == 0.25
    assert_agents_match_state(model)


def test_agent_neighbours_follow_the_network():
    model = small_model()
    employee = model.employees[17]
    expected = set(model.state.network.neighbours(17).tolist())
    assert {e.index for e in employee.neighbours()} == expected
    assert 17 not in expected
    assert len(expected) >= 2


def test_model_without_agents_has_none_but_runs_identically():
    with_agents = small_model(seed=9)
    scenario = with_agents.settings
    without = ChangeModel(scenario, rng=9, agents=False)
    assert len(without.agents) == 0
    with_agents.run_model()
    without.run_model()
    np.testing.assert_array_equal(with_agents.state.adopted, without.state.adopted)
    np.testing.assert_array_equal(with_agents.state.readiness, without.state.readiness)


# --------------------------------------------------------------------------- user rules


@changesim.register_rule("test_never_adopt")
def _never(inputs):
    return np.zeros(len(inputs.neighbour_share))


@changesim.register_rule("test_always_adopt")
def _always(inputs):
    return np.ones(len(inputs.neighbour_share))


SEEN: list[changesim.RuleInputs] = []


@changesim.register_rule("test_recording")
def _recording(inputs):
    SEEN.append(inputs)
    return np.zeros(len(inputs.neighbour_share))


def test_registered_rule_returning_zero_keeps_only_initial_adopters():
    scenario = changesim.load_scenario(
        org(
            [BO, WEB],
            adoption={"rule": "test_never_adopt", "initial_adopters": {"count": 7}},
        )
    )
    weekly = changesim.simulate(scenario, seed=2).weekly
    total = unit_rows(weekly, "all")["adopted"]
    assert (total == 7).all()


def test_registered_rule_returning_one_adopts_everyone_in_scope_in_one_week():
    scenario = changesim.load_scenario(
        org(
            [BO, WEB, PHONE],
            adoption={"rule": "test_always_adopt"},
            route={"kind": "back_office_first", "gap_weeks": 4},
            weeks=8,
        )
    )
    weekly = changesim.simulate(scenario, seed=2).weekly
    total = unit_rows(weekly, "all")["adopted"].to_numpy()
    bo, everyone = BO["headcount"], BO["headcount"] + WEB["headcount"] + PHONE["headcount"]
    np.testing.assert_array_equal(total, [0, bo, bo, bo] + [everyone] * 5)


def test_registered_rule_sees_the_candidates_and_params():
    SEEN.clear()
    scenario = changesim.load_scenario(
        org(
            [BO, WEB],
            adoption={"rule": "test_recording", "p": 0.03, "q": 0.2, "params": {"gain": 2.5}},
            route={"kind": "back_office_first", "gap_weeks": 2},
            weeks=4,
        )
    )
    model = ChangeModel(scenario, rng=1, agents=False)
    model.run_model()
    assert len(SEEN) == 4
    # Candidates are the in-scope non-adopters: the back-office only in week 1; the
    # front-office opens at the start of week 2.
    assert [len(i.readiness) for i in SEEN] == [60, 100, 100, 100]
    for inputs in SEEN:
        assert inputs.p == 0.03
        assert inputs.q == 0.2
        assert inputs.params == {"gain": 2.5}
        assert np.all(inputs.neighbour_share == 0)


# --------------------------------------------------------------------------- interventions


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
