"""The ``quality`` section: a unit's service quality during the change (the J-curve)."""

from __future__ import annotations

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from changesim.scenario.fields import MAX_COST, StrictModel, spec_field


class Quality(StrictModel):
    """Service quality of a unit during the change (the J-curve); the old level is 1."""

    new_level: float = spec_field(
        1.15, "Quality of the new way of working once learned.", unit="relative", ge=0, le=3
    )
    learning_start: float = spec_field(
        0.7, "Quality of a fresh adopter's work before learning.", unit="relative", ge=0, le=3
    )
    learning_weeks: float = spec_field(
        10.0, "Time constant of learning the new way.", unit="weeks", gt=0, le=520
    )
    mixing_penalty: float = spec_field(
        0.1,
        "Loss when old and new ways are mixed, at its largest when half have adopted.",
        unit="relative",
        ge=0,
        le=1,
    )
    cutover_share: float = spec_field(
        0.8, "Adopted share at which a unit counts as cut over.", ge=0.01, le=1.0
    )
    double_running_cost: float = spec_field(
        0.0,
        "Cost of running the old and the new way side by side, per employee of a unit and "
        "week, from the week the unit opens until the week before it cuts over.",
        unit="currency/employee-week",
        ge=0,
        le=MAX_COST,
    )

    @model_validator(mode="after")
    def _learning_improves(self) -> Quality:
        if self.new_level <= self.learning_start:
            raise PydanticCustomError(
                "learning_direction",
                "new_level ({new}) must be above learning_start ({start}): learning the new "
                "way of working improves it",
                {"new": self.new_level, "start": self.learning_start, "path": "new_level"},
            )
        return self
