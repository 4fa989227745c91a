"""Mutation testing of the building blocks, one module at a time (``make mutate``).

Each module is mutated by mutmut 3 in a scratch folder of its own (``mutation/<module>/``,
not committed), with only the tests that mirror it selected, so that the score says whether
a module's own tests catch a broken building block. Modules can run in parallel. The scores
are written to ``mutation/scores.json`` and into the table between the markers in
``docs/testing.md``.

Usage::

    python tools/mutate.py                      # every module below, one after the other
    python tools/mutate.py build/selection.py   # one module
    python tools/mutate.py --report             # rewrite the table from mutation/scores.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "mutation"
DOC = ROOT / "docs" / "testing.md"
START, END = "<!-- mutation-scores:start -->", "<!-- mutation-scores:end -->"

#: Module (under src/changesim/) -> the tests that mirror it.
MODULES: dict[str, list[str]] = {
    "analysis/statistics.py": ["tests/analysis"],
    "analysis/summary.py": ["tests/analysis"],
    "model/collector.py": ["tests/model/test_collector.py"],
    "build/network.py": ["tests/build"],
    "build/selection.py": ["tests/build"],
    "model/rules.py": ["tests/model/test_rules.py"],
    "model/routes.py": ["tests/model/test_routes.py"],
    "model/channels.py": ["tests/model/test_channels.py", "tests/model/test_kept_results.py"],
    "model/customers.py": ["tests/model/test_customers.py"],
    "scenario/checks.py": ["tests/scenario"],
    "analysis/verdict.py": ["tests/analysis/test_verdict.py"],
    "scenario/diff.py": ["tests/scenario/test_diff.py"],
    "model/lessons.py": ["tests/model/test_pilot_lessons.py"],
    "model/feeds.py": ["tests/model/test_feeds.py", "tests/model/test_kept_results.py"],
    "analysis/abc.py": ["tests/analysis/test_abc.py"],
    "build/observed.py": ["tests/build/test_observed.py"],
    "scenario/paths.py": ["tests/scenario/test_paths.py"],
    "build/betweenness.py": ["tests/build/test_betweenness.py"],
    "build/banded.py": ["tests/build/test_banded.py"],
    "experiments/plans/progress.py": ["tests/experiments/test_plan_progress.py"],
    "experiments/provenance.py": ["tests/experiments/test_provenance.py"],
    "registry.py": ["tests/test_user_code.py", "tests/experiments/test_provenance.py"],
    "model/exposure.py": ["tests/model/test_exposure.py"],
    "model/influence.py": [
        "tests/model/test_influence.py",
        "tests/model/test_employee_week_identity.py",
    ],
    "model/quality.py": [
        "tests/model/test_quality.py",
        "tests/model/test_employee_week_identity.py",
        "tests/model/test_kept_results.py",
    ],
    "experiments/plans/scoring.py": ["tests/experiments/test_plan_scoring.py"],
    "model/memo.py": ["tests/model/test_memo.py"],
    "model/series.py": ["tests/model/test_collector.py"],
    "model/adoption.py": [
        "tests/model/test_adoption.py",
        "tests/model/test_rules.py",
        "tests/model/test_holdouts.py",
        "tests/model/test_change_model.py",
        "tests/model/test_employee_week_identity.py",
    ],
    "model/interventions.py": [
        "tests/model/test_interventions.py",
        "tests/model/test_intervention_timing.py",
        "tests/model/test_kept_results.py",
    ],
}

#: mutmut's exit codes per mutant, as it reports them.
STATUS = {0: "survived", 1: "killed", 3: "killed", -24: "timeout", 24: "timeout", 33: "no tests"}


def config(module: str, tests: list[str]) -> str:
    """The [tool.mutmut] section for one module."""
    selection = [*tests, "-m", "not slow", "-p", "no:cacheprovider", "-q"]
    return (
        "[tool.mutmut]\n"
        'source_paths = ["src/changesim"]\n'
        f'only_mutate = ["src/changesim/{module}"]\n'
        'also_copy = ["scenarios/"]\n'
        f"pytest_add_cli_args_test_selection = {json.dumps(selection)}\n"
        "\n[tool.pytest.ini_options]\n" + pytest_options()
    )


def pytest_options() -> str:
    """The project's pytest options (markers, warnings as errors), copied verbatim."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[tool.pytest.ini_options]\n", 1)[1]
    return section.split("\n[", 1)[0] + "\n"


def prepare(module: str) -> Path:
    """A fresh scratch folder with the sources, tests and scenarios, and the config."""
    folder = WORK / module.replace("/", ".").removesuffix(".py")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for part in ("src", "tests", "scenarios"):
        shutil.copytree(ROOT / part, folder / part, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "pyproject.toml").write_text(config(module, MODULES[module]), encoding="utf-8")
    return folder


def run(module: str, children: int) -> dict[str, object]:
    """Mutate ``module``; return its counts and survivors."""
    folder = prepare(module)
    mutmut = Path(sys.executable).with_name("mutmut")
    env = {**os.environ, "PYTHONPATH": str(folder / "src")}
    started = time.monotonic()
    subprocess.run(
        [str(mutmut), "run", "--max-children", str(children)],
        cwd=folder,
        env=env,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    listing = subprocess.run(
        [str(mutmut), "results", "--all", "true"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    results = dict(re.findall(r"^\s*(\S+): (\w[\w ]*)$", listing, flags=re.MULTILINE))
    counts: dict[str, int] = {}
    for status in results.values():
        counts[status] = counts.get(status, 0) + 1
    return {
        "module": module,
        "tests": MODULES[module],
        "mutants": len(results),
        "counts": counts,
        "survivors": sorted(k for k, v in results.items() if v != "killed"),
        "minutes": round((time.monotonic() - started) / 60, 1),
    }


def score_row(entry: dict) -> str:
    """One markdown row: module, mutants, killed, survived, score."""
    counts = entry["counts"]
    killed = counts.get("killed", 0)
    total = entry["mutants"]
    others = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s != "killed") or "–"
    score = f"{100 * killed / total:.0f}%" if total else "–"
    tests = ", ".join(f"`{t}`" for t in entry["tests"])
    return f"| `{entry['module']}` | {tests} | {total} | {killed} | {others} | **{score}** |"


def write_report(scores: dict[str, dict]) -> None:
    """Rewrite the score table between the markers in docs/testing.md."""
    rows = [
        "| module | tests selected | mutants | killed | not killed | score |",
        "|---|---|---:|---:|---|---:|",
        *(score_row(scores[m]) for m in MODULES if m in scores),
    ]
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    DOC.write_text(f"{head}{START}\n" + "\n".join(rows) + f"\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules under src/changesim/ (default: all)")
    parser.add_argument("--children", type=int, default=2, help="parallel mutants (default 2)")
    parser.add_argument("--report", action="store_true", help="only rewrite docs/testing.md")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown modules {unknown}; known: {', '.join(MODULES)}")
    store = WORK / "scores.json"
    scores = json.loads(store.read_text()) if store.is_file() else {}
    if not args.report:
        for module in args.modules or list(MODULES):
            entry = run(module, args.children)
            scores[module] = entry
            store.write_text(json.dumps(scores, indent=2))  # keep every finished module
            print(score_row(entry), flush=True)
    write_report(scores)


if __name__ == "__main__":
    main()
