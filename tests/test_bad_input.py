"""Inputs that are unusual but valid work like PyTorch; invalid ones raise, never crash (issue 5)."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import miniconv as mc
import miniconv.nn as nn
import miniconv.nn.functional as F

from conv_reference import conv2d_forward


def _layers():
    return [
        nn.Conv2d(3, 4, 3, padding=1),
        nn.Conv2d(3, 3, 3, groups=3, padding="same", padding_mode="reflect"),
        nn.MaxPool2d(2),
        nn.AvgPool2d(2),
        nn.AdaptiveAvgPool2d(2),
        nn.BatchNorm2d(3).eval(),
        nn.ReLU(),
        nn.Dropout2d(0.5),
        nn.Flatten(),
    ]


@pytest.mark.parametrize("layer", _layers(), ids=lambda m: type(m).__name__)
def test_empty_batch_forward_and_backward(layer):
    x = mc.randn(0, 3, 6, 6, requires_grad=True)
    y = layer(x)
    assert y.shape[0] == 0
    y.sum().backward()
    assert x.grad.shape == x.shape
    for p in layer.parameters():
        assert p.grad is not None and p.grad.shape == p.shape and np.all(p.grad.detach().numpy() == 0)


def test_empty_batch_linear_and_losses():
    lin = nn.Linear(5, 3)
    x = mc.randn(0, 5, requires_grad=True)
    out = lin(x)
    assert out.shape == (0, 3)
    loss = F.cross_entropy(out, mc.zeros(0, dtype=mc.int64), reduction="sum")
    assert loss.item() == 0.0
    loss.backward()
    assert np.all(lin.weight.grad.detach().numpy() == 0)


def test_batchnorm_training_with_empty_batch_matches_torch():
    # PyTorch returns an empty output and leaves the running statistics untouched
    bn = nn.BatchNorm2d(3)
    x = mc.randn(0, 3, 4, 4, requires_grad=True)
    y = bn(x)
    assert y.shape == (0, 3, 4, 4)
    assert np.all(bn.running_mean.detach().numpy() == 0) and np.all(bn.running_var.detach().numpy() == 1)
    y.sum().backward()
    assert x.grad.shape == x.shape


@pytest.mark.parametrize("layer", _layers()[:7], ids=lambda m: type(m).__name__)
def test_nan_and_inf_propagate(layer):
    x = mc.randn(2, 3, 6, 6)
    x.detach().numpy()[0, 0, 0, 0] = np.nan
    x.detach().numpy()[1, 1, 2, 2] = np.inf
    y = layer(x)
    assert not np.all(np.isfinite(y.detach().numpy()))  # the bad values show up instead of crashing or vanishing


def test_nan_through_conv_backward_and_loss():
    conv = nn.Conv2d(1, 2, 3)
    x = mc.randn(2, 1, 5, 5, requires_grad=True)
    x.detach().numpy()[0, 0, 2, 2] = np.nan
    loss = F.cross_entropy(conv(x).flatten(1), mc.tensor([0, 1]))
    loss.backward()
    assert np.isnan(loss.item()) and np.isnan(conv.weight.grad.detach().numpy()).any()


@pytest.mark.parametrize("view", ["step", "negative", "transposed"])
def test_non_contiguous_numpy_inputs(view):
    base = np.random.default_rng(0).standard_normal((2, 3, 12, 12)).astype(np.float32)
    arr = {"step": base[..., ::2], "negative": base[:, :, ::-1, ::-1],
           "transposed": base.transpose(0, 1, 3, 2)}[view]
    assert not arr.flags.c_contiguous
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
    if view == "negative":  # PyTorch refuses negative strides (tests/tensor/test_numpy_layouts.py compares)
        with pytest.raises(ValueError, match="At least one stride in the given numpy array is negative"):
            mc.from_numpy(arr)
        a = model(mc.Tensor._wrap(arr))  # miniconv's internal constructor: the kernels still take such views
    else:
        a = model(mc.from_numpy(arr))
    b = model(mc.from_numpy(np.ascontiguousarray(arr)))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_mixed_float64_weights_and_float32_input():
    conv = nn.Conv2d(3, 2, 3).double()
    with pytest.raises(RuntimeError, match=r"Input type \(float32\) and weight type \(float64\) should be the same"):
        conv(mc.randn(1, 3, 5, 5))
    assert conv(mc.randn(1, 3, 5, 5).double()).dtype == mc.float64


def test_integer_images_refused_with_advice():
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Conv2d(1, 2, 3)(mc.zeros(1, 1, 5, 5, dtype=mc.uint8))


def test_sizes_beyond_32_bit_blas_are_refused_not_crashed():
    huge = np.broadcast_to(np.zeros((1, 1, 1, 1), np.float32), (1, 1, 50_000, 50_000))  # no memory used
    with pytest.raises(RuntimeError, match="32-bit"):
        F.conv2d(mc.from_numpy(huge), mc.zeros(1, 1, 1, 1))


# -------------------------------------------------------------------- fuzzing
@st.composite
def conv_case(draw):
    """Mostly valid configurations, with a share of invalid values in every argument."""
    n = draw(st.integers(0, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3, 0, -1]))
    cpg = draw(st.integers(0, 3))
    opg = draw(st.integers(0, 3))
    h, w = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    kh, kw = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    c_in = cpg * max(groups, 1) + draw(st.sampled_from([0, 0, 0, 1]))
    stride = draw(st.sampled_from([1, 2, 3, (1, 2), 0, -1]))
    dilation = draw(st.sampled_from([1, 2, (2, 1), 0]))
    padding = draw(st.sampled_from([0, 1, 2, (1, 0), "same", "valid", -1, "bogus"]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.float64, np.int64]))
    wdtype = dtype if draw(st.booleans()) or dtype == np.int64 else np.float32
    rank = draw(st.sampled_from([4, 4, 4, 3, 5]))
    layout = draw(st.sampled_from(["c", "strided", "reversed"]))
    use_bias = draw(st.booleans())
    return n, groups, c_in, opg * max(groups, 1), h, w, kh, kw, cpg, stride, dilation, padding, dtype, wdtype, \
        rank, layout, use_bias


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conv_case())
def test_fuzz_conv2d_is_correct_or_raises(case):
    (n, groups, c_in, o, h, w, kh, kw, cpg, stride, dilation, padding, dtype, wdtype, rank, layout,
     use_bias) = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c_in, h, 2 * w)).astype(dtype)
    x = {"c": np.ascontiguousarray(x[..., :w]), "strided": x[..., ::2], "reversed": x[:, :, ::-1, ::-2]}[layout]
    if rank == 3:
        x = x[0] if n else np.zeros((c_in, h, w), dtype)
    elif rank == 5:
        x = x[None]
    wt = rng.standard_normal((o, cpg, kh, kw)).astype(wdtype)
    b = rng.standard_normal(o).astype(wdtype) if use_bias else None
    # from_numpy refuses negative strides as PyTorch does; miniconv's internal Tensor._wrap(arr) takes them, so
    # the kernels still see reversed views
    xt, wt_t = (mc.Tensor._wrap if layout == "reversed" else mc.from_numpy)(np.asarray(x)), mc.from_numpy(wt)
    try:
        out = F.conv2d(xt, wt_t, None if b is None else mc.from_numpy(b), stride, padding, dilation, groups)
    except (RuntimeError, ValueError, TypeError) as e:
        assert str(e)  # a message, not a crash
        return
    # it ran: the arguments must have been valid, and the result must match the reference
    s = (stride, stride) if isinstance(stride, int) else stride
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    if padding == "valid":
        pads = (0, 0, 0, 0)
    elif padding == "same":
        tot = [d[0] * (kh - 1), d[1] * (kw - 1)]
        pads = (tot[0] // 2, tot[0] - tot[0] // 2, tot[1] // 2, tot[1] - tot[1] // 2)
    else:
        p = (padding, padding) if isinstance(padding, int) else padding
        pads = (p[0], p[0], p[1], p[1])
    xb = np.asarray(x)[None] if np.asarray(x).ndim == 3 else np.asarray(x)
    ref = conv2d_forward(xb, wt, b, s, pads, d, groups)
    got = out.detach().numpy()[None] if out.ndim == 3 else out.detach().numpy()
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
