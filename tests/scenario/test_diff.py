"""What two scenarios differ in: dotted paths, whole list items, and what a fair route
comparison may differ in."""

from __future__ import annotations

import changesim
from changesim.scenario.diff import beyond_route, differing_fields
from tests.builders import SCENARIOS, load_example, route_of


def test_a_scenario_differs_from_itself_in_nothing():
    scenario = load_example()
    assert differing_fields(scenario, load_example()) == []


def test_one_changed_value_is_one_path():
    changed = load_example(population={"readiness": {"mean": 0.6}})
    assert differing_fields(load_example(), changed) == ["population.readiness.mean"]


def test_an_added_or_replaced_list_item_is_named_as_a_whole():
    base = load_example()
    data = base.model_dump(mode="json", by_alias=True)
    added = data["interventions"] + [{"kind": "communication", "start": 50, "weeks": 2}]
    longer = load_example(interventions=added)
    assert differing_fields(base, longer) == ["interventions[3]"]
    replaced = [{"kind": "communication", "start": 0, "weeks": 12}, *data["interventions"][:2]]
    shuffled = load_example(interventions=replaced)
    # item 0 keeps its kind (fields change), items 1 and 2 change kind: whole items
    fields = differing_fields(base, shuffled)
    assert "interventions[1]" in fields
    assert "interventions[2]" in fields
    assert not any(f.startswith("interventions[1].") for f in fields)


def test_routes_that_differ_in_the_route_only_are_not_listed():
    scenarios = {
        r: load_example(route=route_of(r), name=r, seed=7)
        for r in ("combined", "back_office_first")
    }
    assert beyond_route(scenarios) == {}


def test_the_shipped_approach_pair_differs_in_approach_and_interventions_only():
    pilot = changesim.load_scenario(SCENARIOS / "pilot_then_waves.yaml")
    organisation = changesim.load_scenario(SCENARIOS / "organisation_oriented.yaml")
    found = beyond_route({"individual": pilot, "organisation": organisation})
    # the champions (item 2) are the same in both; items 0 and 1 are other interventions
    assert found == {"organisation": ["approach", "interventions[0]", "interventions[1]"]}


def test_the_shipped_approach_pair_spends_the_same_budget():
    """Equal budget by construction: the same total intervention cost in a run of each."""
    costs = [
        changesim.simulate(changesim.load_scenario(SCENARIOS / f"{name}.yaml"), seed=3).summary[
            "total_intervention_cost"
        ]
        for name in ("pilot_then_waves", "organisation_oriented")
    ]
    assert costs[0] == costs[1] == 724_000
