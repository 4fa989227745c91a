"""Customers: conservation, stationarity of an unchanging organisation, calibration, scale.

Every stochastic comparison uses fixed seeds and a tolerance derived from sampling error; the
derivation is in a comment next to it. No expected value is copied from a run.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import yaml

import changesim
from changesim import ChangeModel
from changesim.model.customers import (
    ChannelConditions,
    Churned,
    CustomerState,
    _choose,
    _churn,
    _contacting,
    _draw,
    _experience,
    _learn_habit,
    calibrate,
    choice_table,
    contact_shares,
    init_customers,
    serve_customers,
    stationary_homes,
    stationary_satisfaction,
)
from changesim.scenario.customers import DEFAULT_COST, Customers
from tests.builders import BACK, FRONT, NO_STEERING, example, load_example, org_rows

CHANNELS = ("web", "phone", "desk")


@pytest.fixture(scope="module")
def stepped():
    """The example stepped week by week, with enough churn that conservation is not vacuous.

    Returns the scenario, the weekly frame, and per week (index = week) the number of active
    customers and the number of pending (unresolved, returning) contacts after the week.
    """
    return step_through(load_example(customers={"satisfaction": CHURNING}))


#: Satisfaction settings under which a few percent of the example's customers churn.
CHURNING = {"churn_below": 0.62, "churn_rate": 0.1}


def step_through(scenario, weeks: int | None = None):
    """Step ``scenario`` (seed 7): the scenario, the weekly frame, and per week the active
    customers and pending contacts; fails if a churned customer's contact is pending."""
    model = ChangeModel(scenario, rng=7, agents=False)
    active = [int(model.customers.active.sum())]
    pending = [len(model.customers.pending)]
    for _ in range(scenario.weeks if weeks is None else weeks):
        model.step()
        assert model.customers.active[model.customers.pending].all()  # nobody gone comes back
        active.append(int(model.customers.active.sum()))
        pending.append(len(model.customers.pending))
    weekly = model.recorder.weekly_frame()
    return scenario, weekly, np.array(active), np.array(pending)


@pytest.mark.slow
def test_active_plus_churned_is_the_population_every_week(stepped):
    scenario, weekly, active, _ = stepped
    population = scenario.customers.population
    org = org_rows(weekly)
    assert list(org["week"]) == list(range(scenario.weeks + 1))
    churned_float = org["churned_share"].to_numpy() * population
    churned = np.rint(churned_float).astype(np.int64)
    np.testing.assert_allclose(churned_float, churned, atol=1e-6)  # a count of customers
    np.testing.assert_array_equal(active + churned, population)
    assert np.all(np.diff(org["churned_share"].to_numpy()) >= 0)
    assert churned[-1] > 0.01 * population, "no churn: the check above would be vacuous"


@pytest.mark.slow
def test_channel_shares_contacts_and_cost_add_up(stepped):
    scenario, weekly, _, _ = stepped
    org = org_rows(weekly)
    contacts = org["contacts"].to_numpy()
    assert np.all(contacts > 0)
    shares = np.column_stack([org[f"channel_share_{c}"].to_numpy() for c in CHANNELS])
    assert np.all((shares >= 0) & (shares <= 1))
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    per_channel = shares * contacts[:, None]
    # Channel contacts are whole numbers and add up to the week's contacts.
    np.testing.assert_allclose(per_channel, np.rint(per_channel), atol=1e-6)
    np.testing.assert_allclose(per_channel.sum(axis=1), contacts, rtol=1e-12)
    # Cost: the example sets no cost_per_contact, so the Socitm defaults apply.
    assert all(scenario.customers.channels[c].cost_per_contact is None for c in CHANNELS)
    cost = np.array([DEFAULT_COST[c] for c in CHANNELS])
    np.testing.assert_allclose(org["contact_cost"].to_numpy(), per_channel @ cost, rtol=1e-9)
    assert DEFAULT_COST["web"] == 0.15
    assert DEFAULT_COST["phone"] == 2.83
    assert DEFAULT_COST["desk"] == 8.62


@pytest.mark.slow
def test_without_churn_every_unresolved_contact_comes_back():
    """No churn: pending after week w is exactly week w's unresolved contacts."""
    calm = {"churn_below": 0.0, "churn_rate": 0.0}
    scenario, weekly, active, pending = step_through(
        load_example(weeks=30, customers={"satisfaction": calm})
    )
    org = org_rows(weekly)
    contacts = org["contacts"].to_numpy()
    resolved = np.rint(org["first_contact_resolution"].to_numpy() * contacts)
    assert np.all(active == scenario.customers.population)
    np.testing.assert_array_equal(pending[1:], (contacts - resolved)[1:])
    assert pending[1:].min() > 0


@pytest.mark.slow
def test_satisfaction_resolution_and_view_are_bounded(stepped):
    _, weekly, _, _ = stepped
    org = org_rows(weekly)
    for column in ("satisfaction", "first_contact_resolution"):
        values = org[column].to_numpy()
        assert np.all(np.isfinite(values)), column
        assert np.all((values >= 0) & (values <= 1)), column
    front = weekly[weekly["unit"].isin(FRONT)]["customer_view"].to_numpy()
    assert np.all(np.isfinite(front))
    assert np.all((front >= 0) & (front <= 1))
    assert front.max() > 0, "the view never became positive: the bound check is vacuous"
    others = weekly[weekly["unit"].isin([BACK, "all"])]["customer_view"].to_numpy()
    assert np.all(np.isnan(others))


@pytest.mark.slow
def test_unresolved_contacts_come_back_and_new_contacts_follow_the_contact_rate(stepped):
    scenario, weekly, active, pending = stepped
    org = org_rows(weekly)
    contacts = org["contacts"].to_numpy()
    resolved = np.rint(org["first_contact_resolution"].to_numpy() * contacts)
    # Pending after week w = unresolved contacts of week w whose customer is still active
    # (step_through checks that every pending customer is active); churners drop theirs.
    unresolved = contacts - resolved
    assert np.all(pending <= unresolved)
    assert np.any(pending < unresolved)  # churn is frequent enough to drop some
    # Week w's contacts = last week's pending + new ones ~ Binomial(active after w-1, rate).
    new = contacts[1:] - pending[:-1]
    assert np.all(new >= 0)
    rate = scenario.customers.contact_rate
    trials = active[:-1].sum()
    # Independent binomial draws: the pooled rate has sd sqrt(rate (1 - rate) / trials)
    # (about 8e-5 here); 5 sd. Drawing from churned customers too would move the pooled rate
    # by rate * (churned share) (several sd at the > 1 % churn asserted above).
    sd = np.sqrt(rate * (1 - rate) / trials)
    assert abs(new.sum() / trials - rate) < 5 * sd


STATIONARY_POPULATION = 500_000


STATIONARY_RATE = 0.2


@pytest.fixture(scope="module")
def stationary():
    """Nothing changes: the route opens after the horizon, no steering, no churn.

    Quality is 1 in every channel and there is no customer view, so the channels keep their
    old conditions for 104 weeks. Churn is switched off because it removes the least satisfied
    customers (a real, intended drift of mean satisfaction, not the one tested here).
    """
    scenario = load_example(
        route={"kind": "combined", "start": 1000},
        customers={
            "population": STATIONARY_POPULATION,
            "contact_rate": STATIONARY_RATE,
            "steering": NO_STEERING,
            "satisfaction": {"churn_rate": 0.0},
        },
    )
    result = changesim.simulate(scenario, seed=12)
    return scenario, org_rows(result.weekly), result


