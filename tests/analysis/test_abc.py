"""ABC-SMC and its weighted statistics, on simulators whose posterior is known."""

from __future__ import annotations

import numpy as np
import pytest

from changesim.analysis.abc import (
    Kernel,
    abc_smc,
    distances,
    scales,
    weighted_correlation,
    weighted_covariance,
    weighted_quantile,
)

# --------------------------------------------------------------------------- weighted statistics


def test_equal_weights_give_the_midpoint_quantile():
    x = np.random.default_rng(1).normal(size=37)
    q = np.array([0.05, 0.3, 0.5, 0.95])
    assert weighted_quantile(x, np.ones(37), q) == pytest.approx(np.quantile(x, q, method="hazen"))


def test_a_doubled_weight_is_a_duplicated_value():
    x = np.array([3.0, 1.0, 7.0, 4.0])
    doubled = weighted_quantile(x, np.array([1.0, 2.0, 1.0, 1.0]), [0.2, 0.5, 0.8])
    duplicated = weighted_quantile(np.append(x, 1.0), np.ones(5), [0.2, 0.5, 0.8])
    assert doubled == pytest.approx(duplicated)


def test_a_value_without_weight_does_not_count():
    x = np.array([1.0, 2.0, 100.0, 3.0])
    with_zero = weighted_quantile(x, np.array([1.0, 1.0, 0.0, 1.0]), [0.1, 0.5, 0.9])
    assert with_zero == pytest.approx(
        weighted_quantile(np.array([1.0, 2.0, 3.0]), np.ones(3), [0.1, 0.5, 0.9])
    )


def test_weighted_covariance_matches_numpy_with_reliability_weights():
    rng = np.random.default_rng(2)
    theta = rng.normal(size=(50, 3))
    w = rng.random(50)
    expected = np.cov(theta.T, aweights=w)
    assert weighted_covariance(theta, w) == pytest.approx(expected)
    assert weighted_covariance(theta, 5 * w) == pytest.approx(expected)  # scale-free weights


def test_weighted_correlation_of_a_line_a_constant_and_noise():
    rng = np.random.default_rng(3)
    x = rng.normal(size=4000)
    theta = np.column_stack([x, -2 * x + 1, np.full(4000, 0.3), rng.normal(size=4000)])
    corr = weighted_correlation(theta, np.ones(4000))
    assert corr[0, 1] == pytest.approx(-1.0)
    assert corr[0, 2] == 0.0
    assert corr[2, 2] == 1.0
    assert abs(corr[0, 3]) < 4 / np.sqrt(4000)  # 4 standard errors of a zero correlation


# --------------------------------------------------------------------------- distance


def test_scales_are_robust_spreads_with_fallbacks():
    rng = np.random.default_rng(4)
    laplace = rng.laplace(3.0, 0.3, size=20_000)  # sd 0.42, MAD-scaled 1.4826 * 0.3 * ln 2
    two_values = np.r_[np.zeros(19_000), np.ones(1_000)]  # MAD 0, sd > 0
    stats = np.column_stack([laplace, two_values, np.full(20_000, 5.0)])
    stats[7] = np.nan  # a failed run is left out
    found = scales(stats)
    assert found[0] == pytest.approx(1.4826 * 0.3 * np.log(2), rel=0.03)  # per column
    assert found[1] == pytest.approx(np.nanstd(two_values[np.arange(20_000) != 7]), rel=1e-6)
    assert found[2] == 1.0
    assert scales(np.full((4, 3), np.nan)).tolist() == [1.0, 1.0, 1.0]  # nothing ran


def test_distances_are_scaled_euclidean_and_infinite_for_failed_runs():
    observed = np.array([1.0, 10.0])
    stats = np.array([[1.0, 10.0], [4.0, 10.0], [1.0, 14.0], [np.nan, 10.0]])
    d = distances(stats, observed, np.array([3.0, 2.0]))
    assert d.tolist() == [0.0, 1.0, 2.0, np.inf]


# --------------------------------------------------------------------------- kernel


