"""Peak memory of building the network: ``python -m benchmarks.network_memory [--employees N]``.

Builds the shipped example organisation scaled to ``--employees`` (default 1,000,000) and its
network as the model builds it (``small_world``, degree 10, 10% rewired, 2% cross-unit ties),
in this fresh process, and prints one JSON record: resident memory (peak, from the kernel)
before and after building the network, the peak of memory traced by ``tracemalloc`` while
building it (numpy arrays included), and the size of the finished adjacency matrix. Target
(issue 13): 1,000,000 employees + 1,000,000 customers under 600 MB in all.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc

import numpy as np

MB = 1024 * 1024


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(employees: int, seed: int = 1) -> dict:
    """Build the scaled example's network once and report its memory."""
    from benchmarks.cases import scaled_scenario
    from changesim.build.network import build_network
    from changesim.build.population import build_employees
    from changesim.model.streams import Streams

    scenario = scaled_scenario(employees, 0, 4)
    streams = Streams.spawn(np.random.default_rng(seed))
    staff = build_employees(scenario, streams.population)
    before = peak_rss_mb()
    tracemalloc.start()
    start = time.perf_counter()
    network = build_network(scenario.network, staff, streams.network)
    seconds = time.perf_counter() - start
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    matrix = network.adjacency
    live = matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
    return {
        "case": f"network_memory_{staff.size}",
        "employees": staff.size,
        "ties": matrix.nnz // 2,
        "seconds": seconds,
        "peak_rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "traced_peak_mb": traced_peak / MB,
        "adjacency_mb": live / MB,
        "index_dtype": str(matrix.indices.dtype),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    json.dump(measure(args.employees, args.seed), sys.stdout)
    print()


if __name__ == "__main__":
    main()
