"""The user's data files: a population table (HR export, survey) and a measured edge list.

Every problem found is reported as a :class:`~changesim.scenario.ScenarioError` naming the
file, the column, the first bad row and what is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from changesim.scenario import Problem, ScenarioError

if TYPE_CHECKING:
    import pandas as pd

    from changesim.scenario import Scenario

ROLES = ("staff", "manager")
TRAITS = ("readiness", "resistance", "threshold")


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


def read_table(path: Path) -> pd.DataFrame:
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


def edge_list_indices(path: Path, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read an edge list and map its employee ids to positions in ``ids``.

    Raises
    ------
    ScenarioError
        If the file cannot be read, lacks a column, or names an id not in ``ids``.
    """
    frame = read_table(path)
    file = str(path)
    missing = [c for c in ("source", "target") if c not in frame.columns]
    if missing:
        raise ScenarioError(
            [
                Problem(
                    file,
                    missing[0],
                    "the edge list needs columns 'source' and 'target'",
                    list(frame.columns),
                )
            ]
        )
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    ends = []
    for column in ("source", "target"):
        wanted = frame[column].to_numpy()
        pos = np.clip(np.searchsorted(sorted_ids, wanted), 0, len(sorted_ids) - 1)
        unknown = sorted_ids[pos] != wanted
        if unknown.any():
            raise ScenarioError(
                [
                    Problem(
                        file,
                        f"{column} (row {int(np.argmax(unknown)) + 1})",
                        "unknown employee id; ids are the population table's 'id' column "
                        "or row numbers from 0",
                        wanted[unknown][0],
                    )
                ]
            )
        ends.append(order[pos])
    return ends[0], ends[1]


def check_data_files(scenario: Scenario) -> None:
    """Read the population table and edge list a scenario names, without simulating.

    Raises
    ------
    ScenarioError
        With the file, column and row of every problem found.
    """
    ids = None
    if scenario.population.table is not None:
        units = scenario.organisation.units
        ids = read_population_table(
            scenario.population.table, [u.name for u in units], [u.headcount for u in units]
        )["id"]
    if scenario.network.kind == "edge_list":
        if ids is None:
            ids = np.arange(sum(u.headcount or 0 for u in scenario.organisation.units))
        edge_list_indices(scenario.network.file, ids)
