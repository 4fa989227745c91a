"""Choosing employees for a role: rankings by ties, betweenness and role, ties at random.

Graphs are small networkx graphs whose hubs and bridges are known by construction. Every
stochastic comparison uses fixed seeds and a tolerance derived from sampling error.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from changesim.build.network import OrgNetwork
from changesim.build.selection import (
    BETWEENNESS_SAMPLES,
    choose_employees,
    choose_initial_adopters,
)
from changesim.scenario.adoption import InitialAdopters


def network_of(graph: nx.Graph) -> OrgNetwork:
    """An explicit OrgNetwork with nodes 0..n-1 of ``graph``."""
    n = graph.number_of_nodes()
    return OrgNetwork(n, sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(n))))


def two_stars() -> nx.Graph:
    """Hub 6 with 8 leaves and hub 11 with 5 leaves, the hubs not tied; 17 employees."""
    graph = nx.empty_graph(17)
    graph.add_edges_from((6, leaf) for leaf in [0, 1, 2, 3, 4, 5, 7, 8])
    graph.add_edges_from((11, leaf) for leaf in [9, 10, 12, 13, 14])
    return graph


def barbell() -> nx.Graph:
    """Two cliques of 5 (0-4 and 6-10) joined through employee 5, tied to 4 and 6."""
    return nx.barbell_graph(5, 1)


def no_managers(n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool)


def choose(method, pool, count, network, manager=None, seed=0):
    if manager is None:
        manager = no_managers(network.size)
    return choose_employees(method, pool, count, network, manager, np.random.default_rng(seed))


def pick_counts(method, pool, count, network, manager, trials) -> np.ndarray:
    """How often each employee is chosen over ``trials`` draws from one generator."""
    rng = np.random.default_rng(12345)
    counts = np.zeros(network.size, dtype=int)
    for _ in range(trials):
        chosen = choose_employees(method, pool, count, network, manager, rng)
        counts[chosen] += 1
    return counts


# --- rankings -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_centrality_picks_the_hubs(seed):
    network = network_of(two_stars())
    everyone = np.arange(17)
    np.testing.assert_array_equal(choose("centrality", everyone, 1, network, seed=seed), [6])
    np.testing.assert_array_equal(choose("centrality", everyone, 2, network, seed=seed), [6, 11])


@pytest.mark.parametrize("seed", range(3))
def test_centrality_ranks_within_the_pool(seed):
    network = network_of(two_stars())
    pool = np.array([0, 3, 9, 11, 12, 16])  # the bigger hub is not in the pool
    np.testing.assert_array_equal(choose("centrality", pool, 1, network, seed=seed), [11])


@pytest.mark.parametrize("seed", range(3))
def test_centrality_picks_the_clique_ends_of_a_barbell(seed):
    """In a barbell of two 5-cliques the two clique members tied to the bridge have degree 5."""
    network = network_of(barbell())
    chosen = choose("centrality", np.arange(11), 2, network, seed=seed)
    np.testing.assert_array_equal(chosen, [4, 6])


@pytest.mark.parametrize("seed", range(3))
def test_betweenness_picks_the_bridge_of_a_barbell(seed):
    network = network_of(barbell())
    everyone = np.arange(11)
    np.testing.assert_array_equal(choose("betweenness", everyone, 1, network, seed=seed), [5])
    np.testing.assert_array_equal(choose("betweenness", everyone, 3, network, seed=seed), [4, 5, 6])


def test_betweenness_ranks_within_the_pool():
    network = network_of(barbell())
    pool = np.array([0, 1, 6, 8])  # 6 is the only one on paths between the cliques
    np.testing.assert_array_equal(choose("betweenness", pool, 1, network, seed=2), [6])


def two_rings_and_a_bridge() -> nx.Graph:
    """Rings 0-119 and 121-240, and employee 120 tied to 0 and 121; 241 employees."""
    graph = nx.cycle_graph(120)
    nx.add_cycle(graph, range(121, 241))
    graph.add_edges_from([(120, 0), (120, 121)])
    return graph


def test_betweenness_on_a_large_network_is_sampled_but_finds_the_bridge():
    """Above 200 employees betweenness is estimated from 200 sampled sources.

    Every path between the rings (120 x 120 pairs) runs through 0, 120 and 121; within a ring
    of 120 an employee lies on about 120^2 / 8 paths, far fewer.
    """
    network = network_of(two_rings_and_a_bridge())
    chosen = choose("betweenness", np.arange(241), 3, network, seed=3)
    np.testing.assert_array_equal(chosen, [0, 120, 121])


def sampled_small_world() -> tuple[OrgNetwork, np.ndarray]:
    """A small world just above the exact-betweenness limit, and its employees."""
    n = BETWEENNESS_SAMPLES + 5
    graph = nx.connected_watts_strogatz_graph(n, 4, 0.2, seed=1)
    return network_of(graph), np.arange(n)


def test_sampled_betweenness_is_reproducible_from_the_seed():
    """The sampled estimate takes its seed from the rng: same seed, same choice."""
    network, everyone = sampled_small_world()
    first = choose("betweenness", everyone, 20, network, seed=5)
    twin, _ = sampled_small_world()  # the same ties, estimated afresh
    np.testing.assert_array_equal(choose("betweenness", everyone, 20, twin, seed=5), first)


def test_betweenness_above_the_limit_is_estimated_from_sampled_sources():
    """Above BETWEENNESS_SAMPLES employees only that many sources are sampled (exact would cost
    O(N * ties)), so near-equal employees rank differently under another seed.

    The exact top 20 of this graph is unambiguous (the 20th and 21st exact values differ), so
    with exact betweenness both seeds would choose the same 20.
    """
    network, everyone = sampled_small_world()
    twin, _ = sampled_small_world()  # the same ties, estimated afresh
    one = choose("betweenness", everyone, 20, network, seed=5)
    other = choose("betweenness", everyone, 20, twin, seed=6)
    assert len(one) == len(other) == 20
    assert set(one.tolist()) != set(other.tolist())


def test_betweenness_on_the_complete_graph_is_a_random_choice():
    """Everyone has the same betweenness, so the choice is the random tie-break."""
    network = OrgNetwork(6, None)
    picks = {tuple(choose("betweenness", np.arange(6), 2, network, seed=s)) for s in range(20)}
    assert len(picks) > 1
    assert all(len(set(p)) == 2 for p in picks)


@pytest.mark.parametrize("seed", range(3))
def test_managers_come_first(seed):
    network = OrgNetwork(12, None)
    manager = np.zeros(12, dtype=bool)
    manager[[2, 7, 9]] = True
    everyone = np.arange(12)
    np.testing.assert_array_equal(
        choose("managers", everyone, 3, network, manager, seed), [2, 7, 9]
    )
    five = choose("managers", everyone, 5, network, manager, seed)
    assert {2, 7, 9} <= set(five.tolist())
    assert len(set(five.tolist())) == 5
    two = choose("managers", everyone, 2, network, manager, seed)
    assert set(two.tolist()) <= {2, 7, 9}
    pool = np.array([0, 1, 3, 9, 10])  # only manager 9 is in the pool
    assert 9 in choose("managers", pool, 2, network, manager, seed)


def test_managers_beyond_the_count_are_chosen_at_random():
    """Among 4 managers, 2 are chosen: each with probability 1/2."""
    network = OrgNetwork(10, None)
    manager = np.zeros(10, dtype=bool)
    manager[[1, 4, 5, 8]] = True
    trials = 2000
    counts = pick_counts("managers", np.arange(10), 2, network, manager, trials)
    assert counts[~manager].sum() == 0
    # Binomial(2000, 1/2) per manager: sd 22.4, allow 5 sd.
    assert (np.abs(counts[manager] - trials / 2) < 5 * np.sqrt(trials / 4)).all()


# --- random choice and tie-breaks -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_random_picks_distinct_employees_from_the_pool(seed):
    network = OrgNetwork(30, None)
    pool = np.array([2, 5, 6, 11, 17, 18, 23, 29])
    chosen = choose("random", pool, 5, network, seed=seed)
    assert len(chosen) == 5
    assert np.isin(chosen, pool).all()
    assert (np.diff(chosen) > 0).all()  # distinct, in ascending order
    assert chosen.dtype.kind == "i"


def test_random_picks_uniformly():
    network = OrgNetwork(20, None)
    pool = np.array([1, 3, 4, 8, 9, 12, 15, 19])
    trials, count = 3000, 3
    counts = pick_counts("random", pool, count, network, no_managers(20), trials)
    assert counts.sum() == trials * count
    assert counts[np.setdiff1d(np.arange(20), pool)].sum() == 0
    # Each pool member is chosen with probability 3/8: Binomial(3000, 3/8), sd 26.5; 5 sd.
    p = count / len(pool)
    assert (np.abs(counts[pool] - trials * p) < 5 * np.sqrt(trials * p * (1 - p))).all()


@pytest.mark.parametrize("method", ["centrality", "betweenness"])
def test_ties_in_a_ranking_are_broken_at_random(method):
    """On a ring everyone ranks the same: each employee is picked with probability 1/6."""
    network = network_of(nx.cycle_graph(6))
    trials = 600
    counts = pick_counts(method, np.arange(6), 1, network, no_managers(6), trials)
    # Binomial(600, 1/6): sd 9.1, allow 5 sd.
    assert (np.abs(counts - trials / 6) < 5 * np.sqrt(trials * (1 / 6) * (5 / 6))).all()


def test_the_top_rank_is_kept_and_the_rest_tie_broken_at_random():
    """Hub 6 is always in; the other 2 come from its 8 equal leaves, each with probability 1/4."""
    graph = nx.star_graph(8)  # hub 0
    graph = nx.relabel_nodes(graph, {0: 6, 6: 0})
    network = network_of(graph)
    trials = 1600
    counts = pick_counts("centrality", np.arange(9), 3, network, no_managers(9), trials)
    assert counts[6] == trials
    leaves = np.delete(np.arange(9), 6)
    # Binomial(1600, 1/4): sd 17.3, allow 5 sd.
    assert (np.abs(counts[leaves] - trials / 4) < 5 * np.sqrt(trials * 0.25 * 0.75)).all()


# --- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["random", "centrality", "betweenness", "managers"])
def test_count_is_capped_at_the_pool(method):
    network = network_of(two_stars())
    pool = np.array([16, 3, 11, 7])
    np.testing.assert_array_equal(choose(method, pool, 10, network), [3, 7, 11, 16])


@pytest.mark.parametrize("count", [0, -2])
@pytest.mark.parametrize("method", ["random", "centrality", "betweenness", "managers"])
def test_nobody_is_chosen_for_no_count(method, count):
    chosen = choose(method, np.arange(17), count, network_of(two_stars()))
    assert len(chosen) == 0
    assert chosen.dtype == np.int64


def test_nobody_is_chosen_from_an_empty_pool():
    chosen = choose("centrality", np.empty(0, np.int64), 3, network_of(two_stars()))
    assert len(chosen) == 0
    assert chosen.dtype == np.int64


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="unknown selection method 'loudest'"):
        choose("loudest", np.arange(5), 2, OrgNetwork(5, None))


# --- choose_initial_adopters ----------------------------------------------------------------


def test_initial_adopters_by_count():
    network = OrgNetwork(20, None)
    for seed in range(3):
        chosen = choose_initial_adopters(
            InitialAdopters(count=4), network, no_managers(20), np.random.default_rng(seed)
        )
        assert len(set(chosen.tolist())) == 4
        assert ((chosen >= 0) & (chosen < 20)).all()


@pytest.mark.parametrize(("share", "expected"), [(0.13, 3), (0.12, 2), (0.5, 10), (1.0, 20)])
def test_initial_adopters_by_share_round_to_the_nearest_employee(share, expected):
    network = OrgNetwork(20, None)
    chosen = choose_initial_adopters(
        InitialAdopters(share=share), network, no_managers(20), np.random.default_rng(0)
    )
    assert len(set(chosen.tolist())) == expected  # 0.13 * 20 = 2.6 -> 3, 0.12 * 20 = 2.4 -> 2


def test_no_initial_adopters_without_count_or_share():
    chosen = choose_initial_adopters(
        InitialAdopters(), OrgNetwork(20, None), no_managers(20), np.random.default_rng(0)
    )
    assert len(chosen) == 0


def test_initial_adopters_from_the_table_are_not_chosen_here():
    chosen = choose_initial_adopters(
        InitialAdopters(count=5, choose="table"),
        OrgNetwork(20, None),
        no_managers(20),
        np.random.default_rng(0),
    )
    assert len(chosen) == 0
    assert chosen.dtype == np.int64


@pytest.mark.parametrize("seed", range(3))
def test_initial_adopters_by_centrality_and_betweenness(seed):
    stars = network_of(two_stars())
    rng = np.random.default_rng(seed)
    by_ties = choose_initial_adopters(
        InitialAdopters(count=2, choose="centrality"), stars, no_managers(17), rng
    )
    np.testing.assert_array_equal(by_ties, [6, 11])
    bridge = choose_initial_adopters(
        InitialAdopters(count=1, choose="betweenness"), network_of(barbell()), no_managers(11), rng
    )
    np.testing.assert_array_equal(bridge, [5])


def test_every_choice_on_one_network_ranks_by_the_same_betweenness_estimate():
    """Champions chosen at each unit's opening are ranked by one estimate per network, not
    by a new sample of sources each time; a network with new ties is estimated afresh."""
    network, everyone = sampled_small_world()
    first = choose("betweenness", everyone, 10, network, seed=1)
    again = choose("betweenness", everyone, 10, network, seed=2)
    np.testing.assert_array_equal(again, first)
    fresh, _ = sampled_small_world()  # the same ties, not yet estimated
    other = choose("betweenness", everyone, 10, fresh, seed=2)
    assert not np.array_equal(other, first)  # another sample of sources ranks differently
    tied = network.with_ties(np.array([0]), np.array([100]))
    assert tied.betweenness_estimate is None
