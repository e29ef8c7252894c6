"""The comparisons the fuzz regression files (tests/fuzz/test_fuzz_regressions*.py) share: the same call on
miniconv and PyTorch, values, dtypes, gradients and errors compared."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def both(fn, *arrays, grad=()):
    """fn(lib, *tensors) on miniconv and on torch -> ((out, grads), (out, grads)) as NumPy arrays."""
    res = []
    for lib in (miniconv, torch):
        ts = [lib.tensor(np.array(a, copy=True), requires_grad=i in grad) for i, a in enumerate(arrays)]
        out = fn(lib, *ts)
        grads = []
        if grad:
            out.sum().backward()
            grads = [np.array(ts[i].grad._data if lib is miniconv else ts[i].grad.numpy()) for i in grad]
        res.append((np.array(out._data if lib is miniconv else out.detach().numpy()), grads))
    return res


def assert_same(res, rtol=1e-5):
    (mo, mg), (to, tg) = res
    assert mo.shape == to.shape and mo.dtype == to.dtype, (mo.shape, to.shape, mo.dtype, to.dtype)
    np.testing.assert_allclose(mo, to, rtol=rtol, atol=1e-6, equal_nan=True)
    for a, b in zip(mg, tg):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-6, equal_nan=True)


def _same_value_and_dtype(fn):
    """fn(L) on both libraries -> the same values and dtype (names without the ``torch.`` prefix)."""
    m, t = fn(miniconv), fn(torch)
    assert str(m.dtype).replace("miniconv.", "") == str(t.dtype).replace("torch.", "").replace("miniconv.", ""), (m.dtype, t.dtype)
    np.testing.assert_array_equal(np.asarray(m.tolist()), np.asarray(t.tolist()))


def _same_error(fn, cls, match):
    for L in (miniconv, torch):
        with pytest.raises(cls, match=match or None):
            fn(L)
