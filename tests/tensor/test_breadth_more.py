"""The second batch of names scripts meet: inverse hyperbolic functions, isin/isposinf/isneginf, gcd/lcm,
nanmean, aminmax, trapezoid, fill_diagonal_, diagflat, addr, matrix_power, put/index_put, sum_to_size,
tril/triu_indices, legacy casts (byte/char/short), H, compared with PyTorch."""
import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(2)
M = RNG.standard_normal((3, 3)).round(3)


def _grads(fn, *arrays):
    def run(L):
        ts = [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]
        out = fn(L, *ts)
        out = out[0] if isinstance(out, tuple) else out
        w = L.tensor(np.linspace(0.5, 2.0, max(out.numel(), 1))[:out.numel()].reshape(tuple(out.shape)),
                     dtype=L.float64)
        (out * w).sum().backward()
        return (out.detach(),) + tuple(t.grad for t in ts)
    return run


GRAD = {
    "asinh": (lambda L, x: L.asinh(x), M), "acosh": (lambda L, x: x.acosh(), np.abs(M) + 1.5),
    "atanh": (lambda L, x: L.arctanh(x), M / 3), "nanmean": (lambda L, x: L.nanmean(x.log(), 1), np.abs(M) - 0.5),
    "aminmax_min": (lambda L, x: L.aminmax(x, dim=0).min, M), "aminmax_max": (lambda L, x: x.aminmax(dim=1).max, M),
    "trapezoid": (lambda L, y: L.trapezoid(y), M), "trapezoid_dx": (lambda L, y: L.trapz(y, dx=0.5, dim=0), M),
    "trapezoid_x": (lambda L, y, x: L.trapezoid(y, x), M, np.array([0.0, 0.5, 2.0])),
    "cumulative_trapezoid": (lambda L, y: L.cumulative_trapezoid(y, dim=0), M),
    "diagflat": (lambda L, x: L.diagflat(x, 1), M[:2, :2]), "addr": (lambda L, s, a, b: L.addr(s, a, b, alpha=2), M, M[0], M[1]),
    "matrix_power": (lambda L, x: L.matrix_power(x, 3), M), "matrix_power0": (lambda L, x: x.matrix_power(0), M),
    "put": (lambda L, x, s: L.put(x, L.tensor([0, 8, 4]), s), M, M[0]),
    "put_acc": (lambda L, x, s: x.put(L.tensor([0, 0, 4]), s, accumulate=True), M, M[0]),
    "index_put": (lambda L, x, v: L.index_put(x, (L.tensor([0, 2]), L.tensor([1, 1])), v), M, M[0, :2]),
    "index_put_acc": (lambda L, x, v: x.index_put((L.tensor([0, 0]),), v, accumulate=True), M, M[:2]),
    "sum_to_size": (lambda L, x: x.sum_to_size(1, 3), M), "fill_diagonal_": (lambda L, x: (x * 1).fill_diagonal_(2.5), M),
    "H": (lambda L, x: x.H, M), "rsub": (lambda L, x: L.rsub(x, 2.0, alpha=3), M),
}


@pytest.mark.parametrize("name", sorted(GRAD))
def test_values_and_gradients(name):
    fn, *arrays = GRAD[name]
    assert_same_outcome(_grads(fn, *arrays))


CASES = [
    lambda L: L.isin(L.tensor([1, 2, 3, 4]), L.tensor([2, 4])), lambda L: L.isin(L.tensor([1.0, 2]), L.tensor([2.0]), invert=True),
    lambda L: L.isposinf(L.tensor([1.0, float("inf"), -float("inf")])), lambda L: L.isneginf(L.tensor([1, 2])),
    lambda L: L.isreal(L.tensor([1.0, 2])), lambda L: L.gcd(L.tensor([12, -18, 0]), L.tensor([8, 12, 5])),
    lambda L: L.lcm(L.tensor([4, 6, 0], dtype=L.int32), L.tensor([6, 4, 3], dtype=L.int32)),
    lambda L: L.gcd(L.tensor([1.0]), L.tensor([2.0])), lambda L: L.gcd(L.tensor([1, 2]), L.tensor([1, 2, 3])),
    lambda L: L.nanmean(L.tensor([1, 2])), lambda L: L.nanmean(L.tensor([float("nan"), float("nan")])),
    lambda L: L.aminmax(L.tensor([])), lambda L: tuple(L.aminmax(L.tensor([3, 1, 2]))),
    lambda L: tuple(L.tensor([[3, 1], [0, 5]]).aminmax(dim=0, keepdim=True)),
    lambda L: L.trapezoid(L.ones(4, dtype=L.int64)), lambda L: L.trapezoid(L.tensor([])),
    lambda L: L.ones(3).fill_diagonal_(1), lambda L: L.ones(2, 3, 4).fill_diagonal_(1),
    lambda L: L.ones(3, 3, 3).fill_diagonal_(7), lambda L: L.ones(7, 3).fill_diagonal_(5, wrap=True),
    lambda L: L.ones(7, 3).fill_diagonal_(5), lambda L: L.ones(2, 5).fill_diagonal_(5, wrap=True),
    lambda L: L.ones(2, 2, requires_grad=True).fill_diagonal_(0),
    lambda L: L.matrix_power(L.ones(2, 3), 2), lambda L: L.matrix_power(L.ones(2, 2, 2, dtype=L.int64), 3),
    lambda L: L.addr(L.ones(2, 3), L.ones(2, 2), L.ones(3)), lambda L: L.diagflat(L.tensor(3.0)),
    lambda L: L.put(L.ones(3), L.tensor([3]), L.ones(1)), lambda L: L.put(L.ones(3), L.tensor([0, 1]), L.ones(1)),
    lambda L: L.put(L.ones(3), L.tensor([-1]), L.tensor([5.0])),
    lambda L: L.ones(2, 3).sum_to_size(3), lambda L: L.ones(2, 3).sum_to_size(2, 1), lambda L: L.ones(2, 3).sum_to_size(4, 3),
    lambda L: L.tril_indices(3, 4, 1), lambda L: L.tril_indices(4, 3, -1), lambda L: L.triu_indices(3, 5, 2),
    lambda L: L.triu_indices(0, 3), lambda L: L.tensor([1.5, -2.0, 300.0]).byte(), lambda L: L.tensor([1.5, -2.0]).char(),
    lambda L: L.tensor([1.5, -2.0]).short(), lambda L: L.ones(2, 2, 2).H, lambda L: L.ones(3).H,
    lambda L: L.select(L.arange(6).reshape(2, 3), 1, -1), lambda L: L.ones(2, 3).swapaxes_(0, 1).shape,
    lambda L: L.ones(2, 3).swapdims_(1, 0).shape, lambda L: L.ones(2).new_empty_strided((2, 3), (3, 1)).shape,
    lambda L: L.ones(3).asinh_(), lambda L: L.tensor([6, 4]).gcd_(L.tensor([4, 4])),
    lambda L: L.zeros(3).index_put_((L.tensor([0, 0]),), L.tensor(1.0), accumulate=True),
    lambda L: L.zeros(3).put_(L.tensor([2]), L.tensor([4.0])),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_edges_and_errors(i):
    assert_same_outcome(CASES[i])


def test_output_nr():
    import miniconv
    for L in (miniconv, torch):
        a = L.ones(4, requires_grad=True)
        assert a.output_nr == 0 and (a * 2).output_nr == 0  # miniconv's split/unbind are one node per part
