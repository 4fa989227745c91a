"""Data feeds cost people too: rework on stale data, slower adoption, the cost of aligning.

Hand-made organisations whose numbers follow from the formulas in ``changesim.model.feeds``;
stochastic comparisons use fixed seeds and a tolerance from the sampling error.
"""

from __future__ import annotations

import numpy as np
import pytest

import changesim
from changesim import ChangeModel
from changesim.model.channels import ChannelCoupling
from changesim.model.feeds import DataFeeds
from changesim.model.state import NOT_YET
from tests.builders import BACK, load_example, org, unit_rows

#: One back-office unit and three front-office units; the desk unit gets no feed.
UNITS = [
    {"name": "bo", "kind": "back_office", "headcount": 60},
    {"name": "web", "kind": "front_office", "channel": "web", "headcount": 40},
    {"name": "phone", "kind": "front_office", "channel": "phone", "headcount": 50},
    {"name": "desk", "kind": "front_office", "channel": "desk", "headcount": 30},
]
BO_, WEB_, PHONE_, DESK_ = range(4)
#: phone: bo's data Friday for Monday (4 stale days); web: on time; desk: no feed listed.
FEEDS = [
    {"from": "bo", "to": "phone", "delivered": "friday"},
    {"from": "bo", "to": "web"},
]
#: bo opens first; the front office 10 weeks later, when bo has long cut over.
BACK_FIRST = {"kind": "back_office_first", "gap_weeks": 10}


def scenario(feeds=FEEDS, route=None, weeks=30, adoption=None, **customers):
    """A small scenario with customers (Bass rule, complete network, no reversion)."""
    spec = {"population": 500, "feeds": feeds, **customers}
    extra: dict = {} if route is None else {"route": route}
    if adoption is not None:
        extra["adoption"] = adoption
    return changesim.load_scenario(org(UNITS, weeks=weeks, customers=spec, **extra))


def state_of(s):
    """A state of ``s`` with nothing cut over or adopted, in week 3."""
    state = ChangeModel(s, rng=1, agents=False).state
    state.adopted[:] = False
    state.adopted_count[:] = 0
    state.cutover_week[:] = NOT_YET
    state.week = 3
    return state


def adopt_first(state, unit: int, count: int) -> None:
    """``count`` employees of ``unit`` adopt."""
    state.adopt(state.unit_start[unit] + np.arange(count))


# ---------------------------------------------------------------- the dependencies


def test_a_missing_feed_is_a_dependency_that_never_delivers():
    s = scenario()
    data, state = DataFeeds(s), state_of(s)
    # Every front-office unit depends on bo; bo on nobody.
    np.testing.assert_array_equal(data.count, [0, 1, 1, 1])
    # Before bo cuts over nothing is shared: no freshness, nothing to work around.
    np.testing.assert_array_equal(data.freshness(state), [1, 0, 0, 0])
    np.testing.assert_array_equal(data.staleness(state), 0.0)
    state.cutover_week[BO_] = 2
    # web on time, phone 4 days stale, desk's data never arrives.
    np.testing.assert_allclose(data.freshness(state), [1, 1, 3 / 7, 0], rtol=1e-12)
    np.testing.assert_allclose(data.staleness(state), [0, 0, 4 / 7, 1], rtol=1e-12)


def test_a_unit_without_a_feed_has_no_view_of_that_data():
    """The desks' view differs from the view of the same unit with an aligned feed."""
    missing = scenario()
    aligned = scenario(feeds=[*FEEDS, {"from": "bo", "to": "desk"}])
    views = []
    for s in (missing, aligned):
        state = state_of(s)
        adopt_first(state, DESK_, 15)  # a = 1/2
        state.cutover_week[BO_] = 1  # I_bo = 1
        views.append(ChannelCoupling(s).customer_view(state)[DESK_])
    np.testing.assert_allclose(views, [0.0, 0.5], rtol=1e-12)


def test_without_any_listed_feed_every_feed_is_taken_as_aligned():
    s = scenario(feeds=[])
    data, state = DataFeeds(s), state_of(s)
    adopt_first(state, PHONE_, 50)
    state.cutover_week[BO_] = 1
    np.testing.assert_array_equal(data.freshness(state), 1.0)
    np.testing.assert_array_equal(data.staleness(state), 0.0)
    np.testing.assert_array_equal(data.quality_cost(state), 0.0)
    assert data.adoption_factor(state) is None
    assert data.alignment_cost(3) == 0.0


