"""The run store: keys that change with everything that makes a run."""

from __future__ import annotations

import changesim

UNITS = [
    {"name": "bo", "kind": "back_office"},
    {"name": "web", "kind": "front_office", "channel": "web"},
]


def scenario(tmp_path, marks: list[str], *, choose: str = "table", units=UNITS):
    rows = ["unit,initial_adopter"] + [
        f"{'bo' if i % 2 == 0 else 'web'},{mark}" for i, mark in enumerate(marks)
    ]
    (tmp_path / "people.csv").write_text("\n".join(rows) + "\n")
    return changesim.load_scenario(
        {
            "weeks": 1,
            "organisation": {"units": units},
            "population": {"table": str(tmp_path / "people.csv")},
            "adoption": {"initial_adopters": {"choose": choose}, "p": 0, "q": 0},
        }
    )


def test_stored_runs_are_keyed_on_the_table_contents(tmp_path):
    """compare reuses a stored run only if the data files it read are unchanged."""
    from changesim.experiments.store import scenario_key

    first = scenario_key(scenario(tmp_path, ["no"] * 4))
    assert scenario_key(scenario(tmp_path, ["no"] * 4)) == first
    changed = scenario(tmp_path, ["no", "no", "yes", "no"])  # same path, new contents
    assert scenario_key(changed) != first
