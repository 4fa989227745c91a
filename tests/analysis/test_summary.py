"""A run's summary metrics on hand-made weekly frames: adoption milestones, quality dip, Rogers
categories, intervention cost and the customer metrics.

Every expected value is worked out by hand from the small frame in the test (the arithmetic
is in the docstrings and comments); nothing is copied from a run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from changesim.analysis.summary import (
    customer_summary,
    first_week_at,
    rogers_shares,
    summarise,
)

ROGERS_KEYS = [
    "rogers_innovators",
    "rogers_early_adopters",
    "rogers_early_majority",
    "rogers_late_majority",
    "rogers_laggards",
]

# ---------------------------------------------------------------------------- first_week_at


def test_first_week_at_is_the_first_week_at_or_above_the_level() -> None:
    """Weeks 10..15: 0.5 is first reached exactly in week 12, dips after, and is passed again."""
    weeks = np.arange(10, 16)
    shares = np.array([0.0, 0.3, 0.5, 0.49, 0.7, 0.9])
    assert first_week_at(weeks, shares, 0.5) == 12.0
    assert first_week_at(weeks, shares, 0.6) == 14.0
    assert first_week_at(weeks, shares, 0.0) == 10.0


def test_first_week_at_is_nan_if_never_reached() -> None:
    weeks = np.arange(4)
    assert math.isnan(first_week_at(weeks, np.array([0.1, 0.5, 0.94, 0.9]), 0.95))


# ---------------------------------------------------------------------------- rogers_shares


def test_rogers_shares_on_a_sample_with_known_mean_and_sd() -> None:
    """Twelve adoption times symmetric around 20: mean 20, population sd sqrt(24.5 / 12) = 1.43.

    Deviations -3, -1.5, -0.5 x4, +0.5 x4, +1.5, +3 (squares 2*9 + 2*2.25 + 8*0.25 = 24.5).
    Edges at 20 - 2.86, 20 - 1.43, 20, 20 + 1.43: one innovator (17), one early adopter
    (18.5), four early majority (19.5), four late majority (20.5), two laggards (21.5, 23).
    """
    times = np.array([23.0, 19.5, 20.5, 17.0, 19.5, 20.5, 21.5, 19.5, 20.5, 18.5, 19.5, 20.5])
    shares = rogers_shares(times)
    assert list(shares) == ROGERS_KEYS
    expected = [1 / 12, 1 / 12, 4 / 12, 4 / 12, 2 / 12]
    assert list(shares.values()) == pytest.approx(expected)


def test_rogers_categories_nobody_falls_in_have_share_zero() -> None:
    """One at 0 and nine at 10: mean 9, sd 3; edges 3, 6, 9, 12.

    The early adopter is an innovator, the nine others late majority; no laggards.
    """
    times = np.array([0.0] + [10.0] * 9)
    shares = rogers_shares(times)
    assert list(shares) == ROGERS_KEYS
    assert list(shares.values()) == pytest.approx([0.1, 0.0, 0.0, 0.9, 0.0])


def test_rogers_shares_of_two_different_adopters_add_up_to_one() -> None:
    shares = rogers_shares(np.array([1.0, 3.0]))
    assert sum(shares.values()) == pytest.approx(1.0)


def test_rogers_category_includes_its_lower_edge() -> None:
    """Innovators are *earlier* than mean - 2 sd: each category starts at its edge, inclusive.

    1 and 3 have mean 2 and sd 1 exactly, so 1 sits on the edge mean - sd (early majority, not
    early adopter) and 3 on the edge mean + sd (laggard, not late majority).
    """
    shares = rogers_shares(np.array([1.0, 3.0]))
    assert list(shares.values()) == [0.0, 0.0, 0.5, 0.0, 0.5]


@pytest.mark.parametrize(
    "times",
    [np.array([]), np.array([4.0]), np.array([6.0, 6.0, 6.0])],
    ids=["nobody", "one", "no_spread"],
)
def test_rogers_shares_are_nan_without_a_spread_of_adoption_times(times: np.ndarray) -> None:
    shares = rogers_shares(times)
    assert list(shares) == ROGERS_KEYS
    assert all(math.isnan(v) for v in shares.values())


# ---------------------------------------------------------------------------- summarise

#: The organisation's series of a hand-made run, weeks 0..7.
ADOPTED = [0.0, 0.1, 0.3, 0.5, 0.79, 0.8, 0.85, 0.9]
QUALITY = [1.0, 0.95, 0.85, 0.9, 1.0, 1.02, 0.99, 1.05]
COST = [500.0, 0.0, np.nan, 250.0, 0.0, 0.0, 100.0, 0.0]
READINESS = [0.4, 0.42, 0.45, 0.5, 0.55, 0.6, 0.62, 0.65]
RESISTANCE = [0.5, 0.48, 0.46, 0.44, 0.42, 0.4, 0.38, 0.31]


def weekly_frame(**customer_columns: list[float]) -> pd.DataFrame:
    """A tidy weekly frame: a unit row ('web', values that must be ignored) and the 'all' row.

    ``customer_columns`` are added on the organisation rows (NaN on the unit rows).
    """
    records = []
    for week in range(len(ADOPTED)):
        records.append(
            {
                "week": week,
                "unit": "web",
                "adopted_share": 1.0,
                "quality": 0.1,
                "intervention_cost": np.nan,
                "readiness_mean": 0.0,
                "resistance_mean": 1.0,
                **{name: np.nan for name in customer_columns},
            }
        )
        records.append(
            {
                "week": week,
                "unit": "all",
                "adopted_share": ADOPTED[week],
                "quality": QUALITY[week],
                "intervention_cost": COST[week],
                "readiness_mean": READINESS[week],
                "resistance_mean": RESISTANCE[week],
                **{name: values[week] for name, values in customer_columns.items()},
            }
        )
    frame = pd.DataFrame(records)
    frame["unit"] = frame["unit"].astype("category")
    return frame


def test_summarise_adoption_metrics_from_the_organisation_rows() -> None:
    """Milestones: 50% in week 3, 80% in week 5 (0.79 in week 4 is not enough), 95% never.

    Quality dips to 0.85 (depth 0.15) and is below the old level 1 in weeks 1, 2, 3 and 6;
    exactly 1.0 is not below. Costs add to 850 (the week without a cost adds nothing).
    """
    summary = summarise(weekly_frame(), np.array([2.0, 3.0, 3.0, 5.0]))
    assert summary["weeks_to_50"] == 3.0
    assert summary["weeks_to_80"] == 5.0
    assert math.isnan(summary["weeks_to_95"])
    assert summary["final_adopted_share"] == pytest.approx(0.9)
    assert summary["non_adopter_share"] == pytest.approx(0.1)
    assert summary["quality_dip_depth"] == pytest.approx(0.15)
    assert summary["quality_dip_weeks"] == 4.0
    below = [1.0 - q for q in QUALITY if q < 1.0]  # the weeks below, each weighed by its depth
    assert summary["quality_loss"] == pytest.approx(sum(below))
    assert summary["total_intervention_cost"] == pytest.approx(850.0)
    assert summary["final_readiness_mean"] == pytest.approx(0.65)
    assert summary["final_resistance_mean"] == pytest.approx(0.31)
    assert "final_satisfaction" not in summary


def test_summarise_rogers_shares_of_the_adoption_delays() -> None:
    """Delays 0 and nine times 10 (as a plain list): 10% innovators, 90% late majority."""
    summary = summarise(weekly_frame(), [0] + [10] * 9)
    rogers = [summary[key] for key in ROGERS_KEYS]
    assert rogers == pytest.approx([0.1, 0.0, 0.0, 0.9, 0.0])


def test_summarise_has_no_quality_dip_if_quality_never_falls_below_the_old_level() -> None:
    frame = weekly_frame()
    org = frame["unit"] == "all"
    frame.loc[org, "quality"] = np.linspace(1.0, 1.2, org.sum())
    summary = summarise(frame, np.array([]))
    assert summary["quality_dip_depth"] == 0.0
    assert summary["quality_dip_weeks"] == 0.0
    assert summary["quality_loss"] == 0.0  # quality above the old level does not pay back
    assert math.isnan(summary["rogers_innovators"])


def test_summarise_adds_the_customer_metrics_when_the_frame_has_customers() -> None:
    weeks = len(ADOPTED)
    summary = summarise(
        weekly_frame(
            satisfaction=[0.7] * weeks,
            contacts=[100.0] * weeks,
            channel_share_web=[0.25] * weeks,
            first_contact_resolution=[0.5] * weeks,
            churned_share=[0.0] * weeks,
            contact_cost=[10.0] * weeks,
        ),
        np.array([1.0, 2.0]),
    )
    assert summary["final_satisfaction"] == pytest.approx(0.7)
    assert summary["final_self_service_share"] == pytest.approx(0.25)
    assert summary["total_contacts"] == pytest.approx(800.0)
    assert summary["cost_per_resolved_contact"] == pytest.approx(80.0 / 400.0)
    assert summary["weeks_to_50"] == 3.0
    # interventions (850, as in the adoption test) and contacts (8 weeks x 10) together
    assert summary["total_cost"] == pytest.approx(850.0 + 80.0)


# ---------------------------------------------------------------------------- customer_summary


def org_rows(**columns: list[float]) -> pd.DataFrame:
    """Organisation rows with a week column 0..n-1 and the given customer columns."""
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"week": np.arange(n), **columns})


def customers(**overrides: list[float]) -> pd.DataFrame:
    """Six weeks of customer rows; see the expected values in the tests below.

    week                0     1     2     3     4     5
    contacts          100   100   200   100   100   300
    web share         0.1   0.1   0.2   0.4   0.4   0.6
    phone share       0.9   0.9   0.8   0.6   0.6   0.4
    resolution        0.5   0.5   0.6   0.7   0.8   0.9
    satisfaction     0.70  0.68  0.65  0.69  0.70  0.72
    churned share       0  0.01  0.02  0.03  0.04  0.05
    contact cost      100   100   150   100    80   240
    """
    columns = {
        "contacts": [100.0, 100.0, 200.0, 100.0, 100.0, 300.0],
        "channel_share_web": [0.1, 0.1, 0.2, 0.4, 0.4, 0.6],
        "channel_share_phone": [0.9, 0.9, 0.8, 0.6, 0.6, 0.4],
        "first_contact_resolution": [0.5, 0.5, 0.6, 0.7, 0.8, 0.9],
        "satisfaction": [0.70, 0.68, 0.65, 0.69, 0.70, 0.72],
        "churned_share": [0.0, 0.01, 0.02, 0.03, 0.04, 0.05],
        "contact_cost": [100.0, 100.0, 150.0, 100.0, 80.0, 240.0],
    }
    return org_rows(**(columns | overrides))


def test_customer_summary_on_hand_made_organisation_rows() -> None:
    """Self-service over weeks 2-5 weighted by contacts: (40 + 40 + 40 + 180) / 700 = 3/7.

    Resolved: 50 + 50 + 120 + 70 + 80 + 270 = 640 of 900 contacts; cost 770, so 770 / 640 per
    resolved contact. Satisfaction is lowest in week 2 and back at 0.70 in week 4.
    """
    summary = customer_summary(customers())
    assert summary["final_self_service_share"] == pytest.approx(300.0 / 700.0)
    assert summary["final_satisfaction"] == pytest.approx(0.72)
    assert summary["mean_satisfaction"] == pytest.approx(4.14 / 6)
    assert summary["churned_share"] == pytest.approx(0.05)
    assert summary["total_contacts"] == pytest.approx(900.0)
    assert summary["mean_first_contact_resolution"] == pytest.approx(640.0 / 900.0)
    assert summary["total_contact_cost"] == pytest.approx(770.0)
    assert summary["cost_per_resolved_contact"] == pytest.approx(770.0 / 640.0)
    assert summary["satisfaction_recovery_week"] == 4.0


def test_self_service_share_counts_only_self_service_channels() -> None:
    """Without a web channel there is no self-service: the final share is 0."""
    rows = customers().drop(columns="channel_share_web")
    assert customer_summary(rows)["final_self_service_share"] == 0.0


def test_self_service_share_is_nan_without_contacts_at_the_end() -> None:
    """No contacts in the last four weeks: no share; the earlier weeks still count elsewhere."""
    rows = customers(
        contacts=[100.0, 100.0, 0.0, 0.0, 0.0, 0.0],
        first_contact_resolution=[0.5, 0.7, np.nan, np.nan, np.nan, np.nan],
    )
    summary = customer_summary(rows)
    assert math.isnan(summary["final_self_service_share"])
    assert summary["total_contacts"] == 200.0
    assert summary["mean_first_contact_resolution"] == pytest.approx(120.0 / 200.0)
    assert summary["cost_per_resolved_contact"] == pytest.approx(770.0 / 120.0)


def test_one_contact_at_the_end_gives_a_self_service_share() -> None:
    rows = customers(contacts=[100.0, 100.0, 1.0, 0.0, 0.0, 0.0])
    assert customer_summary(rows)["final_self_service_share"] == pytest.approx(0.2)


def test_customer_ratios_are_nan_without_any_contact() -> None:
    zeros = [0.0] * 6
    rows = customers(contacts=zeros, first_contact_resolution=[np.nan] * 6, contact_cost=zeros)
    summary = customer_summary(rows)
    assert math.isnan(summary["final_self_service_share"])
    assert math.isnan(summary["mean_first_contact_resolution"])
    assert math.isnan(summary["cost_per_resolved_contact"])
    assert summary["total_contacts"] == 0.0
    assert summary["total_contact_cost"] == 0.0


def test_cost_per_resolved_contact_with_a_single_resolved_contact() -> None:
    """One contact, resolved: the cost per resolved contact is the whole cost."""
    rows = customers(
        contacts=[1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        first_contact_resolution=[1.0] + [np.nan] * 5,
        contact_cost=[3.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    )
    summary = customer_summary(rows)
    assert summary["mean_first_contact_resolution"] == 1.0
    assert summary["cost_per_resolved_contact"] == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("satisfaction", "week"),
    [
        ([0.70, 0.68, 0.65, 0.69, 0.70, 0.72], 4.0),  # back exactly at the start level
        ([0.70, 0.71, 0.72, 0.73, 0.74, 0.75], 0.0),  # never below the start
        ([0.70, 0.60, 0.62, 0.65, 0.69, 0.695], math.nan),  # never back
        ([0.70, 0.65, 0.71, 0.60, 0.68, 0.69], math.nan),  # back once, then lower, not back
        ([0.70, 0.65, 0.71, 0.68, 0.66, 0.72], 2.0),  # lowest in week 1, back in week 2
    ],
    ids=["back_at_start", "never_below", "never_back", "lower_later", "first_back"],
)
def test_satisfaction_recovery_week(satisfaction: list[float], week: float) -> None:
    """The first week after the lowest satisfaction in which it is back at its week-0 level."""
    got = customer_summary(customers(satisfaction=satisfaction))["satisfaction_recovery_week"]
    if math.isnan(week):
        assert math.isnan(got)
    else:
        assert got == week


def test_weeks_without_satisfaction_are_left_out() -> None:
    """All customers gone after week 3 (NaN): lowest 0.5 in week 1, back in week 2."""
    rows = customers(satisfaction=[0.7, 0.5, 0.75, 0.65, np.nan, np.nan])
    summary = customer_summary(rows)
    assert summary["mean_satisfaction"] == pytest.approx(2.6 / 4)
    assert summary["satisfaction_recovery_week"] == 2.0
    assert math.isnan(summary["final_satisfaction"])


def test_no_satisfaction_in_any_week_gives_nan_not_an_error() -> None:
    """Everyone churned in week 0: the satisfaction metrics are undefined (NaN), the rest
    stays a number."""
    rows = customers(satisfaction=[np.nan] * 6)
    summary = customer_summary(rows)
    for name in ("final_satisfaction", "mean_satisfaction", "satisfaction_recovery_week"):
        assert math.isnan(summary[name]), name
    assert summary["total_contacts"] == 900
