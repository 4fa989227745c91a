"""The model reduces to known models in their limits: Bass diffusion and Granovetter's riot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim.validation import limits

# --------------------------------------------------------------------------- Bass

N = 10_000
P = 0.01
Q = 0.3
WEEKS = 60
SEEDS = range(8)


def bass_scenario(n: int = N, p: float = P, q: float = Q, weeks: int = WEEKS):
    """One homogeneous in-scope unit on the complete network: the mean-field Bass model."""
    return changesim.load_scenario(limits.bass_scenario(n, p, q, weeks))


@pytest.fixture(scope="module")
def bass_curves() -> np.ndarray:
    """Adopted share per week (rows: seeds, columns: weeks 0..WEEKS)."""
    scenario = bass_scenario()
    curves = []
    for seed in SEEDS:
        weekly = changesim.simulate(scenario, seed=seed).weekly
        org = weekly[weekly["unit"] == "all"].sort_values("week")
        assert org["week"].tolist() == list(range(WEEKS + 1))
        curves.append(org["adopted_share"].to_numpy())
    return np.array(curves)


def bass_tolerance(curves: np.ndarray) -> np.ndarray:
    """Per-week tolerance for |mean over seeds - mean-field curve|.

    Derivation. Each run's share F_t is a random variable; its across-run standard deviation
    sd_t comes from the binomial draws of every week so far (one week's draw alone has sd
    sqrt(F(1 - F) / N) <= 0.5 / sqrt(N)), propagated and amplified by imitation. We measure
    sd_t across the R seeds; the mean of R runs then has standard error sd_t / sqrt(R).
    We allow 4 standard errors (the sd estimate from R = 8 runs is itself uncertain by about
    1 / sqrt(2 (R - 1)) ~ 27 %, so 4 rather than 3), plus a floor of two single-week binomial
    standard errors of the mean, 2 * 0.5 / sqrt(N R) = 0.0035, for weeks whose measured sd is
    (near) zero because the curve has saturated. The mean-field approximation itself is exact
    in expectation up to a term Var(A_t) q / N^2 (the adoption probability is linear in the
    adopters A_t, the expected number of new adopters quadratic), below 1e-5 here.
    """
    r = curves.shape[0]
    sd = curves.std(axis=0, ddof=1)
    floor = 2 * 0.5 / np.sqrt(N * r)
    return 4 * sd / np.sqrt(r) + floor


def test_bass_matches_mean_field_recursion(bass_curves):
    expected = limits.bass_recursion(P, Q, N, WEEKS)
    mean = bass_curves.mean(axis=0)
    tolerance = bass_tolerance(bass_curves)
    deviation = np.abs(mean - expected)
    worst = int(np.argmax(deviation - tolerance))
    assert np.all(deviation <= tolerance), (
        f"week {worst}: simulated {mean[worst]:.4f}, Bass {expected[worst]:.4f}, "
        f"tolerance {tolerance[worst]:.4f}"
    )
    # The curve really diffuses: it crosses the middle and saturates within the run.
    assert mean[5] < 0.2
    assert mean[-1] > 0.999


@pytest.mark.parametrize(("p", "q"), [(P, 0.2), (P, 0.4), (0.02, Q), (0.005, Q)])
def test_bass_comparison_can_fail(bass_curves, p, q):
    """A recursion with wrong p or q lies far outside the tolerance, so the test has power."""
    wrong = limits.bass_recursion(p, q, N, WEEKS)
    mean = bass_curves.mean(axis=0)
    tolerance = bass_tolerance(bass_curves)
    assert np.max(np.abs(mean - wrong) - 3 * tolerance) > 0


def test_bass_first_week_is_pure_innovation(bass_curves):
    """Week 1 has no adopters to imitate: adoptions are Binomial(N, p) in every run.

    The mean over R runs of the week-1 share has sd sqrt(p (1 - p) / (N R)) ~ 0.00035;
    4 of those bound the deviation from p.
    """
    week1 = bass_curves[:, 1]
    sd = np.sqrt(P * (1 - P) / (N * len(week1)))
    assert abs(week1.mean() - P) <= 4 * sd
    assert np.all(bass_curves[:, 0] == 0)


def test_bass_curves_are_monotone_without_reversion(bass_curves):
    assert np.all(np.diff(bass_curves, axis=1) >= 0)


# --------------------------------------------------------------------------- Granovetter


def riot_scenario(path, thresholds: np.ndarray, weeks: int = 120):
    """Granovetter's riot: one unit of len(thresholds) employees on the complete network."""
    pd.DataFrame({"unit": "crowd", "threshold": thresholds}).to_csv(path, index=False)
    return changesim.load_scenario(limits.riot_scenario(str(path), weeks))


