"""changesim: agent-based simulation of organisational change toward multichannel management.

The public face::

    import changesim

    scenario = changesim.load_scenario("scenarios/pilot_then_waves.yaml")
    result = changesim.simulate(scenario, seed=1)
    result.weekly      # tidy DataFrame, one row per week and unit
    result.summary     # weeks to 50/80/95 % adoption, quality dip, cost, ...

    comparison = changesim.compare(["scenarios/back_office_first.yaml",
                                    "scenarios/pilot_then_waves.yaml"], replications=20, seed=1)
    comparison.summary       # per route and metric: mean and 95% interval
    comparison.differences   # paired differences on common random numbers

    model = changesim.ChangeModel(scenario, rng=1)   # the Mesa model, one step = one week

The layers, each importing only those before it: ``scenario`` (files and their schema),
``build`` (employees, network, selection), ``model`` (the weekly step), ``analysis``
(metrics, statistics), ``viz`` (figures, report), ``experiments`` (runs, comparisons); plus
``validation`` (reference model, known limits) and the command line ``cli``.
"""

from typing import TYPE_CHECKING

from changesim.experiments import Comparison, RunResult, compare, simulate
from changesim.model.rules import RuleInputs
from changesim.registry import (
    register_intervention,
    register_network,
    register_route,
    register_rule,
)
from changesim.scenario import Scenario, ScenarioError, load_scenario
from changesim.version import __version__

if TYPE_CHECKING:
    from changesim.model.change_model import ChangeModel

__all__ = [
    "ChangeModel",
    "Comparison",
    "RuleInputs",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare",
    "load_scenario",
    "register_intervention",
    "register_network",
    "register_route",
    "register_rule",
    "simulate",
]


def __getattr__(name: str) -> object:
    # The Mesa model imports mesa (about 1.5 s); load it only when asked for.
    if name == "ChangeModel":
        from changesim.model.change_model import ChangeModel

        return ChangeModel
    raise AttributeError(f"module 'changesim' has no attribute {name!r}")
