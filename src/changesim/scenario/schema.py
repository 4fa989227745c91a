"""The whole scenario: every section together, validated as one document.

A scenario is a YAML file (read with ``yaml.safe_load``, see :mod:`changesim.scenario.load`)
validated by the pydantic models of this package, one module per section. Every field has a
default, so a file states only what differs; a file may ``extends:`` another file and override
a few fields. Unknown keys are rejected. Problems are reported by
:class:`changesim.scenario.errors.ScenarioError` with the file, field path, bad value and what
is allowed. ``Scenario.model_json_schema()`` is the JSON Schema (``changesim schema``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_core import PydanticCustomError

from changesim.scenario.adoption import Adoption, Influence
from changesim.scenario.checks import cross_section_problems
from changesim.scenario.customers import Customers
from changesim.scenario.fields import StrictModel, spec_field
from changesim.scenario.interventions import Intervention
from changesim.scenario.network import Network, SmallWorldNetwork
from changesim.scenario.organisation import Organisation
from changesim.scenario.population import Population
from changesim.scenario.quality import Quality
from changesim.scenario.routes import Combined, Route


class Scenario(StrictModel):
    """One simulated change: organisation, people, network, route, interventions, run."""

    name: str = spec_field("Unnamed scenario", "Short name shown in reports.")
    description: str = spec_field("", "What the scenario represents.")
    weeks: int = spec_field(104, "Simulated weeks.", unit="weeks", ge=1, le=1040)
    seed: int = spec_field(0, "Seed of the random number generator.", ge=0, le=2**63 - 1)
    replications: int = spec_field(1, "Runs with different seeds in compare.", ge=1, le=10_000)
    organisation: Organisation = spec_field(..., "The organisation: its units and experience.")
    population: Population = spec_field(Population(), "Employees' readiness and resistance.")
    network: Network = spec_field(
        SmallWorldNetwork(kind="small_world"), "The organisational network."
    )
    approach: Literal["individual", "organisation"] = spec_field(
        "individual",
        "individual: the person is the object of change (raise readiness, lower resistance); "
        "organisation: resistance is a given, redesign the organisation around it.",
    )
    adoption: Adoption = spec_field(Adoption(), "Adoption rule.")
    influence: Influence = spec_field(Influence(), "Social influence and change fatigue.")
    quality: Quality = spec_field(Quality(), "Service quality during the change.")
    route: Route = spec_field(Combined(kind="combined"), "The migration route.")
    interventions: list[Intervention] = spec_field([], "Interventions of the change approach.")
    customers: Customers | None = spec_field(
        None, "Customers and channel design; without it only the organisation is simulated."
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = cross_section_problems(self)
        if problems:
            raise PydanticCustomError(
                "cross_reference",
                "; ".join(f"{path}: {msg}" for path, _, msg in problems),
                {"problems": problems},
            )
        return self
