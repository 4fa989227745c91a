"""The employees a run starts with: drawn from per-unit distributions or read from a table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from changesim.build.tables import TRAITS, read_population_table
from changesim.scenario import Scenario
from changesim.scenario.population import Distribution


@dataclass
class Employees:
    """Employees as a struct of arrays, ordered so that each unit is one contiguous block.

    Attributes
    ----------
    unit : np.ndarray of int
        Index of the employee's unit in ``scenario.organisation.units``.
    readiness, resistance, threshold : np.ndarray of float
        Initial traits in [0, 1].
    manager : np.ndarray of bool
        True for managers.
    initial_adopter : np.ndarray of bool
        Marked in the population table as initial adopters (all False without a table).
    ids : np.ndarray
        The employee's id in the user's data (table 'id' column, else the row index).
    """

    unit: np.ndarray
    readiness: np.ndarray
    resistance: np.ndarray
    threshold: np.ndarray
    manager: np.ndarray
    initial_adopter: np.ndarray
    ids: np.ndarray

    @property
    def size(self) -> int:
        """Number of employees."""
        return len(self.unit)


def draw_beta(dist: Distribution, size: int, rng: np.random.Generator) -> np.ndarray:
    """Draw from the Beta distribution with the given mean and standard deviation."""
    if dist.sd == 0 or size == 0:
        return np.full(size, dist.mean)
    concentration = dist.mean * (1.0 - dist.mean) / dist.sd**2 - 1.0
    return rng.beta(dist.mean * concentration, (1.0 - dist.mean) * concentration, size)


def build_employees(scenario: Scenario, rng: np.random.Generator) -> Employees:
    """Create the employees of ``scenario``, drawing missing traits from ``rng``."""
    names = scenario.organisation.names
    table = scenario.population.table
    if table is not None:
        headcounts = [u.headcount for u in scenario.organisation.units]
        columns = read_population_table(table, names, headcounts)
        unit = columns["unit"]
    else:
        counts = [u.headcount or 0 for u in scenario.organisation.units]
        unit = np.repeat(np.arange(len(names)), counts)
        columns = {"unit": unit}
    size = len(unit)
    traits = {}
    for trait in TRAITS:
        if trait in columns:
            traits[trait] = columns[trait]
            continue
        values = np.empty(size)
        for u, name in enumerate(names):
            members = unit == u
            dist = scenario.population.distribution(trait, name)
            values[members] = draw_beta(dist, int(members.sum()), rng)
        traits[trait] = values
    if "role" in columns:
        manager = columns["role"] == "manager"
    else:
        manager = rng.random(size) < scenario.population.manager_share
    return Employees(
        unit=unit.astype(np.int32),
        readiness=traits["readiness"].astype(np.float64),
        resistance=traits["resistance"].astype(np.float64),
        threshold=traits["threshold"].astype(np.float64),
        manager=np.asarray(manager, dtype=bool),
        initial_adopter=np.asarray(columns.get("initial_adopter", np.zeros(size)), dtype=bool)
        & (scenario.adoption.initial_adopters.choose == "table"),
        ids=columns.get("id", np.arange(size)),
    )
