"""Sweep benchmarks: runs per second on each executor, per-run overhead, flat memory.

Run as ``python -m benchmarks.sweeps [--runs 1000] [--memory-runs 2000 20000]``; prints a
table and writes ``benchmarks/results/sweeps.json``. Each measurement runs in its own process
(``python -m benchmarks.sweeps --case ...``) so that peak memory is that case's alone.

- speed: ``--runs`` runs of the shipped example organisation (1,400 employees, 100,000
  customers, 104 weeks), one route, ``adoption.q`` drawn at random per run; serially, on a
  process pool of 2 and on a Dask ``LocalCluster`` of 2; and the same runs as a bare loop of
  ``simulate`` (the per-run overhead of each executor is the difference);
- memory: a tiny organisation (60 employees, 20 weeks) swept ``--memory-runs`` times on a
  process pool of 2; peak resident memory of the sweeping process at each size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "sweeps.json"
EXAMPLE = ROOT / "scenarios" / "combined.yaml"
TINY = {
    "name": "tiny",
    "weeks": 20,
    "organisation": {"units": [{"name": "bo", "kind": "back_office", "headcount": 60}]},
    "network": {"kind": "complete"},
}


def experiment_file(folder: Path, scenario: Path, runs: int) -> Path:
    """An experiment of ``runs`` runs: one route, adoption.q at random."""
    path = folder / "experiment.yaml"
    spec = {
        "name": "benchmark",
        "routes": [str(scenario)],
        "factors": {"adoption.q": {"low": 0.15, "high": 0.35}},
        "design": {"kind": "random", "samples": runs},
        "replications": 1,
        "seed": 1,
    }
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def case(kind: str, runs: int, tiny: bool) -> dict:
    """One measurement in this process."""
    import changesim
    from changesim.experiments.executors import DaskExecutor, ProcessExecutor, SerialExecutor
    from changesim.experiments.sweeps import load_experiment, sweep

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenario = EXAMPLE
        if tiny:
            scenario = folder / "tiny.yaml"
            scenario.write_text(yaml.safe_dump(TINY), encoding="utf-8")
        experiment = load_experiment(experiment_file(folder, scenario, runs))
        if kind == "bare":
            loaded = changesim.load_scenario(scenario)
            changesim.simulate(loaded, seed=0)  # warm-up: imports, caches
            start = time.perf_counter()
            for seed in range(runs):
                changesim.simulate(loaded, seed=seed)
            seconds = time.perf_counter() - start
        else:
            executor = {
                "serial": SerialExecutor,
                "pool": lambda: ProcessExecutor(2),
                "dask": lambda: DaskExecutor(local_workers=2),
            }[kind]()
            start = time.perf_counter()
            sweep(experiment, folder / "out", executor=executor)
            seconds = time.perf_counter() - start
            executor.close()
    return {
        "case": kind,
        "runs": runs,
        "tiny": tiny,
        "seconds": seconds,
        "runs_per_s": runs / seconds,
        "peak_mb": peak_mb(),
    }


def measure(kind: str, runs: int, tiny: bool = False) -> dict:
    command = [sys.executable, "-m", "benchmarks.sweeps", "--case", kind, "--runs", str(runs)]
    if tiny:
        command.append("--tiny")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--memory-runs", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--case", choices=["bare", "serial", "pool", "dask"])
    parser.add_argument("--tiny", action="store_true")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(case(args.case, args.runs, args.tiny)))
        return
    records = [measure(kind, args.runs) for kind in ("bare", "serial", "pool", "dask")]  # in turn
    bare = records[0]["seconds"] / args.runs
    for record in records[1:]:
        record["overhead_ms_per_run"] = 1000 * (record["seconds"] / args.runs - bare)
    records += [measure("pool", n, tiny=True) for n in args.memory_runs]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(records, indent=2))
    print("| case | runs | organisation | seconds | runs/s | overhead ms/run | peak MB |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in records:
        overhead = f"{r['overhead_ms_per_run']:.0f}" if "overhead_ms_per_run" in r else ""
        what = "tiny (60, 20 weeks)" if r["tiny"] else "example (1,400 + 100,000, 104 weeks)"
        print(
            f"| {r['case']} | {r['runs']:,} | {what} | {r['seconds']:.1f} | "
            f"{r['runs_per_s']:.2f} | {overhead} | {r['peak_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
