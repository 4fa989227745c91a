"""The user's data files: a population table (HR export, survey) and a measured edge list.

Every problem found is reported as a :class:`~changesim.scenario.ScenarioError` naming the
file, the column, the first bad row and what is allowed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from changesim.scenario import Problem, ScenarioError
from changesim.scenario.files import file_problem

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
        raise ScenarioError([_missing_columns(file, "unit", "a 'unit' column", frame)])
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
            values = numbers(frame[trait])
            first_bad(trait, ~((values >= 0) & (values <= 1)), "must be a number in [0, 1]")
            frame[trait] = values
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
    """Read a CSV or Parquet file into a DataFrame, with a clear error if that fails.

    The error says why (the reader's first line, at most 160 characters) but never quotes the
    file's content.
    """
    import pandas as pd

    file = str(path)
    problem = file_problem(path)
    if problem is not None:
        message = "no such table file" if problem == "no such file" else problem
        raise ScenarioError([Problem(file, "", message, has_value=False)])
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except Exception as error:  # pandas raises many types; all mean "cannot read"
        reason = (str(error).splitlines() or [type(error).__name__])[0][:160]
        raise ScenarioError(
            [Problem(file, "", f"cannot read the table: {reason}", has_value=False)]
        ) from None


def numbers(column: pd.Series) -> np.ndarray:
    """A table column as floats; text that is not a number becomes NaN (and is reported)."""
    import pandas as pd

    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


#: Column names that look like a table's header (not a line of some other file).
_HEADER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-]{0,40}$")


def _missing_columns(file: str, column: str, needed: str, frame: pd.DataFrame) -> Problem:
    """The problem of a table without a needed column: the columns it has, if they look like
    a header; otherwise only how many, so that another file's content is not printed."""
    names = [str(c) for c in frame.columns]
    if names and len(names) <= 20 and all(_HEADER_NAME.match(n) for n in names):
        return Problem(file, column, f"the table needs {needed}", names)
    return Problem(
        file,
        column,
        f"the table needs {needed}; its first line has {len(names)} fields that do not look "
        "like column names (is this a CSV table?)",
        has_value=False,
    )


def edge_list_indices(path: Path, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Read an edge list and map its employee ids to positions in ``ids``.

    Raises
    ------
    ScenarioError
        If the file cannot be read, lacks a column, or names an id not in ``ids``.
    """
    import pandas as pd

    frame = read_table(path)
    file = str(path)
    missing = [c for c in ("source", "target") if c not in frame.columns]
    if missing:
        raise ScenarioError(
            [_missing_columns(file, missing[0], "columns 'source' and 'target'", frame)]
        )
    index = pd.Index(ids)  # hashed lookup: ids of any type, mixed types included
    ends = []
    for column in ("source", "target"):
        wanted = frame[column].to_numpy()
        pos = index.get_indexer(wanted)
        if (pos < 0).any() and pd.api.types.is_numeric_dtype(index):
            # One word in a column makes pandas read all of it as text: match numbers anyway.
            numeric = pd.to_numeric(pd.Series(wanted), errors="coerce").to_numpy()
            pos = np.where(pos < 0, index.get_indexer(numeric), pos)
        unknown = pos < 0
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
        ends.append(pos.astype(np.int64))
    return ends[0], ends[1]


def check_data_paths(scenario: Scenario, label: str | None = None) -> None:
    """Refuse data-file paths that are not regular files, blaming the scenario's field.

    Raises
    ------
    ScenarioError
        With ``label`` (default the scenario's name), the field (``population.table`` or
        ``network.file``), the path and why it cannot be read.
    """
    named = [("population.table", scenario.population.table)]
    if scenario.network.kind == "edge_list":
        named.append(("network.file", scenario.network.file))
    problems = [
        Problem(label or f"scenario {scenario.name!r}", field, problem, str(path))
        for field, path in named
        if path is not None and (problem := file_problem(Path(path))) is not None
    ]
    if problems:
        raise ScenarioError(problems)


def check_data_files(scenario: Scenario, label: str | None = None) -> None:
    """Read the population table and edge list a scenario names, and check that a run fits in
    memory, without simulating.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    label : str, optional
        Where the scenario came from (its file), for the memory message.

    Raises
    ------
    ScenarioError
        With the file, column and row of every problem found.
    """
    from changesim.build.resources import check_memory

    check_data_paths(scenario, label)
    ids = None
    units = scenario.organisation.units
    if scenario.population.table is not None:
        ids = read_population_table(
            scenario.population.table, [u.name for u in units], [u.headcount for u in units]
        )["id"]
    employees = len(ids) if ids is not None else sum(u.headcount or 0 for u in units)
    check_memory(scenario, employees, label)
    if scenario.network.kind == "edge_list":
        edge_list_indices(scenario.network.file, np.arange(employees) if ids is None else ids)
