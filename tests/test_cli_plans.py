"""``changesim optimise`` end to end, and the bad plan-search files it refuses with exit
status 2 and a message naming the file, the field, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import changesim
from changesim.cli import app
from tests.builders import BO, WEB, org

BASE = org(
    [BO, WEB],
    weeks=12,
    interventions=[
        {"kind": "communication", "weeks": 4, "intensity": 0.5, "cost_per_week": 1000},
        {"kind": "training", "weeks": 4, "intensity": 0.5, "cost_per_week": 1000},
    ],
)
GOOD: dict[str, Any] = {
    "name": "cli plan",
    "base": "base.yaml",
    "routes": {
        "bang": {"route": {"kind": "combined"}},
        "back": {
            "route": {"kind": "back_office_first"},
            "levers": {"route.gap_weeks": {"low": 2, "high": 6}},
        },
    },
    "levers": {
        "interventions[0].intensity": {"low": 0.1, "high": 1.0},
        "interventions[1].use": {"values": [True, False]},
    },
    "budget": {"total": 6000},
    "objectives": {"weeks_to_50": "minimise", "total_intervention_cost": "minimise"},
    "uncertain": {
        "factors": {"adoption.q": {"low": 0.2, "high": 0.5}},
        "design": {"kind": "lhs", "samples": 2},
        "replications": 1,
    },
    "search": {"batch": 4},
}


def plan_file(folder: Path, **changes: Any) -> Path:
    (folder / "base.yaml").write_text(yaml.safe_dump(BASE), encoding="utf-8")
    data = {**GOOD, **changes}
    path = folder / "plan.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def optimise(path: Path, *extra: str):
    args = ["optimise", str(path), "--out", str(path.parent / "out"), "--workers", "1"]
    return CliRunner().invoke(app, [*args, *extra])


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        (
            {"budjet": {"total": 1}},
            "plan.yaml: budjet: unknown key 'budjet'; did you mean 'budget'?",
        ),
        (
            {"levers": {"interventions[0].intensity": {"low": 0.1, "high": 1.5}}},
            "plan.yaml: levers.interventions[0].intensity: the value is not allowed here: "
            "interventions[0].intensity: Input should be less than or equal to 1 (got 1.5)",
        ),
        (
            {"levers": {"interventions[0].intensty": {"low": 0, "high": 1}}},
            "plan.yaml: levers.interventions[0].intensty: not a field of route 'bang': "
            "interventions[0] has no field 'intensty'; it has: cost_fixed",
        ),
        (
            {"levers": {"interventions[5].use": {"values": [True, False]}}},
            "plan.yaml: levers.interventions[5].use: use is a lever of an intervention, "
            "interventions[i].use with i below 2 (got 'interventions[5].use')",
        ),
        (
            {"objectives": {"weeks_to_85": "minimise"}},
            "plan.yaml: objectives.weeks_to_85: 'weeks_to_85' is not a metric; allowed: "
            "weeks_to_50",
        ),
        (
            {"objectives": {"mean_satisfaction": "maximise"}},
            "plan.yaml: objectives.mean_satisfaction: is a customer metric; the base scenario has "
            "no customers section",
        ),
        (
            {"objectives": {"weeks_to_50": "fastest"}},
            "plan.yaml: objectives.weeks_to_50: Input should be 'minimise', 'maximise', "
            "'minimize' or 'maximize' (got 'fastest')",
        ),
        (
            {"robustness": {"measure": "median"}},
            "plan.yaml: robustness.measure: Input should be 'mean', 'quantile' or 'regret' "
            "(got 'median')",
        ),
        (
            {"budget": {"total": -5}},
            "plan.yaml: budget.total: Input should be greater than 0 (got -5)",
        ),
        (
            {"uncertain": {"factors": {"adoption.qq": {"low": 0, "high": 1}}}},
            "plan.yaml: uncertain.factors.adoption.qq: not a field of route 'bang': adoption has "
            "no field 'qq'",
        ),
        (
            {"routes": {"bang": {"route": {"kind": "sideways"}}, "back": {"file": "nowhere.yaml"}}},
            "plan.yaml: routes.bang.route: route.kind: Input tag 'sideways' found using 'kind' "
            "does not match any of the expected tags: 'back_office_first', 'front_office_first', "
            "'combined', 'pilot_then_waves', 'custom' (got {'kind': 'sideways'})",
        ),
    ],
)
def test_bad_plan_files_exit_2_naming_file_field_value_and_what_is_allowed(
    tmp_path: Path, changes: dict[str, Any], line: str
) -> None:
    result = optimise(plan_file(tmp_path, **changes))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert str(tmp_path / line.split(":")[0]) + line[len(line.split(":")[0]) :] in result.output
    assert not (tmp_path / "out" / "front.csv").exists()


def test_every_problem_of_the_routes_is_named(tmp_path: Path) -> None:
    routes = {"bang": {"route": {"kind": "sideways"}}, "back": {"file": "nowhere.yaml"}}
    result = optimise(plan_file(tmp_path, routes=routes))
    assert result.exit_code == 2
    assert f"{tmp_path / 'plan.yaml'}: routes.bang.route: route.kind:" in result.output
    assert f"{tmp_path / 'nowhere.yaml'}: no such scenario file" in result.output


def test_a_missing_plan_file(tmp_path: Path) -> None:
    result = optimise(tmp_path / "absent.yaml")
    assert result.exit_code == 2
    assert "absent.yaml: no such plan-search file" in result.output


def test_optimise_writes_the_front_and_resumes(tmp_path: Path) -> None:
    path = plan_file(tmp_path)
    first = optimise(path, "--trials", "4")
    assert first.exit_code == 0, first.output
    assert "4 plans tried (4 now)" in first.output
    second = optimise(path, "--trials", "8")
    assert second.exit_code == 0, second.output
    assert "8 plans tried (4 now)" in second.output
    out = tmp_path / "out"
    for name in ("front.csv", "front.png", "trials.csv", "comparison.csv", "report.md"):
        assert (out / name).is_file(), name
    for plan in (out / "plans").glob("*.yaml"):
        changesim.load_scenario(plan)
    other = plan_file(tmp_path, seed=9)
    refused = optimise(other, "--trials", "8")
    assert refused.exit_code == 2
    assert "holds another plan search" in refused.output