@pytest.mark.slow
def test_nothing_changes_in_the_organisation(stationary):
    scenario, _, result = stationary
    assert scenario.weeks == 104
    assert (result.weekly["quality"] == 1.0).all()
    assert (result.weekly["adopted"] == 0).all()


@pytest.mark.slow
def test_channel_shares_stay_at_their_initial_share(stationary):
    scenario, org, _ = stationary
    n = org["contacts"].min()
    # Sampling error of the mean share over the 105 weeks:
    # - choices given the customers' homes: per-week sd sqrt(s (1 - s) / n) <= sqrt(0.25 / n).
    #   The weeks are autocorrelated through habits, so we do not divide by sqrt(T): the mean
    #   of equally variable, positively correlated weeks has at most the variance of one week.
    # - the homes themselves: a multinomial draw of N customers, sd <= sqrt(0.25 / N), which
    #   moves a contact share by at most about as much (shares are homes @ choice, whose rows
    #   sum to 1).
    # 4 sd of the sum of both. With n ~ 1.5e5 and N = 5e5 this is ~0.008: a calibration that
    # forgot the returns of unresolved contacts would be off by several hundredths.
    sd = np.sqrt(0.25 / n + 0.25 / STATIONARY_POPULATION)
    for channel in CHANNELS:
        target = scenario.customers.channels[channel].initial_share
        mean = org[f"channel_share_{channel}"].mean()
        assert abs(mean - target) < 4 * sd, (channel, mean, target)


@pytest.mark.slow
def test_satisfaction_does_not_drift(stationary):
    scenario, org, _ = stationary
    satisfaction = org["satisfaction"].to_numpy()
    first, last = satisfaction[:10].mean(), satisfaction[-10:].mean()
    # Fluctuation of mean satisfaction over N customers: each contact moves one customer's
    # satisfaction by a (x - S), with a the smoothing weight and x - S of sd <= 0.5 (both in
    # [0, 1]). With C contacts a week, the mean takes steps of sd <= 0.5 a sqrt(C) / N and
    # relaxes at rate ~ a C / N per week, so its stationary sd is <= 0.5 sqrt(a / (2 N))
    # (~2.7e-4 for a = 0.3, N = 5e5). A 10-week mean has at most that sd; the difference of two
    # (positively or un-correlated) such means at most sqrt(2) times it; 4 sd (~1.6e-3).
    a = scenario.customers.satisfaction.smoothing
    sd_mean = 0.5 * np.sqrt(a / (2 * STATIONARY_POPULATION))
    tolerance = 4 * np.sqrt(2) * sd_mean
    assert abs(last - first) < tolerance, (first, last, tolerance)


@pytest.mark.parametrize(
    ("shares", "resolution", "choice"),
    [
        ([0.35, 0.45, 0.20], [0.55, 0.7, 0.75], {}),
        ([0.6, 0.3, 0.1], [0.9, 0.5, 0.6], {"habit": 5.0, "habit_learning": 0.3}),
        ([0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], {"habit": 1.0, "habit_learning": 0.05}),
        ([0.25, 0.25, 0.5], [0.55, 0.7, 0.75], {"habit_learning": 0.0}),
        ([0.2, 0.2, 0.2, 0.2, 0.2], [0.55, 0.7, 0.75, 0.6, 0.65], {"habit": 0.0}),
        # Strong habits, up to the allowed maximum of choice.habit (20), with rare switching:
        # the home-switching rates are then about 1e-11 (the stationary system is rescaled).
        ([0.35, 0.45, 0.20], [0.55, 0.7, 0.75], {"habit": 8.0}),
        ([0.35, 0.45, 0.20], [0.55, 0.7, 0.75], {"habit": 20.0, "habit_learning": 0.01}),
        ([0.35, 0.45, 0.20], [0.55, 0.7, 0.75], {"habit": 16.0, "habit_learning": 0.001}),
    ],
)
def test_calibration_reproduces_the_target_shares_in_the_stationary_state(
    shares, resolution, choice
):
    names = ["web", "phone", "desk", "mail", "chat"][: len(shares)]
    spec = Customers.model_validate(
        {
            "channels": {c: {"initial_share": s} for c, s in zip(names, shares, strict=True)},
            "choice": choice,
        }
    )
    shares, resolution = np.array(shares), np.array(resolution)
    constants, homes = calibrate(shares, resolution, spec)
    probabilities = choice_table(constants, spec.choice.habit)
    np.testing.assert_allclose(homes.sum(), 1.0, atol=1e-12)
    assert np.all(homes >= 0)
    np.testing.assert_allclose(
        contact_shares(homes, probabilities, resolution), shares, rtol=0, atol=1e-8
    )
    np.testing.assert_allclose(
        stationary_homes(probabilities, resolution, spec.choice.habit_learning, homes),
        homes,
        rtol=0,
        atol=1e-8,
    )
    if spec.choice.habit_learning > 0:
        # Not a tautology: the stationary homes do not depend on the starting guess.
        uniform = np.full(len(shares), 1.0 / len(shares))
        np.testing.assert_allclose(
            stationary_homes(probabilities, resolution, spec.choice.habit_learning, uniform),
            homes,
            rtol=0,
            atol=1e-8,
        )


@pytest.mark.slow
def test_initial_shares_hold_with_a_strong_habit():
    """End to end: the shares a run starts with are initial_share for any allowed habit."""
    population = 200_000
    scenario = load_example(
        route={"kind": "combined", "start": 1000},
        weeks=10,
        customers={
            "population": population,
            "contact_rate": 0.5,
            "steering": NO_STEERING,
            "choice": {"habit": 8.0},
        },
    )
    org = org_rows(changesim.simulate(scenario, seed=15).weekly)
    # Same derivation as for the stationary shares above: per-week sd <= sqrt(0.25 / n), not
    # divided by the number of weeks, plus the homes' multinomial sd <= sqrt(0.25 / N); 4 sd
    # (~0.007 at n ~ 1.5e5, N = 2e5).
    sd = np.sqrt(0.25 / org["contacts"].min() + 0.25 / population)
    for channel in CHANNELS:
        target = scenario.customers.channels[channel].initial_share
        mean = org[f"channel_share_{channel}"].mean()
        assert abs(mean - target) < 4 * sd, (channel, mean, target)


@pytest.mark.slow
def test_a_million_customers_for_two_years():
    population = 1_000_000
    scenario = load_example(customers={"population": population})
    assert scenario.weeks == 104
    began = time.perf_counter()
    model = ChangeModel(scenario, rng=14, agents=False)
    model.run_model()
    weekly = model.recorder.weekly_frame()
    elapsed = time.perf_counter() - began
    print(f"\n1,000,000 customers, 104 weeks: {elapsed:.1f} s")
    org = org_rows(weekly)
    assert list(org["week"]) == list(range(105))
    churned = round(org["churned_share"].iloc[-1] * population)
    assert int(model.customers.active.sum()) + churned == population
    shares = sum(org[f"channel_share_{c}"] for c in CHANNELS)
    np.testing.assert_allclose(shares, 1.0, atol=1e-12)
    # About contact_rate * population new contacts a week, plus returns.
    assert org["contacts"].min() > scenario.customers.contact_rate * population * 0.9


