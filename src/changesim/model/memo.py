"""Keeping the last result of a weekly computation while its inputs stay the same.

Much of the week depends on things that change in few weeks of a run (which units have cut
over, which feeds are aligned, the lessons units received): the stages work those parts out
again only when the key of their inputs has changed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class LastResult[**P]:
    """The result of ``compute`` for the last key it was asked with, read-only.

    Parameters
    ----------
    compute : callable
        Returns a new array; called with the arguments of :meth:`get` when the key differs
        from the last one. The key must determine the result.
    """

    def __init__(self, compute: Callable[P, np.ndarray]) -> None:
        self._compute = compute
        # Key and result in one attribute: read and replaced together, also across threads.
        self._last: tuple[bytes | None, np.ndarray] = (None, np.empty(0))

    def get(self, key: bytes, *args: P.args, **kwargs: P.kwargs) -> np.ndarray:
        """The result for ``key``: kept if the key is the last one, else worked out now."""
        last_key, value = self._last
        if key != last_key:
            value = self._compute(*args, **kwargs)
            value.flags.writeable = False  # shared from week to week: nobody may edit it
            self._last = (key, value)
        return value
