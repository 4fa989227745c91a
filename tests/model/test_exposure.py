"""Exposure kept from week to week equals the share counted afresh, whatever happens between."""

from __future__ import annotations

import numpy as np
import pytest

from changesim.build.network import OrgNetwork, adjacency_from_edges
from changesim.model.exposure import RECOUNT_SHARE, Exposure


def random_network(n: int, rng: np.random.Generator, complete: bool = False) -> OrgNetwork:
    if complete:
        return OrgNetwork(n, None)
    sources, targets = rng.integers(0, n, 4 * n), rng.integers(0, n, 4 * n)
    return OrgNetwork(n, adjacency_from_edges(sources, targets, n))


def fresh(network: OrgNetwork, weights: np.ndarray, adopted: np.ndarray) -> np.ndarray:
    return network.neighbour_mean(adopted, weights)


@pytest.mark.parametrize("incremental_from", [0, 10**9])  # corrected, or counted afresh
@pytest.mark.parametrize("complete", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_exposure_follows_adoptions_reversions_new_weights_and_new_ties(
    seed, complete, incremental_from
):
    rng = np.random.default_rng(seed)
    n = 400
    network = random_network(n, rng, complete)
    weights = np.ones(n)
    adopted = np.zeros(n, dtype=bool)
    exposure = Exposure(incremental_from)
    everyone = np.arange(n)
    for week in range(30):
        adopters = rng.choice(np.flatnonzero(~adopted), size=rng.integers(0, 12), replace=False)
        adopted[adopters] = True
        exposure.changed(adopters, 1.0)
        if week % 3 == 0 and adopted.any():  # some adopters revert
            back = rng.choice(np.flatnonzero(adopted), size=min(3, adopted.sum()), replace=False)
            adopted[back] = False
            exposure.changed(back, -1.0)
        if week % 7 == 3:  # champions weigh more: a new weight array
            weights = 1.0 + 4.5 * (rng.random(n) < 0.05)
        if week == 19 and not complete:  # cross-unit ties: a new network, same weights
            network = OrgNetwork(
                n,
                adjacency_from_edges(
                    np.concatenate([network.adjacency.tocoo().row, rng.integers(0, n, 50)]),
                    np.concatenate([network.adjacency.tocoo().col, rng.integers(0, n, 50)]),
                    n,
                ),
            )
        asked = rng.choice(n, size=50, replace=False)
        np.testing.assert_allclose(
            exposure.share(network, weights, adopted, asked),
            fresh(network, weights, adopted)[asked],
            rtol=0,
            atol=1e-12,
        )
    np.testing.assert_allclose(
        exposure.share(network, weights, adopted, everyone), fresh(network, weights, adopted)
    )


def test_exposure_is_zero_without_neighbours_and_one_among_adopters():
    network = OrgNetwork(4, adjacency_from_edges(np.array([0, 1]), np.array([1, 2]), 4))
    adopted = np.array([True, False, True, False])
    share = Exposure().share(network, np.ones(4), adopted, np.arange(4))
    np.testing.assert_array_equal(share, [0.0, 1.0, 0.0, 0.0])  # 3 has no ties
    only_the_middle = np.array([False, True, False, False])  # 0 and 2: their one neighbour
    share = Exposure().share(network, np.ones(4), only_the_middle, np.arange(4))
    np.testing.assert_array_equal(share, [1.0, 0.0, 1.0, 0.0])


def test_many_changes_are_counted_afresh_and_give_the_same_share():
    rng = np.random.default_rng(1)
    n = 200
    network = random_network(n, rng)
    weights, adopted = np.ones(n), np.zeros(n, dtype=bool)
    exposure = Exposure(incremental_from=0)
    exposure.share(network, weights, adopted, np.arange(n))
    many = np.arange(int(RECOUNT_SHARE * n) + 1)
    adopted[many] = True
    exposure.changed(many, 1.0)
    exposure.changed(many[:5], 1.0)  # a wrong report is not applied: the count starts afresh
    np.testing.assert_allclose(
        exposure.share(network, weights, adopted, np.arange(n)), fresh(network, weights, adopted)
    )


def counting_products(network: OrgNetwork) -> list[int]:
    """Count the network's full products from now on (one entry per call)."""
    calls: list[int] = []
    product = network.neighbour_total

    def counted(values: np.ndarray) -> np.ndarray:
        calls.append(1)
        return product(values)

    network.neighbour_total = counted  # type: ignore[method-assign]
    return calls


def test_a_few_changes_are_corrected_without_a_fresh_product():
    rng = np.random.default_rng(5)
    n = 400
    network = random_network(n, rng)
    weights, adopted = np.ones(n), np.zeros(n, dtype=bool)
    exposure = Exposure(incremental_from=0)
    exposure.share(network, weights, adopted, np.arange(n))
    calls = counting_products(network)
    limit = int(RECOUNT_SHARE * n)  # up to a quarter of the network: corrected
    adopted[:limit] = True
    exposure.changed(np.arange(limit), 1.0)
    corrected = exposure.share(network, weights, adopted, np.arange(n))
    assert calls == []
    np.testing.assert_allclose(corrected, fresh(network, weights, adopted))
    adopted[limit : 2 * limit + 1] = True  # more than a quarter: counted afresh
    exposure.changed(np.arange(limit, 2 * limit + 1), 1.0)
    exposure.share(network, weights, adopted, np.arange(n))
    assert len(calls) == 2  # the check against ``fresh`` made one


@pytest.mark.parametrize("incremental_from", [0, 10**9])  # corrected, or counted afresh
def test_a_quiet_week_keeps_the_count_until_the_network_or_weights_change(incremental_from):
    rng = np.random.default_rng(8)
    n = 300
    network = random_network(n, rng)
    weights, adopted = np.ones(n), rng.random(n) < 0.3
    exposure = Exposure(incremental_from=incremental_from)
    first = exposure.share(network, weights, adopted, np.arange(n))
    calls = counting_products(network)
    exposure.changed(np.empty(0, dtype=np.int64), 1.0)  # an empty change is no change
    np.testing.assert_array_equal(exposure.share(network, weights, adopted, np.arange(n)), first)
    assert calls == []  # nobody changed: the last count serves
    weights = weights.copy()
    weights[:10] = 4.0  # new weights (champions): counted afresh
    np.testing.assert_allclose(
        exposure.share(network, weights, adopted, np.arange(n)), fresh(network, weights, adopted)
    )
    assert len(calls) == 3  # the count, the weighted degree, and the check against ``fresh``
    wider = network.with_ties(np.arange(5), np.arange(100, 105))
    np.testing.assert_allclose(
        exposure.share(wider, weights, adopted, np.arange(n)), fresh(wider, weights, adopted)
    )


def test_small_networks_are_counted_afresh_every_time():
    rng = np.random.default_rng(6)
    n = 300
    network = random_network(n, rng)
    weights, adopted = np.ones(n), np.zeros(n, dtype=bool)
    exposure = Exposure(incremental_from=network.adjacency.nnz + 1)
    exposure.share(network, weights, adopted, np.arange(n))
    calls = counting_products(network)
    adopted[:3] = True
    exposure.changed(np.arange(3), 1.0)
    exposure.share(network, weights, adopted, np.arange(n))
    assert len(calls) == 1
    large = Exposure(incremental_from=network.adjacency.nnz)  # exactly at the limit: corrected
    large.share(network, weights, adopted, np.arange(n))
    adopted[3:6] = True
    large.changed(np.arange(3, 6), 1.0)
    large.share(network, weights, adopted, np.arange(n))
    assert len(calls) == 2
