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

    def __post_init__(self) -> None:
        self.adopted_count = np.bincount(
            self.unit, weights=self.adopted, minlength=len(self.headcount)
        ).astype(np.int64)

    @property
    def size(self) -> int:
        """Number of employees."""
        return len(self.unit)

    @property
    def in_scope(self) -> np.ndarray:
        """Employees whose unit's change has opened."""
        return self.opened_week[self.unit] != NOT_YET

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
        """Sum of ``values`` over each unit's employees."""
        return np.bincount(self.unit, weights=values, minlength=len(self.headcount))

    def adopted_share(self) -> np.ndarray:
        """Adopted share of each unit's headcount."""
        return self.adopted_count / self.headcount
