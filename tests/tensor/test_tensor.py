"""Tensor: creation, properties, every differentiable op against NumPy and gradcheck, errors, repr."""
import numpy as np
import pytest

import miniconv as mc
from miniconv.autograd import gradcheck


def t64(*shape):
    return mc.randn(*shape, dtype=mc.float64, requires_grad=True)


def pos64(*shape):
    return mc.tensor(np.random.default_rng(1).uniform(0.5, 2.0, shape), dtype=mc.float64, requires_grad=True)


# ---------------------------------------------------------------- creation
def test_creation_dtypes_follow_pytorch():
    assert mc.tensor([1.0, 2.0]).dtype == mc.float32
    assert mc.tensor([1, 2]).dtype == mc.int64
    assert mc.tensor([True]).dtype == mc.bool
    assert mc.tensor(np.zeros(2, np.float64)).dtype == mc.float64
    assert mc.zeros(2, 3).shape == (2, 3) and mc.zeros((2, 3)).shape == (2, 3)
    assert mc.ones(2, dtype=mc.float64).dtype == mc.float64
    assert mc.full((2,), 7.0).detach().numpy().tolist() == [7.0, 7.0]
    assert mc.empty(3).shape == (3,)
    assert mc.arange(5).detach().numpy().tolist() == [0, 1, 2, 3, 4] and mc.arange(5).dtype == mc.int64
    assert mc.arange(0, 1, 0.5).dtype == mc.float32
    assert mc.zeros_like(mc.ones(2, 2)).detach().numpy().sum() == 0
    assert mc.ones_like(mc.ones(2, 2, dtype=mc.float64)).dtype == mc.float64


def test_tensor_copies_from_numpy_shares():
    a = np.zeros(3, np.float32)
    t = mc.tensor(a)
    f = mc.from_numpy(a)
    a[0] = 5
    assert t.detach().numpy()[0] == 0 and f.detach().numpy()[0] == 5
    assert np.asarray(f) is a or np.shares_memory(np.asarray(f), a)
    assert f.numpy() is a


def test_manual_seed_reproducible():
    mc.manual_seed(123)
    a = mc.randn(5).detach().numpy().copy()
    b = mc.rand(5).detach().numpy().copy()
    mc.manual_seed(123)
    np.testing.assert_array_equal(a, mc.randn(5).detach().numpy())
    np.testing.assert_array_equal(b, mc.rand(5).detach().numpy())
    g = mc.Generator().manual_seed(7)
    x = mc.randn(4, generator=g).detach().numpy().copy()
    g.manual_seed(7)
    np.testing.assert_array_equal(x, mc.randn(4, generator=g).detach().numpy())
    assert mc.rand(1000).detach().numpy().min() >= 0 and mc.rand(1000).detach().numpy().max() < 1


def test_rng_state_roundtrip():
    state = mc.get_rng_state()
    a = mc.randn(3).detach().numpy().copy()
    mc.set_rng_state(state)
    np.testing.assert_array_equal(a, mc.randn(3).detach().numpy())


def test_creation_errors():
    with pytest.raises(TypeError, match="dtype"):
        mc.tensor(["a", "b"])
    with pytest.raises(TypeError, match="unsupported dtype"):
        mc.zeros(2, dtype=np.complex64)
    with pytest.raises(RuntimeError, match="negative dimension"):
        mc.ones(-1)
    with pytest.raises(RuntimeError, match="zeros: Dimension size must be non-negative"):  # PyTorch 2.13's own
        mc.zeros(-1)
    with pytest.raises(TypeError, match="tuple of ints"):  # PyTorch's wording (issue 9)
        mc.zeros(2.5)
    with pytest.raises(TypeError, match="from_numpy"):
        mc.from_numpy([1, 2])
    with pytest.raises(RuntimeError, match="device"):
        mc.zeros(2, device="cuda")


