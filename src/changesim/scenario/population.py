"""The ``population`` section: employees' readiness, resistance and threshold distributions."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from changesim.scenario.fields import StrictModel, spec_field


class Distribution(StrictModel):
    """A Beta distribution on [0, 1] given by its mean and standard deviation."""

    mean: float = spec_field(..., "Mean of the Beta distribution.", ge=0.0, le=1.0)
    sd: float = spec_field(0.0, "Standard deviation; 0 gives everyone the mean.", ge=0.0, lt=0.5)

    @model_validator(mode="after")
    def _feasible(self) -> Distribution:
        check_beta(self.mean, self.sd, "sd")
        return self


def check_beta(mean: float, sd: float, path: str) -> None:
    """Raise a validation error if no Beta distribution has this mean and sd."""
    limit = (mean * (1.0 - mean)) ** 0.5
    if sd > 0 and sd >= limit:
        raise PydanticCustomError(
            "beta_infeasible",
            "sd {sd} is too large for mean {mean}: a Beta distribution needs sd < {limit}",
            {"sd": sd, "mean": mean, "limit": f"{limit:.3f}", "path": path},
        )


class DistributionOverride(StrictModel):
    """Per-unit change to a population distribution; unset fields keep the default."""

    mean: float | None = spec_field(None, "Mean for this unit.", ge=0.0, le=1.0)
    sd: float | None = spec_field(None, "Standard deviation for this unit.", ge=0.0, lt=0.5)


class UnitPopulation(StrictModel):
    """Distribution overrides for one unit."""

    readiness: DistributionOverride | None = spec_field(None, "Readiness for this unit.")
    resistance: DistributionOverride | None = spec_field(None, "Resistance for this unit.")
    threshold: DistributionOverride | None = spec_field(None, "Threshold for this unit.")


class Population(StrictModel):
    """Employees' change readiness, resistance and adoption threshold."""

    readiness: Distribution = spec_field(
        Distribution(mean=0.5, sd=0.15),
        "Change readiness r (veranderbereidheid): willingness to work the new way.",
    )
    resistance: Distribution = spec_field(
        Distribution(mean=0.35, sd=0.15),
        "Resistance to change s (veranderweerstand).",
    )
    threshold: Distribution = spec_field(
        Distribution(mean=0.3, sd=0.1),
        "Adoption threshold theta: share of adopted colleagues needed (threshold rule).",
    )
    manager_share: float = spec_field(
        0.1, "Share of employees who are managers (span of control ~10).", ge=0.0, le=1.0
    )
    units: dict[str, UnitPopulation] = spec_field(
        {}, "Per-unit overrides of the distributions, keyed by unit name."
    )
    table: Path | None = spec_field(
        None,
        "CSV or Parquet file with one row per employee: column 'unit' (required), optional "
        "'id', 'readiness', 'resistance', 'threshold', 'role' (staff/manager), "
        "'initial_adopter' (true/false; used with initial_adopters.choose: table). Missing "
        "columns are drawn from the distributions. Unit headcounts come from the table.",
    )

    @model_validator(mode="after")
    def _overrides_feasible(self) -> Population:
        for unit, override in self.units.items():
            for attribute in ("readiness", "resistance", "threshold"):
                if getattr(override, attribute) is not None:
                    dist = self.distribution(attribute, unit)
                    check_beta(dist.mean, dist.sd, f"units.{unit}.{attribute}.sd")
        return self

    def distribution(self, attribute: str, unit: str) -> Distribution:
        """The distribution of ``attribute`` for the employees of ``unit``."""
        base: Distribution = getattr(self, attribute)
        override = self.units.get(unit)
        change = getattr(override, attribute) if override else None
        if change is None:
            return base
        # Not re-validated here: _overrides_feasible checks every combination on loading.
        return Distribution.model_construct(
            mean=base.mean if change.mean is None else change.mean,
            sd=base.sd if change.sd is None else change.sd,
        )
