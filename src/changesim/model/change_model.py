"""ChangeModel: the organisation changing week by week (one Mesa step = one week).

The step reads like the process overview in docs/ODD.md, one named stage per line:

1. open phases of the route whose time or gate has come; units opening after another unit
   has cut over take in its lessons;
2. interventions act;
3. readiness follows the neighbours and visible success; change fatigue raises resistance;
4. adopters may revert while their unit's quality is below the old level; in-scope
   non-adopters adopt under the scenario's rule;
5. each unit's service quality follows its adoption (the J-curve);
6. customers who make contact choose a channel, experience it, update satisfaction and habit,
   and may leave (when the scenario has customers);
7. the week is recorded, with the cost of running old and new ways side by side.

Week 0 is the starting state: the route's first phases open (their initial adopters adopt),
interventions that start in week 0 act, customers make their week-0 contacts at the old
service level, and the state is recorded before any adoption step.
"""

from __future__ import annotations

import mesa
import numpy as np

from changesim.build.network import build_network
from changesim.build.population import build_employees
from changesim.build.resources import check_memory
from changesim.build.selection import choose_initial_adopters
from changesim.build.tables import check_data_paths
from changesim.model import adoption, influence, lessons
from changesim.model.agents import Employee, Unit
from changesim.model.channels import ChannelCoupling
from changesim.model.collector import Recorder
from changesim.model.customers import CustomerState, init_customers, serve_customers
from changesim.model.feeds import DataFeeds
from changesim.model.interventions import apply_interventions, bind_interventions
from changesim.model.quality import LearningTerms, update_quality
from changesim.model.routes import PhaseSchedule, expand_route, open_phases
from changesim.model.series import OrganisationSeries
from changesim.model.state import OrgState
from changesim.model.streams import Streams
from changesim.registry import RULES
from changesim.scenario import Problem, Scenario, ScenarioError
from changesim.scenario.customers import Customers


