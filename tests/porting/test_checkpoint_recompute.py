"""torch.utils.checkpoint: gradients identical to running without checkpointing (dropout masks included, thanks
to the saved RNG state), the forward really runs under no_grad, and PyTorch's argument errors and warnings."""
import warnings

import numpy as np
import pytest

import miniconv
from miniconv.utils.checkpoint import checkpoint, checkpoint_sequential

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
W1 = rng.standard_normal((8, 4)).astype(np.float32)
W2 = rng.standard_normal((2, 8)).astype(np.float32)
X = rng.standard_normal((5, 4)).astype(np.float32)


def make(lib, p=0.0):
    m = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Dropout(p), lib.nn.Tanh(), lib.nn.Linear(8, 2))
    with lib.no_grad():
        m[0].weight.copy_(lib.tensor(W1))
        m[3].weight.copy_(lib.tensor(W2))
        m[0].bias.fill_(0.1)
        m[3].bias.fill_(-0.2)
    return m


def grads(m, x):
    return [p.grad.numpy().copy() for p in m.parameters()] + ([x.grad.numpy().copy()] if x.grad is not None else [])


@pytest.mark.parametrize("use_reentrant", [True, False])
@pytest.mark.parametrize("p", [0.0, 0.5])
def test_gradients_equal_plain_run(use_reentrant, p):
    m = make(miniconv, p)
    x = miniconv.tensor(X, requires_grad=True)
    miniconv.manual_seed(3)
    (m(x) ** 2).sum().backward()
    plain = grads(m, x)
    m.zero_grad()
    x.grad = None
    miniconv.manual_seed(3)
    out = checkpoint(m, x, use_reentrant=use_reentrant)
    assert out.grad_fn is not None
    (out ** 2).sum().backward()
    for a, b in zip(grads(m, x), plain):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_matches_pytorch_values_and_grads(use_reentrant):
    res = []
    for lib in (miniconv, torch):
        m = make(lib)
        x = lib.tensor(X, requires_grad=True)
        h = checkpoint(m[:3], x, use_reentrant=use_reentrant) if lib is miniconv else \
            torch.utils.checkpoint.checkpoint(m[:3], x, use_reentrant=use_reentrant)
        y = m[3](h)
        (y ** 2).mean().backward()
        res.append([y.detach().numpy()] + grads(m, x))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_forward_keeps_no_graph_inside_and_recomputes():
    calls = []

    def fn(x):
        calls.append(miniconv.is_grad_enabled())
        return (x * 2).sin()

    x = miniconv.tensor(X, requires_grad=True)
    y = checkpoint(fn, x, use_reentrant=False)
    assert calls == [False]  # the forward ran without recording
    y.sum().backward()
    assert calls == [False, True]  # recomputed with grad in backward
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(2 * X), rtol=1e-6)


def test_non_reentrant_parameters_only():
    """use_reentrant=False: an input that does not require grad still gives the parameters their gradients."""
    res = []
    for lib in (miniconv, torch):
        m = make(lib)
        cp = checkpoint if lib is miniconv else torch.utils.checkpoint.checkpoint
        y = cp(m, lib.tensor(X), use_reentrant=False)
        assert y.requires_grad
        y.sum().backward()
        res.append(grads(m, lib.zeros(1)))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_reentrant_without_grad_inputs_warns_like_pytorch():
    for lib, cp in ((miniconv, checkpoint), (torch, torch.utils.checkpoint.checkpoint)):
        m = make(lib)
        with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
            y = cp(m, lib.tensor(X), use_reentrant=True)
        assert not y.requires_grad


def test_errors_and_missing_use_reentrant_warning():
    for lib, cp in ((miniconv, checkpoint), (torch, torch.utils.checkpoint.checkpoint)):
        x = lib.tensor(X, requires_grad=True)
        with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
            cp(lib.sin, x)
        with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
            cp(lib.sin, x, use_reentrant=True, foo=1)
        with pytest.raises(ValueError, match="only supported when use_reentrant=False"):
            cp(lib.sin, x, use_reentrant=True, debug=True)


def test_kwargs_and_tuple_outputs_non_reentrant():
    def fn(a, b, scale=1.0):
        return a * b * scale, a + b

    res = []
    for lib in (miniconv, torch):
        cp = checkpoint if lib is miniconv else torch.utils.checkpoint.checkpoint
        a = lib.tensor(X, requires_grad=True)
        b = lib.tensor(X[::-1].copy(), requires_grad=True)
        u, v = cp(fn, a, b, use_reentrant=False, scale=3.0)
        (u.sum() + (v ** 2).sum()).backward()
        res.append((u.detach().numpy(), a.grad.numpy(), b.grad.numpy()))
    for x, y in zip(*res):
        np.testing.assert_allclose(x, y, rtol=1e-6)


def test_no_grad_mode_just_runs():
    with miniconv.no_grad():
        y = checkpoint(make(miniconv), miniconv.tensor(X), use_reentrant=False)
    assert not y.requires_grad


@pytest.mark.parametrize("use_reentrant", [True, False])
def test_checkpoint_sequential_matches_pytorch(use_reentrant):
    res = []
    for lib in (miniconv, torch):
        m = make(lib)
        x = lib.tensor(X, requires_grad=True)
        cs = checkpoint_sequential if lib is miniconv else torch.utils.checkpoint.checkpoint_sequential
        y = cs(m, 2, x, use_reentrant=use_reentrant)
        y.sum().backward()
        res.append([y.detach().numpy()] + grads(m, x))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_import_path():
    import miniconv.utils.checkpoint as cp_mod

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert miniconv.utils.checkpoint is cp_mod and cp_mod.checkpoint is checkpoint