def riot_adopted(weekly) -> np.ndarray:
    org = weekly[weekly["unit"] == "all"].sort_values("week")
    return org["adopted"].to_numpy()


def test_granovetter_uniform_thresholds_cascade_to_everyone(tmp_path):
    """Thresholds 0, 1/99, ..., 99/99 (shares of the 99 others): everyone riots.

    The employee with threshold k/99 adopts the week after k others have, so exactly one
    employee joins each week: k adopters at the end of week k, for k = 0..100.
    """
    thresholds = limits.riot_thresholds(100)
    np.testing.assert_allclose(thresholds[[0, 1, 99]], [0, 1 / 99, 1])
    result = changesim.simulate(riot_scenario(tmp_path / "crowd.csv", thresholds), seed=3)
    adopted = riot_adopted(result.weekly)
    assert adopted[-1] == 100
    np.testing.assert_array_equal(adopted, limits.riot_curve(100, len(adopted) - 1))
    assert result.weekly["headcount"].iloc[0] == 100


def test_granovetter_one_changed_threshold_stops_the_riot(tmp_path):
    """Raise the threshold of the second employee from 1/99 to 2/99: only the instigator riots."""
    thresholds = limits.riot_thresholds(100, stopped=True)
    assert thresholds[1] == 2 / 99
    result = changesim.simulate(riot_scenario(tmp_path / "crowd.csv", thresholds), seed=3)
    adopted = riot_adopted(result.weekly)
    assert adopted[-1] == 1
    np.testing.assert_array_equal(adopted, limits.riot_curve(100, len(adopted) - 1, stopped=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_granovetter_outcome_does_not_depend_on_seed(tmp_path, seed):
    """The threshold rule is deterministic: the table alone decides the outcome."""
    thresholds = np.arange(100) / 99
    full = changesim.simulate(riot_scenario(tmp_path / "a.csv", thresholds), seed=seed)
    thresholds[1] = 2 / 99
    stopped = changesim.simulate(riot_scenario(tmp_path / "b.csv", thresholds), seed=seed)
    assert riot_adopted(full.weekly)[-1] == 100
    assert riot_adopted(stopped.weekly)[-1] == 1


# --------------------------------------------------------------------------- the curves


def test_continuous_bass_curve_has_its_textbook_shape():
    """F(0) = 0, F -> 1, and the inflection at t* = ln(q/p) / (p + q) with F(t*) = (q - p)/(2q)."""
    p, q = 0.01, 0.3
    t = np.linspace(0, 200, 200_001)
    f = limits.bass_curve(p, q, t)
    assert f[0] == 0
    assert f[-1] > 1 - 1e-12
    assert np.all(np.diff(f) >= 0)
    peak = t[np.argmax(np.gradient(f, t))]
    inflection = np.log(q / p) / (p + q)
    assert abs(peak - inflection) < 0.01
    assert limits.bass_curve(p, q, inflection) == pytest.approx((q - p) / (2 * q), rel=1e-12)


def test_discrete_recursion_approaches_the_continuous_curve_for_small_rates():
    """With p, q small per step, the weekly recursion is an Euler step of dF/dt = (p + qF)(1 - F):
    the two curves agree to O(p + q) (here within 0.01), while at p, q ten times larger they do
    not (the discrete model is not a sampled continuous one)."""
    n = 10**9
    slow = limits.bass_recursion(0.001, 0.03, n, 600)
    assert np.max(np.abs(slow - limits.bass_curve(0.001, 0.03, np.arange(601)))) < 0.01
    fast = limits.bass_recursion(0.01, 0.3, n, 60)
    assert np.max(np.abs(fast - limits.bass_curve(0.01, 0.3, np.arange(61)))) > 0.01
