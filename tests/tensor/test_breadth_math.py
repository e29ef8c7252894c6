"""Special functions, two-operand elementwise functions, order statistics and counting, compared with PyTorch
(values, dtypes, gradients, errors) by running the same code on both libraries."""
import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).round(2)
P = RNG.uniform(0.05, 0.95, (3, 4)).round(3)
TIES = np.array([[3.0, 1, 2, 2, 7], [5, 5, 1, 0, 5], [4, 4, 4, 4, 4]])


def _f(L, a, dtype="float64", grad=False):
    return L.tensor(a, dtype=getattr(L, dtype), requires_grad=grad)


def _with_grad(fn, a, dtype="float64"):
    """fn(L, x) and the gradient of its sum with respect to x."""
    def run(L):
        x = _f(L, a, dtype, grad=True)
        out = fn(L, x)
        out = out[0] if isinstance(out, tuple) else out
        out.sum().backward()
        return out.detach(), x.grad
    return run


UNARY = {
    "erfc": (lambda L, x: L.erfc(x), A), "erfinv": (lambda L, x: x.erfinv(), P * 2 - 1),
    "lgamma": (lambda L, x: L.lgamma(x), A + 3), "digamma": (lambda L, x: x.digamma(), A + 3),
    "sinc": (lambda L, x: L.sinc(x), np.array([0.0, 0.5, -1.5, 2.25, 0.125])),
    "logit": (lambda L, x: L.logit(x), P), "logit_eps": (lambda L, x: x.logit(eps=0.2), P),
    "deg2rad": (lambda L, x: L.deg2rad(x), A), "rad2deg": (lambda L, x: x.rad2deg(), A),
    "nan_to_num": (lambda L, x: L.nan_to_num(x / (x - x.round())), np.array([1.0, -2.0, 0.5, 0.0])),
    "nan_to_num_args": (lambda L, x: x.log().nan_to_num(1.5, 7.0, -9.0), np.array([1.0, -2.0, 0.0, 3.0])),
    "logcumsumexp": (lambda L, x: L.logcumsumexp(x, 1), A * 30), "clamp_min": (lambda L, x: L.clamp_min(x, 0.1), A),
    "clamp_max": (lambda L, x: x.clamp_max(0.1), A), "positive": (lambda L, x: L.positive(x) * 2, A),
    "median_dim": (lambda L, x: L.median(x, 1).values, A), "median": (lambda L, x: x.median(), TIES),
    "median_keep": (lambda L, x: x.median(0, keepdim=True)[0], A), "kthvalue": (lambda L, x: L.kthvalue(x, 2, 1)[0], A),
    "mode": (lambda L, x: L.mode(x, 1)[0], TIES), "cummax": (lambda L, x: L.cummax(x, 1)[0], TIES),
    "cummin": (lambda L, x: x.cummin(0)[0], TIES), "quantile": (lambda L, x: L.quantile(x, 0.3, 1), A),
    "quantile_vec": (lambda L, x: x.quantile(L.tensor([0.1, 0.5, 0.9], dtype=L.float64), 0, keepdim=True), A),
    "quantile_all": (lambda L, x: x.quantile(0.75), A),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_gradients(name, dtype):
    fn, a = UNARY[name]
    assert_same_outcome(_with_grad(fn, a, dtype), rtol=1e-4 if dtype == "float32" else 1e-6)


@pytest.mark.parametrize("name", ["erfc", "erfinv", "lgamma", "digamma", "sinc", "deg2rad", "logit", "signbit", "sgn"])
@pytest.mark.parametrize("dtype", ["int64", "bool", "float32"])
def test_unary_dtypes_0d_and_empty(name, dtype):
    for vals in ([0, 1, 2], 1, []):
        assert_same_outcome(lambda L: getattr(L, name)(L.tensor(vals, dtype=getattr(L, dtype))))


BINARY = {
    "xlogy": lambda L, x, y: L.xlogy(x, y), "hypot": lambda L, x, y: L.hypot(x, y),
    "copysign": lambda L, x, y: x.copysign(y), "fmax": lambda L, x, y: L.fmax(x, y), "fmin": lambda L, x, y: x.fmin(y),
    "logaddexp": lambda L, x, y: L.logaddexp(x, y), "logaddexp2": lambda L, x, y: x.logaddexp2(y),
    "float_power": lambda L, x, y: L.float_power(x, y), "dist": lambda L, x, y: L.dist(x, y, 3),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_values_and_gradients(name):
    a = np.array([[0.0, 1.5, -2.0, np.nan], [3.0, -0.5, 0.0, 2.0]])
    b = np.array([[2.0, 0.0, -1.0, 1.0], [np.nan, 4.0, -0.0, 2.0]])

    def run(L):
        xa = np.abs(a) if name == "float_power" else np.nan_to_num(a) if name == "copysign" else a
        x, y = _f(L, xa, grad=True), _f(L, b, grad=True)  # copysign: the gradient at a NaN x is 0 here
        out = BINARY[name](L, x, y)
        out.sum().backward()
        return out.detach(), x.grad, y.grad
    assert_same_outcome(run)


@pytest.mark.parametrize("name", ["xlogy", "hypot", "copysign", "fmax", "fmin", "logaddexp", "float_power", "heaviside"])
@pytest.mark.parametrize("dtypes", [("int64", "int64"), ("int32", "float32"), ("float32", "float64"), ("bool", "uint8")])
def test_binary_dtypes(name, dtypes):
    assert_same_outcome(lambda L: getattr(L, name)(L.tensor([0, 1, 2], dtype=getattr(L, dtypes[0])),
                                                   L.tensor([1, 0, 3], dtype=getattr(L, dtypes[1]))))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                                  "bitwise_right_shift", "logical_xor"])
