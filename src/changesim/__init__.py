"""changesim: agent-based simulation of organisational change toward multichannel management.

The public face::

    import changesim

    scenario = changesim.load_scenario("scenarios/pilot_then_waves.yaml")
    result = changesim.simulate(scenario, seed=1)
    result.weekly      # tidy DataFrame, one row per week and unit
    result.summary     # weeks to 50/80/95 % adoption, quality dip, cost, ...
"""

from changesim.errors import ScenarioError
from changesim.loader import load_scenario
from changesim.rules import RuleInputs, register_rule
from changesim.run import RunResult, simulate
from changesim.scenario import Scenario
from changesim.version import __version__

__all__ = [
    "RuleInputs",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_scenario",
    "register_rule",
    "simulate",
]


def __getattr__(name: str):
    # The Mesa model imports mesa (slow); load it only when asked for.
    if name == "ChangeModel":
        from changesim.model import ChangeModel

        return ChangeModel
    raise AttributeError(f"module 'changesim' has no attribute {name!r}")
