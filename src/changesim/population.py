"""Building the employees: from per-unit distributions or from a table (HR export, survey)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from changesim.errors import Problem, ScenarioError
from changesim.scenario import Distribution, Scenario

ROLES = ("staff", "manager")
TRAITS = ("readiness", "resistance", "threshold")


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
        columns = read_population_table(table, names)
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
        initial_adopter=np.asarray(columns.get("initial_adopter", np.zeros(size)), dtype=bool),
        ids=columns.get("id", np.arange(size)),
    )


def read_population_table(path: Path, unit_names: list[str]) -> dict[str, np.ndarray]:
    """Read and check a population table, rows sorted by unit (stable).

    Raises
    ------
    ScenarioError
        If the file is missing or unreadable, or a column holds values outside what is allowed.
    """
    frame = read_table(path)
    file = str(path)
    problems: list[Problem] = []
    if "unit" not in frame.columns:
        raise ScenarioError(
            [Problem(file, "unit", "the table needs a 'unit' column", list(frame.columns))]
        )
    index = {name: i for i, name in enumerate(unit_names)}
    unknown = sorted(set(frame["unit"].astype(str)) - set(index))
    if unknown:
        problems.append(
            Problem(
                file,
                "unit",
                f"unknown unit; the organisation has: {', '.join(unit_names)}",
                unknown[0],
            )
        )
    empty = [name for name in unit_names if name not in set(frame["unit"].astype(str))]
    if empty:
        problems.append(
            Problem(
                file,
                "unit",
                "every unit of the organisation needs at least one row; "
                f"none for: {', '.join(empty)}",
                has_value=False,
            )
        )
    for trait in TRAITS:
        if trait in frame.columns:
            values = frame[trait].to_numpy(dtype=float, na_value=np.nan)
            bad = ~((values >= 0) & (values <= 1))
            if bad.any():
                row = int(np.argmax(bad))
                problems.append(
                    Problem(
                        file,
                        f"{trait} (row {row + 1})",
                        "must be a number in [0, 1]",
                        frame[trait].iloc[row],
                    )
                )
    if "role" in frame.columns:
        roles = frame["role"].astype(str)
        bad_roles = ~roles.isin(ROLES)
        if bad_roles.any():
            row = int(np.argmax(bad_roles.to_numpy()))
            problems.append(
                Problem(
                    file,
                    f"role (row {row + 1})",
                    f"must be one of: {', '.join(ROLES)}",
                    roles.iloc[row],
                )
            )
    if "id" in frame.columns and frame["id"].duplicated().any():
        dup = frame["id"][frame["id"].duplicated()].iloc[0]
        problems.append(Problem(file, "id", "ids must be unique", dup))
    if problems:
        raise ScenarioError(problems)
    if "id" not in frame.columns:
        frame["id"] = np.arange(len(frame))
    frame["unit"] = frame["unit"].astype(str).map(index)
    frame = frame.sort_values("unit", kind="stable")
    columns = {"unit": frame["unit"].to_numpy(dtype=np.int32), "id": frame["id"].to_numpy()}
    for trait in TRAITS:
        if trait in frame.columns:
            columns[trait] = frame[trait].to_numpy(dtype=float)
    if "role" in frame.columns:
        columns["role"] = frame["role"].astype(str).to_numpy()
    if "initial_adopter" in frame.columns:
        columns["initial_adopter"] = frame["initial_adopter"].astype(bool).to_numpy()
    return columns


def read_table(path: Path):
    """Read a CSV or Parquet file into a DataFrame, with a clear error if that fails."""
    import pandas as pd

    file = str(path)
    if not path.is_file():
        raise ScenarioError([Problem(file, "", "no such table file", has_value=False)])
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except Exception as error:  # pandas raises many types; all mean "cannot read"
        raise ScenarioError(
            [Problem(file, "", f"cannot read the table: {error}", has_value=False)]
        ) from None
