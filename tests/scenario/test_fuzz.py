"""Fuzzing: any scenario file gives a clean error or a run with finite, in-range results.

Hypothesis writes scenario *files* as a hostile tester would: the shipped ones with keys
deleted, renamed, misspelt and added, values of the wrong type, out of range, huge, NaN or
empty, units that do not exist, lists duplicated; then, in the text, deep nesting, alias bombs,
cut-off and binary content; odd paths for ``extends``, tables and edge lists (devices, folders,
NUL bytes, over-long names); and population tables and edge lists with text in numeric
columns, mixed types, missing columns, or no table at all.

Each file is loaded and its data files are read (``changesim validate`` does the same). The
only exception allowed is ``ScenarioError``, and each of its problems names the file. A valid
file is then run for a few weeks on a small organisation (headcounts, customers and weeks
capped, everything else as written), and every number it reports must be finite and in range,
or NaN exactly where the metric declares when it is undefined. No case may take more than
``HANG_SECONDS``.

CI runs ``FUZZ_EXAMPLES`` cases; ``make fuzz`` runs 10,000 (``CHANGESIM_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import copy
import math
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import changesim
from changesim.analysis.metrics import metric
from changesim.build.tables import check_data_files
from tests.builders import EXAMPLE_FILE, EXAMPLE_UNITS, ROUTE_FILES, read_yaml

#: Cases per run: a bounded number in CI, many more with ``make fuzz``.
FUZZ_EXAMPLES = int(os.environ.get("CHANGESIM_FUZZ_EXAMPLES", "120"))
#: A case that takes longer than this counts as a hang.
HANG_SECONDS = 20
#: Caps applied to a valid scenario before it is run, so that each run takes a moment.
RUN_WEEKS, RUN_HEADCOUNT, RUN_CUSTOMERS = 4, 40, 300

EXAMPLE = read_yaml(EXAMPLE_FILE)
#: The shipped route files as written (each extends the example).
ROUTES = {path.name: read_yaml(path) for path in ROUTE_FILES if path != EXAMPLE_FILE}

# --------------------------------------------------------------------------- values

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-3, max_value=3),
    st.integers(min_value=10**6, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-0.5, max_value=1.5),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "web",
            "back_office",
            "front_office",
            "small_world",
            "erdos_renyi",
            "edge_list",
            "complete",
            "pilot_then_waves",
            "custom",
            *EXAMPLE_UNITS,
            "table",
            "work_redesign",
            "1e400",
            "nan",
            ".inf",
            "friday",
        ]
    ),
)
keys = st.one_of(
    st.text(max_size=10),
    st.integers(-2, 5),
    st.sampled_from(["kind", "name", "customers", "units", "table", "file", "extends"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=6,
)
#: Paths a scenario may name that are not regular files, or not files at all.
odd_paths = st.sampled_from(
    [os.devnull, ".", "..", "missing.yaml", "bad\x00name.csv", "x" * 300, "people.csv", ""]
)


def positions(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every position in a nested mapping/list, as a tuple of keys and indices."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, child in node.items():
            found += positions(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += positions(child, (*prefix, i))
    return found


def parent_of(tree: dict, position: tuple) -> Any:
    node: Any = tree
    for part in position[:-1]:
        node = node[part]
    return node


def misspelt(key: object) -> st.SearchStrategy:
    """A misspelling of ``key`` (drop, double or add one character) or a random key."""
    text = str(key)
    options: list = [keys]
    if text:
        options.append(st.integers(0, len(text) - 1).map(lambda i: text[:i] + text[i + 1 :]))
        options.append(st.integers(0, len(text) - 1).map(lambda i: text[:i] + text[i] + text[i:]))
        options.append(st.text(min_size=1, max_size=1).map(lambda c: text + c))
    return st.one_of(options)


@st.composite
def mutated(draw: st.DrawFn, base: dict) -> dict:
    """``base`` with one to three random edits."""
    tree = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        found = positions(tree)
        if not found:
            break
        position = draw(st.sampled_from(found))
        parent = parent_of(tree, position)
        last = position[-1]
        action = draw(st.sampled_from(["delete", "replace", "rename", "add", "duplicate"]))
        if action == "delete":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(misspelt(last))] = parent.pop(last)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(keys)] = draw(values)
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(last, copy.deepcopy(parent[last]))
        else:
            parent[last] = draw(values)
    return tree


#: Settings at the edges of what the schema accepts, where a model's equations break first.
EXTREMES: list[tuple[tuple, list]] = [
    (("weeks",), [1, 2]),
    (("quality", "learning_start"), [0.0, 2.9]),
    (("quality", "new_level"), [0.01, 3.0]),
    (("quality", "mixing_penalty"), [0.0, 1.0]),
    (("quality", "learning_weeks"), [1e-6, 520]),
    (("quality", "cutover_share"), [0.01, 1.0]),
    (("adoption", "p"), [0.0, 1.0]),
    (("adoption", "q"), [0.0, 1.0]),
    (("adoption", "k"), [0.0, 100.0]),
    (("adoption", "revert"), [0.0, 1.0]),
    (("influence", "readiness_influence"), [0.0, 1.0]),
    (("influence", "fatigue"), [0.0, 1.0]),
    (("population", "readiness"), [{"mean": 0.0}, {"mean": 1.0}, {"mean": 0.5, "sd": 0.49}]),
    (("population", "resistance"), [{"mean": 1.0}, {"mean": 0.0, "sd": 0.0}]),
    (("population", "manager_share"), [0.0, 1.0]),
    (
        ("network",),
        [
            {"kind": "complete"},
            {"kind": "ring", "degree": 10000},
            {"kind": "erdos_renyi", "degree": 1000.0},
            {"kind": "small_world", "degree": 2, "rewire": 1.0, "cross_unit_ties": 1.0},
        ],
    ),
    (
        ("adoption", "initial_adopters"),
        [{"share": 1.0}, {"count": 0}, {"share": 0.5, "choose": "betweenness"}],
    ),
    (
        ("organisation", "experience"),
        [
            {
                "channel_steering": 1,
                "uniform_customer_view": 1,
                "demonstration": 1,
                "experience_multiplier": 20,
            }
        ],
    ),
    (("customers", "contact_rate"), [0.0, 1.0]),
    (
        ("customers", "satisfaction"),
        [
            {"churn_below": 1.0, "churn_rate": 1.0},
            {"smoothing": 0.0},
            {"smoothing": 1.0, "noise": 1.0},
            {"resolved_score": 0.0},
        ],
    ),
    (
        ("customers", "choice"),
        [
            {"habit": 20.0, "habit_learning": 0.0},
            {"habit": 20.0, "habit_learning": 0.001},
            {"quality": 50.0},
            {"habit": 0.0, "habit_learning": 1.0},
        ],
    ),
    (
        ("customers", "steering"),
        [
            {
                "target": "web",
                "communication": 5,
                "product": 5,
                "benefit": 5,
                "restrictions": [{"channel": "desk", "cap": 0.0}, {"channel": "phone", "cap": 0.0}],
            }
        ],
    ),
    (("customers", "view_quality_gain"), [0.0, 2.0]),
    (
        ("customers", "channels"),
        [
            {"web": {"initial_share": 1.0}},
            {
                "web": {"initial_share": 0.999999, "cost_per_contact": 1e6},
                "phone": {"initial_share": 0.000001, "first_contact_resolution": 0.0},
            },
        ],
    ),
    (
        ("interventions",),
        [
            [
                {
                    "kind": "training",
                    "intensity": 1.0,
                    "weeks": 10000,
                    "cost_per_week": 1e12,
                    "cost_per_employee": 1e12,
                    "cost_fixed": 1e12,
                }
            ],
            [{"kind": "champions", "share": 1.0, "intensity": 1.0, "choose": "managers"}],
            [{"kind": "communication", "intensity": 1.0, "timing": "unit_opening", "start": 10000}],
        ],
    ),
]


@st.composite
def extremes(draw: st.DrawFn, base: dict) -> dict:
    """``base`` with one to four settings moved to the edge of what the schema accepts."""
    tree = copy.deepcopy(base)
    for position, options in draw(st.lists(st.sampled_from(EXTREMES), min_size=1, max_size=4)):
        node = tree
        for part in position[:-1]:
            node = node.setdefault(part, {})
        node[position[-1]] = copy.deepcopy(draw(st.sampled_from(options)))
    event("extremes")
    return tree


# --------------------------------------------------------------------------- files


@dataclass
class Case:
    """The files of one generated case and the one to load."""

    files: dict[str, bytes] = field(default_factory=dict)
    target: str = "scenario.yaml"


def dump(data: object) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


@st.composite
def table_text(draw: st.DrawFn, rows: int) -> bytes:
    """A population table for the example's units, perhaps broken."""
    units = [EXAMPLE_UNITS[i % len(EXAMPLE_UNITS)] for i in range(rows)]
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "unit": units,
            "readiness": np.linspace(0.1, 0.9, rows),
            "resistance": np.linspace(0.6, 0.2, rows),
            "role": ["manager" if i % 10 == 0 else "staff" for i in range(rows)],
            "initial_adopter": ["yes" if i % 17 == 0 else "no" for i in range(rows)],
        }
    )
    damage = draw(
        st.sampled_from(
            ["none", "text_in_numbers", "mixed_units", "drop_column", "nan", "dup_ids", "empty"]
        )
    )
    event(f"table: {damage}")
    if damage == "text_in_numbers":
        frame["readiness"] = frame["readiness"].astype(object)
        frame.loc[draw(st.integers(0, rows - 1)), "readiness"] = draw(
            st.sampled_from(["high", "", "1,5"])
        )
    elif damage == "mixed_units":
        frame["unit"] = frame["unit"].astype(object)
        frame.loc[draw(st.integers(0, rows - 1)), "unit"] = draw(st.integers(-5, 5))
    elif damage == "drop_column":
        frame = frame.drop(columns=draw(st.sampled_from(list(frame.columns))))
    elif damage == "nan":
        frame.loc[draw(st.integers(0, rows - 1)), draw(st.sampled_from(["resistance", "id"]))] = (
            None
        )
    elif damage == "dup_ids":
        frame.loc[rows - 1, "id"] = 0
    elif damage == "empty":
        return b""
    return frame.to_csv(index=False).encode()


