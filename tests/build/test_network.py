"""The organisational network: adjacency, neighbour averages, ties added later, generators.

Graphs are built by hand, small enough to check against counts and means worked out on paper.
Every stochastic comparison uses fixed seeds and a tolerance derived from sampling error.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from changesim.build.network import (
    OrgNetwork,
    _adjacency,
    _draw_below,
    adjacency_from_edges,
    build_network,
    random_cross_unit_ties,
)
from changesim.build.population import Employees
from changesim.scenario.network import (
    CompleteNetwork,
    EdgeListNetwork,
    ErdosRenyiNetwork,
    RingNetwork,
    SmallWorldNetwork,
)

#: A tiny graph: a triangle 0-1-2, a pendant 3 on 2, and 4 without ties.
TINY_EDGES = [(0, 1), (0, 2), (1, 2), (2, 3)]


def employees(unit_sizes: list[int], ids: np.ndarray | None = None) -> Employees:
    """Employees in contiguous unit blocks of the given sizes (traits do not matter here)."""
    unit = np.repeat(np.arange(len(unit_sizes)), unit_sizes).astype(np.int32)
    n = len(unit)
    return Employees(
        unit=unit,
        readiness=np.zeros(n),
        resistance=np.zeros(n),
        threshold=np.zeros(n),
        manager=np.zeros(n, dtype=bool),
        initial_adopter=np.zeros(n, dtype=bool),
        ids=np.arange(n) if ids is None else ids,
    )


def network_of(size: int, edges: list[tuple[int, int]]) -> OrgNetwork:
    """An explicit network from undirected edges, built without ``adjacency_from_edges``."""
    graph = nx.Graph()
    graph.add_nodes_from(range(size))
    graph.add_edges_from(edges)
    return OrgNetwork(size, sp.csr_matrix(nx.to_scipy_sparse_array(graph, nodelist=range(size))))


def edge_set(network: OrgNetwork) -> set[tuple[int, int]]:
    """The undirected edges of an explicit network as (low, high) pairs."""
    coo = sp.triu(network.adjacency, k=1).tocoo()
    return {(int(i), int(j)) for i, j in zip(coo.row, coo.col, strict=True)}


def cross_unit_edges(network: OrgNetwork, unit: np.ndarray) -> int:
    """Number of undirected edges whose ends are in different units."""
    return sum(unit[i] != unit[j] for i, j in edge_set(network))


# --- adjacency_from_edges -------------------------------------------------------------------


def test_adjacency_is_symmetric_zero_one_without_self_loops_or_repeats():
    sources = np.array([0, 1, 1, 2, 3, 3, 4])
    targets = np.array([1, 0, 2, 2, 4, 4, 3])
    matrix = adjacency_from_edges(sources, targets, 6)
    assert isinstance(matrix, sp.csr_matrix)
    assert matrix.shape == (6, 6)  # employee 5 has no ties but is still a row and a column
    dense = matrix.toarray()
    expected = np.zeros((6, 6))
    for i, j in [(0, 1), (1, 2), (3, 4)]:  # 2-2 dropped; 0-1/1-0 and 3-4 (three times) merged
        expected[i, j] = expected[j, i] = 1.0
    np.testing.assert_array_equal(dense, expected)
    assert matrix.nnz == 6  # stored entries are exactly the ties, no explicit zeros
    np.testing.assert_array_equal(matrix.data, 1.0)


def test_adjacency_of_no_edges_is_empty_but_sized():
    matrix = adjacency_from_edges(np.array([2, 3]), np.array([2, 3]), 4)
    assert matrix.shape == (4, 4)
    assert matrix.nnz == 0


# --- OrgNetwork: degree, neighbours ---------------------------------------------------------


def test_degree_counts_ties():
    network = network_of(5, TINY_EDGES)
    np.testing.assert_array_equal(network.degree(), [2, 2, 3, 1, 0])


def test_complete_graph_degree_is_everyone_else():
    degree = OrgNetwork(6, None).degree()
    np.testing.assert_array_equal(degree, np.full(6, 5))
    assert degree.dtype == np.int64


def test_neighbours_of_explicit_network():
    network = network_of(5, TINY_EDGES)
    expected = {0: {1, 2}, 1: {0, 2}, 2: {0, 1, 3}, 3: {2}, 4: set()}
    for i, neighbours in expected.items():
        assert set(network.neighbours(i).tolist()) == neighbours


@pytest.mark.parametrize("i", [0, 3, 5])
def test_neighbours_in_complete_graph_are_everyone_else(i):
    np.testing.assert_array_equal(OrgNetwork(6, None).neighbours(i), np.delete(np.arange(6), i))


# --- OrgNetwork: neighbour_mean -------------------------------------------------------------

WEIGHTS = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
VALUES = np.array([0.0, 1.0, 0.5, 0.2, 0.9])


def test_neighbour_mean_is_the_weighted_mean_over_neighbours():
    network = network_of(5, TINY_EDGES)
    mean = network.neighbour_mean(VALUES, WEIGHTS)
    expected = [
        (2.0 * 1.0 + 0.5 * 0.5) / (2.0 + 0.5),  # 0: neighbours 1, 2
        (1.0 * 0.0 + 0.5 * 0.5) / (1.0 + 0.5),  # 1: neighbours 0, 2
        (1.0 * 0.0 + 2.0 * 1.0 + 1.0 * 0.2) / (1.0 + 2.0 + 1.0),  # 2: neighbours 0, 1, 3
        0.5,  # 3: only neighbour 2, total weight 0.5 (below 1 but above 0)
        0.0,  # 4: no ties -> the default for isolated employees
    ]
    np.testing.assert_allclose(mean, expected)
    assert mean.dtype == np.float64


def test_isolated_employees_get_the_given_scalar_or_their_own_entry():
    network = network_of(5, TINY_EDGES)
    np.testing.assert_allclose(network.neighbour_mean(VALUES, WEIGHTS, isolated=0.7)[4], 0.7)
    own = np.array([0.1, 0.2, 0.3, 0.4, 0.6])
    mean = network.neighbour_mean(VALUES, WEIGHTS, isolated=own)
    assert mean[4] == 0.6
    np.testing.assert_allclose(mean[:4], network.neighbour_mean(VALUES, WEIGHTS)[:4])
    # An integer or boolean default is fine and gives a float mean.
    whole = network.neighbour_mean(VALUES, WEIGHTS, isolated=1)
    assert whole.dtype == np.float64
    assert whole[4] == 1.0
    np.testing.assert_allclose(whole[0], 0.9)


def test_neighbours_without_weight_count_as_isolated():
    network = network_of(5, TINY_EDGES)
    weights = np.array([1.0, 2.0, 0.0, 1.0, 3.0])  # employee 3's only neighbour weighs nothing
    mean = network.neighbour_mean(VALUES, weights, isolated=-1.0)
    np.testing.assert_allclose(mean, [1.0, 0.0, (2.0 + 0.2) / 4.0, -1.0, -1.0])


def test_implicit_complete_graph_equals_the_explicit_one():
    rng = np.random.default_rng(7)
    n = 7
    values, weights = rng.random(n), rng.random(n) * 2.0
    explicit = network_of(n, [(i, j) for i in range(n) for j in range(i + 1, n)])
    implicit = OrgNetwork(n, None)
    by_hand = [np.average(np.delete(values, i), weights=np.delete(weights, i)) for i in range(n)]
    np.testing.assert_allclose(implicit.neighbour_mean(values, weights), by_hand)
    np.testing.assert_allclose(explicit.neighbour_mean(values, weights), by_hand)


def test_complete_graph_with_one_weighted_employee():
    """Only employee 0 has weight: everyone else sees 0's value, 0 itself is isolated."""
    values = np.array([0.8, 0.1, 0.2, 0.3])
    weights = np.array([0.5, 0.0, 0.0, 0.0])
    expected = [0.25, 0.8, 0.8, 0.8]
    np.testing.assert_allclose(OrgNetwork(4, None).neighbour_mean(values, weights, 0.25), expected)
    explicit = network_of(4, [(i, j) for i in range(4) for j in range(i + 1, 4)])
    np.testing.assert_allclose(explicit.neighbour_mean(values, weights, 0.25), expected)