@pytest.mark.slow
def test_a_failed_calibration_is_a_scenario_error_not_a_traceback(tmp_path, monkeypatch):
    """If no constants reproduce the shares, the user hears which field to change.

    No allowed setting is known to fail since the stationary system is rescaled, so the root
    finder's failure is forced here.
    """
    from typer.testing import CliRunner

    import changesim.model.customers
    from changesim.cli import app

    def unreachable(shares, resolution, spec):
        raise ValueError("customers.choice.habit = 20: ... use a weaker habit")

    monkeypatch.setattr(changesim.model.customers, "calibrate", unreachable)
    data = example(customers={"choice": {"habit": 20, "habit_learning": 0.01}})
    with pytest.raises(changesim.ScenarioError) as error:
        changesim.simulate(changesim.load_scenario(data), seed=1)
    assert "customers.choice.habit" in str(error.value)
    assert "weaker habit" in str(error.value)
    path = tmp_path / "strong_habit.yaml"
    path.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "customers.choice.habit" in result.stderr


# ---------------------------------------------------------------- building blocks, by hand


def customers_spec(**overrides) -> Customers:
    """A Customers section with the defaults (web 0.35, phone 0.45, desk 0.20) overridden."""
    return Customers.model_validate(overrides)


def customer_state(home, constants, satisfaction=0.6, active=None, pending=()) -> CustomerState:
    """Customers with the given homes, one (float32) satisfaction for all, nobody pending."""
    home = np.asarray(home, dtype=np.int8)
    n = len(home)
    return CustomerState(
        home=home,
        satisfaction=np.full(n, satisfaction, dtype=np.float32),
        active=np.ones(n, dtype=bool) if active is None else np.asarray(active, dtype=bool),
        pending=np.asarray(pending, dtype=np.int64),
        constants=np.asarray(constants, dtype=float),
    )


def channel_conditions(n=3, quality=1.0, resolution=0.7, steering=0.0, awareness=0.0, cap=1.0):
    """ChannelConditions for ``n`` channels; scalars are broadcast."""

    def full(value):
        return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()

    return ChannelConditions(
        full(quality), full(resolution), full(steering), full(awareness), full(cap)
    )


def logit_table(utility, habit, awareness=None) -> np.ndarray:
    """P[k, c] written out from U_kc = u_c + habit [c = k] + awareness_c [c != k]."""
    n = len(utility)
    awareness = np.zeros(n) if awareness is None else np.asarray(awareness)
    table = np.empty((n, n))
    for k in range(n):
        u = np.array(
            [utility[c] + (habit if c == k else awareness[c]) for c in range(n)], dtype=float
        )
        weights = np.exp(u - u.max())
        table[k] = weights / weights.sum()
    return table


def binomial_tolerance(p, n, sds=5.0):
    """``sds`` binomial standard deviations of a frequency estimated from n draws."""
    return sds * np.sqrt(np.asarray(p) * (1 - np.asarray(p)) / n)


def test_choice_table_is_the_logit_with_habit_and_awareness():
    utility = np.array([0.3, -0.5, 1.2])
    habit = 2.0
    table = choice_table(utility, habit)
    np.testing.assert_allclose(table.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table, logit_table(utility, habit), rtol=1e-12)
    # Two channels neither of which is home: odds exp(u_a - u_b) whatever the home.
    np.testing.assert_allclose(table[2, 0] / table[2, 1], np.exp(0.8), rtol=1e-12)
    # The habit weight raises the home channel's odds by the factor exp(habit).
    for k in range(3):
        for c in range(3):
            for j in range(3):
                if len({k, c, j}) == 3:
                    odds_home = table[k, k] / table[k, c]
                    odds_away = table[j, k] / table[j, c]
                    np.testing.assert_allclose(odds_home / odds_away, np.exp(habit), rtol=1e-12)
    # Without habit, two channels: the plain binary logit.
    np.testing.assert_allclose(
        choice_table(np.array([0.0, 1.0]), 0.0),
        [[1 / (1 + np.e), np.e / (1 + np.e)]] * 2,
        rtol=1e-12,
    )
    # A channel's probability rises with its utility, in every row.
    higher = choice_table(utility + np.array([0.0, 0.4, 0.0]), habit)
    assert np.all(higher[:, 1] > table[:, 1])
    assert np.all(np.delete(higher, 1, axis=1) < np.delete(table, 1, axis=1))


