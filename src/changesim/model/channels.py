"""The multichannel coupling: from the organisation's state to what each channel offers.

A front-office unit's *uniform customer view* (uniform klantbeeld) is complete and fresh when
the back-office is integrated (cut over), the unit itself works the new way, and the data feeds
it depends on arrive by the day they are needed:

    V_u = I_bo * a_u * F_u,   F_u = mean over u's data sources b of [b cut over] (1 - s_bu)

with I_bo the cut-over share of the back-office headcount, a_u the unit's adopted share and
``s_bu`` the staleness of the data from b: the days a feed's delivery comes after the day it is
needed, over 7, and 1 when no feed is listed (:mod:`changesim.model.feeds`).
A channel's quality is its units' quality plus ``view_quality_gain * V``; its first-contact
resolution is the base resolution scaled by the units' quality plus ``view_resolution_gain * V``.

Steering toward a target channel uses four distinct instruments: *communication* adds utility
for the customers whose home channel is another one (it informs those who do not use the
target yet); *product* adds utility for everyone and first-contact resolution in the target
(more can be completed there); *benefit* adds utility for everyone (faster, cheaper);
*restriction* caps a channel's share of the contacts. Experience with channel steering
multiplies the utilities by (1 + E_cs).
"""

from __future__ import annotations

import numpy as np

from changesim.model.customers import ChannelConditions
from changesim.model.feeds import DataFeeds
from changesim.model.memo import LastResult
from changesim.model.state import NOT_YET, OrgState
from changesim.scenario import Scenario
from changesim.scenario.customers import DEFAULT_FCR

#: First-contact resolution gained in the target channel per unit of the ``product``
#: instrument (more products and services can be completed there); illustrative.
PRODUCT_RESOLUTION_GAIN = 0.05


class ChannelCoupling:
    """Precomputed maps between units and channels for one scenario.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario with customers.
    feeds : DataFeeds, optional
        The scenario's data feeds, to share with the rest of the model (their weekly results
        are kept); default: the coupling's own.
    """

    def __init__(self, scenario: Scenario, feeds: DataFeeds | None = None) -> None:
        spec = scenario.customers
        if spec is None:
            raise ValueError("the channel coupling needs a scenario with customers")
        units = scenario.organisation.units
        self.spec = spec
        self.channels = spec.channel_names()
        self.front = np.array([u.kind == "front_office" for u in units])
        self.back = ~self.front
        # serves[c, u] = 1 if unit u serves channel c
        self.serves = np.array(
            [[1.0 if u.channel == c else 0.0 for u in units] for c in self.channels]
        )
        self.base_resolution = np.array(spec.per_channel("first_contact_resolution", DEFAULT_FCR))
        self.data = DataFeeds(scenario) if feeds is None else feeds
        steering = spec.steering
        self.target = None if steering.target is None else self.channels.index(steering.target)
        strength = 1.0 + scenario.organisation.experience.channel_steering
        self.utility_for_all = (steering.product + steering.benefit) * strength
        self.utility_for_newcomers = steering.communication * strength
        self.resolution_gain = PRODUCT_RESOLUTION_GAIN * steering.product
        #: Per channel: (headcount weight per unit, staffed at all, staffed or 1), and whether
        #: every channel is staffed; on first use.
        self._staffing: tuple[np.ndarray, np.ndarray, np.ndarray, bool] | None = None
        #: Back-office headcount per unit and in all, on first use.
        self._back_head: tuple[np.ndarray, np.ndarray] | None = None
        # Steering, awareness and caps change only in the weeks an instrument starts.
        self._instruments = LastResult(self._instruments_in)

    def freshness(self, state: OrgState) -> np.ndarray:
        """F_u per unit: the mean over the unit's data dependencies of (1 - staleness) for
        sources that have cut over, a missing feed counting 0 (see :mod:`changesim.model.feeds`);
        1 everywhere when the scenario lists no feeds."""
        return self.data.freshness(state)

    def customer_view(self, state: OrgState) -> np.ndarray:
        """V_u per unit in [0, 1]; NaN for back-office units."""
        if self._back_head is None:  # headcounts do not change during a run
            back_head = state.headcount * self.back
            self._back_head = (back_head, back_head.sum())
        back_head, back_total = self._back_head
        cut = (state.cutover_week != NOT_YET) * back_head
        integrated = cut.sum() / back_total if back_total else 0.0
        view = integrated * state.adopted_share() * self.freshness(state)
        return np.where(self.front, view, np.nan)

    def conditions(self, state: OrgState, view: np.ndarray) -> ChannelConditions:
        """Quality, resolution, steering and caps of each channel this week."""
        unit_quality = self._per_channel(state, state.quality, 1.0)
        seen = np.where(self.front, view, 0.0)  # back-office units have no view (NaN)
        channel_view = self._per_channel(state, seen, 0.0)
        spec = self.spec
        quality = unit_quality + spec.view_quality_gain * channel_view
        resolution = self.base_resolution * unit_quality + spec.view_resolution_gain * channel_view
        np.minimum(np.maximum(resolution, 0.0, out=resolution), 1.0, out=resolution)
        started = self._started(state.week)
        steering, awareness, cap = self._instruments.get(bytes(started), started)
        if self.target is not None and started[0]:
            resolution[self.target] = min(1.0, resolution[self.target] + self.resolution_gain)
        return ChannelConditions(quality, resolution, steering, awareness, cap)

    def _per_channel(self, state: OrgState, values: np.ndarray, unstaffed: float) -> np.ndarray:
        """Per channel, the headcount-weighted mean of the per-unit ``values`` of its units;
        ``unstaffed`` for a channel no unit serves."""
        if self._staffing is None:  # headcounts do not change during a run
            weight = self.serves * state.headcount
            total = weight.sum(axis=1)
            staffed = total > 0
            self._staffing = (weight, staffed, np.where(staffed, total, 1.0), bool(staffed.all()))
        weight, staffed, safe, everywhere = self._staffing
        mean = weight @ values / safe
        return mean if everywhere else np.where(staffed, mean, unstaffed)

    def _started(self, week: int) -> list[bool]:
        """Whether steering (first) and each restriction have started in ``week``."""
        steering = self.spec.steering
        return [
            week >= steering.start,
            *(week >= restriction.start for restriction in steering.restrictions),
        ]

    def _instruments_in(self, started: list[bool]) -> np.ndarray:
        """Rows steering, awareness and cap per channel, for the instruments ``started``."""
        table = np.zeros((3, len(self.channels)))
        table[2] = 1.0
        if self.target is not None and started[0]:
            table[0, self.target] = self.utility_for_all
            table[1, self.target] = self.utility_for_newcomers
        for restriction, on in zip(self.spec.steering.restrictions, started[1:], strict=True):
            if on:
                c = self.channels.index(restriction.channel)
                table[2, c] = min(table[2, c], restriction.cap)
        return table
