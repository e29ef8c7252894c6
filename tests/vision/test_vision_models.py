"""miniconv.vision.models against torchvision: state_dict names, shapes and dtypes equal torchvision's for
every builder; a state_dict holding the same (deterministic) values loads and gives torchvision's forward
output in eval mode; random initialisation has torchvision's statistics; weights= reads the hub cache."""
import warnings

import numpy as np
import pytest

import miniconv
from miniconv.vision import models

import vision_cases
import vision_reference as ref

LAYOUT = ref.meta()["models.layout"]


@pytest.fixture(scope="module")
def built():
    return {}


def _build(built, name):
    if name not in built:
        miniconv.manual_seed(0)
        built.clear()  # one big model alive at a time
        built[name] = getattr(models, name)(num_classes=10)
    return built[name]


@pytest.mark.parametrize("name", vision_cases.MODEL_BUILDERS)
def test_state_dict_layout_equals_torchvision(built, name, monkeypatch):
    if name.startswith("vgg") and name not in built:
        # names and shapes only: skip filling VGG's 120 M classifier weights (seconds each); the
        # initialisation itself is checked on vgg11 below
        for fn in ("kaiming_uniform_", "uniform_", "normal_", "kaiming_normal_"):
            monkeypatch.setattr(miniconv.nn.init, fn, lambda tensor, *a, **k: tensor)
        built.clear()
        model = getattr(models, name)(num_classes=10)
    else:
        model = _build(built, name)
    got = [[k, list(v.shape), v.dtype.name] for k, v in model.state_dict().items()]
    assert got == LAYOUT[name]


@pytest.mark.parametrize("name", sorted(vision_cases.FORWARD_MODELS))
def test_forward_with_torchvision_weights(built, name):
    model = _build(built, name)
    state = vision_cases.deterministic_state([(k, v.shape) for k, v in model.state_dict().items()])
    model.load_state_dict({k: miniconv.from_numpy(v) for k, v in state.items()})
    model.eval()
    with miniconv.no_grad():
        out = model(miniconv.from_numpy(vision_cases.model_input(vision_cases.FORWARD_MODELS[name]))).numpy()
    want = ref.array(f"models.forward.{name}")
    np.testing.assert_allclose(out, want, rtol=2e-4, atol=2e-4 * np.abs(want).max())


@pytest.mark.parametrize("name", vision_cases.INIT_STAT_MODELS)
def test_initialisation_statistics(built, name):
    model = _build(built, name)
    want = ref.meta()[f"models.init.{name}"]
    for key, tensor in model.state_dict().items():
        if key not in want:
            continue
        arr = tensor.numpy().astype(np.float64)
        mean, std = want[key]
        if std == 0.0:  # constants: BatchNorm 1/0, zero biases, running stats
            np.testing.assert_array_equal(arr, np.full(arr.shape, mean), err_msg=key)
        elif arr.size >= 1000:
            assert abs(arr.std() - std) < 0.1 * std, (key, arr.std(), std)
            assert abs(arr.mean() - mean) < 5 * std / np.sqrt(arr.size) + 1e-7, key


def test_forward_shapes_and_training_step():
    miniconv.manual_seed(0)
    model = models.resnet18(num_classes=7)
    x = miniconv.randn(2, 3, 32, 32)
    out = model(x)
    assert out.shape == (2, 7)
    out.sum().backward()
    assert model.conv1.weight.grad is not None and model.fc.bias.grad.shape == (7,)
    zero = models.resnet50(zero_init_residual=True, num_classes=3)
    assert float(zero.layer1[0].bn3.weight.abs().sum()) == 0.0


@pytest.mark.parametrize("builder", [models.resnet18, models.vgg11, models.mobilenet_v2, models.alexnet])
def test_pretrained_weights_come_from_the_hub_cache(builder, tmp_path, monkeypatch):
    """weights= (or pretrained=True) reads the hub cache and, the file missing, downloads it: offline, a
    URLError naming the file's place (loading itself: tests/vision/test_vision_weights.py)."""
    from urllib.error import URLError

    def offline(*args, **kwargs):
        raise URLError("offline")

    monkeypatch.setattr(miniconv.hub, "_hub_dir", str(tmp_path))
    monkeypatch.setattr(miniconv.hub, "urlopen", offline)
    with pytest.raises(URLError, match="without a network, copy the file"):
        builder(weights="IMAGENET1K_V1")
    with warnings.catch_warnings(record=True) as caught, pytest.raises(URLError, match="checkpoints"):
        warnings.simplefilter("always")
        builder(pretrained=True)
    assert "'pretrained' is deprecated" in str(caught[0].message)


def test_torchvision_state_dict_through_pth_file(tmp_path):
    """A state_dict written by torch (any 2.x) loads through the same names; only when torch is installed."""
    torch = pytest.importorskip("torch")
    miniconv.manual_seed(0)
    ours = models.resnet18(num_classes=4)
    state = vision_cases.deterministic_state([(k, v.shape) for k, v in ours.state_dict().items()])
    path = tmp_path / "resnet18.pth"
    torch.save({k: torch.from_numpy(v) for k, v in state.items()}, path)
    loaded = torch.load(path, weights_only=True)
    ours.load_state_dict({k: miniconv.from_numpy(v.numpy()) for k, v in loaded.items()})
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), state[k])
