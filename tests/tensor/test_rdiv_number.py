"""``number / tensor`` as PyTorch's Tensor.__rdiv__: ``tensor.reciprocal() * number`` (values to the bit,
dtypes, graph node names, gradients)."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("num", [1, 2.0, -3, 0.1, True, np.float64(2.5)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_number_divided_by_tensor(num, dtype):
    arr = np.array([0.3, -1.7, 2.0, 5.5, 7.0], dtype=dtype) if dtype != "int64" else np.array([1, -2, 3, 7, 9])
    res = []
    for lib in (miniconv, torch):
        x = lib.tensor(arr, requires_grad=dtype != "int64")
        y = num / x
        names = None
        if y.requires_grad:
            names = (y.grad_fn.name(), [None if f is None else f.name() for f, _ in y.grad_fn.next_functions])
            y.sum().backward()
        res.append((y.detach().numpy(), str(y.dtype).split(".")[-1], names,
                    None if x.grad is None else x.grad.numpy()))
    (mv, md, mn, mg), (tv, td, tn, tg) = res
    assert md == td and mn == tn
    np.testing.assert_array_equal(mv, tv)
    if mg is not None:
        np.testing.assert_allclose(mg, tg, rtol=1e-6)

