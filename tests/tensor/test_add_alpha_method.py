"""Tensor.add / Tensor.sub with alpha (the method form, as in hand-written optimizer steps
``p.add(g, alpha=-lr)``), against torch: values, dtypes, gradients and errors."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _both(fn, *arrays, grad=False):
    out = []
    for lib in (miniconv, torch):
        ts = [lib.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        r = fn(lib, *ts)
        if grad:
            r.sum().backward()
            out.append((r.detach().numpy(), [t.grad.numpy() for t in ts if t.grad is not None]))
        else:
            out.append((r.numpy(), []))
    return out


@pytest.mark.parametrize("case", [
    lambda lib, a, b: a.add(b, alpha=2),
    lambda lib, a, b: a.add(b, alpha=-0.5),
    lambda lib, a, b: a.sub(b, alpha=3),
    lambda lib, a, b: a.add(other=b, alpha=0.25),
    lambda lib, a, b: a.add(b),
    lambda lib, a, b: a.sub(b),
    lambda lib, a, b: a.add(2, alpha=3),
    lambda lib, a, b: a.sub(1.5, alpha=2),
])
def test_add_sub_alpha_values_and_grads(case):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float32)
    (mv, mg), (tv, tg) = _both(case, a, b, grad=True)
    assert mv.dtype == tv.dtype
    np.testing.assert_allclose(mv, tv, rtol=1e-6, atol=1e-6)
    assert len(mg) == len(tg)
    for x, y in zip(mg, tg):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-6)


def test_add_alpha_integer_tensors():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    (mv, _), (tv, _) = _both(lambda lib, x, y: x.add(y, alpha=2), a, a)
    assert mv.dtype == tv.dtype
    np.testing.assert_array_equal(mv, tv)
    (mv, _), (tv, _) = _both(lambda lib, x, y: x.add(y.float(), alpha=2.5), a, a)
    assert mv.dtype == tv.dtype
    np.testing.assert_allclose(mv, tv)


@pytest.mark.parametrize("fn", [lambda x: x.add(x, alpha=2.5), lambda x: x.sub(x, alpha=0.5),
                                lambda x: x.add(3, alpha=1.5)])
def test_float_alpha_on_integer_tensors_raises(fn):
    msgs = []
    for lib in (miniconv, torch):
        with pytest.raises(RuntimeError) as e:
            fn(lib.ones(3, dtype=lib.int64))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
