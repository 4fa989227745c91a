"""The vectorised ChangeModel against the per-agent Mesa ReferenceModel (the oracle).

Both implement docs/ODD.md sections 3 and 7 for the employee adoption dynamics. They are
compared in three ways:

- in distribution, over independent seeds: mean adopted-share curves and weeks to 50 %;
- a negative control: the same comparison against a clearly different model must fail, which
  shows the distributional comparison has power;
- exactly: deterministic set-ups (threshold rule) give identical curves, and, because both
  implementations happen to draw one uniform number per candidate in employee order, the same
  seed currently gives the identical run (see ``test_same_seed_gives_the_same_run``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import changesim
from changesim import ChangeModel
from changesim.analysis.summary import first_week_at
from changesim.validation.reference import ReferenceModel

WEEKS = 52
#: Replications per model in the distributional comparison.
RUNS = 60
#: Seeds of the reference runs start here, so the two samples are independent.
REFERENCE_SEED_OFFSET = 10_000
#: Family-wise significance level of each statistical check.
ALPHA = 0.01

UNITS = [
    {"name": "bo", "kind": "back_office", "headcount": 120},
    {"name": "web", "kind": "front_office", "channel": "web", "headcount": 90},
    {"name": "phone", "kind": "front_office", "channel": "phone", "headcount": 90},
]


#: The oracle's organisation: 300 employees in 3 units, small world, readiness rule with
#: reversion, a gated back-office-first route.
ORACLE = {
    "organisation": {"units": UNITS},
    "network": {"kind": "small_world", "degree": 8, "rewire": 0.1, "cross_unit_ties": 0.05},
    "adoption": {
        "rule": "readiness",
        "p": 0.02,
        "q": 0.5,
        "revert": 0.1,
        "initial_adopters": {"share": 0.03, "choose": "centrality"},
    },
    "route": {
        "kind": "back_office_first",
        "gap_weeks": 6,
        "gate": {"adopted_share": 0.5, "max_weeks": 14},
    },
}


def oracle_scenario(**adoption) -> changesim.Scenario:
    """The oracle organisation, with ``adoption`` fields overridden."""
    return changesim.load_scenario(
        {**ORACLE, "name": "oracle", "weeks": WEEKS, "adoption": {**ORACLE["adoption"], **adoption}}
    )


def vectorised_curve(scenario: changesim.Scenario, seed: int) -> np.ndarray:
    """The organisation's adopted share per week (weeks 0..weeks) of one ChangeModel run."""
    model = ChangeModel(scenario, rng=seed, agents=False)
    model.run_model()
    return np.vstack(model.recorder.rows["adopted"]).sum(axis=1) / model.state.size


def reference_curve(scenario: changesim.Scenario, seed: int) -> np.ndarray:
    """The organisation's adopted share per week of one ReferenceModel run."""
    model = ReferenceModel(scenario, rng=seed)
    model.run_model()
    return model.adoption_curve()


def weeks_to_half(curves: np.ndarray) -> np.ndarray:
    """Weeks to 50 % per run; runs that never get there count as week ``WEEKS + 1``."""
    weeks = np.arange(curves.shape[1])
    reached = np.array([first_week_at(weeks, curve, 0.5) for curve in curves])
    return np.where(np.isnan(reached), WEEKS + 1, reached)


