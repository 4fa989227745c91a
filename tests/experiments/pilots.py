"""A small pilot with known parameters, shared by the calibration and projection tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import changesim
from changesim.experiments.calibration import calibrate
from tests.builders import BO, WEB, org

#: A small organisation on the Bass rule: 240 + 160 employees on a small world, 52 weeks.
SMALL = changesim.load_scenario(
    org(
        [{**BO, "headcount": 240}, {**WEB, "headcount": 160}],
        weeks=52,
        network={"kind": "small_world", "degree": 8, "rewire": 0.1},
    )
)
#: The parameters the pilots are simulated with.
TRUTH = {"adoption.p": 0.03, "adoption.q": 0.45}
PRIORS = {"adoption.p": (0.0, 0.1), "adoption.q": (0.0, 1.0)}
#: Observed weeks 0..WEEKS.
WEEKS = 12


def pilot_csv(folder: Path, seed: int, *, weeks: int = WEEKS) -> Path:
    """Weekly adoption counts of both units, weeks 0..``weeks``, simulated at TRUTH."""
    run = changesim.simulate(changesim.variant(SMALL, {**TRUTH, "weeks": weeks}), seed=seed)
    rows = run.weekly[run.weekly["unit"] != "all"]
    path = folder / f"pilot-{seed}-{weeks}.csv"
    rows[["week", "unit", "adopted"]].to_csv(path, index=False)
    return path


def small_calibration(folder: Path, seed: int, **options: Any) -> changesim.Calibration:
    """Calibrate p and q of SMALL to a pilot simulated with ``seed`` (small settings)."""
    settings = {"particles": 100, "generations": 4, "checks": 40, "workers": 1, "seed": seed}
    return calibrate(
        SMALL, pilot_csv(folder, seed), list(TRUTH), priors=PRIORS, **(settings | options)
    )