# ---------------------------------------------------------------- properties
def test_properties():
    x = mc.randn(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.dim() == 3 and x.ndim == 3 and x.numel() == 24 and len(x) == 2
    assert repr(x.shape) == "miniconv.Size([2, 3, 4])"
    assert mc.tensor([3.5]).item() == 3.5
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    assert x.T.shape == (4, 3, 2)
    assert x.float().dtype == mc.float32 and x.double().dtype == mc.float64 and x.long().dtype == mc.int64


def test_repr_like_pytorch():
    assert repr(mc.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mc.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    y = mc.tensor([1.0, 2.0], requires_grad=True) * 2
    assert repr(y) == "tensor([2., 4.], grad_fn=<MulBackward0>)"  # PyTorch's node name (issue 9)
    assert repr(mc.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mc.tensor([1.5], dtype=mc.float64)) == "tensor([1.5000], dtype=miniconv.float64)"  # as PyTorch
    assert repr(mc.tensor(0.12345678)) == "tensor(0.1235)"


# ---------------------------------------------------------------- ops vs numpy
BINARY = [
    ("add", lambda a, b: a + b, np.add),
    ("sub", lambda a, b: a - b, np.subtract),
    ("mul", lambda a, b: a * b, np.multiply),
    ("div", lambda a, b: a / b, np.divide),
]


@pytest.mark.parametrize("name,op,ref", BINARY)
def test_binary_ops_match_numpy_and_gradcheck(name, op, ref):
    a, b = t64(3, 4), pos64(4)  # broadcasting (3,4) with (4,)
    np.testing.assert_allclose(op(a, b).detach().numpy(), ref(a.detach().numpy(), b.detach().numpy()))
    assert gradcheck(op, (a, b))
    # with Python scalars on either side
    np.testing.assert_allclose(op(a, 2.0).detach().numpy(), ref(a.detach().numpy(), 2.0))
    np.testing.assert_allclose(op(2.0, b).detach().numpy(), ref(2.0, b.detach().numpy()))
    assert op(mc.randn(3), 2.0).dtype == mc.float32  # a Python float keeps float32


def test_pow_neg_matmul():
    a, b = pos64(3, 4), pos64(4, 2)
    np.testing.assert_allclose((a**2.5).detach().numpy(), a.detach().numpy()**2.5)
    assert gradcheck(lambda x: x**3, (t64(5),))
    assert gradcheck(lambda x, y: x**y, (pos64(4), t64(4)))
    assert gradcheck(lambda x: 2.0**x, (t64(4),))
    np.testing.assert_allclose((-a).detach().numpy(), -a.detach().numpy())
    assert gradcheck(lambda x: -x, (t64(3),))
    np.testing.assert_allclose((a @ b).detach().numpy(), a.detach().numpy() @ b.detach().numpy())
    assert gradcheck(lambda x, y: x @ y, (a, b))
    assert gradcheck(lambda x, y: x @ y, (t64(2, 3, 4), t64(4, 5)))  # batched
    assert gradcheck(lambda x, y: x @ y, (t64(4), t64(4, 2)))  # vector @ matrix
    assert gradcheck(lambda x, y: x @ y, (t64(3, 4), t64(4)))  # matrix @ vector
    assert gradcheck(lambda x, y: x @ y, (t64(4), t64(4)))  # dot


UNARY = [
    ("exp", lambda x: x.exp(), np.exp, t64),
    ("log", lambda x: x.log(), np.log, pos64),
    ("sqrt", lambda x: x.sqrt(), np.sqrt, pos64),
    ("tanh", lambda x: x.tanh(), np.tanh, t64),
    ("sigmoid", lambda x: x.sigmoid(), lambda v: 1 / (1 + np.exp(-v)), t64),
    ("relu", lambda x: x.relu(), lambda v: np.maximum(v, 0), t64),
    ("abs", lambda x: x.abs(), np.abs, t64),
    ("clamp", lambda x: x.clamp(-0.5, 0.5), lambda v: np.clip(v, -0.5, 0.5), t64),
    ("clamp_min", lambda x: x.clamp(min=0.1), lambda v: np.maximum(v, 0.1), t64),
]


@pytest.mark.parametrize("name,op,ref,make", UNARY)
def test_unary_ops_match_numpy_and_gradcheck(name, op, ref, make):
    x = make(3, 5)
    np.testing.assert_allclose(op(x).detach().numpy(), ref(x.detach().numpy()), rtol=1e-12)
    assert gradcheck(op, (x,))


def test_relu_float32_kernel_matches_numpy():
    x = mc.randn(1000, requires_grad=True)
    y = x.relu()
    np.testing.assert_array_equal(y.detach().numpy(), np.maximum(x.detach().numpy(), 0))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), (x.detach().numpy() > 0).astype(np.float32))


