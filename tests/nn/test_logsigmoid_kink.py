"""F.logsigmoid / nn.LogSigmoid: one node named as PyTorch's, with its first and second derivatives
everywhere, including x = 0 (where a composite of min(x, 0) and |x| used to give 1 and 0 instead of 1/2 and
-1/4) and saturated inputs."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logsigmoid_values_and_derivatives(dtype):
    x0 = np.array([0.0, 1.0, -1.0, 40.0, -40.0, 1e-8, -1e-8, 100.0, -100.0], dtype=dtype)
    res = []
    for lib in (torch, miniconv):
        x = lib.from_numpy(x0.copy()).requires_grad_()
        y = lib.nn.LogSigmoid()(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        res.append((y.grad_fn.name(), y.detach().numpy(), g.detach().numpy(), gg.numpy()))
    assert res[1][0] == res[0][0] == "LogSigmoidBackward0"
    tol = 1e-6 if dtype == "float32" else 1e-13
    for a, b in zip(res[1][1:], res[0][1:]):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