def test_choice_table_awareness_adds_utility_only_off_the_home_channel():
    utility = np.array([0.3, -0.5, 1.2])
    awareness = np.array([0.0, 0.7, 0.0])
    plain = choice_table(utility, 1.5)
    aware = choice_table(utility, 1.5, awareness)
    np.testing.assert_allclose(aware, logit_table(utility, 1.5, awareness), rtol=1e-12)
    np.testing.assert_allclose(aware.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(aware[1], plain[1], rtol=1e-12)  # at home on channel 1
    for k in (0, 2):  # elsewhere: channel 1's odds against any other rise by exp(0.7)
        for c in (0, 2):
            ratio = (aware[k, 1] / aware[k, c]) / (plain[k, 1] / plain[k, c])
            np.testing.assert_allclose(ratio, np.exp(0.7), rtol=1e-12)
    np.testing.assert_allclose(choice_table(utility, 1.5, np.zeros(3)), plain, rtol=1e-12)


def test_choice_table_does_not_overflow_or_underflow_for_large_utilities():
    # Rows differ by far more than exp can span (awareness 2000 off home 1, 800 + 3 at home 1):
    # each row must be scaled by its own largest utility.
    table = choice_table(np.array([800.0, 0.0, -5.0]), 3.0, np.array([0.0, 2000.0, 0.0]))
    assert np.all(np.isfinite(table))
    np.testing.assert_allclose(table.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table[:, 1], [1.0, 0.0, 1.0], atol=1e-12)  # 2000 vs 803
    np.testing.assert_allclose(table[1, 0], 1.0, atol=1e-12)  # at home on 1: no awareness


def test_draw_frequencies_match_the_probability_rows():
    probabilities = np.array(
        [[0.2, 0.5, 0.3], [0.5, 0.0, 0.5], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [1 / 3] * 3]
    )
    per_row = 20_000
    home = np.repeat(np.arange(len(probabilities)), per_row)
    drawn = _draw(probabilities, home, np.random.default_rng(3))
    assert drawn.dtype == np.int8
    assert drawn.min() >= 0
    assert drawn.max() <= 2  # never past the last channel
    for k, row in enumerate(probabilities):
        frequency = np.bincount(drawn[home == k], minlength=3) / per_row
        # Each frequency is a binomial share of per_row draws; 5 sd (~0.016 at p = 0.5).
        assert np.all(np.abs(frequency - row) <= binomial_tolerance(row, per_row) + 1e-12), (
            k,
            frequency,
        )
    # Impossible channels are never drawn, certain ones always.
    assert not np.any(drawn[home == 1] == 1)
    assert np.all(drawn[home == 2] == 2)
    assert np.all(drawn[home == 3] == 0)


CHOICE_SPEC = {"choice": {"quality": 2.0, "habit": 1.5}}


def test_choose_draws_from_the_logit_of_constants_quality_steering_and_awareness():
    spec = customers_spec(**CHOICE_SPEC)
    per_home = 10_000
    state = customer_state(np.repeat(np.arange(3), per_home), constants=[0.2, -0.1, -0.1])
    conditions = channel_conditions(
        quality=[1.2, 0.9, 1.0], steering=[0.5, 0.0, 0.0], awareness=[0.0, 0.8, 0.0]
    )
    # U = ASC + b_q Q + S (+ habit at home, + awareness elsewhere).
    utility = np.array([0.2, -0.1, -0.1]) + 2.0 * np.array([1.2, 0.9, 1.0]) + [0.5, 0, 0]
    expected = logit_table(utility, 1.5, [0.0, 0.8, 0.0])
    # Every customer contacts, some of them twice: who holds indices, with repeats.
    who = np.concatenate([np.arange(3 * per_home), np.arange(0, 3 * per_home, 3)])
    choice = _choose(state, spec, conditions, state.home[who], np.random.default_rng(4))
    assert len(choice) == len(who)
    for k in range(3):
        mine = choice[state.home[who] == k]
        frequency = np.bincount(mine, minlength=3) / len(mine)
        # Binomial shares of len(mine) draws; 5 sd.
        assert np.all(np.abs(frequency - expected[k]) <= binomial_tolerance(expected[k], len(mine)))


def test_choose_caps_a_channel_and_passes_its_overflow_to_the_unrestricted_ones():
    spec = customers_spec(
        channels={c: {"initial_share": 0.25} for c in ("web", "phone", "desk", "mail")},
        **CHOICE_SPEC,
    )
    n = 40_000
    home = np.repeat(np.arange(4), n // 4)
    # Channel 0 is rare (~10 %) and capped at 0.3 (not binding); channel 1 popular (~45 %)
    # and capped at 0.15; channels 2 and 3 are unrestricted, with different odds per home.
    constants = [-1.0, 1.0, 0.3, -0.3]
    state = customer_state(home, constants)
    cap = [0.3, 0.15, 1.0, 1.0]
    homes = state.home[np.arange(n)]
    free = _choose(state, spec, channel_conditions(4), homes, np.random.default_rng(5))
    capped = _choose(state, spec, channel_conditions(4, cap=cap), homes, np.random.default_rng(5))
    assert np.sum(free == 1) > 0.15 * n  # the cap binds
    assert np.sum(capped == 1) == int(0.15 * n)  # exactly the cap: the excess, no more
    # The first draw is the same (same seed); only customers who chose channel 1 move, and
    # never into the other restricted channel.
    np.testing.assert_array_equal(capped[free != 1], free[free != 1])
    moved = (free == 1) & (capped != 1)
    assert np.all(np.isin(capped[moved], [2, 3]))
    # The moved customers redraw between channels 2 and 3 in proportion to their own row's
    # probabilities: channel 2 with p_k = P[k,2] / (P[k,2] + P[k,3]). The count of channel 2
    # among them is a sum of independent Bernoulli(p_k) draws; 5 sd.
    table = logit_table(np.array(constants) + 2.0, 1.5)
    p = (table[:, 2] / (table[:, 2] + table[:, 3]))[home[moved]]
    count = np.sum(capped[moved] == 2)
    assert abs(count - p.sum()) < 5 * np.sqrt(np.sum(p * (1 - p))), (count, p.sum())


def test_choose_with_a_closed_channel_and_a_second_cap():
    spec = customers_spec(**CHOICE_SPEC)
    n = 30_000
    state = customer_state(np.repeat(np.arange(3), n // 3), [0.5, 0.0, 0.0])
    cap = [1.0, 0.0, 0.05]  # phone closed, desk at most 5 %
    choice = _choose(state, spec, channel_conditions(cap=cap), state.home, np.random.default_rng(6))
    assert np.sum(choice == 1) == 0
    assert np.sum(choice == 2) == int(0.05 * n)
    assert np.sum(choice == 0) == n - int(0.05 * n)


def test_choose_moves_only_the_excess_over_the_cap():
    spec = customers_spec(**CHOICE_SPEC)
    n = 9_000
    state = customer_state(np.repeat(np.arange(3), n // 3), [0.0, 0.0, 0.0])
    homes = state.home.copy()  # every customer contacts once
    free = _choose(state, spec, channel_conditions(), homes, np.random.default_rng(7))
    # A cap that does not bind changes nothing (same seed, same draws).
    loose = _choose(
        state, spec, channel_conditions(cap=[0.9, 1.0, 1.0]), homes, np.random.default_rng(7)
    )
    np.testing.assert_array_equal(loose, free)
    # A cap one contact below the drawn count moves exactly that one contact.
    web = int(np.sum(free == 0))
    cap = (web - 0.5) / n  # int(cap x n) = web - 1
    tight = _choose(
        state, spec, channel_conditions(cap=[cap, 1.0, 1.0]), homes, np.random.default_rng(7)
    )
    assert np.sum(tight == 0) == web - 1
    assert np.sum(tight != free) == 1


#: Two channels by hand: P = [[0.8, 0.2], [0.3, 0.7]], r = [0.5, 1.0]. A problem of home 0
#: needs 1 / (0.8 x 0.5 + 0.2 x 1) = 1 / 0.6 contacts, one of home 1 needs 1 / 0.85.
TWO_CHOICE = np.array([[0.8, 0.2], [0.3, 0.7]])
TWO_RESOLUTION = np.array([0.5, 1.0])


def test_stationary_homes_by_hand_on_two_channels():
    # Moves: 0 -> 1 at rate 0.2 x 1 / 0.6 s = s / 3, 1 -> 0 at 0.3 x 0.5 / 0.85 s = 3 s / 17.
    # Balance pi_0 s / 3 = pi_1 3 s / 17: pi = (9, 17) / 26, whatever s > 0.
    current = np.array([0.5, 0.5])
    for switching in (0.1, 1.0):
        homes = stationary_homes(TWO_CHOICE, TWO_RESOLUTION, switching, current)
        np.testing.assert_allclose(homes, [9 / 26, 17 / 26], rtol=1e-10)
    assert stationary_homes(TWO_CHOICE, TWO_RESOLUTION, 0.0, current) is current


def test_stationary_homes_is_a_fixed_point_of_the_switching_chain():
    choice = choice_table(np.array([0.4, -0.2, 0.1, 0.0]), 2.0)
    resolution = np.array([0.55, 0.7, 0.75, 0.9])
    switching = 0.2
    homes = stationary_homes(choice, resolution, switching, np.full(4, 0.25))
    # The generator written out: k -> c != k at P[k,c] r_c s / sum_c' P[k,c'] r_c'.
    generator = np.zeros((4, 4))
    for k in range(4):
        per_problem = 1.0 / sum(choice[k, c] * resolution[c] for c in range(4))
        for c in range(4):
            if c != k:
                generator[k, c] = per_problem * choice[k, c] * resolution[c] * switching
        generator[k, k] = -generator[k].sum()
    np.testing.assert_allclose(homes @ generator, 0.0, atol=1e-12)
    np.testing.assert_allclose(homes.sum(), 1.0, atol=1e-12)
    assert np.all(homes > 0)


def test_stationary_homes_leave_nobody_at_a_home_nobody_chooses():
    # Channel 2 is never chosen: nobody moves there, so its home share is 0, never below.
    # The rest is the two-channel chain: 0 -> 1 at 0.3 x 0.7 / 0.56 s, 1 -> 0 at
    # 0.4 x 0.5 / 0.62 s (the share of home 2 drains into homes 0 and 1).
    choice = np.array([[0.7, 0.3, 0.0], [0.4, 0.6, 0.0], [0.3, 0.3, 0.4]])
    homes = stationary_homes(choice, np.array([0.5, 0.7, 0.8]), 0.1, np.full(3, 1 / 3))
    assert np.all(homes >= 0)
    assert homes[2] < 1e-12
    up, down = 0.21 / 0.56, 0.2 / 0.62
    np.testing.assert_allclose(homes[:2], [down / (up + down), up / (up + down)], rtol=1e-10)


def test_contact_shares_count_the_repeats_of_unresolved_contacts():
    # Everyone sticks to home, r = 1/2 and 1: a problem at home 0 takes 2 contacts, at 1 one.
    shares = contact_shares(np.array([0.5, 0.5]), np.eye(2), TWO_RESOLUTION)
    np.testing.assert_allclose(shares, [2 / 3, 1 / 3], rtol=1e-12)
    # Mixed, homes (1/4, 3/4): contacts per problem-rate 0.25 / 0.6 (0.8, 0.2) from home 0 and
    # 0.75 / 0.85 (0.3, 0.7) from home 1: channel 0 gets 1/3 + 9/34 = 122/204, channel 1
    # 1/12 + 21/34 = 143/204; shares (122, 143) / 265.
    shares = contact_shares(np.array([0.25, 0.75]), TWO_CHOICE, TWO_RESOLUTION)
    np.testing.assert_allclose(shares, [122 / 265, 143 / 265], rtol=1e-12)


def test_calibrate_reaches_a_channel_without_contacts_and_centres_the_constants():
    spec = customers_spec()
    resolution = np.array([0.55, 0.7, 0.75])
    shares = np.array([0.5, 0.5, 0.0])
    constants, homes = calibrate(shares, resolution, spec)
    predicted = contact_shares(homes, choice_table(constants, spec.choice.habit), resolution)
    # A zero share is aimed at as 1e-9 (the logit cannot reach 0 with finite constants).
    np.testing.assert_allclose(predicted, shares, rtol=0, atol=1e-8)
    assert predicted[2] > 0
    # The constants are identified up to a common shift; they come back centred.
    np.testing.assert_allclose(constants.mean(), 0.0, atol=1e-12)


def test_calibrate_error_names_the_habit_the_shares_and_the_best_it_found(monkeypatch):
    """When the root finder cannot reach the shares, calibrate raises a ValueError that says
    which setting to change. The failure is forced here: the only failing inputs known (a
    habit near 20 with rare switching) fail for numerical reasons, not by impossibility."""
    import scipy.optimize

    class Stuck:
        """A root finder that gives up at its starting point (all constants 0)."""

        x = np.zeros(2)

    monkeypatch.setattr(scipy.optimize, "root", lambda *args, **kwargs: Stuck())
    shares = {"web": 0.35123, "phone": 0.44877, "desk": 0.2}
    spec = customers_spec(channels={c: {"initial_share": s} for c, s in shares.items()})
    # The shares rounded to 4 decimals, the best shares found likewise, then the advice.
    number = r"\d\.\d{1,4}"
    best = rf"\(best \[{number}, {number}, {number}\]\)"
    pattern = (
        r"^customers\.choice\.habit = 3\.0: no channel constants reproduce the initial shares "
        rf"\[0\.3512, 0\.4488, 0\.2\] {best}; use a weaker habit$"
    )
    with pytest.raises(ValueError, match=pattern) as error:
        calibrate(np.array(list(shares.values())), np.array([0.55, 0.7, 0.75]), spec)
    # The best it found are shares too: they add up to 1 up to the rounding (3 x 5e-5).
    found = re.search(r"\(best \[(.*)\]\)", str(error.value)).group(1)
    assert abs(sum(float(x) for x in found.split(", ")) - 1.0) <= 1.5e-4


def test_calibrate_normalises_shares_that_add_up_to_almost_one():
    # Validation lets initial_share values add up to 1 within 1e-6; calibrate aims at the
    # normalised shares (contact shares always add up to 1).
    spec = customers_spec()
    shares, resolution = np.array([0.35, 0.45, 0.2000009]), np.array([0.55, 0.7, 0.75])
    constants, homes = calibrate(shares, resolution, spec)
    predicted = contact_shares(homes, choice_table(constants, spec.choice.habit), resolution)
    np.testing.assert_allclose(predicted, shares / shares.sum(), rtol=0, atol=1e-8)


def test_calibrate_without_switching_keeps_the_homes_of_the_target_shares():
    # Without switching every home distribution is stationary; calibrate keeps the one under
    # which customers who all stayed at home would make the target contacts (homes in
    # proportion to share x resolution), and fits the constants to it.
    spec = customers_spec(choice={"habit_learning": 0.0})
    shares, resolution = np.array([0.25, 0.25, 0.5]), np.array([0.55, 0.7, 0.75])
    constants, homes = calibrate(shares, resolution, spec)
    np.testing.assert_allclose(contact_shares(homes, np.eye(3), resolution), shares, rtol=1e-12)
    predicted = contact_shares(homes, choice_table(constants, spec.choice.habit), resolution)
    np.testing.assert_allclose(predicted, shares, rtol=0, atol=1e-8)


def simulate_resting_satisfaction(spec: Customers, r: np.ndarray, contacts: int) -> np.ndarray:
    """Satisfaction right after each chain's last resolved contact among ``contacts`` contacts,
    one independent chain per entry of ``r``, simulated contact by contact (no noise).

    Whether a contact is the last resolved one depends only on the contacts after it, so the
    value there is a draw from the resting distribution (once the start is forgotten).
    """
    rng = np.random.default_rng(11)
    sat = spec.satisfaction
    x1, x0 = sat.resolved_score, sat.resolved_score * sat.unresolved_factor
    s = np.full(len(r), 0.5)
    resting = np.full(len(r), np.nan)
    for _ in range(contacts):
        resolved = rng.random(len(r)) < r
        s += sat.smoothing * (np.where(resolved, x1, x0) - s)
        resting = np.where(resolved, s, resting)
    return resting


def test_stationary_satisfaction_matches_a_direct_simulation():
    spec = customers_spec(satisfaction={"smoothing": 0.3})
    chains = 20_000
    rates = np.array([0.3, 0.65, 0.9])
    # 80 contacts: the last resolved one comes after at least 40 others except with
    # probability 0.7 ** 40 ~ 6e-7, and by then the start (0.5) is forgotten by 0.7 ** 40.
    simulated = simulate_resting_satisfaction(spec, np.repeat(rates, chains), contacts=80)
    assert not np.any(np.isnan(simulated))
    expected = stationary_satisfaction(spec, rates)
    for k in range(3):
        values = simulated[chains * k : chains * (k + 1)]
        # Independent chains: the mean's sd is the sample sd / sqrt(20,000); 5 sd (~1e-3).
        tolerance = 5 * values.std() / np.sqrt(chains)
        assert abs(values.mean() - expected[k]) < tolerance, (k, values.mean(), expected[k])
    # Different resolution rates give clearly different means (not a vacuous check).
    assert expected[2] - expected[0] > 0.05


def test_stationary_satisfaction_closed_forms():
    sat = {"resolved_score": 0.8, "unresolved_factor": 0.5}
    x1, x0 = 0.8, 0.4
    r = np.array([0.0, 0.3, 1.0])
    # r = 1: every contact resolved, the average rests at the resolved score.
    for a in (0.1, 0.3, 1.0):
        spec = customers_spec(satisfaction={**sat, "smoothing": a})
        np.testing.assert_allclose(stationary_satisfaction(spec, np.array([1.0])), [x1])
        # r -> 0: endless unresolved contacts (x0) then one resolved: a x1 + (1 - a) x0.
        got = stationary_satisfaction(spec, np.array([0.0]))
        np.testing.assert_allclose(got, [a * x1 + (1 - a) * x0], rtol=1e-6)
    # a = 1: satisfaction is the last contact's score, which is resolved at rest.
    spec = customers_spec(satisfaction={**sat, "smoothing": 1.0})
    np.testing.assert_allclose(stationary_satisfaction(spec, r), x1, rtol=1e-12)
    # a = 0: never updated; starts at the mean contact score.
    spec = customers_spec(satisfaction={**sat, "smoothing": 0.0})
    np.testing.assert_allclose(stationary_satisfaction(spec, r), r * x1 + (1 - r) * x0)


def test_init_customers_starts_in_the_calibrated_stationary_state():
    population = 40_000
    spec = customers_spec(population=population, contact_rate=0.5)
    resolution = np.array([0.55, 0.7, 0.75])
    state = init_customers(spec, resolution, np.random.default_rng(8))
    constants, homes = calibrate(np.array([0.35, 0.45, 0.20]), resolution, spec)
    np.testing.assert_allclose(state.constants, constants, rtol=1e-12)
    assert state.size == population
    assert state.home.dtype == np.int8
    assert state.satisfaction.dtype == np.float32
    assert state.active.dtype == bool
    assert state.active.all()
    # Homes: multinomial draw from the stationary homes; 5 binomial sd per channel.
    frequency = np.bincount(state.home, minlength=3) / population
    assert np.all(np.abs(frequency - homes) < binomial_tolerance(homes, population))
    # Satisfaction at its stationary mean for the home's per-contact resolution ...
    per_contact = choice_table(constants, spec.choice.habit) @ resolution
    resting = stationary_satisfaction(spec, per_contact).astype(np.float32)
    mid = np.zeros(population, dtype=bool)
    mid[state.pending] = True
    np.testing.assert_array_equal(state.satisfaction[~mid], resting[state.home[~mid]])
    # ... moved once toward the unresolved score for those whose contact comes back.
    a, unresolved = 0.3, 0.75 * 0.6
    after = resting + np.float32(a) * (np.float32(unresolved) - resting)
    np.testing.assert_allclose(state.satisfaction[mid], after[state.home[mid]], rtol=1e-6)
    # Returning contacts: Poisson with mean rate (1 / r_k - 1) per customer of home k; the
    # count per home is Poisson too, sd sqrt(mean); 5 sd.
    returning = np.bincount(state.home[state.pending], minlength=3)
    mean = np.bincount(state.home, minlength=3) * 0.5 * (1 / per_contact - 1)
    assert np.all(np.abs(returning - mean) < 5 * np.sqrt(mean)), (returning, mean)
    assert np.all(np.diff(state.pending) >= 0)  # one customer's repeats side by side


def test_contacting_returns_the_pending_then_new_contacts_of_active_customers():
    n = 1000
    active = np.arange(n) % 2 == 1
    pending = [3, 3, 5]
    state = customer_state(np.zeros(n), [0.0], active=active, pending=pending)
    spec = customers_spec(contact_rate=0.3)
    rng = np.random.default_rng(9)
    calls, new = 200, 0
    for _ in range(calls):
        who = _contacting(state, spec, rng)
        np.testing.assert_array_equal(who[:3], pending)
        assert np.all(state.active[who[3:]])
        new += len(who) - 3
    # The new contacts are Binomial(500 active, 0.3) a week: pooled Binomial(100,000, 0.3),
    # sd ~145; 5 sd.
    trials = calls * active.sum()
    assert abs(new - 0.3 * trials) < 5 * np.sqrt(trials * 0.3 * 0.7)


def test_contacting_picks_every_active_customer_alike():
    active = np.array([True, False, True, True, False, True, True])
    state = customer_state(np.zeros(7), [0.0], active=active)
    spec = customers_spec(contact_rate=1.0)
    rng = np.random.default_rng(10)
    who = np.concatenate([_contacting(state, spec, rng) for _ in range(400)])
    assert len(who) == 400 * 5  # everyone active contacts, with rate 1
    counts = np.bincount(who, minlength=7)
    assert counts[~active].sum() == 0
    # Uniform over the 5 active customers: each count is Binomial(2000, 1/5), sd ~18; 5 sd.
    assert np.all(np.abs(counts[active] - 400) < 5 * np.sqrt(2000 * 0.2 * 0.8)), counts


def test_contacting_without_active_customers_or_without_new_contacts():
    state = customer_state(np.zeros(4), [0.0], active=[False] * 4, pending=[1, 2])
    rng = np.random.default_rng(0)
    who = _contacting(state, customers_spec(contact_rate=1.0), rng)
    np.testing.assert_array_equal(who, [1, 2])
    state = customer_state(np.zeros(4), [0.0], pending=[2])
    who = _contacting(state, customers_spec(contact_rate=0.0), rng)
    np.testing.assert_array_equal(who, [2])
    assert who.dtype == np.int64


def test_contacting_when_most_have_left_picks_every_active_customer_alike():
    # Fewer than half active: the active customers are listed and drawn from.
    active = np.zeros(10, dtype=bool)
    active[[1, 4, 8]] = True
    state = customer_state(np.zeros(10), [0.0], active=active)
    rng = np.random.default_rng(22)
    who = np.concatenate(
        [_contacting(state, customers_spec(contact_rate=1.0), rng) for _ in range(500)]
    )
    assert len(who) == 500 * 3
    counts = np.bincount(who, minlength=10)
    assert counts[~active].sum() == 0
    # Each count is Binomial(1500, 1/3), sd ~18; 5 sd.
    assert np.all(np.abs(counts[active] - 500) < 5 * np.sqrt(1500 / 3 * 2 / 3)), counts


def test_contacting_draws_a_binomial_count_of_new_contacts_among_the_active():
    # 70 % active: new contacts are drawn among everyone and the churned ones redrawn.
    n, rate, weeks = 1000, 0.3, 2000
    rng = np.random.default_rng(23)
    active = rng.random(n) < 0.7
    state = customer_state(np.zeros(n), [0.0], active=active, pending=[5, 5])
    spec = customers_spec(contact_rate=rate)
    counts, drawn = [], []
    for _ in range(weeks):
        who = _contacting(state, spec, rng)
        np.testing.assert_array_equal(who[:2], [5, 5])  # the pending contacts first
        counts.append(len(who) - 2)
        drawn.append(who[2:])
    counts = np.array(counts)
    drawn = np.concatenate(drawn)
    assert active[drawn].all()
    # Binomial(#active, rate): mean and variance over 2,000 weeks. The mean has sd
    # sqrt(v / weeks); the sample variance has sd about v sqrt(2 / weeks). 5 sd each.
    m = active.sum()
    mean, variance = m * rate, m * rate * (1 - rate)
    assert abs(counts.mean() - mean) < 5 * np.sqrt(variance / weeks)
    assert abs(counts.var(ddof=1) / variance - 1) < 5 * np.sqrt(2 / weeks)
    # Every active customer alike: a chi-square statistic of the per-customer counts, with
    # m - 1 degrees of freedom, within 5 of its sd sqrt(2 (m - 1)) of its mean m - 1.
    per_customer = np.bincount(drawn, minlength=n)[active]
    expected = len(drawn) / m
    chi2 = np.sum((per_customer - expected) ** 2 / expected)
    assert abs(chi2 - (m - 1)) < 5 * np.sqrt(2 * (m - 1)), chi2


def test_experience_moves_satisfaction_toward_the_contact_score():
    spec = customers_spec(
        satisfaction={
            "smoothing": 0.3,
            "resolved_score": 0.75,
            "unresolved_factor": 0.6,
            "noise": 0.0,
        }
    )
    state = customer_state(np.zeros(6), [0.0], satisfaction=0.5)
    state.satisfaction[:] = [0.5, 0.2, 0.9, 0.4, 0.6, 0.7]
    conditions = channel_conditions(quality=[1.2, 0.8, 1.5])
    who = np.array([0, 1, 2, 3, 5])
    choice = np.array([0, 1, 2, 2, 0], dtype=np.int8)
    resolved = np.array([True, False, True, False, False])
    _experience(state, spec, conditions, who, choice, resolved, np.random.default_rng(0))
    # Scores 0.75 Q_c, times 0.6 when unresolved, clipped to [0, 1]:
    # 0.9, 0.36, 1.125 -> 1, 0.675, 0.54.
    score = np.array([0.9, 0.36, 1.0, 0.675, 0.54])
    start = np.array([0.5, 0.2, 0.9, 0.4, 0.7])
    np.testing.assert_allclose(state.satisfaction[who], start + 0.3 * (score - start), rtol=1e-6)
    assert state.satisfaction[4] == np.float32(0.6)  # no contact, no change


def test_experience_noise_has_the_given_sd_and_scores_stay_in_bounds():
    n = 50_000
    spec = customers_spec(satisfaction={"smoothing": 0.5, "resolved_score": 0.5, "noise": 0.1})
    state = customer_state(np.zeros(n), [0.0], satisfaction=0.5)
    who = np.arange(n)
    choice = np.repeat(np.array([0, 1], dtype=np.int8), n // 2)
    resolved = np.ones(n, dtype=bool)
    # Channel 0's score 0.5 x 1 = 0.5 sits mid-range; channel 1's 0.5 x 1.9 = 0.95 near 1.
    conditions = channel_conditions(2, quality=[1.0, 1.9])
    _experience(state, spec, conditions, who, choice, resolved, np.random.default_rng(12))
    score = (state.satisfaction - 0.5) / 0.5 + 0.5  # the contact scores, recovered
    middle = score[: n // 2]
    # Normal(0.5, 0.1) is clipped only beyond 5 sd here. Sample sd of 25,000 normal draws has
    # relative sd 1 / sqrt(2 x 25,000) ~ 0.45 %; 5 sd. Mean: sd 0.1 / sqrt(25,000); 5 sd.
    assert abs(middle.std() / 0.1 - 1) < 5 / np.sqrt(n)
    assert abs(middle.mean() - 0.5) < 5 * 0.1 / np.sqrt(n // 2)
    # Near 1 about 31 % of the scores would pass 1 (0.95 + 0.1 z > 1 for z > 0.5): clipped.
    high = score[n // 2 :]
    assert high.max() <= 1.0 + 1e-6
    at_one = np.mean(high > 1.0 - 1e-6)
    assert abs(at_one - 0.3085) < 5 * np.sqrt(0.31 * 0.69 / (n // 2))


def test_experience_clips_scores_at_zero():
    n = 10_000
    spec = customers_spec(satisfaction={"smoothing": 1.0, "resolved_score": 0.05, "noise": 0.1})
    state = customer_state(np.zeros(n), [0.0], satisfaction=0.5)
    resolved = np.ones(n, dtype=bool)
    choice = np.zeros(n, dtype=np.int8)
    _experience(
        state,
        spec,
        channel_conditions(1),
        np.arange(n),
        choice,
        resolved,
        np.random.default_rng(13),
    )
    # With a = 1 satisfaction is the score: 0.05 + 0.1 z, clipped at 0 for z < -0.5 (30.85 %).
    assert state.satisfaction.min() == 0.0
    assert abs(np.mean(state.satisfaction == 0.0) - 0.3085) < 5 * np.sqrt(0.31 * 0.69 / n)


def test_learn_habit_moves_home_only_after_a_resolved_contact_elsewhere():
    n = 40_000
    home = np.repeat(np.arange(2), n // 2)
    rng = np.random.default_rng(14)
    choice = rng.integers(0, 2, n).astype(np.int8)
    resolved = rng.random(n) < 0.5
    eligible = resolved & (choice != home)
    for learning in (0.0, 1.0):
        state = customer_state(home, [0.0, 0.0])
        _learn_habit(
            state,
            customers_spec(choice={"habit_learning": learning}),
            np.arange(n),
            home,
            choice,
            resolved,
            rng,
        )
        expected = np.where(eligible & (learning == 1.0), choice, home)
        np.testing.assert_array_equal(state.home, expected)
    state = customer_state(home, [0.0, 0.0])
    _learn_habit(
        state,
        customers_spec(choice={"habit_learning": 0.25}),
        np.arange(n),
        home,
        choice,
        resolved,
        rng,
    )
    changed = state.home != home
    assert not np.any(changed & ~eligible)
    np.testing.assert_array_equal(state.home[changed], choice[changed])
    # Each eligible contact moves with probability 0.25: binomial share; 5 sd.
    share = changed[eligible].mean()
    assert abs(share - 0.25) < binomial_tolerance(0.25, eligible.sum())


def test_learn_habit_draws_only_for_the_contacts_that_can_switch():
    n = 5_000
    rng = np.random.default_rng(24)
    home = rng.integers(0, 3, n).astype(np.int8)
    choice = rng.integers(0, 3, n).astype(np.int8)
    resolved = rng.random(n) < 0.6
    eligible = int(np.sum(resolved & (choice != home)))
    state = customer_state(home, [0.0, 0.0, 0.0])
    drawing = np.random.default_rng(25)
    spec = customers_spec(choice={"habit_learning": 0.3})
    _learn_habit(state, spec, np.arange(n), home, choice, resolved, drawing)
    reference = np.random.default_rng(25)
    reference.random(eligible)
    assert drawing.random() == reference.random()  # exactly one draw per eligible contact
    # Certain or impossible learning draws nothing.
    for learning in (0.0, 1.0):
        drawing, reference = np.random.default_rng(26), np.random.default_rng(26)
        _learn_habit(
            customer_state(home, [0.0, 0.0, 0.0]),
            customers_spec(choice={"habit_learning": learning}),
            np.arange(n),
            home,
            choice,
            resolved,
            drawing,
        )
        assert drawing.random() == reference.random()


def test_churn_only_below_churn_below_and_only_after_a_contact():
    state = customer_state(np.zeros(6), [0.0])
    state.satisfaction[:] = [0.2, 0.5, 0.49, 0.8, 0.1, 0.0]
    who = np.array([0, 1, 2, 3, 5])
    spec = customers_spec(satisfaction={"churn_below": 0.5, "churn_rate": 1.0})
    _churn(state, spec, who, state.satisfaction[who], np.random.default_rng(0))
    # 0.5 is not below 0.5; customer 4 is unhappy but made no contact.
    np.testing.assert_array_equal(state.active, [False, True, False, True, True, False])
    state = customer_state(np.zeros(6), [0.0], satisfaction=0.1)
    _churn(
        state,
        customers_spec(satisfaction={"churn_below": 0.5, "churn_rate": 0.0}),
        who,
        state.satisfaction[who],
        np.random.default_rng(0),
    )
    assert state.active.all()


def test_churn_rate_is_the_probability_of_leaving():
    n = 20_000
    state = customer_state(np.zeros(n), [0.0], satisfaction=0.3)
    state.satisfaction[n // 2 :] = 0.7  # the second half is content
    spec = customers_spec(satisfaction={"churn_below": 0.5, "churn_rate": 0.2})
    _churn(state, spec, np.arange(n), state.satisfaction.copy(), np.random.default_rng(15))
    assert state.active[n // 2 :].all()
    left = 1.0 - state.active[: n // 2].mean()
    assert abs(left - 0.2) < binomial_tolerance(0.2, n // 2)  # 5 binomial sd


def serve_setup(n=20_000, **satisfaction):
    """Customers with random homes, 1,000 of them churned already."""
    rng = np.random.default_rng(16)
    state = customer_state(rng.integers(0, 3, n), [0.0, 0.0, 0.0], satisfaction=0.6)
    state.active[:1000] = False
    spec = customers_spec(
        population=n,
        contact_rate=0.3,
        satisfaction={"churn_below": 0.7, "churn_rate": 0.5, **satisfaction},
    )
    return state, spec


def test_serve_customers_conserves_customers_and_counts_the_week():
    state, spec = serve_setup()
    state.pending = np.array([1500, 1500, 2000], dtype=np.int64)
    conditions = channel_conditions(resolution=[1.0, 0.0, 0.5])
    week = serve_customers(state, spec, conditions, np.random.default_rng(17))
    # Churned is cumulative (the 1,000 from before included); active + churned = population.
    assert week.churned == state.size - state.active.sum()
    assert week.churned > 1000 + 100  # after a contact every customer is below 0.7
    assert week.contacts.shape == (3,)
    assert week.contacts.sum() >= 3 + 0.25 * (state.size - 1000)  # pending + ~0.3 x 19,000
    # Web always resolves, phone never, desk half the time: Binomial(desk contacts, 0.5).
    desk_resolved = week.resolved - week.contacts[0]
    assert abs(desk_resolved - 0.5 * week.contacts[2]) < 5 * np.sqrt(0.25 * week.contacts[2])
    # Pending: unresolved contacts of customers still active.
    assert np.all(state.active[state.pending])
    assert len(state.pending) <= week.contacts[1] + week.contacts[2] - desk_resolved
    np.testing.assert_allclose(
        week.satisfaction, state.satisfaction[state.active].astype(np.float64).mean(), rtol=1e-12
    )


def test_serve_customers_without_churn_keeps_every_unresolved_contact():
    state, spec = serve_setup(churn_rate=0.0)
    conditions = channel_conditions(resolution=[1.0, 0.0, 0.5])
    week = serve_customers(state, spec, conditions, np.random.default_rng(18))
    assert week.churned == 1000
    assert len(state.pending) == week.contacts.sum() - week.resolved
    assert np.all(state.active[state.pending])


def test_serve_customers_pending_are_the_unresolved_contacts_of_the_active():
    # No new contacts: the week's contacts are exactly last week's pending ones.
    state, spec = serve_setup()
    spec = spec.model_copy(update={"contact_rate": 0.0})
    who = np.arange(1000, 9000, dtype=np.int64)
    state.pending = who
    # Nothing resolved: every contact of a customer who stays comes back.
    week = serve_customers(
        state, spec, channel_conditions(resolution=0.0), np.random.default_rng(19)
    )
    assert week.contacts.sum() == len(who)
    assert week.resolved == 0
    assert 0 < week.churned - 1000 < len(who)  # some of them left, not all
    np.testing.assert_array_equal(state.pending, who[state.active[who]])
    assert state.active[9000:].all()  # no contact, no churn (though all below churn_below)
    # Everything resolved: nothing comes back.
    state.pending = who
    week = serve_customers(
        state, spec, channel_conditions(resolution=1.0), np.random.default_rng(20)
    )
    assert week.resolved == week.contacts.sum() > 0
    assert len(state.pending) == 0


def test_serve_customers_when_everyone_has_left():
    state, spec = serve_setup(n=50)
    state.active[:] = False
    week = serve_customers(state, spec, channel_conditions(), np.random.default_rng(21))
    np.testing.assert_array_equal(week.contacts, [0, 0, 0])
    assert week.resolved == 0
    assert week.churned == 50
    assert np.isnan(week.satisfaction)


def direct_mean(state: CustomerState) -> float:
    """The mean satisfaction of the active customers, computed over all of them."""
    if not state.active.any():
        return float("nan")
    return float(np.mean(state.satisfaction, where=state.active, dtype=np.float64))


def test_weekly_satisfaction_is_the_mean_over_the_active_customers_week_after_week():
    # The week's mean is the float64 sum over all customers less the churned customers' sum,
    # kept as they leave. Both it and the direct mean add float32 values in float64; the
    # rounding of n additions is at most n 2^-53 relative (recursive summation; ~2e-12 for
    # 20,000), and the churned sum adds at most that again per week.
    state, spec = serve_setup(churn_rate=0.2)
    state.pending = np.array([1500, 1500, 2000], dtype=np.int64)
    conditions = channel_conditions(resolution=[0.9, 0.4, 0.6])
    rng = np.random.default_rng(27)
    weeks = 30
    rtol = (weeks + 1) * state.size * 2.0**-53
    churned = []
    for _ in range(weeks):
        week = serve_customers(state, spec, conditions, rng)
        churned.append(week.churned)
        np.testing.assert_allclose(week.satisfaction, direct_mean(state), rtol=rtol)
        assert week.churned == state.size - state.active.sum()
        kept = state.left()
        direct = Churned.count_in(state.satisfaction, state.active)
        assert kept.count == direct.count
        np.testing.assert_allclose(kept.satisfaction, direct.satisfaction, rtol=rtol)
    assert churned[-1] > churned[0] > 1000  # churn was not vacuous


def test_changing_who_is_active_directly_needs_a_recount():
    state, spec = serve_setup()
    conditions = channel_conditions()
    serve_customers(state, spec, conditions, np.random.default_rng(28))
    state.active[5000:6000] = False  # not through serve_customers
    state.pending = state.pending[state.active[state.pending]]  # pending: active customers
    state.recount()
    week = serve_customers(state, spec, conditions, np.random.default_rng(29))
    assert week.churned == state.size - state.active.sum()
    np.testing.assert_allclose(week.satisfaction, direct_mean(state), rtol=1e-12)