def test_sigmoid_stable_for_large_inputs():
    x = mc.tensor([-1000.0, 0.0, 1000.0])
    np.testing.assert_allclose(x.sigmoid().detach().numpy(), [0.0, 0.5, 1.0])


REDUCTIONS = [
    ("sum", lambda x: x.sum(), lambda v: v.sum()),
    ("sum1", lambda x: x.sum(1), lambda v: v.sum(1)),
    ("sum_keep", lambda x: x.sum(dim=(0, 2), keepdim=True), lambda v: v.sum((0, 2), keepdims=True)),
    ("mean", lambda x: x.mean(), lambda v: v.mean()),
    ("mean_neg", lambda x: x.mean(-1, keepdim=True), lambda v: v.mean(-1, keepdims=True)),
    ("var", lambda x: x.var(), lambda v: v.var(ddof=1)),
    ("var_dim", lambda x: x.var(1, unbiased=False), lambda v: v.var(1)),
    ("var_keep", lambda x: x.var((0, 1), keepdim=True), lambda v: v.var((0, 1), ddof=1, keepdims=True)),
    ("std", lambda x: x.std(0), lambda v: v.std(0, ddof=1)),
    ("max", lambda x: x.max(), lambda v: v.max()),
    ("max_dim", lambda x: x.max(1).values, lambda v: v.max(1)),
    ("max_keep", lambda x: x.max(2, keepdim=True)[0], lambda v: v.max(2, keepdims=True)),
    ("min_dim", lambda x: x.min(0).values, lambda v: v.min(0)),
]


@pytest.mark.parametrize("name,op,ref", REDUCTIONS)
def test_reductions_match_numpy_and_gradcheck(name, op, ref):
    x = t64(3, 4, 2)
    np.testing.assert_allclose(op(x).detach().numpy(), ref(x.detach().numpy()), rtol=1e-12)
    assert gradcheck(op, (x,))


def test_argmax_and_max_indices():
    x = mc.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert x.argmax().item() == 3
    assert x.argmax(1).detach().numpy().tolist() == [1, 0]
    assert x.argmax(1, keepdim=True).shape == (2, 1)
    v, i = x.max(dim=1)
    assert v.detach().numpy().tolist() == [5.0, 7.0] and i.detach().numpy().tolist() == [1, 0]


SHAPES = [
    ("reshape", lambda x: x.reshape(4, 6)),
    ("reshape_neg", lambda x: x.reshape(-1, 3)),
    ("view", lambda x: x.view(2, 12)),
    ("flatten", lambda x: x.flatten()),
    ("flatten1", lambda x: x.flatten(1)),
    ("permute", lambda x: x.permute(2, 0, 1)),
    ("transpose", lambda x: x.transpose(0, 2)),
    ("T", lambda x: x.T),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("unsqueeze_neg", lambda x: x.unsqueeze(-1)),
    ("squeeze", lambda x: x.unsqueeze(0).squeeze(0)),
    ("index", lambda x: x[1]),
    ("slice", lambda x: x[:, 1:3, ::2]),
    ("flip_then_index", lambda x: x.flip(0)[:, :, -1]),  # (x[::-1] is ValueError, as in PyTorch)
    ("fancy", lambda x: x[[0, 1, 0]]),
    ("mask", lambda x: x[x.detach().numpy() > 0]),
    ("expand", lambda x: x[:, :1, :].expand(2, 3, 4)),
]


@pytest.mark.parametrize("name,op", SHAPES)
def test_shape_ops_gradcheck(name, op):
    x = t64(2, 3, 4)
    assert gradcheck(op, (x,))


