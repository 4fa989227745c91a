"""Hostile scenario files get a clear error in bounded time: deep nesting, alias bombs, huge
files, odd paths, files that are not scenarios, non-finite and out-of-range numbers."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import changesim
from changesim.cli import app
from changesim.scenario.files import MAX_BYTES, MAX_DEPTH, MAX_VALUES
from tests.builders import EXAMPLE_FILE

#: Seconds any one of these inputs may take before the test counts it as a hang.
HANG = 20


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail (instead of hanging the suite) if a test takes longer than HANG seconds."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {HANG} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(HANG)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def problem_of(source: object, **kwargs: object) -> changesim.scenario.Problem:
    """The single problem loading ``source`` reports."""
    with pytest.raises(changesim.ScenarioError) as caught:
        changesim.load_scenario(source, **kwargs)  # type: ignore[arg-type]
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


def validate(*paths: Path) -> tuple[int, str]:
    """``changesim validate`` in-process: exit status and error output."""
    result = CliRunner().invoke(app, ["validate", *map(str, paths)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stderr


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- YAML bounds


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_thousands_of_nested_brackets_are_refused_without_recursion_error(
    tmp_path: Path, opening: str
) -> None:
    path = write(tmp_path, "deep.yaml", "name: x\nweeks: " + opening * 5000)
    problem = problem_of(path)
    assert problem.file == str(path)
    assert f"nested more than {MAX_DEPTH} levels" in problem.message


def test_nesting_within_the_bound_is_read(tmp_path: Path) -> None:
    nested = "[" * 10 + "1" + "]" * 10
    text = f"extends: {EXAMPLE_FILE}\nadoption: {{params: {{deep: {nested}}}}}\n"
    problem = problem_of(write(tmp_path, "ok.yaml", text))
    assert problem.path == "adoption.params.deep"  # a schema error (params are numbers)
    assert "nested" not in problem.message


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """Nine levels of ten aliases expand to 10^9 values; the loader stops after 10^5."""
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("adoption: {params: *a9}")
    problem = problem_of(write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n"))
    assert f"more than {MAX_VALUES:,} values" in problem.message
    assert "aliases" in problem.message


def test_a_mapping_from_python_is_bounded_too() -> None:
    deep: object = 1
    for _ in range(MAX_DEPTH + 5):
        deep = [deep]
    assert "nested more than" in problem_of({"adoption": {"params": deep}}).message
    shared = list(range(1000))
    wide = {"adoption": {"params": {f"k{i}": shared for i in range(200)}}}
    assert "values" in problem_of(wide).message


def test_a_file_above_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", "# " + "x" * MAX_BYTES + "\nname: big\n")
    problem = problem_of(path)
    assert f"limited to {MAX_BYTES:,}" in problem.message
    assert f"{path.stat().st_size:,} bytes" in problem.message


# --------------------------------------------------------------------------- odd paths


def test_extends_a_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    problem = problem_of(write(tmp_path, "s.yaml", "extends: sub\n"))
    assert problem.path == "extends"
    assert "folder" in problem.message


def test_extends_a_device(tmp_path: Path) -> None:
    problem = problem_of({"extends": os.devnull})
    assert problem.path == "extends"
    assert "not a regular file" in problem.message


def test_extends_a_pipe_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    problem = problem_of(write(tmp_path, "s.yaml", "extends: pipe\n"))
    assert "not a regular file" in problem.message


@pytest.mark.parametrize(
    ("name", "says"),
    [("bad\x00name.yaml", "NUL character"), ("x" * 300 + ".yaml", "cannot be opened")],
    ids=["nul", "too-long"],
)
def test_extends_an_impossible_name(tmp_path: Path, name: str, says: str) -> None:
    problem = problem_of({"extends": name}, base_dir=tmp_path)
    assert problem.path == "extends"
    assert says in problem.message


def test_a_long_extends_chain_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "s0.yaml", f"extends: {EXAMPLE_FILE}\n")
    for i in range(1, 30):
        write(tmp_path, f"s{i}.yaml", f"extends: s{i - 1}.yaml\n")
    problem = problem_of(tmp_path / "s29.yaml")
    assert "more than 20 files extend one another" in problem.message


def test_twenty_files_in_a_chain_are_fine(tmp_path: Path) -> None:
    write(tmp_path, "s0.yaml", f"extends: {EXAMPLE_FILE}\n")
    for i in range(1, 19):
        write(tmp_path, f"s{i}.yaml", f"extends: s{i - 1}.yaml\nweeks: {i}\n")
    assert changesim.load_scenario(tmp_path / "s18.yaml").weeks == 18


def test_a_table_given_as_a_scenario_is_refused_without_its_content(tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", "unit,readiness\nsecret_unit,0.5\n")
    problem = problem_of(path)
    assert "must be a mapping" in problem.message
    assert "secret_unit" not in str(problem)
    code, stderr = validate(path)
    assert code == 2
    assert "secret_unit" not in stderr


def test_yaml_errors_do_not_quote_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "name: [secret_words\nweeks: 3\n")
    problem = problem_of(path)
    assert "not valid YAML at line" in problem.message
    assert "secret_words" not in str(problem)


def test_a_binary_file_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "image.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert "not a UTF-8 text file" in problem_of(path).message


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("adoption: {p: .nan}", "adoption.p"),
        ("quality: {new_level: .inf}", "quality.new_level"),
        ("population: {readiness: {mean: .nan}}", "population.readiness.mean"),
    ],
)
def test_non_finite_numbers_are_refused(tmp_path: Path, text: str, path: str) -> None:
    problem = problem_of(write(tmp_path, "s.yaml", f"extends: {EXAMPLE_FILE}\n{text}\n"))
    assert problem.path == path
    assert "finite" in problem.message


@pytest.mark.parametrize(
    ("text", "path", "bound"),
    [
        ("route: {kind: combined, start: 100000000000000000000}", "route.start", "10000"),
        ("interventions: [{kind: training, weeks: 99999}]", "interventions[0].weeks", "10000"),
        (
            "interventions: [{kind: training, cost_per_week: 1e300}]",
            "interventions[0].cost_per_week",
            "1000000000000",
        ),
        ("network: {kind: ring, degree: 123456}", "network.degree", "10000"),
        ("seed: 99999999999999999999999", "seed", "9223372036854775807"),
    ],
)
def test_numbers_beyond_their_bound_are_refused(
    tmp_path: Path, text: str, path: str, bound: str
) -> None:
    problem = problem_of(write(tmp_path, "s.yaml", f"extends: {EXAMPLE_FILE}\n{text}\n"))
    assert problem.path == path
    assert bound in problem.message


def test_long_values_are_shown_short_with_their_length(tmp_path: Path) -> None:
    problem = problem_of(
        write(tmp_path, "s.yaml", f"extends: {EXAMPLE_FILE}\nname: [{'x' * 5000}]\n")
    )
    shown = str(problem)
    assert len(shown) < 300
    assert "(1 item)" in shown or "characters" in shown
