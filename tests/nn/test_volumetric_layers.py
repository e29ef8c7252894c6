"""3-D layers (Conv3d, ConvTranspose3d, Max/Avg/Adaptive pooling 3-D, BatchNorm3d, InstanceNorm3d,
trilinear/nearest/area interpolation of 5-D input) against PyTorch: the same weights and inputs, values
and gradients of input and parameters, and the errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
import miniconv.nn.functional as F  # noqa: E402
import torch.nn.functional as TF  # noqa: E402


def pair(shape, seed=0, dtype=np.float32):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return miniconv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def close(a, b, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(np.asarray(a.detach().numpy()), b.detach().numpy(), rtol=rtol, atol=atol)


def run_both(mfn, tfn, xs, grad_seed=1):
    ym, yt = mfn(*[m for m, _ in xs]), tfn(*[t for _, t in xs])
    close(ym, yt)
    g = np.random.default_rng(grad_seed).standard_normal(tuple(yt.shape)).astype(np.float32)
    ym.backward(miniconv.tensor(g))
    yt.backward(torch.tensor(g))
    for m, t in xs:
        close(m.grad, t.grad)
    return ym, yt


CONV_CASES = [
    dict(shape=(2, 3, 5, 6, 7), w=(4, 3, 3, 3, 3), kw=dict()),
    dict(shape=(1, 4, 6, 6, 5), w=(6, 2, 3, 2, 3), kw=dict(stride=(2, 1, 2), padding=(1, 0, 2), groups=2)),
    dict(shape=(2, 2, 7, 5, 5), w=(3, 2, 2, 3, 3), kw=dict(dilation=(2, 1, 1), padding="same")),
    dict(shape=(2, 3, 4, 4, 4), w=(2, 3, 1, 1, 1), kw=dict(padding="valid")),
    dict(shape=(3, 5, 4, 6), w=(2, 3, 3, 3, 3), kw=dict(padding=1)),   # unbatched
]


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv3d(case, bias):
    x = pair(case["shape"])
    w = pair(case["w"], 2)
    xs = [x, w] + ([pair((case["w"][0],), 3)] if bias else [])
    run_both(lambda *a: F.conv3d(a[0], a[1], a[2] if bias else None, **case["kw"]),
             lambda *a: TF.conv3d(a[0], a[1], a[2] if bias else None, **case["kw"]), xs)


@pytest.mark.parametrize("kw,shape,w", [
    (dict(), (2, 3, 3, 4, 5), (3, 2, 3, 3, 3)),
    (dict(stride=2, padding=1, output_padding=1), (1, 2, 3, 3, 4), (2, 4, 3, 3, 3)),
    (dict(stride=(1, 2, 3), padding=(0, 1, 1), dilation=(2, 1, 1), groups=2), (2, 4, 3, 4, 3), (4, 1, 2, 3, 3)),
])
def test_conv_transpose3d(kw, shape, w):
    xs = [pair(shape), pair(w, 2), pair((w[1] * kw.get("groups", 1),), 3)]
    run_both(lambda x, wt, b: F.conv_transpose3d(x, wt, b, **kw), lambda x, wt, b: TF.conv_transpose3d(x, wt, b, **kw),
             xs)


def test_conv3d_module_matches_torch_module():
    torch.manual_seed(0)
    tm = torch.nn.Conv3d(2, 3, (3, 2, 3), stride=(1, 2, 1), padding=(1, 0, 1), padding_mode="replicate")
    mm = miniconv.nn.Conv3d(2, 3, (3, 2, 3), stride=(1, 2, 1), padding=(1, 0, 1), padding_mode="replicate")
    mm.load_state_dict({k: miniconv.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    assert repr(mm) == repr(tm)
    assert mm.weight.shape == tuple(tm.weight.shape)
    xs = [pair((2, 2, 4, 5, 6))]
    run_both(mm, tm, xs)
    close(mm.weight.grad, tm.weight.grad)
    close(mm.bias.grad, tm.bias.grad)
    tt = torch.nn.ConvTranspose3d(3, 2, 2, stride=2)
    mt = miniconv.nn.ConvTranspose3d(3, 2, 2, stride=2)
    mt.load_state_dict({k: miniconv.tensor(v.detach().numpy()) for k, v in tt.state_dict().items()})
    x = pair((1, 3, 2, 3, 2))
    close(mt(x[0], output_size=[5, 7, 5]), tt(x[1], output_size=[5, 7, 5]))


POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0), ceil_mode=True),
]


@pytest.mark.parametrize("kw", POOL_CASES)
def test_max_pool3d(kw):
    run_both(lambda x: F.max_pool3d(x, **kw), lambda x: TF.max_pool3d(x, **kw), [pair((2, 3, 6, 7, 5))])
    m, t = pair((2, 3, 6, 7, 5))
    ym, im = F.max_pool3d(m, return_indices=True, **kw)
    yt, it = TF.max_pool3d(t, return_indices=True, **kw)
    np.testing.assert_array_equal(im.numpy(), it.numpy())
    close(ym, yt)


def test_max_pool3d_ties_and_dilation():
    x = np.zeros((1, 1, 4, 4, 4), np.float32)
    x[0, 0, 1:3, 1:3, 1:3] = 1.0     # many equal maxima: PyTorch keeps the first in (d, h, w) order
    m, t = miniconv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    run_both(lambda a: F.max_pool3d(a, 3, 1, 1), lambda a: TF.max_pool3d(a, 3, 1, 1), [(m, t)])
    run_both(lambda a: F.max_pool3d(a, 2, dilation=2), lambda a: TF.max_pool3d(a, 2, dilation=2),
             [pair((1, 2, 5, 5, 6))])
    mi, ti = F.max_pool3d(m, 2, return_indices=True)[1], TF.max_pool3d(t, 2, return_indices=True)[1]
    np.testing.assert_array_equal(mi.numpy(), ti.numpy())


@pytest.mark.parametrize("kw", POOL_CASES + [dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
                                             dict(kernel_size=2, divisor_override=3),
                                             dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                                  count_include_pad=False)])
def test_avg_pool3d(kw):
    run_both(lambda x: F.avg_pool3d(x, **kw), lambda x: TF.avg_pool3d(x, **kw), [pair((2, 2, 7, 6, 5))])


@pytest.mark.parametrize("size", [1, (2, 3, 2), (None, 2, 3), 4])
def test_adaptive_pool3d(size):
    run_both(lambda x: F.adaptive_avg_pool3d(x, size), lambda x: TF.adaptive_avg_pool3d(x, size),
             [pair((2, 3, 5, 7, 6))])
    run_both(lambda x: F.adaptive_max_pool3d(x, size), lambda x: TF.adaptive_max_pool3d(x, size),
             [pair((2, 3, 5, 7, 6))])
    m, t = pair((2, 3, 5, 7, 6))
    np.testing.assert_array_equal(F.adaptive_max_pool3d(m, size, True)[1].numpy(),
                                  TF.adaptive_max_pool3d(t, size, True)[1].numpy())


def test_pool_modules_and_unbatched():
    for mcls, tcls, args in ((miniconv.nn.MaxPool3d, torch.nn.MaxPool3d, (2,)),
                             (miniconv.nn.AvgPool3d, torch.nn.AvgPool3d, (3, 2, 1)),
                             (miniconv.nn.AdaptiveAvgPool3d, torch.nn.AdaptiveAvgPool3d, ((1, 2, 2),)),
                             (miniconv.nn.AdaptiveMaxPool3d, torch.nn.AdaptiveMaxPool3d, (2,))):
        mm, tm = mcls(*args), tcls(*args)
        assert repr(mm) == repr(tm)
        run_both(mm, tm, [pair((3, 4, 5, 6))])


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm3d_and_instancenorm3d(training):
    tb, mb = torch.nn.BatchNorm3d(3), miniconv.nn.BatchNorm3d(3)
    tb.train(training)
    mb.train(training)
    if not training:
        tb.running_mean.fill_(0.2)
        tb.running_var.fill_(1.5)
        mb.running_mean.fill_(0.2)
        mb.running_var.fill_(1.5)
    run_both(mb, tb, [pair((2, 3, 3, 4, 5))])
    close(mb.running_mean, tb.running_mean)
    close(mb.running_var, tb.running_var)
    assert repr(mb) == repr(tb)
    with pytest.raises(ValueError, match="expected 5D input"):
        mb(miniconv.zeros(2, 3, 4, 4))
    ti, mi = torch.nn.InstanceNorm3d(3, affine=True), miniconv.nn.InstanceNorm3d(3, affine=True)
    run_both(mi, ti, [pair((2, 3, 3, 4, 5))])


@pytest.mark.parametrize("kw", [dict(scale_factor=2, mode="trilinear"),
                                dict(size=(3, 5, 4), mode="trilinear", align_corners=True),
                                dict(scale_factor=(1.5, 2, 0.5), mode="trilinear"),
                                dict(size=(4, 6, 3), mode="nearest"), dict(scale_factor=2, mode="nearest-exact"),
                                dict(size=(2, 3, 2), mode="area")])
def test_interpolate_5d(kw):
    run_both(lambda x: F.interpolate(x, **kw), lambda x: TF.interpolate(x, **kw), [pair((2, 2, 3, 4, 5))])


def test_errors_like_torch():
    x5, x4 = miniconv.zeros(1, 2, 3, 3, 3), miniconv.zeros(1, 2, 3, 3)
    t5, t4 = torch.zeros(1, 2, 3, 3, 3), torch.zeros(1, 2, 3, 3)
    for mfn, tfn, args, exc, msg in [
        (F.interpolate, TF.interpolate, (x4, None, 2, "trilinear"), NotImplementedError, "needs 5D input"),
        (F.interpolate, TF.interpolate, (x5, None, 2, "bilinear"), NotImplementedError, "needs 4D input"),
        (F.conv3d, TF.conv3d, (x5, miniconv.zeros(2, 3, 1, 1, 1)), RuntimeError, "to have 3 channels"),
        (F.conv3d, TF.conv3d, (x5, miniconv.zeros(2, 2, 4, 1, 1)), RuntimeError, "Kernel size can't be greater"),
        (F.conv3d, TF.conv3d, (miniconv.zeros(2, 3), miniconv.zeros(2, 2, 1, 1, 1)), RuntimeError,
         "Expected 4D \\(unbatched\\) or 5D \\(batched\\) input to conv3d"),
    ]:
        targs = tuple(t5 if a is x5 else t4 if a is x4 else torch.zeros(a.shape) if isinstance(a, miniconv.Tensor)
                      else a for a in args)
        with pytest.raises(exc, match=msg):
            tfn(*targs)
        with pytest.raises(exc, match=msg):
            mfn(*args)


def test_unpool_lp_dropout_3d_and_torch_namespace():
    m, t = pair((2, 3, 4, 6, 6))
    ym, im = F.max_pool3d(m, 2, return_indices=True)
    yt, it = TF.max_pool3d(t, 2, return_indices=True)
    run_both(lambda a: F.max_unpool3d(a, im, 2), lambda a: TF.max_unpool3d(a, it, 2), [pair(tuple(yt.shape), 4)])
    mu, tu = miniconv.nn.MaxUnpool3d(2), torch.nn.MaxUnpool3d(2)
    assert repr(mu) == repr(tu)
    close(mu(ym, im, output_size=[5, 7, 6]), tu(yt, it, output_size=[5, 7, 6]))
    close(F.max_pool3d_with_indices(m, 2)[0], TF.max_pool3d_with_indices(t, 2)[0])
    run_both(lambda a: F.lp_pool3d(a, 2.0, 2), lambda a: TF.lp_pool3d(a, 2.0, 2), [pair((2, 2, 4, 4, 4))])
    assert repr(miniconv.nn.LPPool3d(2, 3)) == repr(torch.nn.LPPool3d(2, 3))
    # dropout3d zeroes whole channels and scales the rest by 1/(1-p), in both libraries
    x = miniconv.ones(4, 6, 2, 3, 3)
    y = miniconv.nn.Dropout3d(0.5)(x).numpy()
    per_channel = y.reshape(4, 6, -1)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert all(len(np.unique(c)) == 1 for c in per_channel.reshape(24, -1))
    assert repr(miniconv.nn.Dropout3d(0.3)) == repr(torch.nn.Dropout3d(0.3))
    assert miniconv.nn.Dropout3d(0.5).eval()(x) is x or np.array_equal(miniconv.nn.Dropout3d(0.5).eval()(x).numpy(),
                                                                       x.numpy())
    # the torch.* forms
    w = pair((2, 3, 2, 2, 2), 5)
    close(miniconv.conv3d(m, w[0]), torch.conv3d(t, w[1]))
    close(miniconv.max_pool3d(m, 2), torch.max_pool3d(t, 2))
    wt = pair((3, 2, 2, 2, 2), 6)
    close(miniconv.conv_transpose3d(m, wt[0], stride=2), torch.conv_transpose3d(t, wt[1], stride=2))
