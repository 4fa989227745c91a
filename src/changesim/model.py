"""ChangeModel: the organisation changing week by week (one Mesa step = one week).

The step reads like the process overview in docs/ODD.md, one named stage each:

1. open phases of the route whose time or gate has come;
2. interventions act;
3. readiness follows the neighbours; change fatigue raises resistance;
4. adopters may revert while their unit's quality is below the old level; in-scope
   non-adopters adopt under the scenario's rule;
5. each unit's service quality follows its adoption (the J-curve);
6. customers who make contact choose a channel, experience it, update satisfaction and habit,
   and may leave (when the scenario has customers);
7. the week is recorded.

Week 0 is the starting state: the route's first phases open (their initial adopters adopt),
interventions that start in week 0 act, customers make their week-0 contacts at the old
service level, and the state is recorded before any adoption step.
"""

from __future__ import annotations

import mesa
import numpy as np

from changesim.agents import Employee, Unit
from changesim.coupling import ChannelCoupling
from changesim.customers import customer_week, init_customers
from changesim.errors import Problem, ScenarioError
from changesim.interventions import apply_interventions, bind_interventions
from changesim.network import build_network
from changesim.outcomes import Recorder
from changesim.population import build_employees
from changesim.rules import RuleInputs, get_rule
from changesim.scenario import Scenario
from changesim.selection import choose_initial_adopters
from changesim.state import NOT_YET, OrgState
from changesim.strategy import PhaseSchedule, expand_route


