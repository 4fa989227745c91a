"""The multichannel coupling: the uniform customer view, data feeds, steering and restrictions.

Every stochastic comparison uses fixed seeds and a tolerance derived from sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim import ChangeModel
from changesim.model.customers import (
    choice_table,
)
from changesim.scenario.customers import Feed
from tests.builders import (
    BACK,
    FRONT,
    NO_STEERING,
    SCENARIOS,
    cutover,
    example,
    load_example,
    org_rows,
    route_of,
    share_sd,
    unit_rows,
)

#: The example's stale feed: case data needed Monday, delivered Friday -> 4 stale days.
STALE_FACTOR = 1.0 - 4.0 / 7.0


def feeds(contact_centre: dict) -> list[dict]:
    """The example's three feeds with the contact centre's feed replaced."""
    return [
        {"from": BACK, "to": "contact_centre", **contact_centre},
        {"from": BACK, "to": "service_desks", "delivered": "monday", "needed": "monday"},
        {"from": BACK, "to": "web_team", "delivered": "monday", "needed": "monday"},
    ]


@pytest.mark.parametrize("route", ["back_office_first", "front_office_first"])
def test_no_customer_view_before_the_back_office_cuts_over(route):
    result = changesim.simulate(changesim.load_scenario(SCENARIOS / f"{route}.yaml"), seed=4)
    weekly = result.weekly
    back_cut = cutover(result, BACK)
    front = weekly[weekly["unit"].isin(FRONT)]
    before = front[front["week"] < back_cut]
    after = front[front["week"] >= back_cut]
    assert len(before) > 0
    assert len(after) > 0
    assert (before["customer_view"] == 0).all()
    assert (after["customer_view"] > 0).any()
    if route == "front_office_first":
        # Not vacuous: the front office was already working the new way before.
        assert (before["adopted_share"] > 0).any()


def view_factor(result, unit: str) -> pd.DataFrame:
    """Per week: the unit's customer view divided by (back-office cut over) x (adopted share).

    V_u = I_bo a_u F_u, so the ratio is the feed freshness F_u wherever I_bo a_u > 0.
    """
    rows = unit_rows(result.weekly, unit)
    integrated = (rows["week"] >= cutover(result, BACK)).astype(float)
    base = integrated * rows["adopted_share"]
    rows = rows.assign(base=base)
    rows = rows[rows["base"] > 0]
    return rows.assign(factor=rows["customer_view"] / rows["base"])


@pytest.fixture(scope="module")
def feed_runs():
    """Back-office first, the contact centre's feed stale (Friday for Monday) or aligned.

    Steering is off so that the phone channel keeps its large share of the contacts.
    """
    route = route_of("back_office_first")
    runs = []
    for delivered in ("friday", "monday"):
        customers = {"feeds": feeds({"delivered": delivered}), "steering": NO_STEERING}
        runs.append(changesim.simulate(load_example(route=route, customers=customers), seed=8))
    return tuple(runs)


def test_stale_feed_scales_the_contact_centres_view(feed_runs):
    stale, aligned = feed_runs
    stale_factor = view_factor(stale, "contact_centre")
    aligned_factor = view_factor(aligned, "contact_centre")
    assert len(stale_factor) > 0
    assert len(aligned_factor) > 0
    np.testing.assert_allclose(stale_factor["factor"], STALE_FACTOR, rtol=1e-12)
    np.testing.assert_allclose(aligned_factor["factor"], 1.0, rtol=1e-12)
    # Once everything is cut over and the contact centre fully adopted in both runs, the
    # stale view is exactly (1 - 4/7) times the aligned one.
    done = max(max(cutover(r, u) for u in (BACK, *FRONT)) for r in feed_runs)
    s = unit_rows(stale.weekly, "contact_centre").set_index("week")
    a = unit_rows(aligned.weekly, "contact_centre").set_index("week")
    both = s.index[(s.index >= done) & (s["adopted_share"] == 1.0) & (a["adopted_share"] == 1.0)]
    assert len(both) >= 10
    np.testing.assert_allclose(
        s.loc[both, "customer_view"], STALE_FACTOR * a.loc[both, "customer_view"], rtol=1e-12
    )
    # The other front-office units' feeds are aligned in both runs.
    for unit in ("web_team", "service_desks"):
        np.testing.assert_allclose(view_factor(stale, unit)["factor"], 1.0, rtol=1e-12)


def test_stale_feed_lowers_first_contact_resolution(feed_runs):
    stale, aligned = feed_runs
    done = max(max(cutover(r, u) for u in (BACK, *FRONT)) for r in feed_runs)
    s = org_rows(stale.weekly)
    a = org_rows(aligned.weekly)
    s, a = s[s["week"] >= done], a[a["week"] >= done]
    assert len(s) >= 20
    # Sampling error of one run's mean first-contact resolution over these T weeks:
    # - resolved or not, given the channel chosen: independent Bernoulli draws in every week,
    #   so the mean has sd <= sqrt(0.25 / total contacts);
    # - the channel mix: resolution is sum_c share_c r_c with r_c in [0, 1], so mix noise moves
    #   it by at most (range of r) / 2 <= 0.5 times the multinomial sd of the shares, per week
    #   sqrt(0.25 / n) and from the homes sqrt(0.25 / N); not divided by T (habits correlate
    #   the weeks).
    # The difference of the two runs has sqrt(2) times that sd; 4 sd (~0.017 here). The
    # expected gap is view_resolution_gain * 4/7 * phone share ~ 0.2 * 0.57 * 0.45 ~ 0.05.
    n = min(s["contacts"].min(), a["contacts"].min())
    total = min(s["contacts"].sum(), a["contacts"].sum())
    population = stale.scenario.customers.population
    sd = np.sqrt(0.25 / total) + 0.5 * np.sqrt(0.25 / n + 0.25 / population)
    gap = a["first_contact_resolution"].mean() - s["first_contact_resolution"].mean()
    assert gap > 4 * np.sqrt(2) * sd, (gap, sd)


def test_aligned_from_makes_the_view_fresh_from_that_week():
    aligned_week = 60
    scenario = load_example(
        route=route_of("back_office_first"),
        customers={"feeds": feeds({"delivered": "friday", "aligned_from": aligned_week})},
    )
    result = changesim.simulate(scenario, seed=8)
    rows = view_factor(result, "contact_centre")
    early = rows[rows["week"] < aligned_week]
    late = rows[rows["week"] >= aligned_week]
    assert len(early) > 0
    assert len(late) > 0
    np.testing.assert_allclose(early["factor"], STALE_FACTOR, rtol=1e-12)
    np.testing.assert_allclose(late["factor"], 1.0, rtol=1e-12)


def test_a_feed_counts_only_once_its_source_has_cut_over():
    """The contact centre also depends on the service desks' data (aligned, so fresh)."""
    extra = {"from": "service_desks", "to": "contact_centre"}
    customers = {"feeds": [*feeds({"delivered": "monday"}), extra]}
    result = changesim.simulate(
        load_example(route=route_of("back_office_first"), customers=customers), seed=8
    )
    rows = view_factor(result, "contact_centre").set_index("week")
    desks = cutover(result, "service_desks")
    before, after = rows[rows.index < desks], rows[rows.index >= desks]
    assert len(before) > 0
    assert len(after) > 0
    # Mean of the two feeds' freshness: 1/2 while the desks' data is missing, then 1.
    np.testing.assert_allclose(before["factor"], 0.5, rtol=1e-12)
    np.testing.assert_allclose(after["factor"], 1.0, rtol=1e-12)


