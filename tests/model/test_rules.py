"""Adoption rules: registered user rules see the candidates and decide who adopts."""

from __future__ import annotations

import numpy as np

import changesim
from changesim import ChangeModel
from tests.builders import BO, PHONE, WEB, org, unit_rows


def never(inputs: changesim.RuleInputs) -> np.ndarray:
    return np.zeros(len(inputs.neighbour_share))


def always(inputs: changesim.RuleInputs) -> np.ndarray:
    return np.ones(len(inputs.neighbour_share))


def test_registered_rule_returning_zero_keeps_only_initial_adopters(temporary_rule):
    temporary_rule("test_never_adopt", never)
    scenario = changesim.load_scenario(
        org(
            [BO, WEB],
            adoption={"rule": "test_never_adopt", "initial_adopters": {"count": 7}},
        )
    )
    weekly = changesim.simulate(scenario, seed=2).weekly
    total = unit_rows(weekly, "all")["adopted"]
    assert (total == 7).all()


def test_registered_rule_returning_one_adopts_everyone_in_scope_in_one_week(temporary_rule):
    temporary_rule("test_always_adopt", always)
    scenario = changesim.load_scenario(
        org(
            [BO, WEB, PHONE],
            adoption={"rule": "test_always_adopt"},
            route={"kind": "back_office_first", "gap_weeks": 4},
            weeks=8,
        )
    )
    weekly = changesim.simulate(scenario, seed=2).weekly
    total = unit_rows(weekly, "all")["adopted"].to_numpy()
    bo, everyone = BO["headcount"], BO["headcount"] + WEB["headcount"] + PHONE["headcount"]
    np.testing.assert_array_equal(total, [0, bo, bo, bo] + [everyone] * 5)


def test_registered_rule_sees_the_candidates_and_params(temporary_rule):
    seen: list[changesim.RuleInputs] = []

    def recording(inputs: changesim.RuleInputs) -> np.ndarray:
        seen.append(inputs)
        return np.zeros(len(inputs.neighbour_share))

    temporary_rule("test_recording", recording)
    scenario = changesim.load_scenario(
        org(
            [BO, WEB],
            adoption={"rule": "test_recording", "p": 0.03, "q": 0.2, "params": {"gain": 2.5}},
            route={"kind": "back_office_first", "gap_weeks": 2},
            weeks=4,
        )
    )
    model = ChangeModel(scenario, rng=1, agents=False)
    model.run_model()
    assert len(seen) == 4
    # Candidates are the in-scope non-adopters: the back-office only in week 1; the
    # front-office opens at the start of week 2.
    assert [len(i.readiness) for i in seen] == [60, 100, 100, 100]
    for inputs in seen:
        assert inputs.p == 0.03
        assert inputs.q == 0.2
        assert inputs.params == {"gain": 2.5}
        assert np.all(inputs.neighbour_share == 0)


def test_a_temporary_rule_is_gone_after_the_test(temporary_rule):
    """The registry is global; the fixture leaves nothing behind, so names stay checked."""
    from changesim.registry import RULES

    assert "test_never_adopt" not in RULES
    assert "test_always_adopt" not in RULES
    temporary_rule("test_passing", never)
    assert "test_passing" in RULES
    assert {"bass", "threshold", "readiness"} <= set(RULES.names())