def test_scenarios_without_customers_have_no_feeds():
    s = changesim.load_scenario(org(UNITS))
    data = DataFeeds(s)
    assert not data.listed
    assert data.adoption_factor(state_of(s)) is None


def test_a_feed_between_front_office_units_adds_a_dependency():
    s = scenario(feeds=[*FEEDS, {"from": "web", "to": "phone", "delivered": "wednesday"}])
    data, state = DataFeeds(s), state_of(s)
    np.testing.assert_array_equal(data.count, [0, 1, 2, 1])
    state.cutover_week[BO_] = 1
    # web has not cut over: its data is not shared yet (freshness 0, nothing to work around).
    np.testing.assert_allclose(data.freshness(state)[PHONE_], (3 / 7 + 0) / 2, rtol=1e-12)
    np.testing.assert_allclose(data.staleness(state)[PHONE_], (4 / 7 + 0) / 2, rtol=1e-12)
    state.cutover_week[WEB_] = 2
    np.testing.assert_allclose(data.freshness(state)[PHONE_], (3 / 7 + 5 / 7) / 2, rtol=1e-12)
    np.testing.assert_allclose(data.staleness(state)[PHONE_], (4 / 7 + 2 / 7) / 2, rtol=1e-12)


# ---------------------------------------------------------------- what stale data costs


def test_quality_cost_is_rework_times_staleness_times_adopted_share():
    s = scenario(stale_rework=0.35, stale_slowdown=0.6)
    data, state = DataFeeds(s), state_of(s)
    adopt_first(state, WEB_, 40)
    adopt_first(state, PHONE_, 25)  # a = 1/2
    adopt_first(state, DESK_, 10)  # a = 1/3
    np.testing.assert_array_equal(data.quality_cost(state), 0.0)  # bo not cut over
    state.cutover_week[BO_] = 1
    np.testing.assert_allclose(
        data.quality_cost(state), [0, 0, 0.35 * 4 / 7 * 0.5, 0.35 * 1 * 1 / 3], rtol=1e-12
    )
    np.testing.assert_allclose(
        data.adoption_factor(state), [1, 1, 1 - 0.6 * 4 / 7, 1 - 0.6], rtol=1e-12
    )
    state.quality[:] = [1.0, 1.1, 1.05, 0.05]
    data.apply_quality_cost(state)
    np.testing.assert_allclose(state.quality, [1.0, 1.1, 1.05 - 0.1, 0.0], rtol=1e-12)


def test_switched_off_the_people_pay_nothing():
    s = scenario(stale_rework=0.0, stale_slowdown=0.0)
    data, state = DataFeeds(s), state_of(s)
    adopt_first(state, PHONE_, 50)
    state.cutover_week[BO_] = 1
    np.testing.assert_array_equal(data.quality_cost(state), 0.0)
    assert data.adoption_factor(state) is None


def quality_and_adoption(s, seed):
    """Per week, the units' quality and adopted counts of one run."""
    model = ChangeModel(s, rng=seed, agents=False)
    quality, adopted, cut = [model.state.quality.copy()], [model.state.adopted_count.copy()], []
    while model.running:
        model.step()
        quality.append(model.state.quality.copy())
        adopted.append(model.state.adopted_count.copy())
        cut.append(model.state.cutover_week.copy())
    return np.array(quality), np.array(adopted), model


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stale_data_lowers_the_receiving_units_quality_by_the_rework(seed):
    """Without slowdown (and no reversion) adoption is identical draw for draw, so the phone
    unit's quality is lower by exactly stale_rework x 4/7 x a in every week once bo has cut
    over, and nothing else changes."""
    friday = scenario(route=BACK_FIRST, stale_slowdown=0.0)
    monday = scenario(
        feeds=[{"from": "bo", "to": "phone"}, FEEDS[1]], route=BACK_FIRST, stale_slowdown=0.0
    )
    q_f, a_f, model = quality_and_adoption(friday, seed)
    q_m, a_m, _ = quality_and_adoption(monday, seed)
    np.testing.assert_array_equal(a_f, a_m)
    weeks = np.arange(len(q_f))
    after = weeks >= model.state.cutover_week[BO_]
    assert model.state.cutover_week[BO_] != NOT_YET
    share = a_f[:, PHONE_] / 50
    expected = q_m[:, PHONE_] - np.where(after, 0.2 * 4 / 7 * share, 0.0)
    np.testing.assert_allclose(q_f[:, PHONE_], np.maximum(expected, 0.0), rtol=0, atol=1e-12)
    assert np.any(after & (share > 0.5))  # not vacuous: a large cost in some weeks
    for unit in (BO_, WEB_, DESK_):
        np.testing.assert_array_equal(q_f[:, unit], q_m[:, unit])


