"""The ``customers`` section of a scenario: channels, choice, satisfaction, steering, feeds.

Defaults for the cost per contact come from published benchmarks (see docs/ODD.md): UK local
government channel benchmarking (Socitm, 2011/12): face-to-face £8.62, telephone £2.83, web
£0.15 per contact. Mail and chat have no figure of the same source; their defaults are
illustrative. All other defaults are illustrative, not calibrated.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from changesim.scenario.fields import (
    CHANNELS,
    MAX_COST,
    MAX_WEEK,
    Channel,
    StrictModel,
    UnitName,
    spec_field,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

#: Default cost per contact (GBP) by channel: Socitm 2011/12 for desk, phone and web.
DEFAULT_COST = {"web": 0.15, "phone": 2.83, "desk": 8.62, "mail": 5.00, "chat": 2.00}
#: Channels in which customers serve themselves.
SELF_SERVICE_CHANNELS = ("web",)
#: Default first-contact resolution without a uniform customer view; illustrative.
DEFAULT_FCR = {"web": 0.55, "phone": 0.7, "desk": 0.75, "mail": 0.6, "chat": 0.65}


class ChannelSpec(StrictModel):
    """One customer channel."""

    initial_share: float = spec_field(
        ..., "Share of all contacts that use this channel before the change.", ge=0, le=1
    )
    cost_per_contact: float | None = spec_field(
        None,
        "Cost of one contact; default from published benchmarks (see ODD).",
        unit="currency/contact",
        ge=0,
        le=1e6,
    )
    first_contact_resolution: float | None = spec_field(
        None,
        "Share of contacts resolved first time without a uniform customer view.",
        ge=0,
        le=1,
    )


class ChannelChoice(StrictModel):
    """Weights of the multinomial-logit channel choice.

    A channel's effort and other lasting attributes are not separate weights: they are
    absorbed in the alternative-specific constants calibrated to ``initial_share``. A change
    in effort (faster, cheaper, easier) is the steering instrument ``benefit``.
    """

    quality: float = spec_field(
        3.0, "Weight of the channel's current service quality.", ge=0, le=50
    )
    habit: float = spec_field(3.0, "Weight of the customer's habit for the channel.", ge=0, le=20)
    habit_learning: float = spec_field(
        0.1,
        "Probability that a resolved contact in another channel becomes the customer's home "
        "channel (habit).",
        ge=0,
        le=1,
    )


class Satisfaction(StrictModel):
    """How contacts shape satisfaction and churn."""

    smoothing: float = spec_field(
        0.3, "Weight of the latest contact in the smoothed satisfaction.", ge=0, le=1
    )
    resolved_score: float = spec_field(
        0.75, "Score of a resolved contact at the old quality level.", ge=0, le=1
    )
    unresolved_factor: float = spec_field(
        0.6, "Score multiplier of a contact that was not resolved.", ge=0, le=1
    )
    noise: float = spec_field(0.1, "Standard deviation of the contact score.", ge=0, le=1)
    churn_below: float = spec_field(
        0.45, "Customers whose satisfaction is below this may leave.", ge=0, le=1
    )
    churn_rate: float = spec_field(
        0.05, "Probability that a dissatisfied customer leaves after a contact.", ge=0, le=1
    )


class Restriction(StrictModel):
    """Closing or limiting a channel: at most ``cap`` of the week's contacts."""

    channel: Channel = spec_field(..., "The restricted channel.")
    cap: float = spec_field(
        ..., "Largest share of the week's contacts the channel takes.", ge=0, le=1
    )
    start: int = spec_field(0, "Week the restriction starts.", unit="weeks", ge=0, le=MAX_WEEK)


class Steering(StrictModel):
    """Channel steering (kanaalsturing) toward a target channel, with the four instruments."""

    target: Channel | None = spec_field(None, "Channel customers are steered to.")
    start: int = spec_field(0, "Week steering starts.", unit="weeks", ge=0, le=MAX_WEEK)
    communication: float = spec_field(
        0.0, "Telling customers about the target channel.", ge=0, le=5
    )
    product: float = spec_field(
        0.0, "Offering products and services in the target channel.", ge=0, le=5
    )
    benefit: float = spec_field(0.0, "Making the target channel faster or cheaper.", ge=0, le=5)
    restrictions: list[Restriction] = spec_field([], "Channels closed or limited.")

    @model_validator(mode="after")
    def _target_when_steering(self) -> Steering:
        if self.target is None and (self.communication or self.product or self.benefit):
            raise PydanticCustomError(
                "steering_target",
                "communication, product and benefit need a target channel",
                {"path": "target"},
            )
        return self


class Alignment(StrictModel):
    """Aligning a feed's delivery to the day its data is needed: coordination between units.

    For ``weeks`` weeks from ``start`` the people of the source and the receiving unit
    coordinate (the feed is still as stale as it was, and they spend time on it); from
    ``start + weeks`` on the feed is aligned. The money is charged to the week's intervention
    cost.
    """

    start: int = spec_field(..., "Week the coordination starts.", unit="weeks", ge=0, le=MAX_WEEK)
    weeks: int = spec_field(
        0,
        "Weeks of coordination; the feed is aligned from start + weeks on.",
        unit="weeks",
        ge=0,
        le=MAX_WEEK,
    )
    cost_fixed: float = spec_field(
        0.0, "One-off cost, charged in the start week.", unit="currency", ge=0, le=MAX_COST
    )
    cost_per_week: float = spec_field(
        0.0, "Cost of each week of coordination.", unit="currency/week", ge=0, le=MAX_COST
    )
    effort: float = spec_field(
        0.02,
        "Quality lost in the source and in the receiving unit in each week of coordination "
        "(the people's time spent on it); illustrative.",
        unit="quality",
        ge=0,
        le=1,
    )

    @property
    def aligned_week(self) -> int:
        """First week the feed is aligned."""
        return self.start + self.weeks

    def coordinating(self, week: int) -> bool:
        """True in the weeks of coordination, ``start`` to ``start + weeks - 1``."""
        return self.start <= week < self.aligned_week

    def cost(self, week: int) -> float:
        """Money spent in ``week``: the fixed cost in the start week, plus the weekly cost."""
        fixed = self.cost_fixed if week == self.start else 0.0
        return fixed + (self.cost_per_week if self.coordinating(week) else 0.0)


