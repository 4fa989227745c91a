"""Customers: conservation, stationarity of an unchanging organisation, calibration, scale.

Every stochastic comparison uses fixed seeds and a tolerance derived from sampling error; the
derivation is in a comment next to it. No expected value is copied from a run.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import yaml

import changesim
from changesim import ChangeModel
from changesim.model.customers import (
    calibrate,
    choice_table,
    contact_shares,
    stationary_homes,
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
    scenario = load_example(customers={"satisfaction": {"churn_below": 0.62, "churn_rate": 0.1}})
    model = ChangeModel(scenario, rng=7, agents=False)
    active = [int(model.customers.active.sum())]
    pending = [len(model.customers.pending)]
    for _ in range(scenario.weeks):
        model.step()
        active.append(int(model.customers.active.sum()))
        pending.append(len(model.customers.pending))
    weekly = model.recorder.weekly_frame()
    return scenario, weekly, np.array(active), np.array(pending)


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


def test_unresolved_contacts_come_back_and_new_contacts_follow_the_contact_rate(stepped):
    scenario, weekly, active, pending = stepped
    org = org_rows(weekly)
    contacts = org["contacts"].to_numpy()
    resolved = np.rint(org["first_contact_resolution"].to_numpy() * contacts)
    churned = np.rint(org["churned_share"].to_numpy() * scenario.customers.population)
    # Pending after week w = unresolved contacts of week w whose customer is still active.
    unresolved = contacts - resolved
    assert np.all(pending <= unresolved)
    calm = np.flatnonzero(np.diff(churned) == 0) + 1  # weeks in which nobody left
    assert len(calm) > 0
    np.testing.assert_array_equal(pending[calm], unresolved[calm])
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


def test_nothing_changes_in_the_organisation(stationary):
    scenario, _, result = stationary
    assert scenario.weeks == 104
    assert (result.weekly["quality"] == 1.0).all()
    assert (result.weekly["adopted"] == 0).all()


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
        # Strong habit, still well inside the allowed range of choice.habit, [0, 50].
        ([0.35, 0.45, 0.20], [0.55, 0.7, 0.75], {"habit": 8.0}),
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


def test_unreachable_shares_give_a_scenario_error_not_a_traceback(tmp_path):
    """A habit so strong that no constants reproduce skewed shares is a user error."""
    from typer.testing import CliRunner

    from changesim.cli import app

    # Found by search: with habit 20 and rare switching the logit cannot reach these shares.
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
