"""Errors in the customers section name the field path and what is allowed."""

from __future__ import annotations

import pytest

import changesim
from tests.builders import example, load_example


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        (
            {"customers": {"channels": {"web": {"initial_share": 0.5}}}},
            "customers.channels",
        ),
        ({"customers": {"steering": {"target": "mail"}}}, "customers.steering.target"),
        (
            {"customers": {"feeds": [{"from": "nowhere", "to": "contact_centre"}]}},
            "customers.feeds[0].from",
        ),
        (
            {
                "customers": {
                    "channels": {
                        "web": {"initial_share": 0.5},
                        "phone": {"initial_share": 0.5},
                        "desk": None,
                    }
                }
            },
            "organisation.units[3].channel",
        ),
        (
            {"customers": {"steering": {"restrictions": [{"channel": "chat", "cap": 0.1}]}}},
            "customers.steering.restrictions[0].channel",
        ),
    ],
    ids=["shares_sum", "steering_target", "feed_from", "unit_channel", "restriction_channel"],
)
def test_customer_section_errors_name_the_path(overrides, path):
    data = example(**overrides)
    channels = data["customers"]["channels"]
    for name in [c for c, spec in channels.items() if spec is None]:
        del channels[name]
    with pytest.raises(changesim.ScenarioError) as error:
        changesim.load_scenario(data)
    assert path in str(error.value)


def test_restricting_every_channel_is_refused():
    restrictions = [{"channel": c, "cap": 0.5} for c in ("web", "phone", "desk")]
    with pytest.raises(changesim.ScenarioError) as error:
        load_example(customers={"steering": {"restrictions": restrictions}})
    assert "customers.steering.restrictions" in str(error.value)
    assert "unrestricted" in str(error.value)


#: The example's contact-centre feed.
CC_FEED = {"from": "case_handling", "to": "contact_centre", "delivered": "friday"}


@pytest.mark.parametrize(
    ("feeds", "path", "message"),
    [
        (
            [{**CC_FEED, "alignment": {"start": 4, "weeks": -2}}],
            "customers.feeds[0].alignment.weeks",
            "greater than or equal to 0",
        ),
        (
            [{**CC_FEED, "alignment": {"weeks": 2}}],
            "customers.feeds[0].alignment.start",
            "required",
        ),
        (
            [{**CC_FEED, "aligned_from": 10, "alignment": {"start": 4, "weeks": 2}}],
            "customers.feeds[0].aligned_from",
            "either aligned_from or alignment, not both",
        ),
        (
            [{**CC_FEED, "alignment": {"start": 4, "cost_per_week": -1}}],
            "customers.feeds[0].alignment.cost_per_week",
            "greater than or equal to 0",
        ),
        (
            [{"from": "contact_centre", "to": "contact_centre"}],
            "customers.feeds[0].to",
            "a feed runs between two units",
        ),
        (
            [CC_FEED, {**CC_FEED, "delivered": "monday"}],
            "customers.feeds[1]",
            "a second feed between the same units",
        ),
        (
            [{"from": "case_handling", "to": "call_centre"}],
            "customers.feeds[0].to",
            "unknown unit",
        ),
    ],
    ids=["weeks_negative", "start_missing", "both", "cost_negative", "self", "twice", "unknown"],
)
def test_feed_errors_name_the_path_and_the_problem(feeds, path, message):
    with pytest.raises(changesim.ScenarioError) as error:
        load_example(customers={"feeds": feeds})
    text = str(error.value)
    assert path in text
    assert message in text
    assert "Traceback" not in text


@pytest.mark.parametrize("field", ["stale_rework", "stale_slowdown"], ids=["rework", "slowdown"])
def test_stale_costs_are_shares(field):
    with pytest.raises(changesim.ScenarioError) as error:
        load_example(customers={field: 1.5})
    assert f"customers.{field}" in str(error.value)
    assert "less than or equal to 1" in str(error.value)
