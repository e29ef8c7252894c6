"""The third batch: i0, polygamma, ldexp, nextafter, apply_/map_, the *_scatter functions, chain_matmul,
unravel_index, vander and the deprecated torch.range, compared with PyTorch."""
import warnings

import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

X = np.array([[0.5, 1.25, 2.0], [3.0, 0.75, 4.5]])


def _grads(fn, *arrays):
    def run(L):
        ts = [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]
        out = fn(L, *ts)
        w = L.tensor(np.linspace(0.5, 2.0, max(out.numel(), 1))[:out.numel()].reshape(tuple(out.shape)),
                     dtype=L.float64)
        (out * w).sum().backward()
        return (out.detach(),) + tuple(t.grad for t in ts)
    return run


GRAD = {
    "i0": (lambda L, x: L.i0(x), X), "polygamma0": (lambda L, x: L.polygamma(0, x), X),
    "polygamma1": (lambda L, x: L.polygamma(1, x), X), "polygamma3": (lambda L, x: x.polygamma(3), X),
    # non-negative exponents: PyTorch's ldexp gradient computes 2 ** other in integers (0 for other < 0)
    "ldexp": (lambda L, x: L.ldexp(x, L.tensor([[1, 0, 3], [0, 1, 2]])), X),
    "select_scatter": (lambda L, x, s: L.select_scatter(x, s, 1, -1), X, X[:, 0].copy()),
    "slice_scatter": (lambda L, x, s: L.slice_scatter(x, s, 1, 0, 3, 2), X, X[:, :2].copy()),
    "diagonal_scatter": (lambda L, x, s: L.diagonal_scatter(x, s, 1), X, X[0, :2].copy()),
    "chain_matmul": (lambda L, a, b, c: L.chain_matmul(a, b, c), X, X.T.copy(), X),
}


@pytest.mark.parametrize("name", sorted(GRAD))
def test_values_and_gradients(name):
    fn, *arrays = GRAD[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # chain_matmul's deprecation
        assert_same_outcome(_grads(fn, *arrays), rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda L: L.i0(L.tensor([0, 1, 2])), lambda L: L.polygamma(-1, L.tensor([1.0])), lambda L: L.polygamma(2, L.tensor([1, 2])),
    lambda L: L.ldexp(L.tensor([1, 2]), L.tensor([2, 3])), lambda L: L.ldexp(L.tensor([1.0], dtype=L.float64), L.tensor([-1])),
    lambda L: L.nextafter(L.tensor([1.0, 2.0]), L.tensor([2.0, 1.0])),
    lambda L: L.nextafter(L.tensor([1.0], dtype=L.float64), L.tensor([0.0], dtype=L.float64)),
    lambda L: L.nextafter(L.tensor([1]), L.tensor([2])),
    lambda L: L.ones(2, 3).apply_(lambda v: v * 2 + 1), lambda L: L.arange(4).map_(L.tensor([10, 20, 30, 40]), lambda a, b: a + b),
    lambda L: L.select_scatter(L.zeros(2, 3), L.ones(2), 0, 1), lambda L: L.diagonal_scatter(L.zeros(3, 3), L.ones(3)),
    lambda L: L.slice_scatter(L.zeros(4, 2), L.ones(2, 2), 0, 1, 4, 2),
    lambda L: L.unravel_index(L.tensor([5, 7, 0]), (2, 4)), lambda L: L.unravel_index(L.tensor(11), (3, 2, 2)),
    lambda L: L.unravel_index(L.tensor([8]), (2, 4)), lambda L: L.unravel_index(L.tensor([1.0]), (2, 4)),
    lambda L: L.vander(L.tensor([1, 2, 3])), lambda L: L.vander(L.tensor([1, 2, 3]), N=4, increasing=True),
    lambda L: L.vander(L.tensor([1.0, 2.0]), N=0), lambda L: L.vander(L.ones(2, 2)),
])
def test_edges(fn):
    assert_same_outcome(fn)


@pytest.mark.parametrize("args", [(0, 3), (1, 2, 0.5), (0.5, 2.0, 0.25), (3, 0, -1)])
def test_range_includes_end_and_warns(args):
    import miniconv
    for L in (miniconv, torch):
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            out = L.range(*args)
        if L is miniconv:
            mine = out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.range(*args)
    assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(mine.numpy(), theirs.numpy())


def test_vander_gradient():  # PyTorch's own vander backward fails (an in-place write it checks), so by formula
    import miniconv
    x = miniconv.tensor([0.5, 2.0, -1.5], dtype=miniconv.float64, requires_grad=True)
    miniconv.vander(x, 4).sum().backward()
    v = x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), 1 + 2 * v + 3 * v ** 2)


INPLACE_FUNCS = {
    "abs_": (), "relu_": (), "sigmoid_": (), "tanh_": (), "exp_": (), "sqrt_": (), "log1p_": (), "round_": (),
    "clamp_": (-0.5, 1.0), "clamp_min_": (0.1,), "clamp_max_": (0.1,), "fill_": (2.5,), "zero_": (),
    "nan_to_num_": (), "xlogy_": (2.0,), "logit_": (0.1,), "erfc_": (), "neg_": (), "square_": (), "deg2rad_": (),
}


@pytest.mark.parametrize("name", sorted(INPLACE_FUNCS))
def test_torch_namespace_inplace_functions(name):
    def run(L):
        x = L.tensor([[0.25, -0.5], [0.75, 0.125]], dtype=L.float64)
        assert getattr(L, name)(x, *INPLACE_FUNCS[name]) is x
        return x
    assert_same_outcome(run)
    assert_same_outcome(lambda L: getattr(L, name)([1.0], *INPLACE_FUNCS[name]))
