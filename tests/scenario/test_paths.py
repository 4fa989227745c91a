"""Dotted paths into a scenario, and ``changesim.variant``: one changed scenario from Python."""

from __future__ import annotations

import pytest

import changesim
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
    ("path", "message"),
    [
        ("adoption.speed", "adoption has no field 'speed'"),
        ("customers.feeds[7].delivered", "customers.feeds has 3 entries"),
        ("population", "names a whole section"),
        ("adoption..q", "is not a dotted path"),
    ],
)
def test_variant_names_a_path_that_names_no_field(path, message):
    with pytest.raises(changesim.ScenarioError) as error:
        changesim.variant(load_example(), {path: 1})
    text = str(error.value)
    assert path in text
    assert message in text
