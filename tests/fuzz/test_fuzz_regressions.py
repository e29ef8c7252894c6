"""Regression tests for every defect of issue 11 (found by the attack on miniconv and by tests/test_fuzz_ops.py),
each checked against PyTorch 2.13 where PyTorch has an answer. Named test_fuzz_* so that CI also runs them
against the bounds-checked build (MINICONV_DEBUG=1)."""
import re
from pathlib import Path

import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F
from miniconv import _kernels

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


# -- defects found by the issue-9 rows of tests/fuzz_registry.py (fuzz2) ----------------------------------
def test_fuzz2_conv2d_backward_non_finite_weight_stays_local():
    """The direct/taps kernels convolved the zero-padded grad_out, so 0 * inf = nan reached inputs that never
    met the non-finite weight (and likewise for grad_weight with a non-finite input)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 2, 1)).astype(np.float32)
    w = rng.standard_normal((2, 2, 2, 1)).astype(np.float32)
    w[1, 0, 1, 0] = np.inf
    assert_same(both(lambda L, a, b: L.nn.functional.conv2d(a, b), x, w, grad=(0,)))
    x2 = np.array([[[[-0.5, np.nan]]]], np.float32)
    w2 = rng.standard_normal((1, 1, 1, 2)).astype(np.float32)
    assert_same(both(lambda L, a, b: L.nn.functional.conv2d(a, b), x2, w2, grad=(1,)))


@pytest.mark.parametrize("fn", [
    lambda L, t: L.amax(t, 0), lambda L, t: L.prod(t, -1), lambda L, t: L.logsumexp(t, 0),
    lambda L, t: L.norm(t, 2, 0), lambda L, t: L.var(t, 0, correction=0), lambda L, t: L.cumsum(t, 0),
    lambda L, t: L.sort(t, 0).values, lambda L, t: L.topk(t, 1, 0).values])
def test_fuzz2_dim_0_of_a_0d_tensor(fn):
    assert_same(both(fn, np.array(1.5, np.float32), grad=(0,)))


def test_fuzz2_dim_out_of_range_of_a_0d_tensor_raises():
    for fn in (lambda L: L.cumsum(L.tensor(1.0), 1), lambda L: L.cumprod(L.tensor(1.0), -2),
               lambda L: L.sort(L.tensor(1.0), 1)):
        for L in (miniconv, torch):
            with pytest.raises(IndexError, match="Dimension out of range"):
                fn(L)


def test_fuzz2_amax_of_empty_tensor_along_non_empty_dim():
    assert_same(both(lambda L, t: L.amax(t, 1), np.zeros((0, 3), np.float32)))
    with pytest.raises(IndexError, match="to have non-zero size"):
        miniconv.zeros(0, 3).amax(0)


def test_fuzz2_lerp_dtype_check_and_exact_endpoint():
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        miniconv.lerp(miniconv.zeros(2), miniconv.ones(2, dtype=miniconv.float64), 0.5)
    x, y = np.array([1e30], np.float32), np.array([-0.8], np.float32)
    assert_same(both(lambda L, a, b: L.lerp(a, b, 1.0), x, y))
    assert_same(both(lambda L, a, b: a.clone().lerp_(b, 1.0), x, y))


def test_fuzz2_clamp_tensor_bound_tie_gives_gradient_to_input():
    x = np.array([1.0, 2.0, np.nan], np.float32)
    assert_same(both(lambda L, a, b: L.clamp(a, min=b), x, np.array([1.0, 3.0, 0.0], np.float32), grad=(0, 1)))


def test_fuzz2_abs_sign_and_std_at_nan_and_zero():
    assert_same(both(lambda L, t: t.abs(), np.array([np.nan, 1.0, 0.0], np.float32), grad=(0,)))
    assert_same(both(lambda L, t: L.sign(t), np.array([np.nan, -2.0], np.float32)))
    assert_same(both(lambda L, t: L.std(t, correction=0), np.array(2.0, np.float32), grad=(0,)))
    assert_same(both(lambda L, t: L.var(t, 0, correction=2), np.array([3.0], np.float32), grad=(0,)))


def test_fuzz2_shape_errors_are_pytorch_runtime_errors():
    for L in (miniconv, torch):
        with pytest.raises(RuntimeError, match="The expanded size of the tensor"):
            L.zeros(2, 3).expand(1, 1)
        t = L.zeros(3)
        with pytest.raises(RuntimeError, match="The expanded size of the tensor"):
            t[:] = L.ones(4)
        with pytest.raises(RuntimeError, match="without overflow"):
            L.zeros(3, dtype=L.int64).masked_fill(L.ones(3, dtype=L.bool), float("inf"))
        for call in (lambda: t.expand(), lambda: t.tile(), lambda: t.repeat(), lambda: L.zeros()):
            with pytest.raises(TypeError, match="missing 1 required positional arguments"):
                call()
        with pytest.raises(NotImplementedError, match="arange_cpu"):
            L.arange(0, 5, dtype=L.bool)
        with pytest.raises(RuntimeError, match="to - 1 is out of bounds for bool"):
            L.randint(3, (2,), dtype=L.bool)
        with pytest.raises(ValueError):
            L.tensor([[1, 2], [3]], dtype=L.int64)
        with pytest.raises(RuntimeError, match="cannot compute the inf norm on an empty tensor"):
            L.zeros(0).norm(float("inf"))


def test_fuzz2_norm_layers_refuse_single_values_when_training():
    for L in (miniconv, torch):
        with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
            L.nn.InstanceNorm2d(2)(L.zeros(1, 2, 1, 1))
        with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
            L.nn.GroupNorm(2, 2)(L.zeros(1, 2))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_fuzz2_conv1d_padding_modes(mode):
    x = np.random.default_rng(0).standard_normal((2, 2, 5)).astype(np.float32)

    def fn(L, t):
        L.manual_seed(0)
        m = L.nn.Conv1d(2, 3, 3, padding=1, padding_mode=mode)
        with L.no_grad():
            m.weight.copy_(L.ones(3, 2, 3) * 0.1)
            m.bias.zero_()
        return m(t)
    assert_same(both(fn, x, grad=(0,)))


@pytest.mark.parametrize("call", [
    lambda L: L.zeros(0).argmax(), lambda L: L.zeros(0, 3).max(0), lambda L: L.zeros(0, 3).argmin(0)])
def test_fuzz2_argmax_of_empty_raises_pytorch_index_error(call):
    for L in (miniconv, torch):
        with pytest.raises(IndexError, match="Expected reduction dim"):
            call(L)


@pytest.mark.parametrize("fn", [lambda L, t: L.max(t, 0).values, lambda L, t: L.max(t, -1, keepdim=True).indices,
                                lambda L, t: t.argmax(0), lambda L, t: t.min(0).values])
def test_fuzz2_max_along_dim_of_0d_and_empty(fn):
    assert_same(both(fn, np.array(2.5, np.float32)))
    assert_same(both(lambda L, t: t.max(1).values, np.zeros((0, 3), np.float32)))


def test_fuzz2_int64_pooling_and_pad_errors():
    x = np.arange(-8, 8).reshape(1, 1, 4, 4)
    assert_same(both(lambda L, t: L.nn.functional.max_pool2d(t, 2, 1, 1), x))
    assert_same(both(lambda L, t: L.nn.functional.avg_pool2d(t, 2, 1, 1), x))
    for L in (miniconv, torch):
        with pytest.raises(RuntimeError, match="is too small"):
            L.nn.functional.pad(L.zeros(1, 2, 3), (-1, -2), mode="replicate")


# -- fuzz3: rows of docs/api.md's differences table that were defects, now fixed ------------------------------
def _same_value_and_dtype(fn):
    """fn(L) on both libraries -> the same values and dtype (names without the ``torch.`` prefix)."""
    m, t = fn(miniconv), fn(torch)
    assert str(m.dtype) == str(t.dtype).replace("torch.", ""), (m.dtype, t.dtype)
    np.testing.assert_array_equal(np.asarray(m.tolist()), np.asarray(t.tolist()))


@pytest.mark.parametrize("fn", [
    lambda L: L.tensor([1, 2, 250], dtype=L.uint8) & L.tensor(-1),       # a 0-d int64 does not widen uint8
    lambda L: L.tensor([1, 2, 250], dtype=L.uint8) | L.tensor(-1),
    lambda L: L.tensor([1, 2, 250], dtype=L.uint8) ^ L.tensor(-1),
    lambda L: L.tensor([True, False]) & L.tensor(3),                     # but an integer widens bool
    lambda L: 1 & L.tensor([1, 3], dtype=L.uint8),                       # reflected operators exist
    lambda L: 6 ^ L.tensor([True, False]),
    lambda L: L.tensor([1, 2, 250], dtype=L.uint8) > -1,                 # -1 compares as uint8 255, as PyTorch
    lambda L: L.tensor([1, 2, 250], dtype=L.uint8) == L.tensor(257),
    lambda L: L.tensor([0.1], dtype=L.float32) == L.tensor(0.1, dtype=L.float64),  # compared in float32
    lambda L: L.tensor([1, 2], dtype=L.uint8) < 1.5,
    lambda L: L.where(L.tensor([True, False]), L.tensor([1.0, 2.0]), L.tensor(0.5, dtype=L.float64)),
    lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), 0.5),
    lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2], dtype=L.uint8), L.tensor(300)),
    lambda L: L.where(L.tensor([True, False]), 1, 0.5),
    lambda L: L.clamp(L.tensor([1.0, 2.0]), min=L.tensor(1.5, dtype=L.float64)),
    lambda L: L.clamp(L.tensor([1, 2]), min=L.tensor(1.5)),
    lambda L: L.clamp(L.tensor([1, 2]), max=1.5),
    lambda L: L.tensor([1, 2]).clamp(0.5),
    lambda L: L.clamp(L.tensor([1, 2], dtype=L.uint8), min=-1),
    lambda L: L.clamp(L.tensor([True, False]), min=0),
    lambda L: L.lerp(L.tensor([1.0, 2.0]), L.tensor([3.0, 5.0]), L.tensor(0.25, dtype=L.float64)),
    lambda L: L.tensor([1, 2]) / L.tensor([2]),
    lambda L: L.tensor([1, 2], dtype=L.int32) + L.tensor(1.5, dtype=L.float64),
])
def test_fuzz3_a_0d_tensor_counts_as_a_number_of_its_category(fn):
    _same_value_and_dtype(fn)


def test_fuzz3_result_type_and_promote_types_are_pytorchs():
    cases = [((np.zeros(2, np.int64), np.zeros(2, np.float32)), None), ((np.zeros(2, np.uint8), np.array(3)), None),
             ((np.zeros(2, np.float32), np.array(3.0)), None), ((np.zeros(2, np.int64), 2.5), None),
             ((np.zeros(2, bool), 2), None), ((np.array(2, np.int32), 7), None),
             ((np.zeros(2, np.uint8), np.int8(1)), None)]
    for operands, _ in cases:
        res = []
        for L in (miniconv, torch):
            ops = [L.tensor(o) if isinstance(o, np.ndarray) and not isinstance(o, np.generic) else o for o in operands]
            if isinstance(operands[1], np.generic):
                ops[1] = L.tensor(operands[1])
            res.append(str(L.result_type(*ops)).replace("torch.", ""))
        assert res[0] == res[1], (operands, res)
    assert miniconv.promote_types(miniconv.int64, miniconv.float32) == miniconv.float32
    assert miniconv.promote_types(miniconv.uint8, miniconv.int8) == miniconv.int16


@pytest.mark.parametrize("fn", [
    lambda L: L.tensor([-2, -1, 0, 1, 2]) ** L.tensor([-1, -2, -1, -3, -2]),  # PyTorch's integer pow: 0, +-1, 1
    lambda L: 2 ** L.tensor([-1, 0, 3]),
    lambda L: (-1) ** L.tensor([-1, -2, -3]),
    lambda L: 1 ** L.tensor([-5, 2]),
    lambda L: L.tensor([-2, -1, 0, 1, 2]) ** L.tensor(-1),
    lambda L: L.tensor([1, 2, 3], dtype=L.uint8) ** L.tensor(-1),           # -1 is uint8 255 here
    lambda L: L.tensor([True, False]) ** 2,
    lambda L: L.tensor([2, 3]) ** (2**40),
])
def test_fuzz3_integer_pow(fn):
    _same_value_and_dtype(fn)


@pytest.mark.parametrize("fn, match", [
    (lambda L: L.tensor([1, 2]) ** -1, "Integers to negative integer powers are not allowed"),
    (lambda L: L.tensor([1, 2], dtype=L.uint8) ** -1, "Integers to negative integer powers are not allowed"),
    (lambda L: L.tensor([True]) ** -2, "Integers to negative integer powers are not allowed"),
    (lambda L: L.tensor([1, 2]).pow(-3), "Integers to negative integer powers are not allowed"),
    (lambda L: L.tensor([1, 2], dtype=L.uint8) ** 300, "value cannot be converted to type uint8_t without overflow"),
    (lambda L: L.tensor([1, 2], dtype=L.int32) ** 2**40, "value cannot be converted to type int without overflow"),
])
def test_fuzz3_pow_errors_are_pytorchs(fn, match):
    for L in (miniconv, torch):
        with pytest.raises(RuntimeError, match=match):
            fn(L)


def test_fuzz3_pow_gradients_at_negative_and_zero_bases():
    base = np.array([-2.0, 0.0, 2.0, 0.0, 0.0], np.float32)
    expo = np.array([1.5, -1.0, 0.0, 0.0, 2.0], np.float32)
    assert_same(both(lambda L, a, b: a ** b, base, expo, grad=(0, 1)))
    assert_same(both(lambda L, b: (-2.0) ** b, expo, grad=(0,)))   # ln(-2) is nan: the gradient is nan
    assert_same(both(lambda L, b: 0.0 ** b, expo, grad=(0,)))      # -inf for b < 0, 0 for b >= 0


def test_fuzz3_no_shape_argument_is_a_type_error():
    for L in (miniconv, torch):
        for shape in [(), (2,)]:
            t = L.zeros(shape)
            for call in (t.permute, t.reshape, t.view):
                with pytest.raises(TypeError):
                    call()
        assert L.zeros(()).reshape(()).shape == ()
        assert L.zeros(()).permute(()).shape == ()


@pytest.mark.parametrize("arrays, dim", [
    ([(0,), (2, 3)], 1), ([(2, 3), (0,)], -1), ([(0,), (0,)], 5), ([(0,), (2, 3), (2, 4)], 1), ([(0,), (3,)], 0)])
def test_fuzz3_cat_skips_1d_empty_tensors(arrays, dim):
    xs = [np.arange(int(np.prod(s)), dtype=np.float32).reshape(s) for s in arrays]
    res = []
    for L in (miniconv, torch):
        ts = [L.tensor(x, requires_grad=True) for x in xs]
        out = L.cat(ts, dim)
        (out * 2).sum().backward()
        res.append((np.asarray(out.tolist()), [np.asarray(t.grad.tolist()) for t in ts]))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    for a, b in zip(res[0][1], res[1][1]):
        np.testing.assert_array_equal(a, b)


def test_fuzz3_cat_errors_and_dtype():
    for L in (miniconv, torch):
        with pytest.raises(IndexError, match="Dimension out of range"):
            L.cat([L.zeros(0), L.zeros(2, 3)], 2)
        with pytest.raises(RuntimeError, match="zero-dimensional tensor \\(at position 1\\)"):
            L.cat([L.zeros(0), L.tensor(1.0)])
    _same_value_and_dtype(lambda L: L.cat([L.zeros(2, dtype=L.int64), L.ones(1)]))  # int64 with float32: float32


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_fuzz3_softmax_of_integers(fn):
    for L in (miniconv, torch):
        f = getattr(L.nn.functional, fn)
        with pytest.raises(NotImplementedError, match=f"\"{fn}_lastdim_kernel_impl\" not implemented for 'Long'"):
            f(L.ones(2, 3, dtype=L.int64), 1)
        with pytest.raises(NotImplementedError, match=f"\"{fn}_kernel_impl\" not implemented for 'Byte'"):
            f(L.ones(2, 3, dtype=L.uint8), 0)
        with pytest.raises(IndexError, match="Dimension out of range"):
            f(L.ones(2, dtype=L.int64), 1)
    _same_value_and_dtype(lambda L: getattr(L.nn.functional, fn)(L.ones(2, 0, dtype=L.int64), 1))


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid"])
def test_fuzz3_float_functions_promote_integers(name):
    x = np.array([[0, 1, 4], [9, -2, 3]])
    assert_same(both(lambda L, t: getattr(t, name)(), x))
    assert_same(both(lambda L, t: getattr(L, name)(t), x.astype(np.uint8)))


@pytest.mark.parametrize("which", ["std", "var"])
def test_fuzz3_float32_var_std_reduce_in_float64(which):
    """PyTorch's CPU kernel accumulates float32 in double: the std of values near 1e30 is finite."""
    for x in ([1e30, 1.0, 2.0], [[1e30, 1.0], [2.0, 1e30]], [1.0, 2.0, 4.0]):
        assert_same(both(lambda L, t: getattr(t, which)(), np.array(x, np.float32), grad=(0,)))
        assert_same(both(lambda L, t: getattr(L, which)(t, 0, keepdim=True), np.array(x, np.float32), grad=(0,)))
    for L in (miniconv, torch):
        with pytest.raises(RuntimeError, match="std and var only support floating point"):
            getattr(L.ones(2, dtype=L.int64), which)()


