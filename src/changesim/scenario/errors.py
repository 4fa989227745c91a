"""Errors that speak the user's language: file, field path, bad value, what is allowed."""

from __future__ import annotations

import difflib
import reprlib
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario: where it is, what was found, what is allowed."""

    file: str
    path: str
    message: str
    value: Any = None
    has_value: bool = True

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        got = f" (got {_show(self.value)})" if self.has_value else ""
        return f"{where}: {self.message}{got}"


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


#: Longest shown value; longer ones are cut and their length given.
SHOWN = 80
#: reprlib limits: a value is shown in bounded time whatever its size or nesting.
_REPR = reprlib.Repr(
    maxlevel=3, maxtuple=4, maxlist=4, maxdict=4, maxset=4, maxstring=SHOWN, maxother=SHOWN
)


def _show(value: Any) -> str:
    """A value as the user wrote it, at most about :data:`SHOWN` characters."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()  # numpy scalar: show 2.0, not np.float64(2.0)
    text = _REPR.repr(value)
    size = len(value) if isinstance(value, str | list | dict | tuple) else None
    if len(text) > SHOWN:
        text = text[: SHOWN - 3] + "..."
    if size is not None and "..." in text:  # shortened: say how long it really is
        unit = "character" if isinstance(value, str) else "item"
        text += f" ({size:,} {unit}{'' if size == 1 else 's'})"
    return text


def problems_from_validation(
    error: ValidationError, data: Any, file: str, root: type[BaseModel]
) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into one :class:`Problem` per error.

    The field path follows the user's file: list positions as ``[i]`` and the tags pydantic adds
    for discriminated unions (``network.small_world.degree``) dropped.
    """
    problems: list[Problem] = []
    for err in error.errors():
        ctx = err.get("ctx") or {}
        if err["type"] == "cross_reference":
            for path, value, message in ctx["problems"]:
                problems.append(Problem(file, path, message, value))
            continue
        loc = _user_loc(err["loc"], data)
        value = err.get("input")
        has_value = err["type"] != "missing"
        if "path" in ctx:  # a model-level check that names the field it is about
            loc = [*loc, *ctx["path"].split(".")]
            value = _value_at(data, loc)
            has_value = value is not _MISSING
        elif err["type"] == "union_tag_invalid":  # an unknown kind: point at the kind itself
            loc = [*loc, ctx["discriminator"].strip("'")]
            value = ctx["tag"]
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(root, loc[:-1], data)
            message = "unknown key"
            if allowed:
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                message = f"unknown key {loc[-1]!r}{hint} Allowed keys: {', '.join(allowed)}"
                has_value = False
        elif err["type"] == "missing":
            message = "required field is missing"
        problems.append(Problem(file, dotted_path(loc), message, value, has_value))
    return problems


def _user_loc(loc: tuple, data: Any) -> list:
    """Drop the discriminator tags pydantic inserts into locations of tagged unions."""
    out: list = []
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part not in node:
            inner = i < len(loc) - 1  # a missing field is named last; a tag is never last
            if part in node.values() or inner:
                continue  # a union tag such as 'small_world', not a key of the file
        out.append(part)
        node = _child(node, part)
    return out


_MISSING = object()


def _value_at(data: Any, loc: list) -> Any:
    """The value at ``loc`` in the user's data, or ``_MISSING``."""
    node = data
    for part in loc:
        present = isinstance(node, dict) and part in node
        present |= isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not present:
            return _MISSING
        node = node[part]
    return node


def dotted_path(loc: list[str | int] | list) -> str:
    """A location as the user writes it: ``["customers", "feeds", 0, "delivered"]`` ->
    ``customers.feeds[0].delivered``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _allowed_keys(root: type[BaseModel], loc: list, data: Any) -> list[str]:
    """The field names of the scenario section at ``loc`` (for 'did you mean')."""
    annotation: Any = root
    node = data
    for part in loc:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if origin is list and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            model = _model_in(annotation, node)
            if model is None or part not in model.model_fields:
                return []
            annotation = model.model_fields[part].annotation
        node = _child(node, part)
    model = _model_in(_unwrap(annotation), node)
    return sorted(model.model_fields) if model else []


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` from a type annotation."""
    while True:
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
            annotation = args[0]
            continue
        return annotation


def _child(node: Any, part: Any) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return node[part]
    return None


def _model_in(annotation: Any, node: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation stands for, choosing union members by ``kind``."""
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    members = [_unwrap(a) for a in typing.get_args(annotation)]
    models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
    kind = node.get("kind") if isinstance(node, dict) else None
    for model in models:
        field = model.model_fields.get("kind")
        if field is not None and kind in typing.get_args(field.annotation):
            return model
    return models[0] if len(models) == 1 else None
