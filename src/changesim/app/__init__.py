"""The interactive view (``changesim app``): Mesa SolaraViz in a browser or in Jupyter.

The app layer is a thin caller: its controls become a scenario variant
(:mod:`changesim.app.choices`), the ordinary :class:`~changesim.ChangeModel` runs it
(:mod:`changesim.app.model`), and its views draw what the model records
(:mod:`changesim.app.views`). Nothing below imports it (ADR 0006, ADR 0013). Needs the
``app`` extra (``pip install -e '.[app]'``)::

    from changesim.app import page
    page("scenarios/back_office_first.yaml")   # the last line of a Jupyter cell
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from changesim.app.webpage import page

__all__ = ["page"]


def __getattr__(name: str) -> Any:
    """``page`` on first use, so that ``changesim.app.assets`` loads without Solara."""
    if name == "page":
        from changesim.app.webpage import page

        return page
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
