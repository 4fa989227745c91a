"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC).

For a stochastic simulator without a likelihood: draw parameters from the prior, simulate,
and keep the draws whose simulated summary statistics lie close to the observed ones; then,
generation by generation, perturb the kept particles and tighten the tolerance. The final
generation's weighted particles approximate the posterior given the observations (Toni et al.
2009, *J. R. Soc. Interface* 6:187; Beaumont et al. 2009, *Biometrika* 96:983).

Choices (ADR 0014):

- Prior: uniform on a box, one interval per parameter. Work is done in the unit cube.
- Distance: Euclidean on statistics divided by their scale (the median absolute deviation of
  the previous generation's simulations, as pyabc's adaptive distance), so that a share and a
  score weigh alike.
- Tolerance: the ``quantile`` (default the median) of the previous generation's distances,
  measured with the new scales.
- Kernel: a multivariate normal with twice the particles' weighted covariance, truncated to
  the box (Beaumont et al. 2009); the importance weights divide by the truncated density.
- A simulation that cannot run (a parameter set the scenario refuses) returns NaN statistics
  and is never accepted: the prior is truncated to the valid set.

The simulator is a callback that runs a batch of parameter sets, each with its own seed, so
the caller decides where the simulations run (an executor of processes or a Dask cluster).
Everything random here flows from one seed and each generation's own stream, so a run stopped
after a generation and continued from it gives the same particles as one that never stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: Runs a batch: parameter values (n, d) and seeds (n,) -> statistics (n, s); a row of NaN for
#: a parameter set that cannot be simulated.
Simulator = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: Largest seed drawn for a simulation (numpy accepts any non-negative int; int32 keeps files
#: and spreadsheets exact).
MAX_SEED = 2**31 - 1
#: Draws per particle to estimate the share of its kernel inside the prior box.
KERNEL_MASS_DRAWS = 2000
#: Simulations per particle after which a generation gives up looking for more.
GIVE_UP_AFTER = 50
#: A parameter whose sd is below this (relative to its size) does not vary: rounding only.
CONSTANT_SD = 1e-12
#: MAD -> standard deviation of a normal.
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class Generation:
    """One generation of particles.

    Attributes
    ----------
    number : int
        0 for the draws from the prior.
    theta : numpy.ndarray
        Parameter values on their own scale, shape (particles, parameters).
    weight : numpy.ndarray
        Normalised importance weights, shape (particles,).
    distance : numpy.ndarray
        Each particle's distance to the observations, in this generation's scales.
    seed : numpy.ndarray
        The seed of each particle's accepted simulation.
    stats : numpy.ndarray
        Each particle's simulated statistics, shape (particles, statistics).
    epsilon : float
        The tolerance (infinite for generation 0).
    scale : numpy.ndarray
        The statistics' scales used for this generation's distances.
    next_scale : numpy.ndarray
        Scales from all of this generation's simulations, for the next generation.
    simulations : int
        Simulations run for this generation (accepted or not).
    """

    number: int
    theta: np.ndarray
    weight: np.ndarray
    distance: np.ndarray
    seed: np.ndarray
    stats: np.ndarray
    epsilon: float
    scale: np.ndarray
    next_scale: np.ndarray
    simulations: int

    @property
    def acceptance(self) -> float:
        """Accepted particles per simulation."""
        return len(self.weight) / max(self.simulations, 1)

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size of the weights."""
        return float(1.0 / np.sum(self.weight**2))


def scales(stats: np.ndarray) -> np.ndarray:
    """Per statistic, its spread across simulations: the median absolute deviation scaled to
    a standard deviation; the standard deviation where that is 0, and 1 where both are (a
    statistic that never varies then counts in its own units). Rows with NaN are left out.
    """
    valid = stats[~np.isnan(stats).any(axis=1)]
    if len(valid) == 0:
        return np.ones(stats.shape[1])
    mad = MAD_TO_SD * np.median(np.abs(valid - np.median(valid, axis=0)), axis=0)
    sd = valid.std(axis=0)
    return np.where(mad > 0, mad, np.where(sd > 0, sd, 1.0))


def distances(stats: np.ndarray, observed: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Scaled Euclidean distance of each row of ``stats`` to ``observed``; infinite for a row
    with NaN."""
    d = np.sqrt((((stats - observed) / scale) ** 2).sum(axis=1))
    return np.where(np.isnan(d), np.inf, d)


def weighted_quantile(
    values: np.ndarray, weights: np.ndarray, q: float | Sequence[float] | np.ndarray
) -> np.ndarray:
    """Quantile(s) ``q`` of ``values`` with ``weights`` (each value stands for the middle of its
    weight; equal weights give the midpoint quantile, numpy's ``hazen``; a value without
    weight does not count)."""
    kept = np.asarray(weights, dtype=float) > 0
    v_all = np.asarray(values, dtype=float)[kept]
    order = np.argsort(v_all, kind="stable")
    v = v_all[order]
    w = np.asarray(weights, dtype=float)[kept][order]
    positions = (np.cumsum(w) - w / 2) / w.sum()
    return np.interp(q, positions, v)


def weighted_covariance(theta: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Covariance of the rows of ``theta`` with normalised ``weight`` (reliability weights)."""
    w = weight / weight.sum()
    centred = theta - w @ theta
    correction = 1.0 - np.sum(w**2)
    return (centred.T * w) @ centred / max(correction, 1e-12)


def weighted_correlation(theta: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Correlation matrix from :func:`weighted_covariance`; 0 off the diagonal where a
    parameter does not vary."""
    cov = weighted_covariance(theta, weight)
    sd = np.sqrt(np.maximum(np.diag(cov), 0.0))
    varies = sd > CONSTANT_SD * np.maximum(1.0, np.abs(theta).max(axis=0))
    safe = np.where(varies, sd, 1.0)
    corr = np.where(np.outer(varies, varies), cov / np.outer(safe, safe), 0.0)
    np.fill_diagonal(corr, 1.0)
    return np.clip(corr, -1.0, 1.0)


class Kernel:
    """The perturbation kernel of one generation: a normal with covariance ``cov`` around a
    particle, truncated to the unit cube."""

    def __init__(self, centres: np.ndarray, weight: np.ndarray, rng: np.random.Generator):
        self.centres = centres
        self.weight = weight
        dims = centres.shape[1]
        self.cov = 2.0 * weighted_covariance(centres, weight) + 1e-12 * np.eye(dims)
        self.factor = np.linalg.cholesky(self.cov)
        z = rng.standard_normal((KERNEL_MASS_DRAWS, dims)) @ self.factor.T
        inside = _in_cube(centres[:, None, :] + z[None, :, :])
        self.mass = np.maximum(inside.mean(axis=1), 1.0 / KERNEL_MASS_DRAWS)

    def propose(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` points: a particle chosen by weight, moved by the kernel until inside."""
        out = np.empty((count, self.centres.shape[1]))
        todo = np.arange(count)
        while len(todo):
            parents = rng.choice(len(self.centres), size=len(todo), p=self.weight)
            moved = self.centres[parents] + rng.standard_normal(out[todo].shape) @ self.factor.T
            ok = _in_cube(moved)
            out[todo[ok]] = moved[ok]
            todo = todo[~ok]
        return out

    def density(self, points: np.ndarray) -> np.ndarray:
        """The mixture density of the truncated kernels at ``points``."""
        inverse = np.linalg.inv(self.cov)
        _, logdet = np.linalg.slogdet(self.cov)
        diff = points[:, None, :] - self.centres[None, :, :]
        mahal = np.einsum("ijk,kl,ijl->ij", diff, inverse, diff)
        dims = points.shape[1]
        log_norm = -0.5 * (dims * np.log(2 * np.pi) + logdet)
        kernel = np.exp(log_norm - 0.5 * mahal) / self.mass[None, :]
        return kernel @ self.weight


def _in_cube(u: np.ndarray) -> np.ndarray:
    return np.all((u >= 0.0) & (u <= 1.0), axis=-1)


def abc_smc(
    observed: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    simulate: Simulator,
    *,
    particles: int = 200,
    generations: int = 8,
    min_acceptance: float = 0.05,
    quantile: float = 0.5,
    seed: int = 0,
    history: list[Generation] | None = None,
    on_generation: Callable[[Generation], None] | None = None,
) -> list[Generation]:
    """Run ABC-SMC until ``generations`` generations exist or the acceptance rate of the
    last one falls below ``min_acceptance``.

    Parameters
    ----------
    observed : numpy.ndarray
        The observed statistics, shape (statistics,).
    low, high : numpy.ndarray
        The uniform prior's bounds per parameter (``low < high``).
    simulate : callable
        See :data:`Simulator`; receives parameter values on their own scale.
    particles : int
        Particles per generation.
    generations : int
        Most generations, counting the prior's.
    min_acceptance : float
        Stop once a generation accepted fewer than this share of its simulations.
    quantile : float
        Tolerance of the next generation: this quantile of the current distances.
    seed : int
        Seed of everything random.
    history : list of Generation, optional
        Generations already run (from a stopped calibration): continue after the last.
    on_generation : callable, optional
        Called with each new generation as soon as it is complete (to store it).

    Returns
    -------
    list of Generation
        All generations, the posterior last.
    """
    low = np.asarray(low, dtype=float)
    width = np.asarray(high, dtype=float) - low

    def run(units: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        return np.asarray(simulate(low + units * width, seeds), dtype=float)

    done = list(history or [])
    if not done:
        done.append(_first(observed, run, particles, seed, low, width))
        if on_generation is not None:
            on_generation(done[-1])
    while len(done) < generations and done[-1].acceptance >= min_acceptance:
        following = _next(observed, run, done[-1], particles, quantile, seed, low, width)
        if following is None:
            break
        done.append(following)
        if on_generation is not None:
            on_generation(done[-1])
    return done


def _first(
    observed: np.ndarray,
    run: Callable[[np.ndarray, np.ndarray], np.ndarray],
    particles: int,
    seed: int,
    low: np.ndarray,
    width: np.ndarray,
) -> Generation:
    """Generation 0: ``particles`` valid draws from the prior, all accepted.

    Raises
    ------
    ValueError
        If none of :data:`GIVE_UP_AFTER` × ``particles`` draws could be simulated.
    """
    rng = np.random.default_rng([seed, 0])
    dims = len(low)
    units, seeds, stats = [], [], []
    valid, simulations = 0, 0
    while valid < particles:
        if simulations >= GIVE_UP_AFTER * particles and valid == 0:
            raise ValueError(
                f"none of {simulations} parameter sets drawn from the prior could be simulated"
            )
        count = particles - valid if simulations == 0 else 2 * (particles - valid)
        u = rng.random((count, dims))
        s = rng.integers(0, MAX_SEED, size=count)
        x = run(u, s)
        simulations += count
        ok = ~np.isnan(x).any(axis=1)
        units.append(u[ok])
        seeds.append(s[ok])
        stats.append(x[ok])
        valid += int(ok.sum())
    u_all, s_all, x_all = (np.concatenate(a)[:particles] for a in (units, seeds, stats))
    scale = scales(x_all)
    return Generation(
        number=0,
        theta=low + u_all * width,
        weight=np.full(particles, 1.0 / particles),
        distance=distances(x_all, observed, scale),
        seed=s_all,
        stats=x_all,
        epsilon=float("inf"),
        scale=scale,
        next_scale=scale,
        simulations=simulations,
    )


def _next(
    observed: np.ndarray,
    run: Callable[[np.ndarray, np.ndarray], np.ndarray],
    last: Generation,
    particles: int,
    quantile: float,
    seed: int,
    low: np.ndarray,
    width: np.ndarray,
) -> Generation | None:
    """The generation after ``last``: perturbed particles within the new tolerance; None if
    not one of :data:`GIVE_UP_AFTER` × ``particles`` simulations was accepted (and fewer
    particles than asked if only some were)."""
    number = last.number + 1
    rng = np.random.default_rng([seed, number])
    scale = last.next_scale
    epsilon = float(
        weighted_quantile(distances(last.stats, observed, scale), last.weight, quantile)
    )
    kernel = Kernel((last.theta - low) / width, last.weight, rng)
    kept_u, kept_s, kept_x, kept_d, every = [], [], [], [], []
    accepted, simulations = 0, 0
    rate = max(last.acceptance, 0.05)
    while accepted < particles and simulations < GIVE_UP_AFTER * particles:
        count = int(np.clip(np.ceil(1.2 * (particles - accepted) / rate), 16, 20 * particles))
        u = kernel.propose(count, rng)
        s = rng.integers(0, MAX_SEED, size=count)
        x = run(u, s)
        simulations += count
        every.append(x)
        d = distances(x, observed, scale)
        ok = np.flatnonzero(d <= epsilon)[: particles - accepted]
        kept_u.append(u[ok])
        kept_s.append(s[ok])
        kept_x.append(x[ok])
        kept_d.append(d[ok])
        accepted += len(ok)
        rate = max(accepted / simulations, 0.01)
    if accepted == 0:
        return None
    units = np.concatenate(kept_u)
    weight = 1.0 / kernel.density(units)
    return Generation(
        number=number,
        theta=low + units * width,
        weight=weight / weight.sum(),
        distance=np.concatenate(kept_d),
        seed=np.concatenate(kept_s),
        stats=np.concatenate(kept_x),
        epsilon=epsilon,
        scale=scale,
        next_scale=scales(np.concatenate(every)),
        simulations=simulations,
    )
