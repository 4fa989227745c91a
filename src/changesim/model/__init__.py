"""The organisation changing week by week: ``ChangeModel`` (a ``mesa.Model``) and its stages.

``state`` holds the arrays the week works on; ``routes`` opens phases, ``interventions`` act,
``influence`` moves readiness and resistance, ``adoption`` applies the rules of ``rules``,
``quality`` follows the J-curve, ``channels`` turns the organisation into what customers are
offered, ``customers`` makes their contacts; ``collector`` records the week; ``agents`` are Mesa
views onto the arrays. Imports :mod:`changesim.scenario` and :mod:`changesim.build` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from changesim.model.change_model import ChangeModel

__all__ = ["ChangeModel"]


def __getattr__(name: str) -> object:
    # ChangeModel imports mesa (about 1.5 s); load it only when asked for.
    if name == "ChangeModel":
        from changesim.model.change_model import ChangeModel

        return ChangeModel
    raise AttributeError(f"module 'changesim.model' has no attribute {name!r}")