def test_fuzz3_norm_of_one_element_is_its_absolute_value():
    """PyTorch reduces one element without squaring it: ||[1e30]|| is 1e30 in float32, not inf."""
    for p in (2, 3, 1, float("inf")):
        assert_same(both(lambda L, t: t.norm(p), np.array([-1e30], np.float32), grad=(0,)))
        assert_same(both(lambda L, t: t.norm(p, dim=1), np.array([[1e30], [-3.0]], np.float32), grad=(0,)))
    assert_same(both(lambda L, t: t.norm(dim=0), np.array([[1e30, 0.0], [1e30, 1.0]], np.float32)))  # inf, 1


@pytest.mark.parametrize("shape, size", [((2, 3, 5, 7), (3, 4)), ((1, 6, 6), 2), ((0, 2, 3), 2),
                                         ((2, 1, 4, 4), (None, 3))])
def test_fuzz3_adaptive_max_pool2d_return_indices(shape, size):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    if x.size:
        x.reshape(-1)[::3] = 1.0  # ties: the first maximum wins, as PyTorch
        x.reshape(-1)[[5, 7]] = np.nan  # the last NaN of a window wins, as PyTorch
    res = []
    for L in (miniconv, torch):
        t = L.tensor(x.copy(), requires_grad=True)
        out, idx = L.nn.AdaptiveMaxPool2d(size, return_indices=True)(t)
        out.sum().backward()
        res.append((np.asarray(out.tolist()), np.asarray(idx.tolist()), np.asarray(t.grad.tolist()), str(idx.dtype)))
    for a, b in zip(res[0][:3], res[1][:3]):
        np.testing.assert_array_equal(a, b)
    assert res[0][3] == "int64" and res[1][3] == "torch.int64"
    with pytest.raises(RuntimeError, match="non-zero size for non-batch dimensions"):
        miniconv.nn.functional.adaptive_max_pool2d(miniconv.zeros(2, 0, 2), 1)


