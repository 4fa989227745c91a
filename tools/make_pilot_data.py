"""Make the shipped synthetic pilot observations, ``scenarios/data/pilot_observed.csv``.

Synthetic, not real data: one run of ``scenarios/pilot_then_waves.yaml`` with known values
of the three parameters the docs calibrate (:data:`TRUTH`), seed :data:`SEED`. The file
holds what the web team's pilot showed until the calibration: weekly adoption counts for
weeks 0 to :data:`LAST_WEEK` (the week the pilot passes its 80% gate, when the rest of the
rollout is decided) and the readiness survey every :data:`SURVEY_EVERY` weeks (the unit's
mean readiness, a census of the team, to 3 decimals). A calibration of the file should find
intervals that contain :data:`TRUTH` (docs/calibrate-a-pilot.md).

Usage::

    python tools/make_pilot_data.py            # writes scenarios/data/pilot_observed.csv
    python tools/make_pilot_data.py --out other.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import changesim

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "pilot_then_waves.yaml"
OUT = ROOT / "scenarios" / "data" / "pilot_observed.csv"
#: The parameters the synthetic pilot was made with.
TRUTH = {"adoption.p": 0.02, "adoption.q": 0.35, "population.resistance.mean": 0.30}
SEED = 7
PILOT = "web_team"
LAST_WEEK = 10
SURVEY_EVERY = 4


def pilot_observations() -> pd.DataFrame:
    """The synthetic observations: week, unit, adopted, readiness_score (empty between
    surveys)."""
    scenario = changesim.variant(changesim.load_scenario(SCENARIO), {**TRUTH, "weeks": LAST_WEEK})
    weekly = changesim.simulate(scenario, seed=SEED).weekly
    rows = weekly[weekly["unit"] == PILOT]
    surveyed = rows["week"] % SURVEY_EVERY == 0
    return pd.DataFrame(
        {
            "week": rows["week"].to_numpy(),
            "unit": PILOT,
            "adopted": rows["adopted"].to_numpy(dtype=int),
            "readiness_score": np.where(surveyed, rows["readiness_mean"].round(3), np.nan),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pilot_observations().to_csv(args.out, index=False)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