# --- OrgNetwork: weighted-degree cache ------------------------------------------------------


def test_weighted_degree_is_the_sum_of_neighbour_weights():
    network = network_of(5, TINY_EDGES)
    np.testing.assert_allclose(network.weighted_degree(WEIGHTS), [2.5, 1.5, 4.0, 0.5, 0.0])


def test_weighted_degree_is_reused_for_the_same_array_and_recomputed_for_a_new_one():
    network = network_of(5, TINY_EDGES)
    first = network.weighted_degree(WEIGHTS)
    assert network.weighted_degree(WEIGHTS) is first  # no new sparse product
    doubled = WEIGHTS * 2.0
    np.testing.assert_allclose(network.weighted_degree(doubled), 2.0 * first)
    # The mean follows the new weights too: with 1 weighing nothing, 0 sees only 2.
    new = np.array([1.0, 0.0, 0.5, 1.0, 3.0])
    assert network.neighbour_mean(VALUES, new)[0] == 0.5


# --- OrgNetwork: with_ties, to_networkx -----------------------------------------------------


def test_with_ties_adds_exactly_the_new_undirected_ties():
    base = network_of(5, [(0, 1), (1, 2)])
    # 2-3 and 4-3 are new; 1-0 repeats an existing tie; 4-4 is a self-tie.
    grown = base.with_ties(np.array([2, 4, 1, 4]), np.array([3, 3, 0, 4]))
    assert grown.size == 5
    assert edge_set(grown) == {(0, 1), (1, 2), (2, 3), (3, 4)}
    np.testing.assert_array_equal(grown.adjacency.toarray(), grown.adjacency.toarray().T)
    np.testing.assert_array_equal(grown.adjacency.data, 1.0)
    assert edge_set(base) == {(0, 1), (1, 2)}  # the original is unchanged


