"""Shared fixtures. Scenario builders are plain functions in ``tests/builders.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import changesim
from changesim.model.rules import AdoptionRule
from changesim.registry import RULES


@pytest.fixture
def temporary_rule() -> Iterator[Callable[[str, AdoptionRule], str]]:
    """Register adoption rules for one test only: ``temporary_rule(name, rule) -> name``.

    Every rule registered this way is unregistered when the test ends, so no test leaves a
    rule behind for the others (the registry is global).
    """
    names: list[str] = []

    def register(name: str, rule: AdoptionRule) -> str:
        changesim.register_rule(name)(rule)
        names.append(name)
        return name

    yield register
    for name in names:
        RULES.unregister(name)
