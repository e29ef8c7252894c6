"""miniconv.vision.models' weights API against torchvision 0.29 (reference_zoo/zoo.json): every ``*_Weights``
enum has torchvision's members, urls, meta and preprocessing preset; the presets transform a PIL image, a
uint8 image tensor and a batch as torchvision's do; the registry (list_models, get_model, get_weight,
get_model_weights) and the builders raise and warn as torchvision's; ``weights=`` loads a torch.save
checkpoint from the hub cache (renaming DenseNet's old keys, dropping GoogLeNet's auxiliary heads) and gives
torchvision's outputs; a missing file with no network fails with a message saying where to put the file."""
import fnmatch
import json
import os
import subprocess
import sys
import warnings
from urllib.error import URLError

import numpy as np
import pytest
import vision_cases
import zoo_cases
from zoo_reference import ref_arrays, ref_meta

import miniconv
from miniconv import hub
from miniconv.vision import models

TV_PYTHON = "/work/venv-tv/bin/python"


def jsonable(obj):
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    return obj


@pytest.mark.parametrize("enum_name", sorted(ref_meta()["weights"]))
def test_weights_enum_equals_torchvision(enum_name):
    want = ref_meta()["weights"][enum_name]
    enum = getattr(models, enum_name)
    assert issubclass(enum, models.WeightsEnum)
    assert list(enum.__members__) == ref_meta()["weights_order"][enum_name]
    for member_name, w in want.items():
        member = enum[member_name]
        assert repr(member) == w["repr"] and member.name == w["canonical"]
        assert member.url == w["url"]
        got_meta = jsonable(member.meta)
        if w["meta"].get("categories") == "IMAGENET":
            assert member.meta["categories"] is models.ResNet18_Weights.DEFAULT.meta["categories"]
            got_meta["categories"] = "IMAGENET" if got_meta["categories"] == ref_meta()["imagenet_categories"] else 0
        assert json.dumps(got_meta, sort_keys=True) == json.dumps(w["meta"], sort_keys=True)  # NaN metrics
        t = member.transforms()
        got = {"crop_size": t.crop_size, "resize_size": t.resize_size, "mean": t.mean, "std": t.std,
               "interpolation": str(t.interpolation), "antialias": t.antialias}
        assert got == w["transforms"]
        assert repr(t) == w["transforms_repr"]
        assert enum.verify(member_name) is member and enum.verify(f"{enum_name}.{member_name}") is member
        assert models.get_weight(f"{enum_name}.{member_name}") is member


def test_categories_shared_and_complete():
    cats = models.ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
    assert cats == ref_meta()["imagenet_categories"] and len(cats) == 1000
    assert models.DenseNet121_Weights.DEFAULT.meta["categories"] is cats
    assert models.VGG16_Weights.IMAGENET1K_FEATURES.meta["categories"] is None


def test_registry_equals_torchvision():
    tv = ref_meta()["list_models"]
    ours = models.list_models()
    assert set(ours) <= set(tv)
    assert set(zoo_cases.ZOO) <= set(ours)
    for include, exclude in (("resnet*", None), (["vgg1?", "dense*"], "*_bn"), (None, ["*net*", "vgg*"])):
        inc = [include] if isinstance(include, str) else include
        exc = [exclude] if isinstance(exclude, str) else exclude or []
        want = {n for n in ours if (not inc or any(fnmatch.fnmatch(n, p) for p in inc))}
        want -= {n for n in ours if any(fnmatch.fnmatch(n, p) for p in exc)}
        assert models.list_models(include=include, exclude=exclude) == sorted(want)
    assert models.list_models(module=models) == ours
    for name, enum_name in ref_meta()["builder_enums"].items():
        assert models.get_model_weights(name).__name__ == enum_name
        assert models.get_model_weights(getattr(models, name)).__name__ == enum_name
    assert models.get_model_builder("ResNet18") is models.resnet18
    assert isinstance(models.get_model("squeezenet1_1", num_classes=3), models.SqueezeNet)


def _caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            fn()
            exc = None
        except Exception as e:  # noqa: BLE001  (compared with torchvision's)
            exc = [type(e).__name__, str(e)]
    return {"exception": exc, "warnings": [[type(x.message).__name__, str(x.message)] for x in w]}


