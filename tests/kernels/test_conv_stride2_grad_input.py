"""The direct grad_input of strided convolutions by stride phases (miniconv/_conv_direct_gi.pxi).

Each phase (rh, rw) of grad_in is a stride-1 direct forward of grad_out with a sub-kernel of
the flipped weights. Checked here, with algorithm='direct' forced:
- values against PyTorch's float64 grad_input (float32 and float64 data), strides 2, (2, 1),
  3 and 4, paddings 0 to 3, odd and even planes, kernels 2x2 to 7x7, groups, one sample,
  planes shorter than the stride (phases with no rows);
- the same bits at 1, 2 and 3 threads, for every instruction set this CPU runs (scalar, AVX2
  and the emulated AVX-512 family 'avx512f_emu'), and the SIMD families within float32
  rounding of their scalar twin;
- both tile families (positions in the lanes, output channels in the lanes) run;
- shapes it does not serve (kernel smaller than the stride, dilation) fall back to im2col;
- on the zoo's strided 3x3 layers, the error against float64 is no larger than PyTorch
  float32's (as tests/conv/test_conv_precision.py requires of every pick).
"""
import importlib.util
import pathlib

import numpy as np
import pytest

from miniconv import _kernels as K
from miniconv._config import blas_single_thread

torch = pytest.importorskip("torch")

ISAS = K.conv_isas_supported()

# (n, c, o, h, w, kh, kw, (sh, sw), (pt, pl), groups)
CASES = [
    (2, 8, 12, 16, 16, 3, 3, (2, 2), (1, 1), 1),
    (3, 6, 8, 15, 13, 3, 3, (2, 2), (1, 1), 2),
    (2, 5, 7, 17, 16, 3, 3, (2, 2), (0, 0), 1),
    (1, 4, 20, 9, 11, 3, 2, (2, 2), (1, 0), 1),
    (2, 16, 32, 8, 8, 3, 3, (2, 1), (1, 1), 1),
    (2, 3, 5, 20, 21, 5, 5, (3, 2), (2, 1), 1),
    (2, 3, 5, 20, 21, 4, 4, (2, 2), (3, 2), 1),
    (2, 2, 3, 7, 7, 7, 7, (4, 4), (3, 3), 1),
    (1, 32, 64, 14, 14, 3, 3, (2, 2), (1, 1), 1),
    (2, 24, 40, 10, 10, 2, 2, (2, 2), (0, 0), 1),
    # phases with no rows (a plane shorter than the stride), padding of 2 on a 3x3 kernel
    (2, 3, 4, 1, 5, 3, 3, (2, 2), (1, 1), 1),
    (2, 3, 4, 2, 2, 3, 3, (3, 3), (1, 1), 1),
    (2, 3, 5, 6, 6, 3, 3, (2, 2), (2, 2), 1),
]


@pytest.fixture
def restore_isa():
    isa = K.conv_isa()
    yield
    K.conv_set_isa(isa)


