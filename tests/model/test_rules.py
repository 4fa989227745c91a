"""Adoption rules: registered user rules see the candidates and decide who adopts."""

from __future__ import annotations

import math

import numpy as np
import pytest

import changesim
from changesim import ChangeModel
from changesim.model.rules import THRESHOLD_TOLERANCE, bass_probability, readiness_multiplier
from changesim.registry import RULES
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
    assert "test_never_adopt" not in RULES
    assert "test_always_adopt" not in RULES
    temporary_rule("test_passing", never)
    assert "test_passing" in RULES
    assert {"bass", "threshold", "readiness"} <= set(RULES.names())


# --- The built-in rules' formulas at hand-computed points -------------------------------------


def inputs(f, r=0.5, s=0.5, theta=0.3, p=0.1, q=0.4, k=10.0) -> changesim.RuleInputs:
    """Rule inputs for candidates with neighbour shares ``f``; scalars broadcast to f's shape."""
    f = np.asarray(f, dtype=np.float64)
    return changesim.RuleInputs(
        neighbour_share=f,
        readiness=np.broadcast_to(np.asarray(r, dtype=np.float64), f.shape),
        resistance=np.broadcast_to(np.asarray(s, dtype=np.float64), f.shape),
        threshold=np.broadcast_to(np.asarray(theta, dtype=np.float64), f.shape),
        p=p,
        q=q,
        k=k,
    )


def test_bass_probability_is_p_alone_without_adopted_neighbours_and_adds_imitation():
    """P = 1 - (1 - p)(1 - q f): p = 0.1, q = 0.4 at f = 0, 0.5, 1 gives 0.1, 0.28, 0.46."""
    np.testing.assert_allclose(
        bass_probability(0.1, 0.4, np.array([0.0, 0.5, 1.0])), [0.1, 0.28, 0.46], rtol=1e-12
    )