def test_stale_data_slows_the_receiving_units_adoption():
    """The phone unit's adopted share 3 weeks after it opens (bo has cut over before), over
    12 seeds: lower with a feed six days late (factor 1 - 0.5 x 6/7 = 0.57) than aligned.

    Bass with p = 0.1, q = 0.4 and bo fully adopted (a third of everyone's neighbours) gives
    the phone unit a weekly adoption probability of about 0.22 aligned and 0.13 stale: after
    3 weeks about 0.53 against 0.33 adopted. The tolerance is 4 sd of the difference of the
    means, from the observed spread of the per-seed shares.
    """
    late = [{"from": "bo", "to": "phone", "delivered": "sunday"}, FEEDS[1]]
    on_time = [{**late[0], "aligned_from": 0}, FEEDS[1]]
    gap_weeks, seeds = 16, 12
    route = {"kind": "back_office_first", "gap_weeks": gap_weeks}
    shares = {}
    for label, feeds in (("late", late), ("on_time", on_time)):
        s = scenario(
            feeds=feeds, route=route, weeks=gap_weeks + 3, adoption={"p": 0.1}, stale_rework=0.0
        )
        values = []
        for seed in range(seeds):
            result = changesim.simulate(s, seed=seed)
            assert result.units.set_index("unit").loc["bo", "cutover_week"] < gap_weeks
            rows = unit_rows(result.weekly, "phone")
            values.append(float(rows["adopted_share"].iloc[-1]))
        shares[label] = np.array(values)
    gap = shares["on_time"].mean() - shares["late"].mean()
    sd = np.sqrt((shares["on_time"].var(ddof=1) + shares["late"].var(ddof=1)) / seeds)
    assert gap > 4 * sd, (gap, sd, shares)
    assert gap > 0.1


# ---------------------------------------------------------------- aligning a feed

ALIGNMENT = {"start": 2, "weeks": 3, "cost_fixed": 1000.0, "cost_per_week": 250.0}


def aligned_phone_feed(**alignment):
    """The phone unit's Friday feed, aligned by weeks 2-4 of coordination."""
    feed = {"from": "bo", "to": "phone", "delivered": "friday", "alignment": alignment}
    return [feed, FEEDS[1]]


def test_alignment_money_is_charged_to_the_intervention_cost():
    s = scenario(feeds=aligned_phone_feed(**ALIGNMENT), weeks=8)
    result = changesim.simulate(s, seed=1)
    org_rows = unit_rows(result.weekly, "all")
    expected = [0, 0, 1250, 250, 250, 0, 0, 0, 0]  # fixed cost in the start week
    np.testing.assert_array_equal(org_rows["intervention_cost"], expected)
    assert result.summary["total_intervention_cost"] == 1750.0


def test_alignment_cost_adds_to_the_interventions():
    intervention = {"kind": "communication", "start": 0, "weeks": 3, "cost_per_week": 100.0}
    data = org(
        UNITS,
        weeks=8,
        interventions=[intervention],
        customers={"population": 500, "feeds": aligned_phone_feed(**ALIGNMENT)},
    )
    result = changesim.simulate(changesim.load_scenario(data), seed=1)
    org_rows = unit_rows(result.weekly, "all")
    np.testing.assert_array_equal(
        org_rows["intervention_cost"], [100, 100, 1350, 250, 250, 0, 0, 0, 0]
    )


def test_a_feed_is_aligned_from_start_plus_weeks():
    s = scenario(feeds=aligned_phone_feed(**ALIGNMENT))
    data, state = DataFeeds(s), state_of(s)
    state.cutover_week[BO_] = 0
    fresh = {}
    for week in (1, 2, 4, 5, 20):
        state.week = week
        fresh[week] = data.freshness(state)[PHONE_]
    np.testing.assert_allclose(
        [fresh[w] for w in (1, 2, 4, 5, 20)], [3 / 7, 3 / 7, 3 / 7, 1, 1], rtol=1e-12
    )


