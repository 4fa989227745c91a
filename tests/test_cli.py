"""End-to-end tests of the command line: schema, run, compare and resuming a comparison."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import changesim
import changesim.experiments.replications
from changesim.cli import app
from changesim.experiments.replications import replication_seeds
from tests.builders import ROOT, SCENARIOS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROUTES = ("back_office_first.yaml", "front_office_first.yaml")
ROUTE_NAMES = ("Back-office first", "Front-office first")


def invoke(*args: str):
    """Run the CLI in-process; fail with its output if it does not exit 0."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


# --------------------------------------------------------------------------- schema


def _properties(schema: dict) -> list[tuple[str, str, dict]]:
    """(model, property, property schema) for the root and every definition."""
    models = {"Scenario": schema, **schema.get("$defs", {})}
    return [
        (model, name, prop)
        for model, body in models.items()
        for name, prop in body.get("properties", {}).items()
    ]


def test_schema_is_json_with_described_properties() -> None:
    schema = json.loads(invoke("schema").stdout)
    assert {"organisation", "route", "adoption", "population", "network"} <= set(
        schema["properties"]
    )
    props = _properties(schema)
    assert len(props) > 50
    # The discriminator tag ``kind: <const>`` is described by its model; every other field
    # must explain itself to a user reading the schema.
    undescribed = [
        f"{model}.{name}"
        for model, name, prop in props
        if not (name == "kind" and "const" in prop) and not str(prop.get("description", "")).strip()
    ]
    assert not undescribed, f"properties without a description: {undescribed}"


def test_schema_states_units_and_ranges() -> None:
    schema = json.loads(invoke("schema").stdout)
    weeks = schema["properties"]["weeks"]
    assert weeks["unit"] == "weeks"
    assert weeks["minimum"] == 1
    assert schema["$defs"]["Distribution"]["properties"]["mean"]["maximum"] == 1


# --------------------------------------------------------------------------- run


