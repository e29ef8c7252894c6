"""affine_grid's base grid has PyTorch's exact bits. The spatial transformer tutorial initialises theta to
the identity, so every sampling point lies on a pixel centre, where grid_sample's bilinear gradient with
respect to the grid jumps between the left and the right difference: a coordinate one ulp below the
integer takes the other side. Grids and the gradients reaching theta are compared with PyTorch."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_identity_grid_bits(dtype, align_corners):
    for h, w in [(1, 1), (1, 7), (2, 3), (7, 8), (13, 28), (28, 28), (33, 64), (100, 129)]:
        grids = []
        for lib in (miniconv, torch):
            theta = lib.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=getattr(lib, dtype))
            grids.append(lib.nn.functional.affine_grid(theta, (1, 1, h, w), align_corners=align_corners).numpy())
        assert grids[0].dtype == grids[1].dtype
        np.testing.assert_array_equal(grids[0], grids[1], err_msg=f"{h}x{w}")


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("size", [(28, 28), (12, 20)])
def test_identity_theta_gradient(align_corners, padding_mode, size):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3) + size).astype(np.float32)
    th = np.tile(np.array([[1, 0, 0], [0, 1, 0]], np.float32), (2, 1, 1))
    res = []
    for lib in (miniconv, torch):
        theta = lib.tensor(th, requires_grad=True)
        inp = lib.tensor(x, requires_grad=True)
        grid = lib.nn.functional.affine_grid(theta, inp.size(), align_corners=align_corners)
        out = lib.nn.functional.grid_sample(inp, grid, padding_mode=padding_mode, align_corners=align_corners)
        (out * lib.tensor(x[:, ::-1].copy())).sum().backward()
        res.append([out.detach().numpy(), theta.grad.numpy(), inp.grad.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)


def test_stn_identity_init_training_step():
    """The tutorial's regressor: a zero weight and the identity as bias, one SGD step."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)
    feat = rng.standard_normal((4, 5)).astype(np.float32)
    res = []
    for lib in (miniconv, torch):
        fc = lib.nn.Linear(5, 6)
        fc.weight.data.zero_()
        fc.bias.data.copy_(lib.tensor([1, 0, 0, 0, 1, 0], dtype=lib.float))
        theta = fc(lib.tensor(feat)).view(-1, 2, 3)
        grid = lib.nn.functional.affine_grid(theta, (4, 1, 28, 28), align_corners=False)
        out = lib.nn.functional.grid_sample(lib.tensor(x), grid, align_corners=False)
        out.pow(2).mean().backward()
        res.append([fc.weight.grad.numpy(), fc.bias.grad.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
