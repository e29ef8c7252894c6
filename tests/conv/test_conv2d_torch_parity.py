"""Parity with PyTorch: the same conv2d / Conv2d / pad calls give the same shapes, values, gradients,
printed form, initial weight distribution and errors."""
import math

import numpy as np
import pytest

import miniconv
import miniconv.nn as nn
import miniconv.nn.functional as F

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
TF = torch.nn.functional

F32 = dict(rtol=1e-5, atol=1e-4)

# (input shape, weight shape, kwargs) in PyTorch's own terms
CONFIGS = [
    ((2, 3, 8, 8), (4, 3, 3, 3), dict()),
    ((2, 3, 8, 8), (4, 3, 3, 3), dict(padding=1)),
    ((2, 3, 9, 7), (4, 3, 3, 2), dict(stride=2, padding=(1, 0))),
    ((1, 4, 11, 10), (6, 2, 3, 5), dict(stride=(2, 1), padding=(4, 2), dilation=(3, 1), groups=2)),
    ((2, 6, 7, 7), (6, 1, 3, 3), dict(padding=1, groups=6)),  # depthwise
    ((2, 2, 7, 8), (3, 2, 2, 4), dict(padding="same")),  # even kernels: asymmetric
    ((2, 2, 7, 8), (3, 2, 3, 2), dict(padding="same", dilation=(2, 3))),
    ((2, 2, 7, 8), (3, 2, 3, 3), dict(padding="valid", dilation=2)),
    ((9, 9, 10), (6, 3, 3, 3), dict(padding=2, groups=3)),  # unbatched
    ((0, 3, 6, 6), (4, 3, 3, 3), dict(padding=1)),  # empty batch
    ((2, 1, 28, 28), (8, 1, 5, 5), dict(stride=3)),
    ((2, 16, 6, 6), (8, 16, 1, 1), dict()),
    ((2, 3, 2, 3), (4, 3, 3, 2), dict(padding=5)),  # rows and columns made only of padding
    ((2, 3, 2, 3), (4, 3, 3, 2), dict(padding=(4, 6), stride=3, dilation=2)),
    ((2, 8, 12, 12), (16, 8, 3, 3), dict(padding=1)),  # big enough to run on several threads
]


def _pair_of_tensors(shape, rng, dtype=np.float32):
    a = rng.standard_normal(shape).astype(dtype)
    return miniconv.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


@pytest.mark.parametrize("x_shape,w_shape,kwargs", CONFIGS, ids=[str(c[2]) + str(c[0]) for c in CONFIGS])
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_matches_torch(x_shape, w_shape, kwargs, with_bias):
    rng = np.random.default_rng(0)
    x, tx = _pair_of_tensors(x_shape, rng)
    w, tw = _pair_of_tensors(w_shape, rng)
    b, tb = _pair_of_tensors(w_shape[0], rng) if with_bias else (None, None)
    out = F.conv2d(x, w, b, **kwargs)
    tout = TF.conv2d(tx, tw, tb, **kwargs)
    assert out.shape == tuple(tout.shape)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **F32)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(miniconv.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy(), **F32)
    np.testing.assert_allclose(w.grad.detach().numpy(), tw.grad.numpy(), **F32)
    if with_bias:
        np.testing.assert_allclose(b.grad.detach().numpy(), tb.grad.numpy(), **F32)


@pytest.mark.parametrize("h,w,k,s,p,d", [(28, 28, 3, 1, 1, 1), (50, 100, 3, 2, 4, 3), (7, 9, 4, 3, 0, 1),
                                          (5, 5, 5, 1, 0, 1), (6, 13, 2, 4, 3, 2)])
def test_output_shape_formula_matches_torch(h, w, k, s, p, d):
    x = miniconv.zeros(1, 1, h, w)
    weight = miniconv.zeros(1, 1, k, k)
    expected = TF.conv2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d).shape
    assert F.conv2d(x, weight, stride=s, padding=p, dilation=d).shape == tuple(expected)
    assert expected[2] == math.floor((h + 2 * p - d * (k - 1) - 1) / s + 1)


