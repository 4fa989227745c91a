"""Building blocks shared by the scenario sections: strict models, described fields, names."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

Channel = Literal["web", "phone", "desk", "mail", "chat"]
#: The channels in their canonical order.
CHANNELS: tuple[Channel, ...] = get_args(Channel)
UnitName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]


#: Largest week number a scenario may name (start weeks, gaps, durations): beyond any run's
#: 1,040 weeks, so "never within the run" stays expressible, and far inside int32.
MAX_WEEK = 10_000
#: Largest amount of money in one cost field: keeps every sum of costs finite.
MAX_COST = 1e12


def spec_field(default: Any, description: str, *, unit: str = "", **kwargs: Any) -> Any:
    """A pydantic ``Field`` whose JSON Schema also states the unit of measurement."""
    extra: JsonDict | None = {"unit": unit} if unit else None
    return Field(default, description=description, json_schema_extra=extra, **kwargs)


class StrictModel(BaseModel):
    """Base for every scenario section: unknown keys are errors, values are immutable, and
    numbers are finite (``.nan`` and ``.inf`` are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
