"""ovh7's fast paths keep PyTorch's behaviour and miniconv's bits: a float32/float64 tensor combined with a Python
int or float (``Tensor._binary`` goes straight to the op, without ``_operand``'s and the broadcast/promotion checks)
and ``Sum``'s forward through ``np.add.reduce``. Compared with torch (values, dtypes, requires_grad, grad_fn names,
gradients, version counters, hooks, grad modes, errors) and bit for bit with miniconv's general path (the same number
given as a NumPy scalar, which still goes through ``_operand``)."""
import numpy as np
import pytest

import miniconv

from oracle import assert_same_outcome, both_messages

torch = pytest.importorskip("torch")

_BINARY = {
    "add": lambda x, n: x + n, "radd": lambda x, n: n + x, "sub": lambda x, n: x - n, "rsub": lambda x, n: n - x,
    "mul": lambda x, n: x * n, "rmul": lambda x, n: n * x, "div": lambda x, n: x / n, "rdiv": lambda x, n: n / x,
    "rpow": lambda x, n: n ** x, "add_m": lambda x, n: x.add(n), "sub_m": lambda x, n: x.sub(n),
    "mul_m": lambda x, n: x.mul(n),
}
_NUMBERS = [2, -3, 0.1, 1e300, 2 ** 40, -0.0]  # (2 ** 70: PyTorch raises OverflowError, miniconv not, before too)


def _data(L, dtype):
    return L.tensor([[0.5, -1.25, 3.0], [1e-3, 7.0, -2.0]], dtype=getattr(L, dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", sorted(_BINARY))
def test_number_fast_path_same_bits_as_general_path_and_torch(op, dtype):
    f = _BINARY[op]
    for n in _NUMBERS:
        x = _data(miniconv, dtype)
        fast = f(x, n)
        general = f(x, np.float64(n) if isinstance(n, float) else np.int64(n) if abs(n) < 2 ** 63 else np.float64(n))
        assert fast.dtype == general.dtype == x.dtype
        if isinstance(n, float) or abs(n) < 2 ** 63:
            np.testing.assert_array_equal(fast.numpy(), general.numpy())
        with np.errstate(all="ignore"):
            assert_same_outcome(lambda L: f(_data(L, dtype), n), rtol=2e-6)


@pytest.mark.parametrize("op", sorted(_BINARY))
def test_number_fast_path_graph_and_gradients_as_torch(op):
    f = _BINARY[op]

    def run(L):
        x = _data(L, "float32").requires_grad_()
        y = f(x, 1.5)
        names = (y.requires_grad, type(y.grad_fn).__name__, y.is_leaf, y._version)
        y.sum().backward()
        return names, x.grad

    (mn, mg), (tn, tg) = run(miniconv), run(torch)
    assert mn == tn
    np.testing.assert_allclose(mg.numpy(), tg.numpy(), rtol=1e-6)


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode", "no_requires_grad"])
def test_number_fast_path_without_recording(mode):
    def run(L):
        x = _data(L, "float64").requires_grad_(mode != "no_requires_grad")
        ctx = getattr(L, mode)() if mode != "no_requires_grad" else L.enable_grad()
        with ctx:
            y = x * 3 + 0.5
        # (an inference tensor's _version raises in PyTorch; miniconv's returns 0: not compared here)
        return y.requires_grad, y.grad_fn is None, y.is_leaf, y.detach().numpy().tolist(), (
            y._version if mode != "inference_mode" else None)

    assert run(miniconv) == run(torch)


def test_number_fast_path_hooks_versions_and_saved_tensor_hooks():
    def run(L):
        x = _data(L, "float32").requires_grad_()
        seen, packed = [], []
        with L.autograd.graph.saved_tensors_hooks(lambda t: packed.append(tuple(t.shape)) or t, lambda t: t):
            y = x * 2.0
            z = 3 - y
        y.register_hook(lambda g: seen.append(g.detach().numpy().tolist()))
        x.data.mul_(2)  # (x is not saved for x * 2.0: backward still runs)
        z.sum().backward()
        return seen, packed, x.grad.numpy().tolist(), y._version

    assert run(miniconv) == run(torch)


def test_number_fast_path_inplace_on_saved_operand_raises_as_torch():
    def run(L):
        x = _data(L, "float32").requires_grad_()
        y = x * 1
        w = y * 2.5  # does not save y: PyTorch keeps the number, not the tensor
        v = 2.5 ** y  # saves its result
        y.add_(1.0)
        w.sum().backward()
        v.mul_(2)
        v.sum().backward()
        return x.grad

    m, t = both_messages(lambda L: run(L).numpy().tolist())
    assert m == t


@pytest.mark.parametrize("n", [True, False])
def test_bool_number_keeps_general_path(n):
    assert_same_outcome(lambda L: _data(L, "float32") + n)
    assert_same_outcome(lambda L: _data(L, "float32") * n)
    assert_same_outcome(lambda L: L.tensor([1, 2], dtype=L.int32) + n)


def test_other_dtypes_keep_their_promotion():
    for dt in ["int32", "int64", "uint8", "float16", "bfloat16"]:
        for n in [2, 2.5, -1]:
            assert_same_outcome(lambda L: L.tensor([1, 2, 3]).to(getattr(L, dt)) * n, rtol=1e-2)
            assert_same_outcome(lambda L: L.tensor([1, 2, 3]).to(getattr(L, dt)) + n, rtol=1e-2)
            assert_same_outcome(lambda L: n - L.tensor([1, 2, 3]).to(getattr(L, dt)), rtol=1e-2)


def test_errors_unchanged():
    m, t = both_messages(lambda L: _data(L, "float32") - True)
    assert m == t
    m, t = both_messages(lambda L: _data(L, "float32") + "a")
    assert m[0] == t[0] == "TypeError"


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "uint8", "bool"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (0, False), (1, True), ((0, 1), False)])
def test_sum_add_reduce_same_bits_as_np_sum_and_torch(dtype, dim, keepdim):
    rng = np.random.default_rng(0)
    a = (rng.standard_normal((37, 11)) * 100).astype(dtype)
    x = miniconv.tensor(a)
    out = x.sum() if dim is None and not keepdim else x.sum(dim, keepdim) if dim is not None else x.sum(
        dim=(0, 1), keepdim=True)
    axis = dim if dim is not None else (None if not keepdim else (0, 1))
    if dtype == "float16":
        ref = np.sum(a, axis=axis, keepdims=keepdim, dtype=np.float32).astype(np.float16)
    else:
        ref = np.sum(a, axis=axis, keepdims=keepdim, dtype=np.int64 if a.dtype.kind in "biu" else None)
    np.testing.assert_array_equal(out.numpy(), ref)
    assert out.numpy().dtype == np.asarray(ref).dtype
    t = torch.tensor(a)
    tout = t.sum() if dim is None and not keepdim else t.sum(dim, keepdim) if dim is not None else t.sum(
        dim=(0, 1), keepdim=True)
    assert str(out.dtype).split(".")[-1] == str(tout.dtype).split(".")[-1]
    assert tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.numpy().astype(np.float64), tout.numpy().astype(np.float64), rtol=2e-3)


