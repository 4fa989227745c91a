"""Projection from a calibration: bands that carry the calibration's uncertainty, runs that
continue the pilot, and which route is best with what probability."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim.experiments.projection import project
from tests.builders import unit_rows
from tests.experiments.pilots import PRIORS, SMALL, TRUTH, WEEKS

#: The small organisation, its back office opening 12 weeks after the front office.
LATER = changesim.load_scenario(
    SMALL.model_dump(mode="json", by_alias=True)
    | {"name": "later", "route": {"kind": "front_office_first", "gap_weeks": 12}}
)


@pytest.fixture(scope="module")
def two_routes(calibrated) -> changesim.Projection:
    """The calibrated route and one whose back office opens 12 weeks later."""
    return project(calibrated[0], [SMALL, LATER], workers=1)


def mean_width(projection: changesim.Projection, after: int) -> float:
    bands = projection.bands
    rows = bands[
        (bands["unit"] == "all") & (bands["figure"] == "adopted_share") & (bands["week"] > after)
    ]
    return float((rows["high"] - rows["low"]).mean())


def test_the_projected_pilot_weeks_cover_what_the_pilot_showed(calibrated):
    calibration, _ = calibrated
    projection = project(calibration, workers=1)
    observed = calibration.statistics.table
    bands = projection.bands[projection.bands["figure"] == "adopted_share"]
    merged = observed.merge(bands, on=["unit", "week"])
    assert len(merged) == len(observed)
    inside = (merged["low"] <= merged["observed"]) & (merged["observed"] <= merged["high"])
    assert inside.mean() >= 0.9


def test_a_projection_continues_each_particles_pilot_run(calibrated):
    """A run's first weeks do not depend on how long it runs: the projection's run of a
    particle repeats the pilot run that was accepted for it."""
    calibration, _ = calibrated
    for _, particle in calibration.particles.head(3).iterrows():
        values = {path: float(particle[path]) for path in TRUTH}
        seed = int(particle["seed"])
        pilot = changesim.simulate(changesim.variant(SMALL, values | {"weeks": WEEKS}), seed=seed)
        whole = changesim.simulate(changesim.variant(SMALL, values), seed=seed)
        for unit in ("bo", "web", "all"):
            early = unit_rows(whole.weekly, unit).head(WEEKS + 1)["adopted"].tolist()
            assert early == unit_rows(pilot.weekly, unit)["adopted"].tolist()


def test_a_narrower_calibration_gives_narrower_bands(calibrated):
    calibration, _ = calibrated
    particles = calibration.particles.head(50)  # weights need not sum to 1
    median = {p: float(np.median(particles[p])) for p in TRUTH}
    rng = np.random.default_rng(0)
    wide = particles.assign(**{p: rng.uniform(*PRIORS[p], len(particles)) for p in TRUTH})
    narrow = particles.assign(**median)
    bands = {}
    for name, frame in (("narrow", narrow), ("posterior", particles), ("wide", wide)):
        changed = dataclasses.replace(
            calibration, particles=frame, accepted=calibration.accepted[: len(frame)]
        )
        bands[name] = mean_width(project(changed, workers=1), WEEKS)
    assert bands["narrow"] < bands["posterior"] < bands["wide"]


def test_the_better_route_is_best_with_probability_near_one(two_routes):
    projection = two_routes
    best = projection.best.set_index(["metric", "route"])["probability"]
    assert best["weeks_to_80", SMALL.name] == pytest.approx(1.0)
    assert best["weeks_to_80", "later"] == pytest.approx(0.0)
    outcomes = projection.outcomes.set_index(["route", "metric"])
    assert (
        outcomes.at[(SMALL.name, "weeks_to_80"), "high90"]
        < outcomes.at[("later", "weeks_to_80"), "high90"]
    )
    answer = "\n".join(projection.answer_lines())
    assert f"weeks to 80% — best: {SMALL.name} (P = 1.00)" in answer
    assert "mean satisfaction" not in answer  # no customers: nothing to say about them


def test_a_route_that_changes_the_pilot_weeks_is_flagged(two_routes):
    runs = two_routes.runs
    assert runs[runs["route"] == SMALL.name]["continues_pilot"].all()
    assert not runs[runs["route"] == "later"]["continues_pilot"].any()  # bo opens 12 weeks later
    assert len(two_routes.warnings) == 1
    assert two_routes.warnings[0].startswith("later: 100 of 100 runs do not repeat the pilot")


def test_identical_routes_share_the_probability_of_being_best(calibrated):
    calibration, _ = calibrated
    twin = SMALL.model_copy(update={"name": "twin"})
    projection = project(calibration, [SMALL, twin], workers=1)
    best = projection.best
    rows = best[best["metric"] == "weeks_to_80"]["probability"]
    assert rows.tolist() == pytest.approx([0.5, 0.5])
    runs = projection.runs
    by_route = runs.pivot(index="particle", columns="route", values="weeks_to_80")
    pd.testing.assert_series_equal(by_route[SMALL.name], by_route["twin"], check_names=False)


def test_a_route_without_a_fitted_field_is_refused(calibrated):
    calibration, _ = calibrated
    fitted = dataclasses.replace(
        calibration,
        parameters=[
            *calibration.parameters[:1],
            dataclasses.replace(calibration.parameters[1], path="interventions[0].intensity"),
        ],
    )
    with pytest.raises(changesim.ScenarioError, match=r"interventions\[0\].intensity: is fitted"):
        project(fitted, [SMALL], workers=1)


def test_the_saved_projection_has_its_tables_answer_and_figures(two_routes, tmp_path):
    projection = two_routes
    calibration = projection.calibration
    written = {p.name for p in projection.save(tmp_path)}
    assert {"runs.csv", "bands.csv", "outcomes.csv", "best.csv", "answer.txt"} <= written
    assert {"projection-test.png", "projection-later.png"} <= written
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert len(runs) == 2 * len(calibration.particles)
    weights = runs.groupby("route")["weight"].sum()
    assert weights.to_numpy() == pytest.approx([1.0, 1.0])
