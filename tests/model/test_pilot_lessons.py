"""Klein beginnen: lessons of a unit that has cut over reach the units that open after it, in
proportion to the organisation's experience; running old and new side by side costs money."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim.analysis.objective import EXAMPLE_WEIGHTS, combined_objective, with_objective
from changesim.model.change_model import ChangeModel
from tests.builders import BO, PHONE, WEB, org, org_rows, unit_rows

#: A web pilot; the back office opens the week after it reaches 80%, the phone team 4 weeks
#: later (so that the demonstration effect has a waiting unit to act on).
PILOT = {
    "kind": "pilot_then_waves",
    "pilot": "web",
    "gate": {"adopted_share": 0.8},
    "waves": [["bo"], ["phone"]],
    "wave_gap_weeks": 4,
}
WAVES = ("bo", "phone")
SEEDS = (1, 2, 3, 4, 5)


def pilot_org(level: float, transfer: float = 0.6, **extra) -> changesim.Scenario:
    """The small organisation on the pilot route at experience ``level`` (both kinds)."""
    experience = {
        "channel_steering": level,
        "uniform_customer_view": level,
        "lesson_transfer": transfer,
    }
    units = {"units": [BO, WEB, PHONE], "experience": experience}
    extra.setdefault("route", PILOT)
    return changesim.load_scenario(org([BO, WEB, PHONE], weeks=60, **extra, organisation=units))


def run(scenario: changesim.Scenario, seed: int) -> ChangeModel:
    model = ChangeModel(scenario, rng=seed, agents=False)
    model.run_model()
    return model


def unit_loss(weekly: pd.DataFrame, unit: str) -> float:
    """A unit's quality loss: the sum over weeks of 1 - quality below the old level."""
    quality = unit_rows(weekly, unit)["quality"].to_numpy()
    return float(np.clip(1.0 - quality, 0.0, None).sum())


# ------------------------------------------------------------------------- who gets lessons


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_units_opening_after_the_pilot_cut_over_get_transfer_times_experience(seed):
    model = run(pilot_org(0.5, transfer=0.6), seed)
    state = model.state
    web = model.unit_names.index("web")
    assert state.cutover_week[web] != -1
    for name in WAVES:
        assert state.opened_week[model.unit_names.index(name)] > state.cutover_week[web]
    np.testing.assert_allclose(state.lessons, [0.3, 0.0, 0.3])  # bo, web, phone


def test_units_open_before_any_cut_over_learn_nothing():
    """The combined route opens everything at once: no unit has cut over to learn from."""
    scenario = changesim.load_scenario(
        org(
            [BO, WEB, PHONE],
            organisation={
                "units": [BO, WEB, PHONE],
                "experience": {"channel_steering": 1, "uniform_customer_view": 1},
            },
        )
    )
    assert np.all(run(scenario, 1).state.lessons == 0.0)


def test_a_pilot_that_never_cuts_over_teaches_nothing():
    """The gate's max_weeks opens the waves although the pilot never cuts over: with a
    cut-over at 100% and hold-outs (resistance above 0.5 never adopts) no unit ever does."""
    route = {**PILOT, "gate": {"adopted_share": 0.8, "max_weeks": 6}}
    scenario = pilot_org(
        1.0,
        route=route,
        quality={"cutover_share": 1.0},
        adoption={"refusal": 0.5},
    )
    model = run(scenario, 1)
    state = model.state
    np.testing.assert_array_equal(state.opened_week, [6, 0, 10])  # bo, web, phone
    np.testing.assert_array_equal(state.cutover_week, [-1, -1, -1])
    assert np.all(state.lessons == 0.0)


# ------------------------------------------------------------------------- what they change


@pytest.mark.parametrize("seed", SEEDS)
def test_with_experience_the_waves_dip_less_on_the_same_adoption(seed):
    """Bass without reversion: adoption does not depend on quality or readiness, so both runs
    adopt identically (same seed) and every difference in quality is the lessons'.

    With lambda = 0.6, the waves' adopters learn in 4 instead of 10 weeks and mix with 40% of
    the penalty, so each wave's quality is at least as high in every week (higher once it has
    adopters) and its quality loss is much smaller; the pilot is untouched.
    """
    novice = changesim.simulate(pilot_org(0.0), seed=seed).weekly
    expert = changesim.simulate(pilot_org(1.0), seed=seed).weekly
    np.testing.assert_array_equal(
        org_rows(novice)["adopted"].to_numpy(), org_rows(expert)["adopted"].to_numpy()
    )
    np.testing.assert_array_equal(
        unit_rows(novice, "web")["quality"].to_numpy(),
        unit_rows(expert, "web")["quality"].to_numpy(),
    )
    for name in WAVES:
        before = unit_rows(novice, name)
        after = unit_rows(expert, name)
        low, high = before["quality"].to_numpy(), after["quality"].to_numpy()
        assert np.all(high >= low - 1e-12)
        changing = (before["adopted"] > 0).to_numpy() & (before["adopted_share"] < 1).to_numpy()
        assert np.all(high[changing] > low[changing])
        assert unit_loss(expert, name) < 0.6 * unit_loss(novice, name)


