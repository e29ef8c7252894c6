"""RMSNorm / F.rms_norm against PyTorch: values, gradients of input and weight, eps default, errors."""
import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,norm,kw", [
    ((1, 4), 4, {}), ((2, 3, 5), (5,), dict(eps=1e-3)), ((2, 3, 4), (3, 4), {}),
    ((3, 5), 5, dict(elementwise_affine=False)),
])
def test_rms_norm(shape, norm, kw, dtype):
    def fn(L):
        m = L.nn.RMSNorm(norm, dtype=getattr(L, dtype), **kw)
        if m.weight is not None:
            with L.no_grad():
                m.weight.copy_(L.tensor(np.random.default_rng(1).standard_normal(tuple(m.weight.shape))))
        x = L.tensor(np.random.default_rng(0).standard_normal(shape), dtype=getattr(L, dtype), requires_grad=True)
        y = m(x)
        (y * L.tensor(np.random.default_rng(2).standard_normal(shape), dtype=y.dtype)).sum().backward()
        return y.detach(), x.grad, (m.weight.grad if m.weight is not None else None), list(m.state_dict()), repr(m)
    assert_same_outcome(fn, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_rms_norm_functional_and_errors():
    assert_same_outcome(lambda L: L.nn.functional.rms_norm(
        L.tensor(np.random.default_rng(0).standard_normal((2, 3))), [3]), rtol=1e-12)
    assert_same_outcome(lambda L: L.nn.functional.rms_norm(L.ones(2, 3), [4]), message=True)
    assert_same_outcome(lambda L: L.nn.RMSNorm(4)(L.ones(2, 3)))
    # all-zero rows: eps (the dtype's machine epsilon by default) keeps the result finite
    assert_same_outcome(lambda L: L.nn.functional.rms_norm(L.zeros(2, 3), (3,)))
    assert_same_outcome(lambda L: L.nn.functional.rms_norm(L.ones(2, 3, 5), [3, 4]), message=True)
    assert_same_outcome(lambda L: L.nn.functional.rms_norm(L.ones(2, 3), [3], weight=L.ones(4)), message=True)
