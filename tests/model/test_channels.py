"""The multichannel coupling: the uniform customer view, data feeds, steering and restrictions.

Every stochastic comparison uses fixed seeds and a tolerance derived from sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim import ChangeModel
from changesim.model.channels import ChannelCoupling
from changesim.model.customers import (
    choice_table,
)
from changesim.model.feeds import DataFeeds
from changesim.model.state import NOT_YET
from changesim.scenario.customers import Feed
from tests.builders import (
    BACK,
    BO,
    FRONT,
    NO_STEERING,
    SCENARIOS,
    WEB,
    cutover,
    example,
    load_example,
    org,
    org_rows,
    route_of,
    share_sd,
    unit_rows,
)

#: The example's stale feed: case data needed Monday, delivered Friday -> 4 stale days.
STALE_FACTOR = 1.0 - 4.0 / 7.0
#: The people-side cost of stale data switched off (the feed acts on customers only).
PEOPLE_OFF = {"stale_rework": 0.0, "stale_slowdown": 0.0}


def feeds(contact_centre: dict) -> list[dict]:
    """The example's three feeds with the contact centre's feed replaced."""
    return [
        {"from": BACK, "to": "contact_centre", **contact_centre},
        {"from": BACK, "to": "service_desks", "delivered": "monday", "needed": "monday"},
        {"from": BACK, "to": "web_team", "delivered": "monday", "needed": "monday"},
    ]


@pytest.mark.slow
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

    Steering is off so that the phone channel keeps its large share of the contacts. The
    people-side cost of stale data (``stale_rework``, ``stale_slowdown``; tests/model/
    test_feeds.py) is switched off, so that both runs adopt alike and the customer side is
    seen alone.
    """
    route = route_of("back_office_first")
    runs = []
    for delivered in ("friday", "monday"):
        customers = {
            "feeds": feeds({"delivered": delivered}),
            "steering": NO_STEERING,
            **PEOPLE_OFF,
        }
        runs.append(changesim.simulate(load_example(route=route, customers=customers), seed=8))
    return tuple(runs)


@pytest.mark.slow
def test_stale_feed_scales_the_contact_centres_view(feed_runs):
    stale, aligned = feed_runs
    stale_factor = view_factor(stale, "contact_centre")
    aligned_factor = view_factor(aligned, "contact_centre")
    assert len(stale_factor) > 0
    assert len(aligned_factor) > 0
    np.testing.assert_allclose(stale_factor["factor"], STALE_FACTOR, rtol=1e-12)
    np.testing.assert_allclose(aligned_factor["factor"], 1.0, rtol=1e-12)
    # Once everything is cut over, the contact centre adopts alike in both runs (the feed's
    # people-side cost is off) and the stale view is exactly (1 - 4/7) times the aligned one.
    # (Hold-outs keep its adopted share below 1, so the weeks are those of equal shares.)
    done = max(max(cutover(r, u) for u in (BACK, *FRONT)) for r in feed_runs)
    s = unit_rows(stale.weekly, "contact_centre").set_index("week")
    a = unit_rows(aligned.weekly, "contact_centre").set_index("week")
    same = (s["adopted_share"] == a["adopted_share"]) & (s["adopted_share"] > 0)
    both = s.index[(s.index >= done) & same]
    assert len(both) >= 10
    np.testing.assert_allclose(
        s.loc[both, "customer_view"], STALE_FACTOR * a.loc[both, "customer_view"], rtol=1e-12
    )
    # The other front-office units' feeds are aligned in both runs.
    for unit in ("web_team", "service_desks"):
        np.testing.assert_allclose(view_factor(stale, unit)["factor"], 1.0, rtol=1e-12)


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


# ---------------------------------------------------------------- hand-built states
#
# Small scenarios whose OrgState is set by hand, so that every number below follows from the
# formulas in the module docstring: V_u = I_bo a_u F_u, quality = unit quality + gain V,
# resolution = clip(base * unit quality + gain V, 0, 1).

