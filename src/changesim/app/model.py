"""The model the page drives: a :class:`~changesim.ChangeModel` built from the controls.

Mesa's SolaraViz rebuilds the model on Reset by calling its class with the controls' values
as keyword arguments; :class:`AppModel` turns them into a scenario variant
(:func:`changesim.app.choices.variant`) and runs the ordinary ``ChangeModel`` on it. With a
second route chosen, it steps a twin ``ChangeModel`` of that route on the same seed, so the
two can be drawn side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from changesim.app.choices import NO_TWIN, OWN_ROUTE, Choices, RouteOption, variant
from changesim.model.change_model import ChangeModel
from changesim.scenario import Scenario

#: Customers simulated by default in the app (the example organisation has 100,000; fewer
#: keep each week cheap; shares and satisfaction are means, so they hardly change).
APP_CUSTOMERS = 10_000
#: At most this many employees are drawn in the network view.
NETWORK_SAMPLE = 300


@dataclass(frozen=True)
class AppBase:
    """What stays fixed while the controls move: the scenario, the routes, the customers."""

    scenario: Scenario
    routes: list[RouteOption] = field(default_factory=list)
    customers: int | None = APP_CUSTOMERS
    base_dir: Path | None = None

    def build(self, choices: Choices) -> Scenario:
        """The scenario for these choices."""
        customers = self.customers if self.scenario.customers is not None else None
        return variant(
            self.scenario, choices, self.routes, customers=customers, base_dir=self.base_dir
        )


class AppModel(ChangeModel):
    """A ChangeModel built from the app's controls (keyword arguments, as SolaraViz passes).

    Parameters
    ----------
    base : AppBase
        The scenario and routes on offer.
    seed : int
        Seed of the run (the twin uses the same one).
    compare : str
        A second route to run alongside on the same seed, or ``"none"``.
    route, readiness, resistance, imitation, champions_share, champions_choose, steering,
    feed_day
        The fields of :class:`~changesim.app.choices.Choices`.
    """

    def __init__(
        self,
        *,
        base: AppBase,
        seed: int = 42,
        compare: str = NO_TWIN,
        route: str = OWN_ROUTE,
        readiness: float | None = None,
        resistance: float | None = None,
        imitation: float | None = None,
        champions_share: float | None = None,
        champions_choose: str | None = None,
        steering: float = 1.0,
        feed_day: str | None = None,
    ) -> None:
        self.base = base
        self.choices = Choices(
            route=route,
            readiness=readiness,
            resistance=resistance,
            imitation=imitation,
            champions_share=champions_share,
            champions_choose=champions_choose,
            steering=steering,
            feed_day=feed_day,
        )
        super().__init__(base.build(self.choices), rng=int(seed), agents=False)
        self.twin: ChangeModel | None = None
        self.twin_route = compare
        if compare not in (NO_TWIN, route):
            twin_settings = base.build(replace(self.choices, route=compare))
            self.twin = ChangeModel(twin_settings, rng=int(seed), agents=False)

    @property
    def route_name(self) -> str:
        """The chosen route's name, or the scenario's route kind for its own route."""
        if self.choices.route == OWN_ROUTE:
            return f"{self.settings.route.kind} ({self.settings.name})"
        return self.choices.route

    def step(self) -> None:
        """One week of the model and of its twin."""
        super().step()
        if self.twin is not None and self.twin.running:
            self.twin.step()

    @cached_property
    def network_sample(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(employees, positions, edges) of the drawn sample, computed once per model.

        At most :data:`NETWORK_SAMPLE` employees, a run of consecutive employees of each unit
        in proportion to its headcount, from the starting network; positions from a spring
        layout of the sample; edges as index pairs into the sample.
        """
        import networkx as nx

        state = self.state
        rng = np.random.default_rng(self.seed_used)
        if state.size <= NETWORK_SAMPLE:
            chosen = np.arange(state.size)
        else:
            parts = []
            for start, count in zip(state.unit_start, state.headcount, strict=True):
                # a contiguous run of each unit keeps the ties among neighbours in the sample
                take = max(1, round(NETWORK_SAMPLE * count / state.size))
                first = start + int(rng.integers(count - take + 1))
                parts.append(np.arange(first, first + take))
            chosen = np.sort(np.concatenate(parts))
        adjacency = state.network.adjacency
        graph: nx.Graph = nx.Graph()
        graph.add_nodes_from(range(len(chosen)))
        edges: np.ndarray = np.empty((0, 2), dtype=np.int64)
        if adjacency is not None:
            sub = adjacency[chosen][:, chosen].tocoo()
            pairs = np.column_stack([sub.row, sub.col]).astype(np.int64)
            edges = pairs[pairs[:, 0] < pairs[:, 1]]
            graph.add_edges_from((int(a), int(b)) for a, b in edges)
        layout = nx.spring_layout(graph, seed=int(rng.integers(2**31)), iterations=50)
        positions = np.array([layout[i] for i in range(len(chosen))])
        return chosen, positions, edges