def test_with_ties_leaves_the_complete_graph_alone():
    complete = OrgNetwork(4, None)
    assert complete.with_ties(np.array([0]), np.array([1])) is complete


def test_to_networkx_has_the_same_ties():
    graph = network_of(5, TINY_EDGES).to_networkx()
    assert sorted(graph.nodes) == [0, 1, 2, 3, 4]
    assert {tuple(sorted(e)) for e in graph.edges} == set(TINY_EDGES)
    complete = OrgNetwork(5, None).to_networkx()
    assert sorted(complete.nodes) == [0, 1, 2, 3, 4]
    assert complete.number_of_edges() == 5 * 4 // 2


# --- generators -----------------------------------------------------------------------------


def test_complete_network_is_implicit():
    network = build_network(CompleteNetwork(kind="complete"), employees([3, 4]), None)
    assert network.size == 7
    assert network.adjacency is None


@pytest.mark.parametrize("degree", [4, 5])
def test_ring_ties_each_employee_to_the_nearest_on_both_sides(degree):
    """Degree rounds down to even: each employee is tied to the 2 nearest either side."""
    n = 12
    network = build_network(RingNetwork(kind="ring", degree=degree), employees([5, 7]), None)
    np.testing.assert_array_equal(network.degree(), np.full(n, 4))
    for i in range(n):
        expected = {(i + d) % n for d in (-2, -1, 1, 2)}  # wraps around, across units
        assert set(network.neighbours(i).tolist()) == expected


def test_ring_smaller_than_its_degree_is_complete():
    network = build_network(RingNetwork(kind="ring", degree=10), employees([4]), None)
    assert edge_set(network) == {(i, j) for i in range(4) for j in range(i + 1, 4)}


def test_erdos_renyi_has_about_n_degree_over_2_ties():
    n, degree = 400, 6.0
    draws = round(n * degree / 2)
    # Of the ``draws`` random pairs, self-ties (expected draws/n) and repeats of a pair
    # (expected C(draws, 2) / C(n, 2)) are dropped; the lost count is roughly Poisson, so
    # allow its mean plus 5 standard deviations. More ties than draws is impossible.
    lost = draws / n + draws * (draws - 1) / (n * (n - 1))
    for seed in range(3):
        network = build_network(
            ErdosRenyiNetwork(kind="erdos_renyi", degree=degree),
            employees([n]),
            np.random.default_rng(seed),
        )
        ties = network.adjacency.nnz // 2
        assert draws - lost - 5 * np.sqrt(lost) <= ties <= draws
        np.testing.assert_array_equal(network.adjacency.toarray(), network.adjacency.toarray().T)
        assert network.adjacency.diagonal().sum() == 0


