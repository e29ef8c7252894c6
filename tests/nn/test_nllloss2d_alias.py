"""nn.NLLLoss2d, PyTorch's deprecated spelling of NLLLoss: the same losses and gradients, and the same warning."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402


def test_nllloss2d_warns_and_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5))
    t = rng.integers(0, 3, (2, 4, 5))
    out = []
    for L in (torch, miniconv):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss_fn = L.nn.NLLLoss2d(weight=L.tensor([1.0, 2.0, 0.5], dtype=L.float64), ignore_index=2)
        assert [type(w.message) for w in caught] == [FutureWarning]
        assert isinstance(loss_fn, L.nn.NLLLoss)
        xi = L.tensor(x, requires_grad=True)
        loss = loss_fn(L.log_softmax(xi, 1), L.tensor(t))
        loss.backward()
        out.append((float(loss), xi.grad.numpy(), str(caught[0].message)))
    assert out[0][2] == out[1][2]
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-12)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-10, atol=1e-14)
