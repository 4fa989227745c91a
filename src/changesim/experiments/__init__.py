"""Running the model for an answer: one run (``simulate``), replications on common random
numbers, a store of finished runs that lets an experiment resume, and route comparisons
(``compare``)."""

from changesim.experiments.compare import Comparison, compare
from changesim.experiments.run import RunResult, simulate

__all__ = ["Comparison", "RunResult", "compare", "simulate"]
