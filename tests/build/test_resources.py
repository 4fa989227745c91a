"""Memory: a scenario that cannot fit is refused up front, with the estimate and the field."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import changesim
from changesim.build import resources
from changesim.build.resources import (
    BYTES_PER_CUSTOMER,
    BYTES_PER_EMPLOYEE,
    BYTES_PER_EMPLOYEE_TIE,
    check_memory,
    memory_needed,
    ties_per_employee,
)
from tests.builders import example, org

GB = 1e9


@pytest.fixture
def eight_gigabytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with 8 GB, so that the tests do not depend on this one's memory."""
    monkeypatch.setattr(resources, "physical_memory", lambda: 8 * GB)


def units(*headcounts: int) -> list[dict]:
    return [
        {"name": f"u{i}", "kind": "back_office", "headcount": h} for i, h in enumerate(headcounts)
    ]


def test_ties_per_employee_by_network_kind() -> None:
    def ties(network: dict, *headcounts: int) -> float:
        scenario = changesim.load_scenario(org(units(*headcounts), network=network))
        return ties_per_employee(scenario, sum(headcounts))

    assert ties({"kind": "complete"}, 100) == 0
    assert ties({"kind": "ring", "degree": 11}, 100) == 10  # rounded down to even
    assert ties({"kind": "ring", "degree": 500}, 100) == 99  # at most everyone else
    assert ties({"kind": "erdos_renyi", "degree": 7.5}, 100) == 7.5
    small_world = {"kind": "small_world", "degree": 10, "cross_unit_ties": 0.5}
    assert ties(small_world, 100, 100) == 15  # 10 within, half as many across
    assert ties({**small_world, "degree": 400}, 50, 100) == 99 * 1.5  # the largest unit's size


def test_the_estimate_is_linear_in_its_drivers() -> None:
    scenario = changesim.load_scenario(
        example(network={"kind": "ring", "degree": 8}, customers={"population": 1000})
    )
    parts = memory_needed(scenario, 2000)
    assert parts["organisation.units"] == BYTES_PER_EMPLOYEE * 2000
    assert parts["network.degree"] == BYTES_PER_EMPLOYEE_TIE * 2000 * 8
    assert parts["customers.population"] == BYTES_PER_CUSTOMER * 1000


def test_a_network_too_large_for_the_machine_is_refused(eight_gigabytes: None) -> None:
    """Three units of 5 million with 10,000 ties each: about 10 TB, refused with the estimate
    and blamed on the network degree, before any array is made."""
    scenario = changesim.load_scenario(
        org(
            units(5_000_000, 5_000_000, 5_000_000),
            network={"kind": "small_world", "degree": 10_000},
        )
    )
    with pytest.raises(changesim.ScenarioError) as caught:
        changesim.ChangeModel(scenario, rng=1, agents=False)
    (problem,) = caught.value.problems
    assert problem.path == "network.degree"
    needed = sum(memory_needed(scenario, 15_000_000).values()) / GB
    assert f"needs about {needed:.1f} GB" in problem.message
    assert "6.4 GB this machine can give" in problem.message


def test_many_customers_are_blamed_on_the_population(eight_gigabytes: None) -> None:
    scenario = changesim.load_scenario(
        example(customers={"population": 50_000_000}, network={"kind": "complete"})
    )
    check_memory(scenario, 1400)  # 1.5 GB: fits
    with pytest.raises(changesim.ScenarioError) as caught:
        check_memory(scenario, 20_000_000, label="big.yaml")
    (problem,) = caught.value.problems
    assert problem.file == "big.yaml"
    assert problem.path == "organisation.units"


def test_validate_reports_the_estimate(tmp_path, eight_gigabytes: None) -> None:
    import yaml

    from changesim.cli import app

    path = tmp_path / "huge.yaml"
    data = org(units(5_000_000, 5_000_000), network={"kind": "erdos_renyi", "degree": 1000})
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"error: {path}: network.degree: this run needs about" in result.stderr


def test_the_shipped_example_fits_this_machine() -> None:
    scenario = changesim.load_scenario(example())
    check_memory(scenario, 1400)  # no error
    assert sum(memory_needed(scenario, 1400).values()) < 0.1 * GB