def test_shape_results_match_numpy():
    x = mc.randn(2, 3, 4)
    v = x.detach().numpy()
    np.testing.assert_array_equal(x.permute(2, 0, 1).detach().numpy(), v.transpose(2, 0, 1))
    np.testing.assert_array_equal(x[:, 1:3, ::2].detach().numpy(), v[:, 1:3, ::2])
    np.testing.assert_array_equal(x.flatten(1).detach().numpy(), v.reshape(2, 12))
    assert x.unsqueeze(1).shape == (2, 1, 3, 4) and x.unsqueeze(-1).shape == (2, 3, 4, 1)
    assert mc.zeros(1, 3, 1).squeeze().shape == (3,) and mc.zeros(1, 3, 1).squeeze(0).shape == (3, 1)


def test_repeated_fancy_index_accumulates():
    x = mc.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[mc.tensor([0, 0, 2])].sum().backward()
    assert x.grad.detach().numpy().tolist() == [2.0, 0.0, 1.0]


def test_cat_stack_where_gradcheck():
    a, b = t64(2, 3), t64(2, 2)
    assert gradcheck(lambda x, y: mc.cat([x, y], dim=1), (a, b))
    assert gradcheck(lambda x, y: mc.stack([x, y], dim=1), (t64(2, 3), t64(2, 3)))
    c = mc.tensor([True, False, True])
    assert gradcheck(lambda x, y: mc.where(c, x, y), (t64(3), t64(3)))


def test_cast_gradient_flows_back_in_source_dtype():
    x = mc.randn(3, requires_grad=True)
    y = x.double() * 2
    y.sum().backward()
    assert x.grad.dtype == mc.float32


def test_comparisons_return_bool():
    x = mc.tensor([1.0, 2.0, 3.0])
    assert (x > 1.5).detach().numpy().tolist() == [False, True, True]
    assert (x == mc.tensor([1.0, 0.0, 3.0])).dtype == mc.bool
    assert (x <= 2).detach().numpy().tolist() == [True, True, False]
    assert ((x > 1) & (x < 3)).detach().numpy().tolist() == [False, True, False]


def test_integer_tensor_promotion():
    i = mc.tensor([1, 2, 3])
    assert (i + 1).dtype == mc.int64
    assert (i * 1.5).dtype == mc.float32
    assert (i / 2).dtype == mc.float32
    assert (i + mc.tensor([0.5, 0.5, 0.5])).dtype == mc.float32


def test_float32_float64_promotes():
    assert (mc.ones(2) + mc.ones(2, dtype=mc.float64)).dtype == mc.float64


# ---------------------------------------------------------------- errors
def test_mismatched_shapes_error_names_sizes():
    with pytest.raises(RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"):
        mc.ones(3) + mc.ones(4)


def test_matmul_shape_error():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        mc.ones(2, 3) @ mc.ones(4, 5)


def test_bad_reshape_and_dims():
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        mc.ones(2, 3).reshape(4, 2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        mc.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="number of dimensions"):
        mc.ones(2, 3).permute(0, 1, 2)
    assert mc.tensor([1, 2]).exp().dtype == mc.float32  # integers promote, as in PyTorch (issue 9)
    with pytest.raises(RuntimeError, match="mean"):
        mc.tensor([1, 2]).mean()
    with pytest.raises(TypeError, match="unsupported operand"):
        mc.ones(2) + "a"
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mc.ones(2))
    with pytest.raises(IndexError, match="tensors used as indices"):
        mc.ones(3)[mc.tensor([0.5])]


def test_functional_forms():
    x = mc.randn(3, 4)
    np.testing.assert_allclose(mc.exp(x).detach().numpy(), np.exp(x.detach().numpy()))
    np.testing.assert_allclose(mc.sum(x, 1).detach().numpy(), x.detach().numpy().sum(1), rtol=1e-6)
    assert mc.max(x).item() == x.detach().numpy().max()
    assert mc.flatten(x).shape == (12,)


def test_numpy_refused_while_requiring_grad():
    x = mc.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert np.asarray(x).shape == (2,)
    assert x.detach().numpy().shape == (2,)


def test_setitem_and_clone():
    x = mc.zeros(3)
    x[1] = 5.0
    assert x.detach().numpy().tolist() == [0.0, 5.0, 0.0]
    y = mc.randn(3, requires_grad=True)
    z = y.clone()
    z.sum().backward()
    assert y.grad.detach().numpy().tolist() == [1.0, 1.0, 1.0]
    assert not np.shares_memory(z.detach().numpy(), y.detach().numpy())
