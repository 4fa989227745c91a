"""Results kept from week to week (``changesim.model.memo.LastResult``) never go stale.

The feeds' freshness and staleness, the channels' steering and caps and the interventions'
employee masks are kept while their inputs stay the same. A run must give, seed for seed, the
weekly frame and the organisation's series of the same run with every kept result worked out
afresh each time it is asked for, on scenarios where those inputs change mid-run: phases
opening one after another (interventions timed on unit opening), units cutting over, a feed
being aligned, steering and a channel restriction starting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from changesim import ChangeModel
from changesim.model.memo import LastResult
from tests.builders import load_example, route_of

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
    return load_example(weeks=50, route=route_of("pilot_then_waves"), customers=customers)


def recomputed(self: LastResult, key: bytes, *args, **kwargs) -> np.ndarray:
    """LastResult.get without keeping anything."""
    value = self._compute(*args, **kwargs)
    value.flags.writeable = False
    return value


@pytest.mark.parametrize("name", ["example_customers", "aligned_and_restricted"])
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
    # The inputs did change mid-run: units cut over at different weeks, phases opened apart.
    assert kept.state.opened_week.min() < kept.state.opened_week.max()
    assert len(set(kept.state.cutover_week.tolist())) > 1
