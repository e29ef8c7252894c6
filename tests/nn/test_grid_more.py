"""affine_grid and grid_sample (the spatial-transformer ops) against PyTorch: values and gradients of the
input, the grid and theta, every padding mode, both interpolation modes, both align_corners; errors."""
import warnings

import numpy as np
import pytest

from oracle import assert_same_outcome, outcome

torch = pytest.importorskip("torch")


def assert_close_outcome(fn, rtol):
    import miniconv
    mine, theirs = outcome(fn, miniconv), outcome(fn, torch)
    if theirs[0] == "raise" or mine[0] == "raise":
        assert mine[:2] == theirs[:2], (mine, theirs)
        return
    for a, b in zip(mine[1], theirs[1]):
        assert a[:3] == b[:3], (a[:3], b[:3])
        scale = float(np.abs(b[3]).max()) if b[3].size else 0.0
        np.testing.assert_allclose(a[3], b[3], rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("sizes", [((1, 1, 3, 3), (1, 1, 3, 3)), ((2, 3, 5, 6), (2, 3, 4, 7))])
def test_affine_grid_then_grid_sample(sizes, align_corners, padding_mode, mode, dtype):
    in_size, out_size = sizes

    def fn(L):
        dt = getattr(L, dtype)
        rng = np.random.default_rng(0)
        theta = L.tensor(rng.standard_normal((in_size[0], 2, 3)) * 0.8, dtype=dt, requires_grad=True)
        x = L.tensor(rng.standard_normal(in_size), dtype=dt, requires_grad=True)
        grid = L.nn.functional.affine_grid(theta, out_size, align_corners=align_corners)
        y = L.nn.functional.grid_sample(x, grid, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        w = L.tensor(rng.standard_normal(tuple(y.shape)), dtype=dt)
        (y * w).sum().backward()
        return (grid.detach(), y.detach(), x.grad,
                theta.grad if theta.grad is not None else L.zeros(1, dtype=dt))
    assert_close_outcome(fn, 1e-5 if dtype == "float32" else 1e-12)


def test_grid_sample_free_grid_gradient():
    def fn(L):
        rng = np.random.default_rng(1)
        x = L.tensor(rng.standard_normal((2, 2, 4, 5)), requires_grad=True)
        g = L.tensor(rng.uniform(-1.3, 1.3, (2, 3, 3, 2)), requires_grad=True)
        y = L.nn.functional.grid_sample(x, g, align_corners=False)
        (y * y).sum().backward()
        return y.detach(), x.grad, g.grad
    assert_close_outcome(fn, 1e-5)


def test_align_corners_none_warns_as_pytorch():
    import miniconv
    for L in (miniconv, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            L.nn.functional.affine_grid(L.zeros(1, 2, 3), (1, 1, 2, 2))
        assert any("align_corners=False since 1.3.0" in str(w.message) for w in caught)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3, dtype=L.int64), (1, 1, 2, 2), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(1, 3, 3), (1, 1, 2, 2), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), (1, 1, 0, 2), align_corners=False),
    lambda L: L.nn.functional.affine_grid(L.zeros(1, 2, 3), (1, 2, 2), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 2, 2, 2), mode="cubic",
                                          align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 2, 2, 2), padding_mode="wrap",
                                          align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(1, 1, 2, 2), L.zeros(1, 2, 2, 3), align_corners=False),
    lambda L: L.nn.functional.grid_sample(L.ones(2, 1, 2, 2), L.zeros(1, 2, 2, 2), align_corners=False),
])
def test_errors(fn):
    assert_same_outcome(fn)
