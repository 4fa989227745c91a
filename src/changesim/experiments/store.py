"""Finished runs on disk, so that an interrupted experiment resumes where it stopped.

Each run is stored as two files named by route, scenario key and seed: the weekly frame
(Parquet) and the summary (JSON). The summary is written last, so its presence marks a whole
run; both are written to a temporary name first and renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
from pyarrow.lib import ArrowException

from changesim.scenario import Scenario
from changesim.scenario.files import file_problem
from changesim.version import __version__


def scenario_key(scenario: Scenario) -> str:
    """Short hash of what makes a run: the validated scenario, the contents of the data files
    it names and the changesim version. Stored runs are reused only when all three match."""
    digest = hashlib.sha256()
    digest.update(json.dumps(scenario.model_dump(mode="json"), sort_keys=True).encode())
    digest.update(__version__.encode())
    files = [scenario.population.table, getattr(scenario.network, "file", None)]
    for path in files:
        if path is not None and file_problem(Path(path)) is None:
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


def slug(text: str) -> str:
    """A file-name-safe version of a scenario name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "scenario"


class RunStore:
    """A folder of finished runs.

    Parameters
    ----------
    directory : Path
        Created on the first save.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        #: Runs whose stored files could not be read (empty, truncated, not Parquet or JSON):
        #: treated as missing, so they are run again.
        self.damaged: list[str] = []

    @staticmethod
    def name(label: str, key: str, seed: int) -> str:
        """The file stem of one run: route label, :func:`scenario_key`, seed."""
        return f"{slug(label)}-{key}-{seed}"

    def load(self, name: str) -> tuple[pd.DataFrame, dict[str, float]] | None:
        """The stored weekly frame and summary of run ``name``, or None if it is not whole.

        A stored file that cannot be read (a disk that filled up, a copy that stopped) is never
        taken as a result: the run is missing, and its name is added to :attr:`damaged`.
        """
        weekly_path = self.directory / f"{name}.parquet"
        summary_path = self.directory / f"{name}.json"
        if not (weekly_path.is_file() and summary_path.is_file()):
            return None
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            weekly = pd.read_parquet(weekly_path)
        except (OSError, ValueError, ArrowException):
            self.damaged.append(name)
            return None
        if not isinstance(summary, dict) or weekly.empty:
            self.damaged.append(name)
            return None
        return weekly, summary

    def save(self, name: str, weekly: pd.DataFrame, summary: dict[str, float]) -> None:
        """Store run ``name``: the weekly frame first, then the summary that marks it whole."""
        self.directory.mkdir(parents=True, exist_ok=True)
        weekly_path = self.directory / f"{name}.parquet"
        tmp = weekly_path.with_suffix(".parquet.tmp")
        weekly.to_parquet(tmp, index=False)
        tmp.replace(weekly_path)
        summary_path = self.directory / f"{name}.json"
        tmp = summary_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(summary), encoding="utf-8")
        tmp.replace(summary_path)