def test_small_world_without_rewiring_is_a_ring_lattice_per_unit():
    sizes = [10, 7, 3]  # the last unit is smaller than the degree: complete inside
    staff = employees(sizes)
    spec = SmallWorldNetwork(kind="small_world", degree=4, rewire=0.0, cross_unit_ties=0.0)
    network = build_network(spec, staff, np.random.default_rng(0))
    start = 0
    for size in sizes:
        for p in range(size):
            if size > 4:
                expected = {start + (p + d) % size for d in (-2, -1, 1, 2)}
            else:
                expected = set(range(start, start + size)) - {start + p}
            assert set(network.neighbours(start + p).tolist()) == expected
        start += size
    assert cross_unit_edges(network, staff.unit) == 0


def test_small_world_rewiring_keeps_ties_inside_units():
    staff = employees([50, 30, 40, 20])
    spec = SmallWorldNetwork(kind="small_world", degree=6, rewire=0.5, cross_unit_ties=0.0)
    for seed in range(3):
        network = build_network(spec, staff, np.random.default_rng(seed))
        assert cross_unit_edges(network, staff.unit) == 0
        assert network.adjacency.diagonal().sum() == 0


def test_small_world_rewires_the_configured_share_of_lattice_ties():
    sizes = [50, 50, 50, 50]
    staff = employees(sizes)
    lattice = build_network(
        SmallWorldNetwork(kind="small_world", degree=6, rewire=0.0, cross_unit_ties=0.0),
        staff,
        np.random.default_rng(0),
    )
    ties = edge_set(lattice)
    assert len(ties) == 200 * 3
    rewire = 0.3
    spec = SmallWorldNetwork(kind="small_world", degree=6, rewire=rewire, cross_unit_ties=0.0)
    network = build_network(spec, staff, np.random.default_rng(1))
    # A lattice tie disappears when it is rewired (probability 0.3) to another employee than its
    # old end (49 of 50 in its unit) and none of the 5 other ties of its two ends is rewired
    # onto it (each 0.3 / 50). The share lost is about binomial over 600 ties: allow 5 sd.
    lost = len(ties - edge_set(network)) / len(ties)
    expected = rewire * 49 / 50 * (1 - rewire / 50) ** 5
    assert abs(lost - expected) < 5 * np.sqrt(expected * (1 - expected) / len(ties))


@pytest.mark.parametrize("share", [0.1, 0.25])
def test_small_world_adds_the_configured_share_of_cross_unit_ties(share):
    sizes = [50, 50, 50, 50]
    staff = employees(sizes)
    n = sum(sizes)
    degree = 4
    within = n * degree // 2  # lattice ties, before rewiring
    wanted = round(share * within)
    # Random cross-unit pairs that land on the same pair are merged. Over the
    # (n^2 - sum size^2) / 2 possible cross-unit pairs, the expected number of repeats is
    # C(wanted, 2) / pairs (0.05 and 0.33 here); allow 3 (Poisson tail below 1e-3).
    pairs = (n**2 - sum(s**2 for s in sizes)) / 2
    assert wanted * (wanted - 1) / 2 / pairs < 0.5
    spec = SmallWorldNetwork(kind="small_world", degree=degree, rewire=0.3, cross_unit_ties=share)
    for seed in range(3):
        network = build_network(spec, staff, np.random.default_rng(seed))
        assert wanted - 3 <= cross_unit_edges(network, staff.unit) <= wanted


def test_cross_unit_share_counts_distinct_ties_in_units_smaller_than_the_degree():
    """Two units of 3 with degree 4: each unit is a triangle (3 distinct ties, though the
    lattice lists each twice), so share 0.5 asks for round(0.5 * 6) = 3 cross-unit ties, not
    6. (Repeats can only merge, so at most 3 are found.)"""
    staff = employees([3, 3])
    spec = SmallWorldNetwork(kind="small_world", degree=4, rewire=0.0, cross_unit_ties=0.5)
    found = [
        cross_unit_edges(build_network(spec, staff, np.random.default_rng(seed)), staff.unit)
        for seed in range(10)
    ]
    assert max(found) <= 3
    assert min(found) >= 1


