"""conv2d kernels (miniconv._kernels) against the plain numpy reference in conv_reference.py.

The kernels are called directly, the way nn.functional calls them: C-contiguous arrays,
top/left padding passed, bottom/right padding implied by the output size.
"""
import contextlib
import threading

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from miniconv import _kernels as K
from miniconv._config import blas_single_thread

import conv_reference as R

ALGORITHMS = ["auto", "direct", "im2col", "taps", "gemm", "winograd"]


@contextlib.contextmanager
def isa(name):
    """Force one instruction set of the direct micro-kernels (each must be correct on every shape)."""
    previous = K.conv_set_isa(name)
    try:
        yield
    finally:
        K.conv_set_isa(previous)


TOL = {np.float64: dict(rtol=1e-10, atol=1e-10), np.float32: dict(rtol=1e-5, atol=1e-4)}


def make_case(rng, n, c, o, groups, h, w, kh, kw, dtype=np.float64):
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((o, c // groups, kh, kw)).astype(dtype)
    b = rng.standard_normal(o).astype(dtype)
    return x, wt, b


def out_shape(x, wt, stride, padding, dilation):
    pt, pb, pl, pr = padding
    ho = R.output_size(x.shape[2], pt, pb, wt.shape[2], stride[0], dilation[0])
    wo = R.output_size(x.shape[3], pl, pr, wt.shape[3], stride[1], dilation[1])
    return (x.shape[0], wt.shape[0], ho, wo)


def run_all(x, wt, b, grad_out, stride, padding, dilation, groups, n_threads, algo="auto"):
    """All four kernels; output buffers start as NaN to prove they are fully overwritten."""
    dt = x.dtype
    args = (stride[0], stride[1], padding[0], padding[2], dilation[0], dilation[1], groups, n_threads)
    out = np.full(grad_out.shape, np.nan, dt)
    gi = np.full(x.shape, np.nan, dt)
    gw = np.full(wt.shape, np.nan, dt)
    gb = np.full(wt.shape[0], np.nan, dt)
    with blas_single_thread():  # as nn.functional does: BLAS is called inside prange
        K.conv2d_forward(x, wt, b, out, *args, algorithm=algo)
        K.conv2d_grad_input(grad_out, wt, gi, *args, algorithm=algo)
        K.conv2d_grad_weight(x, grad_out, gw, *args, algorithm=algo)
        K.conv2d_grad_bias(grad_out, gb, n_threads)
    return out, gi, gw, gb


def check_against_reference(rng, n, c, o, groups, h, w, kh, kw, stride, padding, dilation,
                            dtype=np.float64, n_threads=2, bias=True, algo="auto"):
    x, wt, b = make_case(rng, n, c, o, groups, h, w, kh, kw, dtype)
    if not bias:
        b = np.empty(0, dtype)
    shape = out_shape(x, wt, stride, padding, dilation)
    grad_out = rng.standard_normal(shape).astype(dtype)
    out, gi, gw, gb = run_all(x, wt, b, grad_out, stride, padding, dilation, groups, n_threads, algo)
    tol = TOL[dtype]
    np.testing.assert_allclose(out, R.conv2d_forward(x, wt, b if bias else None, stride, padding,
                                                     dilation, groups), **tol)
    np.testing.assert_allclose(gi, R.conv2d_grad_input(grad_out, wt, x.shape, stride, padding,
                                                       dilation, groups), **tol)
    np.testing.assert_allclose(gw, R.conv2d_grad_weight(x, grad_out, wt.shape, stride, padding,
                                                        dilation, groups), **tol)
    np.testing.assert_allclose(gb, R.conv2d_grad_bias(grad_out), **tol)


# (n, c, o, groups, h, w, kh, kw, stride, padding (t, b, l, r), dilation)
CONFIGS = [
    (2, 3, 4, 1, 7, 7, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),        # plain 'same'
    (3, 1, 5, 1, 8, 6, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),        # one input channel
    (2, 4, 6, 2, 9, 11, 3, 2, (2, 1), (1, 2, 0, 3), (1, 2)),       # groups, asymmetric everything
    (2, 6, 6, 6, 10, 9, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # depthwise
    (2, 4, 8, 4, 10, 9, 3, 3, (2, 2), (0, 0, 2, 2), (1, 1)),       # depthwise multiplier 2
    (2, 16, 33, 1, 13, 25, 3, 5, (2, 1), (4, 4, 2, 2), (3, 1)),    # shape of benchmark case c
    (1, 3, 2, 1, 5, 5, 1, 1, (1, 1), (0, 0, 0, 0), (1, 1)),        # 1x1
    (2, 2, 3, 1, 4, 5, 5, 6, (1, 1), (2, 3, 1, 4), (1, 1)),        # kernel bigger than input
    (2, 2, 3, 1, 6, 6, 2, 2, (3, 3), (0, 1, 0, 1), (2, 2)),        # even kernel, big stride
    (2, 3, 4, 1, 6, 7, 3, 3, (1, 1), (5, 5, 6, 6), (1, 1)),        # padding > kernel: zero rows
    (1, 2, 2, 1, 9, 9, 2, 2, (4, 3), (0, 0, 0, 0), (1, 1)),        # stride > kernel: skipped pixels
    (2, 4, 4, 4, 11, 12, 3, 3, (1, 1), (2, 1, 0, 3), (2, 3)),      # depthwise 3x3, dilated, asymmetric
    (2, 3, 6, 3, 9, 8, 3, 3, (1, 1), (0, 0, 0, 0), (1, 1)),        # 3x3 'valid', 2 outputs per group
]


@pytest.mark.parametrize("algo", ALGORITHMS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_matches_reference(cfg, dtype, algo):
    rng = np.random.default_rng(abs(hash(cfg)) % 2**32)
    check_against_reference(rng, *cfg, dtype=dtype, algo=algo)


@pytest.mark.parametrize("algo", ALGORITHMS)
def test_no_bias(algo):
    rng = np.random.default_rng(1)
    check_against_reference(rng, 2, 3, 4, 1, 6, 6, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1), bias=False, algo=algo)


# Stride-1 convolutions with left padding use a row pitch of Wp - pad_left (rows share their
# zero columns: a window's right padding is the next row's left padding). These shapes put
# the pitch at each of its three bounds (Wp - pl, W + pl, WO), read across rows with wide and
# dilated kernels, and read past the last row into the spill zeros; several channels so a
# read past a plane would meet the next plane's data.
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", [
    (2, 5, 6, 1, 14, 14, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),      # pitch W + 1
    (2, 5, 6, 1, 9, 8, 3, 5, (1, 1), (1, 2, 3, 1), (1, 1)),        # pl > pr
    (2, 5, 6, 1, 9, 8, 3, 5, (1, 1), (1, 2, 1, 3), (1, 1)),        # pr > pl
    (2, 4, 6, 1, 7, 6, 3, 3, (1, 1), (2, 2, 4, 4), (1, 3)),        # dilated, wide pads
    (2, 4, 5, 1, 5, 3, 2, 3, (1, 1), (0, 1, 9, 1), (1, 1)),        # pl > W
    (2, 6, 6, 3, 8, 10, 3, 4, (1, 1), (1, 0, 2, 2), (2, 2)),       # groups
    (1, 3, 5, 1, 6, 16, 1, 7, (1, 1), (0, 0, 3, 3), (1, 1)),       # 1 x 7, one row per tap row
])
def test_shared_padding_pitch(cfg, dtype):
    rng = np.random.default_rng(abs(hash(cfg)) % 2**32)
    for algo in ("direct", "auto"):
        check_against_reference(rng, *cfg, dtype=dtype, algo=algo)


@pytest.mark.parametrize("n_threads", [2, 3, 5])
def test_batch_of_one_split_between_threads(n_threads):
    """With fewer (sample, group) pairs than threads the forward (and stride-1 grad_input) cut
    a sample's positions between threads; the result still matches the reference."""
    rng = np.random.default_rng(n_threads)
    for cfg in [(1, 6, 8, 1, 23, 21, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
                (1, 4, 4, 2, 30, 17, 3, 2, (1, 1), (1, 0, 2, 1), (2, 1)),
                (2, 3, 5, 1, 40, 9, 3, 3, (2, 1), (1, 1, 1, 1), (1, 1))]:
        for dtype in (np.float64, np.float32):
            check_against_reference(rng, *cfg, dtype=dtype, n_threads=n_threads, algo="direct")


@st.composite
def conv_configs(draw):
    groups = draw(st.integers(1, 3))
    c = groups * draw(st.integers(1, 3))
    o = groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dh, dw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pad = tuple(draw(st.integers(0, 3)) for _ in range(4))
    # input at least as big as the effective kernel after padding
    h = max(1, dh * (kh - 1) + 1 - pad[0] - pad[1]) + draw(st.integers(0, 6))
    w = max(1, dw * (kw - 1) + 1 - pad[2] - pad[3]) + draw(st.integers(0, 6))
    n = draw(st.integers(1, 4))
    n_threads = draw(st.sampled_from([1, 2, 3]))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    algo = draw(st.sampled_from(ALGORITHMS))
    return (n, c, o, groups, h, w, kh, kw, (sh, sw), pad, (dh, dw)), dtype, n_threads, algo


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conv_configs(), st.integers(0, 2**32 - 1))
def test_random_configurations(cfg_dtype_threads_algo, seed):
    cfg, dtype, n_threads, algo = cfg_dtype_threads_algo
    check_against_reference(np.random.default_rng(seed), *cfg, dtype=dtype, n_threads=n_threads, algo=algo)


@pytest.mark.parametrize("algo", ALGORITHMS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", [
    (37, 8, 16, 1, 12, 12, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
    (19, 6, 6, 6, 11, 10, 3, 3, (2, 1), (1, 0, 1, 2), (1, 1)),
    (5, 1, 4, 1, 10, 10, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
    (1, 6, 8, 1, 23, 21, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),      # batch of 1: positions split
    (1, 4, 4, 2, 30, 17, 3, 2, (1, 1), (1, 0, 2, 1), (2, 1)),      # 2 groups < 3 threads
])
def test_bit_identical_for_any_thread_count(cfg, dtype, algo):
    n, c, o, groups, h, w, kh, kw, stride, padding, dilation = cfg
    rng = np.random.default_rng(7)
    x, wt, b = make_case(rng, n, c, o, groups, h, w, kh, kw, dtype)
    grad_out = rng.standard_normal(out_shape(x, wt, stride, padding, dilation)).astype(dtype)
    first = run_all(x, wt, b, grad_out, stride, padding, dilation, groups, 1, algo)
    for n_threads in (2, 3, 16):
        again = run_all(x, wt, b, grad_out, stride, padding, dilation, groups, n_threads, algo)
        for a, b_ in zip(first, again):
            assert np.array_equal(a, b_), f"n_threads={n_threads} changed the bits"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_empty_batch(dtype):
    x = np.zeros((0, 3, 6, 6), dtype)
    wt = np.ones((4, 3, 3, 3), dtype)
    b = np.ones(4, dtype)
    grad_out = np.zeros((0, 4, 6, 6), dtype)
    out, gi, gw, gb = run_all(x, wt, b, grad_out, (1, 1), (1, 1, 1, 1), (1, 1), 1, 2)
    assert out.shape == (0, 4, 6, 6) and gi.shape == (0, 3, 6, 6)
    assert np.array_equal(gw, np.zeros_like(gw)) and np.array_equal(gb, np.zeros_like(gb))


def test_two_python_threads_at_once():
    """The kernels release the GIL; concurrent calls from Python threads stay correct."""
    rng = np.random.default_rng(3)
    cases = []
    for i in range(2):
        x, wt, b = make_case(rng, 8, 8, 8, 1, 20, 20, 3, 3, np.float64)
        go = rng.standard_normal((8, 8, 20, 20))
        cases.append((x, wt, b, go))
    expected = [(R.conv2d_forward(x, wt, b, (1, 1), (1, 1, 1, 1), (1, 1), 1),
                 R.conv2d_grad_weight(x, go, wt.shape, (1, 1), (1, 1, 1, 1), (1, 1), 1))
                for x, wt, b, go in cases]
    errors = []

    def work(i):
        x, wt, b, go = cases[i]
        try:
            for _ in range(5):
                out, gi, gw, gb = run_all(x, wt, b, go, (1, 1), (1, 1, 1, 1), (1, 1), 1, 2)
                np.testing.assert_allclose(out, expected[i][0], rtol=1e-10, atol=1e-10)
                np.testing.assert_allclose(gw, expected[i][1], rtol=1e-10, atol=1e-10)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


ARGS = (1, 1, 1, 1, 1, 1, 1, 1)  # stride, pad, dilation, groups, n_threads


@pytest.mark.parametrize("call, match", [
    (lambda: K.conv2d_forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 2, 3, 3)), np.zeros(0),
                              np.zeros((2, 4, 5, 5)), *ARGS), "channels"),
    (lambda: K.conv2d_forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(3),
                              np.zeros((2, 4, 5, 5)), *ARGS), "bias"),
    (lambda: K.conv2d_forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(0),
                              np.zeros((3, 4, 5, 5)), *ARGS), "batch"),
    (lambda: K.conv2d_forward(np.zeros((2, 4, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros(0),
                              np.zeros((2, 3, 5, 5)), 1, 1, 1, 1, 1, 1, 2, 1), "divisible"),
    (lambda: K.conv2d_forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(0),
                              np.zeros((2, 4, 5, 5)), 0, 1, 1, 1, 1, 1, 1, 1), "stride"),
    (lambda: K.conv2d_forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3)), np.zeros(0),
                              np.zeros((2, 4, 5, 5)), 1, 1, -1, 1, 1, 1, 1, 1), "padding"),
    (lambda: K.conv2d_grad_input(np.zeros((2, 4, 5, 5)), np.zeros((4, 3, 3, 3)),
                                 np.zeros((2, 2, 5, 5)), *ARGS), "channels"),
    (lambda: K.conv2d_grad_weight(np.zeros((2, 3, 5, 5)), np.zeros((2, 5, 5, 5)),
                                  np.zeros((4, 3, 3, 3)), *ARGS), "channels"),
    (lambda: K.conv2d_grad_bias(np.zeros((2, 4, 5, 5)), np.zeros(3), 1), "grad_b"),
])
def test_bad_shapes_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_mixed_dtypes_are_refused():
    with pytest.raises(ValueError, match="dtype mismatch"):
        K.conv2d_forward(np.zeros((1, 1, 3, 3), np.float32), np.zeros((1, 1, 3, 3)), np.zeros(0),
                         np.zeros((1, 1, 1, 1)), 1, 1, 0, 0, 1, 1, 1, 1)
