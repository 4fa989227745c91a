"""The known limits the model reduces to, as exact curves and the scenarios that meet them.

- **Bass (1969).** The ``bass`` rule on the complete network with a homogeneous, in-scope
  population, no reversion (``adoption.revert: 0``) and no readiness dynamics follows the
  discrete mean-field Bass recursion :func:`bass_recursion` in expectation; for large N and
  small p, q it approaches the continuous curve :func:`bass_curve`.
- **Granovetter (1978).** The ``threshold`` rule on the complete network with thresholds
  0, 1/(n−1), ..., 1 (shares of the n − 1 others) riots completely, one person a week
  (:func:`riot_curve`); raising the second threshold by one person stops the riot after the
  instigator.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def bass_recursion(p: float, q: float, n: int, weeks: int) -> np.ndarray:
    """Mean-field discrete Bass curve F[0..weeks] for ``n`` employees.

    A non-adopter sees the share of adopters among the n − 1 others, F n / (n − 1), and
    adopts with probability 1 − (1 − p)(1 − q F n / (n − 1)), so

        F[t + 1] = F[t] + (1 − F[t]) (1 − (1 − p)(1 − q F[t] n / (n − 1))),  F[0] = 0.

    Exact in expectation up to a term Var(A_t) q / n² (the expected number of new adopters is
    quadratic in the adopters A_t).
    """
    f = np.zeros(weeks + 1)
    for t in range(weeks):
        share = f[t] * n / (n - 1)
        f[t + 1] = f[t] + (1.0 - f[t]) * (1.0 - (1.0 - p) * (1.0 - q * share))
    return f


def bass_curve(p: float, q: float, t: np.ndarray | float) -> np.ndarray:
    """The continuous Bass curve F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p) e^{−(p+q)t})."""
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def bass_scenario(n: int, p: float, q: float, weeks: int) -> dict[str, Any]:
    """A scenario (as a mapping for :func:`changesim.load_scenario`) in the Bass limit.

    One homogeneous unit of ``n`` employees, in scope from week 0, on the complete network;
    the ``bass`` rule without reversion and without readiness dynamics.
    """
    return {
        "name": "bass limit",
        "weeks": weeks,
        "organisation": {"units": [{"name": "everyone", "kind": "back_office", "headcount": n}]},
        "network": {"kind": "complete"},
        "adoption": {"rule": "bass", "p": p, "q": q, "revert": 0},
        "influence": {"readiness_influence": 0},
        "route": {"kind": "combined"},
    }


def riot_thresholds(n: int = 100, *, stopped: bool = False) -> np.ndarray:
    """Granovetter's thresholds k / (n − 1), k = 0..n−1, as shares of the n − 1 others.

    With ``stopped`` the second person's threshold is raised from 1/(n − 1) to 2/(n − 1).
    """
    thresholds = np.arange(n) / (n - 1)
    if stopped:
        thresholds[1] = 2 / (n - 1)
    return thresholds


def riot_curve(n: int, weeks: int, *, stopped: bool = False) -> np.ndarray:
    """Adopters at the end of weeks 0..weeks in Granovetter's riot (exact, no randomness).

    Week 0 is the starting state (nobody); the instigator (threshold 0) adopts in week 1 and
    the person with threshold k/(n − 1) in week k + 1. Stopped: the instigator alone.
    """
    week = np.arange(weeks + 1)
    if stopped:
        return np.minimum(week, 1)
    return np.minimum(week, n)


def riot_scenario(table: str, weeks: int) -> dict[str, Any]:
    """A scenario mapping for the riot; ``table`` is a CSV with columns unit (crowd), threshold."""
    return {
        "name": "riot",
        "weeks": weeks,
        "organisation": {"units": [{"name": "crowd", "kind": "back_office"}]},
        "population": {"table": table},
        "network": {"kind": "complete"},
        "adoption": {"rule": "threshold", "revert": 0},
        "route": {"kind": "combined"},
    }
