"""Gaps found by the sixth porting sweep (rasbt's LLMs-from-scratch, the Annotated Transformer, phlippe's UvA
DL notebooks, PyTorch recipes) with only the imports changed: each test runs the same user code on both
libraries."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

from oracle import arr as _np, both_messages as both  # noqa: E402  (after the torch check)


# -- Subset.indices is the object it was given (uvadlc tutorial 3 reads random_split(...)[0].indices)
def _subset_case(lib):
    lib.manual_seed(3)
    ds = lib.utils.data.TensorDataset(lib.arange(10.0))
    a, b = lib.utils.data.random_split(ds, [6, 4])
    given = [7, 2, 5]
    s = lib.utils.data.Subset(ds, given)
    first = float(s[0][0])
    s.indices = [1, 0]  # replaced: the samples follow the new indices
    return (type(a.indices).__name__, a.indices, b.indices, s.indices is not given, first, float(s[0][0]), len(s),
            _np(next(iter(lib.utils.data.DataLoader(a, batch_size=6)))[0]))


def test_subset_keeps_the_given_indices():
    m, t = both(_subset_case)
    assert m[:-1] == t[:-1]
    np.testing.assert_array_equal(m[-1], t[-1])
    assert t[0] == "list"
