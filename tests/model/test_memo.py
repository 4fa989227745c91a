"""LastResult: a weekly result kept while its key stays the same."""

from __future__ import annotations

import numpy as np
import pytest

from changesim.model.memo import LastResult


def test_the_result_is_worked_out_again_only_when_the_key_changes() -> None:
    calls: list[float] = []

    def compute(x: float) -> np.ndarray:
        calls.append(x)
        return np.array([x])

    kept = LastResult(compute)
    first = kept.get(b"a", 1.0)
    assert kept.get(b"a", 2.0) is first  # same key: kept, whatever the arguments
    np.testing.assert_array_equal(kept.get(b"b", 3.0), [3.0])
    np.testing.assert_array_equal(kept.get(b"a", 4.0), [4.0])  # only the last key is kept
    assert calls == [1.0, 3.0, 4.0]


def test_a_kept_result_cannot_be_edited() -> None:
    kept = LastResult(lambda: np.zeros(2))
    with pytest.raises(ValueError, match="read-only"):
        kept.get(b"")[0] = 1.0


def test_keyword_arguments_reach_the_computation() -> None:
    kept = LastResult(lambda scale=1.0: np.array([scale]))
    np.testing.assert_array_equal(kept.get(b"", scale=2.0), [2.0])
