"""Random streams: one ``numpy.random.Generator`` per submodel, spawned from the model's own.

Every submodel draws from its own stream, so that two scenarios that differ in one submodel
keep identical draws in the others: changing a customer setting (a data feed, a steering
instrument) leaves every employee's draws as they were, and two routes on the same seed build
the same population and network. All streams descend from the model's seeded generator
(``mesa.Model.rng``), so one seed still decides the whole run.

The streams are spawned in the order of the fields below; a new stream is added at the end,
so that the existing ones keep their draws.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class Streams:
    """The random streams of one run, one per submodel.

    Attributes
    ----------
    population : numpy.random.Generator
        Employees' traits and roles drawn from the scenario's distributions.
    network : numpy.random.Generator
        The network generator's draws.
    selection : numpy.random.Generator
        Choosing the initial adopters.
    interventions : numpy.random.Generator
        Choosing champions, adding cross-unit ties.
    adoption : numpy.random.Generator
        The weekly reversion and adoption draws.
    customers : numpy.random.Generator
        The customers' starting state and their weekly contacts.
    """

    population: np.random.Generator
    network: np.random.Generator
    selection: np.random.Generator
    interventions: np.random.Generator
    adoption: np.random.Generator
    customers: np.random.Generator

    @classmethod
    def spawn(cls, rng: np.random.Generator) -> Streams:
        """Independent child streams of ``rng`` (``Generator.spawn``), one per field."""
        return cls(*rng.spawn(len(fields(cls))))
