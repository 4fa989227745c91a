"""Choosing employees for a role: initial adopters and champions."""

from __future__ import annotations

import numpy as np

from changesim.state import OrgState

#: Source nodes sampled for approximate betweenness (exact below this many employees).
BETWEENNESS_SAMPLES = 200


def choose_employees(
    method: str, pool: np.ndarray, count: int, state: OrgState, rng: np.random.Generator
) -> np.ndarray:
    """Pick ``count`` employees from the indices in ``pool``.

    Parameters
    ----------
    method : {"random", "centrality", "betweenness", "managers"}
        random: uniformly without replacement; centrality: most ties first; betweenness: highest
        (sampled) betweenness first; managers: managers first, then at random.
        Ties in a ranking are broken at random.
    """
    count = min(count, len(pool))
    if count <= 0:
        return np.empty(0, np.int64)
    tiebreak = rng.random(len(pool))
    if method == "random":
        score = np.zeros(len(pool))
    elif method == "centrality":
        score = state.network.degree()[pool].astype(np.float64)
    elif method == "betweenness":
        score = _betweenness(state, rng)[pool]
    elif method == "managers":
        score = state.manager[pool].astype(np.float64)
    else:
        raise ValueError(f"unknown selection method {method!r}")
    order = np.lexsort((tiebreak, -score))
    return np.sort(pool[order[:count]])


def _betweenness(state: OrgState, rng: np.random.Generator) -> np.ndarray:
    import networkx as nx

    graph = state.network.to_networkx()
    samples = min(BETWEENNESS_SAMPLES, state.size)
    seed = int(rng.integers(2**31))
    values = nx.betweenness_centrality(graph, k=samples, seed=seed)
    return np.array([values[i] for i in range(state.size)])
