"""The Python examples in the docs run as written, in order, against the shipped scenarios."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from changesim.registry import RULES
from tests.builders import ROOT, SCENARIOS

#: Documents whose ```python blocks form one runnable session each.
DOCUMENTS = ["README.md", "docs/extending.md"]


def python_blocks(path: Path) -> list[str]:
    """The ```python code blocks of a Markdown file, in order."""
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("document", DOCUMENTS)
def test_python_examples_run(document: str, tmp_path: Path, monkeypatch) -> None:
    blocks = python_blocks(ROOT / document)
    assert blocks, f"{document} has no python examples"
    (tmp_path / "scenarios").symlink_to(SCENARIOS)
    monkeypatch.chdir(tmp_path)
    before = set(RULES.names())
    namespace: dict[str, object] = {}
    try:
        for number, block in enumerate(blocks, start=1):
            try:
                exec(compile(block, f"{document} block {number}", "exec"), namespace)
            except Exception as error:  # report which example broke, with its text
                pytest.fail(f"{document}, python block {number} fails: {error!r}\n{block}")
    finally:
        for name in set(RULES.names()) - before:  # examples may register rules
            RULES.unregister(name)
    assert os.getcwd() == str(tmp_path)
