"""A pilot's observations: read from CSV, checked against the scenario, every problem named
by row or column."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import changesim
from changesim.build.observed import check_fit, read_observations
from changesim.cli import app
from tests.builders import BO, WEB, org, table_scenario

#: bo 60 employees, web 40, 20 weeks.
SCENARIO = changesim.load_scenario(org([BO, WEB], weeks=20))


def csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pilot.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> str:
    return problems_for(tmp_path, text, SCENARIO)


def problems_for(tmp_path: Path, text: str, scenario: changesim.Scenario) -> str:
    with pytest.raises(changesim.ScenarioError) as error:
        read_observations(csv(tmp_path, text), scenario)
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


#: Each bad file and the whole line reported for it (file: row or column: what is wrong and
#: what is allowed, then the value found where there is one).
BAD = [
    (
        "week,unit,adopted\n0,web,41\n",
        "row 2, column 'adopted': is above the headcount of web (40) (got '41')",
    ),
    (
        "week,unit,adopted\n0,web,-1\n",
        "row 2, column 'adopted': must be a whole number ≥ 0 (got '-1')",
    ),
    (
        "week,unit,adopted_share\n0,web,1.2\n",
        "row 2, column 'adopted_share': must be a number from 0 to 1 (got '1.2')",
    ),
    ("week,unit,adopted\n0,web,\n", "row 2, column 'adopted': is empty; give a value (got '')"),
    (
        "week,unit,adopted_share\n0,web,\n",
        "row 2, column 'adopted_share': is empty; give a value (got '')",
    ),
    (
        "week,unit,adopted_share,satisfaction\n0,web,0.1,high\n",
        "row 2, column 'satisfaction': must be a number from 0 to 1 (got 'high')",
    ),
    (
        "week,unit,adopted_share\n0,desk,0.1\n",
        "row 2, column 'unit': is not a unit of the scenario; units: bo, web (got 'desk')",
    ),
    (
        "week,unit,adopted_share\n0,web,0.1\n1.5,web,0.2\n",
        "row 3, column 'week': must be a whole week from 0 to 20 (the scenario's weeks) "
        "(got '1.5')",
    ),
    (
        "week,unit,adopted_share\n0,web,0.1\n21,web,0.2\n",
        "row 3, column 'week': must be a whole week from 0 to 20 (the scenario's weeks) (got '21')",
    ),
    (
        "week,unit,adopted_share\nabc,web,0.1\n",
        "row 2, column 'week': must be a whole week from 0 to 20 (the scenario's weeks) "
        "(got 'abc')",
    ),
    (
        "week,unit,adopted_share\n0,web,0.1\n0,web,0.2\n",
        "row 3, column 'week': repeats week 0 of web (first in row 2); one row per week and "
        "unit (got 0)",
    ),
    (
        "week,unit,adopted_share\n0,web,0.1\n3,web,0.2\n",
        "column 'week': web has no row for week(s) 1, 2 between its first (0) and last (3); "
        "observations must be weekly",
    ),
    (
        "week,unit,adopted_share,mood\n0,web,0.1,ok\n",
        "column 'mood': is not a known column; allowed: week, unit, adopted, adopted_share, "
        "readiness_score, self_service_share, satisfaction (got 'mood')",
    ),
    ("week,adopted_share\n0,0.1\n", "column 'unit': is required"),
    (
        "week,unit,adopted,adopted_share\n0,web,1,0.1\n",
        "columns adopted / adopted_share: give the adoption as exactly one of them (a count or "
        "a share)",
    ),
]


@pytest.mark.parametrize(("text", "line"), BAD)
def test_each_problem_names_its_row_or_column(tmp_path, text, line):
    assert problems(tmp_path, text) == f"{tmp_path / 'pilot.csv'}: {line}"


def test_a_file_that_is_not_csv_is_named(tmp_path):
    path = tmp_path / "pilot.csv"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(changesim.ScenarioError) as error:
        read_observations(path, SCENARIO)
    assert str(error.value).startswith(f"{path}: cannot be read as CSV: ")
    assert "(got" not in str(error.value)


def test_values_on_the_edges_are_allowed(tmp_path):
    text = "week,unit,adopted,satisfaction\n18,web,0,0\n19,web,40,1\n20,web,40,\n"
    found = read_observations(csv(tmp_path, text), SCENARIO)  # count = headcount, week = weeks
    assert found.frame.columns.tolist() == ["unit", "week", "satisfaction", "adopted_share"]
    assert found.frame["adopted_share"].tolist() == [0.0, 1.0, 1.0]
    assert found.frame["week"].tolist() == [18, 19, 20]  # a unit may start after week 0
    assert found.source == str(tmp_path / "pilot.csv")


def test_a_count_needs_a_headcount_from_the_scenario(tmp_path):
    scenario = table_scenario(tmp_path, ["0", "0", "0", "1"])
    found = problems_for(tmp_path, "week,unit,adopted\n0,web,1\n", scenario)
    assert found == (
        f"{tmp_path / 'pilot.csv'}: row 2, column 'adopted': is a count, but the unit's headcount "
        "comes from the population table; give adopted_share instead (got '1')"
    )
    shares = read_observations(csv(tmp_path, "week,unit,adopted_share\n0,web,0.5\n"), scenario)
    assert shares.frame["adopted_share"].tolist() == [0.5]


def test_every_problem_is_reported_at_once(tmp_path):
    found = problems(tmp_path, "week,unit,adopted_share\n0,desk,0.1\n1,web,2\n")
    assert "row 2, column 'unit'" in found
    assert "row 3, column 'adopted_share'" in found


def test_a_fit_of_more_parameters_than_observed_values_is_refused(tmp_path):
    found = read_observations(
        csv(tmp_path, "week,unit,adopted_share\n0,web,0.1\n1,web,0.2\n"), SCENARIO
    )
    check_fit(["adoption.p", "adoption.q"], found)
    with pytest.raises(changesim.ScenarioError) as error:
        check_fit(["adoption.p", "adoption.q", "adoption.k"], found)
    assert str(error.value) == (
        f"--fit: 3 parameters cannot be fitted to 2 observed values in {tmp_path / 'pilot.csv'}; "
        "fit at most 2"
    )


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