def test_feed_stale_days():
    stale = Feed.model_validate({"from": "a", "to": "b", "delivered": "friday"})
    assert stale.stale_days(0) == 4  # needed Monday, delivered Friday: four days late
    assert Feed.model_validate({"from": "a", "to": "b"}).stale_days(0) == 0
    early = Feed.model_validate({"from": "a", "to": "b", "delivered": "monday", "needed": "friday"})
    assert early.stale_days(5) == 0  # delivered before it is needed: fresh
    sunday = Feed.model_validate({"from": "a", "to": "b", "delivered": "sunday"})
    assert sunday.stale_days(0) == 6  # the week's data comes at its very end
    late = Feed.model_validate({"from": "a", "to": "b", "delivered": "friday", "aligned_from": 10})
    assert late.stale_days(9) == 4
    assert late.stale_days(10) == 0


def test_steering_toward_web_raises_the_web_share():
    start = example()["customers"]["steering"]["start"]
    steered = changesim.simulate(load_example(), seed=9)
    plain = changesim.simulate(load_example(customers={"steering": NO_STEERING}), seed=9)
    s, p = org_rows(steered.weekly), org_rows(plain.weekly)
    # Before steering starts nothing differs: same seed, same draws.
    pd.testing.assert_frame_equal(s[s["week"] < start], p[p["week"] < start])
    s, p = s[s["week"] >= start], p[p["week"] >= start]
    # Weekly shares have binomial sd <= sqrt(0.25 / n); the difference of the two runs' means
    # has sd <= sqrt(2) times that without dividing by the number of weeks (conservative: the
    # weeks are correlated through habits); 4 sd.
    n = min(s["contacts"].min(), p["contacts"].min())
    tolerance = 4 * np.sqrt(2) * share_sd(n)
    gain = s["channel_share_web"].mean() - p["channel_share_web"].mean()
    assert gain > tolerance


