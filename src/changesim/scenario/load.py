"""Reading scenario files: YAML, ``extends:`` chains, relative paths, friendly errors."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from changesim.scenario.errors import Problem, ScenarioError, problems_from_validation
from changesim.scenario.files import (
    MAX_BYTES,
    YamlLimit,
    check_bounds,
    file_problem,
    read_yaml_text,
    resolved,
)
from changesim.scenario.schema import Scenario

#: Fields holding file paths, resolved against the directory of the file that names them.
PATH_FIELDS = (("population", "table"), ("network", "file"))
#: Longest chain of scenario files extending one another.
MAX_EXTENDS = 20


def load_scenario(
    source: str | Path | Mapping[str, Any], *, base_dir: str | Path | None = None
) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source : str, Path or mapping
        A YAML file or an already-parsed mapping. Either may ``extends:`` a scenario file.
    base_dir : str or Path, optional
        For a mapping: the folder against which its ``extends:`` and data-file paths are
        resolved; default the working directory. (A file's paths are resolved against the
        file's own folder.)

    Returns
    -------
    Scenario
        The validated scenario, with every default filled in.

    Raises
    ------
    ScenarioError
        Listing every problem with its file, field path, bad value and what is allowed; also
        for a file that cannot be read, is not YAML, or passes the bounds of
        :mod:`changesim.scenario.files` (size, nesting, aliases).
    """
    if isinstance(source, Mapping):
        label = "<mapping>"
        directory = Path.cwd() if base_dir is None else Path(base_dir)
        try:
            check_bounds(source)
        except YamlLimit as error:
            raise ScenarioError([Problem(label, "", str(error), has_value=False)]) from None
        data = _with_parents(copy.deepcopy(dict(source)), directory, label, chain=())
    else:
        path = Path(source)
        label = str(path)
        data = _read_with_extends(path, chain=())
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(problems_from_validation(error, data, label, Scenario)) from None


def _read_with_extends(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    data = _read_yaml(path)
    return _with_parents(data, path.parent, str(path), (*chain, resolved(path)))


def _with_parents(
    data: dict[str, Any], directory: Path, label: str, chain: tuple[Path, ...]
) -> dict[str, Any]:
    """``data`` with its paths resolved against ``directory`` and its ``extends:`` merged in.

    ``chain`` holds the files read so far on this ``extends`` chain, to detect cycles.
    """
    _resolve_paths(data, directory)
    parent = data.pop("extends", None)
    if parent is None:
        return data

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(label, "extends", message, parent)])

    if not isinstance(parent, str):
        raise refuse("must be the path of a scenario file")
    parent_path = directory / parent
    if resolved(parent_path) in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved(parent_path)))
        raise refuse(f"extends itself in a cycle: {cycle}")
    if len(chain) >= MAX_EXTENDS:
        raise refuse(f"more than {MAX_EXTENDS} files extend one another; shorten the chain")
    problem = file_problem(parent_path)
    if problem is not None:
        raise refuse(f"{problem}: {parent_path}")
    base = _read_with_extends(parent_path, chain)
    return deep_merge(base, data)


def _read_yaml(path: Path) -> dict[str, Any]:
    """One scenario file as a mapping, within the bounds of :mod:`changesim.scenario.files`."""

    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(str(path), "", message, has_value=False)])

    problem = file_problem(path)
    if problem == "no such file":
        raise refuse("no such scenario file")
    if problem is not None:
        raise refuse(f"{problem}; give a scenario file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise refuse(
            f"{size:,} bytes: scenario files are limited to {MAX_BYTES:,}; "
            "put employees in a population table"
        )
    try:
        data = read_yaml_text(path.read_text(encoding="utf-8"))
    except YamlLimit as error:
        raise refuse(str(error)) from None
    except yaml.YAMLError as error:
        raise refuse(_yaml_message(error)) from None
    except UnicodeDecodeError:
        raise refuse("not a UTF-8 text file") from None
    except OSError as error:
        raise refuse(f"cannot be read: {error.strerror or error}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise refuse(
            f"a scenario must be a mapping of keys to values; this file holds a {_kind_of(data)}"
        )
    return data


def _yaml_message(error: yaml.YAMLError) -> str:
    """Where and why YAML failed, without the file's text (PyYAML quotes the line)."""
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    reason = getattr(error, "problem", None) or type(error).__name__
    context = getattr(error, "context_mark", None)
    context_text = getattr(error, "context", None)
    if context is not None and context_text:
        reason += f" ({context_text} that starts at line {context.line + 1})"
    return f"not valid YAML{where}: {reason}"


def _kind_of(data: object) -> str:
    """A plain name for the type of a parsed YAML document."""
    if isinstance(data, list):
        return "list"
    if isinstance(data, str):
        return "single text value (is this a scenario file?)"
    return f"single {type(data).__name__} value"


def _resolve_paths(data: dict[str, Any], directory: Path) -> None:
    for section, key in PATH_FIELDS:
        part = data.get(section)
        if isinstance(part, dict) and isinstance(part.get(key), str):
            part[key] = str(resolved(directory / part[key]))


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base``: mappings merge key by key, anything else replaces.

    A mapping whose ``kind`` differs from the base's replaces it whole, so that switching a
    route or network kind does not inherit the old kind's fields.
    """
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        same_kind = not (
            isinstance(old, dict)
            and isinstance(value, dict)
            and "kind" in value
            and old.get("kind") != value["kind"]
        )
        if isinstance(old, dict) and isinstance(value, dict) and same_kind:
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged
