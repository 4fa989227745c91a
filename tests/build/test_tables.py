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