def curve_agreement(a: np.ndarray, b: np.ndarray) -> tuple[bool, np.ndarray, np.ndarray]:
    """Whether the mean curves of two samples of runs agree at every week within sampling error.

    Derivation: a and b hold R_a and R_b independent runs (rows) of W weeks (columns). Under the
    hypothesis that both come from the same stochastic model, at each week t the difference of
    sample means D_t = mean_a - mean_b has expectation 0 and standard error
    SE_t = sqrt(var_a / R_a + var_b / R_b) (sample variances, ddof = 1), and D_t / SE_t is
    approximately Student-t distributed (Welch) with at least min(R_a, R_b) - 1 degrees of
    freedom; using that lower bound makes the critical value conservative. Requiring
    |D_t| <= c SE_t at all W weeks with the Bonferroni critical value
    c = t_{1 - ALPHA / (2 W)}(min(R_a, R_b) - 1) makes the probability that any week fails
    by chance at most ALPHA (1 %), however the weeks are correlated. A floor of 1e-12 lets
    weeks at which both samples are constant and equal pass.

    Returns
    -------
    ok : bool
        Whether every week agrees.
    difference, bound : np.ndarray
        |D_t| and c SE_t + floor per week.
    """
    runs = min(len(a), len(b))
    weeks = a.shape[1]
    critical = stats.t.ppf(1.0 - ALPHA / (2 * weeks), df=runs - 1)
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    difference = np.abs(a.mean(axis=0) - b.mean(axis=0))
    bound = critical * se + 1e-12
    return bool(np.all(difference <= bound)), difference, bound


# --------------------------------------------------------------------------- in distribution


@pytest.fixture(scope="module")
def reference_runs() -> np.ndarray:
    scenario = oracle_scenario()
    seeds = range(REFERENCE_SEED_OFFSET, REFERENCE_SEED_OFFSET + RUNS)
    return np.array([reference_curve(scenario, seed) for seed in seeds])


@pytest.fixture(scope="module")
def vectorised_runs() -> np.ndarray:
    scenario = oracle_scenario()
    return np.array([vectorised_curve(scenario, seed) for seed in range(RUNS)])


def test_the_oracle_scenario_is_informative(vectorised_runs):
    """The set-up exercises the dynamics: runs vary, and most reach 50 % well within the run."""
    assert vectorised_runs.shape == (RUNS, WEEKS + 1)
    assert vectorised_runs[:, 0].max() < 0.1
    assert np.median(weeks_to_half(vectorised_runs)) < WEEKS / 2
    assert vectorised_runs.std(axis=0).max() > 0.02


def test_mean_adoption_curves_agree(vectorised_runs, reference_runs):
    ok, difference, bound = curve_agreement(vectorised_runs, reference_runs)
    worst = int(np.argmax(difference - bound))
    assert ok, (
        f"mean adopted share differs in week {worst}: |difference| {difference[worst]:.4f} > "
        f"bound {bound[worst]:.4f}"
    )


def test_weeks_to_half_are_indistinguishable(vectorised_runs, reference_runs):
    """Two-sided Mann-Whitney U test of the weeks to 50 % (ties handled); p > ALPHA."""
    result = stats.mannwhitneyu(
        weeks_to_half(vectorised_runs), weeks_to_half(reference_runs), method="asymptotic"
    )
    assert result.pvalue > ALPHA


def test_negative_control_a_halved_q_is_detected(reference_runs):
    """The same comparison against a model with q halved must fail: the checks have power."""
    halved = oracle_scenario(q=0.25)
    other = np.array([vectorised_curve(halved, seed) for seed in range(RUNS)])
    ok, _, _ = curve_agreement(other, reference_runs)
    assert not ok
    result = stats.mannwhitneyu(
        weeks_to_half(other), weeks_to_half(reference_runs), method="asymptotic"
    )
    assert result.pvalue < ALPHA


# --------------------------------------------------------------------------- exact agreement


def threshold_scenario(path, thresholds: np.ndarray, network: dict) -> changesim.Scenario:
    """One unit whose thresholds come from a table; threshold rule, no reversion."""
    pd.DataFrame({"unit": "crowd", "threshold": thresholds}).to_csv(path, index=False)
    return changesim.load_scenario(
        {
            "name": "threshold",
            "weeks": 110,
            "organisation": {"units": [{"name": "crowd", "kind": "back_office"}]},
            "population": {"table": str(path)},
            "network": network,
            "adoption": {"rule": "threshold", "revert": 0},
            "route": {"kind": "combined"},
        }
    )


