"""A reference implementation of the employee adoption dynamics, written the ordinary Mesa way.

:class:`ReferenceModel` simulates the same organisational change as
:class:`changesim.ChangeModel`, but with one :class:`ReferenceEmployee` agent per employee,
placed on a :class:`mesa.discrete_space.Network`, each holding its own attributes and reading
its neighbours through its cell's neighbourhood in a Python loop. It serves two purposes:

- a **speed baseline**: what the per-agent way costs compared with the vectorised model;
- an **oracle**: an independent, plainly written implementation of docs/ODD.md sections 3 and 7
  (stages 1, 3, 4 and 5), against which the vectorised model is tested
  (``tests/validation/test_reference_oracle.py``).

Every stage that reads other employees' state is *synchronous*, as in the vectorised model: all
employees first compute their next value from the state left by the previous stage
(``compute_*``), then all commit it (``commit_*``).

Initial conditions are shared exactly with ``ChangeModel``: the employees, the network and the
initial adopters are built by the same functions drawing from the same streams
(:class:`changesim.model.streams.Streams`, spawned from the model's ``rng``), so the same seed
gives the same organisation. The weekly dynamics draw from the same ``adoption`` stream; they
are the same stochastic model, compared in distribution.

Scope: scenarios without ``interventions`` and without ``customers``. Influence weights are
then all 1, work redesign and learning boost 0, so effective resistance equals resistance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mesa
import numpy as np
from mesa.discrete_space import Cell, FixedAgent, Network

from changesim.analysis.summary import first_week_at
from changesim.build.network import OrgNetwork, build_network
from changesim.build.population import Employees, build_employees
from changesim.build.selection import choose_initial_adopters
from changesim.model.routes import PhaseSchedule, expand_route
from changesim.model.rules import THRESHOLD_TOLERANCE, RuleInputs
from changesim.model.state import NOT_YET
from changesim.model.streams import Streams
from changesim.registry import RULES
from changesim.scenario import Scenario

#: Rules written out per agent below; any other registered rule is called with length-1 arrays.
BUILTIN_RULES = ("bass", "threshold", "readiness")


@dataclass
class ReferenceUnit:
    """One organisational unit: its members and its change state.

    Attributes
    ----------
    index : int
        Position in ``scenario.organisation.units``.
    name : str
        The unit's name.
    members : list of ReferenceEmployee
        The unit's employees.
    opened_week, cutover_week : int
        Week the unit's phase opened / the unit cut over; ``NOT_YET`` until then.
    quality : float
        Service quality relative to the old level (1).
    lessons : float
        Lessons taken in from a unit that had cut over before this one opened (0 if none):
        the share of the learning time and the mixing penalty they save.
    """

    index: int
    name: str
    members: list[ReferenceEmployee] = field(default_factory=list)
    opened_week: int = NOT_YET
    cutover_week: int = NOT_YET
    quality: float = 1.0
    lessons: float = 0.0

    @property
    def headcount(self) -> int:
        """Number of employees."""
        return len(self.members)

    @property
    def is_open(self) -> bool:
        """Whether the unit's change has opened."""
        return self.opened_week != NOT_YET

    @property
    def is_changing(self) -> bool:
        """Opened and not yet cut over."""
        return self.opened_week != NOT_YET and self.cutover_week == NOT_YET

    def adopters(self) -> int:
        """Number of members who have adopted."""
        return sum(1 for member in self.members if member.adopted)

    def adopted_share(self) -> float:
        """Adopted share of the headcount."""
        return self.adopters() / self.headcount


