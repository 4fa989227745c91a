"""The network built in place equals, bit for bit, the one built from edge lists before.

The previous generators (issue 13, before the network was built in place) are kept here
frozen: int64 edge arrays, the within-unit tie count from an intermediate matrix, and COO→CSR
with float values. For the same scenario and seed the new generators must give the same CSR
arrays (``indptr``, ``indices``, ``data``, dtypes included) and leave the random stream in the
same state, so that nothing downstream moves.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from changesim.build.network import adjacency_from_edges, build_network
from changesim.build.population import Employees
from changesim.scenario.network import ErdosRenyiNetwork, RingNetwork, SmallWorldNetwork

# --- the frozen previous implementation ------------------------------------------------------


def old_adjacency_from_edges(sources, targets, size):
    keep = sources != targets
    rows = np.concatenate([sources[keep], targets[keep]])
    cols = np.concatenate([targets[keep], sources[keep]])
    matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def old_lattice_edges(start, size, half_degree):
    n = len(start)
    if n:
        half_degree = min(half_degree, int(size.max()) - 1)
    offsets = np.arange(1, half_degree + 1)
    position = np.arange(n) - start
    sources = np.repeat(np.arange(n), half_degree)
    step = np.tile(offsets, n)
    block = np.repeat(size, half_degree)
    keep = step < block
    targets = np.repeat(start, half_degree) + (np.repeat(position, half_degree) + step) % block
    return sources[keep], targets[keep]


def old_blocks(unit):
    counts = np.bincount(unit)
    firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return firsts[unit], counts[unit]


def old_random_cross_unit_ties(unit, count, rng):
    if count <= 0 or len(np.unique(unit)) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pool = np.arange(len(unit))
    sources, targets = [], []
    found = 0
    for _ in range(20):
        src = pool[rng.integers(0, len(pool), 2 * count)]
        dst = rng.integers(0, len(unit), 2 * count)
        keep = unit[src] != unit[dst]
        sources.append(src[keep])
        targets.append(dst[keep])
        found += int(keep.sum())
        if found >= count:
            break
    return np.concatenate(sources)[:count], np.concatenate(targets)[:count]


def old_small_world(spec, unit, rng):
    n = len(unit)
    start, size = old_blocks(unit)
    src, dst = old_lattice_edges(start, size, spec.degree // 2)
    within = old_adjacency_from_edges(src, dst, n).nnz // 2
    rewired = rng.random(len(src)) < spec.rewire
    dst = dst.copy()
    dst[rewired] = start[src[rewired]] + (rng.random(rewired.sum()) * size[src[rewired]]).astype(
        np.int64
    )
    cross_src, cross_dst = old_random_cross_unit_ties(
        unit, round(spec.cross_unit_ties * within), rng
    )
    return old_adjacency_from_edges(
        np.concatenate([src, cross_src]), np.concatenate([dst, cross_dst]), n
    )


def old_ring(spec, unit, rng):
    n = len(unit)
    src, dst = old_lattice_edges(np.zeros(n, np.int64), np.full(n, n), spec.degree // 2)
    return old_adjacency_from_edges(src, dst, n)


def old_erdos_renyi(spec, unit, rng):
    n = len(unit)
    ties = round(n * spec.degree / 2)
    return old_adjacency_from_edges(rng.integers(0, n, ties), rng.integers(0, n, ties), n)


OLD = {"small_world": old_small_world, "ring": old_ring, "erdos_renyi": old_erdos_renyi}

# --- comparison ------------------------------------------------------------------------------


def employees(unit_sizes: list[int]) -> Employees:
    unit = np.repeat(np.arange(len(unit_sizes)), unit_sizes).astype(np.int32)
    n = len(unit)
    return Employees(
        unit=unit,
        readiness=np.zeros(n),
        resistance=np.zeros(n),
        threshold=np.zeros(n),
        manager=np.zeros(n, dtype=bool),
        initial_adopter=np.zeros(n, dtype=bool),
        ids=np.arange(n),
    )


def assert_identical(new: sp.csr_matrix, old: sp.csr_matrix) -> None:
    assert isinstance(new, sp.csr_matrix)
    assert new.shape == old.shape
    for name in ("indptr", "indices", "data"):
        a, b = getattr(new, name), getattr(old, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b, err_msg=name)


UNIT_SIZES = {
    "one unit": [60],
    "mixed": [40, 7, 3, 1, 25, 2, 11],
    "all smaller than the degree": [3, 2, 4, 1, 5],
    "example-like": [429, 86, 321, 164],
    "single employees": [1, 1, 1],
}

SPECS = [
    SmallWorldNetwork(kind="small_world"),
    SmallWorldNetwork(kind="small_world", degree=4, rewire=0.0, cross_unit_ties=0.0),
    SmallWorldNetwork(kind="small_world", degree=6, rewire=0.3, cross_unit_ties=0.0),
    SmallWorldNetwork(kind="small_world", degree=5, rewire=0.0, cross_unit_ties=0.25),
    SmallWorldNetwork(kind="small_world", degree=2, rewire=1.0, cross_unit_ties=1.0),
    SmallWorldNetwork(kind="small_world", degree=30, rewire=0.5, cross_unit_ties=0.1),
    RingNetwork(kind="ring", degree=4),
    RingNetwork(kind="ring", degree=11),
    RingNetwork(kind="ring", degree=1000),
    ErdosRenyiNetwork(kind="erdos_renyi", degree=6.0),
    ErdosRenyiNetwork(kind="erdos_renyi", degree=0.5),
]


@pytest.mark.parametrize("sizes", list(UNIT_SIZES.values()), ids=list(UNIT_SIZES))
@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: repr(spec))
@pytest.mark.parametrize("seed", [0, 7])
def test_generators_give_the_previous_adjacency_for_the_same_seed(spec, sizes, seed):
    staff = employees(sizes)
    rng_new, rng_old = np.random.default_rng(seed), np.random.default_rng(seed)
    new = build_network(spec, staff, rng_new).adjacency
    old = OLD[spec.kind](spec, staff.unit, rng_old)
    assert_identical(new, old)
    assert rng_new.bit_generator.state == rng_old.bit_generator.state  # same draws consumed


def test_large_example_like_small_world_is_identical():
    """About 20,000 employees in the example's proportions: chunked draws beyond one chunk."""
    staff = employees([8571, 1714, 6429, 3286])
    spec = SmallWorldNetwork(kind="small_world")
    rng_new, rng_old = np.random.default_rng(3), np.random.default_rng(3)
    assert_identical(
        build_network(spec, staff, rng_new).adjacency, old_small_world(spec, staff.unit, rng_old)
    )
    assert rng_new.bit_generator.state == rng_old.bit_generator.state


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_adjacency_from_edges_is_identical_for_any_index_dtype(dtype):
    rng = np.random.default_rng(11)
    sources = rng.integers(0, 50, 400).astype(dtype)
    targets = rng.integers(0, 50, 400).astype(dtype)
    assert_identical(
        adjacency_from_edges(sources, targets, 60), old_adjacency_from_edges(sources, targets, 60)
    )


def test_adjacency_from_no_edges_is_identical():
    empty = np.empty(0, np.int64)
    assert_identical(
        adjacency_from_edges(empty, empty, 5), old_adjacency_from_edges(empty, empty, 5)
    )
