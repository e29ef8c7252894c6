"""``out=`` on the torch.* functions (the 60-minute blitz writes ``torch.add(x, y, out=result)`` and
``torch.matmul(t, t.T, out=y3)``): the same calls on both libraries, results and errors compared."""
import warnings

import numpy as np
import pytest

import miniconv
from miniconv._out import OUT_FUNCTIONS

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")

RNG = np.random.default_rng(0)
A = (RNG.random((3, 3)) + 0.5).astype(np.float32)
B = (RNG.random((3, 3)) + 0.5).astype(np.float32)
V = (RNG.random(3) + 0.5).astype(np.float32)

UNARY = [n for n in OUT_FUNCTIONS if n in (
    "exp log sqrt tanh sigmoid abs absolute neg negative sin cos tan floor ceil round trunc fix frac sign sgn "
    "reciprocal rsqrt erf erfc exp2 expm1 log2 log10 log1p sinh cosh atan arctan square tril triu").split()]
BINARY = [n for n in OUT_FUNCTIONS if n in (
    "add sub subtract mul multiply div divide true_divide matmul mm maximum minimum remainder fmod atan2 arctan2 "
    "floor_divide hypot xlogy logaddexp kron").split()]
REDUCE = ["prod", "amax", "amin", "logsumexp", "cumsum", "cumprod", "softmax", "log_softmax", "nansum", "nanmean"]


def _both(fn):
    """Run ``fn(lib)`` on both libraries: (result as array or exception class, message)."""
    out = []
    for lib in (torch, miniconv):
        try:
            r = fn(lib)
            out.append(("ok", np.asarray(r.numpy() if hasattr(r, "numpy") else r, dtype=np.float64)))
        except Exception as e:  # noqa: BLE001 - compared below
            out.append((type(e), str(e)))
    return out


