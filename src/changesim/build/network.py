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
        weighted = weights * values
        if self.adjacency is None:
            total_w = weights.sum() - weights
            total = weighted.sum() - weighted
        else:
            total_w = self.weighted_degree(weights)
            total = self.adjacency @ weighted
        out = np.broadcast_to(np.asarray(isolated, dtype=np.float64), (self.size,)).copy()
        np.divide(total, total_w, out=out, where=total_w > 0)
        return out

    def weighted_degree(self, weights: np.ndarray) -> np.ndarray:
        """Sum of the neighbours' weights, ``A @ w``, reused while ``weights`` is the same array.

        Callers replace the weight array when weights change rather than editing it in place.
        """
        if self._weights is not weights or self._weighted_degree is None:
            self._weights = weights
            self._weighted_degree = self.adjacency @ weights
        return self._weighted_degree

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
        )

    def to_networkx(self) -> nx.Graph:
        """The network as a ``networkx.Graph`` (for centrality measures and views)."""
        import networkx as nx

        if self.adjacency is None:
            return nx.complete_graph(self.size)
        return nx.from_scipy_sparse_array(self.adjacency)


def adjacency_from_edges(sources: np.ndarray, targets: np.ndarray, size: int) -> sp.csr_matrix:
    """Symmetric 0/1 CSR matrix from edge arrays, without self-loops or duplicate ties."""
    keep = sources != targets
    rows = np.concatenate([sources[keep], targets[keep]])
    cols = np.concatenate([targets[keep], sources[keep]])
    matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(size, size))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


#: A generator: ``build(spec, employees, rng)`` with the scenario's ``network`` section.
NetworkBuilder = Callable[[Network, Employees, np.random.Generator], OrgNetwork]


def build_network(spec: Network, employees: Employees, rng: np.random.Generator) -> OrgNetwork:
    """Build the network described by the scenario's ``network`` section."""
    return NETWORKS.get(spec.kind)(spec, employees, rng)


def complete(spec: CompleteNetwork, employees: Employees, rng: np.random.Generator) -> OrgNetwork:
    """Everyone tied to everyone, kept implicit."""
    return OrgNetwork(employees.size, None)


def _lattice_edges(
    start: np.ndarray, size: np.ndarray, half_degree: int
) -> tuple[np.ndarray, np.ndarray]:
    """Ring-lattice edges within blocks: employee i to the next ``half_degree`` in its block.

    ``start`` and ``size`` give, per employee, its block's first index and length.
    """
    n = len(start)
    if n:  # offsets beyond the largest block only give repeats that are dropped
        half_degree = min(half_degree, int(size.max()) - 1)
    offsets = np.arange(1, half_degree + 1)
    position = np.arange(n) - start
    sources = np.repeat(np.arange(n), half_degree)
    step = np.tile(offsets, n)
    block = np.repeat(size, half_degree)
    keep = step < block  # small blocks: fewer ties; repeats are merged later
    targets = np.repeat(start, half_degree) + (np.repeat(position, half_degree) + step) % block
    return sources[keep], targets[keep]


def _blocks(unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per employee, the first index and size of its (contiguous) unit block."""
    counts = np.bincount(unit)
    firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return firsts[unit], counts[unit]


def ring(spec: RingNetwork, employees: Employees, rng: np.random.Generator) -> OrgNetwork:
    """One ring lattice over the organisation, units in order."""
    n = employees.size
    src, dst = _lattice_edges(np.zeros(n, np.int64), np.full(n, n), spec.degree // 2)
    return OrgNetwork(n, adjacency_from_edges(src, dst, n))


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
    """Watts-Strogatz inside each unit, plus random ties between units."""
    n = employees.size
    start, size = _blocks(employees.unit)
    src, dst = _lattice_edges(start, size, spec.degree // 2)
    within = adjacency_from_edges(src, dst, n).nnz // 2  # distinct ties: small units repeat
    rewired = rng.random(len(src)) < spec.rewire
    dst = dst.copy()
    dst[rewired] = start[src[rewired]] + (rng.random(rewired.sum()) * size[src[rewired]]).astype(
        np.int64
    )
    cross_src, cross_dst = random_cross_unit_ties(
        employees.unit, round(spec.cross_unit_ties * within), rng
    )
    return OrgNetwork(
        n,
        adjacency_from_edges(np.concatenate([src, cross_src]), np.concatenate([dst, cross_dst]), n),
    )


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
