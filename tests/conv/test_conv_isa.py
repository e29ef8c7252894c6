"""The direct conv micro-kernels in every instruction set this CPU runs (scalar C, AVX2+FMA,
AVX-512F), forced one at a time, against the numpy reference in conv_reference.py; the
dispatcher's choice, fallback and switches (function and environment variable)."""
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

import miniconv
from miniconv import _config
from miniconv import _kernels as K

from test_conv_kernels import TOL, check_against_reference, isa, make_case, out_shape, run_all

ISAS = K.conv_isas_supported()
BEST = [i for i in ISAS if i != "avx512f_emu"][-1]   # the widest this CPU runs natively

# (n, c, o, groups, h, w, kh, kw, stride, padding (t, b, l, r), dilation), chosen to reach every
# branch of the direct driver: full and tail tiles, output-channel tails (o % 4 = 1, 2, 3), one
# or two outputs per group (1-channel tiles), several position blocks, stride phases, padding
# bigger than the kernel (negative padding of the flipped grad_input convolution).
CONFIGS = [
    (2, 3, 4, 1, 7, 7, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),          # 'same' 3x3, tiny
    (2, 5, 7, 1, 14, 14, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),        # case b's plane, 3 channel tail
    (1, 3, 5, 1, 31, 29, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),        # several position blocks, tails
    (2, 4, 6, 1, 9, 10, 1, 1, (1, 1), (0, 0, 0, 0), (1, 1)),         # 1x1
    (2, 6, 9, 1, 8, 11, 1, 1, (2, 2), (0, 0, 0, 0), (1, 1)),         # 1x1 stride 2
    (2, 16, 33, 1, 13, 25, 3, 5, (2, 1), (4, 4, 2, 2), (3, 1)),      # case c's shape, smaller
    (2, 4, 6, 2, 9, 11, 3, 2, (2, 1), (1, 2, 0, 3), (1, 2)),         # groups, asymmetric
    (2, 6, 6, 6, 10, 9, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),         # depthwise
    (2, 4, 8, 4, 10, 9, 3, 3, (2, 2), (0, 0, 2, 2), (1, 1)),         # depthwise x2, strided
    (2, 3, 6, 3, 9, 8, 3, 3, (1, 1), (0, 0, 0, 0), (1, 1)),          # 2 outputs per group
    (2, 2, 3, 1, 4, 5, 5, 6, (1, 1), (2, 3, 1, 4), (1, 1)),          # kernel bigger than input
    (2, 3, 4, 1, 6, 7, 3, 3, (1, 1), (5, 5, 6, 6), (1, 1)),          # padding > kernel
    (2, 4, 4, 4, 11, 12, 3, 3, (1, 1), (2, 1, 0, 3), (2, 3)),        # depthwise dilated
    (1, 2, 5, 1, 9, 9, 2, 2, (4, 3), (0, 0, 0, 0), (1, 1)),          # stride > kernel
    (3, 7, 10, 1, 5, 23, 2, 4, (1, 3), (0, 1, 3, 0), (2, 1)),        # wide, odd everything
]


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", CONFIGS)
def test_direct_matches_reference(cfg, dtype, isa_name):
    rng = np.random.default_rng(abs(hash(cfg)) % 2**32)
    with isa(isa_name):
        assert K.conv_isa() == isa_name
        check_against_reference(rng, *cfg, dtype=dtype, algo="direct")
        check_against_reference(rng, *cfg, dtype=dtype, algo="direct", bias=False, n_threads=3)


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", [
    (37, 8, 16, 1, 12, 12, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
    (19, 6, 6, 6, 11, 10, 3, 3, (2, 1), (1, 0, 1, 2), (1, 1)),
    (17, 5, 7, 1, 20, 19, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
])
def test_direct_bit_identical_for_1_2_3_threads(cfg, dtype, isa_name):
    n, c, o, groups, h, w, kh, kw, stride, padding, dilation = cfg
    rng = np.random.default_rng(11)
    x, wt, b = make_case(rng, n, c, o, groups, h, w, kh, kw, dtype)
    grad_out = rng.standard_normal(out_shape(x, wt, stride, padding, dilation)).astype(dtype)
    with isa(isa_name):
        first = run_all(x, wt, b, grad_out, stride, padding, dilation, groups, 1, "direct")
        for n_threads in (2, 3):
            again = run_all(x, wt, b, grad_out, stride, padding, dilation, groups, n_threads, "direct")
            for a, b_ in zip(first, again):
                assert np.array_equal(a, b_), f"{isa_name}: n_threads={n_threads} changed the bits"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", [
    (3, 6, 9, 1, 13, 17, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),      # grad_weight wide
    (3, 6, 32, 1, 13, 17, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),     # grad_weight transposed
])
def test_every_isa_agrees_with_the_scalar_twin(cfg, dtype):
    rng = np.random.default_rng(5)
    n, c, o, groups, h, w, kh, kw, stride, padding, dilation = cfg
    x, wt, b = make_case(rng, n, c, o, groups, h, w, kh, kw, dtype)
    grad_out = rng.standard_normal(out_shape(x, wt, stride, padding, dilation)).astype(dtype)
    results = {}
    for name in ISAS:
        with isa(name):
            results[name] = run_all(x, wt, b, grad_out, stride, padding, dilation, groups, 2, "direct")
    for name in ISAS:
        for got, want in zip(results[name], results["scalar"]):
            np.testing.assert_allclose(got, want, **TOL[dtype])


