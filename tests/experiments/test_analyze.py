"""Analysing sweeps: sensitivity indices that know which factor matters, route comparisons
that find a better route, and the written report."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import changesim
from changesim.experiments.analyze import analyze
from changesim.experiments.sweeps import sweep
from tests.builders import BO, WEB, org

#: One unit of 2,000 on the complete network: the Bass curve, nearly deterministic, so that
#: seed noise is a small part of the variance of the weeks to 80%.
BIG = {"name": "everyone", "kind": "back_office", "headcount": 2000}


def experiment(
    folder: Path, design: dict, routes: dict[str, dict] | None = None, **fields: object
) -> Path:
    """An experiment over adoption.q (it decides the pace) and adoption.k (the Bass rule
    ignores it)."""
    routes = routes or {"bass": {"kind": "combined"}}
    names = []
    for name, route in routes.items():
        units = [BIG] if len(routes) == 1 else [BO, WEB]
        data = org(units, name=name, weeks=80, route=route)
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        names.append(f"{name}.yaml")
    spec = {
        "name": "analysis test",
        "routes": names,
        "factors": {"adoption.q": {"low": 0.15, "high": 0.6}, "adoption.k": {"low": 0, "high": 20}},
        "design": design,
        "replications": 1,
        "seed": 5,
        **fields,
    }
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_sobol_indices_know_the_factor_that_matters(tmp_path: Path) -> None:
    """weeks to 80% depends on q alone: its indices are near 1 (1 inside their 95% interval),
    k's near 0 (only the seeds differ between points, a small share of the variance here).
    Saltelli's estimator needs N = 64 (256 runs) for intervals this narrow."""
    sweep(experiment(tmp_path, {"kind": "sobol", "samples": 64}), tmp_path / "out", workers=2)
    found = analyze(tmp_path / "out", metrics=["weeks_to_80"]).sensitivity.set_index("factor")
    q, k = found.loc["adoption.q"], found.loc["adoption.k"]
    for index in ("S1", "ST"):
        assert q[index] > 0.8
        assert abs(q[index] - 1) <= q[f"{index}_conf"]
    assert k["ST"] < 0.05
    assert abs(k["S1"]) <= k["S1_conf"]
    assert k["ST"] + k["ST_conf"] < q["ST"] - q["ST_conf"]


def test_morris_ranks_the_factor_that_matters(tmp_path: Path) -> None:
    sweep(experiment(tmp_path, {"kind": "morris", "samples": 6}), tmp_path / "out", workers=2)
    found = analyze(tmp_path / "out", metrics=["weeks_to_80"]).sensitivity.set_index("factor")
    assert found.loc["adoption.q", "mu_star"] > 5 * found.loc["adoption.k", "mu_star"]


def test_a_clearly_better_route_is_found(tmp_path: Path) -> None:
    """All at once against the back-office first with a 20-week gap: the big bang reaches 80%
    sooner in every situation."""
    routes = {"bang": {"kind": "combined"}, "slow": {"kind": "back_office_first", "gap_weeks": 20}}
    path = experiment(tmp_path, {"kind": "lhs", "samples": 6}, routes=routes, replications=2)
    sweep(path, tmp_path / "out", workers=2)
    analysis = analyze(tmp_path / "out", metrics=["weeks_to_80"])
    best = analysis.p_best.set_index("route")
    assert best.loc["bang", "p_best"] == 1.0
    assert best.loc["bang", "situations"] == 12
    difference = analysis.differences.iloc[0]
    assert difference["route"] == "slow"
    assert difference["ci_low"] > 0  # slow - bang: more weeks
    written = analysis.save(tmp_path / "analysis")
    html = (tmp_path / "analysis" / "report.html").read_text(encoding="utf-8")
    assert "bang 100%" in html
    assert "data:image/png;base64," in html
    assert {p.name for p in written} >= {"p_best.csv", "differences.csv", "report.html"}
    # the answer over the uncertainty space opens the report: paired over all 12 situations
    verdict = analysis.verdict
    assert verdict is not None
    assert verdict.ranking("weeks_to_80").best == "bang"
    assert verdict.ranking("weeks_to_80").replications == 12
    low, high = difference["ci_low"], difference["ci_high"]
    assert verdict.tradeoff.startswith(
        f"bang is best on every key metric (weeks to 80%); it reaches 80% "
        f"{difference['mean_difference']:.1f} weeks sooner than the next best, slow "
        f"[{low:.1f}, {high:.1f}]"
    )
    assert html.index(verdict.tradeoff) < html.index("Which route is best, how often")


def test_analysis_errors_are_sentences(tmp_path: Path) -> None:
    with pytest.raises(changesim.ScenarioError, match="holds no sweep"):
        analyze(tmp_path)
    sweep(experiment(tmp_path, {"kind": "lhs", "samples": 2}), tmp_path / "out", workers=1)
    with pytest.raises(changesim.ScenarioError, match="not in the runs"):
        analyze(tmp_path / "out", metrics=["weeks_to_81"])
