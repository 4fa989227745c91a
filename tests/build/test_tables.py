"""The population table: initial-adopter marks, headcounts, errors naming the row."""

from __future__ import annotations

import numpy as np
import pytest

import changesim
from changesim import ChangeModel
from tests.builders import TABLE_UNITS, table_scenario


def test_only_true_words_mark_initial_adopters(tmp_path):
    marks = ["yes", "no", "", "true", "false", "0", "1", "No", "TRUE", ""]
    model = ChangeModel(table_scenario(tmp_path, marks), rng=0, agents=False)
    expected = sum(m.lower() in {"yes", "true", "1"} for m in marks)
    assert model.state.adopted.sum() == expected == 4


def test_marks_are_ignored_unless_the_table_chooses(tmp_path):
    model = ChangeModel(table_scenario(tmp_path, ["yes"] * 6, choose="random"), rng=0, agents=False)
    assert model.state.adopted.sum() == 0  # no count or share given: nobody


def test_an_unreadable_mark_is_reported_with_its_row(tmp_path):
    with pytest.raises(changesim.ScenarioError) as error:
        ChangeModel(table_scenario(tmp_path, ["yes", "maybe"]), rng=0)
    assert "initial_adopter (row 2)" in str(error.value)
    assert "'maybe'" in str(error.value)


def test_a_headcount_that_disagrees_with_the_table_is_reported(tmp_path):
    units = [{**TABLE_UNITS[0], "headcount": 500}, TABLE_UNITS[1]]
    with pytest.raises(changesim.ScenarioError) as error:
        ChangeModel(table_scenario(tmp_path, ["no"] * 4, units=units), rng=0)
    assert "2 rows for unit 'bo'" in str(error.value)
    assert "headcount 500" in str(error.value)


def test_headcounts_come_from_the_table(tmp_path):
    model = ChangeModel(table_scenario(tmp_path, ["no"] * 7), rng=0, agents=False)
    np.testing.assert_array_equal(model.state.headcount, [4, 3])


def write_table(folder, text: str, name: str = "people.csv"):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def table_problem(path, units=("bo", "web")) -> changesim.scenario.Problem:
    from changesim.build.tables import read_population_table

    with pytest.raises(changesim.ScenarioError) as caught:
        read_population_table(path, list(units))
    (problem,) = caught.value.problems
    return problem


def test_text_in_a_numeric_column_names_the_row_and_value(tmp_path):
    path = write_table(tmp_path, "unit,readiness\nbo,0.5\nweb,high\nbo,0.7\n")
    problem = table_problem(path)
    assert problem.path == "readiness (row 2)"
    assert problem.value == "high"
    assert "number in [0, 1]" in problem.message


def test_a_unit_column_of_mixed_numbers_and_names_is_checked_row_by_row(tmp_path):
    path = write_table(tmp_path, "unit\nbo\n7\nweb\n")
    problem = table_problem(path)
    assert problem.path == "unit (row 2)"
    assert "unknown unit" in problem.message


def test_a_table_that_is_another_file_is_refused_without_its_content(tmp_path):
    path = write_table(tmp_path, "name: secret plan\nweeks: 3\n", "people.csv")
    problem = table_problem(path)
    assert "look like column names" in problem.message
    assert "secret" not in str(problem)


def test_a_table_with_a_misspelt_header_lists_its_columns(tmp_path):
    path = write_table(tmp_path, "Unit,readiness\nbo,0.5\n")
    problem = table_problem(path)
    assert problem.value == ["Unit", "readiness"]


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda folder: folder, "folder"),
        (lambda folder: folder / "missing.csv", "no such table file"),
    ],
    ids=["folder", "missing"],
)
def test_a_table_path_that_is_not_a_file(tmp_path, make, says):
    assert says in table_problem(make(tmp_path)).message


def test_edge_list_ids_of_another_type_are_unknown_not_a_crash(tmp_path):
    from changesim.build.tables import edge_list_indices

    edges = write_table(tmp_path, "source,target\n1,2\nabc,1\n", "edges.csv")
    with pytest.raises(changesim.ScenarioError) as caught:
        edge_list_indices(edges, np.array([1, 2, 3]))
    (problem,) = caught.value.problems
    assert problem.path == "source (row 2)"
    assert "unknown employee id" in problem.message
    ids = np.array(["e1", 5, "e3"], dtype=object)  # mixed ids in the population table
    edges = write_table(tmp_path, "source,target\ne1,e3\n", "mixed.csv")
    sources, targets = edge_list_indices(edges, ids)
    assert (sources.tolist(), targets.tolist()) == ([0], [2])
