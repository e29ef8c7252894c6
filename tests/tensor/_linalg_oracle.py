"""Shared by the test_linalg_decomp*.py files: run the same user code on miniconv and on PyTorch and compare
values, gradients and exceptions."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def rng(seed=0):
    return np.random.default_rng(seed)


def spd(r, *shape, dtype=np.float64):
    """Symmetric positive-definite matrices of shape (*shape[:-1], n, n)."""
    n = shape[-1]
    x = r.standard_normal(shape[:-1] + (n, n))
    return (x @ np.swapaxes(x, -1, -2) + n * np.eye(n)).astype(dtype)


def oracle(fn, *arrays, rtol=1e-6, atol=1e-8, grad=True):
    """``fn(lib, *tensors) -> (values, loss)`` on both libraries (float inputs require grad when ``grad``); the
    values and the gradients of ``loss`` with respect to the inputs must agree. Returns miniconv's values."""
    results = []
    for lib in (miniconv, torch):
        xs = [lib.tensor(a, requires_grad=grad and np.issubdtype(a.dtype, np.floating)) for a in arrays]
        vals, loss = fn(lib, *xs)
        if loss is not None:
            loss.backward()
        vals = [v.detach().numpy() if hasattr(v, "detach") else np.asarray(v) for v in vals]
        results.append((vals, [None if x.grad is None else x.grad.numpy() for x in xs]))
    (mv, mg), (tv, tg) = results
    assert len(mv) == len(tv)
    for k, (a, b) in enumerate(zip(mv, tv)):
        assert a.shape == b.shape, f"value {k}: shape {a.shape} vs {b.shape}"
        assert a.dtype == b.dtype, f"value {k}: dtype {a.dtype} vs {b.dtype}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"value {k}")
    for k, (a, b) in enumerate(zip(mg, tg)):
        assert (a is None) == (b is None), f"gradient {k}: {a} vs {b}"
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=rtol * 10, atol=atol * 10, err_msg=f"gradient {k}")
    return mv


def same_error(fn, *arrays):
    """``fn(lib, *tensors)`` raises on both libraries: the same exception class (miniconv's LinAlgError for
    PyTorch's) and the same message (its first line)."""
    errors = []
    for lib in (miniconv, torch):
        xs = [lib.tensor(a) for a in arrays]
        with pytest.raises(Exception) as info:
            fn(lib, *xs)
        errors.append(info.value)
    mine, theirs = errors
    if isinstance(theirs, torch.linalg.LinAlgError):
        assert isinstance(mine, miniconv.linalg.LinAlgError), repr(mine)
        assert isinstance(mine, RuntimeError)
    else:
        assert isinstance(mine, type(theirs)), f"{type(mine)} vs {type(theirs)}: {mine}"
    assert str(mine).split("\n")[0] == str(theirs).split("\n")[0], f"{mine!r} vs {theirs!r}"
    return mine


def gradcheck(fn, *arrays):
    """miniconv's gradcheck in float64 on ``fn(*tensors)``."""
    xs = [miniconv.tensor(np.ascontiguousarray(a, np.float64), requires_grad=True) for a in arrays]
    assert miniconv.autograd.gradcheck(fn, tuple(xs))
