"""``changesim.compare``: routes on common random numbers, as one library call."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import changesim
from changesim.analysis.metrics import headline_metrics
from changesim.experiments.replications import replication_seeds
from tests.builders import BO, PHONE, WEB, org

load = changesim.load_scenario

REPLICATIONS = 4


def route_file(folder: Path, name: str, route: dict) -> Path:
    """A small scenario file with ``route``: three units, Bass rule, 30 weeks."""
    path = folder / f"{name}.yaml"
    data = org([BO, WEB, PHONE], name=name, route=route, seed=7, replications=REPLICATIONS)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("routes")
    return [
        route_file(folder, "back first", {"kind": "back_office_first", "gap_weeks": 6}),
        route_file(folder, "big bang", {"kind": "combined"}),
    ]


@pytest.fixture(scope="module")
def comparison(files: list[Path]) -> changesim.Comparison:
    return changesim.compare(files)


def test_runs_have_one_row_per_route_and_replication(comparison: changesim.Comparison) -> None:
    runs = comparison.runs
    assert comparison.routes == ["back first", "big bang"]
    assert len(runs) == 2 * REPLICATIONS
    assert runs.groupby("route").size().tolist() == [REPLICATIONS, REPLICATIONS]
    assert set(headline_metrics(runs.columns)) <= set(runs.columns)


def test_defaults_come_from_the_first_scenario(comparison: changesim.Comparison) -> None:
    """Replications and base seed default to the first scenario's; every route runs on the
    same seeds (common random numbers)."""
    assert comparison.base_seed == 7
    assert comparison.seeds == replication_seeds(7, REPLICATIONS)
    for _, group in comparison.runs.groupby("route"):
        assert group["seed"].tolist() == comparison.seeds


def test_summary_is_the_mean_and_t_interval_of_the_runs(comparison: changesim.Comparison) -> None:
    from scipy import stats

    row = comparison.summary.set_index(["route", "metric"]).loc[("big bang", "weeks_to_50")]
    values = comparison.runs.loc[comparison.runs["route"] == "big bang", "weeks_to_50"]
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_high"] - row["ci_low"] == pytest.approx(2 * half)
    assert row["n"] == row["runs"] == REPLICATIONS


def test_differences_are_paired_by_seed(comparison: changesim.Comparison) -> None:
    runs = comparison.runs.set_index(["route", "seed"])["weeks_to_80"]
    expected = (runs["big bang"] - runs["back first"]).mean()
    row = comparison.differences.set_index("metric").loc["weeks_to_80"]
    assert row["route"] == "big bang"
    assert row["reference"] == comparison.reference == "back first"
    assert row["mean_difference"] == pytest.approx(expected)
    # The big bang opens everyone in week 0; back-office first waits 6 weeks for the rest.
    assert row["ci_high"] < 0


def test_same_call_gives_the_same_comparison(
    files: list[Path], comparison: changesim.Comparison
) -> None:
    again = changesim.compare(files)
    pd.testing.assert_frame_equal(again.runs, comparison.runs)
    pd.testing.assert_frame_equal(again.summary, comparison.summary)


def test_loaded_scenarios_and_a_mapping_are_accepted(
    files: list[Path], comparison: changesim.Comparison
) -> None:
    loaded = [changesim.load_scenario(f) for f in files]
    from_objects = changesim.compare(loaded)
    pd.testing.assert_frame_equal(from_objects.runs, comparison.runs)
    labelled = changesim.compare({"A": loaded[0], "B": loaded[1]}, replications=2, seed=3)
    assert labelled.routes == ["A", "B"]
    assert labelled.seeds == replication_seeds(3, 2)


def test_two_scenarios_with_one_name_get_distinct_labels(tmp_path: Path) -> None:
    first = route_file(tmp_path, "same", {"kind": "combined"})
    second_folder = tmp_path / "other"
    second_folder.mkdir()
    second = route_file(second_folder, "same", {"kind": "back_office_first"})
    result = changesim.compare([first, second], replications=2)
    assert result.routes[0] == "same"
    assert result.routes[1] == f"same ({second})"


def test_out_writes_tables_report_and_provenance(files: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    seen: list[tuple[int, int]] = []
    result = changesim.compare(
        files, replications=2, out=out, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    for name in ("runs.csv", "summary.csv", "differences.csv", "weekly.parquet", "report.html"):
        assert (out / name).is_file(), name
    assert len(list((out / "runs").glob("*.json"))) == 4  # each finished run stored
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "runs.csv"), result.runs, check_dtype=False, check_exact=False
    )
    meta = json.loads((out / "meta.json").read_text())
    assert meta["seeds"] == result.seeds
    assert meta["changesim version"] == changesim.__version__
    assert set(meta["scenarios"]) == set(result.routes)
    html = (out / "report.html").read_text()
    assert "big bang" in html
    # the answer comes first: the headline before the ranking, the ranking before the tables
    assert html.index(result.verdict.tradeoff.split(" [")[0]) < html.index("<h2>Ranking")
    assert html.index("<h2>Ranking") < html.index("<h2>Summary")
    assert (out / "verdict.txt").read_text().startswith(result.verdict.tradeoff)
    assert len(pd.read_csv(out / "holdouts.csv")) == 2 * 4  # 2 routes x (3 units + all)
    assert "data:image/png;base64," in html


def test_report_without_out(comparison: changesim.Comparison, tmp_path: Path) -> None:
    text = comparison.report(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == text
    assert "Paired differences" in text


def test_bad_arguments_are_refused(files: list[Path]) -> None:
    with pytest.raises(ValueError, match="at least one scenario"):
        changesim.compare([])
    with pytest.raises(ValueError, match="replications must be at least 1"):
        changesim.compare(files, replications=0)
    with pytest.raises(changesim.ScenarioError, match="no such scenario file"):
        changesim.compare([files[0].with_name("missing.yaml")])
    with pytest.raises(ValueError, match=r"unknown metric.*weeks_to_81"):
        changesim.compare(files, metrics=["weeks_to_80", "weeks_to_81"])


def test_holdouts_add_up_and_match_the_last_week(comparison: changesim.Comparison) -> None:
    """Per route, the units' non-adopters add up to the organisation's (nobody lost or
    counted twice), and each is (1 - adopted share) x headcount in the last week."""
    holdouts = comparison.holdouts
    for _route, rows in holdouts.groupby("route"):
        units = rows[rows["unit"] != "all"]
        whole = rows[rows["unit"] == "all"].iloc[0]
        assert units["non_adopters"].sum() == pytest.approx(whole["non_adopters"])
    weekly = comparison.weekly
    last = weekly[(weekly["week"] == weekly["week"].max()) & (weekly["unit"] == "web")]
    expected = ((1 - last["adopted_share"]) * last["headcount"]).groupby(last["route"]).mean()
    web = holdouts[holdouts["unit"] == "web"].set_index("route")["non_adopters"]
    pd.testing.assert_series_equal(web, expected, check_names=False)


def test_verdict_ranks_on_the_chosen_metrics_in_order(files: list[Path]) -> None:
    result = changesim.compare(files, replications=3, metrics=["quality_loss", "weeks_to_50"])
    verdict = result.verdict
    assert [r.metric for r in verdict.rankings] == ["quality_loss", "weeks_to_50"]
    runs = result.runs
    means = runs.groupby("route")["quality_loss"].mean()
    assert verdict.rankings[0].best == means.idxmin()
    assert verdict.tradeoff.startswith(means.idxmin())


def test_routes_differing_in_more_than_the_route_are_flagged(tmp_path: Path) -> None:
    plain = org(
        [BO, WEB],
        name="plain",
        route={"kind": "combined"},
        population={"readiness": {"mean": 0.5, "sd": 0.1}},
    )
    ready = org(
        [BO, WEB],
        name="ready",
        route={"kind": "back_office_first"},
        population={"readiness": {"mean": 0.7, "sd": 0.1}},
    )
    result = changesim.compare({"plain": load(plain), "ready": load(ready)}, replications=1)
    assert result.beyond_route == {"ready": ["population.readiness.mean"]}
    assert "population.readiness.mean" in result.warnings()[0]
    fair = changesim.compare(
        {"plain": load(plain), "back": load({**plain, "route": {"kind": "back_office_first"}})},
        replications=1,
    )
    assert fair.warnings() == []


def test_until_precision_adds_replications_until_the_interval_is_narrow(files: list[Path]) -> None:
    """Doubling from 2 replications: the first round on at least 5 whose widest interval of
    the quality-dip differences is below 0.005 ends it, and the result equals a plain
    comparison with that many replications."""
    result = changesim.compare(
        files,
        replications=2,
        until_precision=0.005,
        max_replications=64,
        key_metric="quality_dip_depth",
    )
    precision = result.precision
    assert precision is not None
    assert precision["reached"]
    assert precision["widest interval"] < 0.005
    count = precision["replications"]
    assert count in (8, 16, 32, 64)
    assert len(result.runs) == 2 * count
    plain = changesim.compare(files, replications=count)
    pd.testing.assert_frame_equal(result.runs, plain.runs)
    pd.testing.assert_frame_equal(result.differences, plain.differences)
    before = changesim.compare(files, replications=count // 2).differences.set_index("metric")
    width = before.loc["quality_dip_depth", "ci_high"] - before.loc["quality_dip_depth", "ci_low"]
    assert width >= 0.005  # the round before was not precise enough


def test_until_precision_stops_at_the_maximum(files: list[Path]) -> None:
    result = changesim.compare(
        files,
        replications=2,
        until_precision=1e-9,
        max_replications=5,
        key_metric="quality_dip_depth",
    )
    assert result.precision is not None
    assert not result.precision["reached"]
    assert result.precision["replications"] == 5
    assert sorted(set(result.runs["replication"])) == [0, 1, 2, 3, 4]
