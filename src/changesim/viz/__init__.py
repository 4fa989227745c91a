"""Pictures and pages of results: matplotlib figures and the self-contained HTML report.

Reads result frames and the metric declarations of :mod:`changesim.analysis`; never runs a
simulation.
"""
