"""Betweenness on the sparse matrix, checked against networkx.

Exact values (every node a source) must equal ``networkx.betweenness_centrality`` to 1e-9;
sampled values must equal networkx's own estimate for the same source nodes, which networkx
is made to use through a ``random.Random`` whose ``sample`` returns them.
"""

from __future__ import annotations

import random
import re

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from changesim.build.betweenness import betweenness
from changesim.build.network import OrgNetwork, build_network
from changesim.build.population import Employees
from changesim.build.selection import BETWEENNESS_SAMPLES, _betweenness, choose_employees
from changesim.scenario.network import RingNetwork, SmallWorldNetwork


def adjacency_of(graph: nx.Graph) -> sp.csr_matrix:
    """The CSR adjacency of ``graph`` with nodes 0..n-1 in order."""
    n = graph.number_of_nodes()
    return sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(n)))


def as_array(values: dict, n: int) -> np.ndarray:
    return np.array([values[i] for i in range(n)])


def employees(unit_sizes: list[int]) -> Employees:
    """Employees in contiguous unit blocks (only the units matter to the network)."""
    unit = np.repeat(np.arange(len(unit_sizes)), unit_sizes).astype(np.int32)
    n = len(unit)
    zeros = np.zeros(n)
    return Employees(
        unit=unit,
        readiness=zeros,
        resistance=zeros,
        threshold=zeros,
        manager=np.zeros(n, dtype=bool),
        initial_adopter=np.zeros(n, dtype=bool),
        ids=np.arange(n),
    )


def small_world(unit_sizes: list[int], seed: int = 3) -> nx.Graph:
    """The model's own small world (degree 6, 10% rewired, 5% cross-unit ties) as networkx."""
    spec = SmallWorldNetwork(kind="small_world", degree=6, rewire=0.1, cross_unit_ties=0.05)
    network = build_network(spec, employees(unit_sizes), np.random.default_rng(seed))
    return nx.from_scipy_sparse_array(network.adjacency)


def disconnected() -> nx.Graph:
    """A path 0-4, a triangle 5-7 with a pendant 8, a star 9-13 and an isolated node 14."""
    graph = nx.path_graph(5)
    graph.add_edges_from([(5, 6), (6, 7), (5, 7), (7, 8)])
    graph.add_edges_from((9, leaf) for leaf in range(10, 14))
    graph.add_node(14)
    return graph


def graphs() -> dict[str, nx.Graph]:
    return {
        "path": nx.path_graph(9),
        "star": nx.star_graph(7),
        "cycle": nx.cycle_graph(10),  # even: two shortest paths between opposite nodes
        "grid": nx.grid_2d_graph(4, 5),  # many equal shortest paths
        "barbell": nx.barbell_graph(5, 1),
        "long barbell": nx.barbell_graph(4, 3),
        "watts strogatz": nx.connected_watts_strogatz_graph(60, 4, 0.2, seed=1),
        "model small world": small_world([30, 25, 40, 5]),
        "disconnected": disconnected(),
        "complete": nx.complete_graph(6),
    }


def numbered(graph: nx.Graph) -> nx.Graph:
    return nx.convert_node_labels_to_integers(graph, ordering="sorted")


class Chosen(random.Random):
    """Makes networkx's sampled betweenness use the given source nodes."""

    def __init__(self, sources: np.ndarray) -> None:
        super().__init__(0)
        self.sources = [int(s) for s in sources]

    def sample(self, population, k, *, counts=None):  # type: ignore[override]
        assert k == len(self.sources)
        return list(self.sources)


def networkx_sampled(graph: nx.Graph, sources: np.ndarray) -> np.ndarray:
    values = nx.betweenness_centrality(graph, k=len(sources), seed=Chosen(sources))
    return as_array(values, graph.number_of_nodes())


# --- exact --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(graphs()))
def test_all_sources_give_networkx_exact_betweenness(name):
    graph = numbered(graphs()[name])
    n = graph.number_of_nodes()
    expected = as_array(nx.betweenness_centrality(graph, normalized=True), n)
    got = betweenness(adjacency_of(graph), np.arange(n))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