#: Two back-office units of different size (I_bo is a headcount share, not a unit count),
#: two web units of different size (a channel's values are headcount-weighted), one phone
#: unit; the desk channel has no unit at all.
HAND_UNITS = [
    {"name": "bo1", "kind": "back_office", "headcount": 60},
    {"name": "bo2", "kind": "back_office", "headcount": 30},
    {"name": "web1", "kind": "front_office", "channel": "web", "headcount": 40},
    {"name": "web2", "kind": "front_office", "channel": "web", "headcount": 20},
    {"name": "phone", "kind": "front_office", "channel": "phone", "headcount": 50},
]
BO1, BO2, WEB1, WEB2, PHONE_UNIT = range(5)
WEB_C, PHONE_C, DESK_C = range(3)

#: phone needs bo1's data (Friday for Monday: 4 stale days) and web1's (on time);
#: web1 needs bo2's data (Thursday for Monday: 3 stale days, aligned from week 10).
HAND_FEEDS = [
    {"from": "bo1", "to": "phone", "delivered": "friday"},
    {"from": "web1", "to": "phone"},
    {"from": "bo2", "to": "web1", "delivered": "thursday", "aligned_from": 10},
]


def hand_made(units=HAND_UNITS, experience=0.0, **customers):
    """A small scenario, its coupling and a state with nothing cut over or adopted."""
    spec = {
        "population": 500,
        "channels": {
            "web": {"initial_share": 0.3, "first_contact_resolution": 0.6},
            "phone": {"initial_share": 0.5},
            "desk": {"initial_share": 0.2},
        },
        "feeds": HAND_FEEDS,
        **customers,
    }
    data = org(
        units,
        organisation={"units": units, "experience": {"channel_steering": experience}},
        customers=spec,
    )
    scenario = changesim.load_scenario(data)
    state = ChangeModel(scenario, rng=1, agents=False).state
    assert np.all(state.cutover_week == NOT_YET)
    assert np.all(state.adopted_count == 0)
    state.week = 3
    return scenario, ChannelCoupling(scenario), state


def adopt_first(state, unit: int, count: int) -> None:
    """``count`` employees of ``unit`` adopt."""
    state.adopt(state.unit_start[unit] + np.arange(count))


def test_freshness_averages_the_dependencies_whose_source_has_cut_over():
    """Each front-office unit depends on every back-office unit and on its listed feeds'
    sources; a back-office unit without a listed feed counts 0 (no view of its data; before
    ADR 0010 a unit without feeds had F = 1). web1 depends on bo1 (missing) and bo2; web2 on
    bo1 and bo2 (both missing); phone on bo1, bo2 (missing) and web1."""
    _, coupling, state = hand_made()
    # No source has cut over: 0 for every front-office unit; 1 for the back office (no
    # dependencies).
    np.testing.assert_array_equal(coupling.freshness(state), [1, 1, 0, 0, 0])
    state.cutover_week[BO1] = 2
    # phone: bo1's stale feed counts (1 - 4/7), bo2 and web1 are 0; mean of three.
    np.testing.assert_allclose(coupling.freshness(state), [1, 1, 0, 0, 1 / 7], rtol=1e-12)
    state.cutover_week[WEB1] = 3
    np.testing.assert_allclose(coupling.freshness(state), [1, 1, 0, 0, 10 / 21], rtol=1e-12)
    state.cutover_week[BO2] = 0  # cut over in week 0 counts too (only NOT_YET does not)
    # web1: bo2's feed 3 days stale (1 - 3/7), bo1's missing: (4/7 + 0) / 2.
    np.testing.assert_allclose(coupling.freshness(state), [1, 1, 2 / 7, 0, 10 / 21], rtol=1e-12)
    state.week = 9
    np.testing.assert_allclose(coupling.freshness(state)[WEB1], 2 / 7, rtol=1e-12)
    state.week = 10  # bo2's delivery is aligned from week 10: fresh
    np.testing.assert_allclose(coupling.freshness(state), [1, 1, 1 / 2, 0, 10 / 21], rtol=1e-12)


def test_freshness_is_one_without_feeds():
    _, coupling, state = hand_made(feeds=[])
    np.testing.assert_array_equal(coupling.freshness(state), np.ones(5))


