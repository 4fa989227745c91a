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
