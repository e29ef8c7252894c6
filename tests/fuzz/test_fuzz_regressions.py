"""Regression tests for every defect of issue 11 (found by the attack on miniconv and by tests/test_fuzz_ops.py),
each checked against PyTorch 2.13 where PyTorch has an answer. Named test_fuzz_* so that CI also runs them
against the bounds-checked build (MINICONV_DEBUG=1). The later rounds: test_fuzz_regressions_fuzz2.py,
test_fuzz_regressions_fuzz3.py, test_fuzz_regressions_seeds.py."""
import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F
from miniconv import _kernels

from fuzz_regression_helpers import assert_same, both

torch = pytest.importorskip("torch")


# -- memory corruption: max-pool windows that cover only padding ------------------------------------------
def test_max_pool_window_of_padding_only_is_refused_before_the_kernel():
    x = miniconv.randn(1, 1, 2, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="covers only padding"):
        F.max_pool2d(x, 2, padding=1, dilation=3)
    with pytest.raises(RuntimeError, match="covers only padding"):
        miniconv.nn.MaxPool2d(2, padding=1, dilation=3)(x)


def test_max_pool_kernel_is_safe_on_its_own():
    """Called directly with a window of padding only, the kernel gives -inf and index -1, and the
    backward ignores indices outside the plane instead of writing there."""
    x = np.arange(4, dtype=np.float32).reshape(1, 2, 2)
    out = np.zeros((1, 1, 1), np.float32)
    for dt in (np.int32, np.int64):
        idx = np.zeros((1, 1, 1), dt)
        _kernels.max_pool2d_forward(x, out, idx, 2, 2, 2, 2, 1, 1, 3, 3, 1)
        assert out[0, 0, 0] == -np.inf and idx[0, 0, 0] == -1
        gi = np.full((1, 4), 7.0, np.float32)
        bad = np.array([[[-1, 4]]], dt)
        _kernels.max_pool2d_backward(np.ones((1, 1, 2), np.float32), bad, gi, 1)
        np.testing.assert_array_equal(gi, np.zeros((1, 4), np.float32))


def test_max_pool_indices_are_int64_for_users_and_match_pytorch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    res = []
    for lib in (miniconv, torch):
        t = lib.tensor(x.copy(), requires_grad=True)
        out, idx = lib.nn.functional.max_pool2d(t, 3, 2, 1, 2, True, True)
        out.sum().backward()
        res.append((idx, t.grad))
    assert res[0][0].dtype == miniconv.int64
    np.testing.assert_array_equal(res[0][0]._data, res[1][0].numpy())
    np.testing.assert_array_equal(res[0][1]._data, res[1][1].numpy())


# -- silent wrong answers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_ignores_rows_of_minus_inf_logits(smoothing, reduction):
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    x[1] = -np.inf
    t = np.array([0, -100, 2])
    res = both(lambda L, a, b: L.nn.functional.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
               x, t, grad=(0,))
    assert np.all(np.isfinite(res[0][0]))
    assert_same(res)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_every_target_ignored_gives_nan_loss_and_zero_gradients(smoothing):
    x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    res = both(lambda L, a, b: L.nn.functional.cross_entropy(a, b, label_smoothing=smoothing), x,
               np.array([-100, -100, -100]), grad=(0,))
    assert np.isnan(res[0][0]) and np.all(res[0][1][0] == 0)
    assert_same(res)


def test_uint8_index_tensor_is_a_mask():
    x = np.arange(12.0).reshape(4, 3)
    m = np.array([1, 0, 1, 1], np.uint8)
    res = both(lambda L, a, b: a[b], x, m)
    assert res[0][0].shape == (3, 3)
    assert_same(res)


# -- raw NumPy errors where PyTorch returns a result ----------------------------------------------------------
@pytest.mark.parametrize("xs, ws", [((3, 0), (2, 0)), ((0, 3), (2, 3)), ((2, 3), (0, 3)), ((0, 0), (0, 0))])
def test_linear_with_empty_dims(xs, ws):
    rng = np.random.default_rng(3)
    res = both(lambda L, a, w, b: L.nn.functional.linear(a, w, b), rng.standard_normal(xs).astype(np.float32),
               rng.standard_normal(ws).astype(np.float32), rng.standard_normal(ws[:1]).astype(np.float32),
               grad=(0, 1, 2))
    assert_same(res)


@pytest.mark.parametrize("fn", ["log_softmax", "softmax"])
@pytest.mark.parametrize("shape, dim", [((0, 3), 1), ((3, 0), 1), ((2, 0, 2), 0)])
def test_softmax_with_empty_dims(fn, shape, dim):
    x = np.zeros(shape, np.float32)
    assert_same(both(lambda L, a: getattr(L.nn.functional, fn)(a, dim), x, grad=(0,)))


