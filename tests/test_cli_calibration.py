"""``changesim calibrate`` and ``changesim project`` end to end, and the bad input they refuse
with exit status 2 and a message naming the row, column or option."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from changesim.cli import app
from tests.builders import BO, WEB, org
from tests.experiments.pilots import SMALL, pilot_csv

#: bo 60 employees, web 40, 20 weeks.
TINY = org([BO, WEB], weeks=20)


def scenario_file(folder: Path, data: dict | None = None) -> Path:
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data or TINY), encoding="utf-8")
    return path


def calibrate(folder: Path, csv_text: str, *extra: str, fit: str = "adoption.p,adoption.q"):
    observed = folder / "pilot.csv"
    observed.write_text(csv_text, encoding="utf-8")
    args = ["calibrate", str(scenario_file(folder)), "--observed", str(observed)]
    args += ["--fit", fit, "--out", str(folder / "cal"), "--workers", "1", *extra]
    return CliRunner().invoke(app, args)


GOOD = "week,unit,adopted\n0,web,0\n1,web,2\n2,web,5\n3,web,9\n"


@pytest.mark.parametrize(
    ("csv_text", "where"),
    [
        ("week,unit,adopted\n0,web,0\n2,web,5\n", "web has no row for week(s) 1"),
        ("week,unit,adopted\n0,web,0\n0,web,1\n", "row 3, column 'week': repeats week 0"),
        ("week,unit,adopted_share\n0,web,1.5\n1,web,0.2\n", "row 2, column 'adopted_share'"),
        ("week,unit,adopted\n0,web,41\n1,web,2\n", "row 2, column 'adopted': is above"),
        ("week,unit,adopted\n0,lab,1\n1,web,2\n", "row 2, column 'unit': is not a unit"),
        ("week,unit,adopted,mood\n0,web,0,1\n", "column 'mood': is not a known column"),
        ("week,unit,adopted\n0,web,0\n", "2 parameters cannot be fitted to 1 observed"),
    ],
)
def test_bad_observations_exit_2_naming_the_row_or_column(tmp_path, csv_text, where):
    result = calibrate(tmp_path, csv_text)
    assert result.exit_code == 2, result.output
    assert where in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "cal" / "estimates.csv").exists()


@pytest.mark.parametrize(
    ("extra", "fit", "where"),
    [
        ((), "adoption.pp", "adoption.pp: cannot be fitted: adoption has no field 'pp'"),
        (("--prior", "adoption.p=0-0.1"), "adoption.p", "--prior: must be PATH=LOW:HIGH"),
        (("--prior", "adoption.p=0:3"), "adoption.p", "within what the field allows"),
    ],
)
def test_bad_fits_and_priors_exit_2_naming_them(tmp_path, extra, fit, where):
    result = calibrate(tmp_path, GOOD, *extra, fit=fit)
    assert result.exit_code == 2, result.output
    assert where in result.output


def test_calibrate_then_project_two_routes(tmp_path):
    folder = tmp_path
    scenario = scenario_file(folder, SMALL.model_dump(mode="json", by_alias=True))
    later = folder / "later.yaml"
    later.write_text(
        yaml.safe_dump(
            {"extends": "scenario.yaml", "name": "later", "route": {"kind": "front_office_first"}}
        ),
        encoding="utf-8",
    )
    observed = pilot_csv(folder, 3, weeks=8)
    cal = CliRunner().invoke(
        app,
        [
            "calibrate", str(scenario), "--observed", str(observed),
            "--fit", "adoption.p,adoption.q,", "--prior", "adoption.p=0:0.1",
            "--particles", "30", "--generations", "2", "--workers", "1",
            "--out", str(folder / "cal"),
        ],
    )  # fmt: skip
    assert cal.exit_code == 0, cal.output
    assert "adoption.p:" in cal.output
    assert "90% interval" in cal.output
    estimates = pd.read_csv(folder / "cal" / "estimates.csv")
    assert estimates["parameter"].tolist() == ["adoption.p", "adoption.q"]
    assert (estimates["high90"] <= estimates["prior_high"]).all()
    proj = CliRunner().invoke(
        app,
        [
            "project", str(scenario), str(later), "--calibration", str(folder / "cal"),
            "--out", str(folder / "proj"), "--workers", "1",
        ],
    )  # fmt: skip
    assert proj.exit_code == 0, proj.output
    assert "weeks to 80%" in proj.output
    assert "best:" in proj.output
    assert "warning: later: 30 of 30 runs do not repeat the pilot" in proj.output
    best = pd.read_csv(folder / "proj" / "best.csv")
    assert set(best["route"]) == {"test", "later"}
    sums = best.groupby("metric")["probability"].sum()
    assert sums["weeks_to_80"] == pytest.approx(1.0)


def test_project_refuses_a_folder_without_a_calibration(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "project", str(scenario_file(tmp_path)), "--calibration", str(tmp_path),
            "--out", str(tmp_path / "proj"),
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "is not a calibration folder written by changesim calibrate" in result.output
