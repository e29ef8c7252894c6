"""miniconv.vision.transforms.v2 against torchvision.transforms.v2: v2_cases.py runs here with miniconv and
ran with torchvision in make_transforms_more_reference.py on the same inputs. Compared: every output leaf's
values and kind (PIL mode, Image vs plain Tensor, dtype, passed-through labels and strings) and the shape
of nested samples; random transforms get the same fixed parameters on both sides (``make_params``
replaced), so the transform step and the nested-sample handling are compared exactly. Errors: class and
message. Random draws: seeded runs reproduce, one set of parameters is shared by the images of a sample."""
import warnings

import numpy as np
import pytest

pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

import miniconv  # noqa: E402
from miniconv.vision import tv_tensors  # noqa: E402
from miniconv.vision.transforms import v2  # noqa: E402
from miniconv.vision.transforms.v2 import functional as F  # noqa: E402

import transforms_more_reference as ref  # noqa: E402
import v2_cases  # noqa: E402


class _Lib:
    v2, F, tv_tensors, Image = v2, F, tv_tensors, Image
    tensor = staticmethod(miniconv.tensor)
    numpy = staticmethod(lambda t: t.numpy())
    float32, uint8, int64 = miniconv.float32, miniconv.uint8, miniconv.int64
    apply_op = staticmethod(lambda t, img, op, magnitude: t._apply(img, op, magnitude))


@pytest.fixture(scope="module")
def ours():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = v2_cases.cases(_Lib, v2_cases.make_inputs())
        aug, tables = v2_cases.autoaugment_cases(_Lib, v2_cases.make_inputs())
    out["arrays"].update(aug["arrays"])
    out["kinds"].update(aug["kinds"])
    out["tables"] = tables
    return out


KINDS = ref.meta()["v2.kinds"]


@pytest.mark.parametrize("case", sorted(KINDS))
def test_v2_case_equals_torchvision(ours, case):
    assert ours["kinds"][case] == KINDS[case]
    for k, kind in enumerate(KINDS[case]):
        key = f"{case}.{k}"
        want = ref.array(f"v2/{key}") if f"v2/{key}" in ref._arrays() else None
        if want is None:
            assert key not in ours["arrays"]
            continue
        arr = ours["arrays"][key]
        assert arr.shape == want.shape, key
        if kind.startswith("PIL"):
            np.testing.assert_array_equal(arr, want, err_msg=key)
        elif kind.endswith("uint8") and not any(w in case for w in ("blur", "perspective", "rot", "affine",
                                                                     "noaa")):
            np.testing.assert_array_equal(arr, want, err_msg=key)
        elif kind.endswith("uint8"):
            # blur/perspective/rotation sum floats in another order than PyTorch: a value on a rounding
            # tie may land one level away
            diff = np.abs(arr.astype(int) - want.astype(int))
            assert diff.max() <= 1 and (diff > 0).mean() < 0.01, (key, diff.max(), (diff > 0).sum())
        else:
            np.testing.assert_allclose(arr, want, rtol=1e-5, atol=1e-5, err_msg=key)


ERRORS = ref.meta()["v2.errors"]


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_v2_errors_match_torchvision(case):
    got = v2_cases.error_cases(_Lib, v2_cases.make_inputs())[case]
    assert got == ERRORS[case]


def _pil(seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (20, 26, 3), dtype=np.uint8))


def test_one_set_of_parameters_per_sample_and_seeded_runs_reproduce():
    img = v2.functional.to_image(_pil())
    tf = v2.Compose([v2.RandomResizedCrop(12), v2.RandomHorizontalFlip(), v2.ColorJitter(0.4, 0.4, 0.4, 0.1),
                     v2.RandomRotation(20)])
    outs = []
    for seed in range(5):
        miniconv.manual_seed(seed)
        a, (b, label) = tf(img, (tv_tensors.Image(img.numpy().copy()), 5))
        assert label == 5 and isinstance(a, tv_tensors.Image) and isinstance(b, tv_tensors.Image)
        np.testing.assert_array_equal(a.numpy(), b.numpy())  # the same crop, flip, jitter and angle
        miniconv.manual_seed(seed)
        c, _ = tf(img, (img, 5))
        np.testing.assert_array_equal(a.numpy(), c.numpy())
        outs.append(a.numpy().tobytes())
    assert len(set(outs)) == 5


def test_random_transforms_use_their_drawn_parameters():
    img = v2.functional.to_image(_pil(1))
    for t in (v2.RandomResizedCrop(10), v2.RandomCrop(15, padding=3), v2.RandomAffine(20, (0.1, 0.1), (0.8, 1.2), 5),
              v2.RandomErasing(p=1.0), v2.GaussianBlur(3), v2.RandomPerspective(p=1.0), v2.RandomRotation(45)):
        for seed in range(3):
            miniconv.manual_seed(seed)
            out = t(img)
            miniconv.manual_seed(seed)
            if isinstance(t, (v2.RandomErasing, v2.RandomPerspective)):
                miniconv.rand(1)  # the p draw comes first
            params = t.make_params([img])
            np.testing.assert_array_equal(out.numpy(), t.transform(img, params).numpy())
            assert isinstance(out, tv_tensors.Image)


def test_flip_rates_and_passthrough():
    x = miniconv.tensor(np.arange(6, dtype=np.float32).reshape(1, 2, 3))
    miniconv.manual_seed(0)
    flips = [v2.RandomHorizontalFlip(0.3)(x).numpy()[0, 0, 0] == 2.0 for _ in range(2000)]
    assert abs(np.mean(flips) - 0.3) < 0.04
    assert v2.RandomHorizontalFlip(0.0)((x, "a"))[1] == "a"
    assert v2.Identity()(x) is x


