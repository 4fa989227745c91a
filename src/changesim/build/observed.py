"""What a pilot showed: weekly observations read from a CSV and checked against the scenario.

One row per week and unit: ``week``, ``unit`` and the adoption as a count (``adopted``) or a
share (``adopted_share``); optionally ``readiness_score`` (a survey mean on the scenario's 0–1
scale) and the customer figures ``self_service_share`` and ``satisfaction`` (shares and scores
in [0, 1]). Calibration fits the model to these; every problem is reported with the file, the
row or column, the value and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from changesim.scenario import Problem, Scenario, ScenarioError

#: Columns a row must have.
REQUIRED = ("week", "unit")
#: The adoption, as one of these two.
ADOPTION = ("adopted", "adopted_share")
#: Optional observed figures, each a share or score in [0, 1].
OPTIONAL = ("readiness_score", "self_service_share", "satisfaction")
#: Every column allowed.
ALLOWED = (*REQUIRED, *ADOPTION, *OPTIONAL)


@dataclass(frozen=True)
class Observations:
    """A pilot's weekly observations, checked against a scenario.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per week and unit, sorted: ``week``, ``unit``, ``adopted_share`` (converted
        from a count with the unit's headcount where counts were given) and the optional
        columns that were present.
    source : str
        Where they came from (the file name).
    """

    frame: pd.DataFrame
    source: str

    @property
    def figures(self) -> list[str]:
        """The observed quantities: ``adopted_share`` and the optional columns present."""
        return [c for c in ("adopted_share", *OPTIONAL) if c in self.frame.columns]

    @property
    def count(self) -> int:
        """Number of observed values (rows × figures, without the empty cells)."""
        return int(self.frame[self.figures].notna().to_numpy().sum())


def read_observations(path: str | Path, scenario: Scenario) -> Observations:
    """Read a pilot's observations from ``path`` and check them against ``scenario``.

    Raises
    ------
    ScenarioError
        For a file that cannot be read, an unknown or missing column, and per row: a week that
        is not a whole number within the scenario's weeks, a unit the scenario does not have,
        a week repeated for a unit, a week missing between a unit's first and last, a count
        above the unit's headcount or below 0, a share or score outside [0, 1], an empty cell
        where a value is needed.
    """
    source = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        problem = Problem(source, "", f"cannot be read as CSV: {e}", has_value=False)
        raise ScenarioError([problem]) from None
    frame.columns = [c.strip() for c in frame.columns]
    problems = _column_problems(source, list(frame.columns))
    if problems:
        raise ScenarioError(problems)
    checked, problems = _rows(source, frame, scenario)
    if problems:
        raise ScenarioError(problems)
    return Observations(checked.sort_values(["unit", "week"]).reset_index(drop=True), source)


def check_fit(paths: list[str], observations: Observations, source: str = "--fit") -> None:
    """Refuse a fit of more parameters than there are observed values.

    Raises
    ------
    ScenarioError
        If ``len(paths)`` exceeds :attr:`Observations.count`.
    """
    if len(paths) > observations.count:
        raise ScenarioError(
            [
                Problem(
                    source,
                    "",
                    f"{len(paths)} parameters cannot be fitted to {observations.count} observed "
                    f"values in {observations.source}; fit at most {observations.count}",
                    has_value=False,
                )
            ]
        )


def _column_problems(source: str, columns: list[str]) -> list[Problem]:
    allowed = ", ".join(ALLOWED)
    problems = [
        Problem(source, f"column {c!r}", f"is not a known column; allowed: {allowed}", c)
        for c in columns
        if c not in ALLOWED
    ]
    problems += [
        Problem(source, f"column {c!r}", "is required", has_value=False)
        for c in REQUIRED
        if c not in columns
    ]
    given = [c for c in ADOPTION if c in columns]
    if len(given) != 1:
        problems.append(
            Problem(
                source,
                "columns adopted / adopted_share",
                "give the adoption as exactly one of them (a count or a share)",
                has_value=False,
            )
        )
    return problems


def _rows(
    source: str, frame: pd.DataFrame, scenario: Scenario
) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows as numbers, with a problem per bad cell (rows numbered as in a spreadsheet:
    the header is row 1)."""
    units = {u.name: u.headcount for u in scenario.organisation.units}
    count_column = "adopted" in frame.columns
    figures = ["adopted" if count_column else "adopted_share"] + [
        c for c in OPTIONAL if c in frame.columns
    ]
    problems: list[Problem] = []
    out = pd.DataFrame({"unit": frame["unit"].str.strip()})
    weeks = pd.to_numeric(frame["week"].str.strip(), errors="coerce")
    for i, (text, week) in enumerate(zip(frame["week"], weeks, strict=True)):
        if not (np.isfinite(week) and week == int(week) and 0 <= week <= scenario.weeks):
            problems.append(
                Problem(
                    source,
                    f"row {i + 2}, column 'week'",
                    f"must be a whole week from 0 to {scenario.weeks} (the scenario's weeks)",
                    text,
                )
            )
    out["week"] = weeks
    for i, unit in enumerate(out["unit"]):
        if unit not in units:
            problems.append(
                Problem(
                    source,
                    f"row {i + 2}, column 'unit'",
                    f"is not a unit of the scenario; units: {', '.join(units)}",
                    unit,
                )
            )
    for column in figures:
        stripped = frame[column].str.strip()
        values = pd.to_numeric(stripped.where(stripped != ""), errors="coerce")
        for i, (text, value) in enumerate(zip(frame[column], values, strict=True)):
            where = f"row {i + 2}, column {column!r}"
            if text.strip() == "":
                if column in ("adopted", "adopted_share"):
                    problems.append(Problem(source, where, "is empty; give a value", text))
                continue
            if column == "adopted":
                headcount = units.get(out["unit"].iloc[i])
                if not (np.isfinite(value) and value == int(value) and value >= 0):
                    problems.append(Problem(source, where, "must be a whole number ≥ 0", text))
                elif headcount is None and out["unit"].iloc[i] in units:
                    problems.append(
                        Problem(
                            source,
                            where,
                            "is a count, but the unit's headcount comes from the population "
                            "table; give adopted_share instead",
                            text,
                        )
                    )
                elif headcount is not None and value > headcount:
                    unit = out["unit"].iloc[i]
                    problems.append(
                        Problem(
                            source, where, f"is above the headcount of {unit} ({headcount})", text
                        )
                    )
            elif not (np.isfinite(value) and 0 <= value <= 1):
                problems.append(Problem(source, where, "must be a number from 0 to 1", text))
        out[column] = values
    if problems:
        return out, problems
    if count_column:
        heads = out["unit"].map(units).astype(float)
        out["adopted_share"] = out.pop("adopted") / heads
    problems += _week_problems(source, out)
    return out, problems


def _week_problems(source: str, frame: pd.DataFrame) -> list[Problem]:
    """A week repeated for a unit, or missing between the unit's first and last week."""
    problems = []
    for unit, rows in frame.groupby("unit", sort=False):
        weeks = rows["week"].astype(int)
        repeated = weeks.duplicated(keep="first").to_numpy()
        rows_at = weeks.index.to_numpy()
        for position in np.flatnonzero(repeated):
            week = int(weeks.iloc[position])
            first = int(rows_at[np.flatnonzero(weeks.to_numpy() == week)[0]])
            problems.append(
                Problem(
                    source,
                    f"row {int(rows_at[position]) + 2}, column 'week'",
                    f"repeats week {week} of {unit} (first in row {first + 2}); "
                    "one row per week and unit",
                    week,
                )
            )
        present = set(weeks)
        missing = [w for w in range(min(present), max(present) + 1) if w not in present]
        if missing:
            problems.append(
                Problem(
                    source,
                    "column 'week'",
                    f"{unit} has no row for week(s) {', '.join(map(str, missing))} between its "
                    f"first ({min(present)}) and last ({max(present)}); observations must be "
                    "weekly",
                    has_value=False,
                )
            )
    return problems
