"""A pilot's observations: read from CSV, checked against the scenario, every problem named
by row or column."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import changesim
from changesim.build.observed import check_fit, read_observations
from changesim.cli import app
from tests.builders import BO, WEB, org

#: bo 60 employees, web 40, 20 weeks.
SCENARIO = changesim.load_scenario(org([BO, WEB], weeks=20))


def csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pilot.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(changesim.ScenarioError) as error:
        read_observations(csv(tmp_path, text), SCENARIO)
    return str(error.value)


def test_counts_become_shares_of_the_units_headcount(tmp_path):
    found = read_observations(
        csv(tmp_path, "week,unit,adopted,readiness_score\n0,web,0,0.5\n1,web,4,\n2,web,10,0.6\n"),
        SCENARIO,
    )
    assert found.frame["adopted_share"].tolist() == [0.0, 0.1, 0.25]
    assert found.figures == ["adopted_share", "readiness_score"]
    assert found.count == 3 + 2  # one readiness cell is empty


def test_shares_are_kept_and_rows_sorted_by_unit_and_week(tmp_path):
    text = "unit,week,adopted_share\nweb,1,0.2\nbo,0,0.1\nweb,0,0.05\n"
    found = read_observations(csv(tmp_path, text), SCENARIO)
    assert found.frame[["unit", "week"]].values.tolist() == [["bo", 0], ["web", 0], ["web", 1]]
    assert found.frame["adopted_share"].tolist() == [0.1, 0.05, 0.2]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "week,unit,adopted\n0,web,41\n",
            "row 2, column 'adopted'",
            "above the headcount of web (40)",
        ),
        ("week,unit,adopted\n0,web,-1\n", "row 2, column 'adopted'", "whole number"),
        ("week,unit,adopted_share\n0,web,1.2\n", "row 2, column 'adopted_share'", "from 0 to 1"),
        ("week,unit,adopted_share\n0,web,\n", "row 2, column 'adopted_share'", "is empty"),
        (
            "week,unit,adopted_share,satisfaction\n0,web,0.1,high\n",
            "row 2, column 'satisfaction'",
            "from 0 to 1",
        ),
        ("week,unit,adopted_share\n0,desk,0.1\n", "row 2, column 'unit'", "units: bo, web"),
        (
            "week,unit,adopted_share\n0,web,0.1\n1.5,web,0.2\n",
            "row 3, column 'week'",
            "whole week from 0 to 20",
        ),
        (
            "week,unit,adopted_share\n0,web,0.1\n21,web,0.2\n",
            "row 3, column 'week'",
            "whole week from 0 to 20",
        ),
        (
            "week,unit,adopted_share\n0,web,0.1\n0,web,0.2\n",
            "row 3, column 'week'",
            "repeats week 0 of web (first in row 2)",
        ),
        (
            "week,unit,adopted_share\n0,web,0.1\n3,web,0.2\n",
            "column 'week'",
            "web has no row for week(s) 1, 2",
        ),
        ("week,unit,adopted_share,mood\n0,web,0.1,ok\n", "column 'mood'", "not a known column"),
        ("week,adopted_share\n0,0.1\n", "column 'unit'", "is required"),
        (
            "week,unit,adopted,adopted_share\n0,web,1,0.1\n",
            "adopted / adopted_share",
            "exactly one",
        ),
    ],
)
def test_each_problem_names_its_row_or_column(tmp_path, text, where, message):
    found = problems(tmp_path, text)
    assert "pilot.csv" in found
    assert where in found
    assert message in found


def test_every_problem_is_reported_at_once(tmp_path):
    found = problems(tmp_path, "week,unit,adopted_share\n0,desk,0.1\n1,web,2\n")
    assert "row 2, column 'unit'" in found
    assert "row 3, column 'adopted_share'" in found


def test_a_fit_of_more_parameters_than_observed_values_is_refused(tmp_path):
    found = read_observations(
        csv(tmp_path, "week,unit,adopted_share\n0,web,0.1\n1,web,0.2\n"), SCENARIO
    )
    check_fit(["adoption.p", "adoption.q"], found)
    with pytest.raises(changesim.ScenarioError, match="3 parameters cannot be fitted to 2"):
        check_fit(["adoption.p", "adoption.q", "adoption.k"], found)


def test_validate_checks_observations_with_exit_status_2(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(changesim.variant(SCENARIO, {}).model_dump_json(), encoding="utf-8")
    good = CliRunner().invoke(
        app,
        [
            "validate",
            str(scenario),
            "--observed",
            str(csv(tmp_path, "week,unit,adopted\n0,web,1\n")),
        ],
    )
    assert good.exit_code == 0, good.output
    assert "1 rows, 1 observed values (adopted_share)" in good.output
    bad = CliRunner().invoke(
        app,
        [
            "validate",
            str(scenario),
            "--observed",
            str(csv(tmp_path, "week,unit,adopted\n0,web,99\n")),
        ],
    )
    assert bad.exit_code == 2
    assert "row 2, column 'adopted'" in " ".join(bad.output.split())
    assert "Traceback" not in bad.output
