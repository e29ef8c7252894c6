"""F.conv2d and nn.Conv2d: semantics against the float64 numpy reference (tests/conv_reference.py),
hypothesis-randomised configurations, gradcheck, unusual inputs, errors and the module contract."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import miniconv
import miniconv.nn as nn
import miniconv.nn.functional as F
from miniconv.autograd import gradcheck

import conv_reference as R

NP_PAD_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def tensor(a, requires_grad=False):
    return miniconv.tensor(a, requires_grad=requires_grad)


def resolve_padding(padding, kernel, dilation):
    """(top, bottom, left, right) for an int / pair / 'valid' / 'same' padding argument."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        pads = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            pads += [total // 2, total - total // 2]  # the extra one at the bottom/right
        return tuple(pads)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    return (ph, ph, pw, pw)


def pad_source_indices(size, before, after, mode):
    """Which input row each padded row reads, computed by numpy's np.pad (independent of miniconv)."""
    if mode == "zeros":
        return np.pad(np.arange(size), (before, after), constant_values=-1)
    return np.pad(np.arange(size), (before, after), mode=NP_PAD_MODE[mode])


def reference_conv_with_mode(x, w, b, stride, pads, dilation, groups, mode, grad_out=None):
    """Reference for a convolution whose padding is done in ``mode``: gather the padded input with
    np.pad's index maps, run the zero-padding reference, scatter the input gradient back."""
    pt, pb, pl, pr = pads
    if mode == "zeros":
        if grad_out is None:
            return R.conv2d_forward(x, w, b, stride, pads, dilation, groups)
        return (
            R.conv2d_grad_input(grad_out, w, x.shape, stride, pads, dilation, groups),
            R.conv2d_grad_weight(x, grad_out, w.shape, stride, pads, dilation, groups),
            R.conv2d_grad_bias(grad_out),
        )
    rows = pad_source_indices(x.shape[2], pt, pb, mode)
    cols = pad_source_indices(x.shape[3], pl, pr, mode)
    xp = x[:, :, rows][:, :, :, cols]
    if grad_out is None:
        return R.conv2d_forward(xp, w, b, stride, (0, 0, 0, 0), dilation, groups)
    gxp = R.conv2d_grad_input(grad_out, w, xp.shape, stride, (0, 0, 0, 0), dilation, groups)
    gx = np.zeros(x.shape)
    np.add.at(gx, (slice(None), slice(None), rows[:, None], cols[None, :]), gxp)
    return gx, R.conv2d_grad_weight(xp, grad_out, w.shape, stride, (0, 0, 0, 0), dilation, groups), \
        R.conv2d_grad_bias(grad_out)


# ---------------------------------------------------------------------------
# hypothesis: random configurations against the reference, forward and all gradients
# ---------------------------------------------------------------------------
@st.composite
def conv_configs(draw, padding_modes=("zeros",)):
    groups = draw(st.integers(1, 3))
    cin = groups * draw(st.integers(1, 3))
    cout = groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    choices = [st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)), st.just("valid")]
    if stride == (1, 1):
        choices.append(st.just("same"))
    padding = draw(st.one_of(*choices))
    mode = draw(st.sampled_from(padding_modes))
    pads = resolve_padding(padding, kernel, dilation)
    # input big enough for the kernel, and (reflect) bigger than the padding
    min_h = max(dilation[0] * (kernel[0] - 1) + 1 - pads[0] - pads[1], max(pads[:2]) + 1, 1)
    min_w = max(dilation[1] * (kernel[1] - 1) + 1 - pads[2] - pads[3], max(pads[2:]) + 1, 1)
    h = draw(st.integers(min_h, min_h + 5))
    w = draw(st.integers(min_w, min_w + 5))
    n = draw(st.integers(0, 3))
    unbatched = n == 1 and draw(st.booleans())
    bias = draw(st.booleans())
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return dict(n=n, cin=cin, cout=cout, h=h, w=w, kernel=kernel, stride=stride, padding=padding,
                dilation=dilation, groups=groups, bias=bias, mode=mode, pads=pads, unbatched=unbatched, dtype=dtype)


