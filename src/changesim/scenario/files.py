"""Reading the files a scenario names, with bounds that keep every mistake a clear message.

A scenario file is read only if it is a regular file of at most :data:`MAX_BYTES`; its YAML
may nest at most :data:`MAX_DEPTH` levels and, with its aliases expanded, hold at most
:data:`MAX_VALUES` values (an "alias bomb" of a few lines can otherwise expand to billions).
Tables and edge lists must be regular files too. Nothing here prints a file's content.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import yaml

#: Largest scenario file, in bytes (the shipped example is about 2 kB).
MAX_BYTES = 1_000_000
#: Deepest nesting of lists and mappings in a scenario file.
MAX_DEPTH = 50
#: Most values (keys, scalars, lists, mappings) a scenario may hold once aliases are expanded.
MAX_VALUES = 100_000


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None if it is a readable regular file.

    Never raises: a name with a NUL character, one too long for the file system, a folder, a
    device or a pipe are each a sentence.
    """
    try:
        info = path.stat()
    except ValueError:
        return "the path contains a NUL character"
    except FileNotFoundError:
        return "no such file"
    except OSError as error:
        return f"cannot be opened: {error.strerror or error}"
    if stat.S_ISDIR(info.st_mode):
        return "this is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a device, pipe or socket)"
    return None


def resolved(path: Path) -> Path:
    """``path`` made absolute and free of symbolic links where possible, else as given."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return path


class YamlLimit(Exception):
    """A YAML document beyond the bounds of a scenario; ``str()`` says which."""


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses nesting deeper than :data:`MAX_DEPTH`.

    The composer builds nested nodes recursively; without a bound, thousands of ``[`` end in a
    ``RecursionError``.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlLimit(
                    f"nested more than {MAX_DEPTH} levels deep (at line {mark.line + 1}); "
                    "a scenario is a few levels of sections and lists"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def check_bounds(data: Any) -> None:
    """Refuse data nested deeper than :data:`MAX_DEPTH` or holding more than
    :data:`MAX_VALUES` values, shared parts (YAML aliases) counted each time they are reached.

    Walks without recursion and stops at the first bound it passes, so it is fast on any input.

    Raises
    ------
    YamlLimit
        Saying which bound was passed.
    """
    count = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise YamlLimit(
                f"expands to more than {MAX_VALUES:,} values (YAML aliases '*' count each time "
                "they are used); write the values out or use fewer aliases"
            )
        if depth > MAX_DEPTH:
            raise YamlLimit(
                f"nested more than {MAX_DEPTH} levels deep; a scenario is a few levels of "
                "sections and lists"
            )
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in (*node.keys(), *node.values()))
        elif isinstance(node, list | tuple):
            stack.extend((child, depth + 1) for child in node)


def read_yaml_text(text: str) -> Any:
    """Parse one YAML document within the bounds of a scenario.

    Raises
    ------
    YamlLimit
        If it nests too deeply or expands to too many values.
    yaml.YAMLError
        If it is not valid YAML.
    """
    data = yaml.load(text, Loader=_BoundedLoader)
    check_bounds(data)
    return data
