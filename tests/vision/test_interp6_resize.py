"""miniconv.vision.transforms' Tensor resize against torchvision 0.29 (torch 2.14): the cases of
interp6_resize_cases.py run here and were run by make_interp6_reference.py with torchvision. Float outputs are
bit-equal (interpolate's bicubic and antialiased kernels reproduce PyTorch's arithmetic), gradients equal to
float rounding (PyTorch scatters pixel by pixel), uint8 outputs equal. interpolate's plain bilinear mode (not
antialiased) is the exception: one ulp."""
import json
import os

import numpy as np
import pytest

import miniconv
from miniconv.vision import transforms as T
from miniconv.vision.transforms import InterpolationMode, v2
from miniconv.vision.transforms import functional as F
from miniconv.vision.transforms.v2 import functional as F2

import interp6_resize_cases  # noqa: E402

REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_interp6")


class _Lib:
    T, F, v2, F2, IM = T, F, v2, F2, InterpolationMode
    tensor = staticmethod(miniconv.tensor)
    leaf = staticmethod(lambda a: miniconv.tensor(a, requires_grad=True))
    numpy = staticmethod(lambda t: t.detach().numpy())
    grad = staticmethod(lambda x: x.grad.numpy())


@pytest.fixture(scope="module")
def ours():
    return interp6_resize_cases.cases(_Lib, interp6_resize_cases.make_inputs())


@pytest.fixture(scope="module")
def want():
    with np.load(os.path.join(REF, "arrays.npz"), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


PLAIN_BILINEAR = {"bilinear_antialias_none"}

with open(os.path.join(REF, "reference.json")) as _f:
    CASES = json.load(_f)["cases"]


@pytest.mark.parametrize("case", CASES)
def test_resize_equals_torchvision(ours, want, case):
    got, ref = ours[case], want[case]
    assert got.dtype == ref.dtype and got.shape == ref.shape
    if case.endswith(".grad"):
        np.testing.assert_allclose(got, ref, rtol=0, atol=(4e-6 if got.dtype == np.float32 else 1e-14)
                                   * np.abs(ref).max())
    elif case in PLAIN_BILINEAR:  # interpolate's (older) bilinear mode rounds differently: to one float ulp
        np.testing.assert_allclose(got, ref, rtol=0, atol=2 * np.finfo(got.dtype).eps * np.abs(ref).max())
    else:
        np.testing.assert_array_equal(got, ref)


def test_resize_keeps_the_graph_and_warns_for_pil_without_antialias():
    x = miniconv.rand(3, 10, 12, requires_grad=True)
    y = F.resize(x, [5, 6], InterpolationMode.BICUBIC)
    assert y.requires_grad and y.grad_fn is not None
    pil = pytest.importorskip("PIL.Image")
    img = pil.fromarray(np.zeros((10, 12, 3), np.uint8))
    with pytest.warns(UserWarning, match="Anti-alias option is always applied for PIL Image input"):
        F.resize(img, [5, 6], antialias=False)
