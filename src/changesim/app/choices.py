"""What the app's controls change in a scenario, without any user-interface code.

A :class:`Choices` holds one setting of the controls; :func:`variant` turns a base scenario
and a setting into a new validated :class:`~changesim.Scenario` (the model itself never sees
the controls). :func:`route_options` reads the shipped route files' route sections.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from changesim.scenario import Scenario, load_scenario
from changesim.scenario.customers import WEEKDAYS

#: The shipped route files (``scenarios/``), in the order of ``make demo``.
ROUTE_FILES = (
    "back_office_first",
    "front_office_first",
    "combined",
    "pilot_then_waves",
    "organisation_oriented",
)
#: The scenario's own route, when it is none of the route files.
OWN_ROUTE = "as in the scenario"
#: Side-by-side switched off.
NO_TWIN = "none"
#: The champions intervention the app adds when the scenario has none (illustrative).
CHAMPIONS = {"kind": "champions", "start": 0, "weeks": 52, "intensity": 0.5}
#: The steering instruments scaled by the steering-strength control.
STEERING_INSTRUMENTS = ("communication", "product", "benefit")
#: Instruments used at strength 1 when the scenario does not steer (illustrative).
DEFAULT_STEERING = {"communication": 0.3, "benefit": 0.3}
#: Bounds kept for unit-level means when the organisation-wide mean moves.
MEAN_BOUNDS = (0.05, 0.95)


@dataclass(frozen=True)
class RouteOption:
    """A route to choose: the sections a route file sets (route, approach, interventions)."""

    name: str
    sections: Mapping[str, Any]


@dataclass(frozen=True)
class Choices:
    """One setting of the app's controls; ``None`` leaves the scenario's value."""

    route: str = OWN_ROUTE
    readiness: float | None = None
    resistance: float | None = None
    imitation: float | None = None
    champions_share: float | None = None
    champions_choose: str | None = None
    steering: float = 1.0
    feed_day: str | None = None


def route_options(scenario_file: Path | None, routes: Iterable[Path] | None = None) -> list:
    """The routes to offer: the scenario's own first, then each route file's sections.

    ``routes`` default: the shipped route files beside ``scenario_file`` (or in ``scenarios/``
    of the working directory). The route files that set interventions themselves
    (organisation_oriented) bring them along, and every file brings its change approach.
    """
    if routes is None:
        folder = scenario_file.parent if scenario_file is not None else Path("scenarios")
        routes = [folder / f"{name}.yaml" for name in ROUTE_FILES]
    options = [RouteOption(OWN_ROUTE, {})]
    for path in routes:
        if not path.is_file():
            continue
        scenario = load_scenario(path)
        dump = scenario.model_dump(mode="json", exclude_none=True)
        sections = {"route": dump["route"], "approach": dump["approach"]}
        if "interventions" in _own_keys(path):
            sections["interventions"] = dump["interventions"]
        options.append(RouteOption(path.stem, sections))
    return options


def _own_keys(path: Path) -> set[str]:
    """Top-level keys the file sets itself (not through ``extends``)."""
    from changesim.scenario.files import read_yaml_text

    data = read_yaml_text(path.read_text(encoding="utf-8"))
    return set(data) if isinstance(data, dict) else set()


def phone_feed(scenario: Scenario) -> int | None:
    """Index of the feed to the contact centre (the front-office unit of the phone channel)."""
    if scenario.customers is None:
        return None
    phone = {u.name for u in scenario.organisation.units if u.channel == "phone"}
    for i, feed in enumerate(scenario.customers.feeds):
        if feed.target in phone:
            return i
    return None


def _shift(means: dict[str, Any], attribute: str, delta: float) -> None:
    """Shift the unit-level means of ``attribute`` by ``delta``, within MEAN_BOUNDS."""
    low, high = MEAN_BOUNDS
    for unit in means.values():
        dist = unit.get(attribute)
        if dist and dist.get("mean") is not None:
            dist["mean"] = round(min(high, max(low, dist["mean"] + delta)), 6)


def variant(
    base: Scenario,
    choices: Choices,
    options: Iterable[RouteOption] = (),
    *,
    customers: int | None = None,
    base_dir: Path | None = None,
) -> Scenario:
    """The base scenario with the controls' choices applied, validated anew.

    Parameters
    ----------
    base : Scenario
        The scenario the app was started with.
    choices : Choices
        The controls' values.
    options : iterable of RouteOption
        The routes on offer (from :func:`route_options`); ``choices.route`` names one.
    customers : int, optional
        Number of customers (the app uses fewer than the scenario to keep frames cheap).
    base_dir : Path, optional
        Folder against which data-file paths of the scenario resolve.
    """
    data = base.model_dump(mode="json", exclude_none=True)
    chosen = {o.name: o for o in options}.get(choices.route)
    if chosen is not None:
        data.update({key: _copy(value) for key, value in chosen.sections.items()})
    population = data["population"]
    for attribute in ("readiness", "resistance"):
        value = getattr(choices, attribute)
        if value is not None:
            delta = value - population[attribute]["mean"]
            population[attribute]["mean"] = value
            _shift(population.get("units", {}), attribute, delta)
    if choices.imitation is not None:
        data["adoption"]["q"] = choices.imitation
    _champions(data, choices)
    if data.get("customers") is not None:
        _customers(data["customers"], base, choices, customers)
    return load_scenario(data, base_dir=base_dir)


def _copy(value: Any) -> Any:
    """A deep copy of plain JSON data."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _champions(data: dict[str, Any], choices: Choices) -> None:
    """Set the champions' share and choice; share 0 removes them."""
    if choices.champions_share is None and choices.champions_choose is None:
        return
    interventions = data.setdefault("interventions", [])
    existing = [i for i in interventions if i["kind"] == "champions"]
    if choices.champions_share == 0:
        data["interventions"] = [i for i in interventions if i["kind"] != "champions"]
        return
    if not existing:
        existing = [dict(CHAMPIONS)]
        interventions.append(existing[0])
    for champions in existing:
        if choices.champions_share is not None:
            champions["share"] = choices.champions_share
        if choices.champions_choose is not None:
            champions["choose"] = choices.champions_choose


def _customers(
    spec: dict[str, Any], base: Scenario, choices: Choices, customers: int | None
) -> None:
    """Customers, steering strength and the contact centre's delivery day."""
    if customers is not None:
        spec["population"] = customers
    steering = spec.setdefault("steering", {})
    if choices.steering != 1.0:
        if steering.get("target") is None and choices.steering > 0:
            steering["target"] = "web"
            steering.update(DEFAULT_STEERING)
        for instrument in STEERING_INSTRUMENTS:
            steering[instrument] = round(
                min(5.0, steering.get(instrument, 0.0) * choices.steering), 6
            )
    feed = phone_feed(base)
    if choices.feed_day is not None and feed is not None:
        if choices.feed_day not in WEEKDAYS:
            raise ValueError(f"feed_day must be a weekday, got {choices.feed_day!r}")
        spec["feeds"][feed]["delivered"] = choices.feed_day
