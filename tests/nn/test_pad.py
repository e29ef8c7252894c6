"""F.pad: every mode against numpy's np.pad, negative pads (cropping), gradients, errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import miniconv
import miniconv.nn.functional as F
from miniconv.autograd import gradcheck

NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
MODES = list(NP_MODE)


def tensor(a, requires_grad=False):
    return miniconv.tensor(a, requires_grad=requires_grad)


def np_pad(x, pad, mode, value=0.0):
    """numpy equivalent of F.pad for non-negative pads (pairs start at the last axis)."""
    widths = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        widths[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    if mode == "constant":
        return np.pad(x, widths, constant_values=value)
    return np.pad(x, widths, mode=NP_MODE[mode])


def np_pad_grad(x_shape, pad, mode, grad):
    """Gradient of np_pad by scattering: pad an array of flat indices, add grad at each source."""
    idx = np.arange(int(np.prod(x_shape))).reshape(x_shape)
    src = np_pad(idx, pad, mode, value=-1).reshape(-1)
    g = np.zeros(idx.size)
    keep = src >= 0
    np.add.at(g, src[keep], grad.reshape(-1)[keep])
    return g.reshape(x_shape)


@st.composite
def pad_cases(draw):
    mode = draw(st.sampled_from(MODES))
    n_pairs = draw(st.integers(1, 2))
    ndim = draw(st.integers(n_pairs + 1, n_pairs + 2))
    shape = [draw(st.integers(1, 3)) for _ in range(ndim - n_pairs)]
    shape += [draw(st.integers(2, 5)) for _ in range(n_pairs)]
    pad = []
    for k in range(n_pairs):
        size = shape[ndim - 1 - k]
        high = size - 1 if mode == "reflect" else (size if mode == "circular" else 4)
        pad += [draw(st.integers(0, high)), draw(st.integers(0, high))]
    return mode, tuple(shape), tuple(pad)


@settings(max_examples=80, deadline=None)
@given(case=pad_cases(), seed=st.integers(0, 2**31))
def test_pad_matches_numpy_forward_and_backward(case, seed):
    mode, shape, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    X = tensor(x, True)
    out = F.pad(X, pad, mode=mode)
    expected = np_pad(x, pad, mode)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    g = rng.standard_normal(out.shape)
    out.backward(tensor(g))
    np.testing.assert_allclose(X.grad.detach().numpy(), np_pad_grad(shape, pad, mode, g), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pad", [(1, 2), (2, 0, 1, 3), (1, 1, 1, 1, 1, 0)])
def test_pad_gradcheck(mode, pad):
    ndim = len(pad) // 2 + 1 if mode != "constant" else 4
    shape = (2, 4, 4, 5)[-ndim:]
    x = tensor(np.random.default_rng(0).standard_normal(shape), True)
    assert gradcheck(lambda x: F.pad(x, pad, mode=mode), (x,))


@pytest.mark.parametrize("mode", MODES)
def test_negative_pads_crop(mode):
    x = np.arange(20.0).reshape(1, 1, 4, 5)
    out = F.pad(tensor(x), (-1, 2, 1, -2), mode=mode)
    cropped = x[:, :, :2, 1:]  # the -1 on the left and the -2 at the bottom remove these
    if mode == "circular":  # PyTorch wraps within what is left after cropping
        expected = np_pad(cropped, (0, 2, 1, 0), mode)
    else:  # the other modes index the original input: equal to padding first, then cropping
        expected = np_pad(x, (0, 2, 1, 0), mode)[:, :, :3, 1:]
    np.testing.assert_array_equal(out.detach().numpy(), expected)


@pytest.mark.parametrize("mode", MODES)
def test_negative_pads_gradcheck(mode):
    x = tensor(np.random.default_rng(1).standard_normal((1, 2, 4, 5)), True)
    assert gradcheck(lambda x: F.pad(x, (-1, 2, 1, -2), mode=mode), (x,))


def test_constant_value_dtype_and_empty_batch():
    x = tensor(np.ones((2, 3), dtype=np.float32))
    out = F.pad(x, (1, 0), value=7.5)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.detach().numpy(), [[7.5, 1, 1, 1], [7.5, 1, 1, 1]])
    ints = F.pad(tensor(np.ones((2, 2), dtype=np.int64)), (0, 1, 1, 0))
    assert ints.dtype == np.int64 and ints.shape == (3, 3)
    empty = F.pad(tensor(np.zeros((0, 3, 4, 5))), (1, 1, 1, 1), mode="replicate")
    assert empty.shape == (0, 3, 6, 7)


def test_pad_output_is_independent_of_input():
    x = tensor(np.zeros((1, 3)))
    out = F.pad(x, (0, 0))
    out.detach().numpy()[0, 0] = 5.0
    assert x.detach().numpy()[0, 0] == 0.0


PAD_ERRORS = [
    ((2, 3, 4, 5), (1, 2, 3), "constant", None, RuntimeError, "Padding length must be divisible by 2"),
    ((2, 3, 4, 5), (1,) * 10, "constant", None, RuntimeError,
     "Padding length should be less than or equal to two times the input dimension but got padding length 10 "
     "and input of dimension 4"),
    ((2, 3, 4, 5), (1, 1), "foo", None, NotImplementedError, "Unrecognised padding mode foo"),
    ((2, 3, 4, 5), (1, 1), "reflect", None, NotImplementedError,
     "Padding size 2 is not supported for 4D input tensor"),
    ((4, 5), (1, 1, 1, 1), "replicate", None, NotImplementedError,
     "Padding size 4 is not supported for 2D input tensor"),
    ((2, 3, 4, 5), (5, 5, 1, 1), "reflect", None, RuntimeError,
     r"Argument #4: Padding size should be less than the corresponding input dimension, but got: padding \(5, 5\) "
     r"at dimension 3 of input \[2, 3, 4, 5\]"),
    ((2, 3, 4, 5), (1, 1, 4, 1), "reflect", None, RuntimeError, r"Argument #6: .* padding \(4, 1\) at dimension 2"),
    ((2, 3, 4, 5), (6, 1, 1, 1), "circular", None, RuntimeError,
     "Padding value causes wrapping around more than once"),
    ((2, 3, 4, 5), (1, 1, 1, 1), "reflect", 1.0, RuntimeError,
     "Padding mode \"reflect\" doesn't take in value argument"),
    ((2, 3, 4, 0), (0, 0, 1, 1), "reflect", None, RuntimeError, "needs a non-empty dimension 3"),
    ((2, 3, 4, 5), (-5, -1), "constant", None, RuntimeError,
     "Negative padding value is resulting in an empty dimension"),
]


@pytest.mark.parametrize("shape,pad,mode,value,exc,match", PAD_ERRORS, ids=[e[-1][:40] for e in PAD_ERRORS])
def test_pad_errors(shape, pad, mode, value, exc, match):
    with pytest.raises(exc, match=match):
        F.pad(tensor(np.zeros(shape)), pad, mode=mode, value=value)


def test_pad_argument_types():
    x = tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="must be tuple of ints, not int"):
        F.pad(x, 1)
    with pytest.raises(TypeError, match="found element of type float at pos 0"):
        F.pad(x, (1.0, 1))
    with pytest.raises(TypeError, match="must be Tensor"):
        F.pad(np.zeros((2, 3)), (1, 1))
    assert F.pad(x, [1, 1]).shape == (2, 5)
