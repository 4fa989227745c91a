"""Every summary metric and weekly series declared once: name, label, unit, format, direction.

The terminal tables, the HTML report, the plots and the comparison's rankings read these
declarations, so a metric is labelled, formatted and judged the same way everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Better = Literal["lower", "higher"]


@dataclass(frozen=True)
class Metric:
    """A per-run summary metric.

    Attributes
    ----------
    name : str
        Key in a run's summary (``RunResult.summary``) and column of ``runs.csv``.
    label : str
        Readable label for tables and reports.
    unit : str
        Unit of measurement: ``weeks``, ``week``, ``share``, ``score``, ``relative``,
        ``currency``, ``currency/contact`` or ``contacts``.
    better : {"lower", "higher"} or None
        Direction of better; None where neither direction is better in itself.
    fmt : str
        Format specification of a value (``format(value, fmt)``).
    group : {"adoption", "customers", "detail"}
        Headline adoption metrics, customer metrics (runs with customers), or details
        kept in the data but not in the headline tables.
    never : bool
        NaN means "never reached" (a milestone) rather than "not available".
    nan_when : str
        When the metric is NaN (undefined); empty for metrics that are always a finite number.
    of : {"employees", "customers"} or None
        For a share: whose share it is, so that a difference can also be said as a count.
    words : tuple of str
        How a difference is said in a sentence: the phrase for a larger value, then for a
        smaller one, each with ``{}`` where the size of the difference goes (e.g.
        ``("reaches 80% {} later", "reaches 80% {} sooner")``); empty: "has <label> {} higher".
    short : str
        Short column heading for narrow tables; default the label.
    """

    name: str
    label: str
    unit: str
    better: Better | None
    fmt: str
    group: Literal["adoption", "customers", "detail"]
    never: bool = False
    nan_when: str = ""
    of: Literal["employees", "customers"] | None = None
    words: tuple[str, str] | tuple[()] = ()
    short: str = ""

    def format(self, value: float) -> str:
        """``value`` with the metric's precision (shares as percentages); 'never' or '–' for
        NaN."""
        if value is None or math.isnan(value):
            return self.missing
        return format(value, self.fmt)

    def format_difference(self, value: float) -> str:
        """A difference of two values, signed: shares in percentage points ('+0.4 pp')."""
        if value is None or math.isnan(value):
            return "–"
        if self.unit == "share":
            return f"{value * 100:+.1f} pp"
        return format(value, "+" + self.fmt.lstrip("+"))

    def size(self, difference: float, currency: str | None = None) -> str:
        """The size of a difference in words, without its sign ('5.5 weeks', '0.4 percentage
        points', 'GBP 120,000')."""
        magnitude = abs(difference)
        if self.unit == "share":
            return f"{magnitude * 100:.{_pp_decimals(difference)}f} percentage points"
        if self.unit == "weeks":
            return f"{magnitude:.1f} weeks"
        if currency and self.unit.startswith("currency"):
            return f"{currency} {magnitude:{self.fmt}}"
        return format(magnitude, self.fmt)

    def bound(self, value: float, like: float | None = None) -> str:
        """A bound of an interval around :meth:`size` of ``like`` (default: the bound itself):
        the same unit and precision, signed, the unit not named."""
        if self.unit == "share":
            return f"{value * 100:.{_pp_decimals(value if like is None else like)}f}"
        return format(value, ".1f" if self.unit == "weeks" else self.fmt)

    def phrase(self, difference: float, currency: str | None = None) -> str:
        """The difference said as a verb phrase: 'reaches 80% 5.5 weeks sooner'."""
        if self.words:
            template = self.words[0] if difference > 0 else self.words[1]
        else:
            template = f"has {self.label} {{}} " + ("higher" if difference > 0 else "lower")
        return template.format(self.size(difference, currency))

    @property
    def heading(self) -> str:
        """Short heading with the direction of better: '↓' lower is better, '↑' higher."""
        arrow = {"lower": "↓", "higher": "↑", None: ""}[self.better]
        return f"{self.short or self.label}{arrow}"

    @property
    def missing(self) -> str:
        """What a NaN stands for: 'never' for milestones, '–' (not available) otherwise."""
        return "never" if self.never else "–"

    def title(self, currency: str | None = None) -> str:
        """The label, with the currency for money metrics when one is given."""
        if currency and self.unit.startswith("currency"):
            return f"{self.label} ({currency})"
        return self.label


def _pp_decimals(share: float) -> int:
    """Decimals of a difference of shares in percentage points: 2 below one point, else 1."""
    return 2 if abs(share) * 100 < 1 else 1


NEVER_REACHED = "the level is never reached within the run"
ROGERS_NAN = "fewer than two adopters, or all adopted the same number of weeks after opening"


def _metrics(*metrics: Metric) -> dict[str, Metric]:
    return {metric.name: metric for metric in metrics}


#: All summary metrics in display order.
METRICS: dict[str, Metric] = _metrics(
    *(
        Metric(
            f"weeks_to_{level}",
            f"weeks to {level}%",
            "weeks",
            "lower",
            ".1f",
            "adoption",
            never=True,
            nan_when=NEVER_REACHED,
            words=(f"reaches {level}% {{}} later", f"reaches {level}% {{}} sooner"),
            short=f"to {level}%",
        )
        for level in (50, 80, 95)
    ),
    Metric(
        "final_adopted_share",
        "final adopted share",
        "share",
        "higher",
        ".1%",
        "adoption",
        of="employees",
        words=("ends with {} more adopters", "ends with {} fewer adopters"),
        short="adopted",
    ),
    Metric(
        "quality_dip_depth",
        "quality dip depth",
        "relative",
        "lower",
        ".3f",
        "adoption",
        words=("dips {} deeper", "dips {} less deep"),
        short="dip depth",
    ),
    Metric(
        "quality_dip_weeks",
        "weeks below old quality",
        "weeks",
        "lower",
        ".1f",
        "adoption",
        words=("stays below the old quality {} longer", "stays below the old quality {} less"),
        short="dip weeks",
    ),
    Metric(
        "quality_loss",
        "quality lost (dip depth × weeks)",
        "quality-weeks",
        "lower",
        ".2f",
        "adoption",
        words=("loses {} quality-weeks more", "loses {} quality-weeks less"),
        short="quality lost",
    ),
    Metric(
        "non_adopter_share",
        "non-adopters",
        "share",
        "lower",
        ".1%",
        "adoption",
        of="employees",
        words=("leaves {} more non-adopters", "leaves {} fewer non-adopters"),
        short="non-adopters",
    ),
    Metric(
        "total_intervention_cost",
        "intervention cost",
        "currency",
        "lower",
        ",.0f",
        "adoption",
        words=("spends {} more on interventions", "spends {} less on interventions"),
        short="interventions",
    ),
    Metric(
        "double_running_cost",
        "double-running cost",
        "currency",
        "lower",
        ",.0f",
        "adoption",
        words=(
            "spends {} more on running old and new side by side",
            "spends {} less on running old and new side by side",
        ),
        short="double running",
    ),
    Metric(
        "total_cost",
        "total cost (interventions, double running, contacts)",
        "currency",
        "lower",
        ",.0f",
        "adoption",
        words=("costs {} more", "costs {} less"),
        short="total cost",
    ),
    Metric(
        "final_satisfaction",
        "final satisfaction",
        "score",
        "higher",
        ".3f",
        "customers",
        nan_when="no active customer is left at the end",
        words=("ends with satisfaction {} higher", "ends with satisfaction {} lower"),
        short="final satisf.",
    ),
    Metric(
        "mean_satisfaction",
        "mean satisfaction",
        "score",
        "higher",
        ".3f",
        "customers",
        nan_when="no week had an active customer",
        words=("keeps customers {} more satisfied", "keeps customers {} less satisfied"),
        short="satisfaction",
    ),
    Metric(
        "satisfaction_recovery_week",
        "satisfaction back at start (week)",
        "week",
        "lower",
        ".1f",
        "customers",
        never=True,
        nan_when="satisfaction never comes back to its week-0 level, or no customer is left",
        words=("wins satisfaction back {} later", "wins satisfaction back {} sooner"),
        short="satisf. back",
    ),
    Metric(
        "final_self_service_share",
        "self-service share at end",
        "share",
        "higher",
        ".1%",
        "customers",
        nan_when="no contacts in the last four weeks",
        words=("ends with {} more self-service", "ends with {} less self-service"),
        short="self-service",
    ),
    Metric(
        "churned_share",
        "churned customers",
        "share",
        "lower",
        ".2%",
        "customers",
        of="customers",
        words=("loses {} more customers", "loses {} fewer customers"),
        short="churned",
    ),
    Metric(
        "mean_first_contact_resolution",
        "first-contact resolution",
        "share",
        "higher",
        ".1%",
        "customers",
        nan_when="no contacts",
        words=(
            "resolves {} more contacts at first contact",
            "resolves {} fewer contacts at first contact",
        ),
        short="first-contact",
    ),
    Metric("total_contacts", "contacts", "contacts", None, ",.0f", "customers"),
    Metric(
        "total_contact_cost",
        "contact cost",
        "currency",
        "lower",
        ",.0f",
        "customers",
        words=("spends {} more on contacts", "spends {} less on contacts"),
        short="contact cost",
    ),
    Metric(
        "cost_per_resolved_contact",
        "cost per resolved contact",
        "currency/contact",
        "lower",
        ",.2f",
        "customers",
        nan_when="no contact was resolved",
    ),
    Metric("rogers_innovators", "innovators", "share", None, ".1%", "detail", nan_when=ROGERS_NAN),
    Metric(
        "rogers_early_adopters",
        "early adopters",
        "share",
        None,
        ".1%",
        "detail",
        nan_when=ROGERS_NAN,
    ),
    Metric(
        "rogers_early_majority",
        "early majority",
        "share",
        None,
        ".1%",
        "detail",
        nan_when=ROGERS_NAN,
    ),
    Metric(
        "rogers_late_majority", "late majority", "share", None, ".1%", "detail", nan_when=ROGERS_NAN
    ),
    Metric("rogers_laggards", "laggards", "share", None, ".1%", "detail", nan_when=ROGERS_NAN),
    Metric("final_readiness_mean", "final mean readiness", "score", "higher", ".3f", "detail"),
    Metric("final_resistance_mean", "final mean resistance", "score", "lower", ".3f", "detail"),
)


#: The metrics a comparison concludes on unless the user picks others (those present).
KEY_METRICS = (
    "weeks_to_80",
    "quality_loss",
    "mean_satisfaction",
    "churned_share",
    "total_cost",
)


def metric(name: str) -> Metric:
    """The declaration of summary metric ``name``; an undeclared name gets a plain one.

    A user-registered rule or a newer changesim may add metrics this module does not know;
    they are shown with their name as label and three decimals, and no direction.
    """
    known = METRICS.get(name)
    if known is not None:
        return known
    return Metric(name, name.replace("_", " "), "", None, ".3f", "detail")


def headline_metrics(columns: Iterable[str]) -> list[str]:
    """The headline metrics among ``columns``: adoption, plus customers when all are present."""
    present = set(columns)
    names = [m.name for m in METRICS.values() if m.group == "adoption" and m.name in present]
    customers = [m.name for m in METRICS.values() if m.group == "customers"]
    if all(name in present for name in customers):
        names += customers
    return names


@dataclass(frozen=True)
class Series:
    """A weekly column of the organisation's rows, as plotted across replications.

    Attributes
    ----------
    column : str
        Column of the weekly frame.
    title : str
        Figure title.
    axis : str
        Label of the value axis.
    """

    column: str
    title: str
    axis: str


#: Weekly series shown in comparisons, in order; customer series need customers.
SERIES: tuple[Series, ...] = (
    Series("adopted_share", "Adoption, organisation", "adopted share"),
    Series("quality", "Service quality, organisation", "quality (old level = 1)"),
    Series("satisfaction", "Customer satisfaction", "mean satisfaction of active customers"),
    Series("first_contact_resolution", "First-contact resolution", "share of contacts"),
    Series("channel_share_web", "Self-service (web) share of contacts", "share of contacts"),
    Series("contact_cost", "Contact cost per week", "cost per week"),
    Series("churned_share", "Churned customers", "share of customers"),
)
