"""Named registries: adoption rules, networks, routes and interventions are found by name."""

from __future__ import annotations

from collections.abc import Callable


class Registry[T]:
    """Maps names to implementations; ``register`` is a decorator, re-registering replaces.

    Parameters
    ----------
    what : str
        What the registry holds, for error messages ("adoption rule", "route kind", ...).
    """

    def __init__(self, what: str) -> None:
        self.what = what
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering an implementation under ``name``."""

        def decorate(item: T) -> T:
            self._items[name] = item
            return item

        return decorate

    def get(self, name: str) -> T:
        """The implementation registered under ``name``."""
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"unknown {self.what} {name!r}; registered: {self.names()}") from None

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._items)