@pytest.mark.parametrize("case", sorted(zoo_cases.error_cases(models, miniconv)))
def test_errors_and_warnings_equal_torchvision(case):
    got = _caught(zoo_cases.error_cases(models, miniconv)[case])
    assert got == ref_meta()["errors"][case]


def test_presets_equal_torchvision():
    pytest.importorskip("PIL")
    from PIL import Image

    from miniconv.vision.transforms import InterpolationMode
    from miniconv.vision.transforms._presets import ImageClassification

    ref = ref_arrays()
    arr = zoo_cases.preset_image()
    imgs = {"pil": Image.fromarray(arr), "tensor": miniconv.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))}
    imgs["batch"] = imgs["tensor"].unsqueeze(0)
    keys = ref_meta()["preset_keys"]
    assert len(keys) >= 5  # bilinear 224/256, 224/232, 299/342, and EfficientNet's bicubic sizes
    for key in keys:
        crop, resize, interp = key.split("_")
        preset = ImageClassification(crop_size=int(crop), resize_size=int(resize),
                                     interpolation=getattr(InterpolationMode, interp))
        for kind, img in imgs.items():
            y = preset(img).numpy()
            assert y.dtype == np.float32
            assert list(y.shape) == ref[f"preset.{key}.{kind}.shape"].tolist()
            flat = y.reshape(-1)[zoo_cases.sample_indices((y.size,))]
            # uint8 resizing (PIL's, or bicubic / antialiased on tensors) can differ from torchvision's by 1 in 255
            # where a value lands on a rounding tie: one step is 1/255/std after normalisation
            want = ref[f"preset.{key}.{kind}.sample"]
            np.testing.assert_allclose(flat, want, atol=1.01 / 255 / 0.224, err_msg=f"{key} {kind}")
            assert np.mean(np.abs(flat - want) > 1e-4) < 0.02, f"{key} {kind}"
            np.testing.assert_allclose(y.reshape(-1, y.shape[-1]).mean(-1), ref[f"preset.{key}.{kind}.rowmean"],
                                       atol=1e-3, err_msg=f"{key} {kind}")


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", str(tmp_path))
    os.makedirs(tmp_path / "checkpoints")
    return tmp_path


def _place_checkpoint(torch, hub_dir, name, enum_name):
    extra = {"aux_logits": True, "init_weights": False} if name == "googlenet" else {}
    m = getattr(models, name)(num_classes=1000, **extra)
    state = vision_cases.deterministic_state([(k, v.shape) for k, v in m.state_dict().items()])
    if name.startswith("densenet"):
        state = zoo_cases.old_densenet_keys(state)
    url = getattr(models, enum_name).DEFAULT.url
    torch.save({k: torch.from_numpy(v) for k, v in state.items()},
               str(hub_dir / "checkpoints" / os.path.basename(url)))


@pytest.mark.parametrize("name,enum_name,size", zoo_cases.CHECKPOINT_CASES)
def test_weights_load_from_hub_cache(hub_dir, name, enum_name, size):
    """A torch.save checkpoint in the cache under the url's file name loads (no download) and gives
    torchvision's output; DenseNet's published key format is renamed; GoogLeNet drops its aux heads."""
    torch = pytest.importorskip("torch")
    _place_checkpoint(torch, hub_dir, name, enum_name)
    model = getattr(models, name)(weights=getattr(models, enum_name).DEFAULT).eval()
    x = miniconv.from_numpy(np.random.default_rng(size).standard_normal((1, 3, size, size)).astype(np.float32))
    with miniconv.no_grad():
        out = model(x).numpy()
    want = ref_arrays()[f"ckpt.{name}"]
    np.testing.assert_allclose(out, want, rtol=2e-4, atol=2e-4 * np.abs(want).max())
    assert len(model.state_dict()) == ref_meta()[f"ckpt.{name}.keys"]
    if name == "googlenet":
        assert model.transform_input is ref_meta()["ckpt.googlenet.transform_input"] and model.aux1 is None
        got = _caught(lambda: models.googlenet(weights="DEFAULT", aux_logits=True))
        assert got == ref_meta()["ckpt.googlenet.aux_logits_true"]
    if name == "squeezenet1_1":
        assert _caught(lambda: models.squeezenet1_1(pretrained=True)) == ref_meta()[
            "ckpt.squeezenet1_1.pretrained_true"]
        assert _caught(lambda: models.squeezenet1_1(True)) == ref_meta()["ckpt.squeezenet1_1.positional_true"]
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m = models.squeezenet1_1(pretrained=True)
        assert "'pretrained' is deprecated" in str(w[0].message) and len(w) == 2
        np.testing.assert_array_equal(m.classifier[1].weight.detach().numpy(),
                                      model.classifier[1].weight.detach().numpy())


