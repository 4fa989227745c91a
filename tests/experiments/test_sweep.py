"""Sweeps: experiment files, designs, common seeds, executors that agree, and resuming."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

import changesim
from changesim.experiments.factors import Factor
from changesim.experiments.spec import NormalFactor, RangeFactor, TriangularFactor, ValuesFactor
from changesim.experiments.sweeps import SweepStore, load_experiment, sweep
from changesim.scenario.paths import parse_path, with_values
from tests.builders import BO, PHONE, WEB, org

ROUTES = {
    "back.yaml": {"kind": "back_office_first", "gap_weeks": 4},
    "bang.yaml": {"kind": "combined"},
}


def write_routes(folder: Path, weeks: int = 15) -> list[str]:
    """Two small route files (three units, 150 employees) in ``folder``."""
    for name, route in ROUTES.items():
        data = org([BO, WEB, PHONE], name=name.removesuffix(".yaml"), route=route, weeks=weeks)
        (folder / name).write_text(yaml.safe_dump(data), encoding="utf-8")
    return list(ROUTES)


def experiment_file(folder: Path, **fields: object) -> Path:
    """An experiment over the two small routes; ``fields`` replace the defaults."""
    data: dict[str, object] = {
        "name": "test sweep",
        "routes": write_routes(folder),
        "factors": {
            "population.readiness.mean": {"low": 0.3, "high": 0.7},
            "adoption.q": {"values": [0.2, 0.4]},
        },
        "design": {"kind": "lhs", "samples": 3},
        "replications": 2,
        "seed": 11,
    }
    data.update(fields)
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def problem(path: Path) -> changesim.scenario.Problem:
    with pytest.raises(changesim.ScenarioError) as caught:
        load_experiment(path)
    (found,) = caught.value.problems
    assert found.file == str(path)
    return found


# --------------------------------------------------------------------------- the file


def test_an_unknown_dotted_path_says_what_the_section_has(tmp_path: Path) -> None:
    path = experiment_file(tmp_path, factors={"population.readyness.mean": {"low": 0, "high": 1}})
    found = problem(path)
    assert found.path == "factors.population.readyness.mean"
    assert "has no field 'readyness'" in found.message
    assert "readiness" in found.message


def test_a_list_index_beyond_the_list(tmp_path: Path) -> None:
    found = problem(
        experiment_file(tmp_path, factors={"interventions[3].intensity": {"values": [0, 1]}})
    )
    assert "interventions has 0 entries" in found.message


def test_a_range_outside_the_fields_bounds(tmp_path: Path) -> None:
    found = problem(experiment_file(tmp_path, factors={"adoption.p": {"low": 0.1, "high": 1.5}}))
    assert found.path == "factors.adoption.p"
    assert found.value == 1.5
    assert "less than or equal to 1" in found.message


def test_an_unknown_design(tmp_path: Path) -> None:
    found = problem(experiment_file(tmp_path, design={"kind": "halton"}))
    assert found.path == "design.kind"
    assert "'grid', 'lhs', 'sobol', 'morris' or 'random'" in found.message


def test_a_sobol_design_needs_a_power_of_two(tmp_path: Path) -> None:
    found = problem(experiment_file(tmp_path, design={"kind": "sobol", "samples": 12}))
    assert found.path == "design.samples"
    assert "use 8 or 16" in found.message


def test_a_factor_that_is_neither_range_values_nor_distribution(tmp_path: Path) -> None:
    found = problem(experiment_file(tmp_path, factors={"adoption.q": 0.3}))
    assert found.path == "factors.adoption.q"
    assert "a factor is {low, high}" in found.message


def test_a_missing_route_names_its_file(tmp_path: Path) -> None:
    path = experiment_file(tmp_path, routes=["nowhere.yaml"])
    with pytest.raises(changesim.ScenarioError, match="no such scenario file"):
        load_experiment(path)


# --------------------------------------------------------------------------- factors, designs


def test_dotted_paths() -> None:
    assert parse_path("customers.feeds[0].delivered") == ["customers", "feeds", 0, "delivered"]
    assert parse_path("a[2][1]") == ["a", 2, 1]
    for bad in ("", "a..b", "a[x]", ".a", "a["):
        with pytest.raises(ValueError, match="not a dotted path"):
            parse_path(bad)
    data = {"a": [{"b": 1}], "c": 2}
    assert with_values(data, {"a[0].b": 5, "c": 3}) == {"a": [{"b": 5}], "c": 3}
    assert data == {"a": [{"b": 1}], "c": 2}  # a copy


def test_factor_values_from_the_unit_interval() -> None:
    rng = Factor("x", RangeFactor(low=2.0, high=4.0))
    assert [rng.value(u) for u in (0, 0.5, 1)] == [2.0, 3.0, 4.0]
    words = Factor("x", ValuesFactor(values=["monday", "friday", "sunday"]))
    assert [words.value(u) for u in (0, 0.33, 0.34, 0.99, 1.0)] == [
        "monday",
        "monday",
        "friday",
        "sunday",
        "sunday",
    ]
    normal = Factor("x", NormalFactor(distribution="normal", mean=1.0, sd=0.5, low=0.0))
    assert normal.value(0.5) == pytest.approx(stats.truncnorm.ppf(0.5, -2, np.inf, 1, 0.5))
    assert normal.value(0.0) >= 0.0
    tri = Factor("x", TriangularFactor(distribution="triangular", low=0, mode=0, high=2))
    assert tri.value(0.75) == pytest.approx(1.0)  # F(x) = 1 - (1 - x/2)^2


@pytest.mark.parametrize(
    ("design", "points"),
    [
        ({"kind": "grid", "levels": 4}, 4 * 2),  # a range at 4 levels x two values
        ({"kind": "lhs", "samples": 5}, 5),
        ({"kind": "random", "samples": 6}, 6),
        ({"kind": "sobol", "samples": 8}, 8 * (2 + 2)),  # N (D + 2), first order and total
        ({"kind": "morris", "samples": 3}, 3 * (2 + 1)),  # r (D + 1)
    ],
)
def test_design_sizes(tmp_path: Path, design: dict, points: int) -> None:
    experiment = load_experiment(experiment_file(tmp_path, design=design))
    frame = experiment.design()
    assert len(frame) == points
    assert frame["population.readiness.mean"].between(0.3, 0.7).all()
    assert set(frame["adoption.q"]) <= {0.2, 0.4}


def test_latin_hypercube_fills_every_stratum(tmp_path: Path) -> None:
    experiment = load_experiment(experiment_file(tmp_path, design={"kind": "lhs", "samples": 10}))
    u = experiment.design()["u:population.readiness.mean"].to_numpy()
    assert sorted(np.floor(u * 10).astype(int)) == list(range(10))


def test_seeds_are_common_to_routes_and_independent_of_order(tmp_path: Path) -> None:
    experiment = load_experiment(experiment_file(tmp_path))
    seeds = experiment.seeds(3)
    assert seeds.shape == (3, 2)
    assert len(set(seeds.ravel())) == 6
    np.testing.assert_array_equal(seeds[:2], experiment.seeds(2))  # more points, same first


# --------------------------------------------------------------------------- running


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The serial sweep every other way of running must reproduce."""
    folder = tmp_path_factory.mktemp("serial")
    return sweep(experiment_file(folder), folder / "out", workers=1).runs