@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "int64", "float32"])
def test_bitwise(name, dtype):
    assert_same_outcome(lambda L: getattr(L, name)(L.tensor([0, 1, 5, 3], dtype=getattr(L, dtype)),
                                                   L.tensor([1, 1, 2, 0], dtype=getattr(L, dtype))))
    assert_same_outcome(lambda L: L.bitwise_not(L.tensor([0, 1, 5], dtype=getattr(L, dtype))))


def test_order_statistics_indices_point_at_the_values():
    x = torch.tensor(TIES)
    import miniconv
    m = miniconv.tensor(TIES)
    for name, args in (("median", (1,)), ("kthvalue", (3, 1)), ("mode", (1,)), ("cummax", (1,)), ("cummin", (1,))):
        mv, mi = getattr(m, name)(*args)
        tv, ti = getattr(x, name)(*args)
        np.testing.assert_array_equal(mv.numpy(), tv.numpy())
        d = 1
        np.testing.assert_array_equal(np.take_along_axis(TIES, mi.numpy().reshape(len(TIES), -1), d).reshape(
            mv.shape), mv.numpy())
    assert_same_outcome(lambda L: tuple(L.tensor([1.0, 3, 3, 2, 5]).cummax(0)))  # ties: the last index
    assert_same_outcome(lambda L: tuple(L.tensor([[1.0, 9, 3], [2, 2, 0]]).mode(1)))


@pytest.mark.parametrize("fn", [
    lambda L: L.tensor([1.0, float("nan"), 3]).median(), lambda L: L.tensor([1.0, float("nan"), 3]).nanmedian(),
    lambda L: L.tensor([[1.0, float("nan"), 3, 4], [2, 1, 0, 5]]).nanmedian(1).values,
    lambda L: L.tensor([[1.0, float("nan"), 3, 4], [2, 1, 0, 5]]).median(1).values,
    lambda L: L.tensor([[1.0, float("nan"), 3, 4], [2, 1, 0, 5]]).nanquantile(0.4, 1),
    lambda L: L.tensor([[1.0, float("nan"), 3, 4], [2, 1, 0, 5]]).quantile(0.4, 1),
    lambda L: L.tensor(5.0).median(), lambda L: tuple(L.tensor(5.0).median(0)),
    lambda L: L.tensor([]).median(), lambda L: L.tensor([1, 2]).quantile(0.5),
    lambda L: L.tensor([1.0, 2]).quantile(1.5), lambda L: L.tensor([1.0, 2]).kthvalue(3),
    lambda L: L.tensor([1.0, 5, 2, 4]).quantile(L.tensor([0.2, 0.7]), interpolation="lower"),
    lambda L: L.tensor([1.0, 5, 2, 4]).quantile(0.4, interpolation="higher"),
    lambda L: L.tensor([1.0, 5, 2, 4]).quantile(0.4, interpolation="nearest"),
    lambda L: L.tensor([1.0, 5, 2, 4]).quantile(0.4, interpolation="midpoint"),
    lambda L: L.tensor([1.0, 5, 2, 4]).quantile(0.4, interpolation="bad"),
])
def test_order_statistics_edges(fn):
    assert_same_outcome(fn)


