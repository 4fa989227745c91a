"""The organisation's state as a struct of numpy arrays, shared by the model and its agents."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from changesim.build.network import OrgNetwork
from changesim.build.population import Employees
from changesim.model.exposure import Exposure
from changesim.model.memo import LastResult

NOT_YET = -1  # week value for "has not happened"


@dataclass
class OrgState:
    """What changes during a run: employee arrays (one entry per employee) and unit arrays.

    Who the employees are (unit, manager, threshold, ids) stays in ``employees``, as built;
    their readiness and resistance start from the built values and move. Employees of a unit
    form one contiguous block. All mutation in a step happens through vectorised operations on
    these arrays; the Mesa agents are views onto them.
    """

    employees: Employees
    network: OrgNetwork
    readiness: np.ndarray  # float64 in [0, 1]
    resistance: np.ndarray  # float64 in [0, 1]
    weight: np.ndarray  # float64 >= 1, influence weight (champions weigh more)
    seed_adopter: np.ndarray  # bool, adopts as soon as the unit's phase opens
    champion: np.ndarray  # bool
    adopted: np.ndarray  # bool
    adoption_week: np.ndarray  # int32, NOT_YET if not adopted
    proficiency: np.ndarray  # float64 in [0, 1], adopters' command of the new way of working
    headcount: np.ndarray  # int64 per unit
    opened_week: np.ndarray  # int32 per unit, NOT_YET until the unit's phase opens
    cutover_week: np.ndarray  # int32 per unit, NOT_YET until adopted share reaches cut-over
    quality: np.ndarray  # float64 per unit, the old level is 1
    learning_boost: np.ndarray  # float64 per unit, learning speed-up (learning organisation)
    redesign: np.ndarray  # float64 per unit in [0, 1], how far work is redesigned
    week: int = 0
    resistance_malleable: bool = True  # False under the organisation approach
    adopted_count: np.ndarray = field(init=False)  # int64 per unit, kept by adopt() and revert()
    in_scope: np.ndarray = field(init=False)  # bool per employee, kept by open_units()
    unit_start: np.ndarray = field(init=False)  # index of each unit's first employee
    lessons: np.ndarray = field(init=False)  # float64 per unit in [0, 1), set at opening
    exposure: Exposure = field(init=False)  # adopted neighbours, kept by adopt() and revert()
    _unit_bounds: list[int] = field(init=False, repr=False)  # unit u is [b[u], b[u + 1])
    unit_weight: np.ndarray = field(init=False)  # all ones, never written: the quiet weeks' weight
    _in_scope_count: LastResult = field(init=False, repr=False)  # kept while no unit opens

    def __post_init__(self) -> None:
        if np.any(np.diff(self.unit) < 0) or np.any(self.headcount == 0):
            raise ValueError("employees must be ordered by unit and every unit non-empty")
        self.unit_start = np.concatenate([[0], np.cumsum(self.headcount)[:-1]])
        self._unit_bounds = [0, *np.cumsum(self.headcount).tolist()]
        self.adopted_count = self.per_unit(self.adopted).astype(np.int64)
        self.in_scope = (self.opened_week != NOT_YET)[self.unit]
        self.lessons = np.zeros(len(self.headcount))
        self.exposure = Exposure()
        self.unit_weight = np.ones(len(self.unit))
        self.unit_weight.flags.writeable = False
        if np.all(self.weight == 1.0):
            self.weight = self.unit_weight
        self._in_scope_count = LastResult(self._count_in_scope)

    @classmethod
    def starting(
        cls, employees: Employees, network: OrgNetwork, units: int, *, resistance_malleable: bool
    ) -> OrgState:
        """The state before week 0: nobody adopted, no unit opened, quality at the old level.

        Parameters
        ----------
        employees : Employees
            The built employees, ordered by unit.
        network : OrgNetwork
            Their network.
        units : int
            Number of units.
        resistance_malleable : bool
            False under the organisation approach (resistance is a given).
        """
        size = employees.size
        return cls(
            employees=employees,
            network=network,
            readiness=employees.readiness.copy(),
            resistance=employees.resistance.copy(),
            weight=np.ones(size),
            seed_adopter=employees.initial_adopter.copy(),
            champion=np.zeros(size, dtype=bool),
            adopted=np.zeros(size, dtype=bool),
            adoption_week=np.full(size, NOT_YET, dtype=np.int32),
            proficiency=np.zeros(size),
            headcount=np.bincount(employees.unit, minlength=units).astype(np.int64),
            opened_week=np.full(units, NOT_YET, dtype=np.int32),
            cutover_week=np.full(units, NOT_YET, dtype=np.int32),
            quality=np.ones(units),
            learning_boost=np.zeros(units),
            redesign=np.zeros(units),
            resistance_malleable=resistance_malleable,
        )

    @property
    def unit(self) -> np.ndarray:
        """int32 unit index of each employee."""
        return self.employees.unit

    @property
    def manager(self) -> np.ndarray:
        """bool, True for managers."""
        return self.employees.manager

    @property
    def threshold(self) -> np.ndarray:
        """float64 adoption threshold in [0, 1]."""
        return self.employees.threshold

    @property
    def size(self) -> int:
        """Number of employees."""
        return self.employees.size

    def open_units(self, units: np.ndarray) -> None:
        """Open the change of ``units`` (indices) this week: their employees come in scope."""
        self.opened_week[units] = self.week
        for u in units:
            self.in_scope[self.unit_start[u] : self.unit_start[u] + self.headcount[u]] = True

    def adopt(self, employees: np.ndarray) -> None:
        """Mark ``employees`` (indices or mask of non-adopters) as adopters from this week."""
        if employees.dtype == bool:
            employees = np.flatnonzero(employees)
        if len(employees) == 0:  # a quiet week: nothing to write
            return
        self.adopted_count += np.bincount(self.unit[employees], minlength=len(self.headcount))
        self.adopted[employees] = True
        self.adoption_week[employees] = self.week
        self.proficiency[employees] = 0.0
        self.exposure.changed(employees, 1.0)

    def revert(self, employees: np.ndarray) -> None:
        """Return ``employees`` (indices of adopters) to the old way; what they learned is lost."""
        if len(employees) == 0:
            return
        self.adopted_count -= np.bincount(self.unit[employees], minlength=len(self.headcount))
        self.adopted[employees] = False
        self.adoption_week[employees] = NOT_YET
        self.proficiency[employees] = 0.0
        self.exposure.changed(employees, -1.0)

    def exposure_of(self, employees: np.ndarray) -> np.ndarray:
        """Influence-weighted share of the neighbours of ``employees`` (indices) who have
        adopted, 0 for an employee without neighbours."""
        return self.exposure.share(self.network, self.weight, self.adopted, employees)

    def of_units(self, values: np.ndarray) -> np.ndarray:
        """Per employee, the value of its unit: ``values[unit]`` for per-unit ``values``."""
        return np.repeat(values, self.headcount)

    def blocks(self, units: np.ndarray) -> list[slice]:
        """The employees of the units where ``units`` (bool per unit) holds, as slices, one
        per run of consecutive such units."""
        spans: list[list[int]] = []
        for u in np.flatnonzero(units).tolist():
            if spans and spans[-1][1] == self._unit_bounds[u]:
                spans[-1][1] = self._unit_bounds[u + 1]
            else:
                spans.append([self._unit_bounds[u], self._unit_bounds[u + 1]])
        return [slice(first, after) for first, after in spans]

    def in_scope_count(self) -> np.ndarray:
        """Employees in scope per unit: the whole headcount of every opened unit. Read-only."""
        return self._in_scope_count.get(self.opened_week.tobytes())

    def _count_in_scope(self) -> np.ndarray:
        """Employees in scope per unit, counted."""
        return np.where(self.opened_week != NOT_YET, self.headcount, 0)

    def per_unit(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each unit's employees (units are contiguous blocks)."""
        return np.add.reduceat(values, self.unit_start, dtype=np.float64)

    def adopted_share(self) -> np.ndarray:
        """Adopted share of each unit's headcount."""
        return self.adopted_count / self.headcount
