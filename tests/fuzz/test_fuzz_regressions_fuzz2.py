"""Regression tests for the defects found by the issue-9 rows of tests/fuzz_registry.py (fuzz2), against PyTorch
2.13. Named test_fuzz_* so that CI also runs them against the bounds-checked build (MINICONV_DEBUG=1)."""
import numpy as np
import pytest

import miniconv

from fuzz_regression_helpers import assert_same, both

torch = pytest.importorskip("torch")


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