@pytest.mark.parametrize("kw", [dict(max_norm=1.0), dict(max_norm=1.5, norm_type=1.0), dict(scale_grad_by_freq=True),
                                dict(max_norm=1.0, scale_grad_by_freq=True, padding_idx=2),
                                dict(max_norm=0.5, norm_type=float("inf"))])
def test_fuzz3_embedding_max_norm_and_scale_grad_by_freq(kw):
    w0 = (np.random.default_rng(0).standard_normal((5, 3)) * 2).astype(np.float32)
    idx = np.array([[0, 2, 2], [4, 2, 0]])
    res = []
    for L in (miniconv, torch):
        m = L.nn.Embedding(5, 3, **kw)
        with L.no_grad():
            m.weight.copy_(L.tensor(w0.copy()))
        out = m(L.tensor(idx))
        (out * L.tensor(np.arange(18, dtype=np.float32).reshape(2, 3, 3))).sum().backward()
        res.append([np.asarray(v.tolist()) for v in (out, m.weight, m.weight.grad)])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    for L in (miniconv, torch):
        with pytest.raises(IndexError):
            L.nn.Embedding(2, 3, max_norm=1.0)(L.tensor([2]))


# -- the 32-bit BLAS size check: one function (_config.check_blas_sizes) in front of every BLAS kernel ---------
@pytest.mark.parametrize("call, name", [
    (lambda x, w: F.linear(x, w), "in_features"),
    (lambda x, w: x @ w.t(), "the columns of input"),
    (lambda x, w: miniconv.matmul(x.reshape(1, 1, -1), w.t()), "the columns of input"),
    (lambda x, w: F.conv2d(x.reshape(1, 1, 1, -1), w.reshape(1, 1, 1, -1)), "the input plane H * W"),
])
def test_fuzz3_sizes_beyond_32_bit_blas_name_the_argument(call, name):
    n = 2**31  # zero-stride views: nothing of this size is allocated before the check refuses it
    x = miniconv.from_numpy(np.broadcast_to(np.zeros((1, 1), np.float32), (1, n)))
    w = miniconv.from_numpy(np.broadcast_to(np.zeros((1, 1), np.float32), (1, n)))
    with pytest.raises(RuntimeError, match=re.escape(f"{name} is {n}, more than 2147483647")):
        call(x, w)


