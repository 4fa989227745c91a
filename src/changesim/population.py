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


TRUE_WORDS = frozenset({"true", "yes", "y", "1", "1.0"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "0.0", "", "nan", "none"})


def read_population_table(
    path: Path, unit_names: list[str], headcounts: list[int | None] | None = None
) -> dict[str, np.ndarray]:
    """Read and check a population table, rows sorted by unit (stable).

    Parameters
    ----------
    path : Path
        CSV or Parquet file, one row per employee.
    unit_names : list of str
        The organisation's units; every row must name one, every unit needs a row.
    headcounts : list, optional
        The scenario's headcount per unit (None where not given); a given headcount must
        match the table.

    Raises
    ------
    ScenarioError
        If the file is missing or unreadable, or a column holds values outside what is allowed.
    """
    frame = read_table(path)
    file = str(path)
    if "unit" not in frame.columns:
        raise ScenarioError(
            [Problem(file, "unit", "the table needs a 'unit' column", list(frame.columns))]
        )
    problems: list[Problem] = []

    def first_bad(column: str, bad: np.ndarray, allowed: str) -> None:
        if bad.any():
            row = int(np.argmax(bad))
            problems.append(
                Problem(file, f"{column} (row {row + 1})", allowed, frame[column].iloc[row])
            )

    units = frame["unit"].astype(str)
    first_bad(
        "unit",
        ~units.isin(unit_names).to_numpy(),
        f"unknown unit; the organisation has: {', '.join(unit_names)}",
    )
    counts = units.value_counts()
    for name, expected in zip(unit_names, headcounts or [None] * len(unit_names), strict=True):
        found = int(counts.get(name, 0))
        if found == 0:
            problems.append(
                Problem(
                    file,
                    "unit",
                    f"no rows for unit {name!r}; every unit of the organisation needs at least one",
                    has_value=False,
                )
            )
        elif expected is not None and expected != found:
            problems.append(
                Problem(
                    file,
                    "unit",
                    f"{found} rows for unit {name!r}, but the "
                    f"scenario gives headcount {expected}; leave headcount out "
                    "or make them agree",
                    has_value=False,
                )
            )
    for trait in TRAITS:
        if trait in frame.columns:
            values = frame[trait].to_numpy(dtype=float, na_value=np.nan)
            first_bad(trait, ~((values >= 0) & (values <= 1)), "must be a number in [0, 1]")
    if "role" in frame.columns:
        first_bad(
            "role",
            ~frame["role"].astype(str).isin(ROLES).to_numpy(),
            f"must be one of: {', '.join(ROLES)}",
        )
    if "initial_adopter" in frame.columns:
        marks = frame["initial_adopter"].fillna("").astype(str).str.strip().str.lower()
        first_bad(
            "initial_adopter",
            ~marks.isin(TRUE_WORDS | FALSE_WORDS).to_numpy(),
            "must be true/false (also yes/no, 1/0; empty means false)",
        )
        frame["initial_adopter"] = marks.isin(TRUE_WORDS)
    if "id" in frame.columns:
        first_bad("id", frame["id"].duplicated().to_numpy(), "ids must be unique")
    if problems:
        raise ScenarioError(problems)
    if "id" not in frame.columns:
        frame["id"] = np.arange(len(frame))
    frame["unit"] = units.map({name: i for i, name in enumerate(unit_names)})
    frame = frame.sort_values("unit", kind="stable")
    columns = {"unit": frame["unit"].to_numpy(dtype=np.int32), "id": frame["id"].to_numpy()}
    for trait in TRAITS:
        if trait in frame.columns:
            columns[trait] = frame[trait].to_numpy(dtype=float)
    if "role" in frame.columns:
        columns["role"] = frame["role"].astype(str).to_numpy()
    if "initial_adopter" in frame.columns:
        columns["initial_adopter"] = frame["initial_adopter"].to_numpy(dtype=bool)
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
