"""Every summary metric is declared once, and tables, report and plots read the declaration."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import changesim
from changesim.analysis.metrics import METRICS, SERIES, headline_metrics, metric
from changesim.viz.report import summary_html
from tests.builders import load_example


@pytest.fixture(scope="module")
def result() -> changesim.RunResult:
    return changesim.simulate(load_example(weeks=30), seed=2)


def test_every_summary_key_is_declared(result: changesim.RunResult) -> None:
    assert set(result.summary) == set(METRICS)


def test_every_weekly_series_exists_in_a_run_with_customers(result: changesim.RunResult) -> None:
    assert {s.column for s in SERIES} <= set(result.weekly.columns)


@pytest.mark.parametrize(
    ("name", "better"),
    [
        ("weeks_to_80", "lower"),
        ("quality_dip_depth", "lower"),
        ("churned_share", "lower"),
        ("total_contact_cost", "lower"),
        ("mean_satisfaction", "higher"),
        ("mean_first_contact_resolution", "higher"),
        ("total_contacts", None),
    ],
)
def test_direction_of_better(name: str, better: str | None) -> None:
    assert METRICS[name].better == better


def test_every_headline_metric_has_a_direction_but_contacts() -> None:
    """A ranking needs a direction; only the contact count is neither better nor worse."""
    undirected = {m.name for m in METRICS.values() if m.group != "detail" and m.better is None}
    assert undirected == {"total_contacts"}


def test_headline_metrics_need_every_customer_metric_to_show_customers() -> None:
    adoption = [m.name for m in METRICS.values() if m.group == "adoption"]
    customers = [m.name for m in METRICS.values() if m.group == "customers"]
    assert headline_metrics(adoption) == adoption
    assert headline_metrics(adoption + customers[:-1]) == adoption
    assert headline_metrics([*adoption, *customers, "rogers_laggards"]) == adoption + customers


def test_formats_and_missing_values() -> None:
    assert METRICS["weeks_to_80"].format(12.345) == "12.3"
    assert METRICS["weeks_to_80"].format(math.nan) == "never"
    assert METRICS["churned_share"].format(math.nan) == "–"
    assert METRICS["total_contact_cost"].format(1234567.8) == "1,234,568"
    assert METRICS["cost_per_resolved_contact"].format(3.14159) == "3.14"
    assert METRICS["mean_satisfaction"].format(0.73456) == "0.735"


def test_titles_name_the_currency_of_money_metrics_only() -> None:
    assert METRICS["total_contact_cost"].title("EUR") == "contact cost (EUR)"
    assert METRICS["cost_per_resolved_contact"].title("EUR") == "cost per resolved contact (EUR)"
    assert METRICS["churned_share"].title("EUR") == "churned customers"
    assert METRICS["total_contact_cost"].title(None) == "contact cost"


def test_an_undeclared_metric_is_shown_plainly() -> None:
    plain = metric("my_new_metric")
    assert plain.label == "my new metric"
    assert plain.better is None
    assert plain.format(0.12345) == "0.123"


def test_the_report_uses_the_declared_labels_and_formats() -> None:
    table = pd.DataFrame(
        [
            {"route": "A", "metric": "weeks_to_80", "mean": 20.04, "ci_low": 19.0, "ci_high": 21.1}
            | {"n": 3, "runs": 3},
            {"route": "A", "metric": "total_contact_cost", "mean": 1234.5, "ci_low": 1000.0}
            | {"ci_high": 1469.0, "n": 3, "runs": 3},
        ]
    )
    html = summary_html(table, currency="GBP")
    assert "weeks to 80%" in html
    assert "20.0 <small>[19.0, 21.1]</small>" in html
    assert "contact cost (GBP)" in html
    assert "1,234" in html