@pytest.mark.parametrize("fn", [
    lambda L: L.unique(L.tensor([3, 1, 2, 3, 1])), lambda L: L.unique(L.tensor([3, 1, 7, 2, 3, 5]), sorted=False),
    lambda L: L.tensor([3, 1, 2]).median(), lambda L: L.tensor([3, 1, 2, 5], dtype=L.int32).median(),
    lambda L: tuple(L.tensor([[3, 1, 2], [0, 9, 4]]).median(1)), lambda L: L.tensor([True, False]).median(),
    lambda L: L.tensor([True, False]).kthvalue(1), lambda L: L.tensor([4, 1, 3]).quantile(0.5),
    lambda L: L.unique(L.tensor([3, 1, 2, 3, 1]), return_inverse=True, return_counts=True),
    lambda L: L.tensor([[1, 2], [1, 2], [0, 5]]).unique(dim=0, return_inverse=True, return_counts=True),
    lambda L: L.tensor([[1.0, 2], [3, 4]]).unique(return_inverse=True),
    lambda L: L.tensor([], dtype=L.int64).unique(return_counts=True),
    lambda L: L.unique_consecutive(L.tensor([1, 1, 2, 2, 3, 1, 1]), return_inverse=True, return_counts=True),
    lambda L: L.tensor([[1, 1], [1, 1], [2, 0]]).unique_consecutive(dim=0, return_counts=True),
    lambda L: L.histc(L.tensor([1.0, 2, 1, 4, 2.5]), bins=4, min=0, max=3),
    lambda L: L.histc(L.tensor([1.0, 2, 1, 4, 2.5]), bins=5),
    lambda L: L.histc(L.tensor([1, 2]), bins=5),
    lambda L: L.bincount(L.tensor([0, 3, 1, 3])), lambda L: L.bincount(L.tensor([0, 3, 1]), minlength=6),
    lambda L: L.bincount(L.tensor([0, 3, 1]), weights=L.tensor([0.5, 1.0, 2.0])),
    lambda L: L.bincount(L.tensor([0, -1])), lambda L: L.bincount(L.tensor([], dtype=L.int64)),
    lambda L: L.cov(L.tensor([[1.0, 2, 4], [0, 5, 1]])), lambda L: L.cov(L.tensor([1.0, 2, 4, 7])),
    lambda L: L.cov(L.tensor([[1.0, 2, 4], [0, 5, 1]]), correction=0, fweights=L.tensor([1, 2, 1])),
    lambda L: L.cov(L.tensor([[1.0, 2, 4], [0, 5, 1]]), aweights=L.tensor([0.5, 1.0, 2.0])),
    lambda L: L.corrcoef(L.tensor([[1.0, 2, 4], [0, 5, 1], [3, 3, 1]])),
])
def test_counting_and_covariance(fn):
    assert_same_outcome(fn)


def test_cov_gradient():
    assert_same_outcome(_with_grad(lambda L, x: L.cov(x), A))
    assert_same_outcome(_with_grad(lambda L, x: L.corrcoef(x), A))


def test_constants_finfo_iinfo_and_flags():
    import miniconv
    for name in ("pi", "e", "inf", "newaxis"):
        assert getattr(miniconv, name) == getattr(torch, name)
    assert miniconv.nan != miniconv.nan
    for dt in ("float32", "float64"):
        f, g = miniconv.finfo(getattr(miniconv, dt)), torch.finfo(getattr(torch, dt))
        for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
            assert getattr(f, attr) == getattr(g, attr), attr
        assert repr(f) == repr(g)
    for dt in ("uint8", "int8", "int16", "int32", "int64"):
        f, g = miniconv.iinfo(getattr(miniconv, dt)), torch.iinfo(getattr(torch, dt))
        assert (f.bits, f.max, f.min, f.dtype) == (g.bits, g.max, g.min, g.dtype)
    assert_same_outcome(lambda L: L.finfo(L.int32))
    assert_same_outcome(lambda L: L.iinfo(L.float32))
    assert miniconv.finfo().eps == torch.finfo().eps
    for a in ("bool", "uint8", "int64", "float32"):
        for b in ("bool", "int32", "float64"):
            assert miniconv.can_cast(getattr(miniconv, a), getattr(miniconv, b)) == torch.can_cast(
                getattr(torch, a), getattr(torch, b))
    assert not miniconv.are_deterministic_algorithms_enabled()
    miniconv.use_deterministic_algorithms(True, warn_only=True)
    try:
        assert miniconv.are_deterministic_algorithms_enabled()
        assert miniconv.is_deterministic_algorithms_warn_only_enabled()
    finally:
        miniconv.use_deterministic_algorithms(False)
    s = miniconv.seed()
    assert miniconv.initial_seed() == s
    a = miniconv.rand(3)
    miniconv.manual_seed(s)
    assert np.array_equal(miniconv.rand(3).numpy(), a.numpy())
    miniconv.manual_seed(5)
    assert miniconv.initial_seed() == 5