@st.composite
def edge_text(draw: st.DrawFn, rows: int) -> bytes:
    """An edge list over ids 0..rows-1, perhaps naming ids that do not exist."""
    n = draw(st.integers(0, 3 * rows))
    sources = draw(st.lists(st.integers(0, rows - 1), min_size=n, max_size=n))
    targets = draw(st.lists(st.integers(0, rows - 1), min_size=n, max_size=n))
    text = "source,target\n" + "".join(f"{s},{t}\n" for s, t in zip(sources, targets, strict=True))
    if draw(st.booleans()):
        text += draw(st.sampled_from(["abc,1\n", "99999,0\n", ",\n", "1\n", "1,2,3\n"]))
    return text.encode()


@st.composite
def text_damage(draw: st.DrawFn, text: str) -> bytes:
    """The YAML text as written, or broken the way files get broken."""
    kind = draw(
        st.sampled_from(
            ["none"] * 14 + ["nesting", "alias_bomb", "truncate", "binary", "tab", "duplicate_key"]
        )
    )
    event(f"text: {kind}")
    if kind == "nesting":
        depth = draw(st.integers(1, 3000))
        return (text + f"\nextra: {'[' * depth}1{']' * depth}\n").encode()
    if kind == "alias_bomb":
        lines = ["b0: &b0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
        lines += [f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]" for i in range(1, 9)]
        where = draw(st.sampled_from(["adoption: {params: *b8}", "name: *b8", "bomb: *b8"]))
        return (text + "\n" + "\n".join(lines) + "\n" + where + "\n").encode()
    if kind == "truncate":
        return text[: draw(st.integers(0, len(text)))].encode()
    if kind == "binary":
        cut = draw(st.integers(0, len(text)))
        return text[:cut].encode() + draw(st.binary(min_size=1, max_size=8)) + text[cut:].encode()
    if kind == "tab":
        return ("\t" + text).encode()
    if kind == "duplicate_key":
        return (text + "\nweeks: 5\nweeks: 6\n").encode()
    return text.encode()


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A scenario file, with what it extends and the data files it names."""
    case = Case()
    if draw(st.booleans()):  # a route file that extends the example, both possibly edited
        name = draw(st.sampled_from(sorted(ROUTES)))
        route = copy.deepcopy(draw(st.one_of(st.just(ROUTES[name]), mutated(ROUTES[name]))))
        base = draw(st.one_of(st.just(EXAMPLE), extremes(EXAMPLE), mutated(EXAMPLE)))
        if draw(st.integers(0, 9)) == 0:
            route["extends"] = draw(odd_paths)
        case.files["example_org.yaml"] = dump(base).encode()
        scenario = route
    else:  # one self-contained file
        edited = st.sampled_from([extremes, extremes, mutated]).flatmap(lambda how: how(EXAMPLE))
        scenario = copy.deepcopy(draw(edited))
    if isinstance(scenario, dict) and draw(st.integers(0, 4)) == 0:
        rows = draw(st.integers(1, 60))
        scenario.setdefault("population", {})
        if isinstance(scenario["population"], dict):
            scenario["population"]["table"] = draw(st.one_of(st.just("people.csv"), odd_paths))
        units = scenario.get("organisation", {})
        if isinstance(units, dict) and isinstance(units.get("units"), list):
            for unit in units["units"]:
                if isinstance(unit, dict) and draw(st.booleans()):
                    unit.pop("headcount", None)
        case.files["people.csv"] = draw(table_text(rows))
        if draw(st.booleans()):
            scenario["network"] = {
                "kind": "edge_list",
                "file": draw(st.one_of(st.just("edges.csv"), odd_paths)),
            }
            case.files["edges.csv"] = draw(edge_text(rows))
    case.files[case.target] = draw(text_damage(dump(scenario)))
    return case


# --------------------------------------------------------------------------- checks


@pytest.fixture
def hang_guard() -> Iterator[None]:
    """Turn a case that runs longer than HANG_SECONDS into a failure."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"a case took more than {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, stop)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def small(data: dict) -> dict:
    """A valid scenario's mapping capped to a quick run (weeks, headcounts, customers)."""
    data = copy.deepcopy(data)
    data["weeks"] = min(data.get("weeks", RUN_WEEKS), RUN_WEEKS)
    for unit in data["organisation"]["units"]:
        if unit.get("headcount") is not None:
            unit["headcount"] = min(unit["headcount"], RUN_HEADCOUNT)
    if data.get("customers") is not None:
        data["customers"]["population"] = min(data["customers"]["population"], RUN_CUSTOMERS)
    count = data["adoption"]["initial_adopters"].get("count")
    if count is not None:
        data["adoption"]["initial_adopters"]["count"] = min(count, RUN_HEADCOUNT)
    return data


def check_results(result: changesim.RunResult) -> None:
    """Finite, in-range numbers; NaN only where the metric declares it can be undefined."""
    for name, value in result.summary.items():
        assert not math.isinf(value), f"{name} is infinite"
        if math.isnan(value):
            assert metric(name).nan_when, f"{name} is NaN but is declared always defined"
    weekly = result.weekly
    numeric = weekly.select_dtypes("number")
    assert not np.isinf(numeric.to_numpy(dtype=float)).any(), "an infinite weekly value"
    assert (weekly["quality"] >= 0).all()
    for column in ("adopted_share", "in_scope_share", "readiness_mean", "resistance_mean"):
        assert weekly[column].between(0, 1).all(), column
    org = weekly[weekly["unit"] == "all"]
    assert (org["adopted"] <= org["in_scope"]).all()
    assert (org["intervention_cost"] >= 0).all()
    assert org[["adopted_share", "quality"]].notna().all().all()
    if "satisfaction" in weekly:
        assert org["satisfaction"].dropna().between(0, 1).all()
        assert org["churned_share"].between(0, 1).all()
        assert (org["contact_cost"] >= 0).all()


def check_problems(error: changesim.ScenarioError, folder: Path) -> None:
    """Every problem names a file of the case (or the scenario), in a bounded message."""
    assert error.problems, "a ScenarioError without problems"
    for problem in error.problems:
        assert problem.message.strip()
        assert str(folder) in problem.file or problem.file.startswith("scenario "), problem
        assert len(str(problem)) < 2000, "an unbounded message"


def outcome(folder: Path, case: Case) -> str:
    """Load, read the data files and run one case; return what happened."""
    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    path = folder / case.target
    try:
        scenario = changesim.load_scenario(path)
        check_data_files(scenario, str(path))
    except changesim.ScenarioError as error:
        check_problems(error, folder)
        return "clean error"
    try:
        runnable = changesim.load_scenario(small(scenario.model_dump(by_alias=True)))
    except changesim.ScenarioError:
        return "valid, not runnable when made small"  # e.g. a count above the capped headcount
    try:
        result = changesim.simulate(runnable, seed=0)
    except changesim.ScenarioError as error:
        check_problems(error, folder)
        return "clean error when run"  # only the data tell (e.g. unreachable channel shares)
    check_results(result)
    return "ran"


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CHANGESIM_FUZZ_EXAMPLES") is None,
    suppress_health_check=list(HealthCheck),
)
@given(case=cases())
def test_any_file_gives_a_clean_error_or_a_finite_run(
    case: Case, tmp_path_factory: pytest.TempPathFactory, hang_guard: None
) -> None:
    folder = tmp_path_factory.mktemp("case")
    signal.alarm(HANG_SECONDS)
    try:
        event(outcome(folder, case))
    finally:
        signal.alarm(0)


def test_the_fuzzer_reaches_both_outcomes(tmp_path: Path) -> None:
    """Not vacuous: the unmutated route files run, and a broken one is a clean error."""
    route = Case({"example_org.yaml": dump(EXAMPLE).encode()})
    route.files[route.target] = dump(ROUTES["pilot_then_waves.yaml"]).encode()
    assert outcome(tmp_path, route) == "ran"
    broken = Case({"scenario.yaml": b"weeks: [[["})
    assert outcome(tmp_path / "..", broken) == "clean error"