@pytest.mark.parametrize("name", UNARY)
def test_unary_out_matches_torch(name):
    def run(lib):
        o = lib.empty(3, 3)
        r = getattr(lib, name)(lib.tensor(A), out=o)
        assert r is o
        return o

    (ta, tv), (ma, mv) = _both(run)
    assert ta == ma == "ok", (tv, mv)
    np.testing.assert_allclose(mv, tv, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", BINARY)
def test_binary_out_matches_torch(name):
    def run(lib):
        o = lib.zeros(3, 3)
        r = getattr(lib, name)(lib.tensor(A), lib.tensor(B), out=o)
        assert r is o
        return o

    (ta, tv), (ma, mv) = _both(run)
    assert ta == ma == "ok", (tv, mv)
    np.testing.assert_allclose(mv, tv, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", REDUCE)
def test_dim_functions_out_match_torch(name):
    def run(lib):
        o = lib.empty(0)
        return getattr(lib, name)(lib.tensor(A), 1, out=o)

    (ta, tv), (ma, mv) = _both(run)
    assert ta == ma == "ok", (tv, mv)
    np.testing.assert_allclose(mv, tv, rtol=1e-6, atol=1e-6)


def test_blitz_tensor_tutorial_lines():
    """The lines of 'Deep Learning with PyTorch: a 60 minute blitz' (tensor tutorial)."""
    res = []
    for lib in (torch, miniconv):
        x, y = lib.tensor(A), lib.tensor(B)
        result = lib.empty(5, 3)
        lib.add(x, y, out=result)
        t = lib.ones(4, 4)
        t[:, 1] = 0
        y3 = lib.rand_like(t)
        lib.matmul(t, t.T, out=y3)
        z3 = lib.rand_like(t)
        lib.mul(t, t, out=z3)
        res.append([result.numpy().copy(), y3.numpy().copy(), z3.numpy().copy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-6)


def test_out_of_more_argument_forms():
    for lib_fn in (
        lambda lib: lib.mv(lib.tensor(A), lib.tensor(V), out=lib.empty(3)),
        lambda lib: lib.dot(lib.tensor(V), lib.tensor(V), out=lib.empty(())),
        lambda lib: lib.outer(lib.tensor(V), lib.tensor(V), out=lib.empty(3, 3)),
        lambda lib: lib.bmm(lib.tensor(A)[None], lib.tensor(B)[None], out=lib.empty(1, 3, 3)),
        lambda lib: lib.addmm(lib.tensor(A), lib.tensor(A), lib.tensor(B), beta=0.5, out=lib.empty(3, 3)),
        lambda lib: lib.pow(lib.tensor(A), 2, out=lib.empty(3, 3)),
        lambda lib: lib.clamp(lib.tensor(A), 0.7, 1.2, out=lib.empty(3, 3)),
        lambda lib: lib.where(lib.tensor(A) > 1, lib.tensor(A), lib.tensor(B), out=lib.empty(3, 3)),
        lambda lib: lib.gather(lib.tensor(A), 1, lib.tensor([[0], [2], [1]]), out=lib.empty(3, 1)),
        lambda lib: lib.index_select(lib.tensor(A), 0, lib.tensor([2, 0]), out=lib.empty(2, 3)),
        lambda lib: lib.eq(lib.tensor(A), lib.tensor(A), out=lib.empty(3, 3, dtype=lib.bool)),
        lambda lib: lib.add(lib.tensor([1, 2]), 1, out=lib.empty(2)),  # int result into a float out
        lambda lib: lib.cumsum(lib.tensor(A), dim=0, out=lib.empty(3, 3, dtype=lib.float64)),
    ):
        (ta, tv), (ma, mv) = _both(lib_fn)
        assert ta == ma == "ok", (tv, mv)
        np.testing.assert_allclose(mv, tv, rtol=1e-6)


def test_tuple_out_sort_topk():
    res = []
    for lib in (torch, miniconv):
        v, i = lib.empty(0), lib.empty(0, dtype=lib.int64)
        r = lib.sort(lib.tensor(A), 1, out=(v, i))
        assert r[0] is v and r[1] is i and r.values is v
        v2, i2 = lib.empty(3, 2), lib.empty(3, 2, dtype=lib.int64)
        lib.topk(lib.tensor(A), 2, out=(v2, i2))
        res.append([v.numpy().copy(), i.numpy().copy(), v2.numpy().copy(), i2.numpy().copy()])
    for a, b in zip(*res):
        np.testing.assert_array_equal(b, a)


def test_out_resize_warns_as_torch():
    msgs = []
    for lib in (torch, miniconv):
        o = lib.zeros(5)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.add(lib.ones(2), 1, out=o)
        assert o.shape == (2,) and o.tolist() == [2.0, 2.0]
        msgs.append([str(x.message) for x in w])
    assert len(msgs[1]) == 1 and msgs[0][0].startswith(msgs[1][0])
    for lib in (torch, miniconv):  # an empty out is resized silently
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            o = lib.add(lib.ones(2), 1, out=lib.empty(0))
        assert o.shape == (2,)


@pytest.mark.parametrize("case", ["input_requires_grad", "out_requires_grad", "float_into_long", "not_a_tensor"])
def test_out_errors_match_torch(case):
    def run(lib):
        x = lib.ones(2, requires_grad=(case == "input_requires_grad"))
        o = {"out_requires_grad": lib.empty(2, requires_grad=True), "float_into_long": lib.empty(2, dtype=lib.int64),
             "not_a_tensor": [1.0, 2.0]}.get(case, lib.empty(2))
        return lib.add(x, 1, out=o)

    (tc, tm), (mc, mm) = _both(run)
    assert tc is mc and tc is not str, (tm, mm)
    assert tm == mm


def test_out_allowed_under_no_grad_and_result_detached():
    for lib in (torch, miniconv):
        x = lib.ones(2, requires_grad=True)
        o = lib.empty(2)
        with lib.no_grad():
            r = lib.mul(x, 3, out=o)
        assert r is o and not o.requires_grad and o.tolist() == [3.0, 3.0]


def test_out_bumps_version_and_may_alias_an_input():
    for lib in (torch, miniconv):
        x = lib.tensor([1.0, 2.0])
        v = x._version
        lib.add(x, x, out=x)
        assert x.tolist() == [2.0, 4.0] and x._version > v