class ReferenceEmployee(FixedAgent):
    """One employee, fixed to its node of the organisational network.

    Parameters
    ----------
    model : ReferenceModel
        The model.
    cell : mesa.discrete_space.Cell
        The employee's node in the network space.
    unit : ReferenceUnit
        The employee's unit.
    readiness, resistance, threshold : float
        Initial change readiness r, resistance s and adoption threshold theta.
    seed_adopter : bool
        Adopts as soon as the unit's phase opens (an initial adopter).

    Attributes
    ----------
    adopted : bool
        Works the new way.
    adoption_week : int
        Week of the latest adoption, ``NOT_YET`` if not adopted.
    proficiency : float
        Command of the new way of working, 0 at adoption.
    """

    def __init__(
        self,
        model: ReferenceModel,
        cell: Cell,
        unit: ReferenceUnit,
        readiness: float,
        resistance: float,
        threshold: float,
        seed_adopter: bool,
    ) -> None:
        super().__init__(model)
        self.cell = cell
        self.unit = unit
        self.readiness = readiness
        self.resistance = resistance
        self.threshold = threshold
        self.seed_adopter = seed_adopter
        self.adopted = False
        self.adoption_week = NOT_YET
        self.proficiency = 0.0
        self._next_readiness = readiness
        self._will_adopt = False

    # ------------------------------------------------------------------ helpers

    @property
    def in_scope(self) -> bool:
        """Whether the employee's unit's change has opened."""
        return self.unit.is_open

    def neighbours(self) -> list[ReferenceEmployee]:
        """The employees on the neighbouring nodes of the network."""
        return list(self.cell.neighborhood.agents)

    def adopt(self) -> None:
        """Start working the new way this week, with no proficiency yet."""
        self.adopted = True
        self.adoption_week = self.model.week
        self.proficiency = 0.0

    def revert(self) -> None:
        """Return to the old way of working; what was learned is lost."""
        self.adopted = False
        self.adoption_week = NOT_YET
        self.proficiency = 0.0

    # ------------------------------------------------------------------ stage 3a

    def compute_readiness(self, rate: float) -> None:
        """Compute next week's readiness: a step ``rate`` toward the neighbours' mean.

        An employee without neighbours keeps its readiness.
        """
        total = 0.0
        count = 0
        for neighbour in self.cell.neighborhood.agents:
            total += neighbour.readiness
            count += 1
        target = total / count if count else self.readiness
        self._next_readiness = self.readiness + rate * (target - self.readiness)

    def commit_readiness(self) -> None:
        """Take on the readiness computed in :meth:`compute_readiness`."""
        self.readiness = self._next_readiness

    # ------------------------------------------------------------------ stages 3b, 3c

    def demonstrate(self, rate: float) -> None:
        """Demonstration effect: readiness closes ``rate`` of its gap to 1 if not yet in scope."""
        if not self.in_scope:
            self.readiness += rate * (1.0 - self.readiness)

    def tire(self, rate: float) -> None:
        """Change fatigue: resistance closes ``rate`` of its gap to 1.

        Applies to in-scope non-adopters in a unit that is changing.
        """
        if self.in_scope and not self.adopted and self.unit.is_changing:
            self.resistance += rate * (1.0 - self.resistance)

    # ------------------------------------------------------------------ stage 4

    def maybe_revert(self, rate: float) -> None:
        """Reversion: an adopter in a unit below the old quality reverts w.p. rate * s."""
        if not self.adopted or self.unit.quality >= 1.0:
            return
        if self.model.streams.adoption.random() < rate * self.resistance:
            self.revert()

    def neighbour_share(self) -> float:
        """f: the share of neighbours who have adopted (0 without neighbours)."""
        adopted = 0
        count = 0
        for neighbour in self.cell.neighborhood.agents:
            adopted += neighbour.adopted
            count += 1
        return adopted / count if count else 0.0

    def compute_adoption(self) -> None:
        """Decide whether to adopt this week, from the neighbours' adoption before anyone does.

        Only in-scope non-adopters whose resistance is at most ``adoption.refusal`` are
        candidates; each draws once against the rule's probability.
        """
        self._will_adopt = False
        if not self.in_scope or self.adopted:
            return
        if self.resistance > self.model.settings.adoption.refusal:
            return  # a hold-out
        probability = self.model.adoption_probability(self, self.neighbour_share())
        self._will_adopt = bool(self.model.streams.adoption.random() < probability)

    def commit_adoption(self) -> None:
        """Adopt if :meth:`compute_adoption` decided so."""
        if self._will_adopt:
            self.adopt()
            self._will_adopt = False

    # ------------------------------------------------------------------ stage 5

    def learn(self, step: float) -> None:
        """An adopter who adopted before this week closes ``step`` of its proficiency gap."""
        if self.adopted and self.adoption_week < self.model.week:
            self.proficiency += (1.0 - self.proficiency) * step


