"""The ``network`` section: which generator builds the organisational network, with its settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from changesim.scenario.fields import StrictModel, spec_field


class CompleteNetwork(StrictModel):
    """Everyone is tied to everyone (the mean-field limit)."""

    kind: Literal["complete"] = spec_field(..., "Selects this variant: complete.")


class RingNetwork(StrictModel):
    """A ring lattice over the whole organisation, ordered by unit."""

    kind: Literal["ring"] = spec_field(..., "Selects this variant: ring.")
    degree: int = spec_field(
        10, "Ties per employee (rounded down to even).", unit="ties", ge=2, le=10_000
    )


class ErdosRenyiNetwork(StrictModel):
    """Random ties with a given mean degree."""

    kind: Literal["erdos_renyi"] = spec_field(..., "Selects this variant: erdos_renyi.")
    degree: float = spec_field(10.0, "Mean ties per employee.", unit="ties", gt=0.0, le=1000.0)


class SmallWorldNetwork(StrictModel):
    """Watts-Strogatz small world inside each unit plus random cross-unit ties."""

    kind: Literal["small_world"] = spec_field(..., "Selects this variant: small_world.")
    degree: int = spec_field(
        10,
        "Ties per employee inside the unit (rounded down to even).",
        unit="ties",
        ge=2,
        le=10_000,
    )
    rewire: float = spec_field(0.1, "Rewiring probability of a within-unit tie.", ge=0.0, le=1.0)
    cross_unit_ties: float = spec_field(
        0.02, "Cross-unit ties as a share of within-unit ties.", ge=0.0, le=1.0
    )


class EdgeListNetwork(StrictModel):
    """A measured network: CSV/Parquet with columns 'source' and 'target'."""

    kind: Literal["edge_list"] = spec_field(..., "Selects this variant: edge_list.")
    file: Path = spec_field(..., "Edge list; ids match the population table's 'id' or row index.")


Network = Annotated[
    CompleteNetwork | RingNetwork | ErdosRenyiNetwork | SmallWorldNetwork | EdgeListNetwork,
    Field(discriminator="kind"),
]
