"""The teaching notebooks run top to bottom with a real kernel, quickly, and are stored clean.

Each notebook in ``notebooks/`` is executed with nbclient in a fresh IPython kernel started
from this interpreter (``sys.executable``, through a kernel spec written to a temporary
folder, so no globally registered kernel is used), with ``notebooks/`` as its working folder
and this checkout's ``src/`` first on ``PYTHONPATH``, so the kernel imports the code under
test. The notebooks promise to run in under a minute; the budget below leaves room for a
loaded 2-core machine.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))

#: Wall-clock seconds a notebook may take, kernel start included (measured 9–31 s each on
#: a shared 2-core machine; see notebooks/README.md).
BUDGET_SECONDS = 90
#: The kernel spec's name (written to a temporary folder by the ``jupyter_dir`` fixture).
KERNEL = "changesim-notebook-test"
#: Seconds any one cell may take before the run is abandoned.
CELL_TIMEOUT = 120


def test_the_teaching_notebooks_are_all_there() -> None:
    """The seven stories of notebooks/README.md, in order."""
    assert [p.stem for p in PATHS] == [
        "01_first_simulation",
        "02_diffusion_basics",
        "03_comparing_routes",
        "04_individual_vs_organisation",
        "05_channels_and_customers",
        "06_sweeps_and_sensitivity",
        "07_your_own_rule",
    ]


@pytest.fixture(scope="module")
def jupyter_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter data folder whose one kernel spec runs this interpreter's ipykernel."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "changesim test", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    return root


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_within_budget(
    path: Path, jupyter_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every cell runs without error, in a real kernel, within the notebook's time budget."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_dir))  # searched first for KERNEL
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no deprecation warning from jupyter_core
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "matplotlib"))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's own (inline) backend
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_SECONDS, f"{path.name} took {elapsed:.0f} s"
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    images = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert images, f"{path.name} showed no figure"  # plots show inline in Jupyter


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    """Outputs are not kept in git: every code cell is stored as it was written."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}, cell {index} has outputs"
            assert cell.execution_count is None, f"{path.name}, cell {index} has a count"


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_ends_with_exercises(path: Path) -> None:
    """Each notebook has an exercises section with at least one hidden answer."""
    notebook = nbformat.read(path, as_version=4)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    text = "\n".join(markdown)
    assert re.search(r"^## Exercises", text, flags=re.MULTILINE), path.name
    assert "<details>" in text
    assert "Answer" in text
