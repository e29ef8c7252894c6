"""PyTorch's legacy constructor ``torch.Tensor(...)`` as public scripts use it: ``nn.Parameter(torch.Tensor(in, out))``
(pytorch/examples gcn), ``loss = torch.Tensor([0]); loss += l`` (char_rnn_generation), ``torch.Tensor(Size)``.
The same calls on both libraries, compared (dtype, shape, values, errors)."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _dt(t):
    return str(t.dtype).split(".")[-1]


@pytest.mark.parametrize("args", [
    ([0],), ([1.5, 2],), ([[1, 2], [3, 4]],), ((2, 3),), ([True, False],), ([],), (2, 3), (5,), (0,), (),
], ids=repr)
def test_constructor_forms_match_torch(args):
    t, m = torch.Tensor(*args), miniconv.Tensor(*args)
    assert _dt(m) == _dt(t) == "float32"
    assert tuple(m.shape) == tuple(t.shape)
    if t.numel() and not (len(args) and isinstance(args[0], int)):  # sizes: PyTorch's memory is uninitialized
        np.testing.assert_array_equal(m.numpy(), t.numpy())
    assert not m.requires_grad


def test_size_argument_and_zero_fill():
    m = miniconv.Tensor(miniconv.Size([2, 3]))
    assert tuple(m.shape) == tuple(torch.Tensor(torch.Size([2, 3])).shape) == (2, 3)
    assert not m.numpy().any()


def test_from_a_tensor_shares_memory_and_keeps_dtype():
    for lib in (torch, miniconv):
        x = lib.tensor([1, 2])
        y = lib.Tensor(x)
        assert _dt(y) == "int64" and y is not x
        y[0] = 7
        assert x.tolist() == [7, 2]


def test_default_dtype_is_followed():
    for lib in (torch, miniconv):
        lib.set_default_dtype(lib.float64)
        try:
            assert _dt(lib.Tensor([1])) == _dt(lib.Tensor(2)) == "float64"
        finally:
            lib.set_default_dtype(lib.float32)


@pytest.mark.parametrize("args", [(3.5,), ("ab",), (2, 3.0), (-1,), (2, -3)], ids=repr)
def test_errors_match_torch(args):
    with pytest.raises(Exception) as te:
        torch.Tensor(*args)
    with pytest.raises(Exception) as me:
        miniconv.Tensor(*args)
    assert type(me.value) is type(te.value)
    first = str(te.value).splitlines()[0]
    if "invalid combination" not in first:
        assert str(me.value) == str(te.value)


def test_parameter_of_legacy_tensor_and_accumulated_loss():
    """gcn's ``nn.Parameter(torch.Tensor(i, o))`` + init, and char_rnn_generation's accumulated loss."""
    grads = []
    for lib in (torch, miniconv):
        w = lib.nn.Parameter(lib.Tensor(3, 2))
        assert type(w) is lib.nn.Parameter and tuple(w.shape) == (3, 2) and w.requires_grad
        with lib.no_grad():
            w.copy_(lib.from_numpy(np.arange(6, dtype=np.float32).reshape(3, 2) / 10))
        loss = lib.Tensor([0])
        for i in range(3):
            loss += (w[i] ** 2).sum()
        loss.backward()
        grads.append((loss.item(), w.grad.numpy().copy(), _dt(loss)))
    assert grads[0][0] == pytest.approx(grads[1][0]) and grads[0][2] == grads[1][2]
    np.testing.assert_allclose(grads[1][1], grads[0][1])


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64, np.int64, np.uint8, np.bool_])
def test_tensor_ctor_converts_ndarray_to_default_dtype(np_dtype):
    """``torch.Tensor(ndarray)`` from user code: the default float dtype, memory shared only when the array
    already has it (RL scripts call ``torch.Tensor(state)`` on float64 NumPy states)."""
    arr = (np.arange(6).reshape(2, 3) % 2).astype(np_dtype)
    for default in ("float32", "float64"):
        torch.set_default_dtype(getattr(torch, default))
        miniconv.set_default_dtype(getattr(miniconv, default))
        try:
            t, m = torch.Tensor(arr), miniconv.Tensor(arr)
            assert str(m.dtype).split(".")[-1] == str(t.dtype).split(".")[-1] == default
            np.testing.assert_array_equal(m.numpy(), t.numpy())
            arr_before = arr.copy()
            arr.flat[0] = 1 - arr.flat[0]
            shares_t = bool(t.flatten()[0].item() != arr_before.flat[0])
            shares_m = bool(m.flatten()[0].item() != arr_before.flat[0])
            assert shares_m == shares_t
            arr.flat[0] = arr_before.flat[0]
        finally:
            torch.set_default_dtype(torch.float32)
            miniconv.set_default_dtype(miniconv.float32)
    with pytest.raises(TypeError):
        miniconv.Tensor(np.array(["a"]))