def test_run_writes_data_plots_and_provenance(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    result = invoke("run", "scenarios/combined.yaml", "--out", out, "--seed", "3")
    expected = {
        "weekly.parquet",
        "weekly.csv",
        "summary.json",
        "run.json",
        "units.csv",
        "adoption.png",
        "quality.png",
        "channels.png",
        "customers.png",
    }
    assert expected == {p.name for p in out.iterdir()}

    weekly = pd.read_parquet(out / "weekly.parquet")
    assert len(weekly) > 0
    assert {"case_handling", "web_team", "contact_centre", "service_desks"} <= set(
        weekly["unit"].astype(str)
    )
    assert len(pd.read_csv(out / "weekly.csv")) == len(weekly)
    units = pd.read_csv(out / "units.csv")
    assert list(units["unit"]) == ["case_handling", "web_team", "contact_centre", "service_desks"]

    summary = json.loads((out / "summary.json").read_text())
    assert "weeks_to_50" in summary
    assert "final_adopted_share" in summary

    meta = json.loads((out / "run.json").read_text())
    assert meta["seed"] == 3
    assert meta["changesim_version"] == changesim.__version__
    scenario = changesim.load_scenario(SCENARIOS / "combined.yaml")
    assert meta["scenario"] == scenario.model_dump(mode="json")
    assert meta["scenario"]["name"] == "Combined (big bang)"

    for png in ("adoption.png", "quality.png", "channels.png", "customers.png"):
        data = (out / png).read_bytes()
        assert data.startswith(PNG_MAGIC), png
        assert len(data) > 1000

    text = result.stdout
    assert "Combined (big bang) (seed 3)" in text
    assert "Summary" in text
    assert "weeks to 50%" in text  # the declared label, not the column name
    assert "case_handling" in text
    assert "wrote 9 files" in text


def test_run_is_reproducible(tmp_path: Path) -> None:
    scenario = str(SCENARIOS / "combined.yaml")
    invoke("run", scenario, "--out", tmp_path / "a", "--seed", "3")
    invoke("run", scenario, "--out", tmp_path / "b", "--seed", "3")
    for name in ("weekly.csv", "units.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


# --------------------------------------------------------------------------- compare


def _compare(out: Path):
    return invoke("compare", *(SCENARIOS / r for r in ROUTES), "--out", out, "--replications", "3")


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[Path, str]:
    """One comparison of two shipped routes, 3 replications each (shared, read only)."""
    out = tmp_path_factory.mktemp("compare") / "out"
    result = _compare(out)
    return out, result.stdout


def test_compare_writes_self_contained_report(compared) -> None:
    out, stdout = compared
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 3
    for name in ROUTE_NAMES:
        assert name in html
    # self-contained: nothing fetched from elsewhere
    assert 'src="http' not in html
    assert "<link" not in html
    assert "<script src" not in html
    assert "report.html" in stdout
    for name in ROUTE_NAMES:
        assert name[:6] in stdout


def test_compare_tables(compared) -> None:
    out, _ = compared
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["route"]) == set(ROUTE_NAMES)
    assert {"metric", "mean", "ci_low", "ci_high"} <= set(summary.columns)
    diffs = pd.read_csv(out / "differences.csv")
    assert set(diffs["route"]) == {ROUTE_NAMES[1]}
    assert set(diffs["reference"]) == {ROUTE_NAMES[0]}
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert set(weekly["route"]) == set(ROUTE_NAMES)
    assert set(weekly["replication"]) == {0, 1, 2}


def test_compare_prints_the_answer_first_in_80_columns(compared) -> None:
    """The headline, the legend of route letters, the key metrics with the best route and
    the paired differences; no line wider than 80 columns (CliRunner is not a terminal)."""
    out, stdout = compared
    lines = stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    verdict = (out / "verdict.txt").read_text().splitlines()
    headline = " ".join(stdout.split())  # the headline may wrap
    assert " ".join(verdict[0].split()) in headline
    assert "  A  Back-office first (reference)" in lines
    assert "  B  Front-office first" in lines
    assert any(line.split()[:1] == ["best"] for line in lines)
    assert "Paired differences against A" in stdout
    assert "to 80%↓" in stdout
    assert "satisfaction↑" in stdout


def test_compare_warns_when_routes_differ_in_more_than_the_route(tmp_path: Path) -> None:
    result = invoke(
        "compare",
        SCENARIOS / "pilot_then_waves.yaml",
        SCENARIOS / "organisation_oriented.yaml",
        "--out",
        tmp_path / "out",
        "--replications",
        "1",
    )
    text = " ".join(result.stdout.split())
    assert "warning:" in text
    assert "in more than the route: approach, interventions[0], interventions[1]" in text


def test_compare_refuses_an_unknown_metric_before_running(tmp_path: Path) -> None:
    args = [SCENARIOS / r for r in ROUTES]
    result = CliRunner().invoke(
        app,
        [
            "compare",
            *map(str, args),
            "--out",
            str(tmp_path / "o"),
            "--metrics",
            "weeks_to_80,speed",
        ],
    )
    assert result.exit_code == 2
    assert "unknown metric(s) speed" in " ".join(result.output.split())
    assert not (tmp_path / "o").exists()


def test_compare_uses_common_random_numbers(compared) -> None:
    out, _ = compared
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 6
    seeds = {route: list(rows["seed"]) for route, rows in runs.groupby("route")}
    assert set(seeds) == set(ROUTE_NAMES)
    first, second = (seeds[name] for name in ROUTE_NAMES)
    assert first == second
    assert len(set(first)) == 3
    # the base seed is the first scenario's seed (42 in the example organisation)
    assert first == replication_seeds(42, 3)
    assert sorted(runs["replication"]) == [0, 0, 1, 1, 2, 2]
    assert (out / "runs").is_dir()
    assert len(list((out / "runs").glob("*.json"))) == 6
    assert len(list((out / "runs").glob("*.parquet"))) == 6


def test_compare_resumes_only_missing_runs(compared, tmp_path: Path, monkeypatch) -> None:
    first, _ = compared
    out = tmp_path / "out"
    shutil.copytree(first, out)
    runs_dir = out / "runs"
    victim = sorted(runs_dir.glob("*.json"))[1]
    victim_pair = (victim, victim.with_suffix(".parquet"))
    for path in victim_pair:
        path.unlink()
    kept = {p: p.stat().st_mtime_ns for p in runs_dir.iterdir()}
    assert len(kept) == 10

    calls: list[int] = []
    real_simulate = changesim.experiments.replications.simulate

    def counting_simulate(scenario, *, seed=None):
        calls.append(seed)
        return real_simulate(scenario, seed=seed)

    monkeypatch.setattr(changesim.experiments.replications, "simulate", counting_simulate)
    _compare(out)

    assert len(calls) == 1, f"expected one recomputed run, got seeds {calls}"
    assert str(calls[0]) in victim.name
    for path in victim_pair:
        assert path.is_file(), f"{path.name} was not recomputed"
    for path, mtime in kept.items():
        assert path.stat().st_mtime_ns == mtime, f"{path.name} was rewritten"
    assert sorted(runs_dir.iterdir()) == sorted([*kept, *victim_pair])
    assert (out / "runs.csv").read_bytes() == (first / "runs.csv").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "weekly.parquet"), pd.read_parquet(first / "weekly.parquet")
    )


def test_sweep_and_analyze_commands(tmp_path: Path) -> None:
    """The two research commands end to end: resume message, refusal, report."""
    from tests.experiments.test_sweep import experiment_file

    path = experiment_file(tmp_path)
    out = tmp_path / "out"
    first = invoke("sweep", path, "--out", out, "--workers", "1")
    assert "12 runs" in first.stdout
    assert "12 run now, 0 found on disk" in first.stdout
    assert "runs 12/12 (100%)" in first.stderr  # a plain progress line: not a terminal
    again = invoke("sweep", path, "--out", out, "--workers", "1")
    assert "0 run now, 12 found on disk" in again.stdout
    changed = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out), "--samples", "4"])
    assert changed.exit_code == 2
    assert "holds the results of another sweep" in changed.stderr
    analysis = invoke("analyze", out, "--out", tmp_path / "analysis", "-m", "weeks_to_80")
    assert "report:" in analysis.stdout
    assert (tmp_path / "analysis" / "report.html").is_file()
