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

import numpy as np

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
        n = len(units)
        spec = scenario.customers
        self.feeds: list[Feed] = [] if spec is None else list(spec.feeds)
        self.rework = 0.0 if spec is None else spec.stale_rework
        self.slowdown = 0.0 if spec is None else spec.stale_slowdown
        #: False when no feed is listed: every feed is implicit and aligned.
        self.listed = len(self.feeds) > 0
        self.source = np.array([names.index(f.source) for f in self.feeds], dtype=np.int64)
        self.target = np.array([names.index(f.target) for f in self.feeds], dtype=np.int64)
        front = np.array([u.kind == "front_office" for u in units])
        # depends[u, b]: unit u uses unit b's data
        depends = np.zeros((n, n), dtype=bool)
        depends[np.ix_(front, ~front)] = True
        depends[self.target, self.source] = True
        np.fill_diagonal(depends, False)
        self.depends = depends
        self.count = depends.sum(axis=1)

    def staleness_matrix(self, week: int) -> np.ndarray:
        """s[u, b] in [0, 1]: stale days / 7 of a listed feed, 1 for a missing one."""
        stale = np.where(self.depends, 1.0, 0.0)
        for source, target, feed in zip(self.source, self.target, self.feeds, strict=True):
            stale[target, source] = feed.stale_days(week) / 7.0
        return stale

    def _mean_over_dependencies(self, values: np.ndarray, state: OrgState) -> np.ndarray:
        """Mean over each unit's dependencies of ``values[u, b]`` for sources that cut over."""
        cut = state.cutover_week != NOT_YET
        total = (values * (self.depends & cut[np.newaxis, :])).sum(axis=1)
        return np.divide(total, self.count, out=np.zeros(len(self.count)), where=self.count > 0)

    def freshness(self, state: OrgState) -> np.ndarray:
        """F_u per unit in [0, 1]; 1 for every unit when no feed is listed, and for a unit
        without dependencies."""
        n = len(state.headcount)
        if not self.listed:
            return np.ones(n)
        fresh = self._mean_over_dependencies(1.0 - self.staleness_matrix(state.week), state)
        return np.where(self.count > 0, fresh, 1.0)

    def staleness(self, state: OrgState) -> np.ndarray:
        """σ_u per unit in [0, 1]: the staleness of the shared data its people work around."""
        if not self.listed:
            return np.zeros(len(state.headcount))
        return self._mean_over_dependencies(self.staleness_matrix(state.week), state)

    def adoption_factor(self, state: OrgState) -> np.ndarray | None:
        """Per unit, the factor ``1 - stale_slowdown * σ_u`` on the adoption probability; None
        when it is 1 everywhere (no listed feed or no slowdown)."""
        if not self.listed or self.slowdown == 0.0:
            return None
        return 1.0 - self.slowdown * self.staleness(state)

    def quality_cost(self, state: OrgState) -> np.ndarray:
        """Per unit, quality lost this week: rework and waiting on stale data, plus the effort
        of coordinating alignments (in the source and the receiving unit of each)."""
        cost = np.zeros(len(state.headcount))
        if not self.listed:
            return cost
        if self.rework > 0.0:
            cost += self.rework * self.staleness(state) * state.adopted_share()
        for source, target, feed in zip(self.source, self.target, self.feeds, strict=True):
            alignment = feed.alignment
            if alignment is not None and alignment.coordinating(state.week):
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
        return float(sum(f.alignment.cost(week) for f in self.feeds if f.alignment is not None))
