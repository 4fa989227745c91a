"""The customer population: vectorised channel choice, experience, satisfaction, habit, churn.

Customers are arrays, not agents, so a million of them stay fast: each week only the customers
who make contact draw random numbers. Each customer has a *home channel* (their habit). Channel
choice is a multinomial logit

    U_ic = ASC_c + b_q Q_c + b_h [c = home_i] + S_c + e_ic,   e_ic ~ Gumbel(0, 1),

with Q_c the channel's service quality this week and S_c the steering toward a target channel.
A resolved contact in another channel becomes the new home channel with probability
``habit_learning``. Unresolved contacts come back the next week.

Nothing drifts in a scenario where nothing changes: the alternative-specific constants ASC_c
and the starting distribution of home channels are solved together so that, at the old
quality level, the home channels are in their stationary distribution and the channels carry
the scenario's ``initial_share`` of contacts (lasting channel attributes such as effort are
absorbed in the constants; a change in effort is the steering instrument ``benefit``).
Satisfaction starts at its stationary mean for the customer's home channel, and the returning
contacts of week 0 are drawn at their stationary rate.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from changesim.scenario.customers import Customers


@dataclass
class ChannelConditions:
    """What the channels offer this week, one entry per channel."""

    quality: np.ndarray  # service quality, old level 1
    resolution: np.ndarray  # probability that a contact is resolved first time
    steering: np.ndarray  # utility shift from steering, for every customer
    awareness: np.ndarray  # utility shift for customers whose home is another channel
    cap: np.ndarray  # largest share of the week's contacts the channel may take (1 = none)


@dataclass
class CustomerWeek:
    """Aggregates of one week of customer contacts."""

    contacts: np.ndarray  # per channel
    resolved: int
    satisfaction: float  # mean over active customers
    churned: int  # cumulative


@dataclass
class Churned:
    """The churned customers, counted as they leave: how many, and the float64 sum of their
    satisfaction, frozen from then on (a churned customer makes no more contacts)."""

    count: int
    satisfaction: float

    @classmethod
    def count_in(cls, satisfaction: np.ndarray, active: np.ndarray) -> Churned:
        """The churned customers counted directly from the arrays."""
        return cls(
            count=int(len(active) - np.count_nonzero(active)),
            satisfaction=float(np.sum(satisfaction, dtype=np.float64, where=~active)),
        )


@dataclass
class CustomerState:
    """The customer arrays and the choice model's constants.

    ``pending`` holds active customers only. The churned customers' count and satisfaction
    are counted from the arrays on first use and then kept as customers leave; code other
    than :func:`serve_customers` that changes ``active`` afterwards must call :meth:`recount`.
    """

    home: np.ndarray  # int8, the customer's habitual channel
    satisfaction: np.ndarray  # float32 in [0, 1]
    active: np.ndarray  # bool
    pending: np.ndarray  # indices of customers whose unresolved contact comes back next week
    constants: np.ndarray  # alternative-specific constants ASC_c
    churned: Churned | None = field(default=None, repr=False, compare=False)

    @property
    def size(self) -> int:
        """Number of customers, active or churned."""
        return len(self.satisfaction)

    def left(self) -> Churned:
        """The churned customers' count and satisfaction, counted if not kept yet."""
        if self.churned is None:
            self.churned = Churned.count_in(self.satisfaction, self.active)
        return self.churned

    def recount(self) -> None:
        """Forget the kept count of churned customers (after changing ``active`` directly)."""
        self.churned = None

    def mean_satisfaction(self) -> float:
        """Mean satisfaction of the active customers (float64); NaN when everybody has left.

        The sum over all customers, a contiguous pass, less the churned customers' frozen
        sum: cheaper than a masked mean over the active ones.
        """
        churned = self.left()
        if churned.count == self.size:
            return float("nan")
        total = float(np.sum(self.satisfaction, dtype=np.float64)) - churned.satisfaction
        return total / (self.size - churned.count)


def stationary_homes(
    choice: np.ndarray, resolution: np.ndarray, switching: float, current: np.ndarray
) -> np.ndarray:
    """Stationary distribution of home channels; ``current`` if customers never switch.

    A customer at home k has a problem at a constant rate, needs 1 / sum_c P[k,c] r_c contacts
    per problem, and moves home to c != k at a resolved contact there with probability
    ``switching``: the rate of k -> c is P[k,c] r_c switching / sum_c' P[k,c'] r_c'.
    """
    if switching == 0:
        return current
    per_problem = 1.0 / (choice @ resolution)
    rates = per_problem[:, None] * choice * resolution[None, :] * switching
    np.fill_diagonal(rates, 0.0)
    generator = rates - np.diag(rates.sum(axis=1))
    # Scale to entries of order 1: with a strong habit and rare switching the rates are about
    # 1e-11, and least squares on the unscaled system is accurate only to about 1e-7.
    scale = np.abs(generator).max()
    if scale > 0:  # zero with one channel: nobody can move
        generator /= scale
    channels = len(resolution)
    system = np.vstack([generator.T, np.ones(channels)])
    rhs = np.append(np.zeros(channels), 1.0)
    return np.linalg.lstsq(system, rhs, rcond=None)[0].clip(0.0)