class ChangeModel(mesa.Model):
    """Agent-based model of one organisational change.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`changesim.load_scenario`).
    seed : int, optional
        Seed of the model's random number generator; defaults to ``scenario.seed``.
        All randomness of a run comes from this one ``numpy.random.Generator``.
    agents : bool
        Create the Mesa ``Employee`` and ``Unit`` agents (views onto the state arrays).

    Attributes
    ----------
    settings : Scenario
        The scenario being run (``Model.scenario`` is Mesa's own, unrelated attribute).
    state : OrgState
        Employee and unit arrays.
    recorder : Recorder
        Weekly per-unit records.
    """

    def __init__(self, scenario: Scenario, *, seed: int | None = None, agents: bool = True):
        self.seed_used = scenario.seed if seed is None else seed
        if not isinstance(self.seed_used, int | np.integer) or self.seed_used < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed_used!r}")
        super().__init__(rng=self.seed_used)
        self.settings = scenario
        self.unit_names = scenario.organisation.names
        self.rule = get_rule(scenario.adoption.rule)
        self.schedule = PhaseSchedule(expand_route(scenario.route, scenario.organisation))
        self.phase_units = [
            np.array([self.unit_names.index(name) for name in phase.units], dtype=np.int64)
            for phase in self.schedule.phases
        ]
        self.state = self._initial_state()
        self.interventions = bind_interventions(scenario.interventions, self.unit_names, self.state)
        self._choose_initial_adopters()
        self.coupling = None
        self.customers = None
        if scenario.customers is not None:
            self.coupling = ChannelCoupling(scenario)
            try:
                self.customers = init_customers(
                    scenario.customers, self.coupling.base_resolution, self.rng
                )
            except ValueError as error:  # the channel shares cannot be reproduced
                raise ScenarioError(
                    [
                        Problem(
                            f"scenario {scenario.name!r}",
                            "customers.choice.habit",
                            str(error),
                            scenario.customers.choice.habit,
                        )
                    ]
                ) from None
        self.recorder = Recorder(self.unit_names, self.state.headcount, scenario.customers)
        self.units: list[Unit] = []
        self.employees: list[Employee] = []
        if agents:
            self.units = [Unit(self, i) for i in range(len(self.unit_names))]
            self.employees = [Employee(self, i) for i in range(self.state.size)]
        self._open_phases()
        self.week_cost = apply_interventions(self.interventions, self.state, self.rng)
        self._serve_customers()  # before the quality update: week 0 is the old service level
        self._update_quality()
        self.recorder.record(self.state, self.week_cost)

    # ------------------------------------------------------------------ setup

    def _initial_state(self) -> OrgState:
        employees = build_employees(self.settings, self.rng)
        network = build_network(self.settings.network, employees, self.rng)
        n_units = len(self.unit_names)
        headcount = np.bincount(employees.unit, minlength=n_units).astype(np.int64)
        return OrgState(
            unit=employees.unit,
            readiness=employees.readiness,
            resistance=employees.resistance,
            threshold=employees.threshold,
            manager=employees.manager,
            weight=np.ones(employees.size),
            seed_adopter=employees.initial_adopter.copy(),
            champion=np.zeros(employees.size, dtype=bool),
            adopted=np.zeros(employees.size, dtype=bool),
            adoption_week=np.full(employees.size, NOT_YET, dtype=np.int32),
            proficiency=np.zeros(employees.size),
            network=network,
            headcount=headcount,
            opened_week=np.full(n_units, NOT_YET, dtype=np.int32),
            cutover_week=np.full(n_units, NOT_YET, dtype=np.int32),
            quality=np.ones(n_units),
            learning_boost=np.zeros(n_units),
            redesign=np.zeros(n_units),
            resistance_malleable=self.settings.approach == "individual",
        )

    def _choose_initial_adopters(self) -> None:
        state = self.state
        spec = self.settings.adoption.initial_adopters
        chosen = choose_initial_adopters(spec, state.network, state.manager, self.rng)
        state.seed_adopter[chosen] = True

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        """Advance the organisation by one week."""
        state = self.state
        state.week += 1
        self._open_phases()
        self.week_cost = apply_interventions(self.interventions, state, self.rng)
        self._social_influence()
        self._demonstration()
        self._change_fatigue()
        self._revert()
        self._adopt()
        self._update_quality()
        self._serve_customers()
        self.recorder.record(state, self.week_cost)

    def _open_phases(self) -> None:
        """Stage 1: open every phase whose start week or gate has come."""
        state = self.state
        for i in self.schedule.open_due(state.week, self._phase_share):
            units = self.phase_units[i]
            state.open_units(units)
            newly = np.isin(state.unit, units) & state.seed_adopter & ~state.adopted
            state.adopt(newly)

    def _phase_share(self, i: int) -> float:
        units = self.phase_units[i]
        adopted = self.state.adopted_count[units].sum()
        return float(adopted / self.state.headcount[units].sum())

    def _social_influence(self) -> None:
        """Stage 3a: readiness moves toward the influence-weighted neighbours' readiness."""
        state = self.state
        rate = self.settings.influence.readiness_influence
        if rate == 0:
            return
        target = state.network.neighbour_mean(state.readiness, state.weight, state.readiness)
        state.readiness += rate * (target - state.readiness)

    def _demonstration(self) -> None:
        """Stage 3b: visible success raises the readiness of units whose change has not opened.

        Success is the share of the headcount whose change has opened that sits in units that
        have cut over, each weighted by how far its quality has climbed from a fresh adopter's
        level toward the new level: a pilot that works is a full demonstration, whatever its
        size. Experience multiplies the effect (1 + m E).
        """
        state = self.state
        experience = self.settings.organisation.experience
        quality = self.settings.quality
        climbed = (state.quality - quality.learning_start) / (
            quality.new_level - quality.learning_start
        )
        proven = np.where(state.cutover_week != NOT_YET, np.clip(climbed, 0.0, 1.0), 0.0)
        opened = state.headcount[state.opened_week != NOT_YET].sum()
        success = float((state.headcount * proven).sum() / opened) if opened else 0.0
        waiting = ~state.in_scope
        if success == 0 or not waiting.any():
            return
        rate = min(
            1.0,
            experience.demonstration
            * (1.0 + experience.experience_multiplier * experience.level)
            * success,
        )
        state.readiness[waiting] += rate * (1.0 - state.readiness[waiting])

    def _change_fatigue(self) -> None:
        """Stage 3c: several units changing at once raise in-scope non-adopters' resistance.

        Under the organisation approach resistance is a given and does not move.
        """
        state = self.state
        if not state.resistance_malleable:
            return
        changing = (state.opened_week != NOT_YET) & (state.cutover_week == NOT_YET)
        extra = int(changing.sum()) - 1
        if extra <= 0:
            return
        tired = state.in_scope & ~state.adopted & changing[state.unit]
        rate = min(1.0, self.settings.influence.fatigue * extra)
        state.resistance[tired] += rate * (1.0 - state.resistance[tired])

    def _effective_resistance(self, employees: np.ndarray) -> np.ndarray:
        """Resistance as it weighs in adoption: lowered by the unit's work redesign."""
        state = self.state
        return state.resistance[employees] * (1.0 - state.redesign[state.unit[employees]])

    def _revert(self) -> None:
        """Stage 4a: adopters in units whose quality is below the old level may revert."""
        state = self.state
        rate = self.settings.adoption.revert
        struggling = state.quality < 1.0
        if rate == 0 or not struggling.any():
            return
        candidates = np.flatnonzero(state.adopted & struggling[state.unit])
        if len(candidates) == 0:
            return
        probability = rate * self._effective_resistance(candidates)
        reverted = candidates[self.rng.random(len(candidates)) < probability]
        state.revert(reverted)

    def _adopt(self) -> None:
        """Stage 4b: in-scope non-adopters adopt with the rule's probability."""
        state = self.state
        candidates = np.flatnonzero(state.in_scope & ~state.adopted)
        if len(candidates) == 0:
            return
        share = state.network.neighbour_mean(state.adopted, state.weight)
        settings = self.settings.adoption
        inputs = RuleInputs(
            neighbour_share=share[candidates],
            readiness=state.readiness[candidates],
            resistance=self._effective_resistance(candidates),
            threshold=state.threshold[candidates],
            p=settings.p,
            q=settings.q,
            k=settings.k,
            params=settings.params,
        )
        probability = self.rule(inputs)
        adopters = candidates[self.rng.random(len(candidates)) < probability]
        state.adopt(adopters)

    def _update_quality(self) -> None:
        """Stage 5: unit quality = old work, adopters' learning work, minus the mixing loss.

        Q = (1 - a) + a (Q0 + (Q1 - Q0) L) - d (1 - rho) 4 a (1 - a), with a the adopted share,
        L the adopters' mean proficiency and rho the unit's work redesign. Each week after the
        week of adoption, proficiency closes the share 1 - exp(-1 / tau) of its gap to 1, where
        tau is the learning time divided by (1 + the unit's learning boost).
        """
        state = self.state
        spec = self.settings.quality
        share = state.adopted_share()
        learners = np.flatnonzero(state.adopted & (state.adoption_week < state.week))
        remaining = np.exp(-(1.0 + state.learning_boost) / spec.learning_weeks)  # per unit
        state.proficiency[learners] = (
            1.0 - (1.0 - state.proficiency[learners]) * remaining[state.unit[learners]]
        )
        count = state.adopted_count
        total = state.per_unit(state.proficiency)  # non-adopters have proficiency 0
        learned = np.divide(total, count, out=np.zeros(len(share)), where=count > 0)
        adopter_quality = spec.learning_start + (spec.new_level - spec.learning_start) * learned
        mixing = spec.mixing_penalty * (1.0 - state.redesign) * 4.0 * share * (1.0 - share)
        state.quality = (1.0 - share) + share * adopter_quality - mixing
        cut = (state.cutover_week == NOT_YET) & (share >= spec.cutover_share)
        state.cutover_week[cut] = state.week

    def _serve_customers(self) -> None:
        """Stage 6: a week of customer contacts under this week's channel conditions."""
        if self.customers is None:
            return
        view = self.coupling.customer_view(self.state)
        conditions = self.coupling.conditions(self.state, view)
        week = customer_week(self.customers, self.settings.customers, conditions, self.rng)
        self.recorder.record_customers(week, view)

    def run(self, weeks: int | None = None) -> None:
        """Run ``weeks`` steps (default: the scenario's remaining weeks)."""
        remaining = self.settings.weeks - self.state.week if weeks is None else weeks
        for _ in range(remaining):
            self.step()
