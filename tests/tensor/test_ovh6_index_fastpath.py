"""The per-op fast paths (ovh6): indexing with ints, slices, None and Ellipsis when nothing is recorded, item(),
grad mode's thread-local state and the version counter give the same values, dtypes, views, version counters and
errors as the general path and as PyTorch."""
import threading
import warnings

import numpy as np
import pytest

import miniconv
from tests.oracle import both, both_messages

torch = pytest.importorskip("torch")

KEYS = [0, -1, 2, (1, 2), (-3, -4), (slice(None), 0), (slice(1, 3), slice(None, None, 2)), (Ellipsis, 1),
        (None, 1), (1, None, slice(2, None)), slice(None), slice(1, None, 2), Ellipsis, None, (), (0, Ellipsis, 1),
        (slice(5, 9),), (slice(None), slice(2, 2)), (slice(None, None, 3), Ellipsis, None)]


def _base(lib, dtype="float32"):
    return (lib.arange(60) % 7).to(getattr(lib, dtype)).reshape(3, 4, 5)


@pytest.mark.parametrize("key", KEYS, ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "float16", "bool"])
def test_basic_keys_match_torch_and_the_general_path(key, dtype):
    x, tx = _base(miniconv, dtype), _base(torch, dtype)
    out, expected = x[key], tx[key]
    assert tuple(out.shape) == tuple(expected.shape) and str(out.dtype) == str(expected.dtype).replace("torch", "miniconv")
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    general = x._getitem(key)  # the path through ops.Index.apply
    assert general.shape == out.shape and general._data.strides == out._data.strides
    np.testing.assert_array_equal(general.numpy(), out.numpy())
    # a view as PyTorch's: the same version counter as the base, and writes through the base show in it
    root = x._base if x._base is not None else x  # (x is a view of arange's result)
    assert (out._base is root) == (general._base is root) == (out.numel() > 0)
    if out.numel():
        assert out._version_counter is x._version_counter
        x.zero_()
        tx.zero_()
        assert out._version == x._version == tx[key]._version == 1
        np.testing.assert_array_equal(out.numpy(), tx[key].numpy())


def test_view_of_view_and_version_counter_shared():
    for lib in (miniconv, torch):
        x = lib.arange(12.0).reshape(3, 4)
        v = x[1]
        w = v[2:]
        w.mul_(10)
        assert x._version == v._version == w._version == 1
        assert x.tolist()[1] == [4.0, 5.0, 60.0, 70.0]
        assert w._base is x._base and v._base is x._base


@pytest.mark.parametrize("mode", ["grad", "no_grad", "inference_mode"])
@pytest.mark.parametrize("key", [0, (1, 2), (slice(None), 0), (None, -1)], ids=repr)
def test_requires_grad_and_modes(mode, key):
    def run(lib):
        w = lib.arange(12.0).reshape(3, 4).requires_grad_()
        ctx = {"grad": lib.enable_grad, "no_grad": lib.no_grad, "inference_mode": lib.inference_mode}[mode]
        with ctx():
            y = w[key]
            y2 = w.detach()[key]
        out = [y.requires_grad, y.is_leaf, y2.requires_grad, None if y.grad_fn is None else y.grad_fn.name()]
        if y.requires_grad:
            (y * 2).sum().backward()
            out.append(w.grad.tolist())
        return out

    mine, theirs = both_messages(run)
    assert mine == theirs


def test_view_made_under_no_grad_refused_in_place_with_grad_on():
    def run(lib):
        w = lib.ones(3, 4, requires_grad=True)
        with lib.no_grad():
            v = w[0]
        v.mul_(2)

    mine, theirs = both_messages(run)
    assert mine == theirs and mine[0] == "RuntimeError"


def test_stale_view_regenerates_its_history():
    # a view made without grad, then its base gets a history in place: indexing the view takes the general path
    def run(lib):
        w = lib.ones(4, requires_grad=True)
        a = lib.zeros(3, 4)
        v = a[1]
        a.add_(w)
        y = v[2:]
        out = [y.requires_grad, y.grad_fn is not None]
        y.sum().backward()
        return out + [w.grad.tolist()]

    mine, theirs = both_messages(run)
    assert mine == theirs == [True, True, [0.0, 0.0, 1.0, 1.0]]


def test_profiler_still_sees_the_index_op():
    x = miniconv.arange(6.0).reshape(2, 3)
    with miniconv.profiler.profile() as prof:
        x[0]
    names = [e.name for e in prof.events()]
    assert any("index" in n.lower() or "select" in n.lower() for n in names), names


