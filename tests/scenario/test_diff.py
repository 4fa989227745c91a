"""What two scenarios differ in: dotted paths, whole list items, and what a fair route
comparison may differ in."""

from __future__ import annotations

from pathlib import Path

import changesim
from changesim.scenario.diff import beyond_route, differing_fields, flatten
from tests.builders import SCENARIOS, load_example, route_of, table_scenario


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


def test_flatten_names_every_leaf_by_its_dotted_path():
    nested = {"a": {"b": 1, "c": [2, {"d": 3}, [4, 5]], "e": [], "f": {}}, "g": None}
    assert flatten(nested) == {
        "a.b": 1,
        "a.c[0]": 2,
        "a.c[1].d": 3,
        "a.c[2][0]": 4,
        "a.c[2][1]": 5,
        "a.e": [],  # an empty list is a value of its own
        "g": None,
    }
    assert flatten({}) == {}
    assert flatten([]) == {"": []}
    assert flatten(7) == {"": 7}


def test_a_scenario_with_a_population_table_differs_from_itself_in_nothing(tmp_path: Path):
    scenario = table_scenario(tmp_path, ["1", "0"])
    assert differing_fields(scenario, table_scenario(tmp_path, ["1", "0"])) == []
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    moved = table_scenario(elsewhere, ["1", "0"])
    assert differing_fields(scenario, moved) == ["population.table"]
    assert differing_fields(moved, scenario) == ["population.table"]


def test_the_difference_is_the_same_both_ways_for_an_override_on_one_side():
    base = load_example()
    other = load_example(population={"units": {"service_desks": {"resistance": {"mean": 0.5}}}})
    there = differing_fields(base, other)
    assert "population.units.service_desks.resistance.mean" in there
    assert sorted(there) == sorted(differing_fields(other, base))
    assert all(path.startswith("population.units.service_desks.") for path in there)


def test_a_changed_field_of_a_list_item_is_named_by_its_own_path():
    base = load_example()
    data = base.model_dump(mode="json", by_alias=True)
    longer = [*data["interventions"][:2], {**data["interventions"][2], "weeks": 40}]
    assert differing_fields(base, load_example(interventions=longer)) == ["interventions[2].weeks"]
    feeds = [dict(feed) for feed in data["customers"]["feeds"]]
    feeds[0]["delivered"] = "monday"
    fresh = load_example(customers={"feeds": feeds})
    assert differing_fields(base, fresh) == ["customers.feeds[0].delivered"]


def test_a_list_item_on_one_side_only_is_one_path_with_or_without_a_kind():
    base = load_example()
    data = base.model_dump(mode="json", by_alias=True)
    # a feed has no kind: a removed one is still named as a whole
    fewer = load_example(customers={"feeds": data["customers"]["feeds"][:2]})
    assert differing_fields(base, fewer) == ["customers.feeds[2]"]
    assert differing_fields(fewer, base) == ["customers.feeds[2]"]
    # an added item with a list inside is named as a whole, not by its inner items
    reached = {
        "kind": "communication",
        "start": 50,
        "weeks": 2,
        "units": ["web_team", "case_handling"],
    }
    more = load_example(interventions=[*data["interventions"], reached])
    assert differing_fields(base, more) == ["interventions[3]"]


def test_nested_list_items_are_collapsed_to_the_outermost_item_on_one_side_only():
    waves = route_of("pilot_then_waves")
    two = load_example(route=waves)
    three = load_example(
        route={**waves, "waves": [["case_handling"], ["contact_centre"], ["service_desks"]]}
    )
    # wave 1 is in both (its second unit is not); wave 2 is in one only
    assert differing_fields(two, three) == ["route.waves[1][1]", "route.waves[2]"]


def test_beyond_route_ignores_the_route_however_deep_and_the_fields_outside_a_run():
    waves = route_of("pilot_then_waves")
    gate = {**waves["gate"], "adopted_share": 0.7}
    scenarios = {
        "first": load_example(route=waves),
        "same but named": load_example(
            route={**waves, "gate": gate}, name="other", description="else", seed=9, replications=3
        ),
        "longer": load_example(route={"kind": "combined"}, weeks=120),
    }
    assert beyond_route(scenarios) == {"longer": ["weeks"]}


def test_beyond_route_of_no_scenario_or_one():
    assert beyond_route({}) == {}
    assert beyond_route({"only": load_example(weeks=120)}) == {}
