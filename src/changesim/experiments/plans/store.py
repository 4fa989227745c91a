"""The folder of a plan search: its manifest, the Optuna journal the study lives in, and each
evaluated candidate's runs, so that a search run again continues where it stopped."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from changesim.experiments.plans.problem import PlanProblem
from changesim.experiments.provenance import extensions
from changesim.experiments.store import slug
from changesim.scenario import Problem, ScenarioError
from changesim.version import __version__

if TYPE_CHECKING:
    import optuna


class PlanStore:
    """The folder of a plan search: ``plan-search.json``, ``study.log`` (the Optuna journal),
    ``trials/`` and ``routes/`` (each candidate's runs as Parquet).

    Parameters
    ----------
    directory : str or Path, optional
        The folder; without it everything is kept in memory.
    """

    def __init__(self, directory: str | Path | None) -> None:
        self.directory = None if directory is None else Path(directory)
        self._memory: dict[str, pd.DataFrame] = {}

    def start(self, problem: PlanProblem, *, force: bool) -> None:
        """Begin, or resume, the search of ``problem``.

        Raises
        ------
        ScenarioError
            If the folder holds another plan search and ``force`` is not given.
        """
        if self.directory is None:
            return
        manifest_path = self.directory / "plan-search.json"
        key = problem.key()
        if manifest_path.is_file():
            existing = json.loads(manifest_path.read_text(encoding="utf-8"))
            if existing.get("key") != key:
                if not force:
                    raise ScenarioError(
                        [
                            Problem(
                                str(self.directory),
                                "",
                                f"holds another plan search ({existing.get('name')!r}, key "
                                f"{existing.get('key')}); use another folder, or --force to "
                                "delete it and start afresh",
                                has_value=False,
                            )
                        ]
                    )
                for part in ("trials", "routes", "plans"):
                    shutil.rmtree(self.directory / part, ignore_errors=True)
                (self.directory / "study.log").unlink(missing_ok=True)
        self.directory.mkdir(parents=True, exist_ok=True)
        manifest = {
            "name": problem.spec.name,
            "file": problem.label,
            "key": key,
            "changesim version": __version__,
            "extensions": extensions(
                [problem.base, *({"route": r} for r in problem.routes.values() if r)]
            ),
            "spec": problem.spec.model_dump(mode="json"),
        }
        tmp = manifest_path.with_name(".plan-search.json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        tmp.replace(manifest_path)

    def storage(self) -> optuna.storages.BaseStorage:
        """The Optuna storage: a journal file in the folder, or memory without one."""
        import optuna
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        if self.directory is None:
            return optuna.storages.InMemoryStorage()
        return JournalStorage(JournalFileBackend(str(self.directory / "study.log")))

    def _path(self, name: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{name}.parquet"

    def load(self, name: str) -> pd.DataFrame | None:
        """The stored runs of candidate ``name`` (``trials/trial-00012``), or None."""
        if name in self._memory:
            return self._memory[name]
        path = self._path(name)
        if path is None or not path.is_file():
            return None
        try:
            return pd.read_parquet(path)
        except Exception:  # a damaged file: run again
            return None

    def save(self, name: str, runs: pd.DataFrame) -> None:
        """Store a candidate's runs (a temporary name, then renamed: never half a file)."""
        self._memory[name] = runs
        path = self._path(name)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        runs.to_parquet(tmp, index=False)
        tmp.replace(path)


def trial_name(number: int) -> str:
    """Store name of a trial's runs."""
    return f"trials/trial-{number:05d}"


def route_name(label: str, data: dict[str, Any]) -> str:
    """Store name of a compared route's runs: its label and a hash of its scenario."""
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode())
    return f"routes/{slug(label)}-{digest.hexdigest()[:10]}"