def test_default_is_the_widest_supported():
    """'best' is the widest variant the CPU runs natively, never the emulated one."""
    with isa("best"):
        assert K.conv_isa() == BEST


def test_every_compiled_variant_runs_in_these_tests():
    """Each variant the build contains is in ISAS (the tests above run it), or its tile logic
    is: the AVX-512 family compiled for AVX2 ('avx512f_emu') stands for 'avx512f' on CPUs
    without AVX-512."""
    cover = K.conv_isas_tested_by()
    assert set(cover) == set(K.conv_isas_compiled())
    assert set(cover.values()) <= set(ISAS)
    if platform.machine().lower() in ("x86_64", "amd64") and "avx2" in ISAS:
        assert "avx512f_emu" in ISAS


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_emulated_avx512_gives_the_avx2_bits_where_the_order_is_the_same(dtype):
    """Forward and grad_input sum each output in (channel, tap) order from the bias, one FMA per
    pair, whatever the tile width; with one block of input channels (small C) AVX2 and the
    16-lane family compiled for AVX2 must agree bit for bit: the vector-extension body fuses
    every multiply-add, as the intrinsics do."""
    if not {"avx2", "avx512f_emu"} <= set(ISAS):
        pytest.skip("needs AVX2")
    rng = np.random.default_rng(8)
    x, wt, b = make_case(rng, 2, 3, 5, 1, 9, 30, 3, 3, dtype)
    res = {}
    for name in ("avx2", "avx512f_emu"):
        with isa(name):
            out = np.empty((2, 5, 9, 30), dtype)
            K.conv2d_forward(x, wt, b, out, 1, 1, 1, 1, 1, 1, 1, 1, algorithm="direct")
            res[name] = out
    assert np.array_equal(res["avx2"], res["avx512f_emu"])


def test_unknown_or_unsupported_isa_raises_and_changes_nothing():
    before = K.conv_isa()
    with pytest.raises(ValueError, match="unknown instruction set"):
        K.conv_set_isa("sse9")
    for name in ("avx2", "avx512f", "avx512f_emu", "neon"):
        if name not in ISAS:
            with pytest.raises(ValueError, match="cannot run"):
                _config.set_conv_isa(name)
    assert K.conv_isa() == before


def test_set_conv_isa_returns_previous():
    before = _config.conv_isa()
    assert _config.set_conv_isa("scalar") == before
    try:
        assert _config.conv_isa() == "scalar"
    finally:
        assert _config.set_conv_isa(before) == "scalar"
    assert _config.conv_isa() == before


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 only")
def test_x86_build_contains_all_variants():
    """The AVX2 and AVX-512 kernels are compiled in, whatever this CPU runs."""
    assert K.conv_isas_compiled() == ("scalar", "avx2", "avx512f", "avx512f_emu")
    assert set(ISAS) <= set(K.conv_isas_compiled())


def _isa_in_subprocess(value):
    env = dict(os.environ, MINICONV_CONV_ISA=value)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    code = "import warnings; warnings.simplefilter('always'); from miniconv import _kernels; print(_kernels.conv_isa())"
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout.strip(), res.stderr


def test_environment_variable_forces_isa():
    assert _isa_in_subprocess("scalar")[0] == "scalar"
    out, err = _isa_in_subprocess("no-such-isa")
    assert out == BEST and "MINICONV_CONV_ISA" in err


def test_show_config_names_the_isa(capsys):
    miniconv.show_config()
    assert f"conv micro-kernels: {K.conv_isa()}" in capsys.readouterr().out


