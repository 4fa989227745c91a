"""Calibration benchmarks: the shipped example's wall time, and coverage of known values.

Run as ``python -m benchmarks.calibration [--workers 2] [--repetitions 20]``; prints the
results and writes ``benchmarks/results/calibration.json``.

- time: ``changesim calibrate`` of the shipped synthetic pilot
  (``scenarios/data/pilot_observed.csv``) for adoption.p, adoption.q and
  population.resistance.mean with the docs' priors, as a process, on ``--workers`` local
  worker processes (target: under 5 minutes on 2 cores, issue 12);
- coverage: ``--repetitions`` pilots of a small organisation (400 employees, Bass rule, 13
  weeks) simulated at known p and q with different seeds, each calibrated with the test
  suite's settings; how often each known value lies inside its 90% interval, with a Wilson
  interval for that share.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "calibration.json"
#: The docs' command (docs/calibrate-a-pilot.md), without --out and --workers.
COMMAND = [
    "calibrate",
    "scenarios/pilot_then_waves.yaml",
    "--observed",
    "scenarios/data/pilot_observed.csv",
    "--fit",
    "adoption.p,adoption.q,population.resistance.mean",
    "--prior",
    "adoption.p=0:0.1",
    "--prior",
    "population.resistance.mean=0.1:0.6",
]


def time_example(workers: int) -> dict:
    """Wall time of the docs' calibration as a fresh process."""
    changesim = Path(sys.executable).with_name("changesim")
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        subprocess.run(
            [str(changesim), *COMMAND, "--out", folder, "--workers", str(workers)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        history = json.loads((Path(folder) / "calibration.json").read_text())
        generations = (Path(folder) / "generations.csv").read_text().splitlines()
        estimates = (Path(folder) / "estimates.csv").read_text()
    return {
        "workers": workers,
        "seconds": round(seconds, 1),
        "generations": len(generations) - 1,
        "coverage of the pilot's points": history["coverage"],
        "estimates.csv": estimates,
    }


def coverage(repetitions: int, workers: int) -> dict:
    """Known p and q inside their 90% intervals over ``repetitions`` simulated pilots."""
    sys.path.insert(0, str(ROOT))
    from tests.experiments.pilots import TRUTH, small_calibration

    from changesim.analysis.uncertainty import wilson_interval
    from changesim.experiments.executors import ProcessExecutor

    inside = {path: 0 for path in TRUTH}
    executor = ProcessExecutor(workers)
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as folder:
            for seed in range(repetitions):
                calibration = small_calibration(
                    Path(folder), 1000 + seed, workers=None, executor=executor
                )
                estimates = calibration.estimates.set_index("parameter")
                for path, truth in TRUTH.items():
                    low, high = estimates.at[path, "low90"], estimates.at[path, "high90"]
                    inside[path] += bool(low <= truth <= high)
    finally:
        executor.close()
    total = sum(inside.values())
    count = repetitions * len(TRUTH)
    low, high = wilson_interval(total / count, count)
    return {
        "repetitions": repetitions,
        "inside per parameter": inside,
        "share inside": total / count,
        "95% interval of the share": [round(low, 3), round(high, 3)],
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Calibration benchmarks")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=20)
    args = parser.parse_args()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.system()}, Python {platform.python_version()}",
        "example": time_example(args.workers),
        "coverage": coverage(args.repetitions, args.workers),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
