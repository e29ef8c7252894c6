"""F.interpolate's bicubic mode and antialias=True (bilinear, bicubic, lanczos) against torch 2.13: float32 outputs
bit for bit (PyTorch's fused multiply-adds and tap order; lanczos to a few ulps), float64 to a few ulps, uint8
through PyTorch's int16 kernels, gradients (and gradients of gradients)
to float rounding, nn.Upsample(mode="bicubic"), the autograd node names, and PyTorch's errors word for word."""
import numpy as np
import pytest

import miniconv
from oracle import both_messages

torch = pytest.importorskip("torch")

SHAPE = (2, 3, 13, 17)

# (kwargs of interpolate): up, down, mixed, align_corners, scale_factor with and without recompute, same size
CASES = [
    dict(size=(11, 13), mode="bicubic"),
    dict(size=(29, 40), mode="bicubic"),
    dict(size=(4, 5), mode="bicubic", align_corners=True),
    dict(size=(1, 1), mode="bicubic"),
    dict(size=(1, 30), mode="bicubic", align_corners=True),
    dict(scale_factor=1.7, mode="bicubic"),
    dict(scale_factor=(0.6, 2.3), mode="bicubic", recompute_scale_factor=True),
    dict(scale_factor=0.45, mode="bicubic"),
    dict(scale_factor=1.05, mode="bicubic"),  # the same size, scale 1/1.05: PyTorch resamples (backward: a copy)
    dict(size=(13, 17), mode="bicubic", align_corners=True),
    dict(size=(4, 5), mode="bilinear", antialias=True),
    dict(size=(4, 5), mode="bicubic", antialias=True),
    dict(size=(20, 5), mode="bicubic", antialias=True),  # up along H (the plain filter), down along W
    dict(size=(40, 50), mode="bilinear", antialias=True),
    dict(size=(2, 3), mode="bicubic", antialias=True),
    dict(scale_factor=0.3, mode="bilinear", antialias=True),
    dict(size=(4, 5), mode="lanczos", antialias=True),
    dict(size=(30, 9), mode="lanczos", antialias=True),
    dict(scale_factor=(0.37, 0.8), mode="bicubic", antialias=True, align_corners=True),
    dict(size=(4, 30), mode="bilinear", antialias=True, align_corners=True),
    dict(scale_factor=1.05, mode="bilinear", antialias=True),  # the same size: PyTorch skips both passes forward
    # (not backward)
    dict(size=(13, 6), mode="bicubic", antialias=True),  # H unchanged: only the W pass
]


def _ids(kw):
    return "-".join(f"{k}={v}" for k, v in kw.items()).replace(" ", "")


