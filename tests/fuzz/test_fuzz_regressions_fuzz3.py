"""Regression tests for fuzz3: rows of docs/api.md's differences table that were defects, the 32-bit BLAS size
check, and defects found by the new rows (einsum, linalg, selections, movedim, cosine_similarity, ...), against
PyTorch 2.13. Named test_fuzz_* so that CI also runs them against the bounds-checked build (MINICONV_DEBUG=1)."""
import re
from pathlib import Path

import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F

from fuzz_regression_helpers import _same_error, _same_value_and_dtype, assert_same, both

torch = pytest.importorskip("torch")


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
            res.append(str(L.result_type(*ops)).replace("torch.", "").replace("miniconv.", ""))
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
    assert res[0][3] == "miniconv.int64" and res[1][3] == "torch.int64"
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


# -- defects found by the new rows (einsum, linalg, selections, movedim, cosine_similarity, ...) ------------------
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
