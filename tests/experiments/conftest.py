"""Fixtures of the experiment tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import changesim
from changesim.experiments.executors import ProcessExecutor
from tests.experiments.pilots import small_calibration


@pytest.fixture(scope="session")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[changesim.Calibration, Path]:
    """One calibration of the small pilot, and the folder it was saved to."""
    folder = tmp_path_factory.mktemp("calibrated")
    executor = ProcessExecutor(2)
    try:
        calibration = small_calibration(
            folder, 11, generations=5, out=folder / "cal", workers=None, executor=executor
        )
    finally:
        executor.close()
    return calibration, folder / "cal"
