"""A sample checkpoint (every kind of value a checkpoint holds) and a comparison that checks structure, types
and bits, shared by tests/io/test_io*.py."""
from collections import OrderedDict
from pathlib import Path

import numpy as np

import miniconv
import miniconv.utils

REPO = Path(__file__).resolve().parents[2]


def sample_checkpoint():
    rng = np.random.default_rng(0)
    return {
        "model": OrderedDict(
            [("conv.weight", miniconv.tensor(rng.standard_normal((4, 1, 3, 3)).astype(np.float32))),
             ("bn.num_batches_tracked", miniconv.tensor(np.array(7, dtype=np.int64))),
             ("fc.bias", miniconv.tensor(rng.standard_normal(3)))]
        ),
        "optimizer": {"state": {0: {"step": 3.0, "exp_avg": miniconv.zeros(2)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "amsgrad": False, "params": [0]}]},
        "rng": miniconv.get_rng_state(),
        "epoch": 4,
        "loss_history": [2.3, 1.1, float("nan"), float("inf")],
        "name": "cnn",
        "none": None,
        "mask": np.array([True, False]),
        "u8": np.arange(5, dtype=np.uint8),
        "scalar": np.float32(1.5),
        "empty": np.zeros((0, 3), np.float32),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    }


def assert_same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, miniconv.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and np.shape(a) == np.shape(b)
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b
