"""Kernels with channels in the vector lanes, in every instruction set this CPU runs:

- depthwise 3x3 (groups == channels, _conv_depthwise.pxi): forward, grad_input (strided: a
  scatter; stride 1: the flipped forward), grad_weight and grad_bias, against PyTorch on the
  same user code (nn.functional.conv2d + backward), bit-identical for 1, 2 and 3 threads, and
  the forward with the bits of the wide 1-channel tiles it replaces;
- the forward's dconv_t in the 16-lane (AVX-512) family, run here through 'avx512f_emu' (the
  same tile logic compiled for AVX2): against PyTorch, for any thread count, and with the bits
  of the AVX2 dconv_t (the same blocks, tree and FMA per lane).
"""
import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F
from miniconv import _kernels as K

from test_conv_kernels import isa, make_case, run_all

torch = pytest.importorskip("torch")

ISAS = K.conv_isas_supported()


def both(x, w, b, go, stride, padding, dilation, groups):
    """The same user code on miniconv and on PyTorch: forward, then backward of grad_out."""
    res = []
    for lib, fn in ((miniconv, F.conv2d), (torch, torch.nn.functional.conv2d)):
        xt, wt, bt = (lib.tensor(a, requires_grad=True) for a in (x, w, b))
        y = fn(xt, wt, bt, stride=stride, padding=padding, dilation=dilation, groups=groups)
        y.backward(lib.tensor(go))
        res.append([np.asarray(t.detach().numpy()) for t in (y, xt.grad, wt.grad, bt.grad)])
    return res


def dw_case(rng, n, c, hw, stride, padding, dilation):
    x = rng.standard_normal((n, c, hw, hw)).astype(np.float32)
    w = rng.standard_normal((c, 1, 3, 3)).astype(np.float32)
    b = rng.standard_normal(c).astype(np.float32)
    ho = (hw + 2 * padding - dilation * 2 - 1) // stride + 1
    go = rng.standard_normal((n, c, ho, ho)).astype(np.float32)
    return x, w, b, go, ho


# (n, channels, plane, stride, padding, dilation): channel tails (16-channel blocks), 7x7 and
# 14x14 planes, stride 2 and 3, no padding, padding 2, dilation 2, a batch of one, more than
# 16 samples (several grad_weight chunks), a large stride-1 plane (served by the wide tiles)
DW_CONFIGS = [
    (2, 24, 14, 2, 1, 1),
    (3, 16, 7, 1, 1, 1),
    (2, 40, 9, 2, 1, 2),
    (1, 8, 5, 3, 2, 1),
    (2, 17, 8, 1, 0, 1),
    (2, 33, 12, 2, 0, 1),
    (19, 5, 6, 2, 1, 1),
    (2, 4, 40, 1, 1, 1),
]


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("cfg", DW_CONFIGS)
def test_depthwise_matches_pytorch(cfg, isa_name):
    n, c, hw, s, p, d = cfg
    x, w, b, go, _ = dw_case(np.random.default_rng(abs(hash(cfg)) % 2**32), *cfg)
    with isa(isa_name):
        ours, theirs = both(x, w, b, go, s, p, d, c)
    for name, a, t in zip(("output", "grad_input", "grad_weight", "grad_bias"), ours, theirs):
        np.testing.assert_allclose(a, t, rtol=2e-5, atol=2e-5 * max(1.0, np.abs(t).max()),
                                   err_msg=f"{isa_name} {cfg}: {name}")


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("cfg", DW_CONFIGS)
def test_depthwise_bits_do_not_depend_on_threads(cfg, isa_name):
    n, c, hw, s, p, d = cfg
    x, w, b, go, _ = dw_case(np.random.default_rng(3), *cfg)
    args = ((s, s), (p, p, p, p), (d, d), c)
    with isa(isa_name):
        first = run_all(x, w, b, go, *args, 1, "direct")
        for n_threads in (2, 3):
            again = run_all(x, w, b, go, *args, n_threads, "direct")
            for name, a, a2 in zip(("output", "grad_input", "grad_weight", "grad_bias"), first, again):
                assert np.array_equal(a, a2), f"{isa_name} {cfg}: {name} changed with {n_threads} threads"


