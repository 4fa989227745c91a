"""The user's own code from a file (:func:`changesim.load_extensions`, ``changesim --with``):
it registers, its errors name the file and line, and its functions reach Dask workers."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import changesim
from changesim import registry
from changesim.cli import EXIT_INVALID, app
from changesim.registry import RULES
from tests.builders import BO, WEB, org, two_point_experiment

RULES_FILE = """\
import changesim
from changesim.model.rules import bass


@changesim.register_rule("{name}")
def half_bass(inputs):
    return {factor} * bass(inputs)
"""


@pytest.fixture
def user_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``tmp_path/user_rules_for_test.py`` registering ``half_bass_file`` (written by the test
    with :func:`write`); the rule, the module and the record of loaded files are as before
    afterwards."""
    monkeypatch.setattr(registry, "_LOADED", [])
    path = tmp_path / "user_rules_for_test.py"
    yield path
    sys.modules.pop(path.stem, None)
    if "half_bass_file" in RULES:
        RULES.unregister("half_bass_file")


def write(path: Path, factor: float = 0.5, name: str = "half_bass_file") -> Path:
    path.write_text(RULES_FILE.format(name=name, factor=factor), encoding="utf-8")
    return path


def scenario_file(folder: Path, rule: str = "half_bass_file") -> Path:
    path = folder / "scenario.yaml"
    data = org([BO, WEB], weeks=8, name="route", adoption={"rule": rule})
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_file_registers_its_rule_and_results_name_it(user_file: Path, tmp_path: Path) -> None:
    module = changesim.load_extensions(write(user_file))
    assert module.__name__ == "user_rules_for_test"
    scenario = changesim.load_scenario(scenario_file(tmp_path))
    result = changesim.simulate(scenario, seed=1)
    assert result.extensions == {"adoption rule half_bass_file": "user_rules_for_test.half_bass"}


def test_loading_the_file_again_runs_its_new_code(user_file: Path, tmp_path: Path) -> None:
    changesim.load_extensions(write(user_file, factor=0.5))
    scenario = changesim.load_scenario(scenario_file(tmp_path))
    slow = changesim.simulate(scenario, seed=1).summary["final_adopted_share"]
    changesim.load_extensions(write(user_file, factor=1.0))  # now bass itself
    same = changesim.simulate(scenario, seed=1).summary["final_adopted_share"]
    plain = changesim.simulate(
        changesim.load_scenario(scenario_file(tmp_path, rule="bass")), seed=1
    ).summary["final_adopted_share"]
    assert same == plain
    assert slow < plain


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x = 1\ny = 1 / 0\n",
            r"user_rules_for_test.py \(line 2\): ZeroDivisionError: division by zero",
        ),
        ("def f(:\n", r"user_rules_for_test.py \(line 1\): SyntaxError: "),
        ("import no_such_module_here\n", r"\(line 1\): ModuleNotFoundError: No module named"),
    ],
)
def test_an_error_in_the_file_names_the_file_line_and_error(
    user_file: Path, text: str, message: str
) -> None:
    user_file.write_text(text, encoding="utf-8")
    with pytest.raises(ImportError, match=message):
        changesim.load_extensions(user_file)
    assert user_file.stem not in sys.modules  # not half imported


def test_a_missing_file_a_non_python_file_and_a_taken_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportError, match=r"missing.py: not a Python file \(.py\) that exists"):
        changesim.load_extensions(tmp_path / "missing.py")
    (tmp_path / "rules.txt").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ImportError, match=r"rules\.txt: not a Python file"):
        changesim.load_extensions(tmp_path / "rules.txt")
    (tmp_path / "json.py").write_text("x = 1\n", encoding="utf-8")
    with pytest.raises(ImportError, match="a module named 'json' is already imported"):
        changesim.load_extensions(tmp_path / "json.py")
    assert sys.modules["json"] is json


