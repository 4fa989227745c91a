"""The ``interventions`` section: the change approach's interventions, one variant per kind."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from changesim.scenario.fields import MAX_COST, MAX_WEEK, StrictModel, UnitName, spec_field


class InterventionBase(StrictModel):
    """Timing, reach and cost shared by every intervention."""

    timing: Literal["absolute", "unit_opening"] = spec_field(
        "absolute",
        "absolute: start is a week of the run; unit_opening: start counts from the week each "
        "reached unit's change opens, so every unit gets its own run of the intervention.",
    )
    start: int = spec_field(0, "Start week (see timing).", unit="weeks", ge=0, le=MAX_WEEK)
    weeks: int = spec_field(12, "Duration.", unit="weeks", ge=1, le=MAX_WEEK)
    intensity: float = spec_field(0.5, "Strength, 0 (none) to 1 (maximal).", ge=0.0, le=1.0)
    units: list[UnitName] | None = spec_field(None, "Units reached; default: all units.")
    cost_fixed: float = spec_field(
        0.0, "One-off cost at the start.", unit="currency", ge=0, le=MAX_COST
    )
    cost_per_week: float = spec_field(
        0.0, "Cost per active week.", unit="currency/week", ge=0, le=MAX_COST
    )
    cost_per_employee: float = spec_field(
        0.0,
        "One-off cost per employee reached, when their window begins.",
        unit="currency/employee",
        ge=0,
        le=MAX_COST,
    )


class Communication(InterventionBase):
    """Individual approach: raises readiness of everyone reached (in scope or not)."""

    kind: Literal["communication"] = spec_field(..., "Selects this variant: communication.")


class Training(InterventionBase):
    """Individual approach: lowers resistance of reached employees whose change has opened."""

    kind: Literal["training"] = spec_field(..., "Selects this variant: training.")


class Champions(InterventionBase):
    """Champions: ready, unresisting employees whose influence weight is raised."""

    kind: Literal["champions"] = spec_field(..., "Selects this variant: champions.")
    share: float = spec_field(0.05, "Share of reached employees made champions.", ge=0.0, le=1.0)
    choose: Literal["random", "centrality", "betweenness", "managers"] = spec_field(
        "centrality", "How champions are chosen."
    )
    resistance_cap: float = spec_field(
        0.1,
        "Individual approach: champions' resistance is cut to at most this when chosen "
        "(1 = not cut); under the organisation approach it is never cut.",
        ge=0.0,
        le=1.0,
    )


class CrossUnitTies(InterventionBase):
    """Organisation approach (learning organisation): new ties between units."""

    kind: Literal["cross_unit_ties"] = spec_field(..., "Selects this variant: cross_unit_ties.")
    ties_per_employee: float = spec_field(
        1.0, "Mean new cross-unit ties per reached employee.", unit="ties", ge=0, le=100
    )


class WorkRedesign(InterventionBase):
    """Organisation approach: work is redesigned around resistance instead of fighting it."""

    kind: Literal["work_redesign"] = spec_field(..., "Selects this variant: work_redesign.")


Intervention = Annotated[
    Communication | Training | Champions | CrossUnitTies | WorkRedesign,
    Field(discriminator="kind"),
]

INDIVIDUAL_INTERVENTIONS = frozenset({"communication", "training"})
ORGANISATION_INTERVENTIONS = frozenset({"cross_unit_ties", "work_redesign"})
