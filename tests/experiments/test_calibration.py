"""Calibration to a pilot: parameter recovery, what is stored and resumed, what is refused."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim.build.observed import read_observations
from changesim.experiments.calibration import fitted_parameters, load_calibration
from changesim.experiments.executors import ProcessExecutor
from changesim.experiments.pilot import PilotStatistics
from tests.builders import BO, load_example, org, unit_rows
from tests.experiments.pilots import SMALL, TRUTH, small_calibration


@pytest.mark.slow
def test_known_parameters_fall_inside_the_90_percent_intervals_in_most_repetitions(tmp_path):
    """Five data sets simulated at known p and q (measured: 10 of the 10 values inside)."""
    inside = 0
    executor = ProcessExecutor(2)
    try:
        estimated = [
            small_calibration(tmp_path, seed, workers=None, executor=executor).estimates
            for seed in range(5)
        ]
    finally:
        executor.close()
    for estimates in (e.set_index("parameter") for e in estimated):
        for path, truth in TRUTH.items():
            inside += estimates.at[path, "low90"] <= truth <= estimates.at[path, "high90"]
    assert inside >= 8  # of 10; at 90% coverage, fewer than 8 has probability 7%


def test_a_calibration_narrows_the_prior_and_reproduces_the_pilot(calibrated):
    calibration, _ = calibrated
    estimates = calibration.estimates.set_index("parameter")
    width = estimates["high90"] - estimates["low90"]
    prior_width = estimates["prior_high"] - estimates["prior_low"]
    assert (width < 0.6 * prior_width).all()
    assert (estimates["low90"] <= estimates["estimate"]).all()
    assert (estimates["estimate"] <= estimates["high90"]).all()
    assert calibration.weights.sum() == pytest.approx(1.0)
    assert calibration.coverage >= 0.8  # the pilot's points lie in the predictive band
    predictive = calibration.predictive
    assert (
        (predictive["low"] <= predictive["median"]) & (predictive["median"] <= predictive["high"])
    ).all()
    corr = calibration.correlation.to_numpy()
    assert np.allclose(corr, corr.T)
    assert np.allclose(np.diag(corr), 1.0)
    assert calibration.history["generation"].tolist() == list(range(len(calibration.history)))


def test_the_stored_calibration_reads_back_the_same(calibrated):
    calibration, folder = calibrated
    files = {p.name for p in folder.iterdir()}
    assert {"estimates.csv", "correlation.csv", "fit.png", "posterior.png"} <= files
    estimates = pd.read_csv(folder / "estimates.csv")
    assert estimates.columns[:4].tolist() == ["parameter", "estimate", "low90", "high90"]
    again = load_calibration(folder)
    pd.testing.assert_frame_equal(again.estimates, calibration.estimates)
    assert again.particles["seed"].tolist() == calibration.particles["seed"].tolist()
    assert again.paths == list(TRUTH)
    pd.testing.assert_frame_equal(again.statistics.table, calibration.statistics.table)
    assert again.extensions == calibration.extensions == {}  # built-ins only


def test_the_user_code_a_calibration_names_reads_back(calibrated, tmp_path):
    calibration, _ = calibrated
    named = {"adoption rule half_bass": "my_rules.half_bass"}
    dataclasses.replace(calibration, extensions=named).save(tmp_path / "cal")
    assert load_calibration(tmp_path / "cal").extensions == named


def test_a_stopped_calibration_continues_to_the_result_of_one_that_never_stopped(tmp_path):
    few = {"particles": 40, "checks": 10}
    whole = small_calibration(tmp_path, 5, generations=3, **few)
    small_calibration(tmp_path, 5, generations=2, out=tmp_path / "cal", **few)  # stopped
    continued = small_calibration(tmp_path, 5, generations=3, out=tmp_path / "cal", **few)
    pd.testing.assert_frame_equal(continued.particles, whole.particles)
    assert continued.history["simulations"].tolist() == whole.history["simulations"].tolist()


def test_a_folder_of_another_calibration_is_refused_unless_forced(tmp_path):
    few = {"particles": 20, "checks": 5, "generations": 1}
    small_calibration(tmp_path, 5, out=tmp_path / "cal", **few)
    with pytest.raises(changesim.ScenarioError, match="holds another calibration"):
        small_calibration(tmp_path, 6, out=tmp_path / "cal", **few)
    forced = small_calibration(tmp_path, 6, out=tmp_path / "cal", force=True, **few)
    assert forced.seed == 6


@pytest.mark.parametrize("where", ["process pool", "dask"])
def test_a_pool_or_a_dask_cluster_gives_the_same_posterior_as_one_process(tmp_path, where):
    from changesim.experiments.executors import DaskExecutor

    few = {"particles": 40, "checks": 10, "generations": 2}
    serial = small_calibration(tmp_path, 8, **few)
    executor = ProcessExecutor(2) if where == "process pool" else DaskExecutor(local_workers=2)
    try:
        pooled = small_calibration(tmp_path, 8, workers=None, executor=executor, **few)
    finally:
        executor.close()
    pd.testing.assert_frame_equal(pooled.particles, serial.particles)
    pd.testing.assert_frame_equal(pooled.predictive, serial.predictive)


# --------------------------------------------------------------------------- statistics


def test_the_statistics_are_the_runs_own_values(tmp_path):
    scenario = load_example(weeks=6)
    text = (
        "week,unit,adopted_share,readiness_score,self_service_share,satisfaction\n"
        "2,web_team,0.1,0.6,,\n3,web_team,0.2,,0.4,0.7\n3,case_handling,0.1,,0.5,\n"
    )
    (tmp_path / "p.csv").write_text(text)
    statistics = PilotStatistics.of(read_observations(tmp_path / "p.csv", scenario))
    table = statistics.table
    assert statistics.needs_customers
    assert statistics.last_week == 3
    customer = table[table["figure"] == "self_service_share"]
    assert customer[["unit", "week", "observed"]].values.tolist() == [["all", 3, 0.45]]  # mean
    weekly = changesim.simulate(scenario, seed=2).weekly
    values = dict(
        zip(
            zip(table["figure"], table["unit"], table["week"], strict=True),
            statistics.of_run(weekly),
            strict=True,
        )
    )
    web = unit_rows(weekly, "web_team").set_index("week")
    org = unit_rows(weekly, "all").set_index("week")
    assert values["adopted_share", "web_team", 2] == web.at[2, "adopted_share"]
    assert values["readiness_score", "web_team", 2] == web.at[2, "readiness_mean"]
    assert values["self_service_share", "all", 3] == org.at[3, "channel_share_web"]
    assert values["satisfaction", "all", 3] == org.at[3, "satisfaction"]


def test_the_employees_do_not_depend_on_the_customers():
    """Calibration leaves the customers out when none of their figures was observed."""
    with_customers = load_example(weeks=12)
    data = with_customers.model_dump(mode="json", by_alias=True)
    data["customers"] = None
    without = changesim.load_scenario(data)
    a = changesim.simulate(with_customers, seed=4).weekly
    b = changesim.simulate(without, seed=4).weekly
    for column in ("adopted", "readiness_mean", "resistance_mean", "quality"):
        assert a[column].tolist() == b[column].tolist()


# --------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("paths", "priors", "message"),
    [
        (["adoption.x"], {}, "adoption.x: cannot be fitted: adoption has no field 'x'"),
        (["weeks"], {}, "weeks: cannot be fitted: weeks is not a real number"),
        (["adoption.p", "adoption.p"], {}, "adoption.p: is named twice"),
        (["adoption.p"], {"adoption.p": (0.2, 0.1)}, "LOW < HIGH"),
        (["adoption.p"], {"adoption.p": (0.0, 2.0)}, "within what the field allows, [0, 1]"),
        (["adoption.p"], {"adoption.q": (0.0, 1.0)}, "adoption.q: is not one of the fitted"),
        (["adoption.params.x"], {}, "give a prior interval"),
        ([], {}, "name at least one parameter"),
    ],
)
def test_a_bad_fit_or_prior_is_refused_by_name(paths, priors, message):
    scenario = changesim.load_scenario(org([BO], adoption={"rule": "bass", "params": {"x": 1.0}}))
    with pytest.raises(changesim.ScenarioError) as error:
        fitted_parameters(scenario, paths, priors)
    assert message in str(error.value)


def test_the_prior_defaults_to_the_fields_allowed_range():
    found = fitted_parameters(SMALL, ["adoption.q", "population.readiness.sd"])
    assert [(p.path, p.low, p.high) for p in found] == [
        ("adoption.q", 0.0, 1.0),
        ("population.readiness.sd", 0.0, 0.5),
    ]
