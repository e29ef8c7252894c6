"""sigmoid, SiLU and GELU (exact and tanh) as one-pass float32 kernels (_activation.h) and single
autograd nodes, against PyTorch: values, gradients, double backward, node names, special values,
precision against float64 (at least PyTorch's), the same bits for any thread count and for both
loop variants (baseline and AVX2)."""
import numpy as np
import pytest

import miniconv
import miniconv.nn as mnn
import miniconv.nn.functional as F
from miniconv import _kernels as K

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CASES = {
    "sigmoid": (lambda t: t.sigmoid(), lambda t: t.sigmoid()),
    "silu": (F.silu, TF.silu),
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), lambda t: TF.gelu(t, approximate="tanh")),
}
NAMES = list(CASES)


def _both(name, x, create_graph=False):
    fm, ft = CASES[name]
    xm = miniconv.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ym, yt = fm(xm), ft(xt)
    w = np.random.default_rng(1).standard_normal(x.shape).astype(x.dtype)
    (gm,) = miniconv.autograd.grad((ym * miniconv.tensor(w)).sum(), xm, create_graph=create_graph)
    (gt,) = torch.autograd.grad((yt * torch.tensor(w)).sum(), xt, create_graph=create_graph)
    return (xm, ym, gm), (xt, yt, gt)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_values_gradients_and_node_names(name, dtype):
    x = (np.random.default_rng(0).standard_normal((7, 33)) * 4).astype(dtype)
    (xm, ym, gm), (xt, yt, gt) = _both(name, x)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(gm.numpy(), gt.numpy(), rtol=4 * tol, atol=4 * tol)
    assert ym.dtype == xm.dtype and gm.dtype == xm.dtype
    assert ym.grad_fn.name() == yt.grad_fn.name()
    assert type(ym.grad_fn).__name__ == type(yt.grad_fn).__name__


@pytest.mark.parametrize("name", NAMES)
def test_double_backward(name):
    x = (np.random.default_rng(2).standard_normal((5, 6)) * 3).astype(np.float32)
    (xm, ym, gm), (xt, yt, gt) = _both(name, x, create_graph=True)
    (ggm,) = miniconv.autograd.grad((gm * gm).sum(), xm)
    (ggt,) = torch.autograd.grad((gt * gt).sum(), xt)
    np.testing.assert_allclose(ggm.numpy(), ggt.numpy(), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", NAMES)
def test_special_values_as_pytorch(name):
    x = np.array([-np.inf, np.inf, np.nan, -100.0, 100.0, -1e-30, 0.0, -0.0, 88.0, -88.0, 1e30, -1e30],
                 np.float32)
    fm, ft = CASES[name]
    ym = fm(miniconv.tensor(x)).numpy()
    yt = ft(torch.tensor(x)).numpy()
    np.testing.assert_array_equal(np.isnan(ym), np.isnan(yt))
    np.testing.assert_array_equal(np.isinf(ym), np.isinf(yt))
    ok = np.isfinite(yt)
    np.testing.assert_allclose(ym[ok], yt[ok], rtol=1e-6, atol=1e-30)


@pytest.mark.parametrize("name", NAMES)
def test_as_close_to_float64_as_pytorch(name):
    x = np.concatenate([np.linspace(-12, 12, 200001), np.geomspace(1e-8, 30, 5000),
                        -np.geomspace(1e-8, 30, 5000)]).astype(np.float32)
    fm, ft = CASES[name]
    x64 = torch.tensor(x.astype(np.float64), requires_grad=True)
    y64 = ft(x64)
    (g64,) = torch.autograd.grad(y64.sum(), x64)
    (xm, ym, gm), (xt, yt, gt) = _both(name, x)
    # the gradient of sum(w * y): compare with w * f'(x) in float64
    w = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32).astype(np.float64)
    ref_y, ref_g = y64.detach().numpy(), w * g64.numpy()
    for ours, theirs, ref in ((ym.detach().numpy(), yt.detach().numpy(), ref_y), (gm.numpy(), gt.numpy(), ref_g)):
        e_ours = np.abs(ours.astype(np.float64) - ref)
        e_theirs = np.abs(theirs.astype(np.float64) - ref)
        assert e_ours.max() <= e_theirs.max() * 1.0001, (e_ours.max(), e_theirs.max())
        assert e_ours.mean() <= e_theirs.mean(), (e_ours.mean(), e_theirs.mean())


@pytest.mark.parametrize("name", NAMES)
def test_same_bits_any_threads_and_both_loop_variants(name):
    x = (np.random.default_rng(3).standard_normal(100_003) * 5).astype(np.float32)
    g = np.random.default_rng(4).standard_normal(100_003).astype(np.float32)
    results = []
    previous = K.rnn_gates_isa()
    try:
        for isa in K.rnn_gates_isas_supported():
            K.rnn_gates_set_isa(isa)
            for threads in (1, 2, 3):
                y = np.empty_like(x)
                K.act_forward_f32(name, x, y, threads)
                dx = np.empty_like(x)
                if name != "sigmoid":
                    K.act_backward_f32(name, g, x, dx, threads)
                else:
                    dx[:] = 0
                results.append((y, dx))
    finally:
        K.rnn_gates_set_isa(previous)
    for y, dx in results[1:]:
        assert np.array_equal(y, results[0][0]) and np.array_equal(dx, results[0][1])


def test_non_contiguous_and_empty_and_scalar_inputs():
    x = (np.random.default_rng(5).standard_normal((6, 8)) * 2).astype(np.float32)
    for name, (fm, ft) in CASES.items():
        ym = fm(miniconv.tensor(x).t())
        yt = ft(torch.tensor(x).t())
        np.testing.assert_allclose(ym.numpy(), yt.numpy(), rtol=1e-6, atol=1e-6)  # PyTorch's erf: 1.5e-7
        assert fm(miniconv.zeros(0, 3)).shape == (0, 3)
        np.testing.assert_allclose(fm(miniconv.tensor(1.5)).numpy(), ft(torch.tensor(1.5)).numpy(), rtol=1e-6)


def test_modules_and_inplace_silu():
    x = (np.random.default_rng(6).standard_normal((4, 9)) * 3).astype(np.float32)
    for mm, tm in ((mnn.GELU(), torch.nn.GELU()), (mnn.GELU("tanh"), torch.nn.GELU("tanh")),
                   (mnn.SiLU(), torch.nn.SiLU()), (mnn.Sigmoid(), torch.nn.Sigmoid())):
        np.testing.assert_allclose(mm(miniconv.tensor(x)).numpy(), tm(torch.tensor(x)).numpy(), rtol=1e-6, atol=1e-6)
    a = miniconv.tensor(x.copy())
    out = F.silu(a, inplace=True)
    assert out is a
    np.testing.assert_allclose(a.numpy(), TF.silu(torch.tensor(x)).numpy(), rtol=1e-6, atol=1e-6)


def test_kernel_argument_errors():
    x = np.zeros(5, np.float32)
    with pytest.raises(ValueError, match="unknown activation"):
        K.act_forward_f32("relu", x, np.empty(5, np.float32), 1)
    with pytest.raises(ValueError, match="unknown activation"):
        K.act_backward_f32("sigmoid", x, x, np.empty(5, np.float32), 1)
    with pytest.raises(ValueError):
        K.act_forward_f32("gelu", x, np.empty(4, np.float32), 1)
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(miniconv.tensor(x), approximate="fast")
