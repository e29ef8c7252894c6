"""The in-place variants derived from out-of-place methods (``t.sin_()``, ``t.eq_(o)``, ``t.index_add_(...)``...),
introspection (stride, data_ptr, element_size, nbytes, mT, new, resize_...), compared with PyTorch."""
import numpy as np
import pytest

import miniconv
from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

A = np.array([[0.5, -1.25, 2.0], [0.0, 3.5, -0.75]])

INPLACE = {
    "floor_": (), "ceil_": (), "round_": (), "trunc_": (), "fix_": (), "sign_": (), "sgn_": (), "sin_": (), "cos_": (),
    "tan_": (), "atan_": (), "sinh_": (), "cosh_": (), "exp2_": (), "expm1_": (), "log1p_": (), "erf_": (), "erfc_": (),
    "reciprocal_": (), "square_": (), "frac_": (), "lgamma_": (), "sinc_": (), "deg2rad_": (), "rad2deg_": (),
    "negative_": (), "absolute_": (), "clamp_min_": (0.1,), "clamp_max_": (0.1,), "nan_to_num_": (),
    "hypot_": ("T",), "copysign_": ("T",), "xlogy_": ("T",), "fmod_": (1.5,), "remainder_": (1.5,),
    "floor_divide_": (0.7,), "divide_": ("T",), "true_divide_": (2,), "subtract_": ("T",), "multiply_": ("T",),
    "atan2_": ("T",), "arctan2_": ("T",), "eq_": (0.5,), "ne_": ("T",), "lt_": (1,), "le_": ("T",), "gt_": (0,),
    "ge_": ("T",), "greater_": (0,), "less_equal_": ("T",), "not_equal_": (0.0,), "logical_and_": ("T",),
    "logical_or_": ("T",), "logical_xor_": ("T",), "logical_not_": (), "cumsum_": (1,), "cumprod_": (0,),
    "tril_": (), "triu_": (1,), "renorm_": (2, 0, 1.0), "heaviside_": ("T",),
    "index_add_": (1, "I", "S"), "index_copy_": (1, "I", "S"), "index_fill_": (1, "I", -2.0),
    "scatter_": (1, "G", "T"), "scatter_add_": (1, "G", "T"), "scatter_reduce_": (1, "G", "T", "amax"),
    "masked_scatter_": ("M", "T"), "addmm_": ("P", "Q"),
}


def _args(L, spec):
    other = {"T": L.tensor(A[::-1].copy() + 0.25, dtype=L.float64), "I": L.tensor([2, 0]),
             "S": L.tensor([[1.0, 2], [3, 4]], dtype=L.float64), "G": L.tensor([[0, 2, 0], [1, 1, 2]]),
             "M": L.tensor([[True, False, True], [False, True, True]]),
             "P": L.ones(2, 4, dtype=L.float64), "Q": L.ones(4, 3, dtype=L.float64)}
    return [other.get(a, a) if isinstance(a, str) and a in other else a for a in spec]


NO_TORCH_DERIVATIVE = {"floor_divide_", "heaviside_", "sgn_"}  # PyTorch refuses backward (or gives a ZeroTensor)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_matches_torch_and_records_history(name):
    def run(L):
        if name in NO_TORCH_DERIVATIVE:
            x = L.tensor(A, dtype=L.float64) * 1.5
            assert getattr(x, name)(*_args(L, INPLACE[name])) is x
            return x
        leaf = L.tensor(A, dtype=L.float64, requires_grad=True)
        x = leaf * 1.5  # a non-leaf: the in-place op is recorded
        v = x._version
        out = getattr(x, name)(*_args(L, INPLACE[name]))
        assert out is x and x._version > v
        x.sum().backward() if x.requires_grad else None
        return x.detach(), leaf.grad
    assert_same_outcome(run)


