"""Scenario builders and frame helpers shared by the tests (fixtures are in conftest.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

import changesim
from changesim.scenario.load import deep_merge

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
EXAMPLE_FILE = SCENARIOS / "example_org.yaml"
#: Every shipped scenario file.
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
#: The shipped route files (every shipped file but the organisation they extend).
ROUTE_FILES = [path for path in SHIPPED if path != EXAMPLE_FILE]
#: The example organisation's units, in file order.
EXAMPLE_UNITS = ("case_handling", "web_team", "contact_centre", "service_desks")
#: The example's back-office and front-office units.
BACK = "case_handling"
FRONT = ("web_team", "contact_centre", "service_desks")

#: Customer steering switched off.
NO_STEERING = {"target": None, "communication": 0.0, "product": 0.0, "benefit": 0.0}

#: Small units for hand-made organisations.
BO = {"name": "bo", "kind": "back_office", "headcount": 60}
WEB = {"name": "web", "kind": "front_office", "channel": "web", "headcount": 40}
PHONE = {"name": "phone", "kind": "front_office", "channel": "phone", "headcount": 50}


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file as a mapping."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def example(**overrides: Any) -> dict[str, Any]:
    """The shipped example organisation as a mapping, with ``overrides`` deep-merged in."""
    return deep_merge(copy.deepcopy(read_yaml(EXAMPLE_FILE)), overrides)


def load_example(**overrides: Any) -> changesim.Scenario:
    """The shipped example organisation, validated, with ``overrides`` deep-merged in."""
    return changesim.load_scenario(example(**overrides))


def route_of(name: str) -> dict[str, Any]:
    """The ``route`` section of a shipped route file (``name`` without ``.yaml``)."""
    return read_yaml(SCENARIOS / f"{name}.yaml")["route"]


#: Two units without headcounts (a population table gives them).
TABLE_UNITS = [
    {"name": "bo", "kind": "back_office"},
    {"name": "web", "kind": "front_office", "channel": "web"},
]


def table_scenario(
    folder: Path,
    marks: list[str],
    *,
    choose: str = "table",
    units: list[dict[str, Any]] | None = None,
) -> changesim.Scenario:
    """One week on a population table ``folder/people.csv`` with an ``initial_adopter`` column.

    Rows alternate between the units bo and web; ``marks`` are the column's cells as written.
    """
    rows = ["unit,initial_adopter"] + [
        f"{'bo' if i % 2 == 0 else 'web'},{mark}" for i, mark in enumerate(marks)
    ]
    (folder / "people.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return changesim.load_scenario(
        {
            "weeks": 1,
            "organisation": {"units": TABLE_UNITS if units is None else units},
            "population": {"table": str(folder / "people.csv")},
            "adoption": {"initial_adopters": {"choose": choose}, "p": 0, "q": 0},
        }
    )


def org(units: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """A scenario mapping with ``units`` on a complete network (Bass, no reversion), 30 weeks.

    ``extra`` sections are merged one level deep into the defaults.
    """
    data: dict[str, Any] = {
        "name": "test",
        "weeks": 30,
        "organisation": {"units": units},
        "network": {"kind": "complete"},
        "adoption": {"rule": "bass", "p": 0.02, "q": 0.4, "revert": 0},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def org_rows(weekly: pd.DataFrame) -> pd.DataFrame:
    """The organisation's rows of a weekly frame, by week."""
    return unit_rows(weekly, "all")


def unit_rows(weekly: pd.DataFrame, unit: str) -> pd.DataFrame:
    """One unit's rows of a weekly frame, by week."""
    return weekly[weekly["unit"] == unit].sort_values("week").reset_index(drop=True)


def first_week(rows: pd.DataFrame, mask: pd.Series) -> int:
    """The first week in ``rows`` where ``mask`` holds (fails if never)."""
    weeks = rows.loc[mask, "week"]
    assert len(weeks) > 0, "condition never holds"
    return int(weeks.iloc[0])


def cutover(result: changesim.RunResult, unit: str) -> int:
    """The week ``unit`` cut over in ``result`` (fails if never)."""
    week = result.units.set_index("unit").loc[unit, "cutover_week"]
    assert week is not None, f"{unit} never cut over"
    assert not pd.isna(week), f"{unit} never cut over"
    return int(week)


def share_sd(n: float) -> float:
    """Largest binomial sd of a weekly channel share over n contacts (at share 0.5)."""
    return float(np.sqrt(0.25 / n))


def two_point_experiment(folder: Path, route: str, name: str = "test sweep") -> Path:
    """``folder/experiment.yaml``: the route file ``route`` (in ``folder``) at ``adoption.q``
    0.2 and 0.4, one replication each."""
    data = {
        "name": name,
        "routes": [route],
        "factors": {"adoption.q": {"values": [0.2, 0.4]}},
        "design": {"kind": "grid"},
        "replications": 1,
    }
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def plan_trials(
    values: list[Any], names: tuple[str, ...] = ("weeks_to_80",), **columns: Any
) -> pd.DataFrame:
    """A plan search's trials table numbered from 0, a column per objective in ``names``, all
    complete and feasible unless ``columns`` (``state``, ``feasible``) say otherwise."""
    table = pd.DataFrame(values, columns=names)
    table.insert(0, "trial", range(len(values)))
    table["state"] = columns.pop("state", ["complete"] * len(values))
    table["feasible"] = columns.pop("feasible", [True] * len(values))
    return table
