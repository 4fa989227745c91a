"""The organisational network: generators registered by kind, and neighbour averages.

Generators build edge arrays with numpy directly (no networkx in the hot path) and return an
:class:`OrgNetwork`: a symmetric ``scipy.sparse`` CSR adjacency matrix, or the implicit complete
graph, which is never stored (N = 10,000 would need 10^8 entries).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from changesim.build.banded import BandedAdjacency
from changesim.build.population import Employees
from changesim.build.tables import edge_list_indices
from changesim.registry import NETWORKS, register_network
from changesim.scenario.network import (
    CompleteNetwork,
    EdgeListNetwork,
    ErdosRenyiNetwork,
    Network,
    RingNetwork,
    SmallWorldNetwork,
)

if TYPE_CHECKING:
    import networkx as nx

#: Networks with fewer ties (both directions) take the plain CSR product. Measured on the
#: scaled example (small world, degree 10): as fast at 1,000,000 ties (100,000 employees, the
#: values fit in the core's cache), 1.6x faster at 2,000,000 and at 10,000,000.
BANDED_FROM_TIES = 1_500_000


@dataclass
class OrgNetwork:
    """Who influences whom. ``adjacency`` is None for the complete network.

    The weighted degree ``A @ w`` is kept between calls while the weights stay the same (they
    change only while champions are active), saving one sparse product per average.
    """

    size: int
    adjacency: sp.csr_matrix | None
    _weights: np.ndarray | None = field(default=None, repr=False)
    _weighted_degree: np.ndarray | None = field(default=None, repr=False)
    _uniform: bool = field(default=False, repr=False)  # every weight in ``_weights`` is 1
    _all_tied: bool = field(default=False, repr=False)  # every weighted degree is above 0
    #: Betweenness as estimated by the first choice by betweenness on this network (see
    #: :func:`changesim.build.selection.choose_employees`); a network with new ties has none.
    betweenness_estimate: np.ndarray | None = field(default=None, repr=False)
    #: Products on networks with at least this many ties (both directions) use the banded split.
    banded_from: int = field(default=BANDED_FROM_TIES, repr=False)
    _banded: BandedAdjacency | None = field(default=None, repr=False)

    def degree(self) -> np.ndarray:
        """Number of ties of each employee."""
        if self.adjacency is None:
            return np.full(self.size, self.size - 1, dtype=np.int64)
        return np.diff(self.adjacency.indptr)

    def neighbours(self, i: int) -> np.ndarray:
        """Indices of the neighbours of employee ``i``."""
        if self.adjacency is None:
            return np.delete(np.arange(self.size), i)
        return self.adjacency.indices[self.adjacency.indptr[i] : self.adjacency.indptr[i + 1]]

    def neighbour_mean(
        self, values: np.ndarray, weights: np.ndarray, isolated: np.ndarray | float = 0.0
    ) -> np.ndarray:
        """Influence-weighted mean of ``values`` over each employee's neighbours.

        Employees without (weighted) neighbours get ``isolated``. For the complete graph the
        mean runs over everyone else, computed from totals in O(N).
        """
        total_w = self.weighted_degree(weights)
        # Weights of 1 leave the values as they are (and 1.0 * x == x exactly).
        uniform = self._uniform and values.dtype == np.float64
        total = self.neighbour_total(values if uniform else weights * values)
        if self._all_tied:  # nobody isolated: the sums become the means in place
            total /= total_w
            return total
        if np.ndim(isolated) == 0:
            out = np.full(self.size, float(isolated))
        else:
            out = np.array(isolated, dtype=np.float64)
        np.divide(total, total_w, out=out, where=total_w > 0)
        return out

    def neighbour_total(self, values: np.ndarray) -> np.ndarray:
        """Per employee, the sum of ``values`` over its neighbours, ``A @ values``.

        On networks of at least ``banded_from`` ties the product runs on the matrix split into
        full diagonals and a correction (:mod:`changesim.build.banded`), built at the first
        call; it agrees with the CSR product to rounding.
        """
        if self.adjacency is None:
            return values.sum() - values
        if self.adjacency.nnz < self.banded_from:
            return self.adjacency @ values
        if self._banded is None:
            self._banded = BandedAdjacency.split(self.adjacency)
        return self._banded.matvec(values)

    def neighbour_sums(self, employees: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """Per employee, the sum of ``amounts`` over its neighbours among ``employees``.

        ``A[:, employees] @ amounts``, in time proportional to the ties of ``employees`` (plus
        one pass over the output); an employee listed twice counts twice.
        """
        if self.adjacency is None:
            own = np.bincount(employees, weights=amounts, minlength=self.size)
            return amounts.sum() - own
        indptr, indices = self.adjacency.indptr, self.adjacency.indices
        starts = indptr[employees]
        counts = indptr[employees + 1] - starts
        # Positions of the listed employees' ties in ``indices``, one block per employee.
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        ties = offsets + np.arange(len(offsets))
        return np.bincount(indices[ties], weights=np.repeat(amounts, counts), minlength=self.size)

    def weighted_degree(self, weights: np.ndarray) -> np.ndarray:
        """Sum of the neighbours' weights, ``A @ w``, reused while ``weights`` is the same array.

        Callers replace the weight array when weights change rather than editing it in place.
        """
        if self._weights is not weights or self._weighted_degree is None:
            self._weights = weights
            self._weighted_degree = self.neighbour_total(weights)
            self._uniform = bool(np.all(weights == 1.0))
            self._all_tied = bool(np.all(self._weighted_degree > 0))
        return self._weighted_degree

    def everyone_tied(self, weights: np.ndarray) -> bool:
        """True when every employee has neighbours of positive total weight (under ``weights``),
        so that no neighbour mean needs the value for the isolated."""
        self.weighted_degree(weights)
        return self._all_tied

    def with_ties(self, sources: np.ndarray, targets: np.ndarray) -> OrgNetwork:
        """A copy with extra undirected ties (no effect on the complete graph)."""
        if self.adjacency is None:
            return self
        coo = self.adjacency.tocoo()
        return OrgNetwork(
            self.size,
            adjacency_from_edges(
                np.concatenate([coo.row, sources]), np.concatenate([coo.col, targets]), self.size
            ),
            banded_from=self.banded_from,
        )

    def to_networkx(self) -> nx.Graph:
        """The network as a ``networkx.Graph`` (for centrality measures and views)."""
        import networkx as nx

        if self.adjacency is None:
            return nx.complete_graph(self.size)
        return nx.from_scipy_sparse_array(self.adjacency)


def adjacency_from_edges(sources: np.ndarray, targets: np.ndarray, size: int) -> sp.csr_matrix:
    """Symmetric 0/1 CSR matrix from edge arrays, without self-loops or duplicate ties."""
    return _adjacency([sources], [targets], size)


def _index_dtype(*extents: int) -> type[np.signedinteger]:
    """int32 when every index and count fits (as scipy chooses for the CSR arrays), else int64."""
    return np.int32 if max(extents, default=0) <= np.iinfo(np.int32).max else np.int64


def _adjacency(sources: list[np.ndarray], targets: list[np.ndarray], size: int) -> sp.csr_matrix:
    """Symmetric 0/1 CSR matrix from lists of edge arrays, which it empties as it goes.

    Both directions go straight into one pair of index arrays (int32 where they fit); scipy's
    counting sort turns them into CSR with 1-byte booleans as values, merging repeats, and the
    float 1.0 values are made once, for the distinct ties only. The canonical CSR (sorted
    indices, no repeats) depends only on the set of ties, so this is the matrix the COO route
    with float values gives.
    """
    keeps = [s != t for s, t in zip(sources, targets, strict=True)]
    counts = [int(keep.sum()) for keep in keeps]
    ties = sum(counts)
    dtype = _index_dtype(size, 2 * ties)
    rows = np.empty(2 * ties, dtype)
    cols = np.empty(2 * ties, dtype)
    at = 0
    while sources:
        src, dst, keep, count = sources.pop(0), targets.pop(0), keeps.pop(0), counts.pop(0)
        np.compress(keep, src, out=rows[at : at + count])
        np.compress(keep, dst, out=rows[ties + at : ties + at + count])
        del src, dst, keep
        at += count
    cols[:ties] = rows[ties:]
    cols[ties:] = rows[:ties]
    merged = sp.csr_matrix((np.ones(2 * ties, dtype=bool), (rows, cols)), shape=(size, size))
    del rows, cols
    merged.sum_duplicates()
    return sp.csr_matrix(
        (np.ones(merged.nnz), merged.indices, merged.indptr), shape=(size, size), copy=False
    )


#: A generator: ``build(spec, employees, rng)`` with the scenario's ``network`` section.
NetworkBuilder = Callable[[Network, Employees, np.random.Generator], OrgNetwork]


def build_network(spec: Network, employees: Employees, rng: np.random.Generator) -> OrgNetwork:
    """Build the network described by the scenario's ``network`` section."""
    return NETWORKS.get(spec.kind)(spec, employees, rng)