def test_fuzz3_the_kernels_have_no_size_check_of_their_own():
    """The check lives in Python only (miniconv/_config.py): the .pxi kernels no longer repeat it."""
    root = Path(miniconv.__file__).parent
    for f in ("_conv_common.pxi", "_conv_dispatch.pxi", "_conv_direct.pxi", "_linalg.pxi"):
        text = (root / f).read_text()
        assert "2**31" not in text and "2147483647" not in text and "INT_MAX" not in text, f


# -- fuzz3: defects found by the new rows (einsum, linalg, selections, movedim, cosine_similarity, ...) --------
def _same_error(fn, cls, match):
    for L in (miniconv, torch):
        with pytest.raises(cls, match=match or None):
            fn(L)


def test_fuzz3_nonzero_of_a_0d_tensor():
    _same_value_and_dtype(lambda L: L.nonzero(L.tensor(1.5)))
    _same_value_and_dtype(lambda L: L.argwhere(L.tensor(0.0)))


def test_fuzz3_masked_select_wants_a_bool_mask_and_broadcasts_both_ways():
    _same_error(lambda L: L.masked_select(L.tensor([1.0, 2.0]), L.tensor([1, 0], dtype=L.uint8)), RuntimeError,
                "masked_select: expected BoolTensor for mask")
    x, m = np.arange(3, dtype=np.float32), np.array([[True, False, True], [False, True, True]])
    assert_same(both(lambda L, t, mm: L.masked_select(t, mm), x, m, grad=(0,)))


