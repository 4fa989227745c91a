"""What a scenario will cost in memory, checked before anything large is allocated.

The schema bounds each field on its own; a product of fields (headcount × network degree,
customers) can still ask for more memory than the machine has, and would end in a
``MemoryError`` (or the operating system killing the process) deep inside the network
generator. :func:`check_memory` refuses such a scenario up front with the estimate.

The estimate is linear in its three drivers, with coefficients measured on the vectorised
model (peak resident memory over a run, numpy 2.5, 2026-11): about 300 bytes per employee
(state arrays and the temporaries of a week), 70 bytes per employee per tie of the network
(edge arrays, the sparse matrix and the temporaries that build it), and 30 bytes per customer.
"""

from __future__ import annotations

import os

from changesim.scenario import Problem, Scenario, ScenarioError

BYTES_PER_EMPLOYEE = 300
BYTES_PER_EMPLOYEE_TIE = 70
BYTES_PER_CUSTOMER = 30
#: Share of the machine's physical memory a run may plan to use.
USABLE_SHARE = 0.8


def ties_per_employee(scenario: Scenario, employees: int) -> float:
    """Stored ties per employee that the scenario's network will have (0 for the complete
    network, which is kept implicit; 0 for an edge list, whose size its file bounds)."""
    spec = scenario.network
    if spec.kind == "ring":
        return float(min(spec.degree // 2 * 2, max(employees - 1, 0)))
    if spec.kind == "erdos_renyi":
        return float(min(spec.degree, max(employees - 1, 0)))
    if spec.kind == "small_world":
        largest = max((u.headcount or employees for u in scenario.organisation.units), default=0)
        within = min(spec.degree // 2 * 2, max(largest - 1, 0))
        return within * (1.0 + spec.cross_unit_ties)
    return 0.0


def memory_needed(scenario: Scenario, employees: int) -> dict[str, float]:
    """Estimated peak bytes of a run, by driver: employees, network, customers."""
    customers = 0 if scenario.customers is None else scenario.customers.population
    return {
        "organisation.units": BYTES_PER_EMPLOYEE * employees,
        "network.degree": BYTES_PER_EMPLOYEE_TIE
        * employees
        * ties_per_employee(scenario, employees),
        "customers.population": BYTES_PER_CUSTOMER * customers,
    }


def physical_memory() -> float:
    """This machine's physical memory in bytes (infinite where the system does not say)."""
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return float("inf")


def check_memory(scenario: Scenario, employees: int, label: str | None = None) -> None:
    """Refuse a scenario whose run would need more memory than this machine can give.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    employees : int
        Its number of employees (the headcounts, or the rows of its population table).
    label : str, optional
        Where the scenario came from, for the message; default its name.

    Raises
    ------
    ScenarioError
        Naming the field that drives the estimate, the estimate and the machine's memory.
    """
    parts = memory_needed(scenario, employees)
    needed = sum(parts.values())
    available = USABLE_SHARE * physical_memory()
    if needed <= available:
        return
    driver = max(parts, key=lambda name: parts[name])
    message = (
        f"this run needs about {needed / 1e9:.1f} GB of memory ({employees:,} employees, "
        f"{ties_per_employee(scenario, employees):,.0f} ties each"
        + (
            f", {scenario.customers.population:,} customers"
            if scenario.customers is not None
            else ""
        )
        + f"), more than the {available / 1e9:.1f} GB this machine can give; "
        "reduce the headcounts, network.degree or customers.population"
    )
    raise ScenarioError(
        [Problem(label or f"scenario {scenario.name!r}", driver, message, has_value=False)]
    )