def test_restriction_caps_the_desk_share():
    cap, start = 0.05, 10
    scenario = load_example(
        customers={
            "steering": {
                **NO_STEERING,
                "restrictions": [{"channel": "desk", "cap": cap, "start": start}],
            }
        }
    )
    org = org_rows(changesim.simulate(scenario, seed=10).weekly)
    share = org["channel_share_desk"].to_numpy()
    contacts = org["contacts"].to_numpy()
    weeks = org["week"].to_numpy()
    after = weeks >= start
    assert np.all(share[after] <= cap + 1.0 / contacts[after])
    # Before the restriction the desk carries about its initial share 0.20; 0.05 is more than
    # 30 binomial sd (sqrt(0.2 * 0.8 / 12,000) ~ 0.004) below it.
    assert np.all(share[~after] > cap)


def test_the_steering_instruments_act_differently():
    """communication informs non-users; product also resolves more; benefit pulls everyone."""
    from changesim.model.channels import PRODUCT_RESOLUTION_GAIN, ChannelCoupling

    def conditions(**steering):
        steer = {**NO_STEERING, "target": "web", "start": 0, **steering}
        scenario = load_example(customers={"steering": steer})
        model = ChangeModel(scenario, rng=1, agents=False)
        coupling = ChannelCoupling(scenario)
        view = coupling.customer_view(model.state)
        return coupling.conditions(model.state, view), model.customers.constants, scenario

    plain, constants, scenario = conditions()
    habit = scenario.customers.choice.habit
    web = scenario.customers.channel_names().index("web")

    def table(c):
        base = constants + scenario.customers.choice.quality * c.quality + c.steering
        return choice_table(base, habit, c.awareness)

    told, _, _ = conditions(communication=1.0)
    # Customers at home on the web choose as before; everyone else leans toward the web.
    np.testing.assert_allclose(table(told)[web], table(plain)[web], rtol=1e-12)
    others = [k for k in range(3) if k != web]
    assert np.all(table(told)[others, web] > table(plain)[others, web])
    np.testing.assert_array_equal(told.resolution, plain.resolution)

    offered, _, _ = conditions(product=2.0)
    gained = offered.resolution - plain.resolution
    np.testing.assert_allclose(gained[web], 2.0 * PRODUCT_RESOLUTION_GAIN, rtol=1e-12)
    assert np.all(np.delete(gained, web) == 0)

    cheaper, _, _ = conditions(benefit=1.0)
    assert np.all(table(cheaper)[:, web] > table(plain)[:, web])  # every home, web users too
    np.testing.assert_array_equal(cheaper.resolution, plain.resolution)