def test_sum_graph_as_torch():
    def run(L):
        x = _data(L, "float32").requires_grad_()
        s0, s1 = x.sum(), x.sum(1)
        (s0 + s1.sum()).backward()
        return type(s0.grad_fn).__name__, type(s1.grad_fn).__name__, x.grad.numpy().tolist(), round(s0.item(), 5)

    assert run(miniconv) == run(torch)


def _cell(L, kind, batch, hidden, seed=0):
    rng = np.random.default_rng(seed)
    cell = getattr(L.nn, kind)(5, hidden)
    with L.no_grad():
        for p in cell.parameters():
            p.copy_(L.tensor(rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))
    x = L.tensor(rng.standard_normal((batch, 5)).astype(np.float32), requires_grad=True)
    h = L.tensor(rng.standard_normal((batch, hidden)).astype(np.float32), requires_grad=True)
    c = L.tensor(rng.standard_normal((batch, hidden)).astype(np.float32), requires_grad=True)
    return cell, x, h, c


def _cell_step(L, kind, batch, hidden, grad_mode):
    cell, x, h, c = _cell(L, kind, batch, hidden)
    ctx = L.no_grad() if grad_mode == "no_grad" else L.enable_grad()
    with ctx:
        out = cell(x, (h, c)) if kind == "LSTMCell" else cell(x, h)
    outs = out if isinstance(out, tuple) else (out,)
    meta = [(o.requires_grad, o.grad_fn is None, tuple(o.shape), str(o.dtype).split(".")[-1]) for o in outs]
    grads = []
    if grad_mode == "grad":
        sum(o.pow(2).sum() for o in outs).backward()
        grads = [t.grad.numpy() for t in (x, h) + ((c,) if kind == "LSTMCell" else ())]
        grads += [p.grad.numpy() for p in cell.parameters()]
    return meta, [o.detach().numpy() for o in outs], grads


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
@pytest.mark.parametrize("grad_mode", ["grad", "no_grad"])
@pytest.mark.parametrize("batch,hidden", [(1, 32), (7, 8)])
def test_cell_step_as_torch(kind, grad_mode, batch, hidden):
    (mm, mv, mg), (tm, tv, tg) = (_cell_step(L, kind, batch, hidden, grad_mode) for L in (miniconv, torch))
    assert mm == tm
    for a, b in zip(mv + mg, tv + tg):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    assert len(mg) == len(tg)


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell"])
def test_cell_double_backward_as_torch(kind):
    # create_graph=True reads the inputs the forward kept for it (kept only while recording)
    def run(L):
        cell, x, h, c = _cell(L, kind, 3, 4)
        out = cell(x, (h, c))[1] if kind == "LSTMCell" else cell(x, h)
        (gx,) = L.autograd.grad(out.pow(2).sum(), x, create_graph=True)
        gx.pow(2).sum().backward()
        return h.grad.numpy(), cell.weight_hh.grad.numpy()

    for a, b in zip(run(miniconv), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