def test_a_sweep_has_every_run_once_on_common_seeds(reference: pd.DataFrame) -> None:
    assert len(reference) == 3 * 2 * 2
    assert not reference.duplicated(["route", "design_point", "replication"]).any()
    by_route = reference.pivot_table(
        index=["design_point", "replication"], columns="route", values="seed"
    )
    assert (by_route["back"] == by_route["bang"]).all()
    assert reference.groupby("design_point")["population.readiness.mean"].nunique().eq(1).all()


def test_the_store_is_a_plain_parquet_dataset(tmp_path: Path, reference: pd.DataFrame) -> None:
    out = tmp_path / "out"
    sweep(experiment_file(tmp_path), out, workers=1)
    frame = pd.read_parquet(out / "runs")  # without changesim
    assert len(frame) == len(reference)
    assert {"route", "design_point", "replication", "seed", "adoption.q", "weeks_to_50"} <= set(
        frame.columns
    )
    assert (out / "manifest.json").is_file()
    assert len(pd.read_parquet(out / "design.parquet")) == 3


def test_a_process_pool_gives_the_same_store(tmp_path: Path, reference: pd.DataFrame) -> None:
    result = sweep(experiment_file(tmp_path), tmp_path / "out", workers=2)
    pd.testing.assert_frame_equal(result.runs, reference)


def test_a_dask_local_cluster_gives_the_same_store(tmp_path: Path, reference: pd.DataFrame) -> None:
    from changesim.experiments.executors import DaskExecutor

    executor = DaskExecutor(local_workers=2)
    try:
        result = sweep(experiment_file(tmp_path), tmp_path / "out", executor=executor)
    finally:
        executor.close()
    pd.testing.assert_frame_equal(result.runs, reference)


