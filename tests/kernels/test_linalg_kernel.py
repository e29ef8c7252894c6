"""The Linear layer's GEMM kernel (_linalg.pxi): against NumPy, same bits for any thread count."""
import numpy as np
import pytest

from miniconv import _kernels
from miniconv._config import blas_single_thread


def run(a, b, ta, tb, m, n, n_threads, dtype):
    c = np.full((m, n), np.nan, dtype)  # every element must be overwritten
    with blas_single_thread():
        _kernels.matmul_rows(a, b, c, ta, tb, n_threads)
    return c


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (5, 3, 7), (130, 17, 9), (256, 300, 32), (64, 0, 3), (0, 4, 5),
                                   (9, 13, 700), (40, 30, 1000)])
@pytest.mark.parametrize("ta,tb", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_matches_numpy_and_is_thread_count_independent(dtype, m, k, n, ta, tb):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    A = np.ascontiguousarray(a.T) if ta else a
    B = np.ascontiguousarray(b.T) if tb else b
    outs = [run(A, B, ta, tb, m, n, t, dtype) for t in (1, 2, 5)]
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(outs[0], a.astype(np.float64) @ b.astype(np.float64), rtol=tol, atol=tol)
    for o in outs[1:]:
        np.testing.assert_array_equal(o, outs[0])


def test_shape_mismatch_is_a_clear_error():
    a = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="shapes do not match"):
        _kernels.matmul_rows(a, np.zeros((5, 2), np.float32), np.zeros((3, 2), np.float32), False, False, 1)


def test_linear_layer_uses_it_and_keeps_gradients_exact():
    import miniconv as mc

    lin = mc.nn.Linear(300, 40)
    x = mc.randn(257, 300, requires_grad=True)
    y = lin(x)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() @ lin.weight.detach().numpy().T + lin.bias.detach().numpy(), rtol=1e-4, atol=1e-4)
    y.sum().backward()
    g = np.ones((257, 40), np.float32)
    np.testing.assert_allclose(x.grad.detach().numpy(), g @ lin.weight.detach().numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(lin.weight.grad.detach().numpy(), g.T @ x.detach().numpy(), rtol=1e-4, atol=1e-3)
