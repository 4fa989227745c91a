"""Running the model for an answer: one run (``simulate``), replications on common random
numbers, a store of finished runs that lets an experiment resume, route comparisons
(``compare``) and sweeps over uncertain factors (``sweep``) on local processes or Dask."""

from changesim.experiments.comparison import Comparison, compare
from changesim.experiments.run import RunResult, simulate
from changesim.experiments.sweeps import Experiment, SweepResult, load_experiment, sweep

__all__ = [
    "Comparison",
    "Experiment",
    "RunResult",
    "SweepResult",
    "compare",
    "load_experiment",
    "simulate",
    "sweep",
]
