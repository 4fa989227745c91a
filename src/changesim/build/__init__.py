"""Building the organisation a run starts from: employees, their network, who is chosen.

``population`` draws or reads the employees, ``tables`` reads and checks the user's data files,
``network`` generates the organisational network (a sparse matrix), ``selection`` picks
employees for a role (initial adopters, champions). Imports only :mod:`changesim.scenario`.
"""