@pytest.mark.parametrize("block", [1, 2, 7, 1000])
def test_the_block_size_does_not_change_the_result(block):
    graph = numbered(graphs()["model small world"])
    n = graph.number_of_nodes()
    expected = as_array(nx.betweenness_centrality(graph), n)
    got = betweenness(adjacency_of(graph), np.arange(n), block=block)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_known_values_on_a_path_and_a_star():
    """Path of 5: node i lies between i(4 - i) pairs, of (4 * 3) / 2 = 6; a star's hub on all."""
    path = betweenness(adjacency_of(nx.path_graph(5)), np.arange(5))
    np.testing.assert_allclose(path, [0, 3 / 6, 4 / 6, 3 / 6, 0], atol=1e-12)
    star = betweenness(adjacency_of(nx.star_graph(6)), np.arange(7))
    np.testing.assert_allclose(star, [1, 0, 0, 0, 0, 0, 0], atol=1e-12)


def test_isolated_nodes_and_other_components_lie_on_no_path():
    got = betweenness(adjacency_of(disconnected()), np.arange(15))
    assert got[14] == 0.0  # isolated
    assert got[[0, 4, 5, 6, 8, 10, 11, 12, 13]].tolist() == [0.0] * 9  # ends and leaves
    assert (got[[1, 2, 3, 7, 9]] > 0).all()


def test_weights_and_self_ties_are_ignored():
    graph = numbered(graphs()["grid"])
    n = graph.number_of_nodes()
    plain = adjacency_of(graph)
    weighted = plain.copy()
    weighted.data = np.linspace(0.5, 3.0, weighted.nnz)
    looped = (plain + sp.eye(n, format="csr")).tocsr()
    expected = betweenness(plain, np.arange(n))
    np.testing.assert_array_equal(betweenness(weighted, np.arange(n)), expected)
    np.testing.assert_array_equal(betweenness(looped, np.arange(n)), expected)


def test_two_nodes_or_fewer_give_zeros():
    np.testing.assert_array_equal(betweenness(adjacency_of(nx.path_graph(2)), [0, 1]), [0, 0])
    np.testing.assert_array_equal(betweenness(adjacency_of(nx.empty_graph(1)), [0]), [0])


