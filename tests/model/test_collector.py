"""Recording the week: the tidy weekly frame of a run and the Mesa DataCollector reporters.

Most checks run on a hand-built OrgState of two units (2 and 3 employees) whose arrays are set
by hand, so that every per-unit sum, organisation row and share is worked out in the test. A
tiny model (three units, a few weeks) checks that the frame and the reporters agree with the
model's state.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import changesim
from changesim.build.network import OrgNetwork
from changesim.build.population import Employees
from changesim.model.collector import ORGANISATION, Recorder
from changesim.model.customers import CustomerWeek
from changesim.model.series import (
    OrganisationSeries,
    adopted_share,
    organisation_quality,
    satisfaction,
    self_service_share,
    week,
)
from changesim.model.state import OrgState
from changesim.scenario.customers import DEFAULT_COST, Customers
from tests.builders import BO, PHONE, WEB, org, org_rows, unit_rows

UNITS = ["a", "b"]
CUSTOMER_COLUMNS = [
    "channel_share_web",
    "channel_share_phone",
    "contacts",
    "first_contact_resolution",
    "satisfaction",
    "churned_share",
    "contact_cost",
]


def tiny_state() -> OrgState:
    """Unit a: employees 0, 1; unit b: employees 2, 3, 4. Nobody adopted, nothing open."""
    unit = np.array([0, 0, 1, 1, 1], dtype=np.int32)
    n = len(unit)
    employees = Employees(
        unit=unit,
        readiness=np.zeros(n),
        resistance=np.zeros(n),
        threshold=np.full(n, 0.5),
        manager=np.zeros(n, dtype=bool),
        initial_adopter=np.zeros(n, dtype=bool),
        ids=np.arange(n),
    )
    return OrgState.starting(employees, OrgNetwork(n, None), 2, resistance_malleable=True)


def two_weeks(customers: Customers | None = None) -> Recorder:
    """Two recorded weeks of the tiny state.

    week 0: unit a open, nobody adopted; readiness 0.2 0.4 | 0.1 0.5 0.9, resistance
            0.6 0.8 | 0.3 0.3 0.6, quality a 0.9, b 1.0; cost 1000.
    week 1: unit b open too; employees 0, 3, 4 adopted; readiness 0.5 0.7 | 0.4 0.4 1.0,
            resistance 0.2 0.4 | 0.0 0.3 0.3, quality a 0.8, b 1.1; cost 250.
    """
    state = tiny_state()
    recorder = Recorder(UNITS, state.headcount, customers)
    state.open_units(np.array([0]))
    state.readiness[:] = [0.2, 0.4, 0.1, 0.5, 0.9]
    state.resistance[:] = [0.6, 0.8, 0.3, 0.3, 0.6]
    state.quality[:] = [0.9, 1.0]
    recorder.record(state, 1000.0)
    state.week = 1
    state.open_units(np.array([1]))
    state.adopt(np.array([0, 3, 4]))
    state.readiness[:] = [0.5, 0.7, 0.4, 0.4, 1.0]
    state.resistance[:] = [0.2, 0.4, 0.0, 0.3, 0.3]
    state.quality[:] = [0.8, 1.1]
    recorder.record(state, 250.0)
    return recorder


def column(frame: pd.DataFrame, unit: str, name: str) -> np.ndarray:
    """``name`` of ``unit``'s rows, by week, as a float array."""
    return unit_rows(frame, unit)[name].to_numpy(dtype=np.float64)


# ---------------------------------------------------------------------------- weekly_frame


def test_weekly_frame_has_a_row_per_week_and_unit_plus_the_organisation() -> None:
    frame = two_weeks().weekly_frame()
    assert list(frame["week"]) == [0, 0, 0, 1, 1, 1]
    assert list(frame["unit"]) == ["a", "b", ORGANISATION] * 2
    assert isinstance(frame["unit"].dtype, pd.CategoricalDtype)
    assert list(frame["headcount"]) == [2, 3, 5] * 2
    assert list(frame.columns) == [
        "week",
        "unit",
        "headcount",
        "adopted",
        "in_scope",
        "adopted_share",
        "in_scope_share",
        "readiness_mean",
        "resistance_mean",
        "quality",
        "intervention_cost",
        "double_running_cost",
    ]


def test_weekly_frame_counts_per_unit_and_sums_them_for_the_organisation() -> None:
    """Week 1: a has 1 of 2 adopted, b 2 of 3, the organisation 3 of 5."""
    frame = two_weeks().weekly_frame()
    assert list(frame["adopted"]) == [0, 0, 0, 1, 2, 3]
    assert list(frame["in_scope"]) == [2, 0, 2, 2, 3, 5]
    assert frame["adopted"].dtype == np.int64
    assert frame["in_scope"].dtype == np.int64
    np.testing.assert_allclose(frame["adopted_share"], [0, 0, 0, 0.5, 2 / 3, 0.6])
    np.testing.assert_allclose(frame["in_scope_share"], [1, 0, 0.4, 1, 1, 1])


