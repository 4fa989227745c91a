"""The interactive view without a browser: the controls make the intended scenario, the page
builds from a scenario, and stepping the model changes what the views draw."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("solara")

from changesim.app import page
from changesim.app.choices import Choices, route_options, variant
from changesim.app.model import NETWORK_SAMPLE, AppModel
from changesim.app.views import (
    channel_shares,
    components,
    draw_adoption,
    draw_customers,
    draw_network,
    draw_quality,
)
from changesim.app.webpage import app_base, initial_model, model_params
from changesim.cli import app as cli
from tests.builders import SCENARIOS

BACK_OFFICE_FIRST = SCENARIOS / "back_office_first.yaml"


@pytest.fixture(scope="module")
def base():
    return app_base(BACK_OFFICE_FIRST)


def test_the_routes_are_the_shipped_route_files(base) -> None:
    names = [o.name for o in base.routes]
    assert names == [
        "back_office_first",
        "front_office_first",
        "combined",
        "pilot_then_waves",
        "organisation_oriented",
    ]
    kinds = {o.name: o.sections["route"]["kind"] for o in base.routes}
    assert kinds["organisation_oriented"] == "pilot_then_waves"
    # only the file that sets interventions itself brings them along
    assert [o.name for o in base.routes if "interventions" in o.sections] == [
        "organisation_oriented"
    ]
    # a scenario that is no route file keeps its own route as the first option
    own = route_options(SCENARIOS / "example_org.yaml")
    assert own[0].name == "as in the scenario"
    assert len(own) == 6


def test_the_controls_make_the_intended_scenario(base) -> None:
    choices = Choices(
        route="organisation_oriented",
        readiness=0.6,
        resistance=0.25,
        imitation=0.5,
        champions_share=0.1,
        champions_choose="random",
        steering=0.0,
        feed_day="monday",
    )
    scenario = variant(base.scenario, choices, base.routes, customers=5000)
    assert scenario.route.kind == "pilot_then_waves"
    assert scenario.approach == "organisation"
    assert scenario.population.readiness.mean == 0.6
    # unit-level means move with the organisation's: web team 0.65 + 0.1
    assert scenario.population.units["web_team"].readiness.mean == pytest.approx(0.75)
    assert scenario.population.units["contact_centre"].resistance.mean == pytest.approx(0.35)
    assert scenario.adoption.q == 0.5
    (champions,) = [i for i in scenario.interventions if i.kind == "champions"]
    assert (champions.share, champions.choose) == (0.1, "random")
    customers = scenario.customers
    assert customers is not None
    assert customers.population == 5000
    assert customers.steering.communication == customers.steering.benefit == 0.0
    feed = next(f for f in customers.feeds if f.target == "contact_centre")
    assert feed.delivered == "monday"
    # no champions at share 0; the base scenario is untouched
    none = variant(base.scenario, Choices(champions_share=0.0), base.routes)
    assert not [i for i in none.interventions if i.kind == "champions"]
    assert [i.kind for i in base.scenario.interventions].count("champions") == 1


def test_the_page_builds_and_stepping_updates_what_the_views_read(base) -> None:
    element = page(BACK_OFFICE_FIRST)
    assert element.component.name == "AppPage"
    params = model_params(base, "back_office_first")
    assert params["route"]["value"] == "back_office_first"
    assert params["feed_day"]["value"] == "friday"
    model = initial_model(params)
    assert isinstance(model, AppModel)
    assert model.settings.customers is not None
    assert model.settings.customers.population == 10_000
    assert len(components()) == 4

    before = model.datacollector.get_model_vars_dataframe()
    figure = draw_adoption(model)
    assert [len(line.get_xdata()) for line in figure.axes[0].lines] == [1] * 5
    chosen, positions, edges = model.network_sample
    assert len(chosen) <= NETWORK_SAMPLE
    assert positions.shape == (len(chosen), 2)
    assert len(edges) > 0
    colours_before = draw_network(model).axes[0].collections[1].get_facecolors().copy()

    for _ in range(6):
        model.step()
    after = model.datacollector.get_model_vars_dataframe()
    assert len(before) == 1
    assert list(after["week"]) == list(range(7))
    assert after["adopted_share"].iloc[-1] > after["adopted_share"].iloc[0]
    figure = draw_adoption(model)
    assert [len(line.get_xdata()) for line in figure.axes[0].lines] == [7] * 5
    assert model.network_sample[0] is chosen  # laid out once
    colours_after = draw_network(model).axes[0].collections[1].get_facecolors()
    assert not np.array_equal(colours_before, colours_after)  # adopters turn green
    lines = draw_quality(model).axes[0].lines[:5]  # the units and all (then the old level)
    assert [len(line.get_xdata()) for line in lines] == [7] * 5
    names, shares = channel_shares(model)
    assert names == ["web", "phone", "desk"]
    assert shares.shape == (7, 3)
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert len(draw_customers(model).axes[0].lines) == 4


def test_side_by_side_runs_a_twin_on_the_same_seed(base) -> None:
    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in model_params(base).items()}
    model = AppModel(**{**values, "compare": "combined", "seed": 3})
    same = AppModel(**{**values, "route": "combined", "seed": 3})
    assert model.twin is not None
    for _ in range(3):
        model.step()
        same.step()
    assert model.twin.state.week == 3
    assert np.array_equal(model.twin.state.adopted, same.state.adopted)
    labels = [line.get_label() for line in draw_adoption(model).axes[0].lines]
    assert labels[-1] == "all, combined"


def test_the_command_refuses_a_bad_scenario(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("weeks: -1\n")
    result = CliRunner().invoke(cli, ["app", str(bad), "--port", "1"])
    assert result.exit_code == 2
    assert "error:" in result.output