def run_against_reference(cfg, seed):
    rng = np.random.default_rng(seed)
    dtype = cfg["dtype"]
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-4)
    x = rng.standard_normal((cfg["n"], cfg["cin"], cfg["h"], cfg["w"])).astype(dtype)
    w = rng.standard_normal((cfg["cout"], cfg["cin"] // cfg["groups"]) + cfg["kernel"]).astype(dtype)
    b = rng.standard_normal(cfg["cout"]).astype(dtype) if cfg["bias"] else None
    X, W = tensor(x[0] if cfg["unbatched"] else x, True), tensor(w, True)
    B = tensor(b, True) if b is not None else None
    if cfg["mode"] == "zeros":
        out = F.conv2d(X, W, B, cfg["stride"], cfg["padding"], cfg["dilation"], cfg["groups"])
    else:
        lrtb = (cfg["pads"][2], cfg["pads"][3], cfg["pads"][0], cfg["pads"][1])
        out = F.conv2d(F.pad(X, lrtb, mode=cfg["mode"]), W, B, cfg["stride"], 0, cfg["dilation"], cfg["groups"])
    assert out.dtype == dtype
    args = (cfg["stride"], cfg["pads"], cfg["dilation"], cfg["groups"], cfg["mode"])
    expected = reference_conv_with_mode(x, w, b, *args)
    if cfg["unbatched"]:
        expected = expected[0]
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.detach().numpy(), expected, **tol)

    grad_out = rng.standard_normal(out.shape).astype(dtype)
    out.backward(tensor(grad_out))
    gx, gw, gb = reference_conv_with_mode(x, w, b, *args, grad_out=grad_out[None] if cfg["unbatched"] else grad_out)
    np.testing.assert_allclose(X.grad.detach().numpy(), gx[0] if cfg["unbatched"] else gx, **tol)
    np.testing.assert_allclose(W.grad.detach().numpy(), gw, **tol)
    if B is not None:
        np.testing.assert_allclose(B.grad.detach().numpy(), gb, **tol)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=conv_configs(), seed=st.integers(0, 2**31))
def test_conv2d_random_configs_match_reference(cfg, seed):
    run_against_reference(cfg, seed)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=conv_configs(padding_modes=("zeros", "reflect", "replicate", "circular")), seed=st.integers(0, 2**31))
