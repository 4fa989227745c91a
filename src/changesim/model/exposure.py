"""Exposure: the influence-weighted share of each employee's neighbours who have adopted.

The adoption rules read it every week (``f`` in docs/ODD.md). Instead of a sparse product over
the whole network each week, the weighted count of adopted neighbours, ``A @ (w * adopted)``, is
kept from week to week and corrected by the ties of the employees who adopted or reverted since
(a few percent of the network in a busy week). It is computed afresh when the network or the
influence weights change (new cross-unit ties; champions' weights), or when so many employees
changed that a fresh product is cheaper.
"""

from __future__ import annotations

import numpy as np

from changesim.build.network import OrgNetwork

#: Above this share of the network changed since the last count, count afresh.
RECOUNT_SHARE = 0.25
#: Networks with fewer ties (both directions) are counted afresh every time: one sparse
#: product then costs less than the bookkeeping of the changes.
INCREMENTAL_FROM_TIES = 50_000


class Exposure:
    """The weighted count of each employee's adopted neighbours, kept up to date.

    ``OrgState.adopt`` and ``OrgState.revert`` report every change; :meth:`share` applies them
    before it answers.

    Parameters
    ----------
    incremental_from : int
        Correct the count from the changes only on networks with at least this many ties
        (both directions); smaller ones are counted afresh each time.
    """

    def __init__(self, incremental_from: int = INCREMENTAL_FROM_TIES) -> None:
        self.incremental_from = incremental_from
        self._count = np.zeros(0)
        self._network: OrgNetwork | None = None
        self._weights: np.ndarray | None = None
        self._changes: list[tuple[np.ndarray, float]] = []
        self._changed = 0
        self._incremental = False  # True while there is a count worth correcting

    def changed(self, employees: np.ndarray, sign: float) -> None:
        """Record that ``employees`` (indices) adopted (``sign`` +1) or reverted (-1)."""
        if len(employees):
            self._changed += len(employees)
            if self._incremental:
                self._changes.append((employees, sign))

    def share(
        self,
        network: OrgNetwork,
        weights: np.ndarray,
        adopted: np.ndarray,
        employees: np.ndarray,
    ) -> np.ndarray:
        """Exposure of ``employees`` (indices): adopted neighbours' weight over all neighbours'
        weight, 0 for an employee without neighbours.

        ``weights`` must be replaced, not edited in place, when the influence weights change
        (as ``apply_interventions`` does).
        """
        count = self._current_count(network, weights, adopted)
        degree = network.weighted_degree(weights)[employees]
        if network.everyone_tied(weights):
            return count[employees] / degree
        out = np.zeros(len(employees))
        np.divide(count[employees], degree, out=out, where=degree > 0)
        return out

    def _current_count(
        self, network: OrgNetwork, weights: np.ndarray, adopted: np.ndarray
    ) -> np.ndarray:
        """``A @ (w * adopted)`` now, from the last count and the changes since."""
        same = network is self._network and weights is self._weights
        if same and self._changed == 0:  # nobody adopted or reverted since the last count
            return self._count
        if not self._incremental or not same or self._changed > RECOUNT_SHARE * network.size:
            self._count = network.neighbour_total(weights * adopted)
            self._network, self._weights = network, weights
            ties = 0 if network.adjacency is None else network.adjacency.nnz
            self._incremental = ties >= self.incremental_from
        elif self._changes:
            employees = np.concatenate([e for e, _ in self._changes])
            signs = np.concatenate([np.full(len(e), s) for e, s in self._changes])
            self._count += network.neighbour_sums(employees, signs * weights[employees])
        self._changes.clear()
        self._changed = 0
        return self._count