def test_coordination_costs_both_units_effort_in_its_weeks():
    """Same seed, effort 0.05 or 0: adoption is identical (no reversion, no slowdown before
    alignment matters: the rework and slowdown are switched off), and bo and phone lose
    exactly 0.05 of quality in weeks 2-4."""
    off = {"stale_rework": 0.0, "stale_slowdown": 0.0}
    effort = scenario(feeds=aligned_phone_feed(**ALIGNMENT, effort=0.05), weeks=8, **off)
    none = scenario(feeds=aligned_phone_feed(**ALIGNMENT, effort=0.0), weeks=8, **off)
    q_e, a_e, _ = quality_and_adoption(effort, 4)
    q_n, a_n, _ = quality_and_adoption(none, 4)
    np.testing.assert_array_equal(a_e, a_n)
    loss = q_n - q_e
    coordinating = np.isin(np.arange(9), [2, 3, 4])
    np.testing.assert_allclose(loss[coordinating][:, [BO_, PHONE_]], 0.05, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(loss[~coordinating], 0.0)
    np.testing.assert_array_equal(loss[:, [WEB_, DESK_]], 0.0)


def test_aligned_from_is_an_alignment_without_weeks_or_cost():
    short = scenario(feeds=[{**FEEDS[0], "aligned_from": 6}, FEEDS[1]])
    long = scenario(feeds=aligned_phone_feed(start=6, effort=0.0))
    for s in (short, long):
        assert s.customers.feeds[0].aligned_week == 6
        assert [s.customers.feeds[0].stale_days(w) for w in (5, 6)] == [4, 0]
    assert DataFeeds(long).alignment_cost(6) == 0.0


# ---------------------------------------------------------------- the example


@pytest.mark.slow
def test_the_example_feed_switched_off_leaves_every_employee_as_it_was():
    """With stale_rework = stale_slowdown = 0 a feed acts on customers only (as before this
    mechanism): Friday and Monday feeds give the same adoption, draw for draw."""
    feed = {"from": BACK, "to": "contact_centre", "needed": "monday"}
    off = {"stale_rework": 0.0, "stale_slowdown": 0.0}
    runs = []
    for delivered in ("friday", "monday"):
        s = load_example(customers={"feeds": [{**feed, "delivered": delivered}], **off})
        model = ChangeModel(s, rng=21, agents=False)
        model.run_model()
        runs.append(model)
    np.testing.assert_array_equal(runs[0].state.adoption_week, runs[1].state.adoption_week)
    np.testing.assert_array_equal(runs[0].state.quality, runs[1].state.quality)


def test_an_alignment_of_no_weeks_costs_its_fixed_cost_and_is_aligned_at_once():
    s = scenario(feeds=aligned_phone_feed(start=7, weeks=0, cost_fixed=500.0, cost_per_week=80.0))
    alignment = s.customers.feeds[0].alignment
    assert [alignment.cost(w) for w in (6, 7, 8)] == [0.0, 500.0, 0.0]
    assert not any(alignment.coordinating(w) for w in range(20))
    assert [s.customers.feeds[0].stale_days(w) for w in (6, 7)] == [4, 0]


def test_freshness_and_staleness_agree_with_the_dependency_by_dependency_means():
    """Two back-office units, feeds of every kind (back to front, front to front, back to
    back, aligned and not), every pattern of cut-over: the vectorised sums equal the
    definition, a mean over each unit's dependencies written out one by one."""
    units = [
        {"name": "bo1", "kind": "back_office", "headcount": 20},
        {"name": "bo2", "kind": "back_office", "headcount": 10},
        *UNITS[1:],
    ]
    feeds = [
        {"from": "bo1", "to": "phone", "delivered": "friday"},
        {"from": "web", "to": "phone", "delivered": "wednesday"},
        {"from": "bo2", "to": "bo1", "delivered": "tuesday"},
        {"from": "bo2", "to": "web", "delivered": "thursday", "aligned_from": 5},
    ]
    s = changesim.load_scenario(org(units, customers={"population": 500, "feeds": feeds}))
    data, state = DataFeeds(s), state_of(s)
    names = s.organisation.names
    kinds = [u["kind"] for u in units]
    listed = {(f["from"], f["to"]): f for f in s.customers.model_dump(by_alias=True)["feeds"]}
    spec = {(f.source, f.target): f for f in s.customers.feeds}
    for week in (4, 5):
        state.week = week
        for pattern in range(2 ** len(units)):
            cut = [(pattern >> k) & 1 == 1 for k in range(len(units))]
            state.cutover_week[:] = np.where(cut, 1, NOT_YET)
            fresh, stale = [], []
            for u, name in enumerate(names):
                sources = {b for b, t in listed if t == name}
                if kinds[u] == "front_office":
                    sources |= {b for b, k in zip(names, kinds, strict=True) if k == "back_office"}
                pairs = []
                for b in sources:
                    feed = spec.get((b, name))
                    s_bu = 1.0 if feed is None else feed.stale_days(week) / 7.0
                    pairs.append((cut[names.index(b)], s_bu))
                fresh.append(np.mean([c * (1 - x) for c, x in pairs]) if pairs else 1.0)
                stale.append(np.mean([c * x for c, x in pairs]) if pairs else 0.0)
            np.testing.assert_allclose(data.freshness(state), fresh, rtol=0, atol=1e-12)
            np.testing.assert_allclose(data.staleness(state), stale, rtol=0, atol=1e-12)


def test_one_listed_feed_is_a_complete_list_too():
    """A single feed already makes the list complete: the units without one have no view."""
    s = scenario(feeds=[FEEDS[0]])
    data, state = DataFeeds(s), state_of(s)
    state.cutover_week[BO_] = 2
    np.testing.assert_allclose(data.staleness(state), [0, 1, 4 / 7, 1], rtol=1e-12)
    np.testing.assert_allclose(data.freshness(state), [1, 0, 3 / 7, 0], rtol=1e-12)


def test_two_alignments_at_once_cost_their_common_source_both_efforts():
    """bo coordinates with phone and with web in the same weeks: it loses 0.05 twice."""
    both = [
        {
            "from": "bo",
            "to": "phone",
            "delivered": "friday",
            "alignment": {**ALIGNMENT, "effort": 0.05},
        },
        {"from": "bo", "to": "web", "alignment": {**ALIGNMENT, "effort": 0.05}},
    ]
    s = scenario(feeds=both, stale_rework=0.0)
    data, state = DataFeeds(s), state_of(s)
    state.week = 3  # inside weeks 2-4 of both alignments
    np.testing.assert_allclose(data.quality_cost(state), [0.10, 0.05, 0.05, 0.0], atol=1e-12)
    state.week = 5  # both aligned: no more effort
    np.testing.assert_array_equal(data.quality_cost(state), 0.0)


def test_coordination_effort_adds_to_the_rework_of_the_receiving_unit():
    """While the Friday feed is being aligned it is still stale: the phone unit pays the
    rework on it and the effort of coordinating, together."""
    s = scenario(feeds=aligned_phone_feed(**ALIGNMENT, effort=0.05), stale_rework=0.2)
    data, state = DataFeeds(s), state_of(s)
    state.cutover_week[BO_] = 2
    adopt_first(state, PHONE_, 25)  # half of the 50
    cost = data.quality_cost(state)  # week 3: coordinating
    assert cost[PHONE_] == pytest.approx(0.2 * 4 / 7 * 0.5 + 0.05, abs=1e-12)
    assert cost[BO_] == pytest.approx(0.05, abs=1e-12)


def test_kept_results_follow_every_change_of_cut_over_and_alignment():
    """One DataFeeds asked week after week, while units cut over and a feed is aligned,
    answers as a fresh one asked once; the answers it keeps cannot be edited."""
    s = scenario(feeds=aligned_phone_feed(**ALIGNMENT), stale_rework=0.3, stale_slowdown=0.5)
    kept, state = DataFeeds(s), state_of(s)
    adopt_first(state, PHONE_, 20)
    for week, cut in [(1, None), (2, BO_), (3, None), (4, PHONE_), (5, None), (6, WEB_)]:
        state.week = week
        if cut is not None:
            state.cutover_week[cut] = week
        fresh = DataFeeds(s)
        for name in ("freshness", "staleness", "adoption_factor", "quality_cost"):
            np.testing.assert_array_equal(
                getattr(kept, name)(state), getattr(fresh, name)(state), err_msg=name
            )
    answers = (kept.freshness(state), kept.staleness(state), kept.adoption_factor(state))
    for answer in (*answers, kept.stale_shares(state.week)):
        assert answer is not None
        assert not answer.flags.writeable
