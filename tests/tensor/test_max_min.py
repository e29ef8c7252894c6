"""max/min against another tensor: every spelling is ``maximum``/``minimum`` (PyTorch's semantics).

``x.max(y)``, ``miniconv.max(x, y)``, ``x.min(y)`` and ``miniconv.min(x, y)`` are compared with PyTorch:
values, and gradients where the inputs tie (PyTorch splits the gradient in half) or hold NaN (it
propagates, and both sides get the gradient).
"""
import numpy as np
import pytest

import miniconv as mc

torch = pytest.importorskip("torch")

A = np.array([[1.0, 2.0, np.nan, 4.0], [5.0, -1.0, 3.0, np.nan]])
B = np.array([[1.0, 3.0, 0.5, np.nan], [2.0, -1.0, np.nan, np.nan]])  # ties at (0, 0) and (1, 1)

SPELLINGS = {
    "x.max(y)": lambda lib, x, y: x.max(y),
    "lib.max(x, y)": lambda lib, x, y: lib.max(x, y),
    "x.maximum(y)": lambda lib, x, y: x.maximum(y),
    "lib.maximum(x, y)": lambda lib, x, y: lib.maximum(x, y),
    "x.min(y)": lambda lib, x, y: x.min(y),
    "lib.min(x, y)": lambda lib, x, y: lib.min(x, y),
    "x.minimum(y)": lambda lib, x, y: x.minimum(y),
    "lib.minimum(x, y)": lambda lib, x, y: lib.minimum(x, y),
    "broadcast row": lambda lib, x, y: lib.max(x, y[:1]),
    "broadcast min row": lambda lib, x, y: x.min(y[:1]),
}




@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(SPELLINGS))
def test_max_min_of_two_tensors_match_torch(name, dtype):
    fn = SPELLINGS[name]
    x = mc.tensor(A.astype(dtype), requires_grad=True)
    y = mc.tensor(B.astype(dtype), requires_grad=True)
    out = fn(mc, x, y)
    tx = torch.tensor(A.astype(dtype), requires_grad=True)
    ty = torch.tensor(B.astype(dtype), requires_grad=True)
    tout = fn(torch, tx, ty)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())  # NaN where torch has NaN
    w = np.arange(1.0, 1.0 + tout.numel()).reshape(tuple(tout.shape)).astype(dtype)
    (out * mc.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_array_equal(y.grad.numpy(), ty.grad.numpy())


def test_ties_split_the_gradient_and_nan_propagates():
    """The two behaviours that the former ``where(a >= b, a, b)`` spelling got wrong, asserted directly."""
    x = mc.tensor([1.0, float("nan")], requires_grad=True)
    y = mc.tensor([1.0, 0.0], requires_grad=True)
    out = x.max(y)
    assert np.isnan(out.detach().numpy()[1])
    out.sum().backward()
    assert x.grad.numpy()[0] == 0.5 and y.grad.numpy()[0] == 0.5


def test_every_spelling_records_the_same_function():
    x = mc.tensor(A, requires_grad=True)
    y = mc.tensor(B, requires_grad=True)
    assert {type(f(mc, x, y).grad_fn) for n, f in SPELLINGS.items() if "max" in n} == {type(x.maximum(y).grad_fn)}
    assert {type(f(mc, x, y).grad_fn) for n, f in SPELLINGS.items() if "min" in n} == {type(x.minimum(y).grad_fn)}


@pytest.mark.parametrize("lib", [mc, torch], ids=["miniconv", "torch"])
def test_max_min_with_a_non_tensor_other_raise_as_torch(lib):
    """``x.max(2.0)`` is not maximum: PyTorch reads the number as a dim and raises TypeError."""
    x = lib.tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        x.max(2.0)
    with pytest.raises(TypeError):
        x.min(2.0)
