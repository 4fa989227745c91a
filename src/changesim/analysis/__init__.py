"""What runs mean: per-run summary metrics, the metrics registry, and statistics across runs.

``summary`` computes a run's metrics from its weekly frame, ``metrics`` declares each metric
once (name, label, unit, format, direction of better), ``statistics`` gives intervals and
paired differences across replications. Reads result frames; never runs a simulation.
"""
