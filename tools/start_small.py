"""Start small, with and without experience: the pilot route against the best direct route on
the combined objective, at experience 0 and 1 (docs/start-small.md).

Every shipped route of the example organisation runs on the same seeds
(``changesim.compare``) with ``organisation.experience.channel_steering`` and
``uniform_customer_view`` both at 0, then both at 1. Per experience level the script prints
each route's mean objective (``changesim.analysis.objective``, example weights), names the
best direct route (combined, back-office first, front-office first: no pilot) and the paired
difference pilot - best direct route with its 95% interval, on the objective and on its parts.

Usage::

    python tools/start_small.py                       # 20 replications, seed 2026
    python tools/start_small.py --replications 40 --seed 7
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import changesim
from changesim.analysis.objective import EXAMPLE_WEIGHTS, with_objective
from changesim.analysis.statistics import paired_differences

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DIRECT = ("combined", "back_office_first", "front_office_first")
PILOT = "pilot_then_waves"
PARTS = ("objective", *EXAMPLE_WEIGHTS)


def scenarios(level: float) -> dict[str, changesim.Scenario]:
    """The direct routes and the pilot route at experience ``level`` (both kinds)."""
    experience = {"channel_steering": level, "uniform_customer_view": level}
    return {
        route: changesim.load_scenario(
            {
                "extends": str(SCENARIOS / f"{route}.yaml"),
                "organisation": {"experience": experience},
            }
        )
        for route in (*DIRECT, PILOT)
    }


def crossover(level: float, replications: int, seed: int) -> pd.DataFrame:
    """Paired differences pilot - best direct route at experience ``level``."""
    routes = scenarios(level)
    comparison = changesim.compare(routes, replications=replications, seed=seed)
    weeks = next(iter(routes.values())).weeks
    runs = with_objective(comparison.runs, never=weeks + 1)
    means = runs.groupby("route")["objective"].mean()
    print(f"\nexperience {level:g}: mean objective per route (GBP)")
    print(means.map("{:,.0f}".format).to_string())
    best = str(means.loc[list(DIRECT)].idxmin())
    pairs = runs[runs["route"].isin([best, PILOT])]
    diff = paired_differences(pairs, best, metrics=list(PARTS))
    diff.insert(0, "experience", level)
    return diff


def main() -> None:
    """Run both experience levels and print the differences."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    table = pd.concat([crossover(level, args.replications, args.seed) for level in (0.0, 1.0)])
    print(f"\npilot - best direct route, {args.replications} replications, seed {args.seed}:")
    with pd.option_context("display.width", 160, "display.float_format", "{:,.3f}".format):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