MODULE_CONFIGS = [
    ((1, 32, 3), dict(padding=1)),
    ((4, 8, 3), {}),
    ((4, 8, (3, 5)), dict(stride=2, padding="valid", dilation=2, groups=2, bias=False, padding_mode="reflect")),
    ((4, 8, 3), dict(padding="same", padding_mode="circular")),
    ((4, 6, (2, 4)), dict(padding="same", dilation=(1, 3), padding_mode="circular")),
    ((4, 6, (2, 3)), dict(padding=(1, 2), padding_mode="replicate", groups=2)),
    ((3, 3, 3), dict(padding=2, padding_mode="reflect", stride=(1, 2), groups=3)),
    ((2, 4, 1), dict(padding="valid")),
]


@pytest.mark.parametrize("args,kwargs", MODULE_CONFIGS, ids=[str(c[1]) for c in MODULE_CONFIGS])
def test_module_matches_torch(args, kwargs):
    conv = nn.Conv2d(*args, **kwargs)
    tconv = torch.nn.Conv2d(*args, **kwargs)
    assert repr(conv) == repr(tconv)
    assert conv.weight.shape == tuple(tconv.weight.shape)
    with torch.no_grad():
        tconv.weight.copy_(torch.from_numpy(conv.weight.detach().numpy()))
        if conv.bias is not None:
            tconv.bias.copy_(torch.from_numpy(conv.bias.detach().numpy()))
    rng = np.random.default_rng(1)
    for shape in [(2, args[0], 7, 10), (args[0], 6, 9)]:  # batched and unbatched
        x, tx = _pair_of_tensors(shape, rng)
        out, tout = conv(x), tconv(tx)
        assert out.shape == tuple(tout.shape)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **F32)
        g = rng.standard_normal(out.shape).astype(np.float32)
        out.backward(miniconv.tensor(g))
        tout.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy(), **F32)
        np.testing.assert_allclose(conv.weight.grad.detach().numpy(), tconv.weight.grad.numpy(), **F32)
        if conv.bias is not None:
            np.testing.assert_allclose(conv.bias.grad.detach().numpy(), tconv.bias.grad.numpy(), **F32)
        conv.zero_grad()
        tconv.zero_grad()


@pytest.mark.parametrize("args,kwargs", [((64, 64, 3), {}), ((16, 48, (5, 3)), dict(groups=4)), ((1, 200, 1), {})])
def test_default_init_distribution_matches_torch(args, kwargs):
    torch.manual_seed(0)
    conv, tconv = nn.Conv2d(*args, **kwargs), torch.nn.Conv2d(*args, **kwargs)
    pairs = [(conv.weight.detach().numpy(), tconv.weight.detach().numpy()), (conv.bias.detach().numpy(), tconv.bias.detach().numpy())]
    for ours, theirs in pairs:
        bound_ours, bound_theirs = np.abs(ours).max(), np.abs(theirs).max()
        fan_in = conv.weight.shape[1] * conv.weight.shape[2] * conv.weight.shape[3]
        bound = 1 / math.sqrt(fan_in)  # both are U(-bound, bound)
        assert bound_ours <= bound and bound_theirs <= bound
        n = ours.size
        # for U(-a, a): mean 0 +- a/sqrt(3n) and std a/sqrt(3); allow 5 standard errors
        assert abs(ours.mean() - theirs.mean()) < 5 * bound * math.sqrt(2 / (3 * n))
        if n >= 100:
            assert abs(ours.std() - theirs.std()) < 5 * bound / math.sqrt(n)
            assert bound_ours > 0.9 * bound


