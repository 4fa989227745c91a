"""Running a scenario: ``simulate`` returns a ``RunResult`` that knows what made it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from changesim.analysis.summary import summarise
from changesim.experiments.provenance import extensions
from changesim.scenario import Scenario
from changesim.version import __version__

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from changesim.model.change_model import ChangeModel


@dataclass
class RunResult:
    """The outcome of one run.

    Attributes
    ----------
    scenario : Scenario
        The validated scenario that was run.
    seed : int
        Seed of the run's random number generator.
    version : str
        changesim version that produced the result.
    weekly : pandas.DataFrame
        One row per week and unit plus ``unit == "all"`` for the organisation.
    units : pandas.DataFrame
        One row per unit: kind, channel, headcount, opened_week, cutover_week,
        final_adopted_share.
    summary : dict
        Per-run metrics (see :mod:`changesim.analysis.metrics`).
    extensions : dict
        The user's own implementations the scenario named when it was made (see
        :mod:`changesim.experiments.provenance`).
    """

    scenario: Scenario
    seed: int
    weekly: pd.DataFrame
    units: pd.DataFrame
    summary: dict[str, float]
    version: str = field(default=__version__)
    extensions: dict[str, str] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """What made this result: scenario (as validated), seed, package version and the
        user's own implementations it names (see :mod:`changesim.experiments.provenance`)."""
        return {
            "changesim_version": self.version,
            "seed": self.seed,
            "extensions": self.extensions,
            "scenario": self.scenario.model_dump(mode="json"),
        }

    def figures(self) -> dict[str, Figure]:
        """The run's figures by file stem: adoption and quality per unit, and with customers
        channel shares and customer outcomes."""
        from changesim.viz.plots import run_figures  # matplotlib only when drawing

        return run_figures(self.weekly, self.scenario.name)

    def save(self, directory: str | Path, *, figures: bool = True) -> list[Path]:
        """Write weekly.parquet, weekly.csv, units.csv, summary.json, run.json and, with
        ``figures``, one PNG per figure.

        Returns
        -------
        list of Path
            The files written.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = [
            directory / "weekly.parquet",
            directory / "weekly.csv",
            directory / "units.csv",
            directory / "summary.json",
            directory / "run.json",
        ]
        self.weekly.to_parquet(written[0], index=False)
        self.weekly.to_csv(written[1], index=False)
        self.units.to_csv(written[2], index=False)
        summary = {k: (None if v != v else v) for k, v in self.summary.items()}  # NaN -> null
        written[3].write_text(json.dumps(summary, indent=2))
        written[4].write_text(json.dumps(self.metadata(), indent=2))
        if figures:
            from changesim.viz.plots import png_bytes

            for stem, figure in self.figures().items():
                written.append(directory / f"{stem}.png")
                written[-1].write_bytes(png_bytes(figure))
        return written


def simulate(scenario: Scenario, *, seed: int | None = None) -> RunResult:
    """Run ``scenario`` for its ``weeks`` and return the result.

    Parameters
    ----------
    scenario : Scenario
        From :func:`changesim.load_scenario`.
    seed : int, optional
        Overrides ``scenario.seed``. Same scenario and seed give identical results.
    """
    from changesim.model.change_model import ChangeModel  # imports Mesa (about 1.5 s)

    model = ChangeModel(scenario, rng=seed, agents=False)
    model.run_model()
    return result_of(model)


def result_of(model: ChangeModel) -> RunResult:
    """Collect the :class:`RunResult` of a model that has been run."""
    weekly = model.recorder.weekly_frame()
    state = model.state
    units = pd.DataFrame(
        {
            "unit": model.unit_names,
            "kind": [u.kind for u in model.settings.organisation.units],
            "channel": [u.channel for u in model.settings.organisation.units],
            "headcount": state.headcount,
            "opened_week": [None if w < 0 else int(w) for w in state.opened_week],
            "cutover_week": [None if w < 0 else int(w) for w in state.cutover_week],
            "final_adopted_share": state.adopted_share(),
        }
    )
    adopters = np.flatnonzero(state.adopted)
    delays = state.adoption_week[adopters] - state.opened_week[state.unit[adopters]]
    assert model.seed_used is not None  # simulate always seeds with an integer
    return RunResult(
        scenario=model.settings,
        seed=model.seed_used,
        weekly=weekly,
        units=units,
        summary=summarise(weekly, delays),
        extensions=extensions([model.settings]),
    )
