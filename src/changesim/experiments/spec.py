"""Experiment files: routes compared over uncertain factors, with a design and replications.

An experiment file is YAML validated like a scenario (unknown keys refused, every field
described; errors name the file, the field path, the bad value and what is allowed)::

    name: Routes under uncertainty
    routes:                                   # scenario files, relative to this file
      - ../scenarios/back_office_first.yaml
      - ../scenarios/pilot_then_waves.yaml
    factors:                                  # dotted paths into the scenario
      population.readiness.mean: {low: 0.35, high: 0.65}
      organisation.experience.channel_steering: {values: [0, 0.5, 1]}
      customers.feeds[0].delivered: {values: [monday, friday]}
      adoption.q: {distribution: normal, mean: 0.25, sd: 0.04}
    design: {kind: lhs, samples: 64}          # grid, lhs, sobol, morris, random
    replications: 5
    seed: 1
    outputs: {weekly: false}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Tag, model_validator
from pydantic_core import PydanticCustomError

from changesim.scenario.fields import StrictModel, spec_field

#: A value a factor may take: a number, a word (a weekday, a channel) or a yes/no.
FactorValue = float | int | str | bool


class RangeFactor(StrictModel):
    """A number drawn uniformly between ``low`` and ``high``."""

    low: float = spec_field(..., "Smallest value.")
    high: float = spec_field(..., "Largest value.")

    @model_validator(mode="after")
    def _ordered(self) -> RangeFactor:
        if not self.low < self.high:
            raise PydanticCustomError(
                "range_order",
                "low ({low}) must be below high ({high})",
                {"low": self.low, "high": self.high, "path": "high"},
            )
        return self


class ValuesFactor(StrictModel):
    """One of a list of values, each equally likely."""

    values: list[FactorValue] = spec_field(..., "The values, in order.", min_length=2)


class NormalFactor(StrictModel):
    """A number from a normal distribution, cut to ``[low, high]`` where given."""

    distribution: Literal["normal"] = spec_field(..., "Selects this variant: normal.")
    mean: float = spec_field(..., "Mean.")
    sd: float = spec_field(..., "Standard deviation.", gt=0)
    low: float | None = spec_field(None, "Smallest value; none by default.")
    high: float | None = spec_field(None, "Largest value; none by default.")

    @model_validator(mode="after")
    def _ordered(self) -> NormalFactor:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise PydanticCustomError(
                "range_order",
                "low ({low}) must be below high ({high})",
                {"low": self.low, "high": self.high, "path": "high"},
            )
        return self


class TriangularFactor(StrictModel):
    """A number from a triangular distribution between ``low`` and ``high``."""

    distribution: Literal["triangular"] = spec_field(..., "Selects this variant: triangular.")
    low: float = spec_field(..., "Smallest value.")
    mode: float = spec_field(..., "Most likely value.")
    high: float = spec_field(..., "Largest value.")

    @model_validator(mode="after")
    def _ordered(self) -> TriangularFactor:
        if not self.low <= self.mode <= self.high or not self.low < self.high:
            raise PydanticCustomError(
                "triangle", "needs low <= mode <= high and low < high", {"path": "mode"}
            )
        return self


def _factor_kind(data: Any) -> str | None:
    """Which kind of factor a mapping (or a validated factor) describes: values, a
    distribution, or a range; None for anything else (an error naming the kinds)."""
    if isinstance(data, BaseModel):
        data = data.model_dump()
    if not isinstance(data, dict):
        return None
    if "values" in data:
        return "values"
    if "distribution" in data:
        return str(data["distribution"])
    return "range"


FactorSpec = Annotated[
    Annotated[RangeFactor, Tag("range")]
    | Annotated[ValuesFactor, Tag("values")]
    | Annotated[NormalFactor, Tag("normal")]
    | Annotated[TriangularFactor, Tag("triangular")],
    Discriminator(
        _factor_kind,
        custom_error_type="factor_kind",
        custom_error_message="a factor is {low, high}, {values: [...]}, or a distribution "
        "(normal: mean, sd; triangular: low, mode, high)",
    ),
]


class Design(StrictModel):
    """How the factor space is sampled."""

    kind: Literal["grid", "lhs", "sobol", "morris", "random"] = spec_field(
        "lhs",
        "grid: every combination of levels; lhs: Latin hypercube; sobol: Saltelli's design for "
        "Sobol indices; morris: Morris trajectories for elementary effects; random: "
        "independent draws.",
    )
    samples: int = spec_field(
        32,
        "Design points (lhs, random); base samples N (sobol: N (D + 2) points); trajectories "
        "(morris: r (D + 1) points). Not used by grid.",
        ge=1,
        le=100_000,
    )
    levels: int | None = spec_field(
        None,
        "Levels of each range factor (grid; default 3), or of the Morris grid (even; default 4).",
        ge=2,
        le=100,
    )

    @model_validator(mode="after")
    def _even_morris_levels(self) -> Design:
        if self.kind == "morris" and self.levels is not None and self.levels % 2:
            raise PydanticCustomError(
                "even_levels",
                "a morris design needs an even number of levels (got {levels})",
                {"levels": self.levels, "path": "levels"},
            )
        return self

    def level_count(self) -> int:
        """The levels actually used: as given, else 4 for morris and 3 for grid."""
        return self.levels if self.levels is not None else (4 if self.kind == "morris" else 3)


class Outputs(StrictModel):
    """What is kept of each run."""

    weekly: bool = spec_field(
        False, "Also keep the organisation's weekly series (one row per run and week)."
    )


class ExperimentSpec(StrictModel):
    """An experiment file."""

    name: str = spec_field("Unnamed experiment", "Short name shown in reports.")
    description: str = spec_field("", "What the experiment asks.")
    routes: list[Path] = spec_field(
        ...,
        "Scenario files compared (the route is the lever), relative to this file.",
        min_length=1,
    )
    factors: dict[str, FactorSpec] = spec_field(
        {}, "Uncertain factors: dotted path into the scenario -> range, values or distribution."
    )
    design: Design = spec_field(Design(), "How the factor space is sampled.")
    replications: int = spec_field(
        1, "Runs per route and design point, on common seeds.", ge=1, le=10_000
    )
    seed: int = spec_field(0, "Base seed of every run's seed.", ge=0, le=2**63 - 1)
    outputs: Outputs = spec_field(Outputs(), "What is kept of each run.")

    @model_validator(mode="after")
    def _sobol_power_of_two(self) -> ExperimentSpec:
        n = self.design.samples
        if self.design.kind == "sobol" and n & (n - 1):
            raise PydanticCustomError(
                "power_of_two",
                "a sobol design needs samples that are a power of two (Sobol' sequences lose "
                "their balance otherwise); use {lower} or {upper}",
                {
                    "lower": 1 << (n.bit_length() - 1),
                    "upper": 1 << n.bit_length(),
                    "path": "design.samples",
                },
            )
        return self

    @model_validator(mode="after")
    def _design_fits_factors(self) -> ExperimentSpec:
        if self.design.kind in ("sobol", "morris", "lhs") and not self.factors:
            raise PydanticCustomError(
                "no_factors",
                "a {kind} design needs at least one factor",
                {"kind": self.design.kind, "path": "design.kind"},
            )
        if self.design.kind in ("sobol", "morris"):
            for path, factor in self.factors.items():
                if isinstance(factor, ValuesFactor) and not all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in factor.values
                ):
                    raise PydanticCustomError(
                        "numeric_factor",
                        "a {kind} design needs numeric factors; {path_name} takes words",
                        {"kind": self.design.kind, "path_name": path, "path": "design.kind"},
                    )
        return self


def dump_for_hash(spec: ExperimentSpec) -> dict[str, Any]:
    """The spec as plain data, for hashing and the manifest."""
    return spec.model_dump(mode="json")