def test_customer_view_is_integration_times_adoption_times_freshness():
    _, coupling, state = hand_made()
    adopt_first(state, WEB1, 10)  # a = 1/4
    adopt_first(state, WEB2, 5)  # a = 1/4
    adopt_first(state, PHONE_UNIT, 50)  # a = 1
    # Adopted, but no back-office unit has cut over: no view anywhere.
    view = coupling.customer_view(state)
    assert np.all(np.isnan(view[[BO1, BO2]]))
    np.testing.assert_array_equal(view[[WEB1, WEB2, PHONE_UNIT]], 0.0)
    # bo1 (60 of the 90 back-office employees) cuts over: I_bo = 2/3. A front-office unit
    # that cuts over (web2) does not count toward I_bo.
    state.cutover_week[BO1] = 1
    state.cutover_week[WEB2] = 2
    view = coupling.customer_view(state)
    assert np.all(np.isnan(view[[BO1, BO2]]))
    # web1: bo1's feed missing, bo2 not cut over, F = 0; web2: no feeds, so no view of either
    # back-office unit's data, F = 0 (ADR 0010); phone: F = (1 - 4/7 + 0 + 0) / 3 = 1/7.
    np.testing.assert_allclose(
        view[[WEB1, WEB2, PHONE_UNIT]], [0.0, 0.0, 2 / 3 * 1 / 7], rtol=1e-12
    )
    state.cutover_week[BO2] = 1  # I_bo = 1; web1's feed from bo2 arrives 3 days stale
    view = coupling.customer_view(state)
    np.testing.assert_allclose(
        view[[WEB1, WEB2, PHONE_UNIT]], [1 / 4 * 2 / 7, 0.0, 1 / 7], rtol=1e-12
    )


def test_no_back_office_means_no_customer_view():
    units = [
        {"name": "web1", "kind": "front_office", "channel": "web", "headcount": 40},
        {"name": "phone", "kind": "front_office", "channel": "phone", "headcount": 50},
    ]
    _, coupling, state = hand_made(units=units, feeds=[])
    adopt_first(state, 0, 40)
    adopt_first(state, 1, 50)
    state.cutover_week[:] = 1
    np.testing.assert_array_equal(coupling.customer_view(state), [0.0, 0.0])


def hand_conditions(week: int, **customers):
    """Conditions in ``week`` with hand-set unit quality and view (web1 1.2 / 0.5,
    web2 0.9 / 0.2, phone 0.8 / 0.3; back office 0.5 and NaN, which must not matter)."""
    scenario, coupling, state = hand_made(
        view_quality_gain=0.25, view_resolution_gain=0.3, **customers
    )
    state.week = week
    state.quality[:] = [0.5, 0.5, 1.2, 0.9, 0.8]
    view = np.array([np.nan, np.nan, 0.5, 0.2, 0.3])
    return scenario, coupling.conditions(state, view)


#: Headcount-weighted unit quality and view per channel: web (40 x 1.2 + 20 x 0.9) / 60 = 1.1
#: and (40 x 0.5 + 20 x 0.2) / 60 = 0.4; phone 0.8 and 0.3; desk (no unit) 1 and 0.
UNIT_QUALITY = np.array([1.1, 0.8, 1.0])
CHANNEL_VIEW = np.array([0.4, 0.3, 0.0])
#: First-contact resolution: web set to 0.6, phone and desk the defaults 0.7 and 0.75.
BASE_RESOLUTION = np.array([0.6, 0.7, 0.75])


def test_conditions_quality_and_resolution_from_units_and_view():
    _, plain = hand_conditions(week=3)
    np.testing.assert_allclose(plain.quality, UNIT_QUALITY + 0.25 * CHANNEL_VIEW, rtol=1e-12)
    np.testing.assert_allclose(
        plain.resolution, BASE_RESOLUTION * UNIT_QUALITY + 0.3 * CHANNEL_VIEW, rtol=1e-12
    )
    # 0.6 x 1.1 + 0.3 x 0.4 = 0.78, 0.7 x 0.8 + 0.09 = 0.65, 0.75: hand-checked.
    np.testing.assert_allclose(plain.resolution, [0.78, 0.65, 0.75], rtol=1e-12)
    np.testing.assert_array_equal(plain.steering, 0.0)
    np.testing.assert_array_equal(plain.awareness, 0.0)
    np.testing.assert_array_equal(plain.cap, 1.0)


