"""One benchmark case per process: builds a scaled scenario, times it, reports peak memory.

Run as ``python -m benchmarks.cases KIND --employees N ...``; prints one JSON record.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import yaml

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "example_org.yaml"
CUSTOMERS_PER_EMPLOYEE = 10
CUSTOMER_CAP = 1_000_000


def scaled_scenario(employees: int, customers: int | None, weeks: int, *, plain: bool = False):
    """The shipped example organisation scaled to ``employees`` (unit proportions kept).

    ``plain`` drops interventions and customers: the employee adoption rules only, as the
    per-agent reference implements them.
    """
    import changesim

    data = yaml.safe_load(EXAMPLE.read_text())
    units = data["organisation"]["units"]
    total = sum(u["headcount"] for u in units)
    for unit in units:
        unit["headcount"] = max(1, round(unit["headcount"] * employees / total))
    data["weeks"] = weeks
    if plain or customers == 0:
        data.pop("customers", None)
    else:
        data["customers"]["population"] = customers
    if plain:
        data.pop("interventions", None)
    return changesim.load_scenario(data)


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_model(scenario, repeats: int, seed: int = 1) -> tuple[list[float], list[float]]:
    """Setup and run times of ``repeats`` runs after one warm-up run."""
    from changesim import ChangeModel

    setups, runs = [], []
    for i in range(repeats + 1):
        start = time.perf_counter()
        model = ChangeModel(scenario, rng=seed + i, agents=False)
        built = time.perf_counter()
        model.run_model()
        done = time.perf_counter()
        if i > 0:  # the first run is the warm-up
            setups.append(built - start)
            runs.append(done - built)
        del model  # before the next is built: the peak is one model's, not two
        gc.collect()  # the model and its Mesa parts refer to each other
    return setups, runs


def throughput(args) -> dict:
    """The vectorised model with customers at one size."""
    customers = min(CUSTOMERS_PER_EMPLOYEE * args.employees, CUSTOMER_CAP)
    scenario = scaled_scenario(args.employees, customers, args.weeks)
    setups, runs = time_model(scenario, args.repeats)
    employees = sum(u.headcount for u in scenario.organisation.units)
    seconds = statistics.median(runs)
    return {
        "case": f"model_{employees}",
        "employees": employees,
        "customers": customers,
        "weeks": args.weeks,
        "seconds_median": seconds,
        "setup_seconds": statistics.median(setups),
        "total_seconds_median": statistics.median(s + r for s, r in zip(setups, runs, strict=True)),
        "employee_weeks_per_s": employees * args.weeks / seconds,
        "peak_rss_mb": peak_rss_mb(),
        "repeats": args.repeats,
    }


def versus_reference(args) -> dict:
    """Vectorised and per-agent reference on the same plain scenario, in this one process."""
    from changesim.validation.reference import ReferenceModel

    scenario = scaled_scenario(args.employees, 0, args.weeks, plain=True)
    employees = sum(u.headcount for u in scenario.organisation.units)
    _, vector_runs = time_model(scenario, args.repeats)
    vector = statistics.median(vector_runs)
    reference_runs = []
    for i in range(args.reference_repeats + 1):
        model = ReferenceModel(scenario, rng=1 + i)
        start = time.perf_counter()
        model.run_model()
        if i > 0:
            reference_runs.append(time.perf_counter() - start)
    reference = statistics.median(reference_runs)
    vector_rate = employees * args.weeks / vector
    reference_rate = employees * args.weeks / reference
    return {
        "case": f"vs_reference_{employees}",
        "employees": employees,
        "customers": 0,
        "weeks": args.weeks,
        "seconds_median": vector,
        "setup_seconds": None,
        "employee_weeks_per_s": vector_rate,
        "reference_seconds_median": reference,
        "reference_employee_weeks_per_s": reference_rate,
        "ratio_vs_reference": vector_rate / reference_rate,
        "peak_rss_mb": None,  # both models share this process: not one model's footprint
        "repeats": args.repeats,
        "reference_repeats": args.reference_repeats,
    }


def once(args) -> dict:
    """One run of the scaled example, timed from outside as a whole process."""
    from changesim import ChangeModel

    customers = min(CUSTOMERS_PER_EMPLOYEE * args.employees, CUSTOMER_CAP)
    ChangeModel(
        scaled_scenario(args.employees, customers, args.weeks), rng=1, agents=False
    ).run_model()
    return {"case": f"once_{args.employees}"}


CASES = {"throughput": throughput, "reference": versus_reference, "once": once}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=sorted(CASES))
    parser.add_argument("--employees", type=int, required=True)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--reference-repeats", type=int, default=1)
    args = parser.parse_args(argv)
    record = CASES[args.kind](args)
    json.dump(record, sys.stdout)


if __name__ == "__main__":
    main()