def test_three_nodes_are_the_smallest_graph_with_a_node_between():
    """A path of three: its middle lies on the one path between the ends (normalised: 1)."""
    got = betweenness(adjacency_of(nx.path_graph(3)), np.arange(3))
    np.testing.assert_allclose(got, [0, 1, 0], atol=1e-12)


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ([], "betweenness needs at least one source"),
        ([0, 3, 3], "sources must be distinct"),
        ([0, 9], "sources must be node indices in 0..8"),
        ([-1], "sources must be node indices in 0..8"),
    ],
)
def test_bad_sources_are_refused(sources, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        betweenness(adjacency_of(nx.path_graph(9)), np.array(sources, dtype=np.int64))


# --- sampled ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["path", "grid", "long barbell", "model small world"])
@pytest.mark.parametrize("k", [2, 5, 8])
def test_sampled_sources_give_networkx_estimate_for_the_same_sources(name, k):
    """networkx scales the sampled sum by 1/((k-1)(n-2)) at sources and 1/(k(n-2)) elsewhere."""
    graph = numbered(graphs()[name])
    n = graph.number_of_nodes()
    sources = np.random.default_rng(k).choice(n, k, replace=False)
    got = betweenness(adjacency_of(graph), sources)
    np.testing.assert_allclose(got, networkx_sampled(graph, sources), rtol=0, atol=1e-9)


def test_sampled_sources_on_a_disconnected_graph_include_an_isolated_one():
    graph = disconnected()
    sources = np.array([14, 2, 9, 6, 0])
    got = betweenness(adjacency_of(graph), sources)
    np.testing.assert_allclose(got, networkx_sampled(graph, sources), rtol=0, atol=1e-9)


def test_a_single_source_leaves_its_own_value_undefined_as_networkx_does():
    graph = nx.path_graph(6)
    got = betweenness(adjacency_of(graph), np.array([1]))
    expected = networkx_sampled(graph, np.array([1]))
    assert np.isnan(got[1])
    assert np.isnan(expected[1])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_the_estimate_averages_to_the_exact_value():
    """Over every set of 2 sources of a path of 6 the estimate averages to the exact value."""
    graph = nx.path_graph(6)
    exact = betweenness(adjacency_of(graph), np.arange(6))
    pairs = [np.array([a, b]) for a in range(6) for b in range(a + 1, 6)]
    mean = np.mean([betweenness(adjacency_of(graph), pair) for pair in pairs], axis=0)
    np.testing.assert_allclose(mean, exact, atol=1e-12)


# --- in selection -------------------------------------------------------------------------


def two_worlds_and_a_bridge() -> tuple[OrgNetwork, np.ndarray]:
    """Two small worlds of 6,000 joined by the path a - 12,000 - 12,001 - 12,002 - b.

    Every path between the halves (6,000 x 6,000 pairs) runs through the three bridge
    employees and their two ends a and b; inside one half an employee lies on far fewer.
    """
    spec = SmallWorldNetwork(kind="small_world", degree=8, rewire=0.1, cross_unit_ties=0.02)
    half = build_network(spec, employees([1000] * 6), np.random.default_rng(1)).adjacency
    n = 12_003
    a, b = 17, 6000 + 4321
    bridge = sp.coo_matrix(
        (np.ones(4), ([a, 12_000, 12_001, 12_002], [12_000, 12_001, 12_002, b])), shape=(n, n)
    )
    matrix = sp.block_diag([half, half, sp.csr_matrix((3, 3))]) + bridge + bridge.T
    return OrgNetwork(n, sp.csr_matrix(matrix)), np.array([a, 12_000, 12_001, 12_002, b])


def test_sampled_betweenness_at_scale_ranks_the_bridge_first():
    network, bridge = two_worlds_and_a_bridge()
    assert network.size > BETWEENNESS_SAMPLES
    everyone = np.arange(network.size)
    manager = np.zeros(network.size, dtype=bool)
    for seed in range(3):
        rng = np.random.default_rng(seed)
        chosen = choose_employees("betweenness", everyone, 5, network, manager, rng)
        np.testing.assert_array_equal(chosen, np.sort(bridge))


def test_sampled_betweenness_is_reproducible_and_depends_on_the_seed():
    graph = nx.connected_watts_strogatz_graph(1500, 6, 0.1, seed=2)
    network = OrgNetwork(1500, adjacency_of(graph))
    first = _betweenness(network, np.random.default_rng(7))
    np.testing.assert_array_equal(_betweenness(network, np.random.default_rng(7)), first)
    assert not np.array_equal(_betweenness(network, np.random.default_rng(8)), first)


def test_sampled_betweenness_uses_the_drawn_sources():
    """Above the limit the sources are ``rng.choice(n, 200, replace=False)``."""
    graph = nx.connected_watts_strogatz_graph(400, 4, 0.2, seed=4)
    network = OrgNetwork(400, adjacency_of(graph))
    sources = np.random.default_rng(11).choice(400, BETWEENNESS_SAMPLES, replace=False)
    np.testing.assert_allclose(
        _betweenness(network, np.random.default_rng(11)),
        networkx_sampled(graph, sources),
        rtol=0,
        atol=1e-9,
    )


def test_small_networks_get_the_exact_value_without_drawing():
    graph = nx.connected_watts_strogatz_graph(BETWEENNESS_SAMPLES, 4, 0.2, seed=4)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    got = _betweenness(OrgNetwork(BETWEENNESS_SAMPLES, adjacency_of(graph)), rng)
    assert rng.bit_generator.state == state
    expected = as_array(nx.betweenness_centrality(graph), BETWEENNESS_SAMPLES)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_the_complete_network_has_zero_betweenness_as_networkx_says():
    np.testing.assert_array_equal(_betweenness(OrgNetwork(7, None), np.random.default_rng(0)), 0)
    assert set(nx.betweenness_centrality(nx.complete_graph(7)).values()) == {0.0}


def test_a_ring_of_many_levels_is_exact():
    """A ring of 200 has 100 levels per search."""
    ring = build_network(
        RingNetwork(kind="ring", degree=2), employees([200]), np.random.default_rng(0)
    )
    got = betweenness(ring.adjacency, np.arange(200))
    expected = as_array(nx.betweenness_centrality(nx.cycle_graph(200)), 200)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
    assert np.ptp(got) < 1e-12  # and the same for everyone
