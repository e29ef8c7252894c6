"""Tutorials print their losses (``print(loss)`` -> ``tensor(1.3030, grad_fn=<MseLossBackward0>)``): mse_loss,
binary_cross_entropy (BCELoss) and nll_loss / cross_entropy end in one node named as PyTorch's, with PyTorch's
values, gradients (input and target) and, for mse_loss, second derivatives."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _data(lib, dtype, shape=(3, 5), low=None):
    rng = np.random.default_rng(0)
    if low is None:
        x, t = rng.standard_normal(shape), rng.standard_normal(shape)
    else:
        x, t = rng.uniform(low, 1 - low, shape), rng.uniform(0, 1, shape)
    return (lib.from_numpy(x.astype(dtype)).requires_grad_(), lib.from_numpy(t.astype(dtype)).requires_grad_())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(dtype, reduction):
    res = []
    for lib in (torch, miniconv):
        x, t = _data(lib, dtype)
        loss = lib.nn.MSELoss(reduction=reduction)(x, t)
        (gx,) = lib.autograd.grad(loss.sum(), x, create_graph=True)
        (ggt,) = lib.autograd.grad((gx * gx).sum(), t)  # a second derivative through the loss
        loss.sum().backward()
        res.append((loss.grad_fn.name(), loss.detach().numpy(), x.grad.numpy(), t.grad.numpy(), ggt.numpy()))
    assert res[1][0] == res[0][0] == "MseLossBackward0"
    tol = 1e-6 if dtype == "float32" else 1e-12
    for a, b in zip(res[1][1:], res[0][1:]):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_mse_loss_broadcast_and_empty_keep_pytorchs_results():
    """Different shapes broadcast (with PyTorch's warning) through the composite form; an empty mean is nan."""
    for lib in (torch, miniconv):
        with pytest.warns(UserWarning, match="different to the input size"):
            out = lib.nn.functional.mse_loss(lib.ones(2, 3), lib.zeros(3))
        assert out.item() == 1.0
        assert np.isnan(lib.nn.functional.mse_loss(lib.zeros(0), lib.zeros(0)).item())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    res = []
    for lib in (torch, miniconv):
        x, t = _data(lib, "float32", low=0.01)
        w = lib.from_numpy(np.linspace(0.5, 2, 5).astype(np.float32)) if weighted else None
        loss = lib.nn.BCELoss(weight=w, reduction=reduction)(x, t)
        loss.sum().backward()
        res.append((loss.grad_fn.name(), loss.detach().numpy(), x.grad.numpy(), t.grad.numpy()))
    assert res[1][0] == res[0][0] == "BinaryCrossEntropyBackward0"
    for a, b in zip(res[1][1:], res[0][1:]):
        np.testing.assert_allclose(a, b, rtol=2e-6, atol=1e-6)


def test_binary_cross_entropy_at_zero_and_one():
    """x exactly 0 or 1: the clamped logs give finite losses and PyTorch's finite gradients."""
    res = []
    for lib in (torch, miniconv):
        x = lib.tensor([0.0, 1.0, 0.0, 1.0, 0.5], requires_grad=True)
        t = lib.tensor([0.0, 1.0, 1.0, 0.0, 0.25])
        loss = lib.nn.functional.binary_cross_entropy(x, t)
        loss.backward()
        res.append((loss.item(), x.grad.tolist()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_and_cross_entropy_node_names(reduction):
    names = []
    for lib in (torch, miniconv):
        x = lib.from_numpy(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)).requires_grad_()
        t = lib.tensor([0, 2, 1, 2])
        names.append((lib.nn.functional.cross_entropy(x, t, reduction=reduction).grad_fn.name(),
                      lib.nn.NLLLoss(reduction=reduction)(lib.log_softmax(x, 1), t).grad_fn.name(),
                      repr(lib.nn.functional.nll_loss(x.log_softmax(1), t)).split("grad_fn=")[1]))
    assert names[1] == names[0]