def contact_shares(homes: np.ndarray, choice: np.ndarray, resolution: np.ndarray) -> np.ndarray:
    """Share of contacts per channel, counting the returns of unresolved contacts."""
    per_problem = 1.0 / (choice @ resolution)
    contacts = (homes * per_problem) @ choice
    return contacts / contacts.sum()


def calibrate(
    shares: np.ndarray, resolution: np.ndarray, spec: Customers
) -> tuple[np.ndarray, np.ndarray]:
    """Constants ASC_c and home distribution that reproduce ``shares`` of contacts, stationary.

    Solves log(predicted_c / predicted_0) = log(target_c / target_0) for ASC_1.. (ASC_0 = 0)
    with a Newton-type root finder, the home distribution re-solved for each guess.

    Raises
    ------
    ValueError
        If no constants reproduce the shares (a habit so strong that customers never move).
    """
    from scipy.optimize import root

    target = np.clip(shares, 1e-9, None)
    target = target / target.sum()
    start_homes = target * resolution / (target * resolution).sum()
    habit, switching = spec.choice.habit, spec.choice.habit_learning

    def solve(tail: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        constants = np.concatenate([[0.0], tail])
        choice = choice_table(constants, habit)
        homes = stationary_homes(choice, resolution, switching, start_homes)
        homes = homes / homes.sum()
        return constants, homes, contact_shares(homes, choice, resolution)

    def residual(tail: np.ndarray) -> np.ndarray:
        predicted = np.clip(solve(tail)[2], 1e-300, None)
        return np.log(predicted[1:] / predicted[0]) - np.log(target[1:] / target[0])

    solution = root(residual, np.zeros(len(shares) - 1), method="hybr", tol=1e-13)
    constants, homes, predicted = solve(solution.x)
    if np.abs(predicted - target).max() > 1e-8:
        raise ValueError(
            f"customers.choice.habit = {habit}: no channel constants reproduce the initial "
            f"shares {np.round(target, 4).tolist()} (best {np.round(predicted, 4).tolist()}); "
            "use a weaker habit"
        )
    return constants - constants.mean(), homes


def stationary_satisfaction(spec: Customers, resolution: np.ndarray) -> np.ndarray:
    """Mean resting satisfaction per home channel at the old quality level.

    ``resolution`` is each home's per-contact resolution probability r (its choice-weighted
    first-contact resolution). Satisfaction is an exponential average over contacts (weight
    a); between problems it rests after the last, resolved contact. With j unresolved contacts
    before the resolved one (geometric, P(j) = (1 - r) ** j r), b = 1 - a, and scores x1
    (resolved) and x0 (unresolved), the stationary mean S solves
    S = E[b ** (j + 1)] S + a (x1 + x0 E[sum over l = 1..j of b ** l]).
    """
    sat = spec.satisfaction
    a = sat.smoothing
    b = 1.0 - a
    x1 = sat.resolved_score
    x0 = sat.resolved_score * sat.unresolved_factor
    r = np.clip(resolution, 1e-9, 1.0)
    if a == 0:
        return r * x1 + (1.0 - r) * x0  # never updated: start at the mean contact score
    geometric_b = r / (1.0 - (1.0 - r) * b)  # E[b ** j]
    earlier = b / (1.0 - b) * (1.0 - geometric_b) if b < 1 else 0.0
    return np.clip(a * (x1 + x0 * earlier) / (1.0 - b * geometric_b), 0.0, 1.0)


def init_customers(
    spec: Customers, resolution: np.ndarray, rng: np.random.Generator
) -> CustomerState:
    """Customers at the old service level, in the stationary state of the choice model.

    ``initial_share`` is read as the share of *contacts* per channel, as organisations measure it.
    """
    shares = np.array([spec.channels[c].initial_share for c in spec.channel_names()])
    constants, homes = calibrate(shares, resolution, spec)
    n = spec.population
    home = rng.choice(len(shares), size=n, p=homes).astype(np.int8)
    choice = choice_table(constants, spec.choice.habit)
    per_contact = choice @ resolution  # probability that a contact of home k is resolved
    satisfaction = stationary_satisfaction(spec, per_contact)[home].astype(np.float32)
    # Week 0's returning contacts: for home k, the stationary number of unresolved contacts
    # per week, rate * (contacts per problem - 1), drawn as a Poisson count. Those customers
    # are mid-problem: their last contact was an unresolved one.
    returning = rng.poisson(spec.contact_rate * (1.0 / per_contact[home] - 1.0))
    pending = np.repeat(np.arange(n), returning)
    unresolved = spec.satisfaction.resolved_score * spec.satisfaction.unresolved_factor
    satisfaction[pending] += spec.satisfaction.smoothing * (unresolved - satisfaction[pending])
    return CustomerState(
        home=home,
        satisfaction=satisfaction,
        active=np.ones(n, dtype=bool),
        pending=pending,
        constants=constants,
    )


def serve_customers(
    state: CustomerState,
    spec: Customers,
    conditions: ChannelConditions,
    rng: np.random.Generator,
) -> CustomerWeek:
    """One week of contacts: who calls, which channel, resolved or not, what they think."""
    who = _contacting(state, spec, rng)
    home = state.home[who]
    choice = _choose(state, spec, conditions, home, rng)
    channel = choice.astype(np.intp)  # faster to index with than int8
    resolution = conditions.resolution.astype(np.float32)
    resolved = rng.random(len(who), dtype=np.float32) < resolution[channel]
    after = _experience(state, spec, conditions, who, channel, resolved, rng)
    _learn_habit(state, spec, who, home, choice, resolved, rng)
    left = _churn(state, spec, who, after, rng)
    pending = who[~resolved]
    state.pending = pending[state.active[pending]] if left else pending
    return CustomerWeek(
        contacts=np.bincount(channel, minlength=len(conditions.quality)),
        resolved=int(np.count_nonzero(resolved)),
        satisfaction=state.mean_satisfaction(),
        churned=state.left().count,
    )


def _contacting(state: CustomerState, spec: Customers, rng: np.random.Generator) -> np.ndarray:
    """Returning unresolved contacts plus new contacts of active customers (with repeats).

    The new contacts are drawn uniformly, with replacement, among the active customers: while
    at least half the customers are active, by drawing among all customers and drawing again
    for each churned one drawn (rejection sampling: every active customer alike), which
    avoids listing the active customers each week.
    """
    n = state.size
    count_active = n - state.left().count
    count = rng.binomial(count_active, spec.contact_rate) if count_active else 0
    if not count:
        return np.concatenate([state.pending, np.empty(0, np.int64)])
    if 2 * count_active < n:
        active = np.flatnonzero(state.active)
        new = active[rng.integers(0, count_active, count)]
    else:
        new = rng.integers(0, n, count)
        if count_active < n:  # some have left: draw again for each of them drawn
            _redraw_churned(state, new, rng)
    return np.concatenate([state.pending, new])


def _redraw_churned(state: CustomerState, new: np.ndarray, rng: np.random.Generator) -> None:
    """Draw again, in place, each churned customer among ``new`` until all are active."""
    rejected = np.flatnonzero(~state.active[new])
    while len(rejected):
        again = rng.integers(0, state.size, len(rejected))
        new[rejected] = again
        rejected = rejected[~state.active[again]]


def _choose(
    state: CustomerState,
    spec: Customers,
    conditions: ChannelConditions,
    home: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Draw channels from the multinomial logit; capped channels pass their overflow on.

    ``home`` is the home channel of each contact. Utilities differ between customers only by
    their home channel, so the choice probabilities form one (home x channel) table per week
    and each contact needs one uniform draw (inverse CDF) instead of a Gumbel draw per
    channel. A capped channel's random excess redraws among the unrestricted channels in
    proportion to their probabilities, which is the logit's own choice among the remaining
    alternatives.
    """
    weights = spec.choice
    base = state.constants + weights.quality * conditions.quality + conditions.steering
    probabilities = choice_table(base, weights.habit, conditions.awareness)
    choice = _draw(probabilities, home, rng)
    restricted = conditions.cap < 1.0  # validation keeps at least one channel unrestricted
    for channel in np.flatnonzero(restricted):
        chosen = np.flatnonzero(choice == channel)
        excess = len(chosen) - int(conditions.cap[channel] * len(home))
        if excess <= 0:
            continue
        moved = rng.choice(chosen, size=excess, replace=False)
        remaining = np.where(restricted[None, :], 0.0, probabilities)
        remaining /= remaining.sum(axis=1, keepdims=True)
        choice[moved] = _draw(remaining, home[moved], rng)
    return choice


def choice_table(
    utility: np.ndarray, habit_weight: float, awareness: np.ndarray | None = None
) -> np.ndarray:
    """P[k, c] for a customer at home k, given each channel's utility this week.

    ``awareness`` adds utility to a channel for the customers whose home is another channel.
    """
    habit, elsewhere = _home_tables(len(utility), habit_weight)
    table = utility[None, :] + habit
    if awareness is not None:
        table = table + awareness[None, :] * elsewhere
    table = np.exp(table - table.max(axis=1, keepdims=True))
    return table / table.sum(axis=1, keepdims=True)


@functools.lru_cache(maxsize=8)
def _home_tables(channels: int, habit_weight: float) -> tuple[np.ndarray, np.ndarray]:
    """``habit_weight`` on the diagonal (home k, channel k), and 1 off it (another channel);
    read-only, made once per number of channels and habit weight."""
    home = np.eye(channels)
    habit, elsewhere = habit_weight * home, 1.0 - home
    habit.flags.writeable = elsewhere.flags.writeable = False
    return habit, elsewhere


def _draw(probabilities: np.ndarray, home: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per customer from row ``home`` of ``probabilities``.

    The channel is the number of the row's cumulative probabilities (float32) at or below a
    uniform draw, counted one channel at a time from a small lookup per channel: no
    (contacts x channels) array.
    """
    cumulative = np.cumsum(probabilities, axis=1).astype(np.float32)
    draws = rng.random(len(home), dtype=np.float32)
    rows = home.astype(np.intp)  # faster to index with than int8
    choice = np.zeros(len(home), dtype=np.int8)
    # The last column is never passed: rounding must never push a draw past the last channel.
    for column in cumulative.T[:-1]:
        choice += draws >= column[rows]
    return choice


def _experience(
    state: CustomerState,
    spec: Customers,
    conditions: ChannelConditions,
    who: np.ndarray,
    choice: np.ndarray,
    resolved: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Satisfaction moves toward the contact's score (quality, resolution, noise).

    Returns each contact's customer's satisfaction afterwards (a customer with two contacts
    this week keeps one of the two updates).
    """
    sat = spec.satisfaction
    channels = len(conditions.quality)
    quality = (sat.resolved_score * conditions.quality).astype(np.float32)
    # Score per (resolved, channel): row 0 unresolved, row 1 resolved.
    table = np.concatenate([quality * np.float32(sat.unresolved_factor), quality])
    index = resolved * channels + choice  # intp
    if sat.noise > 0:
        score = table[index]
        noise = rng.standard_normal(len(who), dtype=np.float32)
        noise *= np.float32(sat.noise)
        score += noise
        np.minimum(np.maximum(score, 0.0, out=score), 1.0, out=score)
    else:
        score = np.clip(table, 0.0, 1.0)[index]
    current = state.satisfaction[who]
    score -= current
    score *= np.float32(sat.smoothing)
    score += current
    state.satisfaction[who] = score
    return state.satisfaction[who]  # with repeats, the update that was kept


def _learn_habit(
    state: CustomerState,
    spec: Customers,
    who: np.ndarray,
    home: np.ndarray,
    choice: np.ndarray,
    resolved: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """A resolved contact in another channel (``home``: each contact's home channel before
    this week) may become the new home channel. Only those contacts draw a random number."""
    learning = spec.choice.habit_learning
    if learning == 0:
        return
    can_switch = np.flatnonzero(resolved & (choice != home))
    if learning < 1:
        can_switch = can_switch[rng.random(len(can_switch)) < learning]
    state.home[who[can_switch]] = choice[can_switch]


def _churn(
    state: CustomerState,
    spec: Customers,
    who: np.ndarray,
    satisfaction: np.ndarray,
    rng: np.random.Generator,
) -> int:
    """Dissatisfied customers may leave after a contact; ``satisfaction`` is each contact's
    customer's satisfaction after the contact. Returns the number who left."""
    sat = spec.satisfaction
    unhappy = who[satisfaction < sat.churn_below]
    leaving = unhappy[rng.random(len(unhappy)) < sat.churn_rate]
    if not len(leaving):
        return 0
    leaving = np.unique(leaving)
    leaving = leaving[state.active[leaving]]
    state.active[leaving] = False
    if state.churned is not None:
        state.churned.count += len(leaving)
        state.churned.satisfaction += float(np.sum(state.satisfaction[leaving], dtype=np.float64))
    return len(leaving)