def test_conditions_resolution_is_clipped_to_one():
    _, coupling, state = hand_made(view_resolution_gain=0.5)
    state.quality[:] = [1.0, 1.0, 1.5, 1.5, 1.2]
    view = np.array([np.nan, np.nan, 1.0, 1.0, 0.0])
    conditions = coupling.conditions(state, view)
    # web 0.6 x 1.5 + 0.5 = 1.4 -> 1; phone 0.7 x 1.2 = 0.84; desk 0.75.
    np.testing.assert_allclose(conditions.resolution, [1.0, 0.84, 0.75], rtol=1e-12)
    np.testing.assert_allclose(conditions.quality, [1.5 + 0.15, 1.2, 1.0], rtol=1e-12)


STEER = {"target": "web", "start": 5, "communication": 0.4, "product": 2.0, "benefit": 0.6}


def test_steering_acts_on_the_target_from_its_start_week():
    from changesim.model.channels import PRODUCT_RESOLUTION_GAIN

    assert PRODUCT_RESOLUTION_GAIN == 0.05  # the documented illustrative gain
    _, before = hand_conditions(week=4, steering=STEER)
    _, plain = hand_conditions(week=4)
    for field in ("quality", "resolution", "steering", "awareness", "cap"):
        np.testing.assert_array_equal(getattr(before, field), getattr(plain, field))
    _, steered = hand_conditions(week=5, steering=STEER)
    # Without experience: product + benefit for everyone, communication for newcomers, both
    # only on the target; product adds 0.05 per unit to the target's resolution.
    np.testing.assert_allclose(steered.steering, [2.6, 0.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(steered.awareness, [0.4, 0.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(steered.resolution, [0.78 + 0.1, 0.65, 0.75], rtol=1e-12)
    np.testing.assert_array_equal(steered.quality, plain.quality)
    np.testing.assert_array_equal(steered.cap, 1.0)


def test_steering_toward_another_target_and_experience_multiplies_the_utilities():
    steer = {**STEER, "target": "phone"}
    _, coupling, state = hand_made(experience=0.5, steering=steer)
    state.week = 5
    assert coupling.target == PHONE_C
    conditions = coupling.conditions(state, np.zeros(5))
    # (1 + E_cs) = 1.5 multiplies the utilities, not the resolution gain.
    np.testing.assert_allclose(conditions.steering, [0.0, 2.6 * 1.5, 0.0], rtol=1e-12)
    np.testing.assert_allclose(conditions.awareness, [0.0, 0.4 * 1.5, 0.0], rtol=1e-12)
    np.testing.assert_allclose(conditions.resolution, [0.6, 0.7 + 0.1, 0.75], rtol=1e-12)


def test_product_cannot_push_resolution_above_one():
    _, coupling, state = hand_made(steering={**STEER, "start": 0, "product": 5.0})
    conditions = coupling.conditions(state, np.zeros(5))
    # web: 0.6 + 5 x 0.05 = 0.85; with a fresh view (+ 0.2 x 1) it would pass 1.
    np.testing.assert_allclose(conditions.resolution[WEB_C], 0.85, rtol=1e-12)
    view = np.array([np.nan, np.nan, 1.0, 1.0, 0.0])
    conditions = coupling.conditions(state, view)
    assert conditions.resolution[WEB_C] == 1.0


def test_restrictions_cap_from_their_start_week_the_tightest_first():
    restrictions = [
        {"channel": "phone", "cap": 0.2, "start": 8},
        {"channel": "phone", "cap": 0.3, "start": 6},
        {"channel": "desk", "cap": 0.5},
    ]
    steering = {**NO_STEERING, "restrictions": restrictions}
    caps = {week: hand_conditions(week, steering=steering)[1].cap for week in (0, 5, 6, 7, 8, 30)}
    np.testing.assert_array_equal(caps[0], [1.0, 1.0, 0.5])
    np.testing.assert_array_equal(caps[5], [1.0, 1.0, 0.5])
    np.testing.assert_array_equal(caps[6], [1.0, 0.3, 0.5])
    np.testing.assert_array_equal(caps[7], [1.0, 0.3, 0.5])
    np.testing.assert_array_equal(caps[8], [1.0, 0.2, 0.5])
    np.testing.assert_array_equal(caps[30], [1.0, 0.2, 0.5])


def test_a_channel_served_by_a_single_employee_takes_that_units_values():
    units = [
        {"name": "bo", "kind": "back_office", "headcount": 10},
        {"name": "web1", "kind": "front_office", "channel": "web", "headcount": 1},
        {"name": "phone", "kind": "front_office", "channel": "phone", "headcount": 50},
    ]
    _, coupling, state = hand_made(
        units=units, feeds=[], view_quality_gain=0.25, view_resolution_gain=0.3
    )
    state.quality[:] = [1.0, 0.8, 1.0]
    conditions = coupling.conditions(state, np.array([np.nan, 0.3, 0.0]))
    # web: 0.8 + 0.25 x 0.3 and 0.6 x 0.8 + 0.3 x 0.3; desk has no unit: 1 and 0.75.
    np.testing.assert_allclose(conditions.quality, [0.875, 1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(conditions.resolution, [0.57, 0.7, 0.75], rtol=1e-12)


def test_conditions_resolution_is_clipped_at_zero():
    # Quality can fall below 0 in the J-curve (mixing_penalty up to 1 at half adoption);
    # the resolution probability stays a probability.
    _, coupling, state = hand_made(feeds=[])
    state.quality[:] = [1.0, 1.0, -0.5, -0.5, 0.5]
    conditions = coupling.conditions(state, np.array([np.nan, np.nan, 0.0, 0.0, 0.0]))
    np.testing.assert_allclose(conditions.resolution, [0.0, 0.35, 0.75], rtol=1e-12)
    np.testing.assert_allclose(conditions.quality, [-0.5, 0.5, 1.0], rtol=1e-12)


def test_the_coupling_needs_customers() -> None:
    scenario = changesim.load_scenario(org([BO, WEB]))
    with pytest.raises(ValueError, match=r"^the channel coupling needs a scenario with customers$"):
        ChannelCoupling(scenario)


def test_one_coupling_week_after_week_answers_as_a_fresh_one():
    """Steering and restrictions kept from week to week follow every start week (also when
    asked for an earlier week again), and so do the cut-overs and feeds behind the view."""
    restrictions = [{"channel": "phone", "cap": 0.3, "start": 6}, {"channel": "desk", "cap": 0.5}]
    steering = {**STEER, "restrictions": restrictions}
    scenario, kept, state = hand_made(view_quality_gain=0.25, steering=steering)
    adopt_first(state, WEB1, 20)
    adopt_first(state, PHONE_UNIT, 30)
    for week in (0, 4, 5, 6, 7, 9, 3, 12):
        state.week = week
        if week == 7:
            state.cutover_week[BO1] = week
        if week == 9:
            state.cutover_week[:] = week
        fresh = ChannelCoupling(scenario)
        view = kept.customer_view(state)
        np.testing.assert_array_equal(view, fresh.customer_view(state))
        got, expected = kept.conditions(state, view), fresh.conditions(state, view)
        for field in ("quality", "resolution", "steering", "awareness", "cap"):
            np.testing.assert_array_equal(getattr(got, field), getattr(expected, field))
        assert not got.cap.flags.writeable


def test_the_coupling_reads_the_feeds_it_is_given():
    """The model's DataFeeds serves the coupling too, so that what it keeps serves both."""
    scenario, _, _ = hand_made()
    feeds = DataFeeds(scenario)
    assert ChannelCoupling(scenario, feeds).data is feeds
    assert ChannelCoupling(scenario).data is not feeds
