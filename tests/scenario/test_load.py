"""Loading scenarios: ``extends:`` from files and from mappings, paths resolved where written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import changesim
from tests.builders import EXAMPLE_FILE, SCENARIOS, read_yaml


def test_a_mapping_extends_relative_to_base_dir() -> None:
    scenario = changesim.load_scenario(
        {"extends": "example_org.yaml", "name": "from a mapping", "weeks": 20},
        base_dir=SCENARIOS,
    )
    example = changesim.load_scenario(EXAMPLE_FILE)
    assert scenario.name == "from a mapping"
    assert scenario.weeks == 20
    assert scenario.organisation == example.organisation
    assert scenario.customers == example.customers


def test_a_mapping_extends_relative_to_the_working_directory(monkeypatch) -> None:
    monkeypatch.chdir(SCENARIOS.parent)
    scenario = changesim.load_scenario({"extends": "scenarios/combined.yaml", "seed": 4})
    assert scenario.route.kind == "combined"
    assert scenario.seed == 4


def test_a_mapping_and_its_file_twin_load_the_same(tmp_path: Path) -> None:
    """A route file and the same mapping with base_dir give equal scenarios."""
    data = read_yaml(SCENARIOS / "pilot_then_waves.yaml")
    assert changesim.load_scenario(data, base_dir=SCENARIOS) == changesim.load_scenario(
        SCENARIOS / "pilot_then_waves.yaml"
    )


def test_loading_a_mapping_does_not_change_it() -> None:
    data = {"extends": "example_org.yaml", "population": {"readiness": {"mean": 0.6}}}
    before = yaml.safe_dump(data)
    changesim.load_scenario(data, base_dir=SCENARIOS)
    assert yaml.safe_dump(data) == before


def test_table_paths_in_a_mapping_resolve_against_base_dir(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("unit,readiness\nbo,0.4\nbo,0.6\n", encoding="utf-8")
    scenario = changesim.load_scenario(
        {
            "organisation": {"units": [{"name": "bo", "kind": "back_office"}]},
            "population": {"table": "people.csv"},
        },
        base_dir=tmp_path,
    )
    assert scenario.population.table == (tmp_path / "people.csv").resolve()


def test_a_missing_parent_names_the_mapping_and_the_path(tmp_path: Path) -> None:
    with pytest.raises(changesim.ScenarioError) as caught:
        changesim.load_scenario({"extends": "nowhere.yaml"}, base_dir=tmp_path)
    (problem,) = caught.value.problems
    assert problem.file == "<mapping>"
    assert problem.path == "extends"
    assert "no such file" in problem.message
    assert str(tmp_path / "nowhere.yaml") in problem.message


def test_an_extends_cycle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n", encoding="utf-8")
    with pytest.raises(changesim.ScenarioError, match="cycle"):
        changesim.load_scenario({"extends": "a.yaml"}, base_dir=tmp_path)
