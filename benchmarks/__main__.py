"""Run the benchmark suite: ``python -m benchmarks [--quick] [--json PATH]``.

Each case runs in its own process (so peak memory is per case), times several runs after a
warm-up and reports the median. Also times whole ``changesim`` commands as processes.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_JSON = ROOT / "benchmarks" / "results" / "latest.json"

FULL = {
    "throughput": [(1_000, 5), (10_000, 5), (100_000, 3), (1_000_000, 2)],
    "reference": [(1_000, 104, 5, 3), (10_000, 104, 5, 3), (100_000, 104, 3, 1)],
    "cli_repeats": 5,
}
QUICK = {
    "throughput": [(1_000, 3), (10_000, 3), (100_000, 1)],
    "reference": [(1_000, 52, 3, 1), (10_000, 26, 3, 1)],
    "cli_repeats": 3,
}


def run_case(*args: str) -> dict:
    """Run one case in a fresh process and return its JSON record."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.cases", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark case {args} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def whole_process_seconds(employees: int) -> float:
    """Wall time of one process that imports changesim, builds and runs one model, and exits."""
    start = time.perf_counter()
    run_case("once", "--employees", str(employees))
    return time.perf_counter() - start


def time_command(command: list[str], repeats: int) -> float:
    """Median wall time of a whole command as a process."""
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def cli_cases(repeats: int) -> list[dict]:
    """Whole-process times of ``changesim --help``, ``validate`` and ``run`` (the example:
    1,400 employees, 100,000 customers, 104 weeks, with data files and plots)."""
    exe = str(Path(sys.executable).parent / "changesim")
    scratch = Path(tempfile.mkdtemp(prefix="changesim-bench-"))
    commands = {
        "cli_help": [exe, "--help"],
        "cli_validate": [exe, "validate", "scenarios/pilot_then_waves.yaml"],
        "cli_run_example": [exe, "run", "scenarios/pilot_then_waves.yaml", "--out", str(scratch)],
    }
    return [
        {
            "case": name,
            "employees": None,
            "customers": None,
            "weeks": None,
            "seconds_median": time_command(command, repeats),
            "setup_seconds": None,
            "employee_weeks_per_s": None,
            "peak_rss_mb": None,
        }
        for name, command in commands.items()
    ]


def machine() -> dict:
    """What the benchmark ran on."""
    import numpy
    import scipy

    import changesim

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "changesim": changesim.__version__,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def table(records: list[dict]) -> str:
    """A Markdown table of the records."""
    lines = [
        "| case | employees | customers | weeks | median s | setup s | whole process s "
        "| employee-weeks/s | peak MB | × reference |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def fmt(value, spec):
        return "" if value is None else format(value, spec)

    for r in records:
        lines.append(
            f"| {r['case']} | {fmt(r['employees'], ',')} | {fmt(r['customers'], ',')} "
            f"| {fmt(r['weeks'], '')} | {fmt(r['seconds_median'], '.3f')} "
            f"| {fmt(r.get('setup_seconds'), '.3f')} "
            f"| {fmt(r.get('whole_process_seconds'), '.2f')} "
            f"| {fmt(r['employee_weeks_per_s'], ',.0f')} "
            f"| {fmt(r['peak_rss_mb'], ',.0f')} | {fmt(r.get('ratio_vs_reference'), ',.0f')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    records = []
    for employees, repeats in plan["throughput"]:
        print(f"model, {employees:,} employees ...", file=sys.stderr, flush=True)
        record = run_case("throughput", "--employees", str(employees), "--repeats", str(repeats))
        record["whole_process_seconds"] = whole_process_seconds(employees)
        records.append(record)
    for employees, weeks, repeats, reference_repeats in plan["reference"]:
        print(f"vectorised vs reference, {employees:,} employees ...", file=sys.stderr, flush=True)
        records.append(
            run_case(
                "reference",
                "--employees",
                str(employees),
                "--weeks",
                str(weeks),
                "--repeats",
                str(repeats),
                "--reference-repeats",
                str(reference_repeats),
            )
        )
    records.extend(cli_cases(plan["cli_repeats"]))
    result = {
        "machine": machine(),
        "quick": args.quick,
        "command": "python -m benchmarks" + (" --quick" if args.quick else ""),
        "records": records,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(table(records))
    print(f"\n{result['machine']}\nwritten: {args.json}")


if __name__ == "__main__":
    main()