def test_mixup_cutmix_draws_and_sums():
    batch = miniconv.rand(6, 3, 8, 8)
    labels = miniconv.tensor(np.array([0, 1, 2, 3, 4, 0], np.int64))
    for cls in (v2.MixUp, v2.CutMix):
        miniconv.manual_seed(1)
        imgs, mixed = cls(num_classes=5, alpha=0.7)(batch, labels)
        assert imgs.shape == batch.shape and mixed.shape == (6, 5)
        np.testing.assert_allclose(mixed.numpy().sum(1), 1.0, rtol=1e-6)
    lams = []
    miniconv.manual_seed(0)
    m = v2.MixUp(num_classes=5, alpha=2.0)
    for _ in range(400):
        lams.append(m.make_params([batch])["lam"])
    assert abs(np.mean(lams) - 0.5) < 0.03 and abs(np.std(lams) - np.sqrt(1 / 20)) < 0.03  # Beta(2, 2)


def test_random_choice_and_order_and_apply():
    ops = [v2.Lambda(lambda x: x + 1), v2.Lambda(lambda x: x * 10)]
    x = miniconv.tensor(np.ones((1, 1, 1), np.float32))
    miniconv.manual_seed(0)
    got = [float(v2.RandomChoice(ops, p=[1, 3])(x).numpy().ravel()[0]) for _ in range(800)]
    assert abs(np.mean(np.asarray(got) == 10.0) - 0.75) < 0.05
    miniconv.manual_seed(0)
    orders = {float(v2.RandomOrder(ops)(x).numpy().ravel()[0]) for _ in range(50)}
    assert orders == {20.0, 11.0}
    miniconv.manual_seed(0)
    applied = [float(v2.RandomApply(ops, p=0.25)(x).numpy().ravel()[0]) != 1.0 for _ in range(800)]
    assert abs(np.mean(applied) - 0.25) < 0.05


def test_tv_tensors_image():
    im = tv_tensors.Image(np.zeros((4, 5), np.uint8))
    assert isinstance(im, miniconv.Tensor) and im.shape == (1, 4, 5)
    assert type(im + 1) is miniconv.Tensor
    assert tv_tensors.Image(_pil()).shape == (3, 20, 26)
    with pytest.raises(ValueError, match="Tensor must be 2D or higher, got 1D tensor."):
        tv_tensors.Image(np.zeros(3))


def test_pil_resize_without_antialias_warns_as_torchvision():
    with pytest.warns(UserWarning, match="Anti-alias option is always applied for PIL Image input"):
        v2.Resize(8, antialias=False)(_pil())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v2.Resize(8)(_pil())


def test_v2_autoaugment_tables_equal_torchvision(ours):
    want = ref.meta()["v2.aa_tables"]
    assert sorted(ours["tables"]) == sorted(want)
    for cls, rows in want.items():
        got = ours["tables"][cls]
        assert [r[0] for r in got] == [r[0] for r in rows], cls  # same ops in the same order
        for (name, values, signed), (_, want_values, want_signed) in zip(got, rows):
            assert signed == want_signed and (values is None) == (want_values is None), (cls, name)
            if values is not None:
                np.testing.assert_array_equal(np.asarray(values), np.asarray(want_values), err_msg=f"{cls} {name}")


def test_v2_autoaugment_draws_and_passthrough():
    img = v2.functional.to_image(_pil(2))
    for t in (v2.AutoAugment(v2.AutoAugmentPolicy.CIFAR10), v2.RandAugment(), v2.TrivialAugmentWide()):
        seen = set()
        for seed in range(12):
            miniconv.manual_seed(seed)
            out, label = t(img, 4)
            assert label == 4 and isinstance(out, tv_tensors.Image) and out.shape == img.shape
            miniconv.manual_seed(seed)
            again, _ = t(img, 4)
            np.testing.assert_array_equal(out.numpy(), again.numpy())
            seen.add(out.numpy().tobytes())
        assert len(seen) > 3
    # RandAugment replayed by hand: op index, then the sign draw for signed ops
    t = v2.RandAugment(num_ops=2, magnitude=5)
    miniconv.manual_seed(11)
    out = t(img)
    miniconv.manual_seed(11)
    expect = img
    for _ in range(2):  # torchvision's draws: randint(len(space), ()), then rand(()) <= 0.5 for the sign
        name = list(t._AUGMENTATION_SPACE)[int(miniconv.randint(len(t._AUGMENTATION_SPACE), ()).item())]
        fn, signed = t._AUGMENTATION_SPACE[name]
        values = fn(31, 20, 26)
        mag = 0.0 if values is None else float(values[5])
        if values is not None and signed and miniconv.rand(()).item() <= 0.5:
            mag = -mag
        expect = t._apply(expect, name, mag)
    np.testing.assert_array_equal(out.numpy(), expect.numpy())


def test_v2_on_tensors_does_not_need_pillow(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    x = miniconv.tensor(np.random.default_rng(0).integers(0, 256, (3, 20, 26), dtype=np.uint8))
    tf = v2.Compose([v2.ToImage(), v2.RandomResizedCrop(12), v2.RandomHorizontalFlip(), v2.TrivialAugmentWide(),
                     v2.ToDtype(miniconv.float32, scale=True), v2.Normalize([0.5] * 3, [0.2] * 3)])
    out, label = tf(x, 1)
    assert out.shape == (3, 12, 12) and out.dtype == miniconv.float32 and label == 1
