"""Reading scenario files: YAML, ``extends:`` chains, relative paths, friendly errors."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from changesim.errors import Problem, ScenarioError, problems_from_validation
from changesim.scenario import Scenario

#: Fields holding file paths, resolved against the directory of the file that names them.
PATH_FIELDS = (("population", "table"), ("network", "file"))


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source : str, Path or mapping
        A YAML file (which may ``extends:`` other files) or an already-parsed mapping.

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
        data = dict(source)
        label = "<mapping>"
        if "extends" in data:
            raise ScenarioError(
                [
                    Problem(
                        label,
                        "extends",
                        "only scenario files can extend other files",
                        data["extends"],
                    )
                ]
            )
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
    resolved = path.resolve()
    _resolve_paths(data, path.parent)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(
            [Problem(str(path), "extends", "must be the path of a scenario file", parent)]
        )
    parent_path = path.parent / parent
    if parent_path.resolve() in (*chain, resolved):
        cycle = " -> ".join(str(p) for p in (*chain, resolved, parent_path.resolve()))
        raise ScenarioError(
            [Problem(str(path), "extends", f"extends itself in a cycle: {cycle}", parent)]
        )
    if not parent_path.is_file():
        raise ScenarioError([Problem(str(path), "extends", f"no such file: {parent_path}", parent)])
    base = _read_with_extends(parent_path, (*chain, resolved))
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
        if context is not None and getattr(error, "context", None):
            reason += f" ({error.context} that starts at line {context.line + 1})"
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
