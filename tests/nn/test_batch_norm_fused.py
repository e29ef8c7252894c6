"""Batch norm's channel-by-channel training kernels (``_kernels.batch_norm_forward_train`` and
``batch_norm_backward_train``): the same bits as the separate kernels plus the NumPy coefficient
expressions they replace (outputs, running statistics, input/weight/bias gradients, the in-place
gradient case), the same bits for 1, 2 and 3 threads, and values and gradients equal to torch's."""
import numpy as np
import pytest

import miniconv
from miniconv import _kernels
from miniconv.nn.functional import normalization

torch = pytest.importorskip("torch")


def _run(lib, x0, g0, affine, threads=None, fused=None, monkeypatch=None):
    """Forward + backward of a training BatchNorm on x0 with upstream gradient g0 (a ReLU after it, so
    the engine hands BN an array only it holds and dL/dx overwrites it); returns every result."""
    if monkeypatch is not None and fused is not None:
        monkeypatch.setattr(normalization, "_fused", lambda c, n: fused)
    old = miniconv.get_num_threads()
    if threads is not None:
        miniconv.set_num_threads(threads)
    try:
        C = x0.shape[1]
        bn = (lib.nn.BatchNorm2d if x0.ndim == 4 else lib.nn.BatchNorm1d)(C, affine=affine)
        bn = bn.double() if x0.dtype == np.float64 else bn
        if affine:
            with lib.no_grad():
                bn.weight.copy_(lib.from_numpy(np.linspace(0.5, 1.5, C).astype(x0.dtype)))
                bn.bias.copy_(lib.from_numpy(np.linspace(-0.2, 0.3, C).astype(x0.dtype)))
        x = lib.from_numpy(x0.copy()).requires_grad_(True)
        y = bn(x)
        (y.relu() * lib.from_numpy(g0)).sum().backward()
        out = [y.detach().numpy().copy(), x.grad.numpy().copy(), bn.running_mean.numpy().copy(),
               bn.running_var.numpy().copy()]
        if affine:
            out += [bn.weight.grad.numpy().copy(), bn.bias.grad.numpy().copy()]
        return out
    finally:
        miniconv.set_num_threads(old)


SHAPES = [(4, 16, 8, 8), (3, 40, 5, 7), (64, 64, 4, 4), (5, 24), (6, 32, 9)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_fused_same_bits_as_separate_kernels_any_threads(dtype, shape, affine, monkeypatch):
    rng = np.random.default_rng(sum(shape))
    x0 = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    g0 = rng.standard_normal(shape).astype(dtype)
    want = _run(miniconv, x0, g0, affine, threads=1, fused=False, monkeypatch=monkeypatch)
    for threads in (1, 2, 3):
        got = _run(miniconv, x0, g0, affine, threads=threads, fused=True, monkeypatch=monkeypatch)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b, err_msg=f"{threads} threads")


@pytest.mark.parametrize("shape", [(8, 64, 16, 16), (16, 128, 8, 8)])
def test_default_path_matches_torch(shape):
    rng = np.random.default_rng(0)
    x0 = (rng.standard_normal(shape) * 2 - 0.5).astype(np.float32)
    g0 = rng.standard_normal(shape).astype(np.float32)
    ours = _run(miniconv, x0, g0, True)
    theirs = _run(torch, x0, g0, True)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_kernels_check_shapes():
    x = np.zeros((2, 3, 4), np.float32)
    c = np.zeros(3)
    with pytest.raises(ValueError, match="batch_norm_forward_train: weight has shape"):
        _kernels.batch_norm_forward_train(x, np.zeros(2), c, 1e-5, c.copy(), c.copy(), c.copy(), x.copy(), 1)
    with pytest.raises(ValueError, match="batch_norm_forward_train: out has shape"):
        _kernels.batch_norm_forward_train(x, c, c, 1e-5, c.copy(), c.copy(), c.copy(), x[:1].copy(), 1)
    with pytest.raises(ValueError, match="no values per channel"):
        e = np.zeros((0, 3, 4), np.float32)
        _kernels.batch_norm_forward_train(e, c, c, 1e-5, c.copy(), c.copy(), c.copy(), e.copy(), 1)
    with pytest.raises(ValueError, match="batch_norm_backward_train: grad_in has shape"):
        _kernels.batch_norm_backward_train(x, x, c, c, c, c.copy(), c.copy(), x[:1].copy(), 1)
    with pytest.raises(ValueError, match="batch_norm_backward_train: sum_dy has shape"):
        _kernels.batch_norm_backward_train(x, x, c, c, c, np.zeros(4), c.copy(), x.copy(), 1)


def test_separate_kernels_with_few_channels_at_several_threads():
    """Few channels: the separate kernels keep every thread busy (elementwise passes over planes)."""
    assert not normalization._fused(3, 2)
    assert normalization._fused(3, 1)
    assert normalization._fused(64, 2)
