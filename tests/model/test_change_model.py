"""ChangeModel follows Mesa's conventions: ``rng``, ``running``, ``run_model`` and a
model-level ``DataCollector``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim import ChangeModel
from tests.builders import BO, WEB, load_example, org, org_rows


@pytest.fixture(scope="module")
def small() -> changesim.Scenario:
    """Two units, 12 weeks: small enough to step by hand."""
    return changesim.load_scenario(org([BO, WEB], weeks=12))


def test_run_model_stops_after_the_scenarios_last_week(small: changesim.Scenario) -> None:
    model = ChangeModel(small, rng=1, agents=False)
    assert model.running
    model.run_model()
    assert not model.running
    assert model.state.week == small.weeks
    assert model.steps == small.weeks  # Mesa's own step counter agrees


def test_running_turns_false_exactly_at_the_last_week(small: changesim.Scenario) -> None:
    model = ChangeModel(small, rng=1, agents=False)
    for week in range(1, small.weeks + 1):
        assert model.running, f"stopped before week {week}"
        model.step()
    assert not model.running


def test_rng_seed_and_generator(small: changesim.Scenario) -> None:
    """An integer seed is recorded; the same seed gives the same run; a Generator is accepted
    (and no seed is recorded, since none is known)."""
    a = ChangeModel(small, rng=5, agents=False)
    b = ChangeModel(small, rng=5, agents=False)
    a.run_model()
    b.run_model()
    assert a.seed_used == 5
    np.testing.assert_array_equal(a.state.adoption_week, b.state.adoption_week)
    from_generator = ChangeModel(small, rng=np.random.default_rng(5), agents=False)
    assert from_generator.seed_used is None
    from_generator.run_model()
    assert not from_generator.running


def test_rng_defaults_to_the_scenarios_seed(small: changesim.Scenario) -> None:
    assert ChangeModel(small, agents=False).seed_used == small.seed


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_a_bad_rng_is_refused_with_a_clear_message(small: changesim.Scenario, bad: object) -> None:
    with pytest.raises(ValueError, match="non-negative integer seed or a numpy Generator"):
        ChangeModel(small, rng=bad, agents=False)  # type: ignore[arg-type]


def test_datacollector_series_match_the_weekly_frame() -> None:
    """One row per week from week 0, equal to the organisation rows of the tidy frame."""
    scenario = load_example(weeks=20)
    model = ChangeModel(scenario, rng=3, agents=False)
    model.run_model()
    series = model.datacollector.get_model_vars_dataframe()
    frame = org_rows(model.recorder.weekly_frame())
    assert list(series["week"]) == list(range(21))
    np.testing.assert_allclose(series["adopted_share"], frame["adopted_share"], rtol=1e-12)
    np.testing.assert_allclose(series["quality"], frame["quality"], rtol=1e-12)
    np.testing.assert_allclose(series["satisfaction"], frame["satisfaction"], rtol=1e-12)
    np.testing.assert_allclose(series["self_service_share"], frame["channel_share_web"])
    assert series["adopted_share"].iloc[-1] > series["adopted_share"].iloc[0]


def test_datacollector_without_customers_reports_nan_for_customer_series(
    small: changesim.Scenario,
) -> None:
    model = ChangeModel(small, rng=1, agents=False)
    model.run_model()
    series = model.datacollector.get_model_vars_dataframe()
    assert len(series) == small.weeks + 1
    assert series["satisfaction"].isna().all()
    assert series["self_service_share"].isna().all()
    assert series["adopted_share"].between(0, 1).all()


def test_the_datacollector_does_not_change_the_run(small: changesim.Scenario) -> None:
    """Collecting reads the state only: simulate (same seed) gives the same adoption."""
    model = ChangeModel(small, rng=9, agents=False)
    model.run_model()
    weekly = changesim.simulate(small, seed=9).weekly
    pd.testing.assert_series_equal(
        org_rows(weekly)["adopted_share"],
        org_rows(model.recorder.weekly_frame())["adopted_share"],
    )


def test_public_face() -> None:
    """ChangeModel and the four register functions are reachable from changesim itself."""
    assert "ChangeModel" in changesim.__all__
    assert changesim.ChangeModel is ChangeModel
    for name in ("register_rule", "register_network", "register_route", "register_intervention"):
        assert name in changesim.__all__
        assert callable(getattr(changesim, name))
    for name in changesim.__all__:
        assert getattr(changesim, name) is not None
