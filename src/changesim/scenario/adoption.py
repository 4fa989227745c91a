"""The ``adoption`` and ``influence`` sections: who adopts first, under which rule, and how
readiness and resistance move during the change."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator
from pydantic_core import PydanticCustomError

from changesim.registry import RULES
from changesim.scenario.fields import StrictModel, spec_field


class InitialAdopters(StrictModel):
    """Employees who adopt as soon as their unit's phase opens (innovators)."""

    count: int | None = spec_field(
        None, "Number of initial adopters.", unit="employees", ge=0, le=10**9
    )
    share: float | None = spec_field(
        None, "Share of all employees who are initial adopters.", ge=0.0, le=1.0
    )
    choose: Literal["random", "centrality", "betweenness", "table"] = spec_field(
        "random",
        "random; centrality (highest degree); betweenness; table (column 'initial_adopter').",
    )

    @model_validator(mode="after")
    def _one_size(self) -> InitialAdopters:
        if self.count is not None and self.share is not None:
            raise PydanticCustomError(
                "count_and_share", "give either count or share, not both", {"path": "count"}
            )
        return self


class Adoption(StrictModel):
    """The adoption rule and its parameters."""

    rule: str = spec_field(
        "readiness", "Registered adoption rule: bass, threshold, readiness or your own."
    )
    p: float = spec_field(
        0.01, "Outside influence (innovation) per week.", unit="1/week", ge=0, le=1
    )
    q: float = spec_field(
        0.25, "Imitation per week at full adopted neighbourhood.", unit="1/week", ge=0, le=1
    )
    k: float = spec_field(
        8.0, "Steepness of the readiness-resistance logistic (readiness rule).", ge=0, le=100
    )
    refusal: float = spec_field(
        1.0,
        "Effective resistance above which an employee does not adopt while it stays there "
        "(lasting resistance: the hold-outs); 1 = nobody refuses. Every rule.",
        ge=0,
        le=1,
    )
    params: dict[str, float] = spec_field({}, "Extra parameters for user-registered rules.")
    revert: float = spec_field(
        0.05,
        "Weekly reversion probability of a fully resistant adopter while the unit's quality "
        "is below its old level (scaled by resistance).",
        unit="1/week",
        ge=0,
        le=1,
    )
    initial_adopters: InitialAdopters = spec_field(
        InitialAdopters(), "Who adopts first; none by default."
    )

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str) -> str:
        known = RULES.names()
        if rule not in known:
            raise PydanticCustomError(
                "unknown_rule",
                "unknown adoption rule '{rule}'; registered rules: {allowed}",
                {"rule": rule, "allowed": ", ".join(sorted(known))},
            )
        return rule


class Influence(StrictModel):
    """How employees' readiness and resistance move during the change."""

    readiness_influence: float = spec_field(
        0.05, "Weekly pull of readiness toward the neighbours' mean.", unit="1/week", ge=0, le=1
    )
    fatigue: float = spec_field(
        0.01,
        "Weekly rise of resistance per additional unit changing at the same time "
        "(change fatigue; individual approach only).",
        unit="1/week",
        ge=0,
        le=1,
    )
