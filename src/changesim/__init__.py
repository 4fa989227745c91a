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

    calibration = changesim.calibrate("scenarios/pilot_then_waves.yaml",
                                      "scenarios/data/pilot_observed.csv",
                                      ["adoption.p", "adoption.q"])
    calibration.estimates    # posterior median and 90% interval per parameter
    projection = changesim.project(calibration)   # the rollout, given what the pilot showed

    search = changesim.optimise("scenarios/plans/example_plan.yaml", trials=40)
    search.front             # the best plans within the budget, robust to what is uncertain

    model = changesim.ChangeModel(scenario, rng=1)   # the Mesa model, one step = one week

The layers, each importing only those before it: ``scenario`` (files and their schema),
``build`` (employees, network, selection), ``model`` (the weekly step), ``analysis``
(metrics, statistics), ``viz`` (figures, report), ``experiments`` (runs, comparisons); plus
``validation`` (reference model, known limits) and the command line ``cli``.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from changesim.registry import (
    load_extensions,
    register_intervention,
    register_network,
    register_route,
    register_rule,
)
from changesim.scenario import Scenario, ScenarioError, load_scenario
from changesim.scenario.paths import variant
from changesim.version import __version__

if TYPE_CHECKING:
    from changesim.experiments import (
        Comparison,
        Experiment,
        RunResult,
        SweepResult,
        compare,
        load_experiment,
        simulate,
        sweep,
    )
    from changesim.experiments.analyze import analyze
    from changesim.experiments.calibration import Calibration, calibrate, load_calibration
    from changesim.experiments.plans import PlanSearch, load_plan_search, optimise
    from changesim.experiments.projection import Projection, project
    from changesim.model.change_model import ChangeModel
    from changesim.model.rules import RuleInputs

#: Names imported on first use (Mesa, pandas and scipy take seconds to import, and
#: ``changesim validate`` needs none of them).
_LAZY = {
    "ChangeModel": "changesim.model.change_model",
    "RuleInputs": "changesim.model.rules",
    "Comparison": "changesim.experiments",
    "Experiment": "changesim.experiments",
    "RunResult": "changesim.experiments",
    "SweepResult": "changesim.experiments",
    "analyze": "changesim.experiments.analyze",
    "Calibration": "changesim.experiments.calibration",
    "calibrate": "changesim.experiments.calibration",
    "load_calibration": "changesim.experiments.calibration",
    "PlanSearch": "changesim.experiments.plans",
    "load_plan_search": "changesim.experiments.plans",
    "optimise": "changesim.experiments.plans",
    "Projection": "changesim.experiments.projection",
    "project": "changesim.experiments.projection",
    "compare": "changesim.experiments",
    "load_experiment": "changesim.experiments",
    "simulate": "changesim.experiments",
    "sweep": "changesim.experiments",
}

__all__ = [
    "Calibration",
    "ChangeModel",
    "Comparison",
    "Experiment",
    "PlanSearch",
    "Projection",
    "RuleInputs",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepResult",
    "__version__",
    "analyze",
    "calibrate",
    "compare",
    "load_calibration",
    "load_experiment",
    "load_extensions",
    "load_plan_search",
    "load_scenario",
    "optimise",
    "project",
    "register_intervention",
    "register_network",
    "register_route",
    "register_rule",
    "simulate",
    "sweep",
    "variant",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'changesim' has no attribute {name!r}")
