"""Weekly records per unit and the per-run summary metrics."""

from __future__ import annotations

import numpy as np

from changesim.state import OrgState

ADOPTION_MILESTONES = (0.5, 0.8, 0.95)
#: Rogers (2003) adopter categories by adoption time in standard deviations from the mean.
ROGERS_CATEGORIES = ("innovators", "early_adopters", "early_majority", "late_majority", "laggards")
ORGANISATION = "all"
#: Channels in which customers serve themselves.
SELF_SERVICE_CHANNELS = ("web",)
#: Weeks at the end over which the final self-service share is averaged (less noisy).
FINAL_WINDOW = 4


class Recorder:
    """Collects per-unit aggregates each week in arrays; builds a tidy frame at the end.

    Unit-level aggregates only (O(units) per week), never employee snapshots.
    """

    def __init__(self, unit_names: list[str], headcount: np.ndarray, customers=None) -> None:
        self.unit_names = unit_names
        self.headcount = headcount
        self.customer_spec = customers
        self.customer_rows: dict[str, list] = {
            "contacts": [],
            "resolved": [],
            "satisfaction": [],
            "churned": [],
            "view": [],
        }
        self.rows: dict[str, list[np.ndarray]] = {
            "adopted": [],
            "in_scope": [],
            "readiness": [],
            "resistance": [],
            "quality": [],
        }
        self.cost: list[float] = []

    def record(self, state: OrgState, cost: float) -> None:
        """Record the state at the end of the current week."""
        self.rows["adopted"].append(state.per_unit(state.adopted))
        self.rows["in_scope"].append(state.per_unit(state.in_scope))
        self.rows["readiness"].append(state.per_unit(state.readiness))
        self.rows["resistance"].append(state.per_unit(state.resistance))
        self.rows["quality"].append(state.quality.copy())
        self.cost.append(cost)

    def record_customers(self, week, view: np.ndarray) -> None:
        """Record a week of customer contacts and each unit's customer view."""
        rows = self.customer_rows
        rows["contacts"].append(week.contacts)
        rows["resolved"].append(week.resolved)
        rows["satisfaction"].append(week.satisfaction)
        rows["churned"].append(week.churned)
        rows["view"].append(view)

    def _customer_columns(self, weeks: int, n_units: int) -> dict[str, np.ndarray]:
        """Customer columns on the organisation rows, customer_view on unit rows."""
        from changesim.customer_spec import DEFAULT_COST

        spec = self.customer_spec
        rows = self.customer_rows
        channels = spec.channel_names()
        contacts = np.vstack(rows["contacts"]).astype(np.float64)
        total = contacts.sum(axis=1)
        cost_per = np.array(spec.per_channel("cost_per_contact", DEFAULT_COST))
        org = {
            f"channel_share_{c}": np.divide(
                contacts[:, i], total, out=np.full(weeks, np.nan), where=total > 0
            )
            for i, c in enumerate(channels)
        }
        org["contacts"] = total
        org["first_contact_resolution"] = np.divide(
            np.array(rows["resolved"], dtype=float),
            total,
            out=np.full(weeks, np.nan),
            where=total > 0,
        )
        org["satisfaction"] = np.array(rows["satisfaction"])
        population = float(spec.population)
        org["churned_share"] = np.array(rows["churned"]) / population
        org["contact_cost"] = contacts @ cost_per
        columns = {}
        for name, values in org.items():
            grid = np.full((weeks, n_units + 1), np.nan)
            grid[:, -1] = values
            columns[name] = grid.ravel()
        view = np.full((weeks, n_units + 1), np.nan)
        view[:, :-1] = np.vstack(rows["view"])
        columns["customer_view"] = view.ravel()
        return columns

    def weekly_frame(self):
        """Tidy DataFrame: one row per week and unit, plus ``unit == "all"`` per week.

        Columns: week, unit, headcount, adopted, in_scope, adopted_share, in_scope_share,
        readiness_mean, resistance_mean, quality, intervention_cost (organisation rows only;
        the cost spent in that week). With customers, also on organisation rows:
        channel_share_<channel>, contacts, first_contact_resolution, satisfaction,
        churned_share, contact_cost; and customer_view on front-office unit rows.
        """
        import pandas as pd

        data = {key: np.vstack(values) for key, values in self.rows.items()}
        weeks, n_units = data["adopted"].shape
        total = float(self.headcount.sum())
        weight = self.headcount / total
        columns = {
            "adopted": np.column_stack([data["adopted"], data["adopted"].sum(axis=1)]),
            "in_scope": np.column_stack([data["in_scope"], data["in_scope"].sum(axis=1)]),
            "readiness_sum": np.column_stack([data["readiness"], data["readiness"].sum(axis=1)]),
            "resistance_sum": np.column_stack([data["resistance"], data["resistance"].sum(axis=1)]),
            "quality": np.column_stack([data["quality"], data["quality"] @ weight]),
        }
        headcount = np.append(self.headcount, total).astype(np.float64)
        frame = pd.DataFrame(
            {
                "week": np.repeat(np.arange(weeks), n_units + 1),
                "unit": np.tile([*self.unit_names, ORGANISATION], weeks),
                "headcount": np.tile(headcount, weeks).astype(np.int64),
                "adopted": columns["adopted"].ravel().astype(np.int64),
                "in_scope": columns["in_scope"].ravel().astype(np.int64),
            }
        )
        per_head = np.tile(headcount, weeks)
        frame["adopted_share"] = columns["adopted"].ravel() / per_head
        frame["in_scope_share"] = columns["in_scope"].ravel() / per_head
        frame["readiness_mean"] = columns["readiness_sum"].ravel() / per_head
        frame["resistance_mean"] = columns["resistance_sum"].ravel() / per_head
        frame["quality"] = columns["quality"].ravel()
        cost = np.full((weeks, n_units + 1), np.nan)
        cost[:, -1] = self.cost
        frame["intervention_cost"] = cost.ravel()
        if self.customer_spec is not None:
            for name, values in self._customer_columns(weeks, n_units).items():
                frame[name] = values
        frame["unit"] = frame["unit"].astype("category")
        return frame


