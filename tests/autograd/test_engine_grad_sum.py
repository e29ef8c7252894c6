"""The engine's sum of gradients that meet at one node (``engine.add_grads``: ``_kernels.add_arrays`` on
large float arrays, in place into an array only the engine holds): the same bits as NumPy's ``a + b``
for 1, 2 and 3 threads, gradients equal to torch's at residual fan-outs, and no gradient array that
someone else holds is ever overwritten."""
import numpy as np
import pytest

import miniconv
from miniconv import _kernels
from miniconv.autograd import engine

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 1000, (1 << 16) * 2 + 17])
def test_add_arrays_same_bits_as_numpy_any_threads(dtype, n):
    rng = np.random.default_rng(n)
    a = (rng.standard_normal(n) * 1e3).astype(dtype)
    b = (rng.standard_normal(n) * 1e-3).astype(dtype)
    for threads in (1, 2, 3):
        out = np.empty_like(a)
        _kernels.add_arrays(a, b, out, threads)
        np.testing.assert_array_equal(out, a + b)
        inplace = a.copy()
        _kernels.add_arrays(inplace, b, inplace, threads)
        np.testing.assert_array_equal(inplace, a + b)


def test_add_arrays_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="add_arrays: b has 3 elements, expected 4"):
        _kernels.add_arrays(np.zeros(4), np.zeros(3), np.zeros(4), 1)


def test_add_grads_in_place_only_when_sole_owner():
    big = 1 << 15
    rng = np.random.default_rng(0)
    a0 = rng.standard_normal(big).astype(np.float32)
    g = rng.standard_normal(big).astype(np.float32)
    buf = [a0.copy()]
    address = buf[0].ctypes.data
    engine.add_grads(buf, 0, g)
    np.testing.assert_array_equal(buf[0], a0 + g)
    assert buf[0].ctypes.data == address  # only the list held it: summed in place
    held = a0.copy()
    buf = [held]
    engine.add_grads(buf, 0, g)
    np.testing.assert_array_equal(held, a0)  # someone else holds it: untouched
    np.testing.assert_array_equal(buf[0], a0 + g)
    same = a0.copy()
    buf = [same]
    del same
    engine.add_grads(buf, 0, buf[0])  # the same array twice
    np.testing.assert_array_equal(buf[0], a0 + a0)
    buf = [a0[: big // 2].copy()]
    engine.add_grads(buf, 0, g[: big // 2].astype(np.float64))  # mixed dtypes: NumPy's promotion
    assert buf[0].dtype == np.float64


def _residual(lib, x0, w0, hook_store=None):
    x = lib.tensor(x0, requires_grad=True)
    w = lib.tensor(w0, requires_grad=True)
    h = x * 2.0
    if hook_store is not None:
        h.register_hook(lambda g: hook_store.append(g) or None)
    y = (h * w).relu() + h + h.exp() * 0.5  # three gradients meet at h
    (y * y).sum().backward()
    return x.grad.numpy().copy(), w.grad.numpy().copy()


@pytest.mark.parametrize("shape", [(4, 8), (2, 16, 32, 32)])  # small (NumPy) and large (kernel) sums
def test_fan_out_gradients_match_torch(shape):
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal(shape).astype(np.float32) * 0.5
    w0 = rng.standard_normal(shape).astype(np.float32)
    ours = _residual(miniconv, x0, w0)
    theirs = _residual(torch, x0, w0)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_fan_out_same_bits_for_any_thread_count_and_hooks_see_the_sum():
    rng = np.random.default_rng(2)
    x0 = rng.standard_normal((2, 16, 32, 32)).astype(np.float32) * 0.5
    w0 = rng.standard_normal((2, 16, 32, 32)).astype(np.float32)
    old = miniconv.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            miniconv.set_num_threads(threads)
            seen = []
            results.append(_residual(miniconv, x0, w0, seen))
            assert len(seen) == 1
    finally:
        miniconv.set_num_threads(old)
    for r in results[1:]:
        for a, b in zip(results[0], r):
            np.testing.assert_array_equal(a, b)
    t_seen = []
    _residual(torch, x0, w0, t_seen)
    np.testing.assert_allclose(seen[0].numpy(), t_seen[0].numpy(), rtol=1e-5, atol=1e-5)
