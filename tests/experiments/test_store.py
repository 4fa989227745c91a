"""The run store: keys that change with everything that makes a run; whole runs only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import changesim
import changesim.experiments.replications as replications
from changesim.experiments.store import RunStore, scenario_key, slug
from tests.builders import BO, WEB, org, table_scenario


def test_stored_runs_are_keyed_on_the_table_contents(tmp_path: Path) -> None:
    """compare reuses a stored run only if the data files it read are unchanged."""
    first = scenario_key(table_scenario(tmp_path, ["no"] * 4))
    assert scenario_key(table_scenario(tmp_path, ["no"] * 4)) == first
    changed = table_scenario(tmp_path, ["no", "no", "yes", "no"])  # same path, new contents
    assert scenario_key(changed) != first


def test_keys_change_with_any_field_and_the_version(monkeypatch) -> None:
    base = changesim.load_scenario(org([BO, WEB]))
    other = changesim.load_scenario(org([BO, WEB], adoption={"q": 0.41}))
    key = scenario_key(base)
    assert len(key) == 12
    assert scenario_key(changesim.load_scenario(org([BO, WEB]))) == key
    assert scenario_key(other) != key
    monkeypatch.setattr("changesim.experiments.store.__version__", "9.9.9")
    assert scenario_key(base) != key


def test_a_saved_run_loads_back_and_a_half_written_one_does_not(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "runs")
    weekly = pd.DataFrame({"week": [0, 1], "unit": ["all", "all"], "adopted": [0, 3]})
    assert store.load("r-1") is None
    store.save("r-1", weekly, {"weeks_to_50": 1.0})
    loaded = store.load("r-1")
    assert loaded is not None
    pd.testing.assert_frame_equal(loaded[0], weekly)
    assert loaded[1] == {"weeks_to_50": 1.0}
    assert not list((tmp_path / "runs").glob("*.tmp"))
    (tmp_path / "runs" / "r-1.json").unlink()  # the summary marks a whole run
    assert store.load("r-1") is None


def test_names_are_file_safe() -> None:
    assert slug("Back-office first (2)") == "back_office_first_2"
    assert slug("***") == "scenario"
    assert RunStore.name("Big bang!", "abc", 7) == "big_bang-abc-7"


def damage(path: Path, how: str) -> None:
    """Empty or cut a stored file, as a full disk or an interrupted copy would."""
    if how == "empty":
        path.write_bytes(b"")
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("how", ["empty", "truncated"])
@pytest.mark.parametrize("suffix", [".parquet", ".json"])
def test_a_damaged_stored_file_is_a_missing_run(tmp_path: Path, how: str, suffix: str) -> None:
    store = RunStore(tmp_path)
    weekly = pd.DataFrame({"week": range(50), "adopted": range(50)})
    store.save("r", weekly, {"weeks_to_50": 3.0, "churned_share": 0.01})
    damage(tmp_path / f"r{suffix}", how)
    assert store.load("r") is None
    assert store.damaged == ["r"]


def test_compare_recomputes_damaged_runs_and_matches_an_uninterrupted_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Damage two stored runs: the rerun recomputes exactly those, reports them, and gives the
    same results as a comparison that was never interrupted."""
    import yaml

    path = tmp_path / "route.yaml"
    path.write_text(yaml.safe_dump(org([BO, WEB], weeks=12)), encoding="utf-8")
    clean = changesim.compare([path], replications=3, seed=5, out=tmp_path / "clean")
    out = tmp_path / "damaged"
    changesim.compare([path], replications=3, seed=5, out=out)
    stored = sorted((out / "runs").glob("*.parquet"))
    damage(stored[0], "empty")
    damage(stored[1].with_suffix(".json"), "truncated")
    calls: list[int] = []
    real = replications.simulate

    def counting(scenario: changesim.Scenario, *, seed: int | None = None) -> changesim.RunResult:
        calls.append(seed)
        return real(scenario, seed=seed)

    monkeypatch.setattr(replications, "simulate", counting)
    again = changesim.compare([path], replications=3, seed=5, out=out)
    assert len(calls) == 2
    assert sorted(again.recomputed) == sorted([stored[0].stem, stored[1].stem])
    pd.testing.assert_frame_equal(again.runs, clean.runs)
    pd.testing.assert_frame_equal(again.summary, clean.summary)
    assert not clean.recomputed