@pytest.mark.parametrize("isa_name", ISAS)
@pytest.mark.parametrize("cfg", DW_CONFIGS[:6])
def test_depthwise_forward_keeps_the_wide_tiles_bits(cfg, isa_name):
    """The forward (and grad_input with stride 1, the flipped forward) sums each output from
    the bias over the 9 taps in order, as the wide 1-channel tiles do; grad_bias comes from the
    same pass as grad_weight with conv2d_grad_bias's bits."""
    n, c, hw, s, p, d = cfg
    x, w, b, go, _ = dw_case(np.random.default_rng(4), *cfg)
    args = ((s, s), (p, p, p, p), (d, d), c)
    with isa(isa_name):
        lanes = run_all(x, w, b, go, *args, 2, "direct")
        gb = np.empty(c, np.float32)
        gw = np.empty_like(w)
        K.conv2d_grad_weight(x, go, gw, s, s, p, p, d, d, c, 2, grad_b=gb)
        previous = K._dw_set_enabled(False)
        try:
            wide = run_all(x, w, b, go, *args, 2, "direct")
        finally:
            K._dw_set_enabled(previous)
    assert np.array_equal(lanes[0], wide[0])
    if s == 1:
        assert np.array_equal(lanes[1], wide[1])
    assert np.array_equal(gb, lanes[3]) and np.array_equal(gw, lanes[2])


@pytest.mark.parametrize("isa_name", ISAS)
def test_mobilenetv2_depthwise_layers_use_the_lanes(isa_name):
    """Every strided layer and every stride-1 layer up to 32x32 outputs; not float64, not 5x5."""
    with isa(isa_name):
        for c, hw, s in ((96, 112, 2), (144, 56, 2), (192, 28, 1), (192, 28, 2), (576, 14, 2),
                         (960, 7, 1)):
            ho = (hw - 1) // s + 1
            assert K._depthwise_lanes_used(c, hw, hw, ho, ho, 3, 3, s, s, 1, 1, 1, 1, 4)
        assert not K._depthwise_lanes_used(32, 112, 112, 112, 112, 3, 3, 1, 1, 1, 1, 1, 1, 4)
        assert not K._depthwise_lanes_used(96, 14, 14, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1, 8)
        assert not K._depthwise_lanes_used(96, 14, 14, 14, 14, 5, 5, 1, 1, 2, 2, 1, 1, 4)


def test_depthwise_lanes_off_still_matches_pytorch():
    """The wide path the switch falls back to (and benchmarks compare against) stays right."""
    cfg = DW_CONFIGS[0]
    x, w, b, go, _ = dw_case(np.random.default_rng(6), *cfg)
    previous = K._dw_set_enabled(False)
    try:
        ours, theirs = both(x, w, b, go, cfg[3], cfg[4], cfg[5], cfg[1])
    finally:
        K._dw_set_enabled(previous)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a, t, rtol=2e-5, atol=1e-4)


