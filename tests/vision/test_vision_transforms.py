"""miniconv.vision.transforms against torchvision: the cases of vision_cases.py run here with miniconv and
were run by make_reference.py with torchvision on the same inputs. PIL paths go through Pillow on both
sides (equal bytes); Tensor paths are NumPy re-implementations (float tolerance, bit-equal in most cases;
uint8 results equal, bicubic ones to one level where a float lands on a rounding tie). Random transforms: the parameter distributions agree with
torchvision's, ``manual_seed`` reproduces a run, and each random transform equals its functional form
applied with the parameters ``get_params`` drew."""
import numpy as np
import pytest

pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

import miniconv  # noqa: E402
from miniconv.vision import transforms as T  # noqa: E402
from miniconv.vision.transforms import functional as F  # noqa: E402

import vision_cases  # noqa: E402
import vision_reference as ref  # noqa: E402


class _Lib:
    T, F, Image = T, F, Image
    tensor = staticmethod(miniconv.tensor)
    numpy = staticmethod(lambda t: t.numpy())
    seed = staticmethod(miniconv.manual_seed)
    float32, uint8 = miniconv.float32, miniconv.uint8


@pytest.fixture(scope="module")
def ours():
    return vision_cases.transform_cases(_Lib, vision_cases.make_inputs())


KINDS = ref.meta()["tf.kinds"]


@pytest.mark.parametrize("case", sorted(KINDS))
def test_transform_equals_torchvision(ours, case):
    arr, kind = ours[case]
    want = ref.array(f"tf.{case}")
    assert kind == KINDS[case]
    assert arr.shape == want.shape
    if kind.startswith("PIL") or kind in ("tensor:int64",):
        np.testing.assert_array_equal(arr, want)
    elif kind == "tensor:uint8" and ("bicubic" in case or "noaa" in case):  # a float on a rounding tie
        diff = np.abs(arr.astype(int) - want.astype(int))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.005, (diff.max(), (diff > 0).sum())
    elif kind == "tensor:uint8":
        np.testing.assert_array_equal(arr, want)
    else:
        np.testing.assert_allclose(arr, want, rtol=1e-5, atol=1e-5)


def test_parameter_distributions_match_torchvision():
    want = ref.meta()["tf.stats"]
    got = vision_cases.param_statistics(_Lib)
    n = 1500
    for key in want:
        if key.endswith("_std"):
            np.testing.assert_allclose(got[key], want[key], rtol=0.12, atol=0.02, err_msg=key)
        elif key.endswith("_mean"):
            std = np.asarray(want[key.replace("_mean", "_std")])
            # means within 5 standard errors (two independent samples of n)
            assert np.all(np.abs(np.asarray(got[key]) - want[key]) <= 5 * std * np.sqrt(2 / n) + 1e-9), key
    assert abs(got["hflip_rate"] - want["hflip_rate"]) < 0.06


def _img(seed=0, shape=(3, 20, 26)):
    return miniconv.Tensor(np.random.default_rng(seed).random(shape).astype(np.float32))


def test_seeded_runs_reproduce():
    tf = T.Compose([T.RandomResizedCrop(16), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4, 0.1),
                    T.RandomAffine(10, (0.1, 0.1)), T.RandomErasing(1.0, value="random")])
    miniconv.manual_seed(7)
    a = [tf(_img(i)).numpy() for i in range(3)]
    miniconv.manual_seed(7)
    b = [tf(_img(i)).numpy() for i in range(3)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_random_transforms_equal_functional_with_drawn_parameters():
    img = _img()
    pil = F.to_pil_image(F.convert_image_dtype(img, miniconv.uint8))
    for x in (img, pil):
        miniconv.manual_seed(3)
        out = T.RandomCrop(24, padding=4, padding_mode="reflect")(x)
        miniconv.manual_seed(3)
        padded = F.pad(x, 4, padding_mode="reflect")
        i, j, h, w = T.RandomCrop.get_params(padded, (24, 24))
        np.testing.assert_array_equal(np.asarray(out) if x is pil else out.numpy(),
                                      np.asarray(F.crop(padded, i, j, h, w)) if x is pil else
                                      F.crop(padded, i, j, h, w).numpy())
        miniconv.manual_seed(4)
        out = T.RandomResizedCrop(12)(x)
        miniconv.manual_seed(4)
        expect = F.resized_crop(x, *T.RandomResizedCrop.get_params(x, (0.08, 1.0), (3 / 4, 4 / 3)), [12, 12])
        np.testing.assert_array_equal(np.asarray(out) if x is pil else out.numpy(),
                                      np.asarray(expect) if x is pil else expect.numpy())
        miniconv.manual_seed(5)
        out = T.RandomRotation(30, fill=2)(x)
        miniconv.manual_seed(5)
        angle = T.RandomRotation.get_params([-30.0, 30.0])
        fill = [2.0] * 3 if x is img else 2
        expect = F.rotate(x, angle, fill=fill)
        np.testing.assert_array_equal(np.asarray(out) if x is pil else out.numpy(),
                                      np.asarray(expect) if x is pil else expect.numpy())


def test_pad_if_needed_and_vertical_flip():
    img = _img(shape=(1, 5, 6))
    out = T.RandomCrop((8, 9), pad_if_needed=True)(img)
    assert out.shape == (1, 8, 9)
    flipped = T.RandomVerticalFlip(p=1.0)(img)
    np.testing.assert_array_equal(flipped.numpy(), img.numpy()[:, ::-1])
    assert T.RandomHorizontalFlip(p=0.0)(img) is img


def test_errors_match_torchvision_wording():
    img = _img()
    with pytest.raises(ValueError, match=r"Required crop size \(30, 30\) is larger than input image size \(20, 26\)"):
        T.RandomCrop(30)(img)
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got torch.uint8."):
        T.Normalize((0.5,), (0.5,))(F.convert_image_dtype(img, miniconv.uint8))
    with pytest.raises(ValueError, match="std evaluated to zero after conversion to torch.float32"):
        T.Normalize((0.5,), (0.0,))(img)
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        T.Pad(2, padding_mode="wrap")
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-3)
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray. Got"):
        T.ToTensor()(img)
    with pytest.raises(TypeError, match="img should be PIL Image or Tensor"):
        F.hflip(np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="Random erasing probability should be between 0 and 1"):
        T.RandomErasing(p=2)
    with pytest.raises(RuntimeError, match="The cast from torch.float32 to torch.int64 cannot be performed safely."):
        F.convert_image_dtype(img, miniconv.int64)
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        T.Lambda(3)


def test_normalize_inplace_and_batch():
    x = _img(shape=(2, 3, 4, 4))
    expect = (x.numpy() - np.float32([0.1, 0.2, 0.3]).reshape(3, 1, 1)) / np.float32([1, 2, 4]).reshape(3, 1, 1)
    np.testing.assert_allclose(T.Normalize([0.1, 0.2, 0.3], [1, 2, 4])(x).numpy(), expect, rtol=1e-6)
    y = T.Normalize([0.1, 0.2, 0.3], [1, 2, 4], inplace=True)(x)
    assert y is x
    np.testing.assert_allclose(x.numpy(), expect, rtol=1e-6)


def test_transforms_do_not_need_pillow_for_tensors(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    out = T.Compose([T.RandomCrop(16, padding=2), T.RandomHorizontalFlip(), T.Normalize((0.5,) * 3, (0.2,) * 3)])(_img())
    assert out.shape == (3, 16, 16)
    with pytest.raises(ImportError, match="pip install Pillow"):
        F.to_pil_image(_img())
