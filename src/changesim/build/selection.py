"""Choosing employees for a role: initial adopters and champions."""

from __future__ import annotations

import numpy as np

from changesim.build.betweenness import betweenness
from changesim.build.network import OrgNetwork
from changesim.scenario.adoption import InitialAdopters

#: Source nodes sampled for approximate betweenness (exact below this many employees).
BETWEENNESS_SAMPLES = 200


def choose_employees(
    method: str,
    pool: np.ndarray,
    count: int,
    network: OrgNetwork,
    manager: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Pick ``count`` employees from the indices in ``pool``.

    Parameters
    ----------
    method : {"random", "centrality", "betweenness", "managers"}
        random: uniformly without replacement; centrality: most ties first; betweenness: highest
        (sampled) betweenness first; managers: managers first, then at random.
        Ties in a ranking are broken at random. Betweenness is estimated once per network, at
        its first choice by betweenness (sources drawn from ``rng`` then), and every later
        choice on the same network ranks by that estimate.
    """
    count = min(count, len(pool))
    if count <= 0:
        return np.empty(0, np.int64)
    tiebreak = rng.random(len(pool))
    if method == "random":
        score = np.zeros(len(pool))
    elif method == "centrality":
        score = network.degree()[pool].astype(np.float64)
    elif method == "betweenness":
        if network.betweenness_estimate is None:
            network.betweenness_estimate = _betweenness(network, rng)
        score = network.betweenness_estimate[pool]
    elif method == "managers":
        score = manager[pool].astype(np.float64)
    else:
        raise ValueError(f"unknown selection method {method!r}")
    order = np.lexsort((tiebreak, -score))
    return np.sort(pool[order[:count]])


def choose_initial_adopters(
    spec: InitialAdopters, network: OrgNetwork, manager: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Indices of the initial adopters a scenario's ``adoption.initial_adopters`` asks for.

    Empty for ``choose: table``: the population table marks those itself.
    """
    if spec.choose == "table":
        return np.empty(0, np.int64)
    size = network.size
    count = spec.count if spec.count is not None else round((spec.share or 0) * size)
    return choose_employees(spec.choose, np.arange(size), count, network, manager, rng)


def _betweenness(network: OrgNetwork, rng: np.random.Generator) -> np.ndarray:
    """Normalised betweenness: exact up to ``BETWEENNESS_SAMPLES`` employees, else estimated from
    that many source employees drawn from ``rng`` without replacement (Brandes & Pich 2007).

    On the complete network every pair is tied, so nobody lies between two others: all zero.
    """
    if network.adjacency is None:
        return np.zeros(network.size)
    if network.size <= BETWEENNESS_SAMPLES:
        sources = np.arange(network.size)
    else:
        sources = rng.choice(network.size, BETWEENNESS_SAMPLES, replace=False)
    return betweenness(network.adjacency, sources)
