"""Checks across sections: each problem names its field path, the bad value and what is allowed.

Every case is a scenario mapping on a four-unit organisation (one back-office unit, three
front-office units) with one thing wrong, loaded with ``changesim.load_scenario``. The whole
list of problems is compared, so a check that fires too often fails as well as one that stays
silent. Sound variants of each case must load.
"""

from __future__ import annotations

from typing import Any

import pytest

import changesim
from tests.builders import BO, PHONE, WEB, org

DESK = {"name": "desk", "kind": "front_office", "channel": "desk", "headcount": 30}
#: The organisation's units; the back-office is listed second.
FOUR = [WEB, BO, PHONE, DESK]
UNKNOWN = "unknown unit; the organisation has: web, bo, phone, desk"
TWICE = "unit appears in more than one phase"


def problems(data: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(field path, bad value, message) of every problem in ``data``, by path; [] if it loads."""
    try:
        changesim.load_scenario(data)
    except changesim.ScenarioError as error:
        found = error.problems
    else:
        return []
    assert all(p.file == "<mapping>" for p in found)
    return sorted(((p.path, p.value, p.message) for p in found), key=lambda p: p[0])


def missing(*names: str) -> tuple[str, str, str]:
    """The problem of a route that leaves ``names`` out."""
    listed = ", ".join(names)
    return ("route", listed, f"every unit must be in one phase; missing: {listed}")


# --- Unit names -------------------------------------------------------------------------------


def test_a_sound_scenario_that_names_units_everywhere_loads():
    data = org(
        FOUR,
        population={"units": {"bo": {"readiness": {"mean": 0.6}}}},
        route={
            "kind": "custom",
            "phases": [{"units": ["bo"]}, {"units": ["web", "phone", "desk"]}],
        },
        interventions=[{"kind": "communication", "units": ["bo", "desk"]}],
        customers={"feeds": [{"from": "bo", "to": "web"}]},
    )
    assert problems(data) == []


def test_every_repeat_of_a_unit_name_is_reported_but_not_its_first_use():
    units = [WEB, BO, {**PHONE, "name": "web"}, {**DESK, "name": "web"}]
    message = "this unit name is already used; names must be unique"
    assert problems(org(units)) == [
        ("organisation.units[2].name", "web", message),
        ("organisation.units[3].name", "web", message),
    ]


def test_population_override_for_an_unknown_unit_lists_the_units():
    overrides = {"ops": {"readiness": {"mean": 0.6}}, "bo": {"resistance": {"mean": 0.2}}}
    assert problems(org(FOUR, population={"units": overrides})) == [
        ("population.units.ops", "ops", UNKNOWN)
    ]


def test_a_unit_without_headcount_needs_a_population_table():
    units = [WEB, {"name": "bo", "kind": "back_office"}, PHONE, DESK]
    assert problems(org(units)) == [
        (
            "organisation.units[1].headcount",
            None,
            "required unless population.table gives the employees",
        )
    ]
    # The table is only read when the model is built, so a name suffices here.
    assert problems(org(units, population={"table": "staff.csv"})) == []


@pytest.mark.parametrize("choose", ["random", "centrality", "betweenness"])
def test_only_choosing_initial_adopters_from_the_table_needs_a_table(choose):
    adoption = {"initial_adopters": {"count": 3, "choose": choose}}
    assert problems(org(FOUR, adoption=adoption)) == []


def test_choosing_initial_adopters_from_the_table_without_a_table_is_refused():
    adoption = {"initial_adopters": {"count": 3, "choose": "table"}}
    assert problems(org(FOUR, adoption=adoption)) == [
        ("adoption.initial_adopters.choose", "table", "needs population.table")
    ]
    assert problems(org(FOUR, adoption=adoption, population={"table": "staff.csv"})) == []


# --- Routes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "units", "lacking"),
    [
        ("back_office_first", [WEB, PHONE], "back_office"),
        ("front_office_first", [BO], "front_office"),
        ("back_office_first", [BO], "front_office"),
        ("front_office_first", [WEB, PHONE, DESK], "back_office"),
    ],
)
def test_two_step_route_needs_a_unit_of_each_kind(kind, units, lacking):
    assert problems(org(units, route={"kind": kind})) == [
        ("route.kind", kind, f"the organisation has no {lacking} unit")
    ]


@pytest.mark.parametrize("kind", ["back_office_first", "front_office_first", "combined"])
def test_routes_by_kind_or_all_at_once_fit_an_organisation_with_both_kinds(kind):
    assert problems(org(FOUR, route={"kind": kind})) == []


def test_pilot_without_waves_must_be_a_unit_and_the_default_wave_takes_the_rest():
    route = {"kind": "pilot_then_waves", "pilot": "ops"}
    assert problems(org(FOUR, route=route)) == [("route.pilot", "ops", UNKNOWN)]
    assert problems(org(FOUR, route={**route, "pilot": "desk"})) == []


def test_pilot_waves_that_place_every_unit_once_load():
    route = {"kind": "pilot_then_waves", "pilot": "web", "waves": [["bo"], ["phone", "desk"]]}
    assert problems(org(FOUR, route=route)) == []


def test_pilot_waves_report_unknown_repeated_and_missing_units():
    route = {
        "kind": "pilot_then_waves",
        "pilot": "phone",
        "waves": [["web", "ops"], ["phone"], ["web"]],
    }
    assert problems(org(FOUR, route=route)) == [
        missing("bo", "desk"),
        ("route.waves[0][1]", "ops", UNKNOWN),
        ("route.waves[1][0]", "phone", TWICE),
        ("route.waves[2][0]", "web", TWICE),
    ]


def test_custom_route_reports_unknown_repeated_and_missing_units():
    route = {
        "kind": "custom",
        "phases": [{"units": ["desk", "web"]}, {"units": ["crm", "desk"]}, {"units": ["bo"]}],
    }
    assert problems(org(FOUR, route=route)) == [
        missing("phone"),
        ("route.phases[1].units[0]", "crm", UNKNOWN),
        ("route.phases[1].units[1]", "desk", TWICE),
    ]


def test_custom_route_may_gate_any_phase_but_the_first():
    first = {"units": ["bo"], "gate": {"adopted_share": 0.5}}
    second = {"units": ["web", "phone", "desk"], "gate": {"adopted_share": 0.7, "max_weeks": 4}}
    message = "the first phase has no previous phase to gate on; use after_weeks"
    assert problems(org(FOUR, route={"kind": "custom", "phases": [first, second]})) == [
        ("route.phases[0].gate", {"adopted_share": 0.5, "max_weeks": None}, message)
    ]
    first.pop("gate")
    assert problems(org(FOUR, route={"kind": "custom", "phases": [first, second]})) == []


# --- Customers --------------------------------------------------------------------------------

CHANNELS_OF_THREE = "web, phone, desk"


def test_feeds_must_run_between_known_units():
    feeds = [
        {"from": "bo", "to": "ops"},
        {"from": "crm", "to": "web"},
        {"from": "bo", "to": "desk"},
    ]
    assert problems(org(FOUR, customers={"feeds": feeds})) == [
        ("customers.feeds[0].to", "ops", UNKNOWN),
        ("customers.feeds[1].from", "crm", UNKNOWN),
    ]


def test_steering_target_must_be_one_of_the_scenarios_channels():
    steering = {"target": "chat", "communication": 0.5}
    assert problems(org(FOUR, customers={"steering": steering})) == [
        (
            "customers.steering.target",
            "chat",
            f"not one of the scenario's channels: {CHANNELS_OF_THREE}",
        )
    ]
    assert problems(org(FOUR, customers={"steering": {**steering, "target": "web"}})) == []


def test_at_least_one_channel_must_stay_unrestricted():
    restrictions = [{"channel": c, "cap": 0.5} for c in ("phone", "desk")]
    assert problems(org(FOUR, customers={"steering": {"restrictions": restrictions}})) == []
    restrictions.append({"channel": "web", "cap": 0.5})
    assert problems(org(FOUR, customers={"steering": {"restrictions": restrictions}})) == [
        (
            "customers.steering.restrictions",
            ["phone", "desk", "web"],
            "at least one channel must stay unrestricted to take the overflow",
        )
    ]


def test_restricted_channel_must_be_one_of_the_scenarios_channels():
    restrictions = [{"channel": "web", "cap": 0.5}, {"channel": "mail", "cap": 0.0}]
    assert problems(org(FOUR, customers={"steering": {"restrictions": restrictions}})) == [
        (
            "customers.steering.restrictions[1].channel",
            "mail",
            f"not one of the scenario's channels: {CHANNELS_OF_THREE}",
        )
    ]


def test_a_units_channel_must_exist_in_the_customers_section():
    channels = {"web": {"initial_share": 0.6}, "phone": {"initial_share": 0.4}}
    assert problems(org(FOUR, customers={"channels": channels})) == [
        (
            "organisation.units[3].channel",
            "desk",
            "customers.channels has no such channel; it has: web, phone",
        )
    ]
    # Without a customers section, units may serve any channel.
    assert problems(org(FOUR)) == []


# --- Interventions ----------------------------------------------------------------------------

INDIVIDUAL_USES = "that approach uses: champions, communication, training"
ORGANISATION_USES = "that approach uses: champions, cross_unit_ties, work_redesign"


def test_intervention_units_must_be_known():
    interventions = [
        {"kind": "training", "units": ["bo"]},
        {"kind": "communication", "units": ["web", "ops", "desk"]},
    ]
    assert problems(org(FOUR, interventions=interventions)) == [
        ("interventions[1].units[1]", "ops", UNKNOWN)
    ]


@pytest.mark.parametrize(
    ("approach", "fits", "wrong", "uses"),
    [
        ("individual", "communication", "cross_unit_ties", INDIVIDUAL_USES),
        ("individual", "training", "work_redesign", INDIVIDUAL_USES),
        ("organisation", "cross_unit_ties", "communication", ORGANISATION_USES),
        ("organisation", "work_redesign", "training", ORGANISATION_USES),
    ],
)
def test_intervention_of_the_other_approach_is_refused_and_the_fitting_ones_listed(
    approach, fits, wrong, uses
):
    interventions = [{"kind": "champions"}, {"kind": fits}, {"kind": wrong}]
    assert problems(org(FOUR, approach=approach, interventions=interventions)) == [
        (
            "interventions[2].kind",
            wrong,
            f"does not belong to approach {approach!r}; {uses}",
        )
    ]
    assert problems(org(FOUR, approach=approach, interventions=interventions[:2])) == []
