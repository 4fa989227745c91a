"""What the contact centre's data feed costs on the shipped example (docs/channel-design.md).

Runs the example (or one of its route files) with the contact centre's case-data feed aligned
(Monday for Monday), as shipped (Friday for Monday), aligned by eight weeks of coordination
from week 0 or from week 12, and missing, on common random numbers, and prints the paired
differences against the aligned feed with 95% intervals.

    PYTHONPATH=src python tools/feed_effects.py --replications 20 --seed 1 --route back_office_first
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

import changesim

ROOT = Path(__file__).resolve().parents[1]
METRICS = [
    "weeks_to_80",
    "quality_loss",
    "quality_dip_depth",
    "mean_satisfaction",
    "mean_first_contact_resolution",
    "total_intervention_cost",
]
#: Aligning the Friday feed: eight weeks of coordination from week 0, then aligned.
ALIGNMENT = {"start": 0, "weeks": 8, "cost_fixed": 20_000, "cost_per_week": 5_000, "effort": 0.02}
#: The same alignment begun in week 12 (when back-office first opens the channels).
LATE_ALIGNMENT = {**ALIGNMENT, "start": 12}


def scenario(
    route: str | None, feed: dict[str, Any] | None, people_off: bool = False
) -> changesim.Scenario:
    """The example with the contact centre's feed replaced (None: no such feed)."""
    data = yaml.safe_load((ROOT / "scenarios" / "example_org.yaml").read_text(encoding="utf-8"))
    feeds = [f for f in data["customers"]["feeds"] if f["to"] != "contact_centre"]
    if feed is not None:
        feeds.insert(0, {"from": "case_handling", "to": "contact_centre", **feed})
    data["customers"]["feeds"] = feeds
    if people_off:  # the feeds act on customers only, as before ADR 0010
        data["customers"].update(stale_rework=0.0, stale_slowdown=0.0)
    if route:
        path = ROOT / "scenarios" / f"{route}.yaml"
        data["route"] = yaml.safe_load(path.read_text(encoding="utf-8"))["route"]
        data["name"] = route
    return changesim.load_scenario(copy.deepcopy(data))


def weeks_to(rows: pd.DataFrame, level: float) -> float:
    """First week a unit's adopted share reaches ``level``; NaN if never."""
    hit = rows.loc[rows["adopted_share"] >= level, "week"]
    return float(hit.min()) if len(hit) else np.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--route", default=None, help="a route file's name; default: combined")
    parser.add_argument("--people-off", action="store_true", help="stale_rework = slowdown = 0")
    args = parser.parse_args()
    off = args.people_off
    friday = {"delivered": "friday", "needed": "monday"}
    result = changesim.compare(
        {
            "aligned": scenario(args.route, {"delivered": "monday", "needed": "monday"}, off),
            "friday": scenario(args.route, friday, off),
            "aligning": scenario(args.route, {**friday, "alignment": ALIGNMENT}, off),
            "aligning_late": scenario(args.route, {**friday, "alignment": LATE_ALIGNMENT}, off),
            "missing": scenario(args.route, None, off),
        },
        replications=args.replications,
        seed=args.seed,
    )
    pd.set_option("display.width", 200)
    summary = result.summary
    means = summary[summary["metric"].isin(METRICS)].pivot(
        index="metric", columns="route", values="mean"
    )
    print(
        f"route {args.route or 'combined'}, {args.replications} seeds from {args.seed}, "
        f"people side {'off' if off else 'on'}"
    )
    print(
        means[["aligned", "friday", "aligning", "aligning_late", "missing"]].to_string(
            float_format="{:.4f}".format
        )
    )
    diff = result.differences
    print(diff[diff["metric"].isin(METRICS)].to_string(index=False, float_format="{:.4f}".format))
    weekly = result.weekly
    centre = weekly[weekly["unit"] == "contact_centre"]
    for level in (0.5, 0.7, 0.8):
        table = (
            centre.groupby(["route", "replication"])[["week", "adopted_share"]]
            .apply(lambda rows, level=level: weeks_to(rows, level))
            .unstack("route")
        )
        reached = table.notna().sum().to_dict()
        print(
            f"contact centre, weeks to {level:.0%}: mean {table.mean().round(1).to_dict()}"
            f" (runs reaching it {reached})"
        )
        for label in ("friday", "aligning", "aligning_late", "missing"):
            pair = (table[label] - table["aligned"]).dropna()
            if len(pair) < 2:
                continue
            half = stats.t.ppf(0.975, len(pair) - 1) * pair.std(ddof=1) / np.sqrt(len(pair))
            print(
                f"  {label} - aligned: {pair.mean():+.1f} weeks "
                f"[{pair.mean() - half:+.1f}, {pair.mean() + half:+.1f}], {len(pair)} pairs"
            )
    last = centre[centre["week"] == centre["week"].max()]
    final = last.pivot(index="replication", columns="route", values="adopted_share")
    print("contact centre, final adopted share:", final.mean().round(3).to_dict())


if __name__ == "__main__":
    main()
