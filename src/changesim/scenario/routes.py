"""The ``route`` section: the migration route, one variant per kind."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from changesim.scenario.fields import MAX_WEEK, StrictModel, UnitName, spec_field


class Gate(StrictModel):
    """A condition on the previous phase that opens the next one."""

    adopted_share: float = spec_field(
        0.8, "Opens when the previous phase's adopted share reaches this.", gt=0.0, le=1.0
    )
    max_weeks: int | None = spec_field(
        None,
        "Opens at the latest this many weeks after the previous phase.",
        unit="weeks",
        ge=0,
        le=MAX_WEEK,
    )


class PhaseSpec(StrictModel):
    """One phase of a custom route."""

    units: list[UnitName] = spec_field(..., "Units whose change opens in this phase.", min_length=1)
    after_weeks: int = spec_field(
        0,
        "Weeks after the previous phase opened (the first phase: the start week).",
        unit="weeks",
        ge=0,
        le=MAX_WEEK,
    )
    gate: Gate | None = spec_field(None, "Extra condition on the previous phase; none by default.")


class BackOfficeFirst(StrictModel):
    """The back-office changes first; the front-office follows."""

    kind: Literal["back_office_first"] = spec_field(..., "Selects this variant: back_office_first.")
    start: int = spec_field(0, "Week the first phase opens.", unit="weeks", ge=0, le=MAX_WEEK)
    gap_weeks: int = spec_field(
        12, "Weeks between the two phases.", unit="weeks", ge=0, le=MAX_WEEK
    )
    gate: Gate | None = spec_field(None, "Also wait until the first phase reaches this adoption.")


class FrontOfficeFirst(StrictModel):
    """The front-office channels change first; the back-office follows."""

    kind: Literal["front_office_first"] = spec_field(
        ..., "Selects this variant: front_office_first."
    )
    start: int = spec_field(0, "Week the first phase opens.", unit="weeks", ge=0, le=MAX_WEEK)
    gap_weeks: int = spec_field(
        12, "Weeks between the two phases.", unit="weeks", ge=0, le=MAX_WEEK
    )
    gate: Gate | None = spec_field(None, "Also wait until the first phase reaches this adoption.")


class Combined(StrictModel):
    """All units at once (big bang)."""

    kind: Literal["combined"] = spec_field(..., "Selects this variant: combined.")
    start: int = spec_field(0, "Week all units open.", unit="weeks", ge=0, le=MAX_WEEK)


class PilotThenWaves(StrictModel):
    """A small-start pilot unit, then waves once the pilot has proven itself."""

    kind: Literal["pilot_then_waves"] = spec_field(..., "Selects this variant: pilot_then_waves.")
    pilot: UnitName = spec_field(..., "The pilot unit.")
    start: int = spec_field(0, "Week the pilot opens.", unit="weeks", ge=0, le=MAX_WEEK)
    gate: Gate = spec_field(Gate(), "Condition on the pilot that opens the first wave.")
    waves: list[Annotated[list[UnitName], Field(min_length=1)]] | None = spec_field(
        None, "Units per wave; default: all other units in one wave."
    )
    wave_gap_weeks: int = spec_field(
        8, "Weeks between later waves.", unit="weeks", ge=0, le=MAX_WEEK
    )


class Custom(StrictModel):
    """Explicit phases with start weeks and gates."""

    kind: Literal["custom"] = spec_field(..., "Selects this variant: custom.")
    phases: list[PhaseSpec] = spec_field(..., "Phases in order.", min_length=1)


Route = Annotated[
    BackOfficeFirst | FrontOfficeFirst | Combined | PilotThenWaves | Custom,
    Field(discriminator="kind"),
]
