"""Gaps found by the fifth porting sweep (kuangliu/pytorch-cifar's main.py and utils.py, dvgodoy's
PyTorchStepByStep) with only the imports changed: each test runs the same user code on both libraries."""
import warnings

import pytest

torch = pytest.importorskip("torch")

from oracle import both_messages as both  # noqa: E402  (after the torch check)


# -- random_split with fractions (PyTorchStepByStep's helpers.index_splitter passes them as a tensor)
def _split(lengths):
    def run(lib):
        lib.manual_seed(13)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parts = lib.utils.data.random_split(lib.arange(10), lengths(lib))
        return [list(map(int, p)) for p in parts], [str(w.message) for w in caught]
    return run


@pytest.mark.parametrize("lengths", [
    lambda lib: lib.as_tensor([80, 20]) / lib.as_tensor([80, 20]).sum().float(),  # index_splitter
    lambda lib: [0.33, 0.33, 0.34],
    lambda lib: [0.5, 0.5, 0.0],  # a zero-length split warns
    lambda lib: [lib.tensor(6), lib.tensor(4)],
    lambda lib: [1.2, -0.2],  # a fraction out of [0, 1]
    lambda lib: [0.3, 0.3],  # neither fractions summing to 1 nor lengths summing to len
])
def test_random_split_lengths_and_fractions(lengths):
    m, t = both(_split(lengths))
    assert m == t