@pytest.mark.parametrize("name", ["sin_", "eq_", "tril_", "index_fill_", "clamp_min_"])
def test_inplace_on_a_leaf_requiring_grad_and_dtype_refusals(name):
    spec = {"sin_": (), "eq_": (1,), "tril_": (), "index_fill_": (1, "I", -2.0), "clamp_min_": (0,)}[name]
    assert_same_outcome(lambda L: getattr(L.tensor(A, requires_grad=True), name)(*_args(L, spec)))
    assert_same_outcome(lambda L: getattr(L.tensor([[1, 2, 3], [4, 5, 6]]), name)(*_args(L, spec)))
    assert_same_outcome(lambda L: L.tensor([1, 2]).sin_())  # a float result can't be written into int64


def test_inplace_on_a_view_writes_the_base():
    def run(L):
        base = L.tensor(A, dtype=L.float64, requires_grad=True)
        y = base * 2
        y[0].floor_()
        y[:, 1].eq_(7.0)
        y.sum().backward()
        return y.detach(), base.grad
    assert_same_outcome(run)


def test_float_power_inplace_needs_double():
    assert_same_outcome(lambda L: L.ones(2).float_power_(2), message=True)
    assert_same_outcome(lambda L: L.ones(2, dtype=L.float64).float_power_(2))


INTROSPECT = [
    lambda L: L.ones(2, 3, 4).stride(), lambda L: L.ones(2, 3, 4).transpose(0, 2).stride(),
    lambda L: L.ones(2, 3).stride(1), lambda L: L.ones(2, 3).stride(-1), lambda L: L.ones(2, 3).stride(2),
    lambda L: L.tensor(1.0).stride(), lambda L: L.ones(4, 6)[::2, 1::3].stride(),
    lambda L: L.ones(2, dtype=L.float64).element_size(), lambda L: L.ones(2, dtype=L.int16).itemsize,
    lambda L: L.ones(2, 3, dtype=L.int32).nbytes, lambda L: L.ones(2, 3).nelement(), lambda L: L.ones(2, 3).ndimension(),
    lambda L: L.ones(2, 3, 4).mT, lambda L: L.ones(2, 3).mH, lambda L: L.ones(3).mT,
    lambda L: L.ones(2, dtype=L.int64).new(2, 3).shape, lambda L: L.ones(2, dtype=L.int64).new([1, 2]),
    lambda L: L.ones(2).new().shape, lambda L: L.ones(2).new(L.Size([3, 1])).shape,
    lambda L: L.ones(2).new(L.ones(3, dtype=L.int64)), lambda L: L.ones(2).new(L.tensor([1.0, 2])),
    lambda L: L.arange(6.0).resize_(2, 2), lambda L: L.arange(6.0).resize_(3, 2), lambda L: L.arange(6.0).resize_([1]),
    lambda L: L.arange(6.0).resize_(-1), lambda L: L.ones(2, requires_grad=True).resize_(3),
    lambda L: L.arange(6.0).resize_as_(L.ones(2, 1)), lambda L: L.arange(4.0).share_memory_(),
]


@pytest.mark.parametrize("i", range(len(INTROSPECT)))
def test_introspection(i):
    assert_same_outcome(INTROSPECT[i])


def test_data_ptr_retains_grad_and_resize_growth():
    x = miniconv.arange(6.0)
    v = x[2:]
    assert v.data_ptr() == x.data_ptr() + 2 * x.element_size()
    assert miniconv.ones(0).data_ptr() == 0 == torch.ones(0).data_ptr()
    for L in (miniconv, torch):
        a = L.ones(2, requires_grad=True)
        b = a * 2
        assert not b.retains_grad and not a.retains_grad
        b.retain_grad()
        assert b.retains_grad
    y = miniconv.arange(4.0)
    ver = y._version
    y.resize_(2, 3)  # grown: the first 4 elements kept, the new ones zero (PyTorch: uninitialised)
    assert y._version > ver
    assert y.shape == (2, 3) and y.flatten()[:4].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert y.flatten()[4:].tolist() == [0.0, 0.0]
    with miniconv.no_grad():  # PyTorch allows it without grad mode
        miniconv.ones(2, requires_grad=True).resize_(3)
