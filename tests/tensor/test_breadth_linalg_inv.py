"""Matrix inverse, determinants, solve and matrix_power (values, gradients, errors) and the ``torch.conv2d``-style
aliases of the functional ops, compared with PyTorch."""
import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)
A = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
BA = RNG.standard_normal((2, 3, 3)) + 3 * np.eye(3)
NEG = np.array([[0.0, 1.0], [1.0, 0.0]])  # det -1


def _grads(fn, *arrays):
    def run(L):
        ts = [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]
        out = fn(L, *ts)
        out = out[1] if isinstance(out, tuple) else out
        w = L.tensor(np.linspace(0.5, 2.0, max(out.numel(), 1))[:out.numel()].reshape(tuple(out.shape)),
                     dtype=L.float64)
        (out * w).sum().backward()
        return (out.detach(),) + tuple(t.grad for t in ts)
    return run


GRAD = {
    "inverse": (lambda L, a: L.inverse(a), A), "inverse_batch": (lambda L, a: a.inverse(), BA),
    "linalg_inv": (lambda L, a: L.linalg.inv(a), BA), "det": (lambda L, a: L.det(a), A),
    "det_batch": (lambda L, a: L.linalg.det(a), BA), "det_neg": (lambda L, a: a.det(), NEG),
    "logdet": (lambda L, a: L.logdet(a), A), "slogdet": (lambda L, a: L.slogdet(a), BA),
    "slogdet_neg": (lambda L, a: L.linalg.slogdet(a), NEG),
    "solve_vec": (lambda L, a, b: L.linalg.solve(a, b), A, A[0]),
    "solve_mat": (lambda L, a, b: L.linalg.solve(a, b), BA, RNG.standard_normal((2, 3, 4))),
    "solve_bcast": (lambda L, a, b: L.linalg.solve(a, b), A, RNG.standard_normal((2, 3, 2))),
    "solve_right": (lambda L, a, b: L.linalg.solve(a, b, left=False), A, RNG.standard_normal((2, 3))),
    "matrix_power_neg": (lambda L, a: L.linalg.matrix_power(a, -2), A),
    "linalg_cross": (lambda L, a, b: L.linalg.cross(a, b), A, A.T.copy() + 1),
    "linalg_diagonal": (lambda L, a: L.linalg.diagonal(a, offset=1), BA),
}


@pytest.mark.parametrize("name", sorted(GRAD))
def test_values_and_gradients(name):
    fn, *arrays = GRAD[name]
    assert_same_outcome(_grads(fn, *arrays), rtol=1e-8)


@pytest.mark.parametrize("fn", [
    lambda L: L.inverse(L.ones(2, 3)), lambda L: L.inverse(L.ones(3)), lambda L: L.inverse(L.ones(2, 2, dtype=L.int64)),
    lambda L: L.inverse(L.zeros(2, 2)), lambda L: L.det(L.ones(2, 3)), lambda L: L.det(L.zeros(2, 2)),
    lambda L: L.logdet(L.tensor([[0.0, 1], [1, 0]])), lambda L: L.logdet(L.zeros(2, 2)),
    lambda L: L.linalg.solve(L.zeros(2, 2), L.ones(2)), lambda L: L.linalg.solve(L.eye(2), L.ones(3)),
    lambda L: L.inverse(L.eye(3, dtype=L.float32) * 2), lambda L: L.det(L.eye(3, dtype=L.float32) * 2),
])
def test_errors_and_dtypes(fn):
    assert_same_outcome(fn)


def test_functional_aliases_in_the_torch_namespace():
    x = RNG.standard_normal((2, 3, 6, 6)).astype(np.float32)
    w = RNG.standard_normal((4, 3, 3, 3)).astype(np.float32)
    assert_same_outcome(lambda L: L.conv2d(L.tensor(x), L.tensor(w), None, 1, 1), rtol=1e-4)
    assert_same_outcome(lambda L: L.max_pool2d(L.tensor(x), 2))
    assert_same_outcome(lambda L: L.conv1d(L.tensor(x[:, :, 0]), L.tensor(w[:, :, 0]), stride=2), rtol=1e-4)
    assert_same_outcome(lambda L: L.cosine_similarity(L.tensor(x[0]), L.tensor(x[1]), 0), rtol=1e-5)
    assert_same_outcome(lambda L: L.group_norm(L.tensor(x), 3), rtol=1e-4)
    assert_same_outcome(lambda L: L.conv_transpose2d(L.tensor(x), L.tensor(w.transpose(1, 0, 2, 3).copy())), rtol=1e-4)