@pytest.mark.parametrize("args, cls, match", [
    ((0, -1, 0), IndexError, r"start out of range \(expected to be in range of \[0, 0\], but got -1\)"),
    ((0, 1, 0), IndexError, "start out of range"),
    ((1, 0, -1), RuntimeError, "length must be non-negative"),   # before the dim check
    ((0, 0, 1), RuntimeError, r"start \(0\) \+ length \(1\) exceeds dimension size \(0\)"),
])
def test_fuzz3_narrow_checks_in_pytorchs_order(args, cls, match):
    _same_error(lambda L: L.narrow(L.zeros(0, 3) if args[2] >= 0 else L.zeros(3), *args), cls, match)


@pytest.mark.parametrize("src, dst", [((0, 1), (1, 0)), ((0, 1), (-1, -2)), ((), ()), (1, 3), ([2], [0])])
def test_fuzz3_movedim_with_sequences(src, dst):
    x = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)
    assert_same(both(lambda L, t: L.movedim(t, src, dst), x, grad=(0,)))


def test_fuzz3_movedim_errors():
    _same_error(lambda L: L.zeros(1, 2, 3).movedim((0, 0), (1, 2)), RuntimeError, "repeated dim in `source`")
    _same_error(lambda L: L.zeros(1, 2, 3).movedim((0, 1), (2, 2)), RuntimeError, "repeated dim in `destination`")
    _same_error(lambda L: L.zeros(1, 2, 3).movedim((0,), (1, 2)), RuntimeError, "should contain the same number")


