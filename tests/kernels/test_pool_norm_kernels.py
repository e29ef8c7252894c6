"""The pooling and batch-norm Cython kernels against plain numpy twins, and thread-count determinism.

Each twin is the slow, obviously correct loop (or numpy expression) the kernel must reproduce.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miniconv import _kernels

THREADS = (1, 2, 5)


# ---------------------------------------------------------------------------
# numpy twins
# ---------------------------------------------------------------------------
def max_pool_twin(x, k, s, p, d, oh_ow):
    """PyTorch's rule: windows start at o*s - p, padding never wins, first max wins, NaN wins."""
    P, H, W = x.shape
    OH, OW = oh_ow
    out = np.empty((P, OH, OW), x.dtype)
    idx = np.empty((P, OH, OW), np.int64)
    for pl in range(P):
        for oh in range(OH):
            for ow in range(OW):
                best, best_i = -np.inf, None
                for i in range(k[0]):
                    for j in range(k[1]):
                        h, w = oh * s[0] - p[0] + i * d[0], ow * s[1] - p[1] + j * d[1]
                        if 0 <= h < H and 0 <= w < W:
                            if best_i is None:
                                best_i = h * W + w
                            v = x[pl, h, w]
                            if v > best or np.isnan(v):
                                best, best_i = v, h * W + w
                out[pl, oh, ow], idx[pl, oh, ow] = best, best_i
    return out, idx


def avg_pool_twin(x, k, s, p, oh_ow, count_include_pad, divisor):
    P, H, W = x.shape
    OH, OW = oh_ow
    out = np.zeros((P, OH, OW), x.dtype)
    for oh in range(OH):
        for ow in range(OW):
            h0, w0 = oh * s[0] - p[0], ow * s[1] - p[1]
            h1, w1 = min(h0 + k[0], H + p[0]), min(w0 + k[1], W + p[1])
            pool = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, H), min(w1, W)
            if h0 >= h1 or w0 >= w1:
                continue
            div = divisor or (pool if count_include_pad else (h1 - h0) * (w1 - w0))
            out[:, oh, ow] = x[:, h0:h1, w0:w1].astype(np.float64).sum(axis=(1, 2)) / div
    return out


def out_size(n, k, s, p, d, ceil):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


# ---------------------------------------------------------------------------
# max pool
# ---------------------------------------------------------------------------
pool_cases = st.tuples(
    st.integers(1, 3), st.integers(1, 3),  # kernel
    st.integers(1, 3), st.integers(1, 3),  # stride
    st.integers(1, 2), st.integers(1, 2),  # dilation
    st.booleans(),  # ceil_mode
    st.integers(0, 10 ** 6),  # seed
)