def _data(case, dtype, seed=0):
    n, c, o, h, w, kh, kw, (sh, sw), (pt, pl), g = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((o, c // g, kh, kw)) / np.sqrt(c // g * kh * kw)
    ho, wo = (h + 2 * pt - kh) // sh + 1, (w + 2 * pl - kw) // sw + 1
    go = rng.standard_normal((n, o, ho, wo))
    return x.astype(dtype), wt.astype(dtype), go.astype(dtype)


def _torch_gi(case, x, wt, go, dtype=torch.float64):
    n, c, o, h, w, kh, kw, s, p, g = case
    xt = torch.tensor(x, dtype=dtype, requires_grad=True)
    y = torch.nn.functional.conv2d(xt, torch.tensor(wt, dtype=dtype), None, s, p, 1, g)
    y.backward(torch.tensor(go, dtype=dtype))
    return xt.grad.numpy().astype(np.float64)


def _gi(case, wt, go, n_threads, algorithm="direct", dil=(1, 1)):
    n, c, o, h, w, kh, kw, (sh, sw), (pt, pl), g = case
    gi = np.full((n, c, h, w), np.nan, go.dtype)
    with blas_single_thread():
        K.conv2d_grad_input(go, wt, gi, sh, sw, pt, pl, dil[0], dil[1], g, n_threads, algorithm)
    return gi


def _plan(case, dtype=np.float32, algorithm="direct"):
    n, c, o, h, w, kh, kw, s, p, g = case
    ho, wo = (h + 2 * p[0] - kh) // s[0] + 1, (w + 2 * p[1] - kw) // s[1] + 1
    return K.conv2d_plan("grad_input", (n, c, h, w), (o, c // g, kh, kw), (ho, wo), s, p, (1, 1),
                         g, dtype, algorithm)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_and_same_bits_at_1_2_3_threads(case, dtype, isa, restore_isa):
    K.conv_set_isa(isa)
    assert _plan(case, dtype)[0].startswith("direct")
    x, wt, go = _data(case, dtype)
    ref = _torch_gi(case, x, wt, go)
    runs = [_gi(case, wt, go, t) for t in (1, 2, 3)]
    assert np.array_equal(runs[0], runs[1]) and np.array_equal(runs[0], runs[2])
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(runs[0], ref, rtol=tol, atol=tol * max(1.0, np.abs(ref).max()))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_simd_families_match_their_scalar_twin(case, restore_isa):
    x, wt, go = _data(case, np.float32, seed=1)
    K.conv_set_isa("scalar")
    scalar = _gi(case, wt, go, 2)
    for isa in ISAS:
        K.conv_set_isa(isa)
        got = _gi(case, wt, go, 2)
        np.testing.assert_allclose(got, scalar, rtol=1e-5, atol=1e-5 * np.abs(scalar).max(),
                                   err_msg=isa)


def test_both_tile_families_run(restore_isa):
    """A deep layer on small planes takes the lanes family, a shallow one on a large plane the
    wide one; both agree with PyTorch."""
    if "avx2" not in ISAS:
        pytest.skip("the lanes family is chosen by its AVX2 cost here")
    K.conv_set_isa("avx2")
    lanes = (2, 32, 64, 14, 14, 3, 3, (2, 2), (1, 1), 1)
    wide = (2, 4, 8, 64, 64, 3, 3, (2, 2), (1, 1), 1)
    assert _plan(lanes)[0] == "direct-lanes"
    assert _plan(wide)[0] == "direct-wide"
    for case in (lanes, wide):
        x, wt, go = _data(case, np.float32)
        ref = _torch_gi(case, x, wt, go)
        np.testing.assert_allclose(_gi(case, wt, go, 2), ref, rtol=2e-5,
                                   atol=2e-5 * np.abs(ref).max())


@pytest.mark.parametrize("case,dil", [
    ((2, 4, 6, 9, 9, 1, 1, (2, 2), (0, 0), 1), (1, 1)),   # kernel smaller than the stride
    ((2, 4, 6, 11, 11, 3, 3, (2, 2), (2, 2), 1), (2, 2)),  # dilation
])
def test_unserved_shapes_fall_back(case, dil):
    n, c, o, h, w, kh, kw, (sh, sw), (pt, pl), g = case
    ho = (h + 2 * pt - dil[0] * (kh - 1) - 1) // sh + 1
    wo = (w + 2 * pl - dil[1] * (kw - 1) - 1) // sw + 1
    name, est = K.conv2d_plan("grad_input", (n, c, h, w), (o, c, kh, kw), (ho, wo), (sh, sw),
                              (pt, pl), dil, g, np.float32, "direct")
    assert name == "im2col" and est["direct"] is None
    rng = np.random.default_rng(0)
    wt = rng.standard_normal((o, c, kh, kw)).astype(np.float32)
    go = rng.standard_normal((n, o, ho, wo)).astype(np.float32)
    xt = torch.zeros((n, c, h, w), dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.conv2d(xt, torch.tensor(wt, dtype=torch.float64), None, (sh, sw),
                                   (pt, pl), dil, g)
    y.backward(torch.tensor(go, dtype=torch.float64))
    got = _gi(case, wt, go, 2, dil=dil)
    np.testing.assert_allclose(got, xt.grad.numpy(), rtol=2e-5, atol=2e-5 * xt.grad.abs().max().item())


_ZOO = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "layer_zoo.py"
_spec = importlib.util.spec_from_file_location("layer_zoo", _ZOO)
zoo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zoo)
STRIDED = [(f"{net}: {name}", zoo.with_batch(d, 2)) for net, layers in zoo.LAYERS.items()
           for name, d in layers if d["stride"] != (1, 1) and d["k"][0] >= 2 and d["groups"] == 1]


@pytest.mark.parametrize("name,d", STRIDED, ids=[s for s, _ in STRIDED])
def test_zoo_strided_layers_no_less_precise_than_pytorch(name, d):
    (h, w), (kh, kw) = d["hw"], d["k"]
    case = (d["n"], d["cin"], d["cout"], h, w, kh, kw, d["stride"], d["pad"], d["groups"])
    x, wt, go = _data(case, np.float32)
    ref = _torch_gi(case, x, wt, go)
    theirs = _torch_gi(case, x, wt, go, torch.float32)
    ours = _gi(case, wt, go, 2)

    def rel(a):
        return float(np.linalg.norm(np.asarray(a, np.float64) - ref) / np.linalg.norm(ref))
    assert rel(ours) <= 1.10 * rel(theirs) + 3e-8, (name, rel(ours), rel(theirs))
