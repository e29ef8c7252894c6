"""masked_fill / masked_fill_ with a 0-dim value tensor that requires grad: the value gets the sum
of the gradient where the mask is set, in its own dtype (PyTorch's MaskedFillBackward1), as
attention code does with a learned fill value; the same user code on both libraries, compared."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

MASK = [[True, False, True], [False, False, True]]


def _run(lib, inplace, value_dtype, mask_rows=2, x_shape=(2, 3)):
    x = lib.tensor(np.arange(6, dtype=np.float32).reshape(2, 3)[:x_shape[0], :x_shape[1]] - 2.0,
                   requires_grad=True)
    v = lib.tensor(1.5, dtype=value_dtype, requires_grad=True)
    m = lib.tensor(MASK[:mask_rows])
    w = lib.arange(6.0).reshape(2, 3)
    if inplace:
        y = (x * 1.0).masked_fill_(m, v)
    else:
        y = x.masked_fill(m, v)
    (y * w[:y.shape[0]]).sum().backward()
    names = [None if f is None else f.name() for f, _ in y.grad_fn.next_functions]
    return (y.detach().numpy().copy(), x.grad.numpy().copy(), v.grad.item(), str(v.grad.dtype).split(".")[-1],
            y.grad_fn.name(), names, str(y.dtype).split(".")[-1])


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("value_dtype", ["float32", "float64"])
def test_value_tensor_gets_its_gradient(inplace, value_dtype):
    ours = _run(miniconv, inplace, getattr(miniconv, value_dtype))
    theirs = _run(torch, inplace, getattr(torch, value_dtype))
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2:] == theirs[2:]


def test_mask_broadcasts_over_the_input():
    ours = _run(miniconv, False, miniconv.float32, mask_rows=1)
    theirs = _run(torch, False, torch.float32, mask_rows=1)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    assert ours[2:] == theirs[2:]


def test_functional_form_and_no_grad():
    for lib in (miniconv, torch):
        x = lib.zeros(2, 3, requires_grad=True)
        v = lib.tensor(2.0, requires_grad=True)
        m = lib.tensor(MASK)
        assert lib.masked_fill(x, m, v).grad_fn.name() == "MaskedFillBackward1"
        with lib.no_grad():
            assert x.masked_fill(m, v).grad_fn is None
        # a value tensor that needs no grad: still the tensor node; a Python number: the scalar node
        assert x.masked_fill(m, v.detach()).grad_fn.name() == "MaskedFillBackward1"
        assert x.masked_fill(m, 2.0).grad_fn.name() == "MaskedFillBackward0"