def test_fuzz3_a_repeated_dim_is_reported_before_an_out_of_range_one():
    _same_error(lambda L: L.flip(L.zeros(2, 2), (0, 0, 2)), RuntimeError, "dim 0 appears multiple times")


def test_fuzz3_einsum_dtypes():
    _same_error(lambda L: L.einsum("ij,jk", L.zeros(2, 2, dtype=L.float64), L.zeros(2, 2)), RuntimeError,
                "expected scalar type Double but found Float")
    _same_error(lambda L: L.einsum("i,i", L.zeros(2), L.zeros(2, dtype=L.float64)), RuntimeError,
                "expected scalar type Float but found Double")
    for eq, a, b in [("i,j->ij", (2,), (3,)), ("ij,ij->ij", (2, 2), (2, 2)), ("ij,jk", (2, 1), (1, 3)),
                     ("ij,jk", (0, 2), (2, 0))]:  # products and size-1 contractions promote; empty: the last dtype
        _same_value_and_dtype(lambda L: L.einsum(eq, L.ones(a), L.ones(b, dtype=L.float64)))


def test_fuzz3_vector_norm_gradients_at_nan_ties_and_ord_0():
    x = np.array([[1.0, np.nan, 1.0], [2.0, 2.0, -1.0], [np.inf, 1.0, 2.0], [0.0, 0.0, 0.0]], np.float32)
    for p in (float("inf"), 1, 3, 2):
        assert_same(both(lambda L, t: L.linalg.vector_norm(t, p, dim=1), x, grad=(0,)))
    for L in (miniconv, torch):
        t = L.tensor(x[1:2].copy(), requires_grad=True)
        L.linalg.vector_norm(t, 0).backward()
        assert t.grad is None  # the 0-"norm" counts; it has no gradient


def test_fuzz3_cosine_similarity_broadcasts_and_clamps_without_gradient():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 3, 2)).astype(np.float32) * 0.3, rng.standard_normal((3, 2)).astype(np.float32)
    for eps in (1e-8, 0.5):  # eps=0.5 clamps some norms: PyTorch clamps them under no_grad
        assert_same(both(lambda L, x, y: L.nn.functional.cosine_similarity(x, y, -1, eps), a, b, grad=(0, 1)))
    assert_same(both(lambda L, x, y: L.nn.functional.cosine_similarity(x, y, -2), a, np.array(2.0, np.float32)))
    _same_error(lambda L: L.nn.functional.cosine_similarity(L.zeros(2), L.zeros(2, 0)), RuntimeError,
                "must match the size of tensor b")


def test_fuzz3_one_hot_of_an_empty_tensor():
    _same_error(lambda L: L.nn.functional.one_hot(L.zeros(2, 0, dtype=L.int64), 0), RuntimeError,
                "Can not infer total number of classes from empty tensor")
    _same_value_and_dtype(lambda L: L.nn.functional.one_hot(L.zeros(2, 0, dtype=L.int64), 3))


# -- fuzz3: found with random seeds (pytest --fuzz-long) --------------------------------------------------------
@pytest.mark.parametrize("fn", ["max", "min"])
def test_fuzz3_full_max_min_with_nan_give_the_gradient_to_the_nans(fn):
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, 3.0]], np.float32)
    assert_same(both(lambda L, t: getattr(t, fn)(), x, grad=(0,)))
    assert_same(both(lambda L, t: getattr(t, fn)(), np.array([[1.0, 3.0, 3.0]], np.float32), grad=(0,)))


