"""The page: Mesa's SolaraViz with the app's controls and views.

:func:`page` returns the page for a scenario; in Jupyter, show it as the cell's value, in a
browser ``changesim app`` serves it (``solara run changesim.app.served``).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from changesim.app.choices import NO_TWIN, OWN_ROUTE, phone_feed, route_options
from changesim.app.model import APP_CUSTOMERS, AppBase, AppModel
from changesim.scenario import Scenario, load_scenario
from changesim.scenario.customers import WEEKDAYS

#: Ways of choosing champions (``interventions[kind=champions].choose``).
CHAMPION_CHOICES = ["centrality", "betweenness", "managers", "random"]

#: The note in the sidebar (HTML: solara.Markdown would fetch mermaid from a CDN).
ABOUT = """\
<p><b>{name}</b>, {weeks} weeks. Set the controls, press <b>Reset</b> to build the
organisation anew, then <b>▶</b> (play) or <b>Step</b> (one week).</p>
<p>The page simulates <b>{customers}</b> customers (the scenario: {scenario_customers}) so
each week draws quickly; channel shares and satisfaction are averages and change little. The
network view shows a sample of at most 300 employees. Illustrative, not calibrated.</p>
"""


def app_base(
    scenario: str | Path | Scenario,
    *,
    routes: list[Path] | None = None,
    customers: int | None = APP_CUSTOMERS,
) -> AppBase:
    """The fixed part of the page: the scenario, the route options, the customers."""
    path = Path(scenario) if isinstance(scenario, str | Path) else None
    loaded = load_scenario(path) if path is not None else scenario
    assert isinstance(loaded, Scenario)
    options = route_options(path, routes)
    if path is not None and path.stem in {o.name for o in options}:
        options = [o for o in options if o.name != OWN_ROUTE]
    return AppBase(loaded, options, customers, path.parent if path is not None else None)


def model_params(base: AppBase, path_stem: str | None = None) -> dict[str, Any]:
    """The controls, as SolaraViz's ``model_params``, with the scenario's values as defaults."""
    scenario = base.scenario
    names = [o.name for o in base.routes]
    route = path_stem if path_stem in names else names[0]
    champions = [i for i in scenario.interventions if i.kind == "champions"]
    share = float(getattr(champions[0], "share", 0.0)) if champions else 0.0
    choose = str(getattr(champions[0], "choose", "centrality")) if champions else "centrality"
    params: dict[str, Any] = {
        "base": base,
        "route": {"type": "Select", "value": route, "values": names, "label": "Route"},
        "compare": {
            "type": "Select",
            "value": NO_TWIN,
            "values": [NO_TWIN, *names],
            "label": "Side by side with route",
        },
        "seed": {
            "type": "SliderInt",
            "value": min(scenario.seed, 100),
            "min": 0,
            "max": 100,
            "step": 1,
            "label": "Seed",
        },
        "readiness": _slider("Mean readiness", scenario.population.readiness.mean, 0.1, 0.9),
        "resistance": _slider("Mean resistance", scenario.population.resistance.mean, 0.1, 0.9),
        "imitation": _slider("Imitation strength (q)", scenario.adoption.q, 0.0, 1.0),
        "champions_share": _slider("Champions share", share, 0.0, 0.2, 0.01),
        "champions_choose": {
            "type": "Select",
            "value": choose,
            "values": CHAMPION_CHOICES,
            "label": "Champions chosen by",
        },
    }
    if scenario.customers is not None:
        params["steering"] = _slider("Steering toward web (x scenario)", 1.0, 0.0, 3.0, 0.25)
        feed = phone_feed(scenario)
        if feed is not None:
            params["feed_day"] = {
                "type": "Select",
                "value": scenario.customers.feeds[feed].delivered,
                "values": list(WEEKDAYS),
                "label": "Contact centre's feed delivered on",
            }
    return params


def _slider(label: str, value: float, low: float, high: float, step: float = 0.05) -> dict:
    return {
        "type": "SliderFloat",
        "value": round(float(value), 4),
        "min": low,
        "max": high,
        "step": step,
        "label": label,
    }


def page(
    scenario: str | Path | Scenario,
    *,
    routes: list[Path] | None = None,
    customers: int | None = APP_CUSTOMERS,
    play_interval: int = 150,
) -> Any:
    """The app's page for a scenario: Mesa SolaraViz with controls and views.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A scenario file (the shipped route files beside it are offered as routes) or a
        validated scenario.
    routes : list of Path, optional
        Route files to offer; default the shipped ones beside the scenario file.
    customers : int, optional
        Customers simulated (default 10,000, fewer than the example's 100,000, to keep each
        week cheap); None keeps the scenario's.
    play_interval : int
        Milliseconds between weeks while playing.

    Returns
    -------
    solara element
        Show it in Jupyter as a cell's value; ``solara run`` serves it (module ``page``).
    """
    base = app_base(scenario, routes=routes, customers=customers)
    stem = Path(scenario).stem if isinstance(scenario, str | Path) else None
    params = model_params(base, stem)
    return AppPage(base=base, params=params, play_interval=play_interval)


def initial_model(params: dict[str, Any]) -> AppModel:
    """The model with every control at its default."""
    values = {
        k: (v["value"] if isinstance(v, dict) and "type" in v else v) for k, v in params.items()
    }
    return AppModel(**values)


def _about(base: AppBase) -> str:
    spec = base.scenario.customers
    return ABOUT.format(
        name=html.escape(base.scenario.name),
        weeks=base.scenario.weeks,
        customers=f"{base.customers:,}" if spec is not None and base.customers else "no",
        scenario_customers=f"{spec.population:,}" if spec is not None else "none",
    )


def _make_page() -> Any:
    import solara
    from mesa.visualization import SolaraViz

    from changesim.app.views import components

    @solara.component
    def AppPage(base: AppBase, params: dict[str, Any], play_interval: int = 150) -> None:
        """SolaraViz with the controls, the views and a note on what the page shows."""
        model = solara.use_memo(lambda: initial_model(params), [])
        SolaraViz(
            model,
            components=components(),
            model_params=params,
            name="changesim: organisational change, week by week",
            play_interval=play_interval,
        )
        with solara.Sidebar(), solara.Card("About this page"):
            solara.HTML(tag="div", unsafe_innerHTML=_about(base))

    return AppPage


AppPage = _make_page()
