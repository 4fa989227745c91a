"""The optimised customer week equals the previous one in distribution.

The previous week (before ADR 0017) is kept here frozen: the channel draw by 2-D row indexing,
new contacts among the listed active customers, a habit draw for every contact, the mean
satisfaction masked over all customers. The optimised week draws fewer random numbers (habit draws
only where a customer can switch, no normal draws without noise, new contacts by rejection),
so the two agree by seed only in parts; over 20 seeds the weekly means of every output must
agree within sampling error: |mean_old - mean_new| < 4 sqrt(se_old^2 + se_new^2), with se the
standard error of the mean over the seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

import changesim.model.change_model as change_model
from changesim import ChangeModel
from changesim.model.customers import (
    ChannelConditions,
    CustomerState,
    CustomerWeek,
    _draw,
    choice_table,
    init_customers,
    serve_customers,
)
from changesim.scenario.customers import Customers
from tests.builders import load_example, org_rows

# --- the frozen previous implementation ------------------------------------------------------


def old_serve_customers(
    state: CustomerState,
    spec: Customers,
    conditions: ChannelConditions,
    rng: np.random.Generator,
) -> CustomerWeek:
    """One week of contacts: who calls, which channel, resolved or not, what they think."""
    who = old_contacting(state, spec, rng)
    choice = old_choose(state, spec, conditions, who, rng)
    resolution = conditions.resolution.astype(np.float32)
    resolved = rng.random(len(who), dtype=np.float32) < resolution[choice]
    old_experience(state, spec, conditions, who, choice, resolved, rng)
    old_learn_habit(state, spec, who, choice, resolved, rng)
    old_churn(state, spec, who, rng)
    state.pending = who[~resolved & state.active[who]]
    churned = int(state.size - state.active.sum())
    return CustomerWeek(
        contacts=np.bincount(choice, minlength=len(conditions.quality)),
        resolved=int(resolved.sum()),
        satisfaction=float(np.mean(state.satisfaction, where=state.active, dtype=np.float64))
        if churned < state.size
        else float("nan"),
        churned=churned,
    )


def old_contacting(state: CustomerState, spec: Customers, rng: np.random.Generator) -> np.ndarray:
    """Returning unresolved contacts plus new contacts of active customers (with repeats)."""
    active = np.flatnonzero(state.active)
    count = rng.binomial(len(active), spec.contact_rate) if len(active) else 0
    new = active[rng.integers(0, len(active), count)] if count else np.empty(0, np.int64)
    return np.concatenate([state.pending, new])


def old_choose(
    state: CustomerState,
    spec: Customers,
    conditions: ChannelConditions,
    who: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw channels from the multinomial logit; capped channels pass their overflow on.

    Utilities differ between customers only by their home channel, so the choice
    probabilities form one (home x channel) table per week and each contact needs one uniform
    draw (inverse CDF) instead of a Gumbel draw per channel. A capped channel's random excess
    redraws among the unrestricted channels in proportion to their probabilities, which is the
    logit's own choice among the remaining alternatives.
    """
    weights = spec.choice
    base = state.constants + weights.quality * conditions.quality + conditions.steering
    probabilities = choice_table(base, weights.habit, conditions.awareness)
    home = state.home[who]
    choice = old_draw(probabilities, home, rng)
    restricted = conditions.cap < 1.0  # validation keeps at least one channel unrestricted
    for channel in np.flatnonzero(restricted):
        chosen = np.flatnonzero(choice == channel)
        excess = len(chosen) - int(conditions.cap[channel] * len(who))
        if excess <= 0:
            continue
        moved = rng.choice(chosen, size=excess, replace=False)
        remaining = np.where(restricted[None, :], 0.0, probabilities)
        remaining /= remaining.sum(axis=1, keepdims=True)
        choice[moved] = old_draw(remaining, home[moved], rng)
    return choice