def test_weekly_frame_means_per_unit_and_over_all_employees() -> None:
    """Readiness week 0: a (0.2 + 0.4) / 2, b (0.1 + 0.5 + 0.9) / 3, all 2.1 / 5."""
    frame = two_weeks().weekly_frame()
    np.testing.assert_allclose(frame["readiness_mean"], [0.3, 0.5, 0.42, 0.6, 0.6, 0.6])
    np.testing.assert_allclose(frame["resistance_mean"], [0.7, 0.4, 0.52, 0.3, 0.2, 1.2 / 5])


def test_weekly_frame_organisation_quality_is_the_headcount_weighted_mean() -> None:
    """Week 0: (2 * 0.9 + 3 * 1.0) / 5 = 0.96; week 1: (2 * 0.8 + 3 * 1.1) / 5 = 0.98."""
    frame = two_weeks().weekly_frame()
    np.testing.assert_allclose(frame["quality"], [0.9, 1.0, 0.96, 0.8, 1.1, 0.98])


def test_weekly_frame_keeps_each_week_as_it_was() -> None:
    """Changing the state after a week is recorded does not change that week's record."""
    state = tiny_state()
    recorder = Recorder(UNITS, state.headcount)
    recorder.record(state, 0.0)
    state.quality[:] = 0.5
    recorder.record(state, 0.0)
    np.testing.assert_allclose(recorder.weekly_frame()["quality"], [1, 1, 1, 0.5, 0.5, 0.5])


def test_intervention_cost_is_only_on_the_organisation_rows() -> None:
    frame = two_weeks().weekly_frame()
    np.testing.assert_array_equal(column(frame, ORGANISATION, "intervention_cost"), [1000, 250])
    for unit in UNITS:
        assert np.isnan(column(frame, unit, "intervention_cost")).all()


def test_weekly_frame_has_no_customer_columns_without_customers() -> None:
    frame = two_weeks().weekly_frame()
    assert not set(frame.columns) & {*CUSTOMER_COLUMNS, "customer_view"}


# ---------------------------------------------------------------------- customer columns


def customer_spec(channels: dict[str, dict[str, float]] | None = None) -> Customers:
    """1000 customers; web at a cost of 0.5 per contact, phone at the default cost."""
    channels = channels or {
        "web": {"initial_share": 0.4, "cost_per_contact": 0.5},
        "phone": {"initial_share": 0.6},
    }
    return Customers.model_validate({"population": 1000, "channels": channels})


def with_customers() -> pd.DataFrame:
    """The two weeks with customers: week 0 has 30 web and 70 phone contacts, 60 resolved,
    satisfaction 0.7, 10 churned; week 1 has no contacts, satisfaction 0.69, 12 churned."""
    recorder = two_weeks(customer_spec())
    recorder.record_customers(
        CustomerWeek(contacts=np.array([30, 70]), resolved=60, satisfaction=0.7, churned=10),
        np.array([0.25, 0.75]),
    )
    recorder.record_customers(
        CustomerWeek(contacts=np.array([0, 0]), resolved=0, satisfaction=0.69, churned=12),
        np.array([0.3, 0.8]),
    )
    return recorder.weekly_frame()


