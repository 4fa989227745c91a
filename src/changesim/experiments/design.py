"""Experimental designs: which points of the factor space are run.

Every design returns points in the unit cube, one row per design point and one column per
factor; :meth:`Factor.value` turns a coordinate into the factor's value. ``sobol``, ``morris``
and ``lhs`` use SALib's samplers (Saltelli's scheme with Sobol' sequences, Morris
trajectories, Latin hypercubes), so that SALib's analysers can read the same points back.
"""

from __future__ import annotations

import itertools

import numpy as np

from changesim.experiments.factors import Factor
from changesim.experiments.spec import Design


def salib_problem(factors: list[Factor]) -> dict[str, object]:
    """The SALib problem of the unit cube over ``factors``."""
    return {
        "num_vars": len(factors),
        "names": [f.path for f in factors],
        "bounds": [[0.0, 1.0]] * len(factors),
    }


def design_points(factors: list[Factor], design: Design, seed: int) -> np.ndarray:
    """Unit-cube coordinates of the design points, shape (points, factors).

    Without factors there is one design point (the scenarios as written).
    """
    if not factors:
        return np.empty((1, 0))
    seed32 = seed % 2**32
    if design.kind == "grid":
        levels = [f.levels(design.level_count()) for f in factors]
        return np.array(list(itertools.product(*levels)), dtype=float)
    if design.kind == "random":
        return np.random.default_rng(seed).random((design.samples, len(factors)))
    problem = salib_problem(factors)
    if design.kind == "lhs":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, design.samples, seed=seed32))
    if design.kind == "sobol":
        from SALib.sample import sobol

        return np.asarray(
            sobol.sample(problem, design.samples, calc_second_order=False, seed=seed32)
        )
    from SALib.sample import morris

    return np.asarray(
        morris.sample(problem, design.samples, num_levels=design.level_count(), seed=seed32)
    )
