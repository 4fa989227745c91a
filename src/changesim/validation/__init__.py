"""Ground truths the model is checked against, shipped with the package (as SALib ships its
test functions): the per-agent reference model and the known limits (Bass, Granovetter).

Not part of a simulation: nothing in :mod:`changesim.model` imports this package.
"""