def test_granovetter_riot_is_identical(tmp_path):
    """Thresholds k/99 on the complete network: one more rioter each week, in both models."""
    thresholds = np.arange(100) / 99
    scenario = threshold_scenario(tmp_path / "riot.csv", thresholds, {"kind": "complete"})
    vectorised = vectorised_curve(scenario, seed=1) * 100
    reference = reference_curve(scenario, seed=2) * 100
    np.testing.assert_array_equal(vectorised, reference)
    np.testing.assert_allclose(reference, np.minimum(np.arange(111), 100))


def test_stopped_riot_is_identical(tmp_path):
    """Raising the second threshold to 2/99 stops the riot after the instigator in both."""
    thresholds = np.arange(100) / 99
    thresholds[1] = 2 / 99
    scenario = threshold_scenario(tmp_path / "stopped.csv", thresholds, {"kind": "complete"})
    vectorised = vectorised_curve(scenario, seed=1) * 100
    reference = reference_curve(scenario, seed=2) * 100
    np.testing.assert_array_equal(vectorised, reference)
    np.testing.assert_allclose(reference[1:], 1.0)


def test_ring_cascade_is_identical(tmp_path):
    """A ring of 60 with 4 ties each, thresholds 1/4 and one instigator (threshold 0).

    The instigator adopts in week 1; each later week the cascade takes the next two employees
    on either side (they see 1 of 4 neighbours adopted): 1 + 4 (t - 1) adopters in week t.
    """
    thresholds = np.full(60, 0.25)
    thresholds[30] = 0.0
    network = {"kind": "ring", "degree": 4}
    scenario = threshold_scenario(tmp_path / "ring.csv", thresholds, network)
    vectorised = vectorised_curve(scenario, seed=1) * 60
    reference = reference_curve(scenario, seed=2) * 60
    np.testing.assert_array_equal(vectorised, reference)
    weeks = np.arange(111)
    expected = np.where(weeks == 0, 0, np.minimum(1 + 4 * (weeks - 1), 60))
    np.testing.assert_allclose(reference, expected)


EXACT_SCENARIOS = {
    "oracle": ORACLE,
    "pilot_demonstration": {
        "organisation": {
            "units": [
                {"name": "web", "kind": "front_office", "channel": "web", "headcount": 30},
                {"name": "bo", "kind": "back_office", "headcount": 40},
                {"name": "phone", "kind": "front_office", "channel": "phone", "headcount": 30},
                {"name": "desk", "kind": "front_office", "channel": "desk", "headcount": 30},
            ],
            "experience": {
                "channel_steering": 1.0,
                "uniform_customer_view": 0.5,
                "demonstration": 0.2,
            },
        },
        "network": {"kind": "ring", "degree": 6},
        "adoption": {"rule": "bass", "p": 0.05, "q": 0.6, "revert": 0.2},
        "quality": {"learning_weeks": 3, "cutover_share": 0.6},
        "route": {
            "kind": "pilot_then_waves",
            "pilot": "web",
            "gate": {"adopted_share": 0.9, "max_weeks": 30},
            "waves": [["bo"], ["phone", "desk"]],
            "wave_gap_weeks": 10,
        },
    },
    "big_bang_fatigue": {
        "organisation": {"units": UNITS},
        "network": {"kind": "complete"},
        "influence": {"fatigue": 0.01, "readiness_influence": 0.2},
        "adoption": {
            "rule": "readiness",
            "p": 0.02,
            "q": 0.5,
            "revert": 0.3,
            "refusal": 0.45,  # fatigue pushes some across it: hold-outs in both models
            "initial_adopters": {"count": 5, "choose": "random"},
        },
        "route": {"kind": "combined", "start": 3},
    },
    "threshold_organisation": {
        "approach": "organisation",
        "organisation": {"units": UNITS},
        "network": {"kind": "erdos_renyi", "degree": 6},
        "adoption": {
            "rule": "threshold",
            "revert": 0.2,
            "initial_adopters": {"share": 0.1, "choose": "random"},
        },
        "route": {"kind": "front_office_first", "gap_weeks": 5},
    },
}


