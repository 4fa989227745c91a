"""The organisation's weekly series as a Mesa ``DataCollector``, read from the Recorder.

The model records every week's per-unit arrays in its :class:`~changesim.model.collector.Recorder`
anyway, so collecting only notes which recorded week belongs to the collection; the reporters
run on those records when the series are read (``model_vars``,
``get_model_vars_dataframe()``), not every week. The values are those the reporters would have
given on the model at collection time: a recorded row is never changed afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mesa

from changesim.model.collector import Recorder
from changesim.scenario.customers import SELF_SERVICE_CHANNELS

if TYPE_CHECKING:
    from changesim.model.change_model import ChangeModel

#: A reporter: the value of one series in row ``row`` (week ``row``) of a recorder.
Reporter = Callable[[Recorder, int], float]


def week(recorder: Recorder, row: int) -> int:
    """The week of a recorded row: row ``i`` is week ``i``."""
    return row


def adopted_share(recorder: Recorder, row: int) -> float:
    """Adopted share of all employees."""
    return float(recorder.rows["adopted"][row].sum() / recorder.headcount.sum())


def organisation_quality(recorder: Recorder, row: int) -> float:
    """Headcount-weighted mean of the units' service quality."""
    headcount = recorder.headcount
    return float(recorder.rows["quality"][row] @ headcount / headcount.sum())


def satisfaction(recorder: Recorder, row: int) -> float:
    """Mean satisfaction of active customers that week; NaN without customers."""
    rows = recorder.customer_rows["satisfaction"]
    return float(rows[row]) if rows else float("nan")


def self_service_share(recorder: Recorder, row: int) -> float:
    """Share of the week's contacts in self-service channels; NaN without contacts."""
    spec = recorder.customer_spec
    rows = recorder.customer_rows["contacts"]
    if spec is None or not rows or rows[row].sum() == 0:
        return float("nan")
    self_service = [c in SELF_SERVICE_CHANNELS for c in spec.channel_names()]
    return float(rows[row][self_service].sum() / rows[row].sum())


#: The organisation's series, in the order of the frame's columns.
REPORTERS: dict[str, Reporter] = {
    "week": week,
    "adopted_share": adopted_share,
    "quality": organisation_quality,
    "satisfaction": satisfaction,
    "self_service_share": self_service_share,
}


class OrganisationSeries(mesa.DataCollector):
    """A ``mesa.DataCollector`` of the organisation's weekly series, evaluated when read.

    ``collect(model)`` notes the model's recorder and its latest row; ``model_vars`` (and so
    ``get_model_vars_dataframe()``) applies :data:`REPORTERS` to the noted rows. Mesa's own
    bookkeeping (``model_reporters``, the collection steps) is kept.
    """

    def __init__(self) -> None:
        self._collected: list[tuple[Recorder, int]] = []
        super().__init__()
        self.model_reporters = dict(REPORTERS)

    @property
    def model_vars(self) -> dict[str, list[Any]]:
        """Each reporter's values, one per collection, from the rows noted."""
        return {
            name: [reporter(recorder, row) for recorder, row in self._collected]
            for name, reporter in REPORTERS.items()
        }

    @model_vars.setter
    def model_vars(self, value: dict[str, list[Any]]) -> None:
        """Mesa's constructor starts the series empty; they are never set otherwise."""
        if value:
            raise AttributeError("the organisation series are read from the model's recorder")

    def collect(self, model: ChangeModel) -> None:
        """Note the model's latest recorded week (the one just recorded)."""
        self._collection_steps.append(model.time)
        self._collected.append((model.recorder, len(model.recorder) - 1))