def test_customer_columns_on_the_organisation_rows() -> None:
    frame = with_customers()
    cost = 30 * 0.5 + 70 * DEFAULT_COST["phone"]
    expected = {
        "channel_share_web": [0.3, np.nan],
        "channel_share_phone": [0.7, np.nan],
        "contacts": [100.0, 0.0],
        "first_contact_resolution": [0.6, np.nan],
        "satisfaction": [0.7, 0.69],
        "churned_share": [0.01, 0.012],
        "contact_cost": [cost, 0.0],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(column(frame, ORGANISATION, name), values, err_msg=name)


def test_a_single_contact_gives_shares_and_resolution() -> None:
    """One web contact, resolved: web share 1, phone share 0, first-contact resolution 1."""
    recorder = two_weeks(customer_spec())
    for _ in range(2):
        recorder.record_customers(
            CustomerWeek(contacts=np.array([1, 0]), resolved=1, satisfaction=0.7, churned=0),
            np.array([0.0, 0.0]),
        )
    org = org_rows(recorder.weekly_frame())
    np.testing.assert_array_equal(org["channel_share_web"], [1.0, 1.0])
    np.testing.assert_array_equal(org["channel_share_phone"], [0.0, 0.0])
    np.testing.assert_array_equal(org["first_contact_resolution"], [1.0, 1.0])


def test_weekly_frame_column_types() -> None:
    """Counts are integers, the unit a category, every other column float (NaN if missing)."""
    frame = with_customers()
    integers = ["week", "headcount", "adopted", "in_scope"]
    for name in integers:
        assert frame[name].dtype == np.int64, name
    floats = [name for name in frame.columns if name not in [*integers, "unit"]]
    assert "intervention_cost" in floats
    assert "customer_view" in floats
    for name in floats:
        assert frame[name].dtype == np.float64, name


def test_customer_columns_are_not_on_unit_rows() -> None:
    frame = with_customers()
    for unit in UNITS:
        for name in CUSTOMER_COLUMNS:
            assert np.isnan(column(frame, unit, name)).all(), (unit, name)


def test_customer_view_is_on_unit_rows_only() -> None:
    frame = with_customers()
    np.testing.assert_array_equal(column(frame, "a", "customer_view"), [0.25, 0.3])
    np.testing.assert_array_equal(column(frame, "b", "customer_view"), [0.75, 0.8])
    assert np.isnan(column(frame, ORGANISATION, "customer_view")).all()


# ---------------------------------------------------------------------- reporters


def recorded(state: OrgState, customers: Customers | None = None) -> Recorder:
    """A recorder of ``state`` with one week recorded (row 0)."""
    recorder = Recorder(UNITS, state.headcount, customers)
    recorder.record(state, 0.0)
    return recorder


def test_week_reporter_is_the_row() -> None:
    recorder = recorded(tiny_state())
    recorder.record(tiny_state(), 0.0)
    assert [week(recorder, row) for row in range(len(recorder))] == [0, 1]


def test_adopted_share_reporter_is_the_share_of_all_employees() -> None:
    state = tiny_state()
    recorder = recorded(state)
    state.adopt(np.array([1, 2]))
    recorder.record(state, 0.0)
    assert adopted_share(recorder, 0) == 0.0
    assert adopted_share(recorder, 1) == pytest.approx(0.4)


def test_quality_reporter_is_the_headcount_weighted_mean() -> None:
    """(2 * 0.5 + 3 * 1.5) / 5 = 1.1 (the plain mean of the units would be 1.0)."""
    state = tiny_state()
    state.quality[:] = [0.5, 1.5]
    assert organisation_quality(recorded(state), 0) == pytest.approx(1.1)


def test_satisfaction_reporter_is_the_weeks_value_or_nan() -> None:
    recorder = recorded(tiny_state(), customer_spec())
    assert np.isnan(satisfaction(recorder, 0))
    for value in (0.7, 0.65):
        this_week = CustomerWeek(np.array([1, 1]), resolved=1, satisfaction=value, churned=0)
        recorder.record_customers(this_week, np.zeros(2))
    assert satisfaction(recorder, 0) == pytest.approx(0.7)
    assert satisfaction(recorder, 1) == pytest.approx(0.65)


def test_self_service_share_reporter_is_the_weeks_web_share() -> None:
    """Contacts web, phone, desk: 10, 80, 10 then 30, 50, 20: the shares are 0.1 and 0.3."""
    spec = customer_spec(
        {
            "web": {"initial_share": 0.3},
            "phone": {"initial_share": 0.5},
            "desk": {"initial_share": 0.2},
        }
    )
    recorder = recorded(tiny_state(), spec)
    assert np.isnan(self_service_share(recorder, 0))
    for contacts in ([10, 80, 10], [30, 50, 20], [0, 0, 0]):
        this_week = CustomerWeek(np.array(contacts), resolved=50, satisfaction=0.7, churned=0)
        recorder.record_customers(this_week, np.zeros(2))
    assert self_service_share(recorder, 0) == pytest.approx(0.1)
    assert self_service_share(recorder, 1) == pytest.approx(0.3)
    assert np.isnan(self_service_share(recorder, 2))


def test_self_service_share_reporter_is_nan_without_customers() -> None:
    """Even with contacts recorded, a recorder without a customers section has no share."""
    recorder = recorded(tiny_state(), customer_spec())
    this_week = CustomerWeek(np.array([30, 70]), resolved=50, satisfaction=0.7, churned=0)
    recorder.record_customers(this_week, np.zeros(2))
    recorder.customer_spec = None
    assert np.isnan(self_service_share(recorder, 0))


def test_the_series_are_the_reporters_on_the_rows_collected() -> None:
    """Collecting notes a model's latest row; the series are read from the rows noted, so
    a later week recorded does not change an earlier collection."""
    state = tiny_state()
    model = SimpleNamespace(recorder=recorded(state), time=0.0)
    collector = OrganisationSeries()
    collector.collect(model)
    state.adopt(np.array([0, 1, 2]))
    model.recorder.record(state, 0.0)
    model.recorder.record(state, 0.0)
    model.time = 2.0
    collector.collect(model)
    series = collector.get_model_vars_dataframe()
    assert list(series["week"]) == [0, 2]
    assert list(series["adopted_share"]) == [0.0, pytest.approx(0.6)]
    assert collector.model_vars["week"] == [0, 2]
    assert collector._collection_steps == [0.0, 2.0]
    assert list(collector.model_reporters) == list(series.columns)


def test_the_series_cannot_be_set() -> None:
    collector = OrganisationSeries()
    with pytest.raises(AttributeError, match="read from the model's recorder"):
        collector.model_vars = {"week": [1]}


# ---------------------------------------------------------------------- a tiny model

WEEKS = 4


@pytest.fixture(scope="module")
def tiny_model() -> changesim.ChangeModel:
    """Three units (back office, web, phone) with 2000 customers, stepped four weeks."""
    channels = {"web": {"initial_share": 0.4}, "phone": {"initial_share": 0.6}}
    scenario = changesim.load_scenario(
        org([BO, WEB, PHONE], weeks=WEEKS, customers={"population": 2000, "channels": channels})
    )
    model = changesim.ChangeModel(scenario, rng=1, agents=False)
    for _ in range(WEEKS):
        model.step()
    return model


def test_organisation_rows_of_a_model_aggregate_its_unit_rows(tiny_model) -> None:
    """Every week: counts add up, means are headcount-weighted, the last week is the state."""
    frame = tiny_model.recorder.weekly_frame()
    units = tiny_model.unit_names
    assert list(org_rows(frame)["week"]) == list(range(WEEKS + 1))
    per_unit = {unit: unit_rows(frame, unit) for unit in units}
    headcount = {unit: int(per_unit[unit]["headcount"].iloc[0]) for unit in units}
    total = sum(headcount.values())
    org = org_rows(frame)
    assert set(org["headcount"]) == {total}
    for name in ("adopted", "in_scope"):
        np.testing.assert_array_equal(org[name], sum(per_unit[u][name] for u in units))
    for name in ("readiness_mean", "resistance_mean", "quality", "adopted_share"):
        weighted = sum(per_unit[u][name] * headcount[u] for u in units) / total
        np.testing.assert_allclose(org[name], weighted, rtol=1e-12, err_msg=name)
    state = tiny_model.state
    np.testing.assert_array_equal(
        [per_unit[u]["adopted"].iloc[-1] for u in units], state.adopted_count
    )
    assert org["readiness_mean"].iloc[-1] == pytest.approx(state.readiness.mean())
    assert org["adopted"].iloc[0] < org["adopted"].iloc[-1], "nobody adopted: vacuous"


def test_customer_view_of_a_model_is_on_front_office_rows(tiny_model) -> None:
    frame = tiny_model.recorder.weekly_frame()
    assert np.isnan(column(frame, "bo", "customer_view")).all()
    for unit in ("web", "phone"):
        assert np.isfinite(column(frame, unit, "customer_view")).all()


def test_datacollector_has_the_organisation_series_per_week(tiny_model) -> None:
    """One row per week from week 0, equal to the organisation rows of the weekly frame."""
    series = tiny_model.datacollector.get_model_vars_dataframe()
    assert list(series.columns) == [
        "week",
        "adopted_share",
        "quality",
        "satisfaction",
        "self_service_share",
    ]
    assert list(series["week"]) == list(range(WEEKS + 1))
    org = org_rows(tiny_model.recorder.weekly_frame())
    pairs = {
        "adopted_share": "adopted_share",
        "quality": "quality",
        "satisfaction": "satisfaction",
        "self_service_share": "channel_share_web",
    }
    for name, frame_column in pairs.items():
        np.testing.assert_allclose(series[name], org[frame_column], rtol=1e-12, err_msg=name)


def test_datacollector_without_customers_has_nan_customer_series() -> None:
    scenario = changesim.load_scenario(org([BO, WEB], weeks=2))
    model = changesim.ChangeModel(scenario, rng=2, agents=False)
    model.step()
    series = model.datacollector.get_model_vars_dataframe()
    assert list(series["week"]) == [0, 1]
    assert series["satisfaction"].isna().all()
    assert series["self_service_share"].isna().all()
    assert series["adopted_share"].iloc[-1] == pytest.approx(model.state.adopted.mean())


def test_a_fresh_datacollector_collects_the_model_reporters(tiny_model) -> None:
    """A fresh OrganisationSeries reads week, adopted share and quality of a model."""
    collector = OrganisationSeries()
    collector.collect(tiny_model)
    row = collector.get_model_vars_dataframe().iloc[0]
    assert row["week"] == WEEKS
    assert row["adopted_share"] == pytest.approx(tiny_model.state.adopted.mean())
    state = tiny_model.state
    quality = float(np.average(state.quality, weights=state.headcount))
    assert row["quality"] == pytest.approx(quality)
