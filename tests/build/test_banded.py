"""The adjacency split into full diagonals and a correction: the same matrix, the same product.

The split must rebuild A exactly (diagonals + correction, entry by entry), take a diagonal whole
exactly when enough of it is filled, and give ``A @ x`` to rounding on every kind of network
the generators build, including units whose lattices wrap, isolated employees and ties added
later.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from changesim.build.banded import BandedAdjacency, _row_chunks
from changesim.build.network import OrgNetwork, adjacency_from_edges, build_network
from changesim.build.population import Employees
from changesim.scenario.network import (
    ErdosRenyiNetwork,
    RingNetwork,
    SmallWorldNetwork,
)


def employees_in_units(sizes: list[int]) -> Employees:
    unit = np.repeat(np.arange(len(sizes)), sizes).astype(np.int32)
    n = len(unit)
    return Employees(
        unit=unit,
        manager=np.zeros(n, dtype=bool),
        readiness=np.full(n, 0.5),
        resistance=np.full(n, 0.5),
        threshold=np.full(n, 0.5),
        initial_adopter=np.zeros(n, dtype=bool),
        ids=np.array([f"e{i}" for i in range(n)]),
    )


def rebuilt(split: BandedAdjacency, n: int) -> np.ndarray:
    """sum of the full diagonals + the correction, as a dense matrix."""
    dense = split.correction.toarray()
    for d in split.offsets:
        dense += np.eye(n, k=d)
    return dense


def networks() -> dict[str, sp.csr_matrix]:
    rng = np.random.default_rng(5)
    staff = employees_in_units([40, 3, 17, 60, 1, 25])
    small_world = build_network(
        SmallWorldNetwork(kind="small_world", degree=10, rewire=0.1), staff, rng
    )
    ring = build_network(RingNetwork(kind="ring", degree=6), staff, rng)
    sparse = build_network(ErdosRenyiNetwork(kind="erdos_renyi", degree=4), staff, rng)
    with_ties = small_world.with_ties(np.arange(0, 40, 4), np.arange(100, 140, 4))
    return {
        "small_world": small_world.adjacency,
        "ring": ring.adjacency,
        "erdos_renyi": sparse.adjacency,
        "small_world_with_ties": with_ties.adjacency,
    }


@pytest.mark.parametrize("name", ["small_world", "ring", "erdos_renyi", "small_world_with_ties"])
def test_split_rebuilds_the_adjacency_exactly(name):
    adjacency = networks()[name]
    n = adjacency.shape[0]
    split = BandedAdjacency.split(adjacency)
    np.testing.assert_array_equal(rebuilt(split, n), adjacency.toarray())
    # the correction holds only +1 (far ties) and -1 (holes of a full diagonal)
    assert set(np.unique(split.correction.data)) <= {-1.0, 1.0}


@pytest.mark.parametrize("name", ["small_world", "ring", "erdos_renyi", "small_world_with_ties"])
def test_banded_product_is_the_csr_product_to_rounding(name):
    adjacency = networks()[name]
    split = BandedAdjacency.split(adjacency)
    values = np.random.default_rng(9).random(adjacency.shape[0])
    np.testing.assert_allclose(split.matvec(values), adjacency @ values, rtol=0, atol=1e-12)
    flags = values > 0.5  # booleans are counted as 0/1
    np.testing.assert_allclose(split.matvec(flags), adjacency @ flags.astype(float), atol=1e-12)


def test_lattices_put_their_ties_on_the_diagonals():
    adjacency = networks()["small_world"]
    split = BandedAdjacency.split(adjacency)
    assert split.offsets == (-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)
    # far ties and holes together are fewer than half the ties
    assert 0 < split.correction.nnz < adjacency.nnz / 2


def test_one_ring_keeps_only_its_wrapping_ties_in_the_correction():
    n, half = 50, 3
    sources = np.repeat(np.arange(n), half)
    targets = (sources + np.tile(np.arange(1, half + 1), n)) % n
    split = BandedAdjacency.split(adjacency_from_edges(sources, targets, n))
    assert split.offsets == (-3, -2, -1, 1, 2, 3)
    # ties (i, i + d - n) for i >= n - d: 1 + 2 + 3 of them each way, no holes
    assert split.correction.nnz == 2 * (1 + 2 + 3)
    assert np.all(split.correction.data == 1.0)


def test_a_diagonal_is_taken_whole_from_min_fill_on():
    n = 5  # diagonal +1 has 4 positions; fill 2 of them (and their mirror)
    adjacency = adjacency_from_edges(np.array([0, 2]), np.array([1, 3]), n)
    at_half = BandedAdjacency.split(adjacency, min_fill=0.5)
    assert at_half.offsets == (-1, 1)
    np.testing.assert_array_equal(rebuilt(at_half, n), adjacency.toarray())
    above = BandedAdjacency.split(adjacency, min_fill=0.51)
    assert above.offsets == ()
    assert above.correction is adjacency  # nothing split: the product is the CSR product


def test_offsets_beyond_widest_stay_in_the_correction():
    n = 30
    sources = np.arange(n - 8)
    adjacency = adjacency_from_edges(sources, sources + 8, n)  # diagonal +-8, full
    assert BandedAdjacency.split(adjacency, widest=8).offsets == (-8, 8)
    assert BandedAdjacency.split(adjacency, widest=7).offsets == ()


def test_isolated_employees_and_an_empty_network():
    adjacency = adjacency_from_edges(np.array([0, 1, 2]), np.array([1, 2, 3]), 8)
    split = BandedAdjacency.split(adjacency)
    values = np.arange(8.0)
    np.testing.assert_array_equal(split.matvec(values), adjacency @ values)
    empty = adjacency_from_edges(np.empty(0, np.int64), np.empty(0, np.int64), 4)
    assert BandedAdjacency.split(empty).matvec(np.ones(4)).tolist() == [0.0] * 4


def test_network_takes_the_banded_product_from_its_tie_count_on():
    staff = employees_in_units([200, 150])
    network = build_network(
        SmallWorldNetwork(kind="small_world", degree=8, rewire=0.2), staff, np.random.default_rng(2)
    )
    values = np.random.default_rng(3).random(network.size)
    exact = network.adjacency @ values
    np.testing.assert_array_equal(network.neighbour_total(values), exact)  # below: plain CSR
    assert network._banded is None
    network.banded_from = network.adjacency.nnz
    np.testing.assert_allclose(network.neighbour_total(values), exact, atol=1e-12)
    assert network._banded is not None
    assert network._banded.offsets
    assert network.with_ties(np.array([0]), np.array([300])).banded_from == network.adjacency.nnz


def test_complete_network_has_no_matrix_to_split():
    network = OrgNetwork(4, None, banded_from=0)
    np.testing.assert_array_equal(network.neighbour_total(np.arange(4.0)), [6.0, 5.0, 4.0, 3.0])


@pytest.mark.parametrize("chunk_ties", [1, 7, 64, 1000])
def test_split_in_blocks_of_rows_is_the_split_at_once(chunk_ties):
    adjacency = networks()["small_world_with_ties"]
    whole = BandedAdjacency.split(adjacency)
    blocks = BandedAdjacency.split(adjacency, chunk_ties=chunk_ties)
    assert blocks.offsets == whole.offsets
    assert (blocks.correction != whole.correction).nnz == 0


@pytest.mark.parametrize("ties", [1, 9, 100, 10_000])
def test_row_blocks_cover_every_row_once_with_about_the_asked_entries(ties):
    indptr = networks()["small_world"].indptr
    n, entries = len(indptr) - 1, int(indptr[-1])
    chunks = _row_chunks(indptr, ties)
    assert chunks[0][0] == 0
    assert chunks[-1][1] == n
    assert all(a == b for (_, a), (b, _) in itertools.pairwise(chunks))
    assert all(first < after for first, after in chunks)
    widest_row = int(np.diff(indptr).max())
    sizes = [int(indptr[after] - indptr[first]) for first, after in chunks]
    assert max(sizes) < ties + widest_row  # a block ends at the row that reaches ``ties``
    assert len(chunks) >= min(n, entries // (ties + widest_row))


def test_two_employees_with_one_tie_are_two_full_diagonals():
    adjacency = adjacency_from_edges(np.array([0]), np.array([1]), 2)
    split = BandedAdjacency.split(adjacency)
    assert split.offsets == (-1, 1)
    assert split.correction.nnz == 0
    np.testing.assert_array_equal(split.matvec(np.array([3.0, 5.0])), [5.0, 3.0])


def test_an_employee_without_ties_inside_the_band_sums_to_exactly_zero():
    """Its holes' -x and the diagonals' +x cancel only to rounding; with weights that are not
    sums of powers of two (champions at intensity 0.01: 1.09) the rest would be about 1e-16
    and pass for a neighbour, giving a mean of noise over noise."""
    n, half, alone = 20, 3, 10
    sources = np.concatenate([np.arange(n - d) for d in range(1, half + 1)])
    targets = sources + np.repeat(np.arange(1, half + 1), [n - d for d in range(1, half + 1)])
    keep = (sources != alone) & (targets != alone)
    adjacency = adjacency_from_edges(sources[keep], targets[keep], n)
    network = OrgNetwork(n, adjacency, banded_from=0)
    weights = np.ones(n)
    weights[[7, 11]] = 1.0 + 9.0 * 0.01
    degree = network.weighted_degree(weights)
    assert network._banded is not None
    assert network._banded.offsets == (-3, -2, -1, 1, 2, 3)
    assert degree[alone] == 0.0
    assert not network.everyone_tied(weights)
    readiness = np.linspace(0.05, 0.95, n)
    mean = network.neighbour_mean(readiness, weights, readiness)
    assert mean[alone] == readiness[alone]
    expected = OrgNetwork(n, adjacency).neighbour_mean(readiness, weights, readiness)
    np.testing.assert_allclose(mean, expected, atol=1e-12)


def csr(data: list[float], indices: list[int], indptr: list[int]) -> sp.csr_matrix:
    return sp.csr_matrix((np.array(data), np.array(indices), np.array(indptr)), shape=(3, 3))


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(csr([1.0, 1.0], [1, 1], [0, 2, 2, 2]), id="repeated entry"),
        pytest.param(csr([1.0, 1.0], [2, 1], [0, 2, 2, 2]), id="unsorted indices"),
        pytest.param(csr([2.0, 2.0], [1, 0], [0, 1, 2, 2]), id="weighted"),
        pytest.param(csr([0.0, 1.0], [1, 0], [0, 1, 2, 2]), id="stored zero"),
    ],
)
def test_split_refuses_what_is_not_a_canonical_0_1_matrix(broken):
    with pytest.raises(
        ValueError, match=r"^the adjacency must be canonical CSR with every stored value 1$"
    ):
        BandedAdjacency.split(broken)


def test_a_long_run_of_rows_without_ties_becomes_holes():
    n = 1_000
    sources = np.arange(199)
    adjacency = adjacency_from_edges(sources, sources + 1, n)  # rows 200 on have no ties
    split = BandedAdjacency.split(adjacency, min_fill=0.1, chunk_ties=64)
    assert split.offsets == (-1, 1)
    assert np.sum(split.correction.data == -1.0) == 2 * (n - 1 - 199)
    np.testing.assert_array_equal(rebuilt(split, n), adjacency.toarray())
    np.testing.assert_array_equal(split.isolated, np.arange(200, n))


def test_offsets_far_from_the_diagonal_get_their_own_slots():
    n = 300
    sources = np.arange(n - 100)
    adjacency = adjacency_from_edges(sources, sources + 100, n)
    split = BandedAdjacency.split(adjacency, widest=150)
    assert split.offsets == (-100, 100)
    assert split.correction.nnz == 0
