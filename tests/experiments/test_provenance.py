"""The user's own implementations in a result's metadata
(:mod:`changesim.experiments.provenance`): a rule registered by the user, or a built-in network
or intervention replaced, is named with where its code comes from; built-ins are not listed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import changesim
from changesim.experiments.provenance import extensions
from changesim.experiments.sweeps import sweep
from changesim.model.rules import RuleInputs, bass
from changesim.registry import INTERVENTIONS, NETWORKS, ROUTES, RULES, Registry
from tests.builders import BO, WEB, org, two_point_experiment


def half_bass(inputs: RuleInputs) -> np.ndarray:
    """Bass at half the rate: a user's rule."""
    return 0.5 * bass(inputs)


def small(**extra: Any) -> dict[str, Any]:
    """A 100-employee, 8-week scenario as data."""
    return org([BO, WEB], weeks=8, **extra)


@contextmanager
def replaced(registry: Registry[Any], name: str) -> Iterator[str]:
    """The built-in ``name`` of ``registry`` replaced by a wrapper that calls it, until the
    block ends; gives the wrapper's ``module.qualname``."""
    original = registry.get(name)

    def wrapped(*args: Any) -> Any:
        return original(*args)

    registry.register(name)(wrapped)
    try:
        yield f"{__name__}.replaced.<locals>.wrapped"
    finally:
        registry.register(name)(original)


def test_built_in_implementations_are_not_listed() -> None:
    scenario = changesim.load_scenario(
        small(interventions=[{"kind": "communication", "start": 0, "weeks": 2, "intensity": 0.5}])
    )
    assert extensions([scenario]) == {}
    assert changesim.simulate(scenario, seed=1).metadata()["extensions"] == {}
    assert RULES.extension("bass") is None
    assert INTERVENTIONS.extension("communication") is None


def test_a_user_rule_is_named_with_its_module(temporary_rule, tmp_path: Path) -> None:
    temporary_rule("half_bass", half_bass)
    scenario = changesim.load_scenario(small(adoption={"rule": "half_bass"}))
    expected = {"adoption rule half_bass": f"{__name__}.half_bass"}
    assert extensions([scenario]) == expected
    result = changesim.simulate(scenario, seed=1)
    result.save(tmp_path / "run", figures=False)
    saved = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert saved["extensions"] == expected
    plain = changesim.load_scenario(small())
    comparison = changesim.compare([plain, scenario], replications=2)
    assert comparison.metadata()["extensions"] == expected


def test_a_replaced_built_in_network_is_named_until_it_is_restored() -> None:
    scenario = changesim.load_scenario(small(network={"kind": "small_world", "degree": 4}))
    with replaced(NETWORKS, "small_world") as origin:
        assert extensions([scenario]) == {"network kind small_world": origin}
        assert NETWORKS.extension("small_world") == origin
        meta = changesim.simulate(scenario, seed=1).metadata()
        assert meta["extensions"] == {"network kind small_world": origin}
        assert extensions([changesim.load_scenario(small())]) == {}  # the complete network
    assert extensions([scenario]) == {}


def test_a_replaced_route_and_intervention_are_named() -> None:
    communication = {"kind": "communication", "start": 0, "weeks": 2, "intensity": 0.5}
    scenario = changesim.load_scenario(
        small(route={"kind": "combined"}, interventions=[communication])
    )
    with replaced(ROUTES, "combined") as route, replaced(INTERVENTIONS, "communication") as act:
        assert extensions([scenario]) == {
            "route kind combined": route,
            "intervention kind communication": act,
        }
        assert extensions([{"route": {"kind": "combined"}}]) == {"route kind combined": route}
        result = changesim.simulate(scenario, seed=1)
    assert result.metadata()["extensions"] == {
        "route kind combined": route,
        "intervention kind communication": act,
    }


def test_sections_alone_and_several_scenarios(temporary_rule) -> None:
    temporary_rule("half_bass", half_bass)
    route_only = {"route": {"kind": "combined"}}
    with_rule = changesim.load_scenario(small(adoption={"rule": "half_bass"}))
    assert extensions([route_only]) == {}
    assert extensions([route_only, with_rule, with_rule]) == {
        "adoption rule half_bass": f"{__name__}.half_bass"
    }
    with pytest.raises(KeyError, match="unknown adoption rule 'gone'"):
        extensions([{"adoption": {"rule": "gone"}}])


def test_a_sweep_manifest_names_them(temporary_rule, tmp_path: Path) -> None:
    temporary_rule("half_bass", half_bass)
    route = small(name="route", adoption={"rule": "half_bass"})
    (tmp_path / "route.yaml").write_text(yaml.safe_dump(route), encoding="utf-8")
    sweep(two_point_experiment(tmp_path, "route.yaml"), tmp_path / "out", workers=1)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["extensions"] == {"adoption rule half_bass": f"{__name__}.half_bass"}
