"""Regression tests for defects found with random seeds (pytest --fuzz-long) and later reports, against PyTorch
2.13. Named test_fuzz_* so that CI also runs them against the bounds-checked build (MINICONV_DEBUG=1)."""
import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F

from fuzz_regression_helpers import _same_error, _same_value_and_dtype, assert_same, both

torch = pytest.importorskip("torch")


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