def test_missing_weights_without_network(hub_dir, monkeypatch):
    def offline(*args, **kwargs):
        raise URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(hub, "urlopen", offline)
    with pytest.raises(URLError, match="could not download https://download.pytorch.org/models/"
                                       "shufflenetv2_x0.5-f707e7126e.pth") as info:
        models.shufflenet_v2_x0_5(weights=models.ShuffleNet_V2_X0_5_Weights.IMAGENET1K_V1)
    cached = os.path.join(str(hub_dir), "checkpoints", "shufflenetv2_x0.5-f707e7126e.pth")
    assert cached in str(info.value) and "without a network" in str(info.value)
    assert os.listdir(hub_dir / "checkpoints") == []  # no partial file left behind


@pytest.mark.skipif(not os.path.exists(TV_PYTHON), reason="needs the torchvision venv (/work/venv-tv)")
def test_checkpoint_saved_by_torchvision(hub_dir, tmp_path):
    """torchvision itself builds mobilenet_v3_small with random weights and torch.saves its state_dict into
    the hub cache; miniconv's builder given weights="DEFAULT" loads it and gives torchvision's output."""
    script = (
        "import sys, numpy as np, torch, torchvision\n"
        "torch.manual_seed(0)\n"
        "m = torchvision.models.mobilenet_v3_small().eval()\n"
        "w = torchvision.models.MobileNet_V3_Small_Weights.DEFAULT\n"
        "torch.save(m.state_dict(), sys.argv[1] + '/checkpoints/' + w.url.rsplit('/', 1)[1])\n"
        "x = torch.from_numpy(np.load(sys.argv[2]))\n"
        "with torch.no_grad():\n"
        "    np.save(sys.argv[3], m(x).numpy())\n")
    x = np.random.default_rng(3).standard_normal((2, 3, 64, 64)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    subprocess.run([TV_PYTHON, "-c", script, str(hub_dir), str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
                   check=True, env=env, timeout=300)
    model = models.mobilenet_v3_small(weights="DEFAULT").eval()
    with miniconv.no_grad():
        out = model(miniconv.from_numpy(x)).numpy()
    want = np.load(tmp_path / "y.npy")
    np.testing.assert_allclose(out, want, rtol=2e-4, atol=2e-4 * np.abs(want).max())
    assert sys.modules.get("torchvision") is None


def test_torchvision_inference_recipe_runs_unchanged(hub_dir):
    """torchvision's documented classification recipe (weights, transforms(), softmax, categories), the same
    text run with miniconv standing in for torch and torchvision, gives torchvision's numbers."""
    torch = pytest.importorskip("torch")
    from PIL import Image

    import miniconv.vision

    m = models.resnet18()
    state = vision_cases.deterministic_state([(k, v.shape) for k, v in m.state_dict().items()])
    torch.save({k: torch.from_numpy(v) for k, v in state.items()},
               str(hub_dir / "checkpoints" / os.path.basename(models.ResNet18_Weights.DEFAULT.url)))
    ns = {"torch": miniconv, "torchvision": miniconv.vision, "img": Image.fromarray(zoo_cases.preset_image())}
    exec(zoo_cases.USER_CODE, ns)
    result = ns["result"]
    want = ref_arrays()["user.probs"]
    np.testing.assert_allclose(result.pop("probs"), want, rtol=1e-3, atol=1e-4 * want.max())
    expected = ref_meta()["user"]
    assert result["score"] == pytest.approx(expected.pop("score"), rel=1e-3)
    result.pop("score")
    assert result == expected