ERROR_KEYS = ["x[3]", "x[-4]", "x[0, 4]", "x[:, -5]", "x[1, 2, 3]", "x[..., 9]", "x[None, 3]", "x[True, 3]",
              "x[..., None, 7]", "x[:, None, ..., -9]", "x[:, :, 0]", "s[0]", "s[0:1]", "s[0, 0]", "s[..., 0]", "v[7]",
              "v[-6]", "x[0.5]", "x[1:2:0]", "x[::-1]", "x[L.tensor([0, 3])]", "x[:, L.tensor([4])]", "x[[0, 5]]",
              "x[L.tensor([[0], [1]]), L.tensor([5])]", "x[1, L.tensor([5])]", "x[3, L.tensor([0])]",
              "x[L.tensor(3)]", "x[L.tensor([True, False, True]), 5]", "x[L.tensor([1.0])]"]


@pytest.mark.parametrize("expr", ERROR_KEYS)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_index_errors_match_torch(expr, requires_grad):
    def run(L):
        x = L.arange(12.0).reshape(3, 4).requires_grad_(requires_grad)
        s, v = L.tensor(2.0, requires_grad=requires_grad), L.arange(5)
        return eval(expr, {"L": L, "x": x, "s": s, "v": v}).shape

    mine, theirs = both_messages(run)
    assert isinstance(theirs, tuple) and theirs[0] in ("IndexError", "ValueError")
    assert mine == theirs


@pytest.mark.parametrize("expr", ["x[m]", "x[mu8]", "x[m, 1]", "x[idx]", "x[idx, idx]", "x[:, idx]", "s[...]", "s[None]",
                                  "s[()]", "x[[0, 2]]", "x[1][idx]", "x[L.tensor(1)]", "x[True]", "x[False]"])
def test_advanced_and_0d_keys_match_torch(expr):
    def run(L):
        x = L.arange(12.0).reshape(3, 4)
        m, mu8 = L.tensor([True, False, True]), L.tensor([1, 0, 1], dtype=L.uint8)
        idx, s = L.tensor([2, 0, 2]), L.tensor(7.0)
        out = eval(expr, {"L": L, "x": x, "m": m, "mu8": mu8, "idx": idx, "s": s})
        return tuple(out.shape), out.tolist()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PyTorch's uint8-mask deprecation warning
        mine, theirs = both_messages(run)
    assert mine == theirs


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize("shape", [(), (1,), (1, 1, 1)])
def test_item_matches_torch(dtype, shape):
    def run(L):
        value = L.full(shape, 3.25 if dtype.startswith("float") else 3, dtype=getattr(L, dtype))
        if dtype == "bool":
            value = L.ones(shape, dtype=L.bool)
        out = value.item()
        return type(out).__name__, out

    mine, theirs = both_messages(run)
    assert mine == theirs


def test_item_of_many_elements_raises_as_torch():
    mine, theirs = both_messages(lambda L: L.ones(2, 3).item())
    assert mine == theirs


def test_grad_mode_is_per_thread_with_defaults():
    seen = {}

    def worker():
        seen["worker"] = (miniconv.is_grad_enabled(), miniconv.is_inference_mode_enabled())
        miniconv.set_grad_enabled(False)
        seen["worker_after"] = miniconv.is_grad_enabled()

    with miniconv.inference_mode():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        seen["main"] = (miniconv.is_grad_enabled(), miniconv.is_inference_mode_enabled())
    assert seen == {"worker": (True, False), "worker_after": False, "main": (False, True)}
    assert miniconv.is_grad_enabled() and not miniconv.is_inference_mode_enabled()


def test_version_counters_of_fresh_tensors_are_independent():
    for lib in (miniconv, torch):
        a, b = lib.zeros(3), lib.zeros(3)
        a.add_(1)
        a.add_(1)
        assert (a._version, b._version) == (2, 0)
        d = a.detach()
        d.add_(1)
        assert a._version == d._version == 3


@pytest.mark.parametrize("shapes", [((4, 4), (4, 4)), ((2, 3, 4), (4, 5)), ((3,), (3, 2)), ((2, 1, 3, 4), (5, 4, 2)),
                                    ((4,), (4,)), ((0, 3), (3, 2))])
def test_matmul_shapes_match_torch(shapes):
    # (miniconv's GEMM adds in its own order: the last bit may differ from PyTorch's)
    def run(L):
        a = L.arange(float(np.prod(shapes[0])), dtype=L.float64).reshape(shapes[0]) / 7
        b = L.arange(float(np.prod(shapes[1])), dtype=L.float64).reshape(shapes[1]) / 5
        return a @ b

    mine, theirs = both(run)
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-13, atol=0)
