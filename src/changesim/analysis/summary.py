"""A run's summary metrics, computed from its weekly frame (see :mod:`.metrics` for each
metric's label, unit and direction of better)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from changesim.model.collector import ORGANISATION
from changesim.scenario.customers import SELF_SERVICE_CHANNELS

#: Adoption milestones: weeks_to_50, weeks_to_80, weeks_to_95.
ADOPTION_MILESTONES = (0.5, 0.8, 0.95)
#: Rogers (2003) adopter categories by adoption time in standard deviations from the mean.
ROGERS_CATEGORIES = ("innovators", "early_adopters", "early_majority", "late_majority", "laggards")
#: Weeks at the end over which the final self-service share is averaged (less noisy).
FINAL_WINDOW = 4


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


def summarise(weekly: pd.DataFrame, adoption_delays: np.ndarray) -> dict[str, float]:
    """Per-run summary metrics from the weekly frame and the final adopters' adoption times.

    Parameters
    ----------
    weekly : pandas.DataFrame
        The run's weekly frame (one row per week and unit, ``unit == "all"`` for the
        organisation).
    adoption_delays : np.ndarray
        For each employee who has adopted at the end: weeks from the opening of their unit's
        change to their (latest) adoption.

    Returns
    -------
    dict
        weeks_to_50/80/95 (first week the organisation's adopted share reaches it, NaN if
        never), final_adopted_share, quality_dip_depth (1 - lowest organisation quality, 0 if
        never below the old level), quality_dip_weeks (weeks below the old level),
        quality_loss (the dip's depth times its length: the sum over weeks of 1 - quality
        where quality is below the old level, in quality-weeks),
        rogers_* (adopter category shares among final adopters, timed from their unit's
        opening), non_adopter_share, total_intervention_cost, double_running_cost (cost of
        running old and new ways side by side, summed over the run), final_readiness_mean,
        final_resistance_mean, total_cost (interventions and double running, plus contacts
        with customers); with customers also the metrics of :func:`customer_summary`.
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
    summary["quality_loss"] = float(np.clip(1.0 - quality, 0.0, None).sum())
    summary.update(rogers_shares(np.asarray(adoption_delays, dtype=np.float64)))
    summary["non_adopter_share"] = float(1.0 - shares[-1])
    summary["total_intervention_cost"] = float(np.nansum(org["intervention_cost"]))
    if "double_running_cost" in org:  # frames written before double running was recorded
        summary["double_running_cost"] = float(np.nansum(org["double_running_cost"]))
    summary["final_readiness_mean"] = float(org["readiness_mean"].iloc[-1])
    summary["final_resistance_mean"] = float(org["resistance_mean"].iloc[-1])
    if "satisfaction" in org:
        summary.update(customer_summary(org))
    summary["total_cost"] = (
        summary["total_intervention_cost"]
        + summary.get("double_running_cost", 0.0)
        + summary.get("total_contact_cost", 0.0)
    )
    return summary


def customer_summary(org: pd.DataFrame) -> dict[str, float]:
    """Customer metrics from the organisation rows of a weekly frame.

    final_satisfaction, mean_satisfaction (over all weeks), final_self_service_share (share of
    contacts in self-service channels over the last weeks), churned_share (cumulative),
    mean_first_contact_resolution (resolved / contacts over the run), total_contacts,
    total_contact_cost, cost_per_resolved_contact, satisfaction_recovery_week (first week after
    the lowest satisfaction in which it is back at its week-0 level; 0 if it never fell below
    it, NaN if it never came back). Satisfaction is NaN in weeks without active customers;
    the satisfaction metrics are NaN when no week had any.
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
    measured = ~np.isnan(satisfaction)  # NaN once no customer is left
    recovered = mean = float("nan")
    if measured.any():
        lowest = int(np.nanargmin(satisfaction))
        after = satisfaction[lowest:] >= satisfaction[0]
        recovered = weeks[lowest + int(np.argmax(after))] if after.any() else float("nan")
        mean = float(satisfaction[measured].mean())
    return {
        "final_satisfaction": float(satisfaction[-1]),
        "mean_satisfaction": mean,
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
