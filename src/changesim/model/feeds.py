"""Data feeds between units: what they give the customer view and what they cost the people.

A unit's *data dependencies* are the units whose data its new way of working uses: for a
front-office unit every back-office unit (the uniform customer view covers their data) plus the
sources of the feeds listed into it; for a back-office unit the sources of the feeds listed
into it. The dependency on source ``b`` of unit ``u`` has a *staleness* in [0, 1]:

    s_bu = stale days / 7   for a listed feed (0 once aligned)
    s_bu = 1                when no feed is listed (the data never arrives)

and it counts only once ``b`` has cut over (before that the data is not shared yet). Per unit,
averaged over its dependencies ``R_u``:

    F_u = mean over b in R_u of [b cut over] (1 - s_bu)     (freshness, for the customer view)
    σ_u = mean over b in R_u of [b cut over] s_bu           (staleness the people work around)

The people of a unit pay for its staleness: rework and waiting cost its adopters' work
``stale_rework * σ_u * a_u`` of quality, and the new way is less attractive: the adoption
probability of its candidates is multiplied by ``1 - stale_slowdown * σ_u``. Aligning a feed
takes weeks of coordination, in which the source and the receiving unit each lose ``effort``
of quality and the alignment's money is spent.

A scenario that lists no feeds at all takes every feed as present and aligned (F_u = 1,
σ_u = 0; see docs/decisions/0010-feeds-cost-people-too.md).
"""

from __future__ import annotations

import bisect

import numpy as np

from changesim.model.memo import LastResult
from changesim.model.state import NOT_YET, OrgState
from changesim.scenario import Scenario
from changesim.scenario.customers import Feed


