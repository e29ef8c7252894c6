"""binary_cross_entropy_with_logits ends in one node named as PyTorch's (the autograd basics tutorial prints
``Gradient function for loss = <BinaryCrossEntropyWithLogitsBackward0 ...>``), with PyTorch's values, input and
target gradients and second derivatives, for every reduction, with and without weight and pos_weight; weights
that require grad raise PyTorch's error; mixed float dtypes promote."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _data(lib, dtype, shape=(4, 5)):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 3
    x[0, :3] = [0.0, 40.0, -40.0]  # exactly 0 and saturated logits
    t = rng.uniform(0, 1, shape)
    return lib.from_numpy(x.astype(dtype)).requires_grad_(), lib.from_numpy(t.astype(dtype)).requires_grad_()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", ["none", "weight", "pos_weight", "both"])
def test_values_gradients_and_name(dtype, reduction, weighted):
    res = []
    for lib in (torch, miniconv):
        x, t = _data(lib, dtype)
        kw = {}
        if weighted in ("weight", "both"):
            kw["weight"] = lib.from_numpy(np.linspace(0.5, 2, 5).astype(dtype))
        if weighted in ("pos_weight", "both"):
            kw["pos_weight"] = lib.from_numpy(np.linspace(3, 0.2, 5).astype(dtype))
        loss = lib.nn.BCEWithLogitsLoss(reduction=reduction, **kw)(x, t)
        gx, gt = lib.autograd.grad(loss.sum(), (x, t), create_graph=True)
        ggx, ggt = lib.autograd.grad((gx * gx).sum() + (gt * gx).sum(), (x, t))
        res.append((loss.grad_fn.name(), loss.detach().numpy(), gx.detach().numpy(), gt.detach().numpy(),
                    ggx.numpy(), ggt.numpy()))
    assert res[1][0] == res[0][0] == "BinaryCrossEntropyWithLogitsBackward0"
    tol = 2e-6 if dtype == "float32" else 1e-12
    for a, b in zip(res[1][1:], res[0][1:]):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["weight", "pos_weight"])
def test_weights_cannot_require_grad(name):
    msgs = []
    for lib in (torch, miniconv):
        x, t = _data(lib, "float64")
        w = lib.from_numpy(np.linspace(0.5, 2, 5)).requires_grad_()
        with pytest.raises(RuntimeError) as e:
            lib.nn.functional.binary_cross_entropy_with_logits(x, t, **{name: w})
        msgs.append(str(e.value))
        with lib.no_grad():  # no graph, no error
            lib.nn.functional.binary_cross_entropy_with_logits(x, t, **{name: w})
    assert msgs[0] == msgs[1]


def test_mixed_float_dtypes_promote():
    res = []
    for lib in (torch, miniconv):
        x, _ = _data(lib, "float32")
        _, t = _data(lib, "float64")
        loss = lib.nn.functional.binary_cross_entropy_with_logits(x, t)
        loss.backward()
        res.append((loss.grad_fn.name(), loss.dtype == lib.float64, loss.item(), x.grad.numpy(), t.grad.numpy()))
    assert res[0][:2] == res[1][:2]
    for a, b in zip(res[0][2:], res[1][2:]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)
