"""Results kept from week to week (``changesim.model.memo.LastResult``) never go stale.

The feeds' freshness and staleness, the channels' steering and caps, the interventions'
employee masks and the quality stage's learning and mixing terms are kept while their inputs
stay the same. A run must give, seed for seed, the
weekly frame and the organisation's series of the same run with every kept result worked out
afresh each time it is asked for, on scenarios where those inputs change mid-run: phases
opening one after another (interventions timed on unit opening), units cutting over, a feed
being aligned, steering and a channel restriction starting, lessons taken in, cross-unit ties
and work redesign ending.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from changesim import ChangeModel
from changesim.model.memo import LastResult
from tests.builders import SCENARIOS, example, load_example, read_yaml, route_of

FEEDS = [
    {
        "from": "case_handling",
        "to": "contact_centre",
        "delivered": "friday",
        "alignment": {"start": 20, "weeks": 6, "cost_per_week": 500.0, "effort": 0.02},
    },
    {"from": "case_handling", "to": "web_team", "delivered": "wednesday", "aligned_from": 30},
]
STEERING = {
    "target": "web",
    "start": 12,
    "communication": 0.3,
    "product": 0.5,
    "restrictions": [{"channel": "desk", "cap": 0.15, "start": 24}],
}


def scenario(name: str):
    customers = {"population": 3000}
    if name == "aligned_and_restricted":
        customers |= {"feeds": FEEDS, "steering": STEERING, "stale_slowdown": 0.3}
    if name == "organisation_oriented":  # ties end in week 30, redesign in 45, champions 52
        overrides = read_yaml(SCENARIOS / "organisation_oriented.yaml")
        overrides.pop("extends")
        ties, redesign, _ = overrides["interventions"]
        ties["weeks"], redesign["weeks"] = 30, 45
        route = route_of("pilot_then_waves")  # the file it extends
        return load_example(**overrides, route=route, weeks=60, customers=customers)
    return load_example(weeks=50, route=route_of("pilot_then_waves"), customers=customers)


def recomputed(self: LastResult, key: bytes, *args, **kwargs) -> np.ndarray:
    """LastResult.get without keeping anything."""
    value = self._compute(*args, **kwargs)
    value.flags.writeable = False
    return value


@pytest.mark.parametrize(
    "name", ["example_customers", "aligned_and_restricted", "organisation_oriented"]
)
def test_kept_results_give_the_run_worked_out_afresh(name, monkeypatch):
    spec = scenario(name)
    kept = ChangeModel(spec, rng=5, agents=False)
    kept.run_model()
    monkeypatch.setattr(LastResult, "get", recomputed)
    afresh = ChangeModel(spec, rng=5, agents=False)
    afresh.run_model()
    frame = kept.recorder.weekly_frame()
    pd.testing.assert_frame_equal(frame, afresh.recorder.weekly_frame(), check_exact=True)
    pd.testing.assert_frame_equal(
        kept.datacollector.get_model_vars_dataframe(),
        afresh.datacollector.get_model_vars_dataframe(),
        check_exact=True,
    )
    # The inputs did change mid-run: units cut over at different weeks, phases opened apart
    # and the later ones took in the pilot's lessons.
    assert kept.state.opened_week.min() < kept.state.opened_week.max()
    assert len(set(kept.state.cutover_week.tolist())) > 1
    assert kept.state.lessons.max() > 0


def larger_first_unit() -> dict:
    """The example organisation with 10 more employees in its first unit."""
    units = example()["organisation"]["units"]
    units[0]["headcount"] += 10
    return {"organisation": {"units": units}}


@pytest.mark.parametrize(
    "change",
    [
        {"quality": {"mixing_penalty": 0.3}},
        {"quality": {"learning_weeks": 3.0}},
        larger_first_unit(),
    ],
)
def test_runs_stepped_in_turn_keep_nothing_of_each_other(change):
    """Two models in one process, stepped week by week in turn, differing only in a quality
    parameter or a headcount: each gives the frame it gives when run alone."""
    first = load_example(weeks=30)
    second = load_example(weeks=30, **change)
    alone = []
    for spec in (first, second):
        model = ChangeModel(spec, rng=2, agents=False)
        model.run_model()
        alone.append(model.recorder.weekly_frame())
    together = [ChangeModel(spec, rng=2, agents=False) for spec in (first, second)]
    while together[0].running:
        for model in together:
            model.step()
    for model, frame in zip(together, alone, strict=True):
        pd.testing.assert_frame_equal(model.recorder.weekly_frame(), frame, check_exact=True)
    assert not alone[0]["quality"].equals(alone[1]["quality"])