def complete(spec: CompleteNetwork, employees: Employees, rng: np.random.Generator) -> OrgNetwork:
    """Everyone tied to everyone, kept implicit."""
    return OrgNetwork(employees.size, None)


def _lattice_edges(
    start: np.ndarray, size: np.ndarray, half_degree: int, dtype: type = np.int64
) -> tuple[np.ndarray, np.ndarray]:
    """Ring-lattice edges within blocks: employee i to the next ``half_degree`` in its block.

    ``start`` and ``size`` give, per employee, its block's first index and length. Edges are
    listed employee by employee, nearest first (the rewiring draws follow this order); an
    employee of a block of s lists min(half_degree, s - 1) of them (small blocks list some
    ties twice; repeats are merged later). Filled one step at a time into ``dtype`` arrays.
    """
    n = len(start)
    if n:  # offsets beyond the largest block only give repeats that are dropped
        half_degree = min(half_degree, int(size.max()) - 1)
    listed = np.minimum(size - 1, max(half_degree, 0))
    sources: np.ndarray = np.repeat(np.arange(n, dtype=dtype), listed)
    targets: np.ndarray = np.empty(len(sources), dtype)
    position = np.arange(n) - start
    if n and int(listed.min()) == half_degree:  # every employee lists them all: a table
        table = targets.reshape(n, half_degree)
        for step in range(1, half_degree + 1):
            table[:, step - 1] = start + (position + step) % size
        return sources, targets
    first = np.cumsum(listed) - listed
    for step in range(1, half_degree + 1):
        who = np.flatnonzero(listed >= step)
        targets[first[who] + (step - 1)] = start[who] + (position[who] + step) % size[who]
    return sources, targets