class DataFeeds:
    """The data dependencies of a scenario's units and their weekly freshness and cost.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario; its ``customers.feeds`` (if any) define the dependencies.
    """

    def __init__(self, scenario: Scenario) -> None:
        units = scenario.organisation.units
        names = scenario.organisation.names
        spec = scenario.customers
        self.feeds: list[Feed] = [] if spec is None else list(spec.feeds)
        self.rework = 0.0 if spec is None else spec.stale_rework
        self.slowdown = 0.0 if spec is None else spec.stale_slowdown
        #: False when no feed is listed: every feed is implicit and aligned.
        self.listed = len(self.feeds) > 0
        self.source = np.array([names.index(f.source) for f in self.feeds], dtype=np.int64)
        self.target = np.array([names.index(f.target) for f in self.feeds], dtype=np.int64)
        self.front = np.array([u.kind == "front_office" for u in units])
        self.back = ~self.front
        # A listed feed from a back-office unit into a front-office unit replaces a dependency
        # every front-office unit has anyway; any other listed feed adds one. (No unit feeds
        # itself and no pair has two feeds: the scenario checks refuse both.)
        self.implicit = self.front[self.target] & self.back[self.source]
        added = np.bincount(self.target[~self.implicit], minlength=len(units))
        #: Number of data dependencies of each unit, |R_u|.
        self.count = self.front * int(self.back.sum()) + added
        #: The listed feeds that take an alignment: (source, target, alignment).
        self.aligning = [
            (source, target, f.alignment)
            for source, target, f in zip(self.source, self.target, self.feeds, strict=True)
            if f.alignment is not None
        ]
        #: The weeks in which a listed feed becomes aligned, in order: only then does a
        #: feed's staleness change, so the number of them passed gives every feed's staleness.
        self._aligned_weeks = sorted(w for f in self.feeds if (w := f.aligned_week) is not None)
        self._stale: dict[int, np.ndarray] = {}
        # Freshness and staleness depend on the state only through the cut-overs and the
        # feeds' staleness this week: kept until either changes (see weekly_key).
        self._freshness = LastResult(self._fresh_now)
        self._staleness = LastResult(self._stale_now)
        self._factor = LastResult(self._factor_now)

    def stale_shares(self, week: int) -> np.ndarray:
        """Per listed feed, its staleness in ``week``: stale days / 7 (0 once aligned).
        Read-only."""
        aligned = bisect.bisect_right(self._aligned_weeks, week)  # alignments done by week
        if aligned not in self._stale:
            stale = np.array([f.stale_days(week) / 7.0 for f in self.feeds])
            stale.flags.writeable = False
            self._stale[aligned] = stale
        return self._stale[aligned]

    def _per_unit(self, values: np.ndarray) -> np.ndarray:
        """Sum of per-feed ``values`` over each unit's listed feeds in."""
        return np.bincount(self.target, weights=values, minlength=len(self.count))

    def _mean(self, total: np.ndarray) -> np.ndarray:
        """``total`` per unit divided by its number of dependencies (0 without any)."""
        count = self.count
        return np.divide(total, count, out=np.zeros(len(count)), where=count > 0)

    def weekly_key(self, state: OrgState) -> bytes:
        """What freshness and staleness depend on: the units cut over, the feeds' staleness."""
        cut = state.cutover_week != NOT_YET
        return cut.tobytes() + self.stale_shares(state.week).tobytes()

    def freshness(self, state: OrgState) -> np.ndarray:
        """F_u per unit in [0, 1]; 1 for every unit when no feed is listed, and for a unit
        without dependencies. A missing feed adds 0. Read-only."""
        return self._freshness.get(self.weekly_key(state), state)

    def staleness(self, state: OrgState) -> np.ndarray:
        """σ_u per unit in [0, 1]: the staleness of the shared data its people work around.
        Read-only."""
        return self._staleness.get(self.weekly_key(state), state)

    def adoption_factor(self, state: OrgState) -> np.ndarray | None:
        """Per unit, the factor ``1 - stale_slowdown * σ_u`` on the adoption probability; None
        when it is 1 everywhere (no listed feed or no slowdown). Read-only."""
        if not self.listed or self.slowdown == 0.0:
            return None
        return self._factor.get(self.weekly_key(state), state)

    def _fresh_now(self, state: OrgState) -> np.ndarray:
        """F_u per unit, worked out from the state."""
        if not self.listed:
            return np.ones(len(state.headcount))
        cut = state.cutover_week != NOT_YET
        fresh = self._per_unit((1.0 - self.stale_shares(state.week)) * cut[self.source])
        return np.where(self.count > 0, self._mean(fresh), 1.0)

    def _stale_now(self, state: OrgState) -> np.ndarray:
        """σ_u per unit, worked out from the state."""
        cut = state.cutover_week != NOT_YET
        if not self.listed or not cut.any():  # no data shared yet: nothing to be stale
            return np.zeros(len(state.headcount))
        # Every front-office unit misses the data of every back-office unit that has cut over
        # (staleness 1) ...
        missing = self.front * float((cut & self.back).sum())
        # ... except where a feed is listed, whose staleness takes the place of that 1.
        stale = self.stale_shares(state.week) * cut[self.source]
        listed = self._per_unit(stale) - self._per_unit((self.implicit & cut[self.source]) * 1.0)
        return self._mean(missing + listed)

    def _factor_now(self, state: OrgState) -> np.ndarray:
        """The adoption factor, worked out from the state."""
        return 1.0 - self.slowdown * self.staleness(state)

    def quality_cost(self, state: OrgState) -> np.ndarray:
        """Per unit, quality lost this week: rework and waiting on stale data, plus the effort
        of coordinating alignments (in the source and the receiving unit of each)."""
        cost = np.zeros(len(state.headcount))
        if not self.listed:
            return cost
        if self.rework > 0.0:
            cost += self.rework * self.staleness(state) * state.adopted_share()
        for source, target, alignment in self.aligning:
            if alignment.coordinating(state.week):
                cost[source] += alignment.effort
                cost[target] += alignment.effort
        return cost

    def apply_quality_cost(self, state: OrgState) -> None:
        """Stage 5, after the J-curve: ``Q_u ← max(0, Q_u − cost_u)`` (no-op without feeds)."""
        if not self.listed:
            return
        cost = self.quality_cost(state)
        if cost.any():
            state.quality = np.maximum(state.quality - cost, 0.0)

    def alignment_cost(self, week: int) -> float:
        """Money spent on aligning feeds in ``week`` (charged with the interventions)."""
        return float(sum(alignment.cost(week) for _, _, alignment in self.aligning))
