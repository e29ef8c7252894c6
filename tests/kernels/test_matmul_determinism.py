"""Tensor @ / matmul run in miniconv's OpenMP team (single-threaded BLAS per fixed block): the same
bits for 1, 2 and 3 threads, values and gradients as PyTorch's (issue 12)."""
import numpy as np
import pytest

import miniconv as mc

torch = pytest.importorskip("torch")

# (a shape, b shape): 1-D operands, 2-D, batched, broadcast batch dims, the x @ W fold, a shape large
# enough to be cut into several blocks (and to run on several threads), empty
SHAPES = [
    ((7,), (7,)),
    ((5,), (5, 3)),
    ((4, 5), (5,)),
    ((2, 3, 5), (5,)),
    ((5,), (2, 5, 3)),
    ((33, 17), (17, 9)),
    ((3, 130, 70), (70, 40)),
    ((2, 1, 20, 8), (3, 8, 6)),
    ((4, 20, 8), (1, 8, 70)),
    ((1, 8), (2, 3, 8, 70)),
    ((300, 64), (64, 200)),
    ((0, 5), (5, 3)),
    ((4, 0), (0, 3)),
]


def _run(a_np, b_np, n_threads):
    old = mc.get_num_threads()
    mc.set_num_threads(n_threads)
    try:
        a = mc.tensor(a_np, requires_grad=True)
        b = mc.tensor(b_np, requires_grad=True)
        out = a @ b
        g = np.cos(np.arange(out.numel(), dtype=a_np.dtype)).reshape(out.shape)
        out.backward(mc.tensor(g))
        return out._data.copy(), a.grad._data.copy(), b.grad._data.copy(), g
    finally:
        mc.set_num_threads(old)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_matmul_bit_identical_for_1_2_3_threads_and_matches_torch(sa, sb, dtype):
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(sa).astype(dtype)
    b_np = rng.standard_normal(sb).astype(dtype)
    runs = [_run(a_np, b_np, n) for n in (1, 2, 3)]
    for other in runs[1:]:
        for x, y in zip(runs[0][:3], other[:3]):
            assert x.dtype == y.dtype and x.shape == y.shape
            assert x.tobytes() == y.tobytes()  # bit for bit, -0.0 included
    out, ga, gb, g = runs[0]
    ta = torch.tensor(a_np, requires_grad=True)
    tb = torch.tensor(b_np, requires_grad=True)
    tout = ta @ tb
    tout.backward(torch.tensor(g))
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-10}
    assert out.shape == tuple(tout.shape) and out.dtype == dtype
    np.testing.assert_allclose(out, tout.detach().numpy(), **tol)
    np.testing.assert_allclose(ga, ta.grad.numpy(), **tol)
    np.testing.assert_allclose(gb, tb.grad.numpy(), **tol)


def test_functional_matmul_and_large_product_are_thread_independent():
    """miniconv.matmul is the same op; a 512x1024 product (7e-5 apart with NumPy's threaded BLAS
    before issue 12) gives one result for every thread count."""
    rng = np.random.default_rng(1)
    a_np = rng.standard_normal((512, 1024)).astype(np.float32)
    b_np = rng.standard_normal((1024, 256)).astype(np.float32)
    results = []
    old = mc.get_num_threads()
    try:
        for n in (1, 2, 3):
            mc.set_num_threads(n)
            results.append(mc.matmul(mc.tensor(a_np), mc.tensor(b_np))._data)
    finally:
        mc.set_num_threads(old)
    assert all(np.array_equal(results[0], r) for r in results[1:])
    np.testing.assert_allclose(results[0], (torch.tensor(a_np) @ torch.tensor(b_np)).numpy(), rtol=1e-4, atol=1e-3)


def test_integer_matmul_still_exact():
    a = np.arange(12, dtype=np.int64).reshape(3, 4)
    b = np.arange(8, dtype=np.int64).reshape(4, 2)
    out = mc.tensor(a) @ mc.tensor(b)
    assert out.dtype == mc.int64
    np.testing.assert_array_equal(out.numpy(), (torch.tensor(a) @ torch.tensor(b)).numpy())


def test_matmul_errors_match_torch():
    for sa, sb in [((3, 4), (5, 2)), ((2, 3, 4), (2, 5, 6)), ((3,), (4,))]:
        with pytest.raises(RuntimeError) as theirs:
            torch.randn(*sa) @ torch.randn(*sb)
        with pytest.raises(RuntimeError) as ours:
            mc.randn(*sa) @ mc.randn(*sb)
        assert type(ours.value) is type(theirs.value)
