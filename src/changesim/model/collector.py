"""Stage 7, recording the week: per-unit records for the tidy frame of a run.

O(units) per week; employee snapshots are never taken. The Mesa ``DataCollector`` of the
organisation's weekly series reads these records (:mod:`changesim.model.series`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from changesim.model.customers import CustomerWeek
from changesim.model.state import OrgState
from changesim.scenario.customers import DEFAULT_COST, Customers

#: The ``unit`` value of the organisation's rows in the weekly frame.
ORGANISATION = "all"


class Recorder:
    """Collects per-unit aggregates each week in arrays; builds a tidy frame at the end.

    Unit-level aggregates only (O(units) per week), never employee snapshots.
    """

    def __init__(
        self, unit_names: list[str], headcount: np.ndarray, customers: Customers | None = None
    ) -> None:
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
        self.running_cost: list[float] = []

    def __len__(self) -> int:
        """Number of weeks recorded."""
        return len(self.cost)

    def record(self, state: OrgState, cost: float, running_cost: float = 0.0) -> None:
        """Record the state at the end of the current week, the week's intervention cost and
        its double-running cost."""
        self.rows["adopted"].append(state.adopted_count.copy())
        self.rows["in_scope"].append(state.in_scope_count())
        self.rows["readiness"].append(state.per_unit(state.readiness))
        self.rows["resistance"].append(state.per_unit(state.resistance))
        self.rows["quality"].append(state.quality.copy())
        self.cost.append(cost)
        self.running_cost.append(running_cost)

    def record_customers(self, week: CustomerWeek, view: np.ndarray) -> None:
        """Record a week of customer contacts and each unit's customer view."""
        rows = self.customer_rows
        rows["contacts"].append(week.contacts)
        rows["resolved"].append(week.resolved)
        rows["satisfaction"].append(week.satisfaction)
        rows["churned"].append(week.churned)
        rows["view"].append(view)

    def _customer_columns(self, weeks: int, n_units: int) -> dict[str, np.ndarray]:
        """Customer columns on the organisation rows, customer_view on unit rows."""
        spec = self.customer_spec
        assert spec is not None
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

    def weekly_frame(self) -> pd.DataFrame:
        """Tidy DataFrame: one row per week and unit, plus ``unit == "all"`` per week.

        Columns: week, unit, headcount, adopted, in_scope, adopted_share, in_scope_share,
        readiness_mean, resistance_mean, quality, intervention_cost and double_running_cost
        (organisation rows only; the cost spent in that week). With customers, also on
        organisation rows: channel_share_<channel>, contacts, first_contact_resolution,
        satisfaction, churned_share, contact_cost; and customer_view on front-office unit rows.
        """
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
        running = np.full((weeks, n_units + 1), np.nan)
        running[:, -1] = self.running_cost
        frame["double_running_cost"] = running.ravel()
        if self.customer_spec is not None:
            for name, values in self._customer_columns(weeks, n_units).items():
                frame[name] = values
        frame["unit"] = frame["unit"].astype("category")
        return frame
