"""The multichannel coupling: from the organisation's state to what each channel offers.

A front-office unit's *uniform customer view* (uniform klantbeeld) is complete and fresh when
the back-office is integrated (cut over), the unit itself works the new way, and the data feeds
it depends on arrive by the day they are needed:

    V_u = I_bo * a_u * F_u,   F_u = mean over feeds into u of (1 - stale_days / 7)

with I_bo the cut-over share of the back-office headcount and a_u the unit's adopted share.
A channel's quality is its units' quality plus ``view_quality_gain * V``; its first-contact
resolution is the base resolution scaled by the units' quality plus ``view_resolution_gain * V``.
"""

from __future__ import annotations

import numpy as np

from changesim.customer_spec import DEFAULT_FCR, Customers
from changesim.customers import ChannelConditions
from changesim.scenario import Scenario
from changesim.state import NOT_YET, OrgState


class ChannelCoupling:
    """Precomputed maps between units and channels for one scenario."""

    def __init__(self, scenario: Scenario) -> None:
        spec: Customers = scenario.customers
        units = scenario.organisation.units
        names = scenario.organisation.names
        self.spec = spec
        self.channels = spec.channel_names()
        self.front = np.array([u.kind == "front_office" for u in units])
        self.back = ~self.front
        # serves[c, u] = 1 if unit u serves channel c
        self.serves = np.array(
            [[1.0 if u.channel == c else 0.0 for u in units] for c in self.channels]
        )
        self.base_resolution = np.array(spec.per_channel("first_contact_resolution", DEFAULT_FCR))
        self.feeds = [(names.index(f.target), f) for f in spec.feeds]
        steering = spec.steering
        self.target = None if steering.target is None else self.channels.index(steering.target)
        experience = scenario.organisation.experience.channel_steering
        self.steering_utility = (steering.communication + steering.product + steering.benefit) * (
            1.0 + experience
        )

    def freshness(self, week: int, n_units: int) -> np.ndarray:
        """F_u per unit: 1 without feeds, else the mean of (1 - stale days / 7) over its feeds."""
        total = np.zeros(n_units)
        count = np.zeros(n_units)
        for target, feed in self.feeds:
            total[target] += 1.0 - feed.stale_days(week) / 7.0
            count[target] += 1
        return np.divide(total, count, out=np.ones(n_units), where=count > 0)

    def customer_view(self, state: OrgState) -> np.ndarray:
        """V_u per unit in [0, 1]; NaN for back-office units."""
        back_head = state.headcount * self.back
        cut = (state.cutover_week != NOT_YET) * back_head
        integrated = cut.sum() / back_head.sum() if back_head.sum() else 0.0
        view = integrated * state.adopted_share() * self.freshness(state.week, len(state.headcount))
        return np.where(self.front, view, np.nan)

    def conditions(self, state: OrgState, view: np.ndarray) -> ChannelConditions:
        """Quality, resolution, steering and caps of each channel this week."""
        weight = self.serves * state.headcount
        staffed = weight.sum(axis=1)
        safe = np.where(staffed > 0, staffed, 1.0)
        unit_quality = np.where(staffed > 0, weight @ state.quality / safe, 1.0)
        channel_view = np.where(staffed > 0, weight @ np.nan_to_num(view) / safe, 0.0)
        spec = self.spec
        quality = unit_quality + spec.view_quality_gain * channel_view
        resolution = np.clip(
            self.base_resolution * unit_quality + spec.view_resolution_gain * channel_view, 0, 1
        )
        steering = np.zeros(len(self.channels))
        if self.target is not None and state.week >= spec.steering.start:
            steering[self.target] = self.steering_utility
        cap = np.ones(len(self.channels))
        for restriction in spec.steering.restrictions:
            if state.week >= restriction.start:
                c = self.channels.index(restriction.channel)
                cap[c] = min(cap[c], restriction.cap)
        return ChannelConditions(quality, resolution, steering, cap)
