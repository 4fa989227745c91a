"""Scenario discovery finds a box that was planted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from changesim.analysis.discovery import winning_boxes, wins


def planted(points: int = 400, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Route A wins exactly where readiness < 0.4 and experience > 0.6; B everywhere else."""
    rng = np.random.default_rng(seed)
    design = pd.DataFrame(
        {
            "design_point": np.arange(points),
            "readiness": rng.random(points),
            "experience": rng.random(points),
            "noise": rng.random(points),
        }
    )
    inside = (design["readiness"] < 0.4) & (design["experience"] > 0.6)
    rows = []
    for p, a_wins in enumerate(inside):
        rows.append(
            {
                "route": "A",
                "design_point": p,
                "replication": 0,
                "weeks_to_80": 10.0 if a_wins else 20.0,
            }
        )
        rows.append({"route": "B", "design_point": p, "replication": 0, "weeks_to_80": 15.0})
    return pd.DataFrame(rows), design


def test_wins_are_the_best_means() -> None:
    runs, _ = planted(20)
    table = wins(runs, "weeks_to_80", 20)
    assert (table["A"] != table["B"]).all()


def test_prim_finds_the_planted_box() -> None:
    runs, design = planted()
    boxes = {
        b.route: b
        for b in winning_boxes(runs, design, ["readiness", "experience", "noise"], "weeks_to_80")
    }
    a = boxes["A"]
    assert set(a.limits) == {"readiness", "experience"}  # noise is not restricted
    readiness, experience = a.limits["readiness"], a.limits["experience"]
    assert np.isinf(readiness[0])
    assert 0.33 < readiness[1] < 0.45
    assert 0.55 < experience[0] < 0.67
    assert np.isinf(experience[1])
    assert a.density > 0.9
    assert a.coverage >= 0.5
    assert a.base_rate < 0.2
    assert "A wins in" in a.sentence
    assert "readiness <" in a.sentence
    assert "experience >" in a.sentence


def test_a_route_that_always_wins_has_nothing_to_discover() -> None:
    runs, design = planted(50)
    runs.loc[runs["route"] == "A", "weeks_to_80"] = 1.0
    assert winning_boxes(runs, design, ["readiness"], "weeks_to_80") == []


def test_a_factor_of_words_is_described_in_words() -> None:
    """Route A wins exactly when the feed comes on Monday and readiness is low."""
    runs, design = planted(300)
    design["feed"] = np.where(np.arange(300) % 2 == 0, "monday", "friday")
    inside = (design["readiness"] < 0.5) & (design["feed"] == "monday")
    runs.loc[runs["route"] == "A", "weeks_to_80"] = np.where(inside, 10.0, 20.0)
    boxes = {b.route: b for b in winning_boxes(runs, design, ["readiness", "feed"], "weeks_to_80")}
    a = boxes["A"]
    assert a.limits["feed"] == ["monday"]
    assert "feed is monday" in a.sentence
