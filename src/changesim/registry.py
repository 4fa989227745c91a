"""The extension seams: adoption rules, network generators, routes and interventions by name.

Each registry maps a name to one small function with one signature (the registry's type
parameter). The built-in implementations register themselves in the module that defines them;
a registry imports that module the first time it is asked for a name, so the names are complete
whichever part of changesim is imported first, and this module imports nothing of changesim
at run time (the scenario layer reads the rule names without importing the model).

A researcher adds a variant from a notebook without touching the core::

    @changesim.register_rule("stubborn")
    def stubborn(inputs):
        return inputs.q * inputs.neighbour_share**2
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from changesim.build.network import NetworkBuilder
    from changesim.model.interventions import Action
    from changesim.model.routes import RouteExpander
    from changesim.model.rules import AdoptionRule


class Registry[T]:
    """Maps names to implementations; ``register`` is a decorator, re-registering replaces.

    Parameters
    ----------
    what : str
        What the registry holds, for error messages ("adoption rule", "route kind", ...).
    builtins : str, optional
        Module that registers the built-in implementations; imported on first use.
    """

    def __init__(self, what: str, builtins: str | None = None) -> None:
        self.what = what
        self.home = builtins  # the module of the built-in implementations
        self._builtins = builtins  # None once imported
        self._items: dict[str, T] = {}

    def _load_builtins(self) -> None:
        if self._builtins is not None:
            module, self._builtins = self._builtins, None
            importlib.import_module(module)

    def register[F: Callable[..., Any]](self, name: str) -> Callable[[F], F]:
        """Decorator registering an implementation under ``name``.

        The implementation may narrow the section type of its first parameter to its own
        variant (``spec: RingNetwork`` for a ``NetworkBuilder`` taking any ``Network``): the
        model calls it only for a section of its kind.
        """
        self._load_builtins()  # so that a built-in never replaces the user's variant later

        def decorate(item: F) -> F:
            self._items[name] = cast(T, item)
            return item

        return decorate

    def unregister(self, name: str) -> None:
        """Remove ``name`` (for tests and notebooks that register temporary variants).

        Raises
        ------
        KeyError
            If nothing is registered under ``name``.
        """
        self._load_builtins()
        if name not in self._items:
            raise KeyError(f"no {self.what} {name!r} to unregister; registered: {self.names()}")
        del self._items[name]

    def get(self, name: str) -> T:
        """The implementation registered under ``name``.

        Raises
        ------
        KeyError
            Naming the unknown name and the registered ones.
        """
        self._load_builtins()
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"unknown {self.what} {name!r}; registered: {self.names()}") from None

    def extension(self, name: str) -> str | None:
        """Where the implementation under ``name`` comes from (``module.qualname``) when it
        is not the built-in one, e.g. a rule registered in a notebook or a replaced built-in
        network; None for a built-in.

        Raises
        ------
        KeyError
            Naming the unknown name and the registered ones.
        """
        item = self.get(name)
        module = getattr(item, "__module__", None)
        if module is not None and module == self.home:
            return None
        return f"{module}.{getattr(item, '__qualname__', repr(item))}"

    def extensions(self) -> dict[str, T]:
        """The implementations registered by the user (not from the built-in module), by
        name."""
        self._load_builtins()
        return {name: item for name, item in self._items.items() if self.extension(name)}

    def names(self) -> list[str]:
        """Registered names, sorted."""
        self._load_builtins()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        self._load_builtins()
        return name in self._items


RULES: Registry[AdoptionRule] = Registry("adoption rule", "changesim.model.rules")
NETWORKS: Registry[NetworkBuilder] = Registry("network kind", "changesim.build.network")
ROUTES: Registry[RouteExpander] = Registry("route kind", "changesim.model.routes")
INTERVENTIONS: Registry[Action] = Registry("intervention kind", "changesim.model.interventions")

#: ``@register_rule("name")`` registers an adoption rule ``rule(inputs: RuleInputs) -> P``.
register_rule = RULES.register
#: ``@register_network("kind")`` registers a generator ``build(spec, employees, rng)``.
register_network = NETWORKS.register
#: ``@register_route("kind")`` registers an expander ``expand(route, organisation) -> phases``.
register_route = ROUTES.register
#: ``@register_intervention("kind")`` registers a weekly action (see ``model.interventions``).
register_intervention = INTERVENTIONS.register


#: The registries by the name under which :func:`user_registrations` lists them.
REGISTRIES: dict[str, Registry[Any]] = {
    "rule": RULES,
    "network": NETWORKS,
    "route": ROUTES,
    "intervention": INTERVENTIONS,
}


def user_registrations() -> list[tuple[str, str, Any]]:
    """Every implementation the user registered in this process, as ``(registry, name,
    implementation)``: what a worker process needs to run the same scenarios (see
    :func:`install_registrations`)."""
    return [
        (key, name, item)
        for key, registry in REGISTRIES.items()
        for name, item in registry.extensions().items()
    ]


def install_registrations(registrations: list[tuple[str, str, Any]]) -> None:
    """Register ``registrations`` (from :func:`user_registrations` in another process) here."""
    for key, name, item in registrations:
        REGISTRIES[key].register(name)(item)
