"""Broken input gives a clear message and exit status 2, never a traceback.

Every case is written as a user would write it (YAML text, CSV files) and run through the real
command line: in-process with typer's ``CliRunner`` for all cases, and as a real subprocess of
the installed ``changesim`` console script for a few. Random files are the job of
``test_fuzz.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from changesim.cli import app
from tests.builders import EXAMPLE_FILE, EXAMPLE_UNITS, SHIPPED

UNITS = ", ".join(EXAMPLE_UNITS)

#: A ``str.format`` / pydantic placeholder left unfilled in a message, e.g. ``{rule!r}``.
PLACEHOLDER = re.compile(r"\{[A-Za-z_]\w*(![rsa])?(:[^{}]*)?\}")


@dataclass(frozen=True)
class Case:
    """One broken scenario.

    Attributes
    ----------
    files : dict
        File name (inside tmp_path) to text; ``{example}`` is replaced by the path of the
        shipped example organisation.
    target : str
        The file given to the command (may be missing on purpose).
    expect : tuple of str
        Fragments the output must contain: field path, bad value, what is allowed.
    blame : str
        The file the problem is reported against (default: ``target``).
    command : str
        ``validate`` for scenario-level problems, ``run`` for problems only found when the
        population table or edge list is read.
    lines : int
        Number of ``error:`` lines expected (one per problem).
    absent : tuple of str
        Fragments that must not appear.
    """

    files: dict[str, str]
    target: str = "scenario.yaml"
    expect: tuple[str, ...] = ()
    blame: str = ""
    command: str = "validate"
    lines: int = 1
    absent: tuple[str, ...] = field(default=())


def _extends(body: str) -> dict[str, str]:
    """A scenario file that extends the shipped example and changes ``body``."""
    return {"scenario.yaml": "extends: {example}\n" + body}


CASES: dict[str, Case] = {
    "missing_file": Case(
        files={},
        target="no_such_scenario.yaml",
        expect=("no such scenario file",),
    ),
    "bad_yaml_unclosed_bracket": Case(
        files={
            "scenario.yaml": (
                "name: Broken\n"
                "organisation:\n"
                "  units: [{name: back, kind: back_office, headcount: 10}\n"
                "weeks: 10\n"
            )
        },
        expect=("not valid YAML", "line 4"),
    ),
    "top_level_list": Case(
        files={"scenario.yaml": "- name: Example\n- weeks: 10\n"},
        expect=("must be a mapping",),
    ),
    "wrong_type_headcount": Case(
        files=_extends(
            "organisation:\n"
            "  units:\n"
            "    - {name: case_handling, kind: back_office, headcount: many}\n"
        ),
        expect=("organisation.units[0].headcount", "'many'", "integer"),
    ),
    "readiness_mean_out_of_range": Case(
        files=_extends("population:\n  readiness: {mean: 1.4, sd: 0.1}\n"),
        expect=("population.readiness.mean", "1.4", "less than or equal to 1"),
    ),
    "misspelt_key_suggests": Case(
        files=_extends("population:\n  readines: {mean: 0.6}\n"),
        expect=("population.readines", "did you mean 'readiness'", "Allowed keys"),
    ),
    "unknown_key_in_network": Case(
        files=_extends("network: {kind: small_world, degre: 8}\n"),
        expect=("network.degre", "did you mean 'degree'", "rewire"),
        absent=("network.small_world",),
    ),
    "pilot_unknown_unit": Case(
        files=_extends("route: {kind: pilot_then_waves, pilot: nonexistent}\n"),
        expect=("route.pilot", "'nonexistent'", UNITS),
    ),
    "unit_in_two_phases": Case(
        files=_extends(
            "route:\n"
            "  kind: custom\n"
            "  phases:\n"
            "    - {units: [case_handling, web_team]}\n"
            "    - {units: [web_team, contact_centre, service_desks], after_weeks: 8}\n"
        ),
        expect=("route.phases[1].units[0]", "'web_team'", "more than one phase"),
    ),
    "unit_in_no_phase": Case(
        files=_extends(
            "route:\n"
            "  kind: custom\n"
            "  phases:\n"
            "    - {units: [case_handling]}\n"
            "    - {units: [web_team, contact_centre], after_weeks: 8}\n"
        ),
        expect=(": route: ", "service_desks", "every unit must be in one phase"),
    ),
    "cyclic_extends": Case(
        files={
            "a.yaml": "extends: b.yaml\nname: A\n",
            "b.yaml": "extends: a.yaml\nname: B\n",
        },
        target="a.yaml",
        blame="b.yaml",
        expect=("extends", "cycle", "a.yaml -> ", "b.yaml -> "),
    ),
    "extends_missing_file": Case(
        files={"scenario.yaml": "extends: no_such_base.yaml\nname: Orphan\n"},
        expect=("extends", "no such file", "'no_such_base.yaml'"),
    ),
    "unknown_network_kind": Case(
        files=_extends("network: {kind: scale_free, degree: 4}\n"),
        expect=(": network", "'scale_free'", "'complete'", "'small_world'", "'edge_list'"),
    ),
    "unknown_route_kind": Case(
        files=_extends("route: {kind: big_bang}\n"),
        expect=(": route", "'big_bang'", "'combined'", "'pilot_then_waves'", "'custom'"),
    ),
    "unknown_adoption_rule": Case(
        files=_extends("adoption: {rule: contagion}\n"),
        expect=(
            "adoption.rule",
            "unknown adoption rule 'contagion'",
            # Other tests register rules of their own, so check names, not the whole list.
            "registered rules: ",
            "bass",
            "readiness",
            "threshold",
        ),
    ),
    "beta_sd_too_large": Case(
        files=_extends("population:\n  resistance: {mean: 0.1, sd: 0.35}\n"),
        # sqrt(0.1 * 0.9) = 0.3: the message must say how large sd may be.
        expect=("population.resistance.sd", "0.35", "sd < 0.300"),
    ),
    "front_office_without_channel": Case(
        files={
            "scenario.yaml": (
                "name: No channel\n"
                "organisation:\n"
                "  units:\n"
                "    - {name: back, kind: back_office, headcount: 50}\n"
                "    - {name: front, kind: front_office, headcount: 30}\n"
            )
        },
        expect=("organisation.units[1].channel", "web, phone, desk, mail, chat"),
    ),
    "approach_mismatch": Case(
        files=_extends(
            "approach: individual\n"
            "interventions:\n"
            "  - {kind: communication, weeks: 12}\n"
            "  - {kind: work_redesign, weeks: 20, intensity: 0.4}\n"
        ),
        expect=("interventions[1].kind", "'work_redesign'", "communication, training"),
    ),
    "headcount_missing_without_table": Case(
        files={
            "scenario.yaml": (
                "name: No headcount\n"
                "organisation:\n"
                "  units:\n"
                "    - {name: back, kind: back_office, headcount: 50}\n"
                "    - {name: front, kind: front_office, channel: web}\n"
            )
        },
        expect=("organisation.units[1].headcount", "population.table"),
    ),
    "duplicate_unit_name": Case(
        files={
            "scenario.yaml": (
                "name: Twice\n"
                "organisation:\n"
                "  units:\n"
                "    - {name: back, kind: back_office, headcount: 50}\n"
                "    - {name: back, kind: front_office, channel: web, headcount: 20}\n"
            )
        },
        expect=("organisation.units[1].name", "names must be unique", "(got 'back')"),
    ),
    "two_problems_two_lines": Case(
        files=_extends("weeks: -3\nadoption: {rule: readiness, q: 1.5}\n"),
        lines=2,
        expect=(
            "weeks: Input should be greater than or equal to 1 (got -3)",
            "adoption.q: Input should be less than or equal to 1 (got 1.5)",
        ),
    ),
    "population_table_bad_rows": Case(
        files={
            "people.csv": "unit,readiness\nback,0.5\nback,2\nfinance,0.3\nfront,0.4\n",
            "scenario.yaml": (
                "name: From the HR export\n"
                "weeks: 10\n"
                "organisation:\n"
                "  units:\n"
                "    - {name: back, kind: back_office}\n"
                "    - {name: front, kind: front_office, channel: web}\n"
                "population: {table: people.csv}\n"
            ),
        },
        command="run",
        blame="people.csv",
        lines=2,
        expect=(
            "unit (row 3): unknown unit; the organisation has: back, front (got 'finance')",
            "readiness (row 2)",
            "[0, 1]",
            "(got 2",
        ),
        absent=("np.float64", "numpy"),
    ),
    "edge_list_unknown_id": Case(
        files={
            "people.csv": "unit,readiness\nback,0.5\nback,0.2\nfront,0.3\nfront,0.4\n",
            "edges.csv": "source,target\n0,1\n1,2\n2,99\n",
            "scenario.yaml": (
                "name: Measured network\n"
                "weeks: 10\n"
                "organisation:\n"
                "  units:\n"
                "    - {name: back, kind: back_office}\n"
                "    - {name: front, kind: front_office, channel: web}\n"
                "population: {table: people.csv}\n"
                "network: {kind: edge_list, file: edges.csv}\n"
            ),
        },
        command="run",
        blame="edges.csv",
        expect=("target (row 3)", "unknown employee id", "(got 99)"),
        absent=("np.int64", "numpy"),
    ),
}


def write_case(case: Case, directory: Path) -> list[str]:
    """Write the case's files into ``directory``; return the command line arguments."""
    for name, text in case.files.items():
        (directory / name).write_text(
            text.replace("{example}", str(EXAMPLE_FILE)), encoding="utf-8"
        )
    args = [case.command, str(directory / case.target)]
    if case.command == "run":
        args += ["--out", str(directory / "out")]
    return args