@pytest.mark.parametrize("algo", ["direct", "im2col", "taps"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_grad_weight_can_compute_grad_bias_with_the_same_bits(algo, dtype):
    """conv2d_grad_weight(..., grad_b=gb) gives conv2d_grad_bias's bits, for any thread count."""
    rng = np.random.default_rng(2)
    for cfg in [(37, 6, 9, 3, 11, 10, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),
                (5, 4, 4, 4, 20, 21, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1))]:
        n, c, o, groups, h, w, kh, kw, stride, padding, dilation = cfg
        x, wt, b = make_case(rng, n, c, o, groups, h, w, kh, kw, dtype)
        go = rng.standard_normal(out_shape(x, wt, stride, padding, dilation)).astype(dtype)
        args = (stride[0], stride[1], padding[0], padding[2], dilation[0], dilation[1], groups)
        want_w = np.empty_like(wt)
        want_b = np.full(o, np.nan, dtype)
        K.conv2d_grad_weight(x, go, want_w, *args, 1, algorithm=algo)
        K.conv2d_grad_bias(go, want_b, 1)
        for n_threads in (1, 2, 3):
            gw = np.full_like(wt, np.nan)
            gb = np.full(o, np.nan, dtype)
            K.conv2d_grad_weight(x, go, gw, *args, n_threads, algorithm=algo, grad_b=gb)
            assert np.array_equal(gw, want_w) and np.array_equal(gb, want_b)
        np.testing.assert_allclose(gb, go.astype(np.float64).sum(axis=(0, 2, 3)), **TOL[dtype])


def test_grad_bias_on_many_elements_is_right_with_two_threads():
    """Above 2^24 elements grad_bias runs on several threads (each with its own partial sums)."""
    go = np.random.default_rng(4).standard_normal((32, 8, 256, 257), dtype=np.float32)
    assert go.size >= 1 << 24
    one, two = np.empty(8, np.float32), np.empty(8, np.float32)
    K.conv2d_grad_bias(go, one, 1)
    K.conv2d_grad_bias(go, two, 2)
    assert np.array_equal(one, two)
    np.testing.assert_allclose(one, go.sum(axis=(0, 2, 3), dtype=np.float64), rtol=1e-6)


# grad_weight's transposed layout (dconv_gwt: output channels in the lanes): output-channel
# tails (zero lanes), several row blocks, column blocks of one long row, K not a multiple of
# 6, stride phases with dilation, groups, a batch whose samples-per-call groups end short.
GWT_CONFIGS = [
    (3, 5, 16, 1, 14, 14, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # K = 45
    (5, 4, 30, 1, 12, 12, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # 2 zero lanes, 5 = 4 + 1
    (2, 3, 32, 1, 40, 40, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # row blocks
    (2, 2, 16, 1, 3, 300, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # column blocks
    (2, 8, 32, 1, 13, 25, 3, 5, (2, 1), (4, 4, 2, 2), (3, 1)),       # case c's kind
    (2, 12, 64, 2, 10, 11, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),      # groups
    (3, 16, 32, 1, 9, 9, 1, 1, (1, 1), (0, 0, 0, 0), (1, 1)),        # 1x1
]


def _layout(which, cfg, dtype):
    """The layout K._direct_<which>_layout reports for one group of cfg (for the current ISA)."""
    _n, c, o, groups, h, w, kh, kw, stride, padding, dilation = cfg
    ho = (h + padding[0] + padding[1] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (w + padding[2] + padding[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return getattr(K, f"_direct_{which}_layout")(c // groups, h, w, o // groups, ho, wo, kh, kw,
                                                 *stride, padding[0], padding[2], *dilation,
                                                 np.dtype(dtype).itemsize)


def _gw_layout(cfg, dtype):
    return _layout("gw", cfg, dtype)


# The configurations above go transposed with the 8-lane (AVX2), 4-lane (NEON) and 1-lane
# (scalar) tiles of 16 and 8 channels; the AVX-512 tiles hold 32 float / 16 double channels,
# and the cost model sends the channel tails (16 or 30 of 32 lanes) to the wide layout there.
# The values are checked for every ISA; the layout only where it is a fact of that ISA.
GWT_TRANSPOSED_ISAS = ("scalar", "avx2", "neon")


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", GWT_CONFIGS)
def test_grad_weight_transposed_layout_matches_reference(cfg, dtype, isa_name):
    rng = np.random.default_rng(abs(hash(cfg)) % 2**32)
    with isa(isa_name):
        if isa_name in GWT_TRANSPOSED_ISAS:
            assert _gw_layout(cfg, dtype) == "transposed"
        check_against_reference(rng, *cfg, dtype=dtype, algo="direct")
        check_against_reference(rng, *cfg, dtype=dtype, algo="direct", bias=False, n_threads=3)


@pytest.mark.parametrize("isa_name", ISAS)
def test_grad_weight_layout_choice(isa_name):
    """Depthwise and few output channels stay on the wide layout; case b's shape goes transposed."""
    with isa(isa_name):
        assert _gw_layout((2, 6, 6, 6, 10, 9, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)), np.float32) == "wide"
        assert _gw_layout((2, 5, 3, 1, 14, 14, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)), np.float32) == "wide"
        assert _gw_layout((2, 32, 64, 1, 14, 14, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)), np.float32) == "transposed"


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_last_tile_of_every_kind(dtype, isa_name):
    """Plane widths whose last tile is a full tile, a 2-vector tile or a 1-vector tile (in
    every instruction set: 3x3 'same' on 3 rows has L = 3W + 2 wide positions)."""
    rng = np.random.default_rng(3)
    with isa(isa_name):
        for w in range(1, 21):
            check_against_reference(rng, 2, 3, 5, 1, 3, w, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1),
                                    dtype=dtype, algo="direct")


# The forward's transposed layout (dconv_t: output channels in the lanes, float32, AVX2, NEON
# and the scalar twin): position tails (P % 6), channel tails, stride phases, groups; the batch of
# one split across threads at tile boundaries (the 8-float stores must not cross a split).
FWDT_CONFIGS = [
    (2, 5, 16, 1, 14, 14, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # b's plane, P = 196
    (3, 4, 30, 1, 11, 13, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # P = 143, 14 of 16 channels
    (2, 6, 46, 1, 9, 9, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),         # 46 = 16 + 16 + 14
    (2, 8, 32, 1, 13, 25, 3, 5, (2, 1), (4, 4, 2, 2), (3, 1)),       # strided, dilated
    (2, 12, 64, 2, 10, 11, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),      # groups
    (1, 3, 16, 1, 5, 5, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),         # batch of one, P = 25
]


def _fwd_layout(cfg, dtype):
    return _layout("fwd", cfg, dtype)


@pytest.mark.parametrize("isa_name", [i for i in ISAS if i in ("scalar", "avx2", "neon")])
@pytest.mark.parametrize("cfg", FWDT_CONFIGS)
def test_forward_transposed_layout_matches_reference(cfg, isa_name):
    rng = np.random.default_rng(abs(hash(cfg)) % 2**32)
    with isa(isa_name):
        assert _fwd_layout(cfg, np.float32) == "transposed"
        assert _fwd_layout(cfg, np.float64) == "wide"
        for n_threads in (1, 2, 3):
            check_against_reference(rng, *cfg, dtype=np.float32, algo="direct", n_threads=n_threads)
        check_against_reference(rng, *cfg, dtype=np.float32, algo="direct", bias=False, n_threads=2)


@pytest.mark.parametrize("isa_name", [i for i in ISAS if i in ("scalar", "avx2", "neon")])
@pytest.mark.parametrize("n_threads", [2, 3, 5])
def test_forward_transposed_batch_of_one_split_keeps_the_bits(isa_name, n_threads):
    """A batch of one is split between threads at tile boundaries; every output is written
    (no NaN left) with the bits of one thread."""
    rng = np.random.default_rng(21)
    x, wt, b = make_case(rng, 1, 7, 32, 1, 14, 14, 3, 3, np.float32)
    with isa(isa_name):
        assert _fwd_layout((1, 7, 32, 1, 14, 14, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)), np.float32) == "transposed"
        outs = []
        for nt in (1, n_threads):
            out = np.full((1, 32, 14, 14), np.nan, np.float32)
            K.conv2d_forward(x, wt, b, out, 1, 1, 1, 1, 1, 1, 1, nt, algorithm="direct")
            outs.append(out)
        assert np.array_equal(outs[0], outs[1])
        assert not np.isnan(outs[0]).any()


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("cfg", [
    (2, 3, 3, 3, 40, 37, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),        # depthwise, several blocks
    (1, 2, 2, 2, 45, 50, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),        # batch of one, split
    (2, 4, 2, 2, 33, 35, 5, 5, (2, 1), (2, 2, 2, 2), (1, 1)),        # 1 output per group, strided
])
def test_one_channel_tiles(cfg, dtype, isa_name):
    """Depthwise and 1-2 output channels per group run 8-vector tiles (1 x 64 with AVX2) that
    end each plane past its last position: values against the reference for 1-3 threads."""
    rng = np.random.default_rng(abs(hash(cfg)) % 2**32)
    with isa(isa_name):
        for n_threads in (1, 3):
            check_against_reference(rng, *cfg, dtype=dtype, algo="direct", n_threads=n_threads)