def test_the_truncated_kernel_density_integrates_to_one_over_the_cube():
    rng = np.random.default_rng(5)
    centres = np.array([[0.02, 0.5], [0.9, 0.97], [0.5, 0.5]])  # two near the edges
    kernel = Kernel(centres, np.array([0.2, 0.3, 0.5]), rng)
    grid = (np.arange(200) + 0.5) / 200
    points = np.array(np.meshgrid(grid, grid)).reshape(2, -1).T
    # the mass inside is estimated from 2,000 draws (error about 1-2%); without the
    # truncation the integral would be the mass inside, about one half here
    assert kernel.density(points).mean() == pytest.approx(1.0, abs=0.05)
    proposed = kernel.propose(5000, rng)
    assert ((proposed >= 0) & (proposed <= 1)).all()


# --------------------------------------------------------------------------- the algorithm


def _normal_mean(theta: np.ndarray, seeds: np.ndarray, n: int = 25, sd: float = 1.0) -> np.ndarray:
    """Sample mean of ``n`` normal draws around theta[0] (sufficient for the mean)."""
    return np.array(
        [
            [np.random.default_rng(s).normal(t[0], sd, n).mean()]
            for t, s in zip(theta, seeds, strict=True)
        ]
    )


def test_a_flat_likelihood_returns_the_uniform_prior():
    """Every draw is accepted: the importance weights must undo the kernel (with its
    truncation at the edges), so the posterior stays uniform."""
    gens = abc_smc(
        np.array([0.0]),
        np.array([0.0]),
        np.array([1.0]),
        lambda theta, seeds: np.zeros((len(seeds), 1)),
        particles=2000,
        generations=3,
        seed=1,
    )
    last = gens[-1]
    assert last.number == 2
    quantiles = weighted_quantile(last.theta[:, 0], last.weight, [0.05, 0.5, 0.95])
    # sd of a uniform quantile estimate with ~2000 effective draws is under 0.012
    assert quantiles == pytest.approx([0.05, 0.5, 0.95], abs=0.04)


def test_the_posterior_of_a_normal_mean_is_centred_and_about_as_wide_as_the_exact_one():
    rng = np.random.default_rng(11)
    data_mean = rng.normal(0.3, 1.0, 25).mean()
    gens = abc_smc(
        np.array([data_mean]),
        np.array([-2.0]),
        np.array([2.0]),
        _normal_mean,
        particles=400,
        generations=7,
        seed=3,
    )
    last = gens[-1]
    median = weighted_quantile(last.theta[:, 0], last.weight, 0.5)
    exact_sd = 1.0 / 5.0  # flat prior: posterior N(data mean, 1/25)
    sd = np.sqrt(weighted_covariance(last.theta, last.weight)[0, 0])
    assert median == pytest.approx(data_mean, abs=exact_sd / 2)
    assert exact_sd * 0.9 < sd < exact_sd * 1.6  # ABC's tolerance widens it a little
    assert [g.epsilon for g in gens[2:]] == sorted((g.epsilon for g in gens[2:]), reverse=True)


def test_known_values_fall_inside_the_90_percent_interval_in_most_repetitions():
    """Coverage on 20 seeded data sets (measured: 19 of 20 inside)."""
    inside = 0
    for repetition in range(20):
        truth = np.random.default_rng(repetition).uniform(-1, 1)
        observed = _normal_mean(np.array([[truth]]), np.array([10_000 + repetition]))[0]
        last = abc_smc(
            observed,
            np.array([-2.0]),
            np.array([2.0]),
            _normal_mean,
            particles=150,
            generations=5,
            seed=repetition,
        )[-1]
        low, high = weighted_quantile(last.theta[:, 0], last.weight, [0.05, 0.95])
        inside += low <= truth <= high
    assert inside >= 16  # P(fewer than 16 of 20 | coverage 0.9) < 5%


def test_a_continued_calibration_equals_one_that_never_stopped():
    kwargs = {"particles": 100, "seed": 4, "min_acceptance": 0.0}
    args = (np.array([0.2]), np.array([-2.0]), np.array([2.0]), _normal_mean)
    whole = abc_smc(*args, generations=4, **kwargs)
    first = abc_smc(*args, generations=2, **kwargs)
    continued = abc_smc(*args, generations=4, history=first, **kwargs)
    assert len(continued) == 4
    for a, b in zip(whole, continued, strict=True):
        assert np.array_equal(a.theta, b.theta)
        assert np.array_equal(a.seed, b.seed)


