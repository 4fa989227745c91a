"""Reading scenario files: YAML, ``extends:`` chains, relative paths, friendly errors."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from changesim.scenario.errors import Problem, ScenarioError, problems_from_validation
from changesim.scenario.schema import Scenario

#: Fields holding file paths, resolved against the directory of the file that names them.
PATH_FIELDS = (("population", "table"), ("network", "file"))


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
        Listing every problem with its file, field path, bad value and what is allowed.
    """
    if isinstance(source, Mapping):
        label = "<mapping>"
        directory = Path.cwd() if base_dir is None else Path(base_dir)
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
    return _with_parents(data, path.parent, str(path), (*chain, path.resolve()))


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
    if not isinstance(parent, str):
        raise ScenarioError(
            [Problem(label, "extends", "must be the path of a scenario file", parent)]
        )
    parent_path = directory / parent
    if parent_path.resolve() in chain:
        cycle = " -> ".join(str(p) for p in (*chain, parent_path.resolve()))
        raise ScenarioError(
            [Problem(label, "extends", f"extends itself in a cycle: {cycle}", parent)]
        )
    if not parent_path.is_file():
        raise ScenarioError([Problem(label, "extends", f"no such file: {parent_path}", parent)])
    base = _read_with_extends(parent_path, chain)
    return deep_merge(base, data)


def _read_yaml(path: Path) -> dict[str, Any]:
    if path.is_dir():
        raise ScenarioError(
            [Problem(str(path), "", "this is a folder; give a scenario file", has_value=False)]
        )
    if not path.is_file():
        raise ScenarioError([Problem(str(path), "", "no such scenario file", has_value=False)])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context_mark", None)
        context_text = getattr(error, "context", None)
        if context is not None and context_text:
            reason += f" ({context_text} that starts at line {context.line + 1})"
        raise ScenarioError(
            [Problem(str(path), "", f"not valid YAML{where}: {reason}", has_value=False)]
        ) from None
    except UnicodeDecodeError:
        raise ScenarioError(
            [Problem(str(path), "", "not a UTF-8 text file", has_value=False)]
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(str(path), "", "a scenario must be a mapping of keys to values", data)]
        )
    return data


def _resolve_paths(data: dict[str, Any], directory: Path) -> None:
    for section, key in PATH_FIELDS:
        part = data.get(section)
        if isinstance(part, dict) and isinstance(part.get(key), str):
            part[key] = str((directory / part[key]).resolve())


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
