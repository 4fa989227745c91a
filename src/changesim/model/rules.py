"""Adoption rules: pure numpy functions from the candidates' state to adoption probabilities.

Every rule has one signature, ``rule(inputs: RuleInputs) -> np.ndarray``, and returns for each
candidate (an in-scope employee who has not adopted) the probability of adopting this week.
Rules are found by name in a registry; a researcher adds one without touching the core::

    import changesim

    @changesim.register_rule("stubborn")
    def stubborn(inputs):
        return inputs.q * inputs.neighbour_share**2
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from changesim.registry import register_rule

#: Tolerance for threshold comparisons, so that a share of k/n meets a threshold of k/n
#: written in a table with finite decimal precision.
THRESHOLD_TOLERANCE = 1e-9


@dataclass(frozen=True)
class RuleInputs:
    """What an adoption rule sees, one array entry per candidate employee.

    Attributes
    ----------
    neighbour_share : np.ndarray
        f: influence-weighted share of the employee's neighbours who have adopted, in [0, 1].
    readiness, resistance, threshold : np.ndarray
        The employee's change readiness r, effective resistance s and threshold theta.
    p, q, k : float
        Outside influence and imitation per week; steepness of the readiness logistic.
    params : Mapping[str, float]
        Extra parameters from the scenario's ``adoption.params``.
    """

    neighbour_share: np.ndarray
    readiness: np.ndarray
    resistance: np.ndarray
    threshold: np.ndarray
    p: float
    q: float
    k: float
    params: Mapping[str, float] = field(default_factory=dict)


#: An adoption rule: candidates' inputs to their probabilities of adopting this week.
AdoptionRule = Callable[[RuleInputs], np.ndarray]


def _float_array(result: np.ndarray | np.floating) -> np.ndarray:
    """A ufunc's result as an array that can be written in place (scalar inputs give a
    numpy scalar, which cannot)."""
    return result if isinstance(result, np.ndarray) else np.array(result)


def bass_probability(p: np.ndarray | float, q: np.ndarray | float, f: np.ndarray) -> np.ndarray:
    """Weekly adoption probability 1 - (1 - p)(1 - q f) of the discrete Bass model.

    ``p`` and ``q`` are numbers or arrays of the shape of ``q f``.
    """
    # One new float64 array, then in place: the same roundings as the formula written out.
    probability = _float_array(np.multiply(q, f, dtype=np.float64))
    np.subtract(1.0, probability, out=probability)
    probability *= np.subtract(1.0, p)
    np.subtract(1.0, probability, out=probability)
    return probability


def bass(inputs: RuleInputs) -> np.ndarray:
    """Bass diffusion: P = 1 - (1 - p)(1 - q f)."""
    return bass_probability(inputs.p, inputs.q, inputs.neighbour_share)


def threshold(inputs: RuleInputs) -> np.ndarray:
    """Granovetter/Watts threshold: adopt (P = 1) iff f >= theta, else P = 0."""
    meets = inputs.neighbour_share >= inputs.threshold - THRESHOLD_TOLERANCE
    return meets.astype(np.float64)


def readiness_multiplier(readiness: np.ndarray, resistance: np.ndarray, k: float) -> np.ndarray:
    """m = logistic(k (r - s)): how far readiness outweighs resistance, in (0, 1)."""
    # One new float64 array, then in place: the same roundings as the formula written out.
    m = _float_array(np.subtract(readiness, resistance, dtype=np.float64))
    m *= -k
    np.exp(m, out=m)
    m += 1.0
    np.divide(1.0, m, out=m)
    return m


def readiness(inputs: RuleInputs) -> np.ndarray:
    """Bass with p and q scaled by m = logistic(k (r - s)): P = 1 - (1 - p m)(1 - q m f)."""
    m = readiness_multiplier(inputs.readiness, inputs.resistance, inputs.k)
    return bass_probability(inputs.p * m, inputs.q * m, inputs.neighbour_share)


# The built-ins, registered without a decorator so that their bodies stay plain functions
# (mutation testing skips decorated functions).
register_rule("bass")(bass)
register_rule("threshold")(threshold)
register_rule("readiness")(readiness)