@pytest.mark.parametrize("where", ["dask", "spawned pool"])
def test_a_rule_registered_here_runs_on_fresh_workers(
    tmp_path: Path, temporary_rule, where: str
) -> None:
    """A rule defined inside a function cannot be imported by a fresh worker process (as one
    defined in a notebook), on Dask or in a local pool that spawns (the default on macOS and
    Windows): the executor sends it along, and the runs are this process's."""
    from changesim.experiments.executors import DaskExecutor, ProcessExecutor
    from changesim.model.rules import bass

    def half_bass(inputs):
        return 0.5 * bass(inputs)

    temporary_rule("half_bass_here", half_bass)
    path = experiment_file(tmp_path, replications=1)
    for name in ROUTES:  # both routes adopt under the new rule
        route = yaml.safe_load((tmp_path / name).read_text(encoding="utf-8"))
        route["adoption"]["rule"] = "half_bass_here"
        (tmp_path / name).write_text(yaml.safe_dump(route), encoding="utf-8")
    here = sweep(path, tmp_path / "here", workers=1)
    executor = (
        DaskExecutor(local_workers=1) if where == "dask" else ProcessExecutor(1, start="spawn")
    )
    try:
        there = sweep(path, tmp_path / "there", executor=executor)
    finally:
        executor.close()
    pd.testing.assert_frame_equal(there.runs, here.runs)
    (tmp_path / "plain").mkdir()
    with_bass = sweep(experiment_file(tmp_path / "plain", replications=1), tmp_path / "bass")
    half, full = here.runs["final_adopted_share"], with_bass.runs["final_adopted_share"]
    assert half.mean() < 0.8 * full.mean(), (half.mean(), full.mean())  # half the rate


def test_weekly_series_on_request(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(experiment_file(tmp_path, outputs={"weekly": True}, replications=1), out, workers=1)
    weekly = pd.read_parquet(out / "weekly")
    assert len(weekly) == 3 * 1 * 2 * 16  # points x replications x routes x weeks 0..15
    assert {"route", "design_point", "replication", "seed", "week", "adopted_share"} <= set(
        weekly.columns
    )


def test_a_changed_experiment_is_refused_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    sweep(experiment_file(tmp_path), out, workers=1)
    changed = experiment_file(tmp_path, seed=12)
    with pytest.raises(changesim.ScenarioError, match="holds the results of another sweep"):
        sweep(changed, out, workers=1)
    result = sweep(changed, out, workers=1, force=True)
    assert result.ran == len(result.runs) == 12


def test_damaged_and_half_written_batches_are_run_again(
    tmp_path: Path, reference: pd.DataFrame
) -> None:
    out = tmp_path / "out"
    path = experiment_file(tmp_path)
    sweep(path, out, workers=1)
    parts = sorted((out / "runs").glob("part-*.parquet"))
    parts[0].write_bytes(parts[0].read_bytes()[:50])  # a disk that filled up
    (out / "runs" / ".part-00001.parquet.tmp").write_bytes(b"half")  # killed mid-write
    parts[1].unlink()
    assert SweepStore(out).done() == {n for n in range(len(parts))} - {0, 1}
    result = sweep(path, out, workers=1)
    assert result.ran == 8 + 4  # batch 0 (8 runs) and batch 1 (the last 4)
    pd.testing.assert_frame_equal(result.runs, reference)


def test_a_sweep_killed_with_sigkill_resumes_to_the_same_results(tmp_path: Path) -> None:
    """A real kill -9 of the command line after its first batch (of three); the rerun loses
    and repeats nothing, and equals a sweep that was never interrupted."""
    path = experiment_file(tmp_path, design={"kind": "lhs", "samples": 5}, replications=2)
    uninterrupted = sweep(path, tmp_path / "clean", workers=1).runs
    out = tmp_path / "out"
    command = [sys.executable, "-m", "changesim.cli", "sweep", str(path), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = len(list((out / "runs").glob("part-*.parquet")))
    assert 1 <= stored < 3, "killed too late to matter"
    result = sweep(path, out, workers=1)
    assert result.ran == len(uninterrupted) - 8 * stored
    pd.testing.assert_frame_equal(result.runs, uninterrupted)


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[2] / "experiments").glob("*.yaml")), ids=lambda p: p.name
)
def test_shipped_experiments_run_as_a_quick_look(path: Path, tmp_path: Path) -> None:
    """Everything shipped runs: each experiment with two design points and one replication."""
    experiment = load_experiment(path, samples=2, replications=1)
    result = sweep(experiment, tmp_path / "out", workers=2)
    points = len(result.design)
    assert len(result.runs) == points * len(experiment.routes)
    assert result.runs["weeks_to_50"].notna().all()