@pytest.mark.parametrize(
    "spec",
    [
        RingNetwork(kind="ring", degree=4),
        ErdosRenyiNetwork(kind="erdos_renyi", degree=4.0),
        SmallWorldNetwork(kind="small_world", degree=4),
    ],
    ids=lambda spec: spec.kind,
)
def test_generators_size_the_network_to_the_employees(spec):
    staff = employees([30, 20])
    assert build_network(spec, staff, np.random.default_rng(0)).size == 50


def test_erdos_renyi_ties_reach_every_employee():
    """Both ends are drawn from all employees, the first and last included: at mean degree 20
    an employee is isolated with probability about e^-20 (2e-9), so nobody is."""
    spec = ErdosRenyiNetwork(kind="erdos_renyi", degree=20.0)
    for seed in range(3):
        network = build_network(spec, employees([60]), np.random.default_rng(seed))
        assert network.degree().min() > 0
        assert network.degree()[0] > 5  # about Poisson(20); below 6 has probability 2e-4


def test_small_world_odd_degree_is_rounded_down_to_even():
    """degree 5 gives the ring lattice of degree 4 (two neighbours on each side)."""
    spec = SmallWorldNetwork(kind="small_world", degree=5, rewire=0.0, cross_unit_ties=0.0)
    network = build_network(spec, employees([40]), np.random.default_rng(0))
    assert set(network.degree()) == {4}


def test_small_world_rewired_ties_land_anywhere_in_the_unit():
    """With rewire 1 every lattice tie gets a uniform new end inside its unit: degrees stay
    near the lattice's 4 (mean 4 minus merged repeats), no employee becomes a hub, and the new
    ends cover the unit. Under uniform ends a degree is about 2 + Poisson(2); above 15 has
    probability below 1e-7 per employee."""
    spec = SmallWorldNetwork(kind="small_world", degree=4, rewire=1.0, cross_unit_ties=0.0)
    staff = employees([200])
    network = build_network(spec, staff, np.random.default_rng(1))
    degree = network.degree()
    assert degree.max() <= 15
    assert (degree > 0).mean() > 0.95
    assert 3.5 < degree.mean() <= 4.0


def test_edge_list_maps_ids_to_employees(tmp_path):
    ids = np.array([30, 10, 20, 40, 50])
    (tmp_path / "edges.csv").write_text("source,target\n10,40\n30,20\n20,30\n40,40\n")
    spec = EdgeListNetwork(kind="edge_list", file=tmp_path / "edges.csv")
    network = build_network(spec, employees([2, 3], ids=ids), None)
    assert network.size == 5
    assert edge_set(network) == {(1, 3), (0, 2)}  # ids 10-40 and 30-20 (twice); 40-40 dropped


# --- random_cross_unit_ties -----------------------------------------------------------------


def test_cross_unit_ties_join_different_units():
    unit = np.repeat([0, 1, 2], 5)
    sources, targets = random_cross_unit_ties(unit, 300, np.random.default_rng(3))
    assert len(sources) == len(targets) == 300
    assert (unit[sources] != unit[targets]).all()
    # Every employee gets used at both ends: 300 draws, each employee has probability 1/15
    # per end, so missing one has probability (14/15)^300 < 1e-8.
    assert set(sources.tolist()) == set(range(15))
    assert set(targets.tolist()) == set(range(15))


def test_cross_unit_ties_start_among_the_given_employees():
    unit = np.repeat([0, 1, 2], 5)
    among = np.array([1, 7, 12])
    sources, targets = random_cross_unit_ties(unit, 60, np.random.default_rng(4), among=among)
    assert len(sources) == 60
    assert set(sources.tolist()) == {1, 7, 12}  # each chosen with probability 1/3 per tie
    assert (unit[sources] != unit[targets]).all()


@pytest.mark.parametrize("count", [1, 2, 5])
def test_exactly_count_cross_unit_ties_between_two_units(count):
    """Half the random pairs join the two equal units, so 20 rounds always find ``count``."""
    unit = np.repeat([0, 1], 4)
    for seed in range(20):
        sources, targets = random_cross_unit_ties(unit, count, np.random.default_rng(seed))
        assert len(sources) == len(targets) == count
        assert (unit[sources] != unit[targets]).all()