def test_conv2d_random_configs_with_padding_modes_match_reference(cfg, seed):
    run_against_reference(cfg, seed)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_keeps_dtype_and_matches_reference(dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 9, 8)).astype(dtype)
    w = rng.standard_normal((6, 2, 3, 2)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    X, W, B = tensor(x, True), tensor(w, True), tensor(b, True)
    out = F.conv2d(X, W, B, stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    assert out.dtype == dtype
    pads = (1, 1, 2, 2)
    tol = dict(rtol=1e-5, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(out.detach().numpy(), R.conv2d_forward(x, w, b, (2, 1), pads, (1, 2), 2), **tol)
    out.sum().backward()
    for t in (X, W, B):
        assert t.grad.dtype == dtype
    go = np.ones(out.shape)
    np.testing.assert_allclose(X.grad.detach().numpy(), R.conv2d_grad_input(go, w, x.shape, (2, 1), pads, (1, 2), 2), **tol)
    np.testing.assert_allclose(W.grad.detach().numpy(), R.conv2d_grad_weight(x, go, w.shape, (2, 1), pads, (1, 2), 2), **tol)
    np.testing.assert_allclose(B.grad.detach().numpy(), R.conv2d_grad_bias(go), **tol)


# ---------------------------------------------------------------------------
# gradcheck (float64 central differences)
# ---------------------------------------------------------------------------
GRADCHECK_CONFIGS = [
    dict(),
    dict(stride=2, padding=1),
    dict(stride=(2, 1), padding=(0, 2), dilation=(1, 2)),
    dict(padding="same"),  # even kernel below: asymmetric padding
    dict(padding="same", dilation=2),
    dict(padding="valid", dilation=(2, 1)),
    dict(groups=2, padding=1),
    dict(groups=4, padding=1),  # depthwise
]


@pytest.mark.parametrize("kwargs", GRADCHECK_CONFIGS, ids=str)
@pytest.mark.parametrize("kernel", [(2, 3), (3, 3)])
def test_conv2d_gradcheck(kwargs, kernel):
    rng = np.random.default_rng(2)
    groups = kwargs.get("groups", 1)
    x = tensor(rng.standard_normal((2, 4, 5, 6)), True)
    w = tensor(rng.standard_normal((4, 4 // groups) + kernel), True)
    b = tensor(rng.standard_normal(4), True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kwargs), (x, w, b))


def test_conv2d_gradcheck_unbatched_no_bias():
    rng = np.random.default_rng(3)
    x = tensor(rng.standard_normal((3, 5, 4)), True)
    w = tensor(rng.standard_normal((2, 3, 2, 2)), True)
    assert gradcheck(lambda x, w: F.conv2d(x, w, padding="same"), (x, w))


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv2d_module_padding_modes_gradcheck(mode):
    conv = nn.Conv2d(2, 3, (3, 2), padding=(1, 2), padding_mode=mode, dtype=miniconv.float64)
    x = tensor(np.random.default_rng(4).standard_normal((1, 2, 4, 4)), True)
    assert gradcheck(lambda x, w, b: conv(x), (x, conv.weight, conv.bias))


# ---------------------------------------------------------------------------
# unusual inputs
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make_view",
    [
        lambda a: a[..., ::2],  # every other column
        lambda a: a[:, :, ::-1, ::-1],  # negative strides
        lambda a: np.transpose(a, (0, 1, 3, 2)),  # transposed (Fortran-like) layout
        lambda a: a[::2, 1:],  # strided batch, offset channel
    ],
    ids=["step2", "negative", "transposed", "batch-and-channel-slice"],
)
def test_conv2d_non_contiguous_input_and_weight(make_view):
    rng = np.random.default_rng(5)
    base = rng.standard_normal((4, 4, 10, 10))
    xv = make_view(base)
    assert not xv.flags.c_contiguous
    wv = rng.standard_normal((3, 3, 4, 3))[:, :, ::-1, :].transpose(0, 2, 1, 3)  # (3, 4, 3, 3), non-contiguous
    cin = xv.shape[1]
    wv = wv[:, :cin]
    # the views as they are (float64, strided): Tensor._wrap, the internal constructor, keeps the layout
    X, W = miniconv.Tensor._wrap(xv).requires_grad_(), miniconv.Tensor._wrap(wv).requires_grad_()
    out = F.conv2d(X, W, padding=1, stride=(1, 2))
    expected = R.conv2d_forward(np.ascontiguousarray(xv), np.ascontiguousarray(wv), None, (1, 2), (1, 1, 1, 1),
                                (1, 1), 1)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-10)
    go = rng.standard_normal(out.shape)
    out.backward(tensor(go))
    np.testing.assert_allclose(X.grad.detach().numpy(), R.conv2d_grad_input(go, wv, xv.shape, (1, 2), (1, 1, 1, 1), (1, 1), 1),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(W.grad.detach().numpy(), R.conv2d_grad_weight(xv, go, wv.shape, (1, 2), (1, 1, 1, 1), (1, 1), 1),
                               rtol=1e-10, atol=1e-10)


def test_conv2d_non_contiguous_grad_output():
    x = tensor(np.random.default_rng(6).standard_normal((2, 3, 6, 6)), True)
    w = tensor(np.random.default_rng(7).standard_normal((4, 3, 3, 3)), True)
    out = F.conv2d(x, w)
    out.sum().backward()  # the gradient reaching conv2d is a broadcast (zero-stride) array
    go = np.ones(out.shape)
    np.testing.assert_allclose(x.grad.detach().numpy(), R.conv2d_grad_input(go, w.detach().numpy(), x.shape, (1, 1), (0,) * 4, (1, 1), 1),
                               rtol=1e-10, atol=1e-10)


def test_conv2d_empty_batch():
    x = tensor(np.zeros((0, 3, 5, 5)), True)
    w = tensor(np.ones((4, 3, 3, 3)), True)
    b = tensor(np.ones(4), True)
    out = F.conv2d(x, w, b, padding=1)
    assert out.shape == (0, 4, 5, 5)
    out.sum().backward()
    assert x.grad.shape == (0, 3, 5, 5)
    np.testing.assert_array_equal(w.grad.detach().numpy(), 0)
    np.testing.assert_array_equal(b.grad.detach().numpy(), 0)


def test_conv2d_zero_input_channels_gives_bias():
    x = tensor(np.zeros((2, 0, 5, 5)), True)
    w = tensor(np.zeros((3, 0, 3, 3)), True)
    b = tensor(np.array([1.0, 2.0, 3.0]), True)
    out = F.conv2d(x, w, b)
    assert out.shape == (2, 3, 3, 3)
    np.testing.assert_array_equal(out.detach().numpy()[:, :, 0, 0], [[1, 2, 3], [1, 2, 3]])
    out.sum().backward()
    np.testing.assert_array_equal(b.grad.detach().numpy(), [18, 18, 18])


def test_conv2d_unbatched_input_matches_batched():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 7, 6))
    w = rng.standard_normal((4, 3, 2, 3))
    X1, W1 = tensor(x, True), tensor(w, True)
    X4, W4 = tensor(x[None], True), tensor(w, True)
    out1 = F.conv2d(X1, W1, stride=2, padding=1)
    out4 = F.conv2d(X4, W4, stride=2, padding=1)
    assert out1.shape == out4.shape[1:]
    np.testing.assert_array_equal(out1.detach().numpy(), out4.detach().numpy()[0])
    (out1 * out1).sum().backward()
    (out4 * out4).sum().backward()
    assert X1.grad.shape == x.shape
    np.testing.assert_array_equal(X1.grad.detach().numpy(), X4.grad.detach().numpy()[0])
    np.testing.assert_array_equal(W1.grad.detach().numpy(), W4.grad.detach().numpy())


def test_conv2d_computes_only_requested_gradients():
    x = tensor(np.ones((1, 2, 4, 4)))
    w = tensor(np.ones((3, 2, 3, 3)), True)
    b = tensor(np.ones(3))
    F.conv2d(x, w, b).sum().backward()
    assert x.grad is None and b.grad is None
    np.testing.assert_array_equal(w.grad.detach().numpy(), 4.0)
    with miniconv.no_grad():
        out = F.conv2d(x, w, b)
    assert out.grad_fn is None and not out.requires_grad


def test_conv2d_accepts_int_and_tuple_arguments_alike():
    rng = np.random.default_rng(9)
    x = tensor(rng.standard_normal((1, 2, 8, 8)))
    w = tensor(rng.standard_normal((2, 2, 3, 3)))
    a = F.conv2d(x, w, None, 2, 1, 2)
    b = F.conv2d(x, w, None, (2, 2), [1, 1], (2,))
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("k,d,expected", [(2, 1, (0, 1)), (4, 1, (1, 2)), (3, 1, (1, 1)), (2, 3, (1, 2)),
                                          (4, 2, (3, 3))])
def test_same_padding_puts_the_extra_at_the_far_side(k, d, expected):
    """'same' output equals explicitly padding (before, after) with zeros and a valid convolution."""
    rng = np.random.default_rng(10)
    x = rng.standard_normal((1, 1, 7, 7))
    w = rng.standard_normal((1, 1, k, k))
    out = F.conv2d(tensor(x), tensor(w), padding="same", dilation=d)
    assert out.shape == (1, 1, 7, 7)
    before, after = expected
    xp = np.pad(x, ((0, 0), (0, 0), (before, after), (before, after)))
    np.testing.assert_allclose(out.detach().numpy(), R.conv2d_forward(xp, w, None, (1, 1), (0,) * 4, (d, d), 1), atol=1e-12)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------
def _x(*shape, dtype=np.float32):
    return tensor(np.zeros(shape, dtype=dtype))


X, W = _x(2, 3, 5, 5), _x(4, 3, 3, 3)  # a valid pair; each case below breaks one thing
CONV_ERRORS = [
    ((_x(3, 5), W), {}, RuntimeError,
     r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got input of size: \[3, 5\]"),
    ((_x(1, 2, 3, 5, 5), W), {}, RuntimeError, r"Expected 3D \(unbatched\) or 4D"),
    ((_x(2, 4, 5, 5), W), {}, RuntimeError,
     r"Given groups=1, weight of size \[4, 3, 3, 3\], expected input\[2, 4, 5, 5\] to have 3 channels, "
     r"but got 4 channels instead"),
    ((_x(4, 5, 5), W), {}, RuntimeError, r"expected input\[1, 4, 5, 5\] to have 3 channels, but got 4"),
    ((_x(2, 4, 5, 5), W), dict(groups=2), RuntimeError,
     r"Given groups=2, weight of size \[4, 3, 3, 3\], expected input\[2, 4, 5, 5\] to have 6 channels"),
    ((_x(2, 3, 2, 2), W), {}, RuntimeError,
     r"Calculated padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\). "
     r"Kernel size can't be greater than actual input size"),
    ((X, W), dict(dilation=3), RuntimeError, r"Kernel size: \(7 x 7\)"),
    ((X, W), dict(stride=0), RuntimeError, "non-positive stride is not supported"),
    ((X, W), dict(stride=(1, -1)), RuntimeError, "non-positive stride is not supported"),
    ((X, W), dict(dilation=0), RuntimeError, r"dilation should be greater than zero, but got \[0, 0\]"),
    ((X, W), dict(padding=-1), RuntimeError, "negative padding is not supported"),
    ((X, W), dict(padding="foo"), RuntimeError, "Invalid padding string: 'foo'"),
    ((X, W), dict(padding="same", stride=2), RuntimeError, "padding='same' is not supported for strided convolutions"),
    ((X, W), dict(stride=(1, 1, 1)), RuntimeError, "expected stride to be a single integer value or a list of 2"),
    ((X, W), dict(padding=(1, 1, 1)), RuntimeError, "expected padding to be a single integer value or a list of 2"),
    ((X, W), dict(stride=1.5), TypeError, "argument 'stride' must be tuple of ints, not float"),
    ((_x(2, 3, 5, 5, dtype=np.int64), W), {}, RuntimeError,
     r"expected a floating point input \(float32 or float64\), but got input of dtype int64"),
    ((_x(2, 3, 5, 5, dtype=np.float64), W), {}, RuntimeError,
     r"Input type \(float64\) and weight type \(float32\) should be the same"),
    ((X, _x(4, 3, 3)), {}, RuntimeError, "expected weight to be 4-dimensional"),
    ((X, W, _x(5)), {}, RuntimeError,
     r"Given weight of size \[4, 3, 3, 3\], expected bias to be 1-dimensional with 4 elements, "
     r"but got bias of size \[5\] instead"),
    ((X, W, _x(4, 1)), {}, RuntimeError, "expected bias to be 1-dimensional with 4 elements"),
    ((X, W, _x(4, dtype=np.float64)), {}, RuntimeError,
     r"Input type \(float32\) and bias type \(float64\) should be the same"),
    ((_x(2, 4, 5, 5), _x(3, 2, 3, 3)), dict(groups=2), RuntimeError,
     "Given groups=2, expected weight to be divisible by 2 at dimension 0"),
    ((X, _x(0, 3, 3, 3)), {}, RuntimeError, "expected weight to be at least 1 at dimension 0"),
    ((X, W), dict(groups=0), RuntimeError, "non-positive groups is not supported"),
    ((X, _x(4, 3, 0, 3)), {}, RuntimeError, "kernel size should be greater than zero"),
    ((np.zeros((2, 3, 5, 5)), W), {}, TypeError, "argument 'input' must be Tensor, not ndarray"),
]


@pytest.mark.parametrize("args,kwargs,exc,match", CONV_ERRORS, ids=[m[:40] for *_, m in CONV_ERRORS])
def test_conv2d_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        F.conv2d(*args, **kwargs)


# ---------------------------------------------------------------------------
# nn.Conv2d
# ---------------------------------------------------------------------------
def test_module_parameters_shapes_and_dtype():
    conv = nn.Conv2d(6, 9, (3, 2), groups=3)
    assert conv.weight.shape == (9, 2, 3, 2)
    assert conv.bias.shape == (9,)
    assert conv.weight.dtype == miniconv.float32 and conv.weight.requires_grad
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert list(conv.state_dict()) == ["weight", "bias"]
    no_bias = nn.Conv2d(2, 3, 1, bias=False, dtype=miniconv.float64)
    assert no_bias.bias is None and no_bias.weight.dtype == miniconv.float64
    assert [name for name, _ in no_bias.named_parameters()] == ["weight"]
    assert nn.Conv2d(2, 3, 1, device="cpu").weight.shape == (3, 2, 1, 1)


def test_module_default_init_bounds_and_spread():
    conv = nn.Conv2d(16, 32, 3, groups=2)
    fan_in = 8 * 3 * 3
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform_(a=sqrt(5)) reduces to this
    w, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound  # uniform(-a, a) has std a/sqrt(3)
    assert abs(w.mean()) < 0.05 * bound
    assert np.abs(b).max() <= bound and np.ptp(b) > 0


def test_module_init_follows_manual_seed():
    miniconv.manual_seed(123)
    a = nn.Conv2d(3, 4, 3)
    miniconv.manual_seed(123)
    b = nn.Conv2d(3, 4, 3)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())
    assert not np.array_equal(a.weight.detach().numpy(), nn.Conv2d(3, 4, 3).weight.detach().numpy())


def test_module_forward_is_functional_conv():
    conv = nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    x = miniconv.randn(2, 4, 9, 9)
    expected = F.conv2d(x, conv.weight, conv.bias, (2, 1), (1, 0), (1, 2), 2)
    np.testing.assert_array_equal(conv(x).detach().numpy(), expected.detach().numpy())
    assert conv(x[0]).shape == (6, 5, 7)  # unbatched


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [(1, 2), "same", "valid"])
def test_module_padding_modes_match_reference(mode, padding):
    conv = nn.Conv2d(2, 3, (2, 3), padding=padding, dilation=(2, 1), padding_mode=mode, dtype=miniconv.float64)
    x = np.random.default_rng(11).standard_normal((2, 2, 6, 7))
    out = conv(tensor(x))
    pads = resolve_padding(padding, (2, 3), (2, 1))
    expected = reference_conv_with_mode(x, conv.weight.detach().numpy(), conv.bias.detach().numpy(), (1, 1), pads, (2, 1), 1, mode)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-10)
    if padding == "same":
        assert out.shape == (2, 3, 6, 7)


