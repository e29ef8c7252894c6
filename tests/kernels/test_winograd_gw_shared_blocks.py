"""Winograd grad_weight when its partial sums are fewer than the threads (wide layers: one
partial sum of 512 x 512 channels is 16 MB, so the shape allows one): the threads then share
every block (its input and output-gradient transforms channel by channel, its 16 point GEMMs
one each). Checked: that such shapes take that path, the same bits at 1, 2 and 3 threads on
every instruction set, and values as close to float64 as PyTorch's float32."""
import numpy as np
import pytest

from miniconv import _kernels as K
from miniconv._config import blas_single_thread

torch = pytest.importorskip("torch")

# (n, c, o, h) with a 3x3 kernel, padding 1: ResNet-50's 512-512 7x7 layer, ResNet-18's and
# VGG-16's 512-512 4x4 layer (batch cut to 16), a small shape with one block of tiles
SHAPES = [(8, 512, 512, 7), (16, 512, 512, 4), (1, 6, 10, 5)]


def _gw(x, go, n_threads):
    gw = np.empty((go.shape[1], x.shape[1], 3, 3), x.dtype)
    with blas_single_thread():
        K.conv2d_grad_weight(x, go, gw, 1, 1, 1, 1, 1, 1, 1, n_threads, "winograd")
    return gw


def _data(shape, dtype, seed=0):
    n, c, o, h = shape
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, c, h, h)).astype(dtype),
            rng.standard_normal((n, o, h, h)).astype(dtype))


def _torch_gw(x, go, dt):
    tx = torch.from_numpy(x).to(dt)
    tgo = torch.from_numpy(go).to(dt)
    tw = torch.zeros(go.shape[1], x.shape[1], 3, 3, dtype=dt)
    return torch.ops.aten.convolution_backward(tgo, tx, tw, None, (1, 1), (1, 1), (1, 1), False,
                                               (0, 0), 1, (False, True, False))[1].double().numpy()


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_shapes_have_fewer_partial_sums_than_two_threads(shape):
    n, c, o, h = shape
    layout = K._winograd_layout(n, c, h, h, o, h, h)
    assert layout["grad_weight_runs"] == 1, layout
    x, go = _data(shape, np.float32)
    assert K.conv2d_plan("grad_weight", x.shape, (o, c, 3, 3), (h, h), (1, 1), (1, 1),
                         algorithm="winograd")[0] == "winograd"


@pytest.mark.parametrize("isa", K.conv_isas_supported())
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_same_bits_for_any_thread_count(shape, dtype, isa):
    if isa == "scalar" and shape[1] >= 512 and dtype == np.float64:
        shape = (2,) + shape[1:]        # (the scalar twin at float64: keep it short)
    x, go = _data(shape, dtype)
    previous = K.conv_set_isa(isa)
    try:
        first = _gw(x, go, 1)
        for n_threads in (2, 3):
            assert np.array_equal(first, _gw(x, go, n_threads)), n_threads
    finally:
        K.conv_set_isa(previous)


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
def test_error_within_pytorchs_at_two_threads(shape):
    x, go = _data(shape, np.float32, seed=3)
    ref = _torch_gw(x, go, torch.float64)
    theirs = _torch_gw(x, go, torch.float32)
    ours = _gw(x, go, 2)

    def rel(a):
        return float(np.linalg.norm(np.asarray(a, np.float64) - ref) / np.linalg.norm(ref))

    assert rel(ours) <= 1.10 * rel(theirs) + 3e-8, (rel(ours), rel(theirs))
