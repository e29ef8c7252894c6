"""The v1 transforms added after the first set (GaussianBlur, invert/posterize/solarize/sharpness/
autocontrast/equalize, Five/TenCrop, perspective, RandomApply/Choice/Order, RandomGrayscale, ...)
against torchvision: transforms_more_cases.py runs here with miniconv and ran with torchvision in
make_transforms_more_reference.py on the same inputs. PIL paths are Pillow on both sides (equal bytes);
Tensor paths are NumPy re-implementations (uint8 equal up to a rare one-level rounding tie, float to
1e-5). Random transforms: parameter distributions agree with torchvision's and each random transform
equals its functional form with the parameters its draws give; errors have torchvision's class and text."""
import random

import numpy as np
import pytest

pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

import miniconv  # noqa: E402
from miniconv.vision import transforms as T  # noqa: E402
from miniconv.vision.transforms import functional as F  # noqa: E402

import transforms_more_cases as cases  # noqa: E402
import transforms_more_reference as ref  # noqa: E402


class _Lib:
    T, F, Image = T, F, Image
    tensor = staticmethod(miniconv.tensor)
    numpy = staticmethod(lambda t: t.numpy())
    seed = staticmethod(miniconv.manual_seed)


@pytest.fixture(scope="module")
def ours():
    return cases.cases(_Lib, cases.make_inputs())


KINDS = ref.meta()["v1.kinds"]


@pytest.mark.parametrize("case", sorted(KINDS))
def test_v1_case_equals_torchvision(ours, case):
    arr, kind = ours[case]
    want = ref.array(f"v1/{case}")
    assert kind == KINDS[case]
    assert arr.shape == want.shape
    if kind.startswith("PIL") and not case.startswith("blur"):
        np.testing.assert_array_equal(arr, want)
    elif kind.startswith("PIL") or kind == "tensor:uint8":
        # blur and perspective sum floats in another order than PyTorch's conv2d/bmm: a value on a
        # rounding tie may land one level away
        diff = np.abs(arr.astype(int) - want.astype(int))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01, (diff.max(), (diff > 0).sum())
    else:
        np.testing.assert_allclose(arr, want, rtol=1e-5, atol=1e-5)


ERRORS = ref.meta()["v1.errors"]


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_v1_errors_match_torchvision(case):
    got = cases.error_cases(_Lib, cases.make_inputs())[case]
    assert got == ERRORS[case]


def test_v1_parameter_distributions_match_torchvision():
    want = ref.meta()["v1.stats"]
    got = cases.param_statistics(_Lib)
    n = 1500
    for key in want:
        if key.endswith("_std"):
            np.testing.assert_allclose(got[key], want[key], rtol=0.12, atol=0.02, err_msg=key)
        elif key.endswith("_mean"):
            std = np.asarray(want[key.replace("_mean", "_std")])
            assert np.all(np.abs(np.asarray(got[key]) - want[key]) <= 5 * std * np.sqrt(2 / n) + 1e-9), key
        else:
            assert abs(got[key] - want[key]) < 0.06, key


def _img(seed=0, shape=(3, 20, 26)):
    return miniconv.from_numpy(np.random.default_rng(seed).random(shape).astype(np.float32))


def _np(x):
    return np.asarray(x) if isinstance(x, Image.Image) else x.numpy()


def test_random_transforms_equal_functional_with_drawn_parameters():
    img = _img()
    pil = F.to_pil_image(F.convert_image_dtype(img, miniconv.uint8))
    for x in (img, pil):
        miniconv.manual_seed(3)
        out = T.GaussianBlur(5, sigma=(0.5, 2.0))(x)
        miniconv.manual_seed(3)
        s = T.GaussianBlur.get_params(0.5, 2.0)
        np.testing.assert_array_equal(_np(out), _np(F.gaussian_blur(x, [5, 5], [s, s])))
        for seed in range(6):
            miniconv.manual_seed(seed)
            out = T.RandomPerspective(0.4, p=0.5, fill=3)(x)
            miniconv.manual_seed(seed)
            applied = miniconv.rand(1).item() < 0.5  # the same one draw torch.rand(1) makes
            if applied:
                startpoints, endpoints = T.RandomPerspective.get_params(26, 20, 0.4)
                fill = [3.0] * 3 if x is img else 3
                np.testing.assert_array_equal(_np(out), _np(F.perspective(x, startpoints, endpoints, fill=fill)))
            else:
                assert out is x


def test_random_choice_and_order_use_python_random():
    ops = [lambda x: x + 1, lambda x: x * 10, lambda x: -x]
    random.seed(0)
    got = [T.RandomChoice(ops, p=[1, 2, 3])(1) for _ in range(20)]
    random.seed(0)
    want = [ops[random.choices(range(3), weights=[1, 2, 3])[0]](1) for _ in range(20)]
    assert got == want
    random.seed(1)
    got = T.RandomOrder([lambda s: s + "a", lambda s: s + "b", lambda s: s + "c"])("")
    random.seed(1)
    order = [0, 1, 2]
    random.shuffle(order)
    assert got == "".join("abc"[i] for i in order)


