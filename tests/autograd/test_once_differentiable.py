"""``torch.autograd.function.once_differentiable`` (used by the conv-bn fusion tutorial's custom Functions):
backward runs under no_grad, gradients match PyTorch's, and differentiating such a backward a second time
raises PyTorch's error (or, when nothing on the way requires grad, its 'does not require grad' error)."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def make(lib):
    once_differentiable = lib.autograd.function.once_differentiable

    class MulAdd(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, scale=2.0):
            ctx.save_for_backward(x, w)
            ctx.scale = scale
            return x * w * scale + x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            ctx.grad_on = lib.is_grad_enabled()
            return g * (w * ctx.scale + 1), g * x * ctx.scale, None, None  # a trailing extra None, as tutorials do

    return MulAdd


def _data(lib, seed=0):
    rng = np.random.default_rng(seed)
    x = lib.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = lib.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    return x, w


def test_first_order_gradients_and_no_grad_inside():
    res = []
    for lib in (miniconv, torch):
        f = make(lib)
        x, w = _data(lib)
        out = f.apply(x, w)
        out.pow(2).sum().backward()
        res.append([out.detach().numpy(), x.grad.numpy(), w.grad.numpy(), out.grad_fn is not None])
        assert lib.autograd.gradcheck(f.apply, _data(lib, 1))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_create_graph_without_grad_requiring_inputs():
    """grad(..., create_graph=True) with a plain incoming gradient: the result does not require grad."""
    res = []
    for lib in (miniconv, torch):
        f = make(lib)
        x, w = _data(lib)
        gx, = lib.autograd.grad(f.apply(x, w).sum(), x, create_graph=True)
        with pytest.raises(RuntimeError) as e:
            gx.sum().backward()
        res.append([gx.detach().numpy(), gx.requires_grad, str(e.value)])
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12)
    assert res[0][1:] == res[1][1:]


def test_differentiating_twice_raises():
    """With an incoming gradient that requires grad, the outputs carry a node whose backward raises."""
    res = []
    for lib in (miniconv, torch):
        f = make(lib)
        x, w = _data(lib)
        v = lib.ones(3, 4, dtype=lib.float64, requires_grad=True)
        out = f.apply(x, w)
        gx, gw = lib.autograd.grad(out, (x, w), grad_outputs=v, create_graph=True)
        assert gx.requires_grad and gw.requires_grad
        with pytest.raises(RuntimeError) as e:
            (gx.sum() + gw.sum()).backward()
        res.append([gx.detach().numpy(), gw.detach().numpy(), str(e.value)])
    for a, b in zip(res[0][:2], res[1][:2]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert res[0][2] == res[1][2]


def test_wraps_the_function():
    for lib in (miniconv, torch):
        f = make(lib)
        assert f.backward.__name__ == "backward"
        from_module = __import__(lib.__name__ + ".autograd.function", fromlist=["once_differentiable"])
        assert from_module.once_differentiable is lib.autograd.function.once_differentiable
