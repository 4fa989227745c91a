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
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
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


#: The files :func:`load_extensions` imported in this process, in order, each once.
_LOADED: list[Path] = []


def loaded_extension_files() -> list[Path]:
    """The files :func:`load_extensions` has imported in this process (for a child process
    that must load them too, such as the browser view's server)."""
    return list(_LOADED)


def load_extensions(path: str | Path) -> ModuleType:
    """Import the Python file ``path``, whose top level registers rules, networks, routes or
    interventions (``@changesim.register_rule("name")`` and the like): the command line's
    ``--with`` option.

    The module is named after the file (``my_rules.py`` -> ``my_rules``) and kept in
    ``sys.modules``; loading the file again runs it again (its registrations replace the
    earlier ones). Dask is told to send the file's functions to its workers as code
    (``cloudpickle.register_pickle_by_value``), since the workers cannot import it.

    Returns
    -------
    types.ModuleType
        The module.

    Raises
    ------
    ImportError
        For a file that is missing or not a ``.py`` file, one whose name another imported
        module already has, or one whose code raises: the message names the file, and for
        an error in the code its type, message and line.
    """
    file = Path(path).resolve()
    if file.suffix != ".py" or not file.is_file():
        raise ImportError(f"{path}: not a Python file (.py) that exists")
    name = file.stem
    known = sys.modules.get(name)
    if known is not None and Path(getattr(known, "__file__", "") or "").resolve() != file:
        raise ImportError(
            f"{path}: a module named {name!r} is already imported "
            f"(from {getattr(known, '__file__', 'built in')}); rename the file"
        )
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None  # a .py file always has a spec and a loader
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        line = _line_in(error, file)
        where = f" (line {line})" if line is not None else ""
        raise ImportError(f"{path}{where}: {type(error).__name__}: {error}") from error
    _send_as_code(module)
    if file not in _LOADED:
        _LOADED.append(file)
    return module


def _line_in(error: BaseException, file: Path) -> int | None:
    """The last line of ``file`` in the traceback of ``error`` (or of a syntax error)."""
    if isinstance(error, SyntaxError) and error.filename and Path(error.filename) == file:
        return error.lineno
    line = None
    trace = error.__traceback__
    while trace is not None:
        if Path(trace.tb_frame.f_code.co_filename) == file:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _send_as_code(module: ModuleType) -> None:
    """Have cloudpickle (Dask's pickler) send ``module``'s functions by value."""
    try:
        import cloudpickle
    except ImportError:  # without Dask there are no workers that need it
        return
    cloudpickle.register_pickle_by_value(module)