def test_random_grayscale_keeps_channels_and_reprs():
    out = T.RandomGrayscale(p=1.0)(_img())
    assert out.shape == (3, 20, 26)
    np.testing.assert_array_equal(out.numpy()[0], out.numpy()[2])
    assert repr(T.RandomPosterize(3, 0.2)) == "RandomPosterize(bits=3,p=0.2)"
    assert repr(T.GaussianBlur(3)) == "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"
    assert repr(T.TenCrop(4)) == "TenCrop(size=(4, 4), vertical_flip=False)"
    assert "p=0.3" in repr(T.RandomApply([T.Pad(1)], p=0.3))


# -- AutoAugment / RandAugment / TrivialAugmentWide ---------------------------------------------------------
from miniconv.vision.transforms import autoaugment as A  # noqa: E402

_Lib.A = A
AUG_KINDS = ref.meta()["aug.kinds"]


@pytest.fixture(scope="module")
def ours_aug():
    return cases.autoaugment_cases(_Lib, cases.make_inputs())


@pytest.mark.parametrize("case", sorted(AUG_KINDS))
def test_autoaugment_op_equals_torchvision(ours_aug, case):
    arr, kind = ours_aug[0][case]
    want = ref.array(f"aug/{case}")
    assert kind == AUG_KINDS[case]
    assert arr.shape == want.shape
    if kind.startswith("PIL"):
        np.testing.assert_array_equal(arr, want)
    else:
        diff = np.abs(arr.astype(int) - want.astype(int))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01, (diff.max(), (diff > 0).sum())


def test_autoaugment_policies_and_magnitude_tables_equal_torchvision(ours_aug):
    want = ref.meta()["aug.tables"]
    got = ours_aug[1]
    assert sorted(got) == sorted(want)
    for key in want:
        if key.endswith(".policies"):
            assert got[key] == want[key], key
        else:
            assert [op[0] for op in got[key]] == [op[0] for op in want[key]], key  # same ops, same order
            for (name, values, signed), (_, want_values, want_signed) in zip(got[key], want[key]):
                np.testing.assert_array_equal(np.asarray(values), np.asarray(want_values), err_msg=f"{key} {name}")
                assert signed == want_signed


def _u8(seed=0):
    return miniconv.tensor(np.random.default_rng(seed).integers(0, 256, (3, 20, 26), dtype=np.uint8))


def test_autoaugment_applies_drawn_subpolicy():
    img = _u8()
    for policy in T.AutoAugmentPolicy:
        aa = T.AutoAugment(policy)
        for seed in range(8):
            miniconv.manual_seed(seed)
            out = aa(img)
            miniconv.manual_seed(seed)
            idx, probs, signs = T.AutoAugment.get_params(25)
            expect = img
            space = aa._augmentation_space(10, (20, 26))
            for i, (op_name, p, mag_id) in enumerate(aa.policies[idx]):
                if probs.numpy()[i] <= p:
                    mags, signed = space[op_name]
                    mag = float(mags[mag_id]) if mag_id is not None else 0.0
                    mag = -mag if signed and signs.numpy()[i] == 0 else mag
                    expect = A._apply_op(expect, op_name, mag, T.InterpolationMode.NEAREST, None)
            np.testing.assert_array_equal(out.numpy(), expect.numpy())


def test_randaugment_and_trivialaugment_draws():
    img = _u8(1)
    pil = F.to_pil_image(img)
    for x in (img, pil):
        ra = T.RandAugment(num_ops=2, magnitude=9)
        miniconv.manual_seed(5)
        out = ra(x)
        miniconv.manual_seed(5)
        space = ra._augmentation_space(31, (20, 26))
        expect = x
        for _ in range(2):  # torchvision's draws: randint(len(space), (1,)), then randint(2, (1,)) for the sign
            name = list(space)[int(miniconv.randint(len(space), (1,)).item())]
            mags, signed = space[name]
            mag = float(mags[9]) if mags.ndim > 0 else 0.0
            if signed and int(miniconv.randint(2, (1,)).item()):
                mag = -mag
            expect = A._apply_op(expect, name, mag, T.InterpolationMode.NEAREST, None)
        np.testing.assert_array_equal(_np(out), _np(expect))
    counts = set()
    miniconv.manual_seed(0)
    for _ in range(60):
        ta = T.TrivialAugmentWide()
        counts.add(_np(ta(img)).tobytes())
    assert len(counts) > 20  # many different ops/magnitudes were drawn
    want = "AutoAugment(policy=AutoAugmentPolicy.CIFAR10, fill=None)"
    assert repr(T.AutoAugment(T.AutoAugmentPolicy.CIFAR10)) == want
    with pytest.raises(ValueError, match="The provided policy"):
        T.AutoAugment("cifar")