@pytest.mark.parametrize("fn", ["maximum", "minimum"])
def test_fuzz3_maximum_minimum_gradients_with_nan_and_ties(fn):
    x = np.array([np.nan, 1.0, 2.0, 3.0, np.inf, -np.inf, 1.0], np.float32)
    y = np.array([2.0, 1.0, 2.0, 1.0, 5.0, -3.0, np.nan], np.float32)
    assert_same(both(lambda L, a, b: getattr(L, fn)(a, b), x, y, grad=(0, 1)))


def test_fuzz3_chunk_of_an_empty_dim_gives_chunks_pieces():
    for shape, chunks, dim in [((0, 0), 4, 0), ((0,), 3, 0), ((3, 0), 2, 1), ((5,), 3, 0), ((5,), 9, 0)]:
        res = [[tuple(t.shape) for t in L.chunk(L.zeros(shape), chunks, dim)] for L in (miniconv, torch)]
        assert res[0] == res[1], (shape, chunks, res)


def test_fuzz3_expand_refuses_minus_one_in_a_new_leading_dim():
    for call in (lambda L: L.zeros(3).expand(-1, 3), lambda L: L.zeros(0).expand(-1, 0),
                 lambda L: L.zeros(()).expand(-1)):
        for L in (miniconv, torch):
            with pytest.raises(RuntimeError):
                call(L)
    with pytest.raises(RuntimeError, match="isn't allowed in a leading, non-existing dimension 0"):
        miniconv.zeros(3).expand(-1, 3)
    _same_value_and_dtype(lambda L: L.zeros(0).expand(2, -1))


@pytest.mark.parametrize("shape", [(2, 0, 3, 3), (0, 2, 3), (2, 0, 3), (0, 0, 3, 3), (2, 3, 4, 5)])
def test_fuzz3_adaptive_avg_pool2d_to_1x1_is_the_mean_as_in_pytorch(shape):
    """PyTorch computes a 1x1 adaptive average as mean(H, W), without its size checks (an empty plane: nan)."""
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    assert_same(both(lambda L, t: L.nn.functional.adaptive_avg_pool2d(t, 1), x, grad=(0,)))
    assert_same(both(lambda L, t: L.nn.AdaptiveAvgPool2d((1, None if shape[-1] == 1 else 1))(t), x, grad=(0,)))
    with pytest.raises(RuntimeError, match="non-zero size for non-batch dimensions"):
        miniconv.nn.functional.adaptive_avg_pool2d(miniconv.zeros(2, 0, 3), 2)


@pytest.mark.parametrize("call, match", [
    (lambda L: L.ones(2) @ 2, "unsupported operand type"), (lambda L: 2 @ L.ones(2), "unsupported operand type"),
    (lambda L: L.ones(2) @ [1.0, 2.0], "unsupported operand type"),
    (lambda L: L.ones(2).matmul(2), r"matmul\(\): argument 'other' \(position 1\) must be Tensor, not int"),
    (lambda L: L.matmul(L.ones(2), 2.5), r"matmul\(\): argument 'other' \(position 2\) must be Tensor, not float"),
])
def test_fuzz3_matmul_with_a_number_is_a_type_error(call, match):
    _same_error(call, TypeError, match)


def test_fuzz3_pow_minus_one_half_is_rsqrt_as_in_pytorch():
    x = np.array([-np.inf, -4.0, 0.0, 4.0, np.inf, -0.0], np.float64)
    assert_same(both(lambda L, t: t ** -0.5, x))
    assert_same(both(lambda L, t: t ** 0.5, x, grad=(0,)))  # its gradient uses x ** -0.5: nan at -inf


@pytest.mark.parametrize("x, dim", [
    (np.array([[np.inf]]), 0), (np.array([[[np.inf, 2.0, 3.0]], [[1.0, np.nan, 2.0]]]), 1),
    (np.array([[2.0, 0.0, 3.0, 4.0], [1e30, 1e30, 1e30, 2.0]]), 1), (np.array([[0.0, 0.0, 2.0], [1.0, 0.0, 5.0]]), 1)])
