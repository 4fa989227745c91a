"""Betweenness selection: ``python -m benchmarks.betweenness [--repeats 3] [--networkx-up-to N]``.

Times choosing 2% of the employees by betweenness (``choose: betweenness``) on the shipped
example organisation scaled to 2,000, 10,000 and 100,000 employees, its network built as the
model builds it (``small_world``, degree 10, 10% rewired, 2% cross-unit ties). Reports the
median of ``--repeats`` runs after one warm-up, and the peak of memory traced during one more
run. ``--networkx-up-to N`` also times the previous implementation (networkx's sampled
``betweenness_centrality`` with k = 200 on a networkx copy of the network) up to N employees.
Target (issue 13): under 10 s at 100,000 employees. Writes
``benchmarks/results/betweenness.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "betweenness.json"
SIZES = [2_000, 10_000, 100_000]
SHARE = 0.02


def example_network(employees: int, seed: int = 1):
    """The scaled example's employees and network, from the model's own streams."""
    from benchmarks.cases import scaled_scenario
    from changesim.build.network import build_network
    from changesim.build.population import build_employees
    from changesim.model.streams import Streams

    scenario = scaled_scenario(employees, 0, 4)
    streams = Streams.spawn(np.random.default_rng(seed))
    staff = build_employees(scenario, streams.population)
    return staff, build_network(scenario.network, staff, streams.network)


def select(network, manager: np.ndarray, seed: int) -> np.ndarray:
    """Choose 2% of everyone by betweenness, as ``initial_adopters`` does."""
    from changesim.build.selection import choose_employees

    everyone = np.arange(network.size)
    count = round(SHARE * network.size)
    return choose_employees(
        "betweenness", everyone, count, network, manager, np.random.default_rng(seed)
    )


def select_with_networkx(network, seed: int) -> dict:
    """The previous implementation: networkx on a networkx copy, 200 sampled sources."""
    import networkx as nx

    from changesim.build.selection import BETWEENNESS_SAMPLES

    graph = network.to_networkx()
    return nx.betweenness_centrality(graph, k=min(BETWEENNESS_SAMPLES, network.size), seed=seed)


def time_runs(run, repeats: int) -> list[float]:
    """Wall times of ``repeats`` calls of ``run(seed)`` after one warm-up."""
    times = []
    for i in range(repeats + 1):
        start = time.perf_counter()
        run(i)
        if i > 0:
            times.append(time.perf_counter() - start)
    return times


def case(employees: int, repeats: int, with_networkx: bool) -> dict:
    staff, network = example_network(employees)
    times = time_runs(lambda seed: select(network, staff.manager, seed), repeats)
    tracemalloc.start()
    select(network, staff.manager, 0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    record = {
        "employees": network.size,
        "ties": int(network.adjacency.nnz // 2),
        "seconds_median": statistics.median(times),
        "seconds": times,
        "peak_traced_mb": peak / 2**20,
        "repeats": repeats,
    }
    if with_networkx:
        before = time_runs(lambda seed: select_with_networkx(network, seed), max(1, repeats // 2))
        record["networkx_seconds_median"] = statistics.median(before)
        record["networkx_seconds"] = before
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--networkx-up-to", type=int, default=10_000)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    records = []
    for employees in SIZES:
        print(f"betweenness, {employees:,} employees ...", file=sys.stderr, flush=True)
        records.append(case(employees, args.repeats, employees <= args.networkx_up_to))
    result = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
            "numpy": np.__version__,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        },
        "command": "python -m benchmarks.betweenness",
        "records": records,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print("| employees | ties | median s | peak traced MB | networkx median s |")
    print("|---:|---:|---:|---:|---:|")
    for r in records:
        before = r.get("networkx_seconds_median")
        print(
            f"| {r['employees']:,} | {r['ties']:,} | {r['seconds_median']:.2f} "
            f"| {r['peak_traced_mb']:.0f} | {'' if before is None else f'{before:.2f}'} |"
        )
    print(f"\n{result['machine']}\nwritten: {args.json}")


if __name__ == "__main__":
    main()