def old_draw(probabilities: np.ndarray, home: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per customer from row ``home`` of ``probabilities``."""
    cumulative = np.cumsum(probabilities, axis=1).astype(np.float32)
    cumulative[:, -1] = np.inf  # rounding must never push a draw past the last channel
    draws = rng.random(len(home), dtype=np.float32)
    return (draws[:, None] >= cumulative[home]).sum(axis=1).astype(np.int8)


def old_experience(
    state: CustomerState,
    spec: Customers,
    conditions: ChannelConditions,
    who: np.ndarray,
    choice: np.ndarray,
    resolved: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Satisfaction moves toward the contact's score (quality, resolution, noise)."""
    sat = spec.satisfaction
    quality = (sat.resolved_score * conditions.quality).astype(np.float32)
    score = quality[choice]
    score[~resolved] *= np.float32(sat.unresolved_factor)
    score += np.float32(sat.noise) * rng.standard_normal(len(who), dtype=np.float32)
    np.clip(score, 0.0, 1.0, out=score)
    current = state.satisfaction[who]
    state.satisfaction[who] = current + np.float32(sat.smoothing) * (score - current)


def old_learn_habit(
    state: CustomerState,
    spec: Customers,
    who: np.ndarray,
    choice: np.ndarray,
    resolved: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """A resolved contact in another channel may become the new home channel."""
    moved = resolved & (choice != state.home[who])
    moved &= rng.random(len(who)) < spec.choice.habit_learning
    state.home[who[moved]] = choice[moved]


def old_churn(
    state: CustomerState, spec: Customers, who: np.ndarray, rng: np.random.Generator
) -> None:
    """Dissatisfied customers may leave after a contact."""
    sat = spec.satisfaction
    unhappy = who[state.satisfaction[who] < sat.churn_below]
    leaving = unhappy[rng.random(len(unhappy)) < sat.churn_rate]
    state.active[leaving] = False


# --- the comparison --------------------------------------------------------------------------

SEEDS = range(20)
CHANNELS = 3

#: Churn, noise and habit learning all on; the contact rate high enough that a customer
#: often has two contacts in a week.
SPEC = Customers.model_validate(
    {
        "population": 20_000,
        "contact_rate": 0.3,
        "choice": {"quality": 2.0, "habit": 2.0, "habit_learning": 0.2},
        "satisfaction": {"noise": 0.1, "churn_below": 0.62, "churn_rate": 0.1},
    }
)

#: Steering and awareness toward web, phone capped below its share of the contacts (about
#: 0.45 at the old level: the cap binds), a different quality and resolution per channel.
CONDITIONS = ChannelConditions(
    quality=np.array([1.1, 0.9, 1.0]),
    resolution=np.array([0.8, 0.6, 0.7]),
    steering=np.array([0.4, 0.0, 0.0]),
    awareness=np.array([0.3, 0.0, 0.0]),
    cap=np.array([1.0, 0.3, 1.0]),
)


def starting_state(seed: int, churned: float, spec: Customers = SPEC) -> CustomerState:
    """The stationary start of ``spec`` with a share ``churned`` of the customers gone."""
    rng = np.random.default_rng([seed, 99])
    state = init_customers(spec, np.array([0.7, 0.7, 0.7]), rng)
    state.active[rng.random(state.size) < churned] = False
    state.pending = state.pending[state.active[state.pending]]
    return state


def copy_state(state: CustomerState) -> CustomerState:
    return CustomerState(
        home=state.home.copy(),
        satisfaction=state.satisfaction.copy(),
        active=state.active.copy(),
        pending=state.pending.copy(),
        constants=state.constants.copy(),
    )


def summary(weeks: list[CustomerWeek], state: CustomerState, churned: int) -> np.ndarray:
    """Per run: mean weekly contacts per channel, resolved and satisfaction; the customers
    who left (``churned`` before), pending contacts and the home-channel shares of the
    active customers at the end."""
    homes = np.bincount(state.home[state.active], minlength=CHANNELS) / state.active.sum()
    return np.concatenate(
        [
            np.mean([w.contacts for w in weeks], axis=0),
            [np.mean([w.resolved for w in weeks])],
            [np.mean([w.satisfaction for w in weeks])],
            [weeks[-1].churned - churned, len(state.pending)],
            homes,
        ]
    )


STATISTICS = ["contacts web", "contacts phone", "contacts desk", "resolved", "satisfaction"]
STATISTICS += ["left", "pending", "home web", "home phone", "home desk"]


def agree_within_sampling_error(old: np.ndarray, new: np.ndarray, names: list[str]) -> None:
    """Means over the seeds (rows) agree within 4 standard errors of their difference."""
    se_old = old.std(axis=0, ddof=1) / np.sqrt(len(old))
    se_new = new.std(axis=0, ddof=1) / np.sqrt(len(new))
    gap = np.abs(old.mean(axis=0) - new.mean(axis=0))
    bound = 4 * np.sqrt(se_old**2 + se_new**2)
    failing = [
        (name, o, n, b)
        for name, o, n, b, ok in zip(
            names, old.mean(axis=0), new.mean(axis=0), bound, gap <= bound, strict=True
        )
        if not ok
    ]
    assert not failing, failing


@pytest.mark.parametrize("churned", [0.3, 0.6])  # rejection sampling; the active listed
def test_the_optimised_week_equals_the_old_one_in_distribution(churned):
    weeks = 10
    old, new = [], []
    for seed in SEEDS:
        start = starting_state(seed, churned)
        before = int(start.size - start.active.sum())
        for week, runs, stream in ((old_serve_customers, old, 0), (serve_customers, new, 1)):
            state = copy_state(start)
            rng = np.random.default_rng([seed, stream])
            outputs = [week(state, SPEC, CONDITIONS, rng) for _ in range(weeks)]
            runs.append(summary(outputs, state, before))
    old_runs, new_runs = np.array(old), np.array(new)
    agree_within_sampling_error(old_runs, new_runs, STATISTICS)
    # Not vacuous: churn happened, the cap held (phone at most 0.3 of the contacts).
    assert new_runs[:, 5].min() > 100
    contacts = new_runs[:, :CHANNELS]
    assert np.all(contacts[:, 1] <= 0.3 * contacts.sum(axis=1) + 1)


@pytest.mark.parametrize("learning", [0.0, 1.0])
def test_one_week_is_the_same_by_seed_when_no_draw_is_dropped(learning):
    # Without churned customers the new contacts are the same draws; with habit learning 0 or
    # 1 the old week's habit draws decide nothing and, with churn rate 0, neither do the churn
    # draws after them: the week is the same, array for array.
    spec = SPEC.model_copy(
        update={
            "choice": SPEC.choice.model_copy(update={"habit_learning": learning}),
            "satisfaction": SPEC.satisfaction.model_copy(update={"churn_rate": 0.0}),
        }
    )
    for seed in range(3):
        start = starting_state(seed, 0.0, spec)
        old_state, new_state = copy_state(start), copy_state(start)
        old = old_serve_customers(old_state, spec, CONDITIONS, np.random.default_rng(seed))
        new = serve_customers(new_state, spec, CONDITIONS, np.random.default_rng(seed))
        np.testing.assert_array_equal(new.contacts, old.contacts)
        assert new.resolved == old.resolved
        assert new.churned == old.churned == 0
        np.testing.assert_allclose(new.satisfaction, old.satisfaction, rtol=1e-12)
        for name in ("home", "satisfaction", "active", "pending"):
            np.testing.assert_array_equal(getattr(new_state, name), getattr(old_state, name))


def test_the_channel_draw_is_the_same_by_seed():
    rng = np.random.default_rng(5)
    for channels in (1, 2, 3, 6):
        table = rng.dirichlet(np.ones(channels), size=channels)
        table[0] = np.eye(channels)[-1]  # certain last channel
        home = rng.integers(0, channels, 10_000).astype(np.int8)
        np.testing.assert_array_equal(
            _draw(table, home, np.random.default_rng(channels)),
            old_draw(table, home, np.random.default_rng(channels)),
        )


def test_the_model_with_the_optimised_week_equals_the_old_one_in_distribution(monkeypatch):
    # The example with steering from week 4, phone capped from week 8, churn; 20 seeds each.
    scenario = load_example(
        weeks=20,
        customers={
            "population": 4000,
            "contact_rate": 0.2,
            "steering": {
                "start": 4,
                "restrictions": [{"channel": "phone", "cap": 0.35, "start": 8}],
            },
            "satisfaction": {"churn_below": 0.62, "churn_rate": 0.1},
        },
    )
    columns = ["satisfaction", "churned_share", "first_contact_resolution"]
    columns += [f"channel_share_{c}" for c in ("web", "phone", "desk")]
    results = {}
    for name, week in (("old", old_serve_customers), ("new", serve_customers)):
        monkeypatch.setattr(change_model, "serve_customers", week)
        runs = []
        for seed in SEEDS:
            model = ChangeModel(scenario, rng=seed, agents=False)
            model.run_model()
            org = org_rows(model.recorder.weekly_frame())
            means = org[columns].iloc[1:].mean().to_numpy()
            runs.append(np.append(means, org["churned_share"].iloc[-1]))
        results[name] = np.array(runs)
    agree_within_sampling_error(results["old"], results["new"], [*columns, "final churned"])
    assert results["new"][:, -1].min() > 0  # churn is not vacuous