REPRS = [
    ((1, 32, 3), dict(padding=1), "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"),
    ((4, 8, 3), {}, "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1))"),
    ((4, 8, (3, 5)), dict(stride=2, padding="valid", dilation=2, groups=2, bias=False, padding_mode="reflect"),
     "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=valid, dilation=(2, 2), groups=2, bias=False, "
     "padding_mode=reflect)"),
    ((4, 8, 3), dict(padding="same", padding_mode="circular"),
     "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=circular)"),
]


@pytest.mark.parametrize("args,kwargs,expected", REPRS)
def test_module_repr(args, kwargs, expected):
    assert repr(nn.Conv2d(*args, **kwargs)) == expected


MODULE_ERRORS = [
    (dict(groups=0), ValueError, "groups must be a positive integer"),
    (dict(in_channels=3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (dict(out_channels=3, groups=2), ValueError, "out_channels must be divisible by groups"),
    (dict(padding="foo"), ValueError, r"Invalid padding string 'foo', should be one of \{'valid', 'same'\}"),
    (dict(padding="same", stride=2), ValueError, "padding='same' is not supported for strided convolutions"),
    (dict(padding="same", stride=(1, 2)), ValueError, "padding='same' is not supported for strided convolutions"),
    (dict(padding_mode="foo"), ValueError, r"padding_mode must be one of .*, but got padding_mode='foo'"),
    # the weight is made as PyTorch's Parameter(torch.empty(...)): its size and dtype errors
    (dict(kernel_size=-1), RuntimeError, "Trying to create tensor with negative dimension -1"),
    (dict(kernel_size=3.0), TypeError, "must be tuple of ints, but found element of type float"),
    (dict(device="cuda"), RuntimeError, "CPU only"),
    (dict(dtype=miniconv.int64), RuntimeError, "Only Tensors of floating point and complex dtype can require gradients"),
]

# as in PyTorch, values the functional form checks are checked when forward calls it (tests/nn/test_arg_errors.py
# compares all of them with PyTorch)
MODULE_FORWARD_ERRORS = [
    (dict(kernel_size=0), RuntimeError, "kernel size should be greater than zero"),
    (dict(stride=(1, 0)), RuntimeError, "non-positive stride is not supported"),
    (dict(dilation=0), RuntimeError, "dilation should be greater than zero"),
    (dict(padding=-1), RuntimeError, "negative padding is not supported"),
    (dict(in_channels=0), RuntimeError, "to have 0 channels, but got 4 channels instead"),
    (dict(kernel_size=(3, 3, 3)), RuntimeError, "conv2d\\(\\): expected weight to be 4-dimensional"),
]


@pytest.mark.parametrize("kwargs,exc,match", MODULE_FORWARD_ERRORS, ids=[m[:40] for *_, m in MODULE_FORWARD_ERRORS])
def test_module_errors_at_forward(kwargs, exc, match):
    args = dict(in_channels=4, out_channels=4, kernel_size=3)
    args.update(kwargs)
    conv = nn.Conv2d(**args)
    with pytest.raises(exc, match=match):
        conv(miniconv.randn(1, 4, 8, 8))


@pytest.mark.parametrize("kwargs,exc,match", MODULE_ERRORS, ids=[m[:40] for *_, m in MODULE_ERRORS])
def test_module_errors(kwargs, exc, match):
    args = dict(in_channels=4, out_channels=4, kernel_size=3)
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        nn.Conv2d(**args)


def test_module_forward_errors():
    conv = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
    with pytest.raises(NotImplementedError, match="Padding size 4 is not supported for 2D input tensor"):
        conv(miniconv.randn(3, 5))
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        conv(miniconv.randn(1, 3, 1, 5))
    with pytest.raises(RuntimeError, match="expected input\\[1, 2, 5, 5\\] to have 3 channels"):
        nn.Conv2d(3, 4, 3)(miniconv.randn(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match="Input type \\(float64\\) and weight type \\(float32\\)"):
        nn.Conv2d(3, 4, 3)(miniconv.randn(1, 3, 5, 5, dtype=miniconv.float64))


def test_module_trains_in_double_after_to():
    conv = nn.Conv2d(2, 2, 3).double()
    out = conv(miniconv.randn(1, 2, 4, 4, dtype=miniconv.float64))
    out.sum().backward()
    assert conv.weight.grad.dtype == miniconv.float64 and conv.bias.grad.shape == (2,)


def test_conv2d_large_enough_to_run_threaded_matches_reference():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4, 8, 16, 16))
    w = rng.standard_normal((8, 4, 3, 3))
    X, W = tensor(x, True), tensor(w, True)
    out = F.conv2d(X, W, padding=1, groups=2)
    pads = (1, 1, 1, 1)
    np.testing.assert_allclose(out.detach().numpy(), R.conv2d_forward(x, w, None, (1, 1), pads, (1, 1), 2), rtol=1e-10, atol=1e-10)
    go = rng.standard_normal(out.shape)
    out.backward(tensor(go))
    np.testing.assert_allclose(X.grad.detach().numpy(), R.conv2d_grad_input(go, w, x.shape, (1, 1), pads, (1, 1), 2),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(W.grad.detach().numpy(), R.conv2d_grad_weight(x, go, w.shape, (1, 1), pads, (1, 1), 2),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("obj", [F.conv2d, F.pad, nn.Conv2d], ids=lambda o: o.__name__)
def test_docstring_examples_run(obj):
    import doctest

    test = doctest.DocTestParser().get_doctest(obj.__doc__, dict(miniconv=miniconv, nn=nn, F=F), obj.__name__, None, 0)
    assert test.examples
    runner = doctest.DocTestRunner()
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_module_conv_forward_hook_for_subclasses():
    class HalfWeightConv(nn.Conv2d):
        def forward(self, input):  # noqa: A002
            return self._conv_forward(input, self.weight * 0.5, self.bias)

    conv = HalfWeightConv(2, 3, 3, padding=1, padding_mode="replicate")
    x = miniconv.randn(1, 2, 5, 5)
    expected = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), conv.weight * 0.5, conv.bias)
    np.testing.assert_allclose(conv(x).detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    conv(x).sum().backward()
    assert conv.weight.grad.shape == (3, 2, 3, 3)