@pytest.mark.parametrize("name", sorted(EXACT_SCENARIOS))
@pytest.mark.parametrize("seed", [0, 7])
def test_same_seed_gives_the_same_run(name, seed):
    """Same seed, same run: the curves, every employee's state and every unit's quality.

    Initial conditions are shared by construction. The weekly draws coincide because both
    implementations draw one uniform number per reversion or adoption candidate, in employee
    order, and nothing else. This is stronger than the model's contract: if it fails while the
    distributional tests pass, check whether an implementation changed its draw order (which
    is allowed) before suspecting the dynamics.
    """
    scenario = changesim.load_scenario({"name": name, "weeks": 40, **EXACT_SCENARIOS[name]})
    vectorised = ChangeModel(scenario, rng=seed, agents=False)
    vectorised.run_model()
    reference = ReferenceModel(scenario, rng=seed)
    reference.run_model()
    curve = reference.adoption_curve()
    state = vectorised.state
    adopted = np.vstack(vectorised.recorder.rows["adopted"]).sum(axis=1) / state.size
    np.testing.assert_array_equal(curve, adopted)
    employees = reference.employees
    np.testing.assert_array_equal([e.adopted for e in employees], state.adopted)
    np.testing.assert_array_equal([e.adoption_week for e in employees], state.adoption_week)
    np.testing.assert_allclose([e.readiness for e in employees], state.readiness, rtol=1e-12)
    np.testing.assert_allclose([e.resistance for e in employees], state.resistance, rtol=1e-12)
    np.testing.assert_allclose([e.proficiency for e in employees], state.proficiency, rtol=1e-12)
    np.testing.assert_allclose([u.quality for u in reference.units], state.quality, rtol=1e-12)
    np.testing.assert_array_equal([u.opened_week for u in reference.units], state.opened_week)
    np.testing.assert_array_equal([u.cutover_week for u in reference.units], state.cutover_week)
    assert reference.weeks_to(0.5) == pytest.approx(
        first_week_at(np.arange(len(adopted)), adopted, 0.5), nan_ok=True
    )


# --------------------------------------------------------------------------- set-up and scope


def test_same_seed_gives_the_same_organisation():
    scenario = oracle_scenario()
    vectorised = ChangeModel(scenario, rng=3, agents=False).state
    reference = ReferenceModel(scenario, rng=3)
    employees = reference.employees
    np.testing.assert_array_equal([e.readiness for e in employees], vectorised.readiness)
    np.testing.assert_array_equal([e.resistance for e in employees], vectorised.resistance)
    np.testing.assert_array_equal([e.threshold for e in employees], vectorised.threshold)
    np.testing.assert_array_equal([e.unit.index for e in employees], vectorised.unit)
    np.testing.assert_array_equal([e.seed_adopter for e in employees], vectorised.seed_adopter)
    for i in (0, 57, 150, 299):
        expected = set(vectorised.network.neighbours(i).tolist())
        assert {n.cell.coordinate for n in employees[i].neighbours()} == expected
    assert len(reference.space.all_cells) == vectorised.size


def test_weeks_to_is_nan_when_never_reached():
    reference = ReferenceModel(oracle_scenario(), rng=0)
    reference.run_for(2)
    assert np.isnan(reference.weeks_to(0.99))
    assert reference.weeks_to(0.0) == 0


@pytest.mark.parametrize(
    "extra",
    [
        {"interventions": [{"kind": "communication"}]},
        {
            "customers": {
                "population": 1000,
                "channels": {"web": {"initial_share": 0.5}, "phone": {"initial_share": 0.5}},
            }
        },
    ],
    ids=["interventions", "customers"],
)
def test_out_of_scope_scenarios_are_refused(extra):
    scenario = changesim.load_scenario(
        {"name": "x", "organisation": {"units": UNITS}, "weeks": 4, **extra}
    )
    with pytest.raises(ValueError, match="ReferenceModel covers"):
        ReferenceModel(scenario)