def test_bass_probability_at_its_extremes():
    f = np.array([0.0, 0.3, 1.0])
    np.testing.assert_array_equal(bass_probability(0.0, 0.0, f), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(bass_probability(1.0, 0.5, f), [1.0, 1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(bass_probability(0.0, 1.0, f), f, rtol=1e-12)


def test_bass_probability_takes_per_candidate_p_and_q():
    """p and q may be arrays (the readiness rule scales them per candidate)."""
    got = bass_probability(np.array([0.0, 0.5]), np.array([1.0, 0.5]), np.array([0.5, 0.5]))
    np.testing.assert_allclose(got, [0.5, 1 - 0.5 * 0.75], rtol=1e-12)


def test_bass_rule_uses_p_q_and_the_neighbour_share_only():
    got = RULES.get("bass")(inputs([0.0, 0.5, 1.0], r=0.0, s=1.0))
    np.testing.assert_allclose(got, [0.1, 0.28, 0.46], rtol=1e-12)


def test_bass_rule_rises_with_the_neighbour_share():
    f = np.linspace(0.0, 1.0, 101)
    assert np.all(np.diff(RULES.get("bass")(inputs(f))) > 0)


def test_threshold_rule_adopts_at_the_threshold_and_not_below():
    theta = 0.3
    f = [theta, theta + 0.1, 1.0, theta - 2e-9, theta - 0.01, 0.0]
    got = RULES.get("threshold")(inputs(f, theta=theta))
    np.testing.assert_array_equal(got, [1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
    assert got.dtype == np.float64


def test_threshold_rule_tolerates_rounding_of_the_threshold_within_1e_9():
    """Two of three neighbours (2/3) meet a threshold written as 0.6666666667 in a table."""
    assert 2 / 3 < 0.6666666667
    got = RULES.get("threshold")(inputs([2 / 3, 0.6666666667 - 0.9e-9], theta=0.6666666667))
    np.testing.assert_array_equal(got, [1.0, 1.0])
    assert THRESHOLD_TOLERANCE == 1e-9


def test_threshold_rule_includes_the_edge_of_its_tolerance():
    """A share exactly at theta - 1e-9 still meets theta (the comparison is >=, not >)."""
    theta = 0.5
    got = RULES.get("threshold")(inputs([theta - THRESHOLD_TOLERANCE], theta=theta))
    np.testing.assert_array_equal(got, [1.0])


def test_threshold_rule_compares_each_candidate_with_their_own_threshold():
    got = RULES.get("threshold")(inputs([0.5, 0.5, 0.5], theta=[0.4, 0.5, 0.6]))
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.0])


def test_readiness_multiplier_is_one_half_when_readiness_equals_resistance():
    r = np.array([0.0, 0.3, 1.0])
    np.testing.assert_allclose(readiness_multiplier(r, r, 10.0), [0.5, 0.5, 0.5], rtol=1e-12)
    np.testing.assert_allclose(
        readiness_multiplier(np.array([0.9]), np.array([0.1]), 0.0), [0.5], rtol=1e-12
    )


def test_readiness_multiplier_is_the_logistic_of_k_times_readiness_minus_resistance():
    """k (r - s) = ln 3 gives 1/(1 + 1/3) = 3/4, and -ln 3 gives 1/4."""
    k = math.log(3) / 0.5
    got = readiness_multiplier(np.array([0.75, 0.25, 0.5]), np.array([0.25, 0.75, 0.0]), k)
    np.testing.assert_allclose(got, [0.75, 0.25, 0.75], rtol=1e-12)


def test_readiness_multiplier_is_symmetric_and_rises_with_readiness():
    rng = np.random.default_rng(5)
    r, s = rng.random(50), rng.random(50)
    np.testing.assert_allclose(
        readiness_multiplier(r, s, 7.0) + readiness_multiplier(s, r, 7.0), 1.0, rtol=1e-12
    )
    grid = np.linspace(0.0, 1.0, 21)
    rising = readiness_multiplier(grid, np.full(21, 0.4), 7.0)
    assert np.all(np.diff(rising) > 0)
    assert np.all((rising > 0) & (rising < 1))


def test_readiness_rule_scales_p_and_q_by_the_multiplier():
    """At r = s, m = 1/2: P = 1 - (1 - p/2)(1 - q f/2) = 0.05, 0.145, 0.24 at f = 0, 0.5, 1."""
    got = RULES.get("readiness")(inputs([0.0, 0.5, 1.0], r=0.4, s=0.4))
    np.testing.assert_allclose(got, [0.05, 0.145, 0.24], rtol=1e-12)
    # k (r - s) = ln 3 -> m = 3/4: P = 1 - (1 - 0.075)(1 - 0.3) at f = 1.
    got = RULES.get("readiness")(inputs([1.0], r=0.75, s=0.25, k=math.log(3) / 0.5))
    np.testing.assert_allclose(got, [1 - 0.925 * 0.7], rtol=1e-12)


def test_readiness_rule_rises_with_share_and_readiness_and_falls_with_resistance():
    grid = np.linspace(0.0, 1.0, 21)
    rule = RULES.get("readiness")
    assert np.all(np.diff(rule(inputs(grid))) > 0)
    assert np.all(np.diff(rule(inputs(np.full(21, 0.5), r=grid))) > 0)
    assert np.all(np.diff(rule(inputs(np.full(21, 0.5), s=grid))) < 0)
    assert np.all(rule(inputs(grid, r=1.0, s=0.0)) < RULES.get("bass")(inputs(grid)))


@pytest.mark.parametrize("name", ["bass", "threshold", "readiness"])
@pytest.mark.parametrize("size", [0, 1, 7])
def test_built_in_rules_give_one_probability_per_candidate(name, size):
    rng = np.random.default_rng(size)
    got = RULES.get(name)(inputs(rng.random(size), r=rng.random(size), s=rng.random(size)))
    assert got.shape == (size,)
    assert got.dtype == np.float64
    assert np.all((got >= 0) & (got <= 1))


def test_probabilities_are_the_formulas_written_out_for_numbers_and_other_dtypes():
    """Computed in place, bit for bit the formulas, for whatever a custom rule passes in:
    numbers, 0-d arrays, integers and booleans (as float64)."""
    rng = np.random.default_rng(4)
    p, q, f = rng.random(50), rng.random(50), rng.random(50)
    assert np.array_equal(bass_probability(p, q, f), 1.0 - (1.0 - p) * (1.0 - q * f))
    assert np.array_equal(bass_probability(0.1, 0.4, f), 1.0 - (1.0 - 0.1) * (1.0 - 0.4 * f))
    assert float(bass_probability(0.1, 0.4, 0.5)) == 1.0 - 0.9 * (1.0 - 0.4 * 0.5)
    flags = np.array([True, False, True])
    np.testing.assert_array_equal(bass_probability(0, 1, flags), [1.0, 0.0, 1.0])
    r, s = rng.random(50), rng.random(50)
    assert np.array_equal(readiness_multiplier(r, s, 7.0), 1.0 / (1.0 + np.exp(-7.0 * (r - s))))
    expected = 1.0 / (1.0 + np.exp(-4.0 * (0.3 - 0.2)))
    assert float(readiness_multiplier(np.array(0.3), 0.2, 4.0)) == expected
    ints = readiness_multiplier(np.array([1, 0]), np.array([0, 1]), 2.0)
    assert ints.dtype == np.float64
    np.testing.assert_allclose(ints, [1 / (1 + np.exp(-2.0)), 1 / (1 + np.exp(2.0))], rtol=1e-15)