class Feed(StrictModel):
    """A data feed from one unit to another, delivered and needed on given weekdays.

    Weeks run Monday to Sunday. Data needed on Monday but delivered on Friday arrives four days
    after it was needed: the view built on it is stale by those four days, and the receiving
    unit's people work around it (see docs/ODD.md 7.8).
    """

    source: UnitName = spec_field(
        ..., "Unit that delivers the data; its feed counts once it has cut over.", alias="from"
    )
    target: UnitName = spec_field(..., "Unit that needs the data.", alias="to")
    delivered: Weekday = spec_field("monday", "Weekday the data is delivered.")
    needed: Weekday = spec_field("monday", "Weekday the data is needed.")
    aligned_from: int | None = spec_field(
        None,
        "Week from which delivery is aligned to the needed day, without coordination cost "
        "(shorthand for an alignment of 0 weeks that costs nothing).",
        unit="weeks",
        ge=0,
        le=MAX_WEEK,
    )
    alignment: Alignment | None = spec_field(
        None, "Aligning the feed: weeks of coordination, their cost and the people's effort."
    )

    model_config = StrictModel.model_config | {"populate_by_name": True}

    @model_validator(mode="after")
    def _one_way_to_align(self) -> Feed:
        if self.aligned_from is not None and self.alignment is not None:
            raise PydanticCustomError(
                "feed_alignment",
                "give either aligned_from or alignment, not both (aligned_from: W is an "
                "alignment that starts in week W and takes 0 weeks)",
                {"path": "aligned_from"},
            )
        return self

    @property
    def aligned_week(self) -> int | None:
        """First week the feed is aligned, None if never."""
        if self.alignment is not None:
            return self.alignment.aligned_week
        return self.aligned_from

    def stale_days(self, week: int) -> int:
        """Days the delivery comes after the need in the week: 0 if on or before the needed day."""
        aligned = self.aligned_week
        if aligned is not None and week >= aligned:
            return 0
        return max(0, WEEKDAYS.index(self.delivered) - WEEKDAYS.index(self.needed))


class Customers(StrictModel):
    """The customer population and the channel design."""

    population: int = spec_field(
        100_000, "Number of customers.", unit="customers", ge=1, le=50_000_000
    )
    contact_rate: float = spec_field(
        0.08,
        "Share of active customers who make a new contact each week.",
        unit="1/week",
        ge=0,
        le=1,
    )
    currency: str = spec_field("GBP", "Currency of contact costs.")
    channels: dict[Channel, ChannelSpec] = spec_field(
        {
            "web": ChannelSpec(initial_share=0.35),
            "phone": ChannelSpec(initial_share=0.45),
            "desk": ChannelSpec(initial_share=0.20),
        },
        "Channels that exist, with their starting shares.",
        min_length=1,
    )
    choice: ChannelChoice = spec_field(ChannelChoice(), "Channel choice weights.")
    satisfaction: Satisfaction = spec_field(Satisfaction(), "Satisfaction and churn.")
    steering: Steering = spec_field(Steering(), "Channel steering.")
    feeds: list[Feed] = spec_field(
        [],
        "Data feeds between units. Once any feed is listed, the list is complete: a "
        "front-office unit without a feed from a back-office unit has no view of its data. "
        "With no feeds at all, every feed is taken as present and aligned.",
    )
    stale_rework: float = spec_field(
        0.2,
        "Quality lost to rework and waiting, per unit of staleness of the receiving unit's "
        "data, in proportion to its adopted share; illustrative.",
        unit="quality",
        ge=0,
        le=1,
    )
    stale_slowdown: float = spec_field(
        0.5,
        "Relative drop of the receiving unit's weekly adoption probability per unit of "
        "staleness of its data; illustrative.",
        ge=0,
        le=1,
    )
    view_quality_gain: float = spec_field(
        0.15,
        "Quality gain of a channel with a complete, fresh uniform customer view.",
        unit="relative",
        ge=0,
        le=2,
    )
    view_resolution_gain: float = spec_field(
        0.2,
        "First-contact resolution gain with a complete, fresh uniform customer view.",
        ge=0,
        le=1,
    )

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Customers:
        total = sum(c.initial_share for c in self.channels.values())
        if abs(total - 1.0) > 1e-6:
            raise PydanticCustomError(
                "shares_sum",
                "the channels' initial_share values must add up to 1 (they add up to {total:.3f})",
                {"total": total, "path": "channels"},
            )
        return self

    def channel_names(self) -> list[Channel]:
        """Existing channels, in the canonical order web, phone, desk, mail, chat."""
        return [c for c in CHANNELS if c in self.channels]

    def per_channel(self, attribute: str, defaults: dict[str, float]) -> list[float]:
        """A channel attribute in channel order, defaults filled in."""
        values = []
        for name in self.channel_names():
            value = getattr(self.channels[name], attribute)
            values.append(defaults[name] if value is None else value)
        return values
