"""The cheaper per-op bookkeeping (ovh6) keeps PyTorch's behaviour: ops stay silent about floating-point
overflow and 0/0 whatever NumPy's error state (miniconv's cached errstate follows changes of that state, and never
changes the user's), dtype attributes, node defaults the engine reads, and hooks still firing."""
import threading
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _overflowing_ops(L):
    x = L.tensor([0.0, 1.0, 3e38], dtype=L.float32)
    return np.stack([(x / x).numpy(), (x * 10).numpy(), x.exp().numpy(), x.log().numpy()])


def _expected():
    """miniconv's results in NumPy's default error state (checked against PyTorch's: exp may differ in the last bit)."""
    with np.errstate(all="ignore"):
        mine = _overflowing_ops(miniconv)
    np.testing.assert_allclose(mine, _overflowing_ops(torch), rtol=2e-7)
    return mine


def _same(a, b):
    return np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("setting", ["default", "raise", "warn_errstate", "call"])
def test_ops_silent_under_any_numpy_error_state(setting):
    expected = _expected()
    old = np.geterr()
    calls = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            if setting == "raise":
                np.seterr(all="raise")
                assert _same(_overflowing_ops(miniconv), expected)
            elif setting == "warn_errstate":
                with np.errstate(all="warn"):
                    assert _same(_overflowing_ops(miniconv), expected)
                    assert np.geterr()["invalid"] == "warn"  # the user's state is back after each op
            elif setting == "call":
                with np.errstate(all="call", call=lambda *a: calls.append(a)):
                    assert _same(_overflowing_ops(miniconv), expected)
                    np.divide(np.zeros(1), np.zeros(1))  # the user's own NumPy call still reports
                assert len(calls) == 1
            else:
                assert _same(_overflowing_ops(miniconv), expected)
            # outside miniconv, the user's NumPy keeps its own settings
            assert np.geterr() == ({**old, **dict.fromkeys(old, "raise")} if setting == "raise" else old)
    finally:
        np.seterr(**old)


def test_numpy_error_state_is_per_thread_and_op_results_match():
    results = {}

    def worker(name, mode):
        with np.errstate(all=mode):
            results[name] = (_same(_overflowing_ops(miniconv), expected), np.geterr()["over"])

    expected = _expected()
    threads = [threading.Thread(target=worker, args=(f"t{i}", mode)) for i, mode in enumerate(["raise", "ignore", "warn"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"t0": (True, "raise"), "t1": (True, "ignore"), "t2": (True, "warn")}


def test_dtype_attributes_unchanged():
    for name in ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]:
        d = getattr(miniconv, name)
        npd = np.dtype(d._np)
        assert (d.kind, d.name, d.char, d.itemsize) == (npd.kind, npd.name, npd.char, npd.itemsize)
        assert d == d and not (d != d) and d != (miniconv.float64 if d is not miniconv.float64 else miniconv.float32)
        assert (d == npd) and not (d != npd)
        tname = str(getattr(torch, name)).replace("torch.", "")
        assert str(d).replace("miniconv.", "") == tname
        assert d.is_floating_point == getattr(torch, name).is_floating_point
        assert d.itemsize == getattr(torch, name).itemsize


def test_tensor_and_node_hooks_still_fire():
    for L in (miniconv, torch):
        seen = []
        x = L.ones(3, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: seen.append(("tensor", g.tolist())) or g * 3)
        y.grad_fn.register_prehook(lambda gs: seen.append(("pre", gs[0].tolist())))
        y.grad_fn.register_hook(lambda gi, go: seen.append(("post", gi[0].tolist())))
        y.sum().backward()
        assert seen == [("tensor", [1.0] * 3), ("pre", [3.0] * 3), ("post", [6.0] * 3)]
        assert x.grad.tolist() == [6.0] * 3


def test_custom_function_nodes_and_grad_mode_inside_forward():
    class Double(miniconv.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.inner_grad = miniconv.is_grad_enabled()
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = miniconv.ones(2, requires_grad=True)
    y = Double.apply(x)
    assert y.grad_fn.inner_grad is False and miniconv.is_grad_enabled()
    assert y.grad_fn._tensor_hooks is None and y.grad_fn._overwrites_grads is False
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