@pytest.mark.parametrize(
    ("unit", "count"),
    [(np.repeat([0, 1], 5), 0), (np.repeat([0, 1], 5), -3), (np.zeros(10, dtype=int), 5)],
)
def test_no_cross_unit_ties_when_none_asked_or_one_unit(unit, count):
    sources, targets = random_cross_unit_ties(unit, count, np.random.default_rng(0))
    assert len(sources) == len(targets) == 0
    assert sources.dtype == targets.dtype == np.int64


def test_cross_unit_ties_give_up_with_fewer_when_they_are_rare():
    """One outsider among 2,000: 20 rounds of 10 draws almost never find 5 cross-unit pairs."""
    unit = np.zeros(2001, dtype=int)
    unit[-1] = 1
    sources, targets = random_cross_unit_ties(
        unit, 5, np.random.default_rng(0), among=np.array([0])
    )
    assert len(sources) == len(targets) < 5
    assert (unit[sources] != unit[targets]).all()


def test_small_world_rewires_each_lattice_listing_of_a_small_unit():
    """A unit of 3 with degree 4 lists each of its 3 ties twice (once from each end); with
    rewire 1 every listing gets a uniform new end in the unit (a self-tie is dropped). A tie
    {a, b} is then missing only if neither of a's two listings hits b nor b's two hit a:
    (2/3)^4 = 16/81, so 3 * 65/81 = 2.41 ties are expected. The per-run sd is below 0.7, so
    the mean of 400 seeds is within 0.1 (3 standard errors)."""
    spec = SmallWorldNetwork(kind="small_world", degree=4, rewire=1.0, cross_unit_ties=0.0)
    staff = employees([3])
    ties = [
        build_network(spec, staff, np.random.default_rng(seed)).adjacency.nnz // 2
        for seed in range(400)
    ]
    assert abs(np.mean(ties) - 3 * 65 / 81) < 0.1


# --- OrgNetwork: neighbour_sums -------------------------------------------------------------


@pytest.mark.parametrize("complete", [False, True])
def test_neighbour_sums_add_the_listed_employees_amounts_to_their_neighbours(complete):
    rng = np.random.default_rng(3)
    n = 9
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if complete or rng.random() < 0.4]
    network = OrgNetwork(n, None) if complete else network_of(n, edges)
    matrix = network_of(n, edges).adjacency.toarray()
    employees = np.array([4, 0, 4, 7])  # 4 listed twice counts twice
    amounts = np.array([1.5, -2.0, 0.25, 3.0])
    by_hand = matrix[:, employees] @ amounts
    np.testing.assert_allclose(network.neighbour_sums(employees, amounts), by_hand)
    nobody = network.neighbour_sums(np.empty(0, np.int64), np.empty(0))
    np.testing.assert_array_equal(nobody, np.zeros(n))


def test_neighbour_total_is_the_product_with_the_adjacency():
    network = network_of(5, TINY_EDGES)
    np.testing.assert_allclose(
        network.neighbour_total(VALUES), network.adjacency.toarray() @ VALUES
    )
    complete = OrgNetwork(4, None)
    np.testing.assert_allclose(complete.neighbour_total(np.array([1.0, 2, 3, 4])), [9, 8, 7, 6])


def test_adjacency_from_several_edge_lists_is_that_of_their_concatenation():
    """``_adjacency`` fills one pair of index arrays from any number of edge lists in turn."""
    rng = np.random.default_rng(12)
    parts = [(rng.integers(0, 40, k), rng.integers(0, 40, k)) for k in (30, 0, 25, 17)]
    together = adjacency_from_edges(
        np.concatenate([s for s, _ in parts]), np.concatenate([t for _, t in parts]), 40
    )
    built = _adjacency([s for s, _ in parts], [t for _, t in parts], 40)
    assert (built != together).nnz == 0
    assert built.nnz == together.nnz > 0


@pytest.mark.parametrize("chunk", [1, 3, 7, 1 << 20])
def test_draw_below_in_chunks_draws_the_same_numbers(chunk):
    expected = np.random.default_rng(4).random(10) < 0.4
    np.testing.assert_array_equal(_draw_below(np.random.default_rng(4), 10, 0.4, chunk), expected)
