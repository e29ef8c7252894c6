"""Every kernel entry point proves its indices in range before any loop runs: arrays of the
wrong size get a ValueError naming the array, never an out-of-bounds read or write. The
public layer (nn.functional, Tensor ops) always passes consistent arrays; these guard direct
calls of miniconv._kernels, whose loops rely on the shapes."""
import numpy as np
import pytest

from miniconv import _kernels as K

f32 = np.float32


def test_relu_kernels_check_lengths():
    x = np.ones(10, f32)
    with pytest.raises(ValueError, match="relu_forward_mask: out has 5 elements, expected 10"):
        K.relu_forward_mask(x, np.empty(5, f32), np.empty(10, np.uint8), 1)
    with pytest.raises(ValueError, match="relu_backward_mask: grad has 4 elements"):
        K.relu_backward_mask(np.ones(10, np.uint8), np.ones(4, f32), np.empty(10, f32), 1)
    with pytest.raises(ValueError, match="relu_forward_mask: keep has 9 elements"):
        K.relu_forward_mask(x, np.empty(10, f32), np.empty(9, np.uint8), 1)
    with pytest.raises(ValueError, match="relu_backward_mask: grad_in has 2 elements"):
        K.relu_backward_mask(np.ones(10, np.uint8), x, np.empty(2, f32), 1)
    out = np.empty(10, f32)
    K.relu_forward_mask(np.array([-1, 2] * 5, f32), out, np.empty(10, np.uint8), 2)  # consistent sizes work
    assert out.tolist() == [0, 2] * 5


def test_batch_norm_kernels_check_shapes():
    x = np.ones((2, 3, 4))
    c3 = np.zeros(3)
    with pytest.raises(ValueError, match="batch_norm_stats: mean has shape"):
        K.batch_norm_stats(x, np.zeros(2), c3.copy(), 1)
    with pytest.raises(ValueError, match="no values per channel"):
        K.batch_norm_stats(np.ones((0, 3, 4)), c3.copy(), c3.copy(), 1)
    with pytest.raises(ValueError, match="batch_norm_transform: out has shape"):
        K.batch_norm_transform(x, c3, c3, np.empty((2, 3, 3)), 1)
    with pytest.raises(ValueError, match="batch_norm_transform: shift has shape"):
        K.batch_norm_transform(x, c3, np.zeros(4), np.empty((2, 3, 4)), 1)
    with pytest.raises(ValueError, match="batch_norm_backward_reduce: grad has shape"):
        K.batch_norm_backward_reduce(np.ones((2, 3, 5)), x, c3, c3.copy(), c3.copy(), 1)
    with pytest.raises(ValueError, match="batch_norm_backward_input: proj has shape"):
        K.batch_norm_backward_input(x, x, c3, c3, np.zeros(1), c3, np.empty_like(x), 1)
    mean, ssd = c3.copy(), c3.copy()
    K.batch_norm_stats(x, mean, ssd, 1)
    assert mean.tolist() == [1, 1, 1] and ssd.tolist() == [0, 0, 0]


def test_matmul_batched_checks_every_offset():
    a = np.ones(2 * 6, f32)   # two 2x3 matrices
    b = np.ones(3 * 4, f32)   # one 3x4 matrix, broadcast
    c = np.empty(2 * 8, f32)
    ok = np.array([0, 6], np.int64), np.array([0, 0], np.int64)
    K.matmul_batched(a, ok[0], b, ok[1], c, 2, 4, 3, False, False, 1)
    assert np.all(c == 3)
    with pytest.raises(ValueError, match="matrix 1 of a"):
        K.matmul_batched(a, np.array([0, 7], np.int64), b, ok[1], c, 2, 4, 3, False, False, 1)
    with pytest.raises(ValueError, match="matrix 0 of b"):
        K.matmul_batched(a, ok[0], b, np.array([-1, 0], np.int64), c, 2, 4, 3, False, False, 1)
    with pytest.raises(ValueError, match="batch sizes do not match"):
        K.matmul_batched(a, ok[0], b, ok[1], np.empty(7, f32), 2, 4, 3, False, False, 1)


def test_conv_kernels_check_channels_and_batch():
    x = np.ones((2, 3, 5, 5), f32)
    w = np.ones((4, 3, 3, 3), f32)
    with pytest.raises(ValueError, match="output/grad_output has batch 1"):
        K.conv2d_forward(x, w, np.zeros(4, f32), np.empty((1, 4, 3, 3), f32), 1, 1, 0, 0, 1, 1, 1, 1)
    with pytest.raises(ValueError, match="input has 3 channels"):
        K.conv2d_forward(x, np.ones((4, 2, 3, 3), f32), np.zeros(4, f32), np.empty((2, 4, 3, 3), f32),
                         1, 1, 0, 0, 1, 1, 1, 1)


def test_pool_kernels_check_planes_and_window():
    x = np.ones((3, 6, 6), f32)
    out = np.empty((3, 3, 3), f32)
    idx = np.empty((3, 3, 3), np.int32)
    with pytest.raises(ValueError, match="max_pool2d_forward: the input side has 3 planes, the output side 2"):
        K.max_pool2d_forward(x, np.empty((2, 3, 3), f32), idx, 2, 2, 2, 2, 0, 0, 1, 1, 1)
    with pytest.raises(ValueError, match="max_pool2d_forward: indices has shape"):
        K.max_pool2d_forward(x, out, np.empty((3, 3, 2), np.int32), 2, 2, 2, 2, 0, 0, 1, 1, 1)
    with pytest.raises(ValueError, match="must be positive"):
        K.max_pool2d_forward(x, out, idx, 2, 2, 0, 2, 0, 0, 1, 1, 1)
    K.max_pool2d_forward(x, out, idx, 2, 2, 2, 2, 0, 0, 1, 1, 1)
    with pytest.raises(ValueError, match="max_pool2d_backward: grad_in's planes has shape"):
        K.max_pool2d_backward(out, idx, np.empty((4, 36), f32), 1)
    with pytest.raises(ValueError, match="avg_pool2d_forward: the input side has 3 planes, the output side 1"):
        K.avg_pool2d_forward(x, np.empty((1, 3, 3), f32), 2, 2, 2, 2, 0, 0, True, 0, 1)
    with pytest.raises(ValueError, match="avg_pool2d_backward: the input side has 3 planes, the output side 4"):
        K.avg_pool2d_backward(np.ones((4, 3, 3), f32), np.zeros((3, 6, 6), f32), 2, 2, 2, 2, 0, 0, True, 0, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_relu_mask_kernel_matches_reference_across_chunks(dtype, n_threads):
    """The C loop (_elementwise.h) runs per 64K-element chunk: sizes around chunk edges, NaN,
    -0.0 and infinities, out of place and in place."""
    rng = np.random.default_rng(n_threads)
    for n in (1, 65535, 65536, 65537, 200001):
        x = rng.standard_normal(n).astype(dtype)
        x[:: 97] = np.nan
        x[1:: 89] = -0.0
        x[2:: 83] = -np.inf
        x[3:: 79] = np.inf
        want_out = np.where(x < 0, dtype(0), x)
        want_keep = ~(x <= 0)
        out, keep = np.empty_like(x), np.empty(n, np.uint8)
        K.relu_forward_mask(x, out, keep, n_threads)
        np.testing.assert_array_equal(out, want_out)
        assert np.array_equal(np.signbit(out), np.signbit(want_out))
        np.testing.assert_array_equal(keep.view(np.bool_), want_keep)
        K.relu_forward_mask(x, x, keep, n_threads)  # in place
        np.testing.assert_array_equal(x, want_out)