# dconv_t in the 16-lane family: 32 output channels per tile, 6 positions
EMU = "avx512f_emu"
needs_emu = pytest.mark.skipif(EMU not in ISAS, reason="needs AVX2 (the emulated AVX-512 family)")
# (n, c, o, groups, h, w, kh, kw, stride, padding (t, b, l, r), dilation)
FWDT32_CONFIGS = [
    (2, 32, 64, 1, 14, 14, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),      # b's shape, K = 288 (5 blocks)
    (2, 512, 64, 1, 4, 4, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # K = 4608, a deep tree
    (3, 6, 60, 1, 11, 13, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),       # P = 143, 28 of 32 channels
    (2, 8, 32, 1, 13, 25, 3, 5, (2, 1), (4, 4, 2, 2), (3, 1)),       # strided, dilated
    (2, 12, 128, 2, 10, 11, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),     # groups
    (1, 3, 32, 1, 5, 5, 3, 3, (1, 1), (1, 1, 1, 1), (1, 1)),         # batch of one, P = 25
]


def _fwd_layout(cfg):
    _n, c, o, groups, h, w, kh, kw, stride, padding, dilation = cfg
    ho = (h + padding[0] + padding[1] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (w + padding[2] + padding[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    return K._direct_fwd_layout(c // groups, h, w, o // groups, ho, wo, kh, kw, *stride,
                                padding[0], padding[2], *dilation, 4)


def _torch_forward(x, wt, b, cfg):
    _n, c, o, groups, h, w, kh, kw, stride, padding, dilation = cfg
    xt = torch.nn.functional.pad(torch.tensor(x, dtype=torch.float64),
                                 (padding[2], padding[3], padding[0], padding[1]))
    return torch.nn.functional.conv2d(xt, torch.tensor(wt, dtype=torch.float64),
                                      torch.tensor(b, dtype=torch.float64), stride, 0,
                                      dilation, groups).numpy()


def _forward(x, wt, b, cfg, n_threads, bias=True):
    _n, c, o, groups, h, w, kh, kw, stride, padding, dilation = cfg
    ref_shape = _torch_forward(x, wt, b, cfg).shape
    out = np.full(ref_shape, np.nan, np.float32)
    K.conv2d_forward(x, wt, b if bias else np.empty(0, np.float32), out, *stride, padding[0],
                     padding[2], *dilation, groups, n_threads, algorithm="direct")
    return out


@needs_emu
@pytest.mark.parametrize("cfg", FWDT32_CONFIGS)
def test_avx512_forward_transposed_matches_pytorch_for_any_thread_count(cfg):
    n, c, o, groups, h, w, kh, kw = cfg[:8]
    x, wt, b = make_case(np.random.default_rng(abs(hash(cfg)) % 2**32), n, c, o, groups, h, w,
                         kh, kw, np.float32)
    ref = _torch_forward(x, wt, b, cfg)
    with isa(EMU):
        assert _fwd_layout(cfg) == "transposed"
        first = _forward(x, wt, b, cfg, 1)
        for n_threads in (2, 3, 5):
            assert np.array_equal(first, _forward(x, wt, b, cfg, n_threads)), n_threads
        nobias = _forward(x, wt, b, cfg, 2, bias=False)
    scale = np.abs(ref).max()
    np.testing.assert_allclose(first, ref, rtol=1e-5, atol=1e-5 * scale)
    np.testing.assert_allclose(nobias, ref - b[None, :, None, None], rtol=1e-5, atol=1e-5 * scale)


@needs_emu
@pytest.mark.parametrize("cfg", [c for c in FWDT32_CONFIGS if c[2] // c[3] % 32 == 0])
def test_avx512_forward_transposed_gives_the_avx2_bits(cfg):
    """dconv_t of 32 channels (16-lane family) and of 16 (AVX2 intrinsics) run the same blocks,
    tree and FMA per lane: the same bits wherever both take the transposed layout."""
    n, c, o, groups, h, w, kh, kw = cfg[:8]
    x, wt, b = make_case(np.random.default_rng(9), n, c, o, groups, h, w, kh, kw, np.float32)
    res = {}
    for name in ("avx2", EMU):
        with isa(name):
            if _fwd_layout(cfg) != "transposed":
                pytest.skip(f"{name} takes the wide layout for {cfg}")
            res[name] = _forward(x, wt, b, cfg, 2)
    assert np.array_equal(res["avx2"], res[EMU])


@needs_emu
def test_avx512_table_has_the_transposed_forward():
    with isa(EMU):
        assert _fwd_layout(FWDT32_CONFIGS[0]) == "transposed"