@pytest.mark.parametrize("dim", [0, -1])
def test_sum_and_mean_over_dim_of_a_0d_tensor(dim):
    assert_same(both(lambda L, a: a.sum(dim), np.array(2.5, np.float32), grad=(0,)))
    assert_same(both(lambda L, a: a.mean(dim, keepdim=True), np.array(2.5, np.float32), grad=(0,)))
    assert_same(both(lambda L, a: a.sum(dim), np.array(3, np.uint8)))  # int64, as PyTorch


# -- errors where PyTorch works ------------------------------------------------------------------------------
def test_conv2d_module_accepts_one_element_tuples():
    m = miniconv.nn.Conv2d(1, 2, 3, stride=(2,))
    assert m.stride == (2,) and "stride=(2,)" in repr(m)  # kept as given, as PyTorch's _pair keeps a 1-tuple
    x = np.random.default_rng(4).standard_normal((1, 1, 7, 7)).astype(np.float32)
    out = miniconv.nn.Conv2d(1, 2, 3, stride=(2,))(miniconv.tensor(x))
    assert out.shape == (1, 2, 3, 3)


@pytest.mark.parametrize("bshape", [(1, 2), (2,), (1,), ()])
def test_linear_bias_that_broadcasts(bshape):
    rng = np.random.default_rng(5)
    res = both(lambda L, a, w, b: L.nn.functional.linear(a, w, b), rng.standard_normal((4, 3)).astype(np.float32),
               rng.standard_normal((2, 3)).astype(np.float32), np.asarray(rng.standard_normal(bshape), np.float32),
               grad=(0, 1, 2))
    assert_same(res)


def test_python_int_with_uint8_tensor_wraps_like_pytorch():
    u = np.array([0, 1, 200], np.uint8)
    for fn in (lambda L, a: -1 + a, lambda L, a: a - 1, lambda L, a: a + 300, lambda L, a: 2 * a):
        assert_same(both(fn, u))


# -- success where PyTorch raises ----------------------------------------------------------------------------
def test_view_of_a_transposed_tensor_raises_as_pytorch():
    for lib in (miniconv, torch):
        x = lib.ones(2, 3)
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            x.t().view(-1)
        assert tuple(x.t().reshape(-1).shape) == (6,) and tuple(x.view(3, 2).shape) == (3, 2)


def test_probability_targets_with_ignore_index_raise_as_pytorch():
    for lib in (miniconv, torch):
        x, p = lib.ones(2, 3), lib.full((2, 3), 1 / 3)
        with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
            lib.nn.functional.cross_entropy(x, p, ignore_index=0)
        lib.nn.functional.cross_entropy(x, p, ignore_index=-1)  # negative: accepted by both


def test_batch_norm_training_with_only_one_running_statistic_raises_as_pytorch():
    for lib in (miniconv, torch):
        x = lib.ones(4, 3)
        with pytest.raises(ValueError, match="running_mean and running_var must either both be None"):
            lib.nn.functional.batch_norm(x, lib.zeros(3), None, training=True)
        with pytest.raises(ValueError, match="running_mean and running_var must either both be None"):
            lib.nn.functional.batch_norm(x, None, lib.ones(3), training=True)


def test_set_num_threads_refuses_counts_openmp_cannot_run():
    before = miniconv.get_num_threads()
    with pytest.raises(ValueError, match="more than OpenMP can run here"):
        miniconv.set_num_threads(100000)
    assert miniconv.get_num_threads() == before
    limit = miniconv._config.max_num_threads()
    assert limit >= 1
    miniconv.set_num_threads(limit)  # the limit itself works, and a kernel runs with it
    try:
        out = F.max_pool2d(miniconv.randn(64, 8, 32, 32), 2)
        assert out.shape == (64, 8, 16, 16)
    finally:
        miniconv.set_num_threads(before)


@pytest.mark.parametrize("where", ["input", "weight"])
@pytest.mark.parametrize("special", [np.nan, np.inf, -np.inf])
def test_conv2d_gradients_with_non_finite_values_match_pytorch(where, special):
    """The direct conv kernels multiply values next to a plane (vector tails, zero borders) by zero;
    an inf/NaN there must not turn into a NaN that PyTorch does not produce."""
    import miniconv

    for k in range(8):
        rng = np.random.default_rng(k)
        x = rng.standard_normal((1, 2, 2, 3)).astype(np.float32)
        w = rng.standard_normal((2, 2, 2, 2)).astype(np.float32)
        (x if where == "input" else w).flat[k % 8] = special
        grads = []
        for lib in (miniconv, torch):
            xt, wt = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
            y = lib.nn.functional.conv2d(xt, wt, padding=1)
            y.backward(lib.ones_like(y))
            grads.append([xt.grad.detach().numpy(), wt.grad.detach().numpy()])
        for a, b in zip(*grads):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)  # NaN positions must match too