def test_the_command_line_loads_it_with_with(user_file: Path, tmp_path: Path) -> None:
    scenario = str(scenario_file(tmp_path))
    refused = CliRunner().invoke(app, ["validate", scenario])
    assert refused.exit_code == EXIT_INVALID
    assert "unknown adoption rule 'half_bass_file'" in refused.output
    ran = CliRunner().invoke(
        app, ["--with", str(write(user_file)), "run", scenario, "--out", str(tmp_path / "run")]
    )
    assert ran.exit_code == 0, ran.output
    meta = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert meta["extensions"] == {"adoption rule half_bass_file": "user_rules_for_test.half_bass"}
    broken = tmp_path / "broken.py"
    broken.write_text("raise ValueError('no')\n", encoding="utf-8")
    failed = CliRunner().invoke(app, ["--with", str(broken), "validate", scenario])
    assert failed.exit_code == EXIT_INVALID
    assert "error: --with" in failed.output
    assert "broken.py (line 1): ValueError: no" in failed.output


def test_its_rule_reaches_dask_workers_from_the_command_line(
    user_file: Path, tmp_path: Path
) -> None:
    """The workers cannot import the file: its functions go to them as code."""
    scenario_file(tmp_path)
    experiment = two_point_experiment(tmp_path, "scenario.yaml")
    args = ["--with", str(write(user_file)), "sweep", str(experiment)]
    here = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "here"), "--workers", "1"])
    assert here.exit_code == 0, here.output
    there = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "there"), "--dask-local", "1"])
    assert there.exit_code == 0, there.output
    import pandas as pd

    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "there" / "runs")
        .sort_values(["design_point"])
        .reset_index(drop=True),
        pd.read_parquet(tmp_path / "here" / "runs")
        .sort_values(["design_point"])
        .reset_index(drop=True),
    )


def test_the_browser_views_server_loads_the_same_files(
    user_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``changesim --with rules.py app`` serves the page from a child process: the files go
    to it in its environment and are loaded before the page is built."""
    import importlib

    from changesim.app import server

    scenario = scenario_file(tmp_path)
    changesim.load_extensions(write(user_file))
    env = server.environment(scenario)
    assert env[server.WITH_VARIABLE] == str(user_file.resolve())
    RULES.unregister("half_bass_file")  # as in a fresh process
    sys.modules.pop(user_file.stem)
    monkeypatch.setenv(server.SCENARIO_VARIABLE, env[server.SCENARIO_VARIABLE])
    monkeypatch.setenv(server.WITH_VARIABLE, env[server.WITH_VARIABLE])
    served = importlib.reload(importlib.import_module("changesim.app.served"))
    assert "half_bass_file" in RULES
    assert served.page is not None


def test_a_worker_without_the_users_module_says_so(tmp_path: Path) -> None:
    """A rule imported from a module on this process's path only (not loaded with --with) is
    sent by name; the Dask worker cannot import it and the sweep stops with a message saying
    what to do, not a hang or a traceback from inside Dask."""
    from changesim.experiments.executors import DaskExecutor
    from changesim.experiments.sweeps import sweep

    package = tmp_path / "only_here"
    package.mkdir()
    write(package / "rules_only_here.py", name="half_bass_only_here")
    sys.path.insert(0, str(package))
    import rules_only_here  # noqa: F401  (registers the rule)

    sys.path.remove(str(package))  # the workers start without it (spawned with our sys.path)

    try:
        scenario_file(tmp_path, rule="half_bass_only_here")
        path = two_point_experiment(tmp_path, "scenario.yaml")
        executor = DaskExecutor(local_workers=1)
        try:
            with pytest.raises(
                ImportError, match="a worker could not load your own rules"
            ) as caught:
                sweep(path, tmp_path / "out", executor=executor)
        finally:
            executor.close()
        assert "No module named 'rules_only_here'" in str(caught.value)
        assert "--with" in str(caught.value)
    finally:
        RULES.unregister("half_bass_only_here")
        sys.modules.pop("rules_only_here", None)