def test_fuzz3_cumprod_gradient_as_pytorch(x, dim):
    """One element or a dim of size 1: the gradient itself; slices with a zero exactly, the others by division."""
    assert_same(both(lambda L, t: L.cumprod(t, dim), x, grad=(0,)))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_fuzz3_binary_cross_entropy_gradients_at_0_and_1(reduction):
    """PyTorch's gradients: (x - t) / max(x (1 - x), 1e-12) for the input (the clamped logs gave 0 * inf = nan
    where a probability is exactly 0 or 1) and -logit(x) for the target."""
    x = np.array([1.0, 0.0, 0.3, 1e-30, 1 - 1e-7], np.float32)
    t = np.array([0.65, 0.26, 0.78, 0.5, 0.1], np.float32)
    assert_same(both(lambda L, a, b: L.nn.functional.binary_cross_entropy(a, b, reduction=reduction), x, t,
                     grad=(0, 1)), rtol=1e-6)
    w = np.array([1.0, 2.0, 3.0, 0.5, 1.0], np.float32)
    assert_same(both(lambda L, a, b, c: L.nn.BCELoss(c, reduction=reduction)(a, b), x, t, w, grad=(0, 1)), rtol=1e-6)


@pytest.mark.parametrize("shape, dim, idx, cls", [
    ((3, 1), 1, [0, 1], RuntimeError), ((3, 2), -1, [-1], RuntimeError), ((3,), 0, [3], IndexError),
    ((3, 1), 0, [3], IndexError), ((2, 2, 1), 2, [1], IndexError)])
def test_fuzz3_index_select_out_of_range_error_class(shape, dim, idx, cls):
    """PyTorch's CPU kernel for the last dim of a matrix raises RuntimeError, the others IndexError."""
    _same_error(lambda L: L.index_select(L.zeros(shape), dim, L.tensor(idx)), cls, "")


def test_fuzz3_comparison_with_none_follows_python_as_pytorch():
    for L in (miniconv, torch):
        t = L.ones(2)
        assert (t == None) is False and (t != None) is True  # noqa: E711 - the point of the test
        with pytest.raises(TypeError):
            t < None  # noqa: B015
        with pytest.raises(TypeError):
            t.eq(None)


@pytest.mark.parametrize("data, dtype", [([-1], "uint8"), ([-255, 7], "uint8"), ([[-3], [2]], "uint8"),
                                         ([127, -128], "int8")])
def test_tensor_of_python_ints_wraps_negative_values_into_unsigned_types_as_pytorch(data, dtype):
    ours = miniconv.tensor(data, dtype=getattr(miniconv, dtype))
    theirs = torch.tensor(data, dtype=getattr(torch, dtype))
    assert ours.dtype == getattr(miniconv, dtype)
    assert ours.numpy().tolist() == theirs.numpy().tolist()


@pytest.mark.parametrize("data, dtype", [([300], "uint8"), ([-256], "uint8"), (256, "int8"), ([-129], "int8"),
                                         ([2**40], "int32")])
def test_tensor_of_python_ints_out_of_range_is_pytorchs_runtime_error(data, dtype):
    _same_error(lambda L: L.tensor(data, dtype=getattr(L, dtype)), RuntimeError,
                f"value cannot be converted to type {dtype} without overflow")


@pytest.mark.parametrize("fn", ["linspace", "logspace"])
def test_linspace_logspace_refuse_bool_as_pytorch(fn):
    _same_error(lambda L: getattr(L, fn)(0, 1, 3, dtype=L.bool), NotImplementedError, f"{fn}_cpu")


def test_float32_norm_past_the_float_range_is_inf_without_a_numpy_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = miniconv.tensor([1e20, 1e20]).norm()
    assert ours.item() == torch.tensor([1e20, 1e20]).norm().item() == float("inf")


@pytest.mark.parametrize("fn", ["sigmoid", "tanh"])
@pytest.mark.parametrize("data", [[1, -2, 0], [True, False]])
def test_functional_sigmoid_tanh_promote_integer_input_as_pytorch(fn, data):
    ours = getattr(F, fn)(miniconv.tensor(data))
    theirs = getattr(torch.nn.functional, fn)(torch.tensor(data))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("data, dtype", [([1, -2], "int64"), ([True], "bool"), ([3], "uint8")])
def test_leaky_relu_of_integers_is_pytorchs_not_implemented_error(data, dtype):
    _same_error(lambda L: L.nn.functional.leaky_relu(L.tensor(data, dtype=getattr(L, dtype))), NotImplementedError,
                "leaky_relu_cpu")


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
def test_kl_div_zero_and_negative_targets_as_pytorch(reduction):
    """PyTorch computes kl_div as xlogy(t, t) - t * x: a zero target has loss 0 and a NaN target
    gradient (t / t in xlogy's partials); a negative target gives NaN."""
    x = np.log(np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]], np.float32))
    t = np.array([[0.0, 0.4, 0.6], [0.5, -0.25, 0.75]], np.float32)
    assert_same(both(lambda L, a, b: L.nn.functional.kl_div(a, b, reduction=reduction), x, t, grad=(0, 1)),
                rtol=1e-6)
