"""Scenario files: the validated description of one simulated organisational change.

One module per section of the file (``organisation``, ``population``, ``network``,
``adoption``, ``quality``, ``routes``, ``interventions``, ``customers``), the cross-section
``checks``, the whole document in ``schema``, reading files in ``load`` and user-facing
``errors``. This layer imports nothing else of changesim but the registries' names.
"""

from changesim.scenario.errors import Problem, ScenarioError
from changesim.scenario.load import load_scenario
from changesim.scenario.schema import Scenario

__all__ = ["Problem", "Scenario", "ScenarioError", "load_scenario"]