def _run(lib, kw, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = lib.tensor(rng.standard_normal(SHAPE).astype(dtype), requires_grad=True)
    y = lib.nn.functional.interpolate(x, **kw)
    g = lib.tensor(rng.standard_normal(tuple(y.shape)).astype(dtype))
    y.backward(g)
    return y.detach().numpy(), x.grad.numpy(), y.grad_fn.name()


@pytest.mark.parametrize("kw", CASES, ids=_ids)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_forward_backward_match_torch(kw, dtype):
    y, g, name = _run(miniconv, kw, dtype)
    ty, tg, tname = _run(torch, kw, dtype)
    assert y.dtype == ty.dtype and y.shape == ty.shape and name == tname
    if dtype == "float32" and kw["mode"] == "lanczos":  # sin rounds differently: a few ulps
        np.testing.assert_allclose(y, ty, rtol=0, atol=8 * np.finfo(np.float32).eps * np.abs(ty).max())
    elif dtype == "float32":
        np.testing.assert_array_equal(y, ty)  # the same bits
    else:
        np.testing.assert_allclose(y, ty, rtol=0, atol=16 * np.finfo(np.float64).eps * np.abs(ty).max())
    tol = 4e-6 if dtype == "float32" else 1e-14  # PyTorch scatters into the input pixel by pixel
    np.testing.assert_allclose(g, tg, rtol=0, atol=tol * np.abs(tg).max())


@pytest.mark.parametrize("kw", [CASES[0], CASES[2], CASES[11], CASES[15]], ids=_ids)
def test_double_backward_matches_torch(kw):
    def run(lib):
        rng = np.random.default_rng(3)
        x = lib.tensor(rng.standard_normal((1, 2, 9, 10)), requires_grad=True)
        y = lib.nn.functional.interpolate(x, **kw)
        w = lib.tensor(rng.standard_normal(tuple(y.shape)), requires_grad=True)
        (gx,) = lib.autograd.grad((y * w).sum(), x, create_graph=True)
        (gw,) = lib.autograd.grad((gx * gx).sum(), w)  # gx depends on w only: the resize's adjoint
        return gx.detach().numpy(), gw.numpy()

    (gx, gw), (tgx, tgw) = run(miniconv), run(torch)
    np.testing.assert_allclose(gx, tgx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw, tgw, rtol=1e-12, atol=1e-12)


def test_gradcheck_bicubic_and_antialias():
    rng = np.random.default_rng(5)
    x = miniconv.tensor(rng.standard_normal((1, 1, 6, 7)), requires_grad=True)
    for kw in (dict(size=(9, 4), mode="bicubic"), dict(size=(3, 4), mode="bicubic", antialias=True),
               dict(size=(4, 3), mode="bilinear", antialias=True, align_corners=True)):
        assert miniconv.autograd.gradcheck(lambda t: miniconv.nn.functional.interpolate(t, **kw), (x,))


def test_non_contiguous_input_and_empty_batch():
    def run(lib):
        base = lib.tensor(np.random.default_rng(1).standard_normal((2, 3, 12, 14)).astype(np.float32))
        x = base[:, :, ::2, 1::2]
        a = lib.nn.functional.interpolate(x, size=(9, 4), mode="bicubic")
        b = lib.nn.functional.interpolate(x.transpose(2, 3), size=(3, 4), mode="bilinear", antialias=True)
        c = lib.nn.functional.interpolate(lib.zeros(0, 2, 5, 6), size=(3, 4), mode="bicubic")
        return a.numpy(), b.numpy(), tuple(c.shape)

    (a, b, c), (ta, tb, tc) = run(miniconv), run(torch)
    np.testing.assert_array_equal(a, ta)
    np.testing.assert_array_equal(b, tb)
    assert c == tc


def test_upsample_module_bicubic():
    def run(lib):
        x = lib.tensor(np.random.default_rng(2).standard_normal((1, 2, 5, 6)).astype(np.float32))
        m = lib.nn.Upsample(scale_factor=2.5, mode="bicubic", align_corners=True)
        return m(x).numpy(), repr(m)

    (y, r), (ty, tr) = run(miniconv), run(torch)
    np.testing.assert_array_equal(y, ty)
    assert r == tr


def test_float16_bicubic_close_to_torch():
    def run(lib):
        x = lib.tensor(np.random.default_rng(4).standard_normal((1, 2, 7, 8)).astype(np.float16))
        return lib.nn.functional.interpolate(x, size=(5, 11), mode="bicubic").numpy()

    y, ty = run(miniconv), run(torch)
    assert y.dtype == ty.dtype == np.float16
    np.testing.assert_allclose(y.astype(np.float32), ty.astype(np.float32), rtol=0, atol=4e-3)


ERRORS = [
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5), size=7, mode="bicubic"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 5, 5), size=7, mode="bicubic"),
    lambda L: L.nn.functional.interpolate(L.zeros(2, 5), size=7, mode="bicubic"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5), size=7, mode="linear", antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=3, mode="nearest", antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6, 7), size=3, mode="trilinear", antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=3, mode="area", antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=0, mode="bicubic"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=0, mode="bilinear", antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 0, 5, 6), size=3, mode="bicubic"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 0, 5, 6), size=3, mode="bicubic", antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6, dtype=L.int64), size=3, mode="bicubic"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6, dtype=L.int32), size=3, mode="bilinear",
                                          antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6, dtype=L.float16), size=3, mode="bicubic",
                                          antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=3, mode="bicubic", align_corners=None,
                                          scale_factor=2.0),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=(3, 4, 5), mode="bicubic"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=3, mode="bicubic",
                                          recompute_scale_factor=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=3, mode="lanczos"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6), size=3, mode="lanczos", antialias=True,
                                          align_corners=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5), size=3, mode="lanczos", antialias=True),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5), size=3, mode="lanczos"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, dtype=L.int64), size=3, mode="linear"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6, dtype=L.int32), size=3, mode="bilinear"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6, 7, dtype=L.uint8), size=3, mode="trilinear"),
    lambda L: L.nn.functional.interpolate(L.zeros(1, 2, 5, 6, dtype=L.bool), size=3, mode="bicubic"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors_as_torch(k):
    mine, theirs = both_messages(ERRORS[k])
    assert mine == theirs


UINT8_CASES = [
    dict(size=(11, 14), mode="bilinear", antialias=True),
    dict(size=(11, 14), mode="bicubic", antialias=True),
    dict(size=(40, 50), mode="bicubic", antialias=True),
    dict(scale_factor=0.37, mode="bilinear", antialias=True),
    dict(size=(11, 14), mode="bicubic", antialias=True, align_corners=True),
    dict(size=(11, 14), mode="bilinear"),
    dict(size=(40, 50), mode="bilinear"),
    dict(scale_factor=0.6, mode="bilinear"),
    dict(size=(40, 50), mode="bilinear", align_corners=True),
    dict(size=(11, 14), mode="bicubic"),
    dict(size=(40, 50), mode="bicubic", align_corners=True),
    dict(size=(40, 50), mode="bicubic"),
    dict(scale_factor=1.7, mode="bicubic"),
    dict(size=(11, 14), mode="lanczos", antialias=True),
]


@pytest.mark.parametrize("kw", UINT8_CASES, ids=_ids)
def test_uint8_matches_torch_int16_kernels(kw):
    x = np.random.default_rng(0).integers(0, 256, (2, 3, 23, 31), dtype=np.uint8)
    y = miniconv.nn.functional.interpolate(miniconv.tensor(x), **kw).numpy()
    ty = torch.nn.functional.interpolate(torch.from_numpy(x), **kw).numpy()
    assert y.dtype == ty.dtype == np.uint8 and y.shape == ty.shape
    diff = np.abs(y.astype(int) - ty.astype(int))
    if kw["mode"] == "bicubic" and not kw.get("antialias") and not kw.get("align_corners"):
        # PyTorch's double-precision cubic weights land on an int16 rounding tie in about 1% of the pixels
        assert diff.max() <= 1 and (diff > 0).mean() < 0.02
    else:
        assert diff.max() == 0


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
def test_nearest_scale_factor_indices_as_torch(mode):
    # the scale is float(1 / scale_factor), rounded once (PyTorch's compute_scales_value), not 1 / float(sf)
    x = np.random.default_rng(6).random((1, 2, 17, 23)).astype(np.float32)
    for sf in (0.3, 0.45, 0.7, 1.1, 1.3, 1.7, 2.3, 2.9, 3.7, 0.77, 1.234):
        y = miniconv.nn.functional.interpolate(miniconv.tensor(x), scale_factor=sf, mode=mode).numpy()
        ty = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=sf, mode=mode).numpy()
        np.testing.assert_array_equal(y, ty)


def test_fma_rounds_once():
    """_resample.fma: a * b + c with one rounding (float32 through float64; float64 error-free, faithful)."""
    from fractions import Fraction

    from miniconv.nn.functional import _resample

    rng = np.random.default_rng(8)
    a, b, c = (rng.standard_normal(300) * 10.0 ** rng.integers(-3, 3, 300) for _ in range(3))
    exact = [Fraction(x) * Fraction(y) + Fraction(z) for x, y, z in zip(a, b, c)]
    got64 = _resample.fma(a, b, c, np.float64)
    ulps = [abs(Fraction(g) - e) / Fraction(np.spacing(np.float64(float(e)))) for g, e in zip(got64, exact)]
    assert max(ulps) <= 1 and sum(u > Fraction(1, 2) for u in ulps) <= 3
    a32, b32, c32 = (v.astype(np.float32) for v in (a, b, c))
    got32 = _resample.fma(a32, b32, c32, np.float32)
    want32 = [np.float32(float(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))))
              for x, y, z in zip(a32, b32, c32)]
    assert got32.dtype == np.float32 and (got32 == np.array(want32)).mean() > 0.99
