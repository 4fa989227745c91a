"""Today's code against an earlier commit, side by side: ``python -m benchmarks.versus``.

The earlier commit (``--baseline``, default: the last commit before issue 13's performance
work) is checked out into a git worktree; each case then runs alternately in a fresh process
of the baseline and of this tree, so both see the same machine load, and the report gives the
medians and their ratio. Every process builds the shipped example organisation scaled to the
case's size (``benchmarks.cases.scaled_scenario``, from *this* tree, so both run the same
scenario), runs it once as a warm-up (small cases), then times the runs.

Cases (issue 13's targets):

- ``plain_100000``: 100,000 employees, no interventions or customers, 104 weeks (the
  employee week, as the per-agent reference sees it);
- ``customers_100000``: 100,000 employees + 1,000,000 customers, 104 weeks;
- ``million``: 1,000,000 employees + 1,000,000 customers, 104 weeks (time and peak memory);
- ``plain_1000`` and ``customers_1000``: 1,000 employees (+ 10,000 customers), 104 weeks,
  where the fixed cost per week dominates; reported per week.

Writes ``benchmarks/results/versus.json`` and prints a Markdown table: medians over the
processes of each process's median run, their ratio, and the ratio of the fastest runs (the
steadier figure when runs last milliseconds and the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The last commit before issue 13's performance work (betweenness, network, weekly step).
BASELINE = "c699a8f"
WORKTREES = Path("/tmp") / "changesim-versus"

#: name: (employees, customers, plain, timed runs per process)
CASES: dict[str, tuple[int, int, bool, int]] = {
    "plain_1000": (1_000, 0, True, 20),
    "customers_1000": (1_000, 10_000, False, 10),
    "plain_100000": (100_000, 0, True, 1),
    "customers_100000": (100_000, 1_000_000, False, 1),
    "million": (1_000_000, 1_000_000, False, 1),
}


def worktree(commit: str) -> Path:
    """A checkout of ``commit`` (made once, reused)."""
    path = WORKTREES / commit
    if not (path / "src" / "changesim").is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "worktree", "add", "--force", "--detach", str(path), commit],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return path


def one_process(case: str, source: Path, seed: int) -> dict:
    """Run ``case`` in a fresh process that imports changesim from ``source``/src."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.versus", "--run", case, "--seed", str(seed)],
        cwd=ROOT,
        env={"PYTHONPATH": f"{source / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"case {case} from {source} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def run_here(case: str, seed: int) -> dict:
    """The body of one process: time ``case`` with the changesim on the path."""
    import changesim
    from benchmarks.cases import scaled_scenario
    from changesim import ChangeModel

    employees, customers, plain, runs = CASES[case]
    scenario = scaled_scenario(employees, customers, 104, plain=plain)
    warm = runs > 1
    seconds = []
    for i in range(runs + warm):
        model = ChangeModel(scenario, rng=seed + i, agents=False)
        start = time.perf_counter()
        model.run_model()
        if i >= warm:
            seconds.append(time.perf_counter() - start)
    return {
        "changesim": str(Path(changesim.__file__).parents[2]),
        "seconds": statistics.median(seconds),
        "best_seconds": min(seconds),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def compare(cases: list[str], baseline: str, repeats: int) -> list[dict]:
    """Alternate baseline and current processes ``repeats`` times per case."""
    old_tree = worktree(baseline)
    records = []
    for case in cases:
        old, new = [], []
        for r in range(repeats):
            print(f"{case}: round {r + 1} of {repeats}", file=sys.stderr, flush=True)
            old.append(one_process(case, old_tree, seed=10 + r))
            new.append(one_process(case, ROOT, seed=10 + r))
        old_s = statistics.median(x["seconds"] for x in old)
        new_s = statistics.median(x["seconds"] for x in new)
        old_best = min(x["best_seconds"] for x in old)
        new_best = min(x["best_seconds"] for x in new)
        records.append(
            {
                "case": case,
                "employees": CASES[case][0],
                "customers": CASES[case][1],
                "baseline_seconds": old_s,
                "seconds": new_s,
                "ratio": new_s / old_s,
                "best_ratio": new_best / old_best,
                "baseline_ms_per_week": 1000 * old_s / 104,
                "ms_per_week": 1000 * new_s / 104,
                "baseline_peak_rss_mb": max(x["peak_rss_mb"] for x in old),
                "peak_rss_mb": max(x["peak_rss_mb"] for x in new),
                "runs": [x["seconds"] for x in new],
                "baseline_runs": [x["seconds"] for x in old],
            }
        )
    return records


def table(records: list[dict], baseline: str) -> str:
    """Markdown table of the comparison."""
    lines = [
        f"| case | {baseline} ms/week | today ms/week | today / {baseline} "
        f"| best / best | {baseline} peak MB | today peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        lines.append(
            f"| {r['case']} | {r['baseline_ms_per_week']:.3f} | {r['ms_per_week']:.3f} "
            f"| {r['ratio']:.2f} | {r['best_ratio']:.2f} | {r['baseline_peak_rss_mb']:,.0f} "
            f"| {r['peak_rss_mb']:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", help=f"some of {', '.join(CASES)} (default all)")
    parser.add_argument("--baseline", default=BASELINE, help="commit to compare against")
    parser.add_argument("--repeats", type=int, default=5, help="processes per side and case")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/versus.json")
    parser.add_argument("--run", help=argparse.SUPPRESS)  # inside one timed process
    parser.add_argument("--seed", type=int, default=10, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        print(json.dumps(run_here(args.run, args.seed)))
        return
    unknown = sorted(set(args.cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}; choose from {', '.join(CASES)}")
    records = compare(args.cases or list(CASES), args.baseline, args.repeats)
    from benchmarks.__main__ import machine

    result = {"machine": machine(), "baseline": args.baseline, "records": records}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(table(records, args.baseline))
    print(f"\n{result['machine']}\nwritten: {args.json}")


if __name__ == "__main__":
    main()