def check_failure(case: Case, directory: Path, code: int, stderr: str, output: str) -> None:
    """The checks every broken scenario must pass, whatever ran the command."""
    assert "Traceback" not in output, output
    assert code == 2, f"exit status {code}, expected 2:\n{output}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == case.lines, f"expected {case.lines} error line(s):\n{stderr}"
    blamed = str(directory / (case.blame or case.target))
    for line in lines:
        assert line.startswith("error: "), line
        assert blamed in line, f"{blamed} not named in: {line}"
    for fragment in case.expect:
        assert fragment in stderr, f"{fragment!r} missing from:\n{stderr}"
    for fragment in case.absent:
        assert fragment not in stderr, f"{fragment!r} should not be in:\n{stderr}"
    assert not PLACEHOLDER.search(stderr), f"unfilled placeholder in:\n{stderr}"


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 14


@pytest.mark.parametrize("name", list(CASES))
def test_broken_scenario_cli(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    args = write_case(case, tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    check_failure(case, tmp_path, result.exit_code, result.stderr, result.output)


def _console_script() -> str:
    script = shutil.which("changesim", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the changesim console script is not installed next to this Python")
    return script


@pytest.mark.parametrize(
    "name", ["missing_file", "bad_yaml_unclosed_bracket", "readiness_mean_out_of_range"]
)
def test_broken_scenario_subprocess(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    args = write_case(case, tmp_path)
    done = subprocess.run(
        [_console_script(), *args], capture_output=True, text=True, timeout=60, check=False
    )
    check_failure(case, tmp_path, done.returncode, done.stderr, done.stdout + done.stderr)
    assert done.stdout == ""


def test_several_files_report_all_problems(tmp_path: Path) -> None:
    """validate on two broken files reports both, each against its own file."""
    mean = CASES["readiness_mean_out_of_range"]
    rule = CASES["pilot_unknown_unit"]
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = write_case(mean, tmp_path / "one")[1]
    second = write_case(rule, tmp_path / "two")[1]
    result = CliRunner().invoke(app, ["validate", first, second])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(f"error: {first}: population.readiness.mean")
    assert lines[1].startswith(f"error: {second}: route.pilot")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenarios_validate(path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ok: {path}")
    assert result.stderr == ""


def test_all_shipped_scenarios_validate_together() -> None:
    files = SHIPPED
    assert len(files) >= 6
    result = CliRunner().invoke(app, ["validate", *map(str, files)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("ok: ") == len(files)
