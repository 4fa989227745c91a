"""The ``organisation`` section: the units that change and what the organisation has done before."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from changesim.scenario.fields import CHANNELS, Channel, StrictModel, UnitName, spec_field


class Experience(StrictModel):
    """What the organisation has done before: 0 = never, 1 = done it well before."""

    channel_steering: float = spec_field(0.0, "Prior experience with channel steering.", ge=0, le=1)
    uniform_customer_view: float = spec_field(
        0.0, "Prior experience with a uniform customer view (CRM).", ge=0, le=1
    )
    demonstration: float = spec_field(
        0.02,
        "Weekly readiness gain of not-yet-started units per share of the organisation that has "
        "visibly succeeded, before experience multiplies it (demonstration effect).",
        unit="1/week",
        ge=0,
        le=1,
    )
    experience_multiplier: float = spec_field(
        4.0,
        "How much full experience multiplies the demonstration effect (1 + m E).",
        ge=0,
        le=20,
    )
    lesson_transfer: float = spec_field(
        0.6,
        "Share of a unit's learning time and mixing penalty that lessons from an earlier unit "
        "which has already cut over (a pilot) save, at full experience: lambda = transfer * E "
        "for every unit that opens after some unit has cut over (absorptive capacity).",
        ge=0,
        le=0.9,
    )

    @property
    def level(self) -> float:
        """Mean experience E in [0, 1]."""
        return (self.channel_steering + self.uniform_customer_view) / 2.0


class UnitSpec(StrictModel):
    """An organisational unit: the back-office or one front-office channel team."""

    name: UnitName = spec_field(..., "Unique name of the unit, used by routes and overrides.")
    kind: Literal["back_office", "front_office"] = spec_field(
        ..., "back_office (case handling, CRM) or front_office (serves one channel)."
    )
    channel: Channel | None = spec_field(
        None, "Customer channel a front-office unit serves; back-office units have none."
    )
    headcount: int | None = spec_field(
        None,
        "Number of employees. Required unless the population comes from a table.",
        unit="employees",
        ge=1,
        le=5_000_000,
    )

    @model_validator(mode="after")
    def _channel_matches_kind(self) -> UnitSpec:
        if self.kind == "front_office" and self.channel is None:
            raise PydanticCustomError(
                "channel_required",
                "a front_office unit needs a channel, one of: {allowed}",
                {"allowed": ", ".join(CHANNELS), "path": "channel"},
            )
        if self.kind == "back_office" and self.channel is not None:
            raise PydanticCustomError(
                "channel_forbidden",
                "a back_office unit serves no channel; remove 'channel'",
                {"path": "channel"},
            )
        return self


class Organisation(StrictModel):
    """The organisation's units."""

    units: list[UnitSpec] = spec_field(..., "The units of the organisation.", min_length=1)
    experience: Experience = spec_field(
        Experience(), "What the organisation has done before (channel steering, CRM)."
    )

    @property
    def names(self) -> list[str]:
        """Unit names in file order."""
        return [u.name for u in self.units]