class ChangeModel(mesa.Model):
    """Agent-based model of one organisational change.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (see :func:`changesim.load_scenario`).
    rng : int or numpy.random.Generator, optional
        Seed (or generator) of the model's random number generator, as for ``mesa.Model``;
        default ``scenario.seed``. All randomness of a run comes from this one generator.
    agents : bool
        Create the Mesa ``Employee`` and ``Unit`` agents (views onto the state arrays).

    Attributes
    ----------
    settings : Scenario
        The scenario being run (``Model.scenario`` is Mesa's own, unrelated attribute).
    seed_used : int or None
        The integer seed, None when a generator was given.
    streams : Streams
        One generator per submodel, spawned from ``rng`` (see :mod:`changesim.model.streams`).
    state : OrgState
        Employee and unit arrays.
    recorder : Recorder
        Weekly per-unit records (the tidy frame of a run).
    datacollector : OrganisationSeries
        A ``mesa.DataCollector`` of the model-level weekly series: week, adopted share,
        quality, satisfaction, self-service share (no agent reporters), read from the
        recorder's rows when asked for.
    running : bool
        True until the scenario's last week has been stepped; ``run_model()`` stops there.
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        rng: int | np.integer | np.random.Generator | None = None,
        agents: bool = True,
    ) -> None:
        if rng is None:
            rng = scenario.seed
        if not isinstance(rng, np.random.Generator) and (
            not isinstance(rng, int | np.integer) or isinstance(rng, bool) or rng < 0
        ):
            raise ValueError(
                f"rng must be a non-negative integer seed or a numpy Generator, got {rng!r}"
            )
        super().__init__(rng=rng)
        self.seed_used = None if isinstance(rng, np.random.Generator) else int(rng)
        self.streams = Streams.spawn(self.rng)
        self.settings = scenario
        self.unit_names = scenario.organisation.names
        self.rule = RULES.get(scenario.adoption.rule)
        self.phase_schedule = PhaseSchedule(expand_route(scenario.route, scenario.organisation))
        self.phase_units = self.phase_schedule.unit_indices(self.unit_names)
        self.state = self._starting_state()
        self.interventions = bind_interventions(scenario.interventions, self.unit_names, self.state)
        self.feeds = DataFeeds(scenario)
        self.learning_terms = LearningTerms()
        self.coupling: ChannelCoupling | None = None
        self.customers: CustomerState | None = None
        if scenario.customers is not None:
            self.coupling = ChannelCoupling(scenario, self.feeds)
            self.customers = self._starting_customers(scenario.customers, self.coupling)
        self.recorder = Recorder(self.unit_names, self.state.headcount, scenario.customers)
        self.datacollector = OrganisationSeries()
        self.units: list[Unit] = []
        self.employees: list[Employee] = []
        if agents:
            self.units = [Unit(self, i) for i in range(len(self.unit_names))]
            self.employees = [Employee(self, i) for i in range(self.state.size)]
        open_phases(self.phase_schedule, self.phase_units, self.state)
        lessons.receive_lessons(self.state, scenario.organisation.experience)
        self.week_cost = apply_interventions(
            self.interventions, self.state, self.streams.interventions
        ) + self.feeds.alignment_cost(self.state.week)
        self._serve_customers()  # before the quality update: week 0 is the old service level
        update_quality(self.state, scenario.quality, self.learning_terms)
        self.feeds.apply_quality_cost(self.state)
        self._record()

    # ------------------------------------------------------------------ setup

    def _starting_state(self) -> OrgState:
        """Employees, network and initial adopters, each from its own stream."""
        scenario = self.settings
        check_data_paths(scenario)
        if scenario.population.table is None:  # before allocating: the headcounts say it all
            check_memory(scenario, sum(u.headcount or 0 for u in scenario.organisation.units))
        employees = build_employees(scenario, self.streams.population)
        check_memory(scenario, employees.size)
        network = build_network(scenario.network, employees, self.streams.network)
        state = OrgState.starting(
            employees,
            network,
            len(self.unit_names),
            resistance_malleable=scenario.approach == "individual",
        )
        chosen = choose_initial_adopters(
            scenario.adoption.initial_adopters, network, state.manager, self.streams.selection
        )
        state.seed_adopter[chosen] = True
        return state

    def _starting_customers(self, spec: Customers, coupling: ChannelCoupling) -> CustomerState:
        """Customers in the stationary state of the old service level."""
        try:
            return init_customers(spec, coupling.base_resolution, self.streams.customers)
        except ValueError as error:  # the channel shares cannot be reproduced
            raise ScenarioError(
                [
                    Problem(
                        f"scenario {self.settings.name!r}",
                        "customers.choice.habit",
                        str(error),
                        spec.choice.habit,
                    )
                ]
            ) from None

    # ------------------------------------------------------------------ the week

    def step(self) -> None:
        """Advance the organisation by one week."""
        state, settings = self.state, self.settings
        state.week += 1
        open_phases(self.phase_schedule, self.phase_units, state)
        lessons.receive_lessons(state, settings.organisation.experience)
        self.week_cost = apply_interventions(self.interventions, state, self.streams.interventions)
        self.week_cost += self.feeds.alignment_cost(state.week)
        influence.social_influence(state, settings.influence)
        influence.demonstration(state, settings.organisation.experience, settings.quality)
        influence.change_fatigue(state, settings.influence)
        adoption.revert(state, settings.adoption, self.streams.adoption)
        adoption.adopt(
            state,
            self.rule,
            settings.adoption,
            self.streams.adoption,
            self.feeds.adoption_factor(state),
        )
        update_quality(state, settings.quality, self.learning_terms)
        self.feeds.apply_quality_cost(state)  # rework on stale data, effort of aligning feeds
        self._serve_customers()
        self._record()
        self.running = state.week < settings.weeks

    def _serve_customers(self) -> None:
        """Stage 6: a week of customer contacts under this week's channel conditions."""
        if self.customers is None or self.coupling is None or self.settings.customers is None:
            return
        view = self.coupling.customer_view(self.state)
        conditions = self.coupling.conditions(self.state, view)
        week = serve_customers(
            self.customers, self.settings.customers, conditions, self.streams.customers
        )
        self.recorder.record_customers(week, view)

    def _record(self) -> None:
        """Stage 7: the week's per-unit records and the organisation's series."""
        running = lessons.double_running_cost(self.state, self.settings.quality)
        self.recorder.record(self.state, self.week_cost, running)
        self.datacollector.collect(self)
