"""Dotted paths into a scenario, and ``changesim.variant``: one changed scenario from Python."""

from __future__ import annotations

import copy

import pytest

import changesim
from changesim.scenario.paths import number_bounds, with_values
from tests.builders import load_example


def test_variant_sets_each_path_and_leaves_the_original_alone():
    base = load_example()
    changed = changesim.variant(
        base,
        {
            "adoption.q": 0.4,
            "customers.feeds[0].delivered": "monday",
            "organisation.units[1].headcount": 150,
        },
    )
    assert changed.adoption.q == 0.4
    assert changed.customers.feeds[0].delivered == "monday"
    assert changed.organisation.units[1].headcount == 150
    assert base.adoption.q == 0.25  # as shipped
    assert base.customers.feeds[0].delivered == "friday"
    # everything else is as it was
    assert changed.model_dump(exclude={"adoption", "customers", "organisation"}) == (
        base.model_dump(exclude={"adoption", "customers", "organisation"})
    )


def test_variant_validates_the_new_values():
    with pytest.raises(changesim.ScenarioError, match=r"adoption\.q.*less than or equal to 1"):
        changesim.variant(load_example(), {"adoption.q": 1.5})


@pytest.mark.parametrize(
    ("path", "line"),
    [
        (
            "adoption.speed",
            "adoption.speed: adoption has no field 'speed'; it has: initial_adopters, k, p, "
            "params, q, refusal, revert, rule",
        ),
        ("speed", "speed: the scenario has no field 'speed'; it has: adoption, approach, "),
        ("adoption.p.x", "adoption.p.x: adoption.p has no field 'x'"),  # nothing listed
        (
            "customers.feeds[7].delivered",
            "customers.feeds[7].delivered: customers.feeds has 3 entries (numbered from 0)",
        ),
        (
            "customers.feeds[3].delivered",
            "customers.feeds[3].delivered: customers.feeds has 3 entries (numbered from 0)",
        ),
        (
            "customers.feeds[0].when",
            "customers.feeds[0].when: customers.feeds[0] has no field 'when'; it has: "
            "aligned_from, alignment, delivered, from, needed, to",
        ),
        (
            "customers.feeds[0].delivered.day",
            "customers.feeds[0].delivered.day: customers.feeds[0].delivered has no field 'day'",
        ),
        ("population", "population: names a whole section; name one field inside it"),
        (
            "adoption..q",
            "adoption..q: 'adoption..q' is not a dotted path such as population.readiness.mean",
        ),
        (
            ".adoption.q",
            ".adoption.q: '.adoption.q' is not a dotted path such as population.readiness.mean",
        ),
    ],
)
def test_variant_names_a_path_that_names_no_field(path, line):
    with pytest.raises(changesim.ScenarioError) as error:
        changesim.variant(load_example(), {path: 1})
    text = str(error.value)
    assert text.startswith(f"<variant>: {line}")
    assert "(got" not in text
    if not line.endswith(", "):  # the whole message, not only its start
        assert text == f"<variant>: {line}"


def test_variant_reaches_unset_overrides_and_fields_named_by_an_alias():
    base = load_example()
    changed = changesim.variant(
        base,
        {
            "population.units.web_team.readiness.sd": 0.1,  # unset (None) in the example
            "customers.feeds[1].from": "web_team",  # "from" is the file's name for the field
        },
    )
    assert changed.population.units["web_team"].readiness.sd == 0.1
    assert changed.customers.feeds[1].source == "web_team"


def test_with_values_leaves_the_data_it_was_given_alone():
    data = load_example().model_dump(mode="json", by_alias=True)
    before = copy.deepcopy(data)
    changed = with_values(data, {"adoption.q": 0.4, "customers.feeds[0].delivered": "monday"})
    assert data == before
    assert changed["customers"]["feeds"][0]["delivered"] == "monday"


@pytest.mark.parametrize(
    ("path", "bounds"),
    [
        ("adoption.p", (0, 1)),
        ("adoption.k", (0, 100)),
        ("population.readiness.sd", (0.0, 0.5)),  # lt: the open end is still the bound
        ("population.units.web_team.readiness.mean", (0.0, 1.0)),  # an override, unset
        ("interventions[1].intensity", (0.0, 1.0)),  # through a list of several kinds
        ("customers.contact_rate", (0.0, 1.0)),
        ("quality.learning_weeks", (0, 520)),  # gt: the open end is still the bound
    ],
)
def test_number_bounds_are_the_schema_interval_of_the_field(path, bounds):
    assert number_bounds(load_example(), path) == bounds


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("weeks", r"weeks is not a real number \(it holds a whole number\)"),
        ("approach", "it holds a choice of 'individual', 'organisation'"),
        ("customers.feeds[0].from", "is not a real number"),  # an alias in the file
        ("adoption.pq", "adoption has no field 'pq'"),
        ("adoption", "names a whole section"),
        ("name", r"name is not a real number \(it holds str\)"),
        ("adoption..p", "is not a dotted path"),
    ],
)
def test_number_bounds_refuse_what_is_not_a_real_number(path, message):
    with pytest.raises(ValueError, match=message):
        number_bounds(load_example(), path)
