"""Run the same user code on miniconv and on PyTorch and compare what happens.

``outcome(fn, lib)`` calls ``fn(lib)`` and returns ``("ok", value)`` with tensors turned into
``(dtype name, shape, values)``, or ``("raise", exception class name, message)``. ``assert_same_outcome``
compares the two libraries' outcomes: the same values, dtypes and shapes, or the same exception class
(and, when ``message=True``, the same message). NumPy's RuntimeWarnings are errors inside ``fn``:
miniconv must not warn where PyTorch is silent.
"""
import warnings

import numpy as np

import miniconv

try:
    import torch
except ImportError:  # callers use pytest.importorskip("torch") first
    torch = None


def _dtype_name(dt):
    return str(dt).replace("torch.", "").replace("miniconv.", "")


def _plain(value):
    if isinstance(value, (miniconv.Tensor,)) or (torch is not None and isinstance(value, torch.Tensor)):
        arr = value.detach().numpy() if torch is not None and isinstance(value, torch.Tensor) else value.numpy()
        return ("tensor", _dtype_name(value.dtype), tuple(value.shape), np.array(arr, copy=True))
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if torch is not None and isinstance(value, torch.Size):
        return tuple(value)
    if isinstance(value, (torch.dtype if torch is not None else (), )):
        return _dtype_name(value)
    if isinstance(value, (np.dtype, miniconv.dtype)):
        return _dtype_name(value)
    return value


def outcome(fn, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # NumPy's floating-point warnings
            return ("ok", _plain(fn(lib)))
    except Exception as e:  # noqa: BLE001 - the class is what is compared
        return ("raise", type(e).__name__, str(e))


def _equal(a, b, rtol):
    if isinstance(a, tuple) and a and a[0] == "tensor":
        if not (isinstance(b, tuple) and b and b[0] == "tensor"):
            return False
        if a[1] != b[1] or a[2] != b[2]:
            return False
        if a[3].dtype.kind in "fc":
            return np.allclose(a[3], b[3], rtol=rtol, atol=0, equal_nan=True)
        return np.array_equal(a[3], b[3])
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_equal(x, y, rtol) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    return a == b


def assert_same_outcome(fn, message=False, rtol=1e-6):
    """fn(lib) behaves the same with lib = miniconv and lib = torch."""
    mine, theirs = outcome(fn, miniconv), outcome(fn, torch)
    if theirs[0] == "raise":
        assert mine[0] == "raise", f"PyTorch raises {theirs[1]}: {theirs[2]!r}; miniconv returns {mine}"
        assert mine[1] == theirs[1], f"PyTorch raises {theirs[1]}: {theirs[2]!r}; miniconv {mine[1]}: {mine[2]!r}"
        if message:
            assert mine[2] == theirs[2], (mine[2], theirs[2])
        return mine
    assert mine[0] == "ok", f"PyTorch returns {theirs[1]}; miniconv raises {mine[1]}: {mine[2]!r}"
    assert _equal(mine[1], theirs[1], rtol), f"miniconv {mine[1]} != PyTorch {theirs[1]}"
    return mine


# -- the same code on both libraries, results compared loosely (tolerances, exception classes) -------------
LIBS = [miniconv, torch]


def both(fn):
    """Run ``fn(lib)`` on miniconv and torch; return the two results (or the two exceptions)."""
    out = []
    for lib in LIBS:
        try:
            out.append(fn(lib))
        except Exception as e:  # noqa: BLE001 - compared below
            out.append(e)
    return out


def both_messages(fn):
    """As ``both``, an exception given as (its class name, its message), so that results compare with ==."""
    return [(type(r).__name__, str(r)) if isinstance(r, Exception) else r for r in both(fn)]


def arr(x):
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if isinstance(x, miniconv.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def assert_same(fn, rtol=1e-6, atol=1e-7):
    m, t = both(fn)
    if isinstance(t, Exception) or isinstance(m, Exception):
        assert type(m) is type(t), f"miniconv: {m!r}  torch: {t!r}"
        return m, t
    ms = m if isinstance(m, (tuple, list)) else (m,)
    ts = t if isinstance(t, (tuple, list)) else (t,)
    assert len(ms) == len(ts)
    for a, b in zip(ms, ts):
        if b is None or isinstance(b, (bool, int, float)):
            assert a == b
        else:
            np.testing.assert_allclose(arr(a), arr(b), rtol=rtol, atol=atol)
    return m, t


def assert_close_outcome(fn, rtol):
    """As ``assert_same_outcome``; tensors compared to ``rtol`` relative to their largest element."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        mine, theirs = outcome(fn, miniconv), outcome(fn, torch)
    if theirs[0] == "raise" or mine[0] == "raise":
        assert mine[:2] == theirs[:2], (mine, theirs)
        return

    def check(a, b):
        if isinstance(b, tuple) and b and b[0] == "tensor":
            assert a[:3] == b[:3], (a[:3], b[:3])
            scale = float(np.abs(b[3]).max()) if b[3].size else 0.0
            np.testing.assert_allclose(a[3], b[3], rtol=rtol, atol=rtol * scale)
        elif isinstance(b, tuple):
            assert len(a) == len(b)
            for x, y in zip(a, b):
                check(x, y)
        else:
            assert a == b, (a, b)
    check(mine[1], theirs[1])


def first_and_second(lib, fn, X):
    """First and second derivatives of ``fn(lib, x)`` at ``X`` through ``lib.autograd.grad``: the gradient of
    the output weighted by a fixed ramp, then the gradient of that gradient along another fixed ramp."""
    x = lib.tensor(X, requires_grad=True)
    y = fn(lib, x)
    w = lib.tensor(np.linspace(0.5, 1.5, y.numel()).reshape(tuple(y.shape)))
    (g,) = lib.autograd.grad((y * w).sum(), x, create_graph=True)
    v = lib.tensor(np.linspace(-1, 1, X.size).reshape(X.shape))
    (gg,) = lib.autograd.grad((g * v).sum(), x)
    return g.detach().numpy(), gg.numpy()
