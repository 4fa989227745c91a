"""The organisation's state as a struct of numpy arrays, shared by the model and its agents."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from changesim.network import OrgNetwork

NOT_YET = -1  # week value for "has not happened"


@dataclass
class OrgState:
    """Employee arrays (one entry per employee) and unit arrays (one entry per unit).

    Employees of a unit form one contiguous block. All mutation in a step happens through
    vectorised operations on these arrays; the Mesa agents are views onto them.
    """

    unit: np.ndarray  # int32, unit index of each employee
    readiness: np.ndarray  # float64 in [0, 1]
    resistance: np.ndarray  # float64 in [0, 1]
    threshold: np.ndarray  # float64 in [0, 1]
    manager: np.ndarray  # bool
    weight: np.ndarray  # float64 >= 1, influence weight (champions weigh more)
    seed_adopter: np.ndarray  # bool, adopts as soon as the unit's phase opens
    champion: np.ndarray  # bool
    adopted: np.ndarray  # bool
    adoption_week: np.ndarray  # int32, NOT_YET if not adopted
    proficiency: np.ndarray  # float64 in [0, 1], adopters' command of the new way of working
    network: OrgNetwork
    headcount: np.ndarray  # int64 per unit
    opened_week: np.ndarray  # int32 per unit, NOT_YET until the unit's phase opens
    cutover_week: np.ndarray  # int32 per unit, NOT_YET until adopted share reaches cut-over
    quality: np.ndarray  # float64 per unit, the old level is 1
    learning_boost: np.ndarray  # float64 per unit, learning speed-up (learning organisation)
    redesign: np.ndarray  # float64 per unit in [0, 1], how far work is redesigned
    week: int = 0
    resistance_malleable: bool = True  # False under the organisation approach
    adopted_count: np.ndarray = None  # int64 per unit, kept by adopt() and revert()
    in_scope: np.ndarray = None  # bool per employee, kept by open_units()
    unit_start: np.ndarray = None  # index of each unit's first employee

    def __post_init__(self) -> None:
        if np.any(np.diff(self.unit) < 0) or np.any(self.headcount == 0):
            raise ValueError("employees must be ordered by unit and every unit non-empty")
        self.unit_start = np.concatenate([[0], np.cumsum(self.headcount)[:-1]])
        self.adopted_count = self.per_unit(self.adopted).astype(np.int64)
        self.in_scope = (self.opened_week != NOT_YET)[self.unit]

    def open_units(self, units: np.ndarray) -> None:
        """Open the change of ``units`` (indices) this week: their employees come in scope."""
        self.opened_week[units] = self.week
        for u in units:
            self.in_scope[self.unit_start[u] : self.unit_start[u] + self.headcount[u]] = True

    @property
    def size(self) -> int:
        """Number of employees."""
        return len(self.unit)

    def adopt(self, employees: np.ndarray) -> None:
        """Mark ``employees`` (indices or mask of non-adopters) as adopters from this week."""
        self.adopted_count += np.bincount(self.unit[employees], minlength=len(self.headcount))
        self.adopted[employees] = True
        self.adoption_week[employees] = self.week
        self.proficiency[employees] = 0.0

    def revert(self, employees: np.ndarray) -> None:
        """Return ``employees`` (indices of adopters) to the old way; what they learned is lost."""
        self.adopted_count -= np.bincount(self.unit[employees], minlength=len(self.headcount))
        self.adopted[employees] = False
        self.adoption_week[employees] = NOT_YET
        self.proficiency[employees] = 0.0

    def per_unit(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` over each unit's employees (units are contiguous blocks)."""
        return np.add.reduceat(values, self.unit_start, dtype=np.float64)

    def adopted_share(self) -> np.ndarray:
        """Adopted share of each unit's headcount."""
        return self.adopted_count / self.headcount