# (input shape, weight shape, bias shape or None, input dtype, weight dtype, kwargs): both libraries must refuse
ERROR_CASES = [
    ((3, 5), (4, 3, 3, 3), None, "f", "f", {}),
    ((1, 2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", {}),
    ((2, 4, 5, 5), (4, 3, 3, 3), None, "f", "f", {}),
    ((4, 5, 5), (4, 3, 3, 3), None, "f", "f", {}),
    ((2, 4, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(groups=2)),
    ((2, 3, 2, 2), (4, 3, 3, 3), None, "f", "f", {}),
    ((2, 3, 2, 2), (4, 3, 3, 3), None, "f", "f", dict(padding="valid")),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(dilation=3)),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(stride=0)),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(dilation=(1, 0))),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(padding=-1)),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(padding="foo")),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(padding="same", stride=2)),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(stride=(1, 1, 1))),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "i", "f", {}),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "d", "f", {}),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "d", {}),
    ((2, 3, 5, 5), (4, 3, 3), None, "f", "f", {}),
    ((2, 3, 5, 5), (4, 3, 3, 3), (5,), "f", "f", {}),
    ((2, 3, 5, 5), (4, 3, 3, 3), (4, 1), "f", "f", {}),
    ((2, 4, 5, 5), (3, 2, 3, 3), None, "f", "f", dict(groups=2)),
    ((2, 3, 5, 5), (4, 3, 3, 3), None, "f", "f", dict(groups=0)),
    ((2, 3, 5, 5), (0, 3, 3, 3), None, "f", "f", {}),
]
DTYPES = {"f": (np.float32, torch.float32), "d": (np.float64, torch.float64), "i": (np.int64, torch.int64)}


@pytest.mark.parametrize("x_shape,w_shape,b_shape,x_dt,w_dt,kwargs", ERROR_CASES)
def test_conv2d_errors_match_torch(x_shape, w_shape, b_shape, x_dt, w_dt, kwargs):
    def make(lib, shape, dt):
        np_dt, t_dt = DTYPES[dt]
        return miniconv.from_numpy(np.zeros(shape, np_dt)) if lib == "mc" else torch.zeros(shape, dtype=t_dt)

    with pytest.raises(RuntimeError):
        TF.conv2d(make("t", x_shape, x_dt), make("t", w_shape, w_dt),
                  None if b_shape is None else make("t", b_shape, "f"), **kwargs)
    with pytest.raises(RuntimeError):
        F.conv2d(make("mc", x_shape, x_dt), make("mc", w_shape, w_dt),
                 None if b_shape is None else make("mc", b_shape, "f"), **kwargs)


MODULE_ERROR_CASES = [
    dict(groups=0), dict(in_channels=3, groups=2), dict(out_channels=3, groups=2), dict(padding="foo"),
    dict(padding="same", stride=2), dict(padding_mode="foo"),
]


@pytest.mark.parametrize("kwargs", MODULE_ERROR_CASES, ids=str)
def test_module_errors_match_torch(kwargs):
    args = dict(in_channels=4, out_channels=4, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(ValueError) as theirs:
        torch.nn.Conv2d(**args)
    with pytest.raises(ValueError) as ours:
        nn.Conv2d(**args)
    if "padding_mode" not in kwargs:  # torch prints a set, whose order varies
        assert str(ours.value) == str(theirs.value).replace("{'same', 'valid'}", "{'valid', 'same'}")


PAD_CASES = [
    ((2, 3, 4, 5), (1, 2, 3, 0)),
    ((2, 3, 4, 5), (-1, 2, 1, -2)),
    ((2, 3, 4, 5), (-2, -1, 0, 0)),
    ((2, 3, 4, 5), (3, 3, 1, 0)),
    ((2, 3, 4, 5), (4, 4, 3, 3)),
    ((3, 4, 5), (1, 2)),
    ((2, 3, 4, 5), (1, 0, 2, 1, 1, 1)),
]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", PAD_CASES)
def test_pad_matches_torch(mode, shape, pad):
    rng = np.random.default_rng(2)
    x, tx = _pair_of_tensors(shape, rng, np.float64)
    try:
        tout = TF.pad(tx, pad, mode=mode)
    except (RuntimeError, NotImplementedError) as e:
        with pytest.raises(type(e)):
            F.pad(x, pad, mode=mode)
        return
    out = F.pad(x, pad, mode=mode)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    g = rng.standard_normal(out.shape)
    out.backward(miniconv.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.detach().numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