class ReferenceModel(mesa.Model):
    """Per-agent Mesa implementation of the employee adoption dynamics of ``ChangeModel``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario without ``interventions`` and without ``customers``.
    rng : int, optional
        Seed of the model's random number generator; defaults to ``scenario.seed``. The same
        seed gives the same employees, network and initial adopters as ``ChangeModel``.

    Attributes
    ----------
    settings : Scenario
        The scenario being run.
    week : int
        The current week (0 is the starting state).
    units : list of ReferenceUnit
        The units in scenario order.
    employees : list of ReferenceEmployee
        The employees in the same order as ``ChangeModel``'s employee arrays.
    space : mesa.discrete_space.Network
        The organisational network; each node holds one employee.
    adopted_share : list of float
        The organisation's adopted share at the end of each week, from week 0.

    Raises
    ------
    ValueError
        If the scenario has interventions or customers (outside the reference's scope).
    """

    def __init__(self, scenario: Scenario, *, rng: int | None = None) -> None:
        if scenario.interventions:
            raise ValueError(
                "ReferenceModel covers the employee adoption dynamics only: "
                "remove the scenario's 'interventions'"
            )
        if scenario.customers is not None:
            raise ValueError(
                "ReferenceModel covers the employee adoption dynamics only: "
                "remove the scenario's 'customers'"
            )
        self.seed_used = scenario.seed if rng is None else rng
        super().__init__(rng=self.seed_used)
        self.settings = scenario
        self.week = 0
        self.rule_name = scenario.adoption.rule
        self.rule = RULES.get(self.rule_name)
        self.phase_schedule = PhaseSchedule(expand_route(scenario.route, scenario.organisation))

        # The same streams as ChangeModel, so the same seed gives the same organisation.
        self.streams = Streams.spawn(self.rng)
        employees = build_employees(scenario, self.streams.population)
        network = build_network(scenario.network, employees, self.streams.network)
        seed_adopter = self._initial_adopters(employees, network)

        self.units = [
            ReferenceUnit(index, name) for index, name in enumerate(scenario.organisation.names)
        ]
        self.phase_units = [
            [self.units[scenario.organisation.names.index(name)] for name in phase.units]
            for phase in self.phase_schedule.phases
        ]
        self.space = Network(network.to_networkx(), capacity=1, random=self.random, layout=None)
        self.employees: list[ReferenceEmployee] = []
        for i in range(employees.size):
            unit = self.units[int(employees.unit[i])]
            employee = ReferenceEmployee(
                self,
                self.space[i],
                unit,
                readiness=float(employees.readiness[i]),
                resistance=float(employees.resistance[i]),
                threshold=float(employees.threshold[i]),
                seed_adopter=bool(seed_adopter[i]),
            )
            unit.members.append(employee)
            self.employees.append(employee)

        self.adopted_share: list[float] = []
        # Week 0: open the phases due now, quality, record.
        self._open_phases()
        self._update_quality()
        self._record()

    # ------------------------------------------------------------------ setup

    def _initial_adopters(self, employees: Employees, network: OrgNetwork) -> np.ndarray:
        """Seed-adopter flags: the table's marks plus those chosen by ``initial_adopters``."""
        seed_adopter = employees.initial_adopter.copy()
        spec = self.settings.adoption.initial_adopters
        chosen = choose_initial_adopters(spec, network, employees.manager, self.streams.selection)
        seed_adopter[chosen] = True
        return seed_adopter

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        """Advance the organisation by one week (docs/ODD.md section 3, without stages 2, 6)."""
        self.week += 1
        self._open_phases()
        self._social_influence()
        self._demonstration()
        self._change_fatigue()
        self._revert()
        self._adopt()
        self._update_quality()
        self._record()
        self.running = self.week < self.settings.weeks

    def _open_phases(self) -> None:
        """Stage 1: open, in order, every phase whose start week or gate has come.

        Seed adopters of the units opened now adopt at once. If some unit cut over in an
        earlier week, the units opened now take in its lessons, transfer * E.
        """
        experience = self.settings.organisation.experience
        taught = any(u.cutover_week != NOT_YET for u in self.units)
        for i in self.phase_schedule.open_due(self.week, self._phase_share):
            for unit in self.phase_units[i]:
                unit.opened_week = self.week
                if taught:
                    unit.lessons = experience.lesson_transfer * experience.level
                for employee in unit.members:
                    if employee.seed_adopter and not employee.adopted:
                        employee.adopt()

    def _phase_share(self, i: int) -> float:
        """Adopted share of phase ``i``'s units together."""
        units = self.phase_units[i]
        return sum(u.adopters() for u in units) / sum(u.headcount for u in units)

    def _social_influence(self) -> None:
        """Stage 3a: every readiness moves toward the neighbours' mean, simultaneously."""
        rate = self.settings.influence.readiness_influence
        if rate == 0:
            return
        self.agents.do("compute_readiness", rate)
        self.agents.do("commit_readiness")

    def _demonstration(self) -> None:
        """Stage 3b: visible success raises the readiness of employees not yet in scope."""
        experience = self.settings.organisation.experience
        quality = self.settings.quality
        proven = 0.0
        for u in self.units:
            if u.cutover_week != NOT_YET:
                climbed = (u.quality - quality.learning_start) / (
                    quality.new_level - quality.learning_start
                )
                proven += u.headcount * min(1.0, max(0.0, climbed))
        opened = sum(u.headcount for u in self.units if u.opened_week != NOT_YET)
        success = proven / opened if opened else 0.0
        if success == 0:
            return
        rate = min(
            1.0,
            experience.demonstration
            * (1.0 + experience.experience_multiplier * experience.level)
            * success,
        )
        self.agents.do("demonstrate", rate)

    def _change_fatigue(self) -> None:
        """Stage 3c (individual approach): resistance rises when several units change at once."""
        if self.settings.approach != "individual":
            return
        extra = sum(1 for u in self.units if u.is_changing) - 1
        if extra <= 0:
            return
        rate = min(1.0, self.settings.influence.fatigue * extra)
        self.agents.do("tire", rate)

    def _revert(self) -> None:
        """Stage 4a: adopters in units below the old quality may revert."""
        rate = self.settings.adoption.revert
        if rate == 0:
            return
        self.agents.do("maybe_revert", rate)

    def _adopt(self) -> None:
        """Stage 4b: in-scope non-adopters adopt under the rule, all from the same state."""
        self.agents.do("compute_adoption")
        self.agents.do("commit_adoption")

    def adoption_probability(self, employee: ReferenceEmployee, share: float) -> float:
        """This week's adoption probability of a candidate under the scenario's rule.

        Parameters
        ----------
        employee : ReferenceEmployee
            The candidate.
        share : float
            f, the share of its neighbours who have adopted.
        """
        spec = self.settings.adoption
        if self.rule_name == "bass":
            return 1.0 - (1.0 - spec.p) * (1.0 - spec.q * share)
        if self.rule_name == "threshold":
            return 1.0 if share >= employee.threshold - THRESHOLD_TOLERANCE else 0.0
        if self.rule_name == "readiness":
            m = 1.0 / (1.0 + math.exp(-spec.k * (employee.readiness - employee.resistance)))
            return 1.0 - (1.0 - spec.p * m) * (1.0 - spec.q * m * share)
        inputs = RuleInputs(
            neighbour_share=np.array([share]),
            readiness=np.array([employee.readiness]),
            resistance=np.array([employee.resistance]),
            threshold=np.array([employee.threshold]),
            p=spec.p,
            q=spec.q,
            k=spec.k,
            params=spec.params,
        )
        return float(self.rule(inputs)[0])

    def _update_quality(self) -> None:
        """Stage 5: adopters learn; each unit's quality follows the J-curve; cut-over.

        Q = (1 - a) + a (Q0 + (Q1 - Q0) L) - d (1 - lam) 4 a (1 - a), with a the adopted share,
        L the adopters' mean proficiency and lam the unit's lessons, which also shorten its
        learning time to learning_weeks (1 - lam).
        """
        spec = self.settings.quality
        for unit in self.units:
            step = 1.0 - math.exp(-1.0 / (spec.learning_weeks * (1.0 - unit.lessons)))
            for employee in unit.members:
                employee.learn(step)
        for unit in self.units:
            adopters = [e for e in unit.members if e.adopted]
            share = len(adopters) / unit.headcount
            learned = sum(e.proficiency for e in adopters) / len(adopters) if adopters else 0.0
            adopter_quality = spec.learning_start + (spec.new_level - spec.learning_start) * learned
            mixing = spec.mixing_penalty * (1.0 - unit.lessons) * 4.0 * share * (1.0 - share)
            unit.quality = (1.0 - share) + share * adopter_quality - mixing
            if unit.cutover_week == NOT_YET and share >= spec.cutover_share:
                unit.cutover_week = self.week

    def _record(self) -> None:
        adopters = sum(1 for e in self.employees if e.adopted)
        self.adopted_share.append(adopters / len(self.employees))

    # ------------------------------------------------------------------ running

    def adoption_curve(self) -> np.ndarray:
        """The organisation's adopted share per week, from week 0 to the current week."""
        return np.array(self.adopted_share)

    def weeks_to(self, level: float) -> float:
        """First week the organisation's adopted share reached ``level`` (NaN if never)."""
        shares = self.adoption_curve()
        return first_week_at(np.arange(len(shares)), shares, level)