@settings(max_examples=60, deadline=None)
@given(pool_cases)
def test_max_pool_forward_matches_twin(case):
    kh, kw, sh, sw, dh, dw, ceil, seed = case
    rng = np.random.default_rng(seed)
    ph = int(rng.integers(0, min(kh // 2, ((kh - 1) * dh + 1) // 2) + 1))
    pw = int(rng.integers(0, min(kw // 2, ((kw - 1) * dw + 1) // 2) + 1))
    H, W = int(rng.integers((kh - 1) * dh + 1, 9)), int(rng.integers((kw - 1) * dw + 1, 9))
    x = rng.standard_normal((3, H, W))
    if seed % 3 == 0:
        x = np.round(x)  # ties: the first maximum must win
    if seed % 5 == 0:
        x[rng.random(x.shape) < 0.1] = np.nan
    OH, OW = out_size(H, kh, sh, ph, dh, ceil), out_size(W, kw, sw, pw, dw, ceil)
    out = np.empty((3, OH, OW))
    idx = np.empty((3, OH, OW), np.int64)
    _kernels.max_pool2d_forward(x, out, idx, kh, kw, sh, sw, ph, pw, dh, dw, 2)
    ref, ref_idx = max_pool_twin(x, (kh, kw), (sh, sw), (ph, pw), (dh, dw), (OH, OW))
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("stride", [1, 2])
def test_max_pool_2x2_fast_path_matches_twin(dtype, stride):
    rng = np.random.default_rng(stride)
    x = rng.standard_normal((4, 9, 8)).astype(dtype)
    x[1] = np.round(x[1])  # ties
    x[2, 3, 4] = np.nan  # this plane takes the general rule
    x[2, 0, 0] = np.inf
    x[3, 1, 1] = -np.inf
    OH, OW = out_size(9, 2, stride, 0, 1, False), out_size(8, 2, stride, 0, 1, False)
    out = np.empty((4, OH, OW), dtype)
    idx = np.empty((4, OH, OW), np.int64)
    _kernels.max_pool2d_forward(x, out, idx, 2, 2, stride, stride, 0, 0, 1, 1, 2)
    ref, ref_idx = max_pool_twin(x, (2, 2), (stride, stride), (0, 0), (1, 1), (OH, OW))
    np.testing.assert_array_equal(out, ref)
    np.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize("isa", _kernels.conv_isas_supported())
@pytest.mark.parametrize("hw", [(9, 8), (6, 14), (14, 14), (28, 28), (5, 31), (4, 16), (7, 33), (6, 6), (3, 11)])
def test_max_pool_2x2_stride_2_int16_kernel_matches_twin(hw, isa):
    """The C kernel for float32, int16 indices, 2x2 stride 2 (_pool_kernels.h; AVX2 and its
    scalar twin, chosen with the conv instruction set): output widths below, at and above one
    vector, overlapping last vectors, ties, +-inf, -0.0, a NaN plane, odd input sizes."""
    H, W = hw
    rng = np.random.default_rng(H * 100 + W)
    x = rng.standard_normal((6, H, W)).astype(np.float32)
    x[1] = np.round(x[1])                      # ties
    x[2, H // 2, W // 2] = np.nan              # this plane takes the general rule
    x[3, 0, 0], x[3, 1, 1] = np.inf, -np.inf
    x[4] = 0.0
    x[4, ::2, ::3] = -0.0
    x[5] = -np.inf
    OH, OW = H // 2, W // 2
    out = np.empty((6, OH, OW), np.float32)
    idx = np.empty((6, OH, OW), np.int16)
    previous = _kernels.conv_set_isa(isa)
    try:
        for n_threads in (1, 2):
            out[:], idx[:] = np.nan, -1
            _kernels.max_pool2d_forward(x, out, idx, 2, 2, 2, 2, 0, 0, 1, 1, n_threads)
            ref, ref_idx = max_pool_twin(x, (2, 2), (2, 2), (0, 0), (1, 1), (OH, OW))
            np.testing.assert_array_equal(out, ref)
            np.testing.assert_array_equal(idx, ref_idx)
            assert np.array_equal(np.signbit(out), np.signbit(ref))
    finally:
        _kernels.conv_set_isa(previous)


def test_max_pool_all_nan_and_all_minus_inf_windows():
    x = np.full((1, 2, 4), -np.inf)
    x[0, :, 2:] = np.nan
    out = np.empty((1, 1, 2))
    idx = np.empty((1, 1, 2), np.int64)
    _kernels.max_pool2d_forward(x, out, idx, 2, 2, 2, 2, 0, 0, 1, 1, 1)
    assert out[0, 0, 0] == -np.inf and idx[0, 0, 0] == 0  # first tap of the window
    assert np.isnan(out[0, 0, 1]) and idx[0, 0, 1] == 7  # the last NaN wins


def test_max_pool_backward_scatters_to_indices():
    rng = np.random.default_rng(0)
    P, H, W = 3, 5, 6
    idx = rng.integers(0, H * W, size=(P, 2, 3)).astype(np.int64)  # repeated indices accumulate
    g = rng.standard_normal((P, 2, 3))
    gi = np.full((P, H * W), np.nan)  # the kernel must overwrite every element
    _kernels.max_pool2d_backward(g, idx, gi, 2)
    ref = np.zeros((P, H * W))
    for p in range(P):
        np.add.at(ref[p], idx[p].ravel(), g[p].ravel())
    np.testing.assert_allclose(gi, ref, rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------
# avg pool
# ---------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(pool_cases, st.booleans(), st.sampled_from([0, 0, 3]))
def test_avg_pool_forward_backward_match_twin(case, count_include_pad, divisor):
    kh, kw, sh, sw, _, _, ceil, seed = case
    rng = np.random.default_rng(seed)
    ph, pw = int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1))
    H, W = int(rng.integers(kh, 9)), int(rng.integers(kw, 9))
    x = rng.standard_normal((2, H, W))
    OH, OW = out_size(H, kh, sh, ph, 1, ceil), out_size(W, kw, sw, pw, 1, ceil)
    out = np.empty((2, OH, OW))
    _kernels.avg_pool2d_forward(x, out, kh, kw, sh, sw, ph, pw, count_include_pad, divisor, 2)
    ref = avg_pool_twin(x, (kh, kw), (sh, sw), (ph, pw), (OH, OW), count_include_pad, divisor)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-14)
    # backward is the transpose of the forward: <avg(x), g> == <x, avg_backward(g)>
    g = rng.standard_normal((2, OH, OW))
    gi = np.zeros((2, H, W))
    _kernels.avg_pool2d_backward(g, gi, kh, kw, sh, sw, ph, pw, count_include_pad, divisor, 2)
    np.testing.assert_allclose((out * g).sum(), (x * gi).sum(), rtol=1e-10)


# ---------------------------------------------------------------------------
# batch norm
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_kernels_match_numpy(dtype):
    rng = np.random.default_rng(1)
    N, C, L = 5, 3, 7
    x = (rng.standard_normal((N, C, L)) * 3 + 100).astype(dtype)  # large mean: tests the two-pass variance
    g = rng.standard_normal((N, C, L)).astype(dtype)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    mean, sq = np.empty(C), np.empty(C)
    _kernels.batch_norm_stats(x, mean, sq, 2)
    # sums run in the data's precision within a row (float32: ~1e-7 relative) and in double across rows
    r32 = dtype == np.float32
    np.testing.assert_allclose(mean, x64.mean(axis=(0, 2)), rtol=1e-8 if r32 else 1e-12)
    np.testing.assert_allclose(sq, ((x64 - x64.mean(axis=(0, 2), keepdims=True)) ** 2).sum(axis=(0, 2)),
                               rtol=1e-5 if r32 else 1e-9)

    scale, shift = rng.standard_normal(C), rng.standard_normal(C)
    out = np.empty_like(x)
    _kernels.batch_norm_transform(x, scale, shift, out, 2)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, x64 * scale[:, None] + shift[:, None], rtol=tol)

    sum_dy, sum_dy_xmu = np.empty(C), np.empty(C)
    _kernels.batch_norm_backward_reduce(g, x, mean, sum_dy, sum_dy_xmu, 2)
    np.testing.assert_allclose(sum_dy, g64.sum(axis=(0, 2)), rtol=1e-5 if r32 else 1e-10)
    np.testing.assert_allclose(sum_dy_xmu, (g64 * (x64 - mean[:, None])).sum(axis=(0, 2)),
                               rtol=1e-5 if r32 else 1e-9, atol=1e-4 if r32 else 0)

    md, proj, sc = rng.standard_normal(C), rng.standard_normal(C), rng.standard_normal(C)
    gi = np.empty_like(x)
    _kernels.batch_norm_backward_input(g, x, mean, md, proj, sc, gi, 2)
    ref = (g64 - md[:, None] - (x64 - mean[:, None]) * proj[:, None]) * sc[:, None]
    np.testing.assert_allclose(gi, ref, rtol=tol, atol=tol * 100)


def test_batch_norm_transform_may_work_in_place():
    x = np.arange(12.0).reshape(2, 2, 3)
    ref = x * np.array([2.0, 3.0])[:, None] + np.array([1.0, -1.0])[:, None]
    _kernels.batch_norm_transform(x, np.array([2.0, 3.0]), np.array([1.0, -1.0]), x, 2)
    np.testing.assert_array_equal(x, ref)


# ---------------------------------------------------------------------------
# determinism: the same bits for any thread count
# ---------------------------------------------------------------------------
def _run_all_kernels(n_threads):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 5, 12, 10)).astype(np.float32)
    P = 40
    x3 = x.reshape(P, 12, 10)
    results = []
    for k, s, p, d in (((2, 2), (2, 2), (0, 0), (1, 1)), ((3, 3), (2, 1), (1, 1), (1, 2))):
        OH, OW = out_size(12, k[0], s[0], p[0], d[0], True), out_size(10, k[1], s[1], p[1], d[1], True)
        out = np.empty((P, OH, OW), np.float32)
        idx = np.empty((P, OH, OW), np.int64)
        _kernels.max_pool2d_forward(x3, out, idx, *k, *s, *p, *d, n_threads)
        gi = np.zeros((P, 120), np.float32)
        _kernels.max_pool2d_backward(np.ones_like(out), idx, gi, n_threads)
        results += [out, idx, gi]
    out = np.empty((P, 6, 5), np.float32)
    _kernels.avg_pool2d_forward(x3, out, 3, 3, 2, 2, 1, 1, False, 0, n_threads)
    gi = np.zeros_like(x3)
    _kernels.avg_pool2d_backward(out, gi, 3, 3, 2, 2, 1, 1, False, 0, n_threads)
    results += [out, gi]
    x3 = x.reshape(8, 5, 120)
    mean, sq = np.empty(5), np.empty(5)
    _kernels.batch_norm_stats(x3, mean, sq, n_threads)
    y = np.empty_like(x3)
    _kernels.batch_norm_transform(x3, 1 / np.sqrt(sq / 960 + 1e-5), -mean, y, n_threads)
    s1, s2 = np.empty(5), np.empty(5)
    _kernels.batch_norm_backward_reduce(y, x3, mean, s1, s2, n_threads)
    gi = np.empty_like(x3)
    _kernels.batch_norm_backward_input(y, x3, mean, s1 / 960, s2 / 960, np.ones(5), gi, n_threads)
    return results + [mean, sq, y, s1, s2, gi]


def test_kernels_give_identical_bits_for_any_thread_count():
    ref = _run_all_kernels(1)
    for n in THREADS[1:]:
        for a, b in zip(ref, _run_all_kernels(n)):
            assert a.tobytes() == b.tobytes()


def test_functional_ops_identical_for_any_thread_count():
    """Through the public API (miniconv.set_num_threads): forward and gradients, bit for bit."""
    import miniconv
    import miniconv.nn.functional as F

    x0 = np.random.default_rng(3).standard_normal((6, 4, 10, 10)).astype(np.float32)

    def run():
        x = miniconv.tensor(x0, requires_grad=True)
        w = miniconv.tensor(np.linspace(0.5, 2, 4, dtype=np.float32), requires_grad=True)
        y = F.batch_norm(x, None, None, w, None, training=True)
        y = F.max_pool2d(F.relu(y), 2) + F.avg_pool2d(y, 3, 2, 1, ceil_mode=True)[..., :5, :5]
        (y * y).sum().backward()
        return [y.detach().numpy(), x.grad.detach().numpy(), w.grad.detach().numpy()]

    old = miniconv.get_num_threads()
    try:
        results = []
        for n in THREADS:
            miniconv.set_num_threads(n)
            results.append(run())
    finally:
        miniconv.set_num_threads(old)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert a.tobytes() == b.tobytes()