def _lattice_ties(sizes: np.ndarray, half_degree: int) -> int:
    """Distinct ties of the ring lattices of blocks of these sizes: s * h, or the complete
    graph's s (s - 1) / 2 when 2h >= s (offsets k and s - k then give the same pairs)."""
    sizes = sizes.astype(np.int64)
    return int(
        np.where(2 * half_degree < sizes, sizes * half_degree, sizes * (sizes - 1) // 2).sum()
    )


def _blocks(unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per employee, the first index and size of its (contiguous) unit block."""
    counts = np.bincount(unit)
    firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return firsts[unit], counts[unit]


def _draw_below(rng: np.random.Generator, count: int, p: float, chunk: int = 1 << 20) -> np.ndarray:
    """``rng.random(count) < p``, drawn in chunks (the same numbers) to bound the float array."""
    out = np.empty(count, dtype=bool)
    for at in range(0, count, chunk):
        np.less(rng.random(min(chunk, count - at)), p, out=out[at : at + chunk])
    return out


def ring(spec: RingNetwork, employees: Employees, rng: np.random.Generator) -> OrgNetwork:
    """One ring lattice over the organisation, units in order."""
    n = employees.size
    half = spec.degree // 2
    src, dst = _lattice_edges(np.zeros(n, np.int64), np.full(n, n), half, _index_dtype(n))
    return OrgNetwork(n, _adjacency([src], [dst], n))


def erdos_renyi(
    spec: ErdosRenyiNetwork, employees: Employees, rng: np.random.Generator
) -> OrgNetwork:
    """G(n, M) with M = n * degree / 2 random ties (self-ties and repeats dropped)."""
    n = employees.size
    ties = round(n * spec.degree / 2)
    return OrgNetwork(
        n, adjacency_from_edges(rng.integers(0, n, ties), rng.integers(0, n, ties), n)
    )


def small_world(
    spec: SmallWorldNetwork, employees: Employees, rng: np.random.Generator
) -> OrgNetwork:
    """Watts-Strogatz inside each unit, plus random ties between units.

    Built without an edge list per tie of Python objects or int64 temporaries per listing:
    the lattice is filled in place (int32 where it fits), rewired in place, and the within-unit
    tie count that sizes the cross-unit ties comes from the unit sizes.
    """
    n = employees.size
    half = spec.degree // 2
    start, size = _blocks(employees.unit)
    src, dst = _lattice_edges(start, size, half, _index_dtype(n))
    within = _lattice_ties(np.bincount(employees.unit), half)  # distinct: small units repeat
    rewired = _draw_below(rng, len(src), spec.rewire)
    who = src[rewired]
    dst[rewired] = start[who] + (rng.random(len(who)) * size[who]).astype(np.int64)
    del rewired, who, start, size
    cross_src, cross_dst = random_cross_unit_ties(
        employees.unit, round(spec.cross_unit_ties * within), rng
    )
    sources, targets = [src, cross_src], [dst, cross_dst]
    del src, dst, cross_src, cross_dst
    return OrgNetwork(n, _adjacency(sources, targets, n))


def random_cross_unit_ties(
    unit: np.ndarray, count: int, rng: np.random.Generator, among: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random ties between employees of different units (fewer if impossible).

    ``among`` restricts the first end of each tie to these employee indices.
    """
    if count <= 0 or len(np.unique(unit)) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pool = np.arange(len(unit)) if among is None else among
    sources, targets = [], []
    found = 0
    for _ in range(20):  # rejection sampling; each round keeps the cross-unit pairs
        src = pool[rng.integers(0, len(pool), 2 * count)]
        dst = rng.integers(0, len(unit), 2 * count)
        keep = unit[src] != unit[dst]
        sources.append(src[keep])
        targets.append(dst[keep])
        found += int(keep.sum())
        if found >= count:
            break
    return np.concatenate(sources)[:count], np.concatenate(targets)[:count]


def edge_list(spec: EdgeListNetwork, employees: Employees, rng: np.random.Generator) -> OrgNetwork:
    """A measured network from a CSV/Parquet edge list with 'source' and 'target' ids."""
    sources, targets = edge_list_indices(spec.file, employees.ids)
    return OrgNetwork(employees.size, adjacency_from_edges(sources, targets, employees.size))


# The built-ins, registered without a decorator so that their bodies stay plain functions
# (mutation testing skips decorated functions).
register_network("complete")(complete)
register_network("ring")(ring)
register_network("erdos_renyi")(erdos_renyi)
register_network("small_world")(small_world)
register_network("edge_list")(edge_list)