def test_parameter_sets_that_cannot_run_are_never_accepted():
    def only_below_half(theta, seeds):
        out = _normal_mean(theta, seeds)
        out[theta[:, 0] > 0.5] = np.nan
        return out

    gens = abc_smc(
        np.array([0.45]),
        np.array([0.0]),
        np.array([1.0]),
        only_below_half,
        particles=100,
        generations=3,
        seed=2,
    )
    assert all((g.theta[:, 0] <= 0.5).all() for g in gens)
    assert gens[0].simulations > 100  # draws above one half were replaced


def test_a_prior_where_nothing_runs_is_an_error():
    with pytest.raises(ValueError, match="none of 510 parameter sets"):  # 10, 30, ..., 510
        abc_smc(
            np.array([0.0]),
            np.array([0.0]),
            np.array([1.0]),
            lambda theta, seeds: np.full((len(seeds), 1), np.nan),
            particles=10,
        )


def test_moderate_correlation_matches_numpy():
    rng = np.random.default_rng(6)
    x = rng.normal(size=5000)
    theta = np.column_stack([x, 0.5 * x + rng.normal(size=5000)])
    w = rng.random(5000)
    expected = np.cov(theta.T, aweights=w)
    expected = expected[0, 1] / np.sqrt(expected[0, 0] * expected[1, 1])
    assert weighted_correlation(theta, w)[0, 1] == pytest.approx(expected)
    assert 0.35 < expected < 0.55  # 0.5 / sqrt(1.25) = 0.447 up to sampling error


def test_the_scale_of_a_heavy_tailed_statistic_is_its_mad_not_its_sd():
    rng = np.random.default_rng(7)
    laplace = rng.laplace(0.0, 0.3, size=40_000)  # sd 0.42, MAD-scaled 1.4826 * 0.3 * ln 2
    assert scales(laplace[:, None])[0] == pytest.approx(1.4826 * 0.3 * np.log(2), rel=0.03)


def test_the_kernel_is_twice_the_weighted_covariance_and_draws_parents_by_weight():
    rng = np.random.default_rng(8)
    centres = np.array([[0.2, 0.2], [0.8, 0.8], [0.5, 0.3]])
    weight = np.array([0.6, 0.3, 0.1])
    kernel = Kernel(centres, weight, rng)
    np.testing.assert_allclose(kernel.cov, 2 * np.cov(centres.T, aweights=weight), atol=1e-9)
    only_first = Kernel(centres, np.array([1.0, 0.0, 0.0]), rng)
    only_first.factor = only_first.factor * 0.01  # a narrow kernel: proposals stay by parents
    proposed = only_first.propose(500, rng)
    assert np.abs(proposed - centres[0]).max() < 0.1


def test_every_generation_has_its_particles_inside_the_prior_and_its_bookkeeping():
    calls = []

    def counted(theta, seeds):
        calls.append(len(seeds))
        return _normal_mean(theta - 4.0, seeds)  # data mean 0 <=> theta 4

    seen = []
    observed = np.array([0.1])
    gens = abc_smc(
        observed,
        np.array([2.0]),
        np.array([6.0]),
        counted,
        particles=120,
        generations=5,
        seed=9,
        on_generation=lambda g: seen.append(g.number),
    )
    assert seen == [0, 1, 2, 3, 4]
    assert sum(calls) == sum(g.simulations for g in gens)
    for g in gens:
        assert g.simulations < 50 * 120  # it stops proposing once it has its particles
        assert len(g.theta) == len(g.weight) == len(g.seed) == 120
        assert ((g.theta >= 2.0) & (g.theta <= 6.0)).all()
        assert g.seed.dtype.kind == "i"
        np.testing.assert_allclose(g.distance, distances(g.stats, observed, g.scale))
        assert (g.distance <= g.epsilon).all()
    assert gens[0].epsilon == np.inf
    assert gens[-1].epsilon < gens[1].epsilon
    median = weighted_quantile(gens[-1].theta[:, 0], gens[-1].weight, 0.5)
    assert median == pytest.approx(4.1, abs=0.1)  # flat prior: posterior N(4.1, 0.2^2)


def test_a_generation_that_accepts_nothing_ends_the_calibration():
    calls = []

    def first_round_only(theta, seeds):
        calls.append(len(seeds))
        out = _normal_mean(theta, seeds)
        return out if len(calls) == 1 else np.full_like(out, np.nan)

    gens = abc_smc(
        np.array([0.0]), np.array([-1.0]), np.array([1.0]), first_round_only, particles=20
    )
    assert len(gens) == 1
    assert sum(calls[1:]) >= 50 * 20  # it looked long enough before giving up