@pytest.mark.parametrize("seed", SEEDS)
def test_lessons_speed_up_learning_of_the_waves(seed):
    """Mean proficiency of the waves' adopters at the end: the same adopters, faster learning."""
    novice, expert = run(pilot_org(0.0), seed).state, run(pilot_org(1.0), seed).state
    for name in WAVES:
        unit = ["bo", "web", "phone"].index(name)
        members = novice.unit == unit
        np.testing.assert_array_equal(novice.adopted[members], expert.adopted[members])
        learners = members & novice.adopted & (novice.proficiency < 1.0)
        assert np.all(expert.proficiency[learners] > novice.proficiency[learners])


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_without_transfer_experience_does_not_touch_quality(seed):
    """lesson_transfer 0: experience still drives the demonstration effect (readiness of the
    waiting phone team), but under the Bass rule readiness does not enter adoption, so quality
    is exactly the same; with transfer it is not (the control)."""
    novice = changesim.simulate(pilot_org(0.0, transfer=0.0), seed=seed).weekly
    expert = changesim.simulate(pilot_org(1.0, transfer=0.0), seed=seed).weekly
    np.testing.assert_array_equal(novice["quality"].to_numpy(), expert["quality"].to_numpy())
    assert not np.array_equal(
        novice["readiness_mean"].to_numpy(), expert["readiness_mean"].to_numpy()
    )
    taught = changesim.simulate(pilot_org(1.0, transfer=0.6), seed=seed).weekly
    assert not np.array_equal(novice["quality"].to_numpy(), taught["quality"].to_numpy())


def test_the_readiness_rule_with_reversion_also_dips_less_with_experience():
    """With reversion, quality feeds back on adoption; the waves still lose far less quality
    with experience, in every one of five seeds (the effect is a factor of about two)."""
    extra = {
        "network": {"kind": "small_world", "degree": 8, "rewire": 0.1},
        "adoption": {"rule": "readiness", "p": 0.02, "q": 0.4, "revert": 0.1},
    }
    for seed in SEEDS:
        novice = changesim.simulate(pilot_org(0.0, **extra), seed=seed).weekly
        expert = changesim.simulate(pilot_org(1.0, **extra), seed=seed).weekly
        loss = [sum(unit_loss(w, name) for name in WAVES) for w in (novice, expert)]
        assert loss[1] < 0.7 * loss[0]


# ------------------------------------------------------------------------- double running


def test_double_running_is_charged_from_opening_until_the_cut_over_week():
    """p = 1: everyone in scope adopts in the first adoption stage after opening.

    The back office (60) opens in week 0, whose state has no adoption stage, and cuts over in
    week 1: it runs double in week 0 only, 60 c. The front office (40 + 50) opens in week 3
    and everyone adopts in that same week, so it cuts over at once and pays nothing.
    """
    scenario = changesim.load_scenario(
        org(
            [BO, WEB, PHONE],
            weeks=6,
            route={"kind": "back_office_first", "gap_weeks": 3},
            adoption={"p": 1.0, "q": 0.0},
            quality={"double_running_cost": 10.0},
        )
    )
    result = changesim.simulate(scenario, seed=3)
    weekly = org_rows(result.weekly)["double_running_cost"].to_numpy()
    np.testing.assert_array_equal(weekly, [600.0, 0, 0, 0, 0, 0, 0])
    assert result.summary["double_running_cost"] == 600.0
    assert unit_rows(result.weekly, "bo")["double_running_cost"].isna().all()


@pytest.mark.parametrize("per_week", [1.0, 2.5])
def test_a_unit_that_never_cuts_over_pays_from_its_opening_to_the_end(per_week):
    """Nobody adopts; the units open in week 2: weeks 2..5, 100 people, per_week each."""
    scenario = changesim.load_scenario(
        org(
            [BO, WEB],
            weeks=5,
            route={"kind": "combined", "start": 2},
            adoption={"p": 0.0, "q": 0.0},
            quality={"double_running_cost": per_week},
        )
    )
    result = changesim.simulate(scenario, seed=1)
    weekly = org_rows(result.weekly)["double_running_cost"].to_numpy()
    np.testing.assert_array_equal(weekly, [0, 0] + [100 * per_week] * 4)
    assert result.summary["double_running_cost"] == 400 * per_week
    assert result.summary["total_intervention_cost"] == 0.0


def test_double_running_is_free_by_default():
    result = changesim.simulate(changesim.load_scenario(org([BO, WEB], weeks=5)), seed=1)
    assert result.summary["double_running_cost"] == 0.0


# ------------------------------------------------------------------------- the objective


def test_the_objective_is_the_weighted_sum_of_the_metrics():
    runs = pd.DataFrame(
        {
            "route": ["a", "b"],
            "weeks_to_80": [20.0, np.nan],
            "quality_loss": [1.5, 0.5],
            "total_intervention_cost": [1000.0, 0.0],
        }
    )
    weights = {"weeks_to_80": 10.0, "quality_loss": 100.0, "total_intervention_cost": 1.0}
    objective = combined_objective(runs, weights)
    assert objective.iloc[0] == 10 * 20 + 100 * 1.5 + 1000
    assert np.isnan(objective.iloc[1])  # never reached 80%: no value without ``never``
    filled = with_objective(runs, weights, never=105)["objective"]
    assert filled.iloc[1] == 10 * 105 + 100 * 0.5


def test_the_objective_names_the_metrics_a_runs_table_lacks():
    runs = pd.DataFrame({"weeks_to_80": [1.0]})
    with pytest.raises(KeyError, match="churned_share"):
        combined_objective(runs, EXAMPLE_WEIGHTS)