def first_week_at(weeks: np.ndarray, shares: np.ndarray, level: float) -> float:
    """First week in which ``shares`` reaches ``level`` (NaN if never)."""
    reached = np.flatnonzero(shares >= level)
    return float(weeks[reached[0]]) if len(reached) else float("nan")


def rogers_shares(weeks_since_open: np.ndarray) -> dict[str, float]:
    """Shares of adopters per Rogers category, by adoption time relative to the mean.

    Categories: innovators (earlier than mean - 2 sd), early adopters (mean - 2 sd to mean - sd),
    early majority (to the mean), late majority (to mean + sd), laggards (later).
    """
    if len(weeks_since_open) < 2 or np.std(weeks_since_open) == 0:
        return {f"rogers_{name}": float("nan") for name in ROGERS_CATEGORIES}
    mean, sd = weeks_since_open.mean(), weeks_since_open.std()
    edges = [mean - 2 * sd, mean - sd, mean, mean + sd]
    category = np.searchsorted(edges, weeks_since_open, side="right")
    counts = np.bincount(category, minlength=5)
    return {
        f"rogers_{name}": float(c / len(weeks_since_open))
        for name, c in zip(ROGERS_CATEGORIES, counts, strict=True)
    }


def summarise(weekly, state: OrgState) -> dict[str, float]:
    """Per-run summary metrics from the weekly frame and the final state.

    Returns
    -------
    dict
        weeks_to_50/80/95 (first week the organisation's adopted share reaches it, NaN if
        never), final_adopted_share, quality_dip_depth (1 - lowest organisation quality, 0 if
        never below the old level), quality_dip_weeks (weeks below the old level),
        rogers_* (adopter category shares among final adopters, timed from their unit's
        opening), non_adopter_share, total_intervention_cost, final_readiness_mean,
        final_resistance_mean.
    """
    org = weekly[weekly["unit"] == ORGANISATION]
    weeks = org["week"].to_numpy()
    shares = org["adopted_share"].to_numpy()
    quality = org["quality"].to_numpy()
    summary = {
        f"weeks_to_{round(level * 100)}": first_week_at(weeks, shares, level)
        for level in ADOPTION_MILESTONES
    }
    summary["final_adopted_share"] = float(shares[-1])
    summary["quality_dip_depth"] = float(max(0.0, 1.0 - quality.min()))
    summary["quality_dip_weeks"] = float((quality < 1.0).sum())
    adopters = np.flatnonzero(state.adopted)
    since_open = state.adoption_week[adopters] - state.opened_week[state.unit[adopters]]
    summary.update(rogers_shares(since_open.astype(np.float64)))
    summary["non_adopter_share"] = float(1.0 - len(adopters) / state.size)
    summary["total_intervention_cost"] = float(np.nansum(org["intervention_cost"]))
    summary["final_readiness_mean"] = float(org["readiness_mean"].iloc[-1])
    summary["final_resistance_mean"] = float(org["resistance_mean"].iloc[-1])
    if "satisfaction" in org:
        summary.update(customer_summary(org))
    return summary


def customer_summary(org) -> dict[str, float]:
    """Customer metrics from the organisation rows of a weekly frame.

    final_satisfaction, mean_satisfaction (over all weeks), final_self_service_share (share of
    contacts in self-service channels over the last weeks), churned_share (cumulative),
    mean_first_contact_resolution (resolved / contacts over the run), total_contacts,
    total_contact_cost, cost_per_resolved_contact, satisfaction_recovery_week (first week after
    the lowest satisfaction in which it is back at its week-0 level; 0 if it never fell below
    it, NaN if it never came back).
    """
    weeks = org["week"].to_numpy()
    satisfaction = org["satisfaction"].to_numpy()
    contacts = org["contacts"].to_numpy()
    self_service = sum(
        org[f"channel_share_{c}"].to_numpy()
        for c in SELF_SERVICE_CHANNELS
        if f"channel_share_{c}" in org
    )
    tail = slice(-FINAL_WINDOW, None)
    resolved = np.nansum(org["first_contact_resolution"].to_numpy() * contacts)
    lowest = int(np.nanargmin(satisfaction))
    after = satisfaction[lowest:] >= satisfaction[0]
    recovered = weeks[lowest + int(np.argmax(after))] if after.any() else float("nan")
    return {
        "final_satisfaction": float(satisfaction[-1]),
        "mean_satisfaction": float(np.nanmean(satisfaction)),
        "final_self_service_share": float(
            np.sum((self_service * contacts)[tail]) / np.sum(contacts[tail])
        )
        if np.sum(contacts[tail]) > 0
        else float("nan"),
        "churned_share": float(org["churned_share"].iloc[-1]),
        "mean_first_contact_resolution": float(resolved / contacts.sum())
        if contacts.sum() > 0
        else float("nan"),
        "total_contacts": float(contacts.sum()),
        "total_contact_cost": float(org["contact_cost"].sum()),
        "cost_per_resolved_contact": float(org["contact_cost"].sum() / resolved)
        if resolved > 0
        else float("nan"),
        "satisfaction_recovery_week": float(recovered),
    }
