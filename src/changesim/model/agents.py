"""Mesa agents as views: ``Employee`` and ``Unit`` read and write the model's state arrays.

The weekly step never loops over agents; these views exist so that ``model.agents`` shows the
organisation for inspection, the browser view and extensions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from changesim.model.state import NOT_YET, OrgState

if TYPE_CHECKING:
    from changesim.model.change_model import ChangeModel


class Employee(mesa.Agent):
    """One employee: a view onto row ``index`` of the model's employee arrays."""

    def __init__(self, model: ChangeModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def _state(self) -> OrgState:
        return self.model.state

    @property
    def unit(self) -> str:
        """Name of the employee's unit."""
        return self.model.unit_names[self._state.unit[self.index]]

    @property
    def role(self) -> str:
        """'champion', 'manager' or 'staff'."""
        if self._state.champion[self.index]:
            return "champion"
        return "manager" if self._state.manager[self.index] else "staff"

    @property
    def in_scope(self) -> bool:
        """Whether the employee's unit's change has opened."""
        return bool(self._state.opened_week[self._state.unit[self.index]] != NOT_YET)

    @property
    def adopted(self) -> bool:
        """Whether the employee works the new way."""
        return bool(self._state.adopted[self.index])

    @adopted.setter
    def adopted(self, value: bool) -> None:
        if value and not self.adopted:
            self._state.adopt(np.array([self.index]))
        elif not value and self.adopted:
            self._state.revert(np.array([self.index]))

    @property
    def adoption_week(self) -> int | None:
        """Week of adoption, None if not adopted."""
        week = int(self._state.adoption_week[self.index])
        return None if week == NOT_YET else week

    @property
    def readiness(self) -> float:
        """Change readiness r in [0, 1]."""
        return float(self._state.readiness[self.index])

    @readiness.setter
    def readiness(self, value: float) -> None:
        self._state.readiness[self.index] = np.clip(value, 0.0, 1.0)

    @property
    def resistance(self) -> float:
        """Resistance to change s in [0, 1]."""
        return float(self._state.resistance[self.index])

    @resistance.setter
    def resistance(self, value: float) -> None:
        self._state.resistance[self.index] = np.clip(value, 0.0, 1.0)

    @property
    def threshold(self) -> float:
        """Adoption threshold theta in [0, 1]."""
        return float(self._state.threshold[self.index])

    @property
    def influence_weight(self) -> float:
        """Weight of this employee in neighbours' averages."""
        return float(self._state.weight[self.index])

    def neighbours(self) -> list[Employee]:
        """The employees this one is tied to."""
        agents = self.model.employees
        return [agents[j] for j in self._state.network.neighbours(self.index)]


class Unit(mesa.Agent):
    """One organisational unit: a view onto entry ``index`` of the unit arrays."""

    def __init__(self, model: ChangeModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        self.spec = model.settings.organisation.units[index]

    @property
    def name(self) -> str:
        """The unit's name."""
        return self.spec.name

    @property
    def kind(self) -> str:
        """'back_office' or 'front_office'."""
        return self.spec.kind

    @property
    def channel(self) -> str | None:
        """The channel a front-office unit serves."""
        return self.spec.channel

    @property
    def headcount(self) -> int:
        """Number of employees."""
        return int(self.model.state.headcount[self.index])

    @property
    def opened_week(self) -> int | None:
        """Week the unit's change opened, None if not yet."""
        week = int(self.model.state.opened_week[self.index])
        return None if week == NOT_YET else week

    @property
    def cutover_week(self) -> int | None:
        """Week the unit's adopted share first reached the cut-over share."""
        week = int(self.model.state.cutover_week[self.index])
        return None if week == NOT_YET else week

    @property
    def adopted_share(self) -> float:
        """Adopted share of the headcount."""
        return float(self.model.state.adopted_share()[self.index])

    @property
    def quality(self) -> float:
        """Service quality relative to the old level (1)."""
        return float(self.model.state.quality[self.index])
