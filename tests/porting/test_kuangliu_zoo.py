"""kuangliu/pytorch-cifar's model zoo (tests/porting/kuangliu_cifar/models, unchanged) built under PyTorch and,
with only its import lines pointed at miniconv, under miniconv: the same printed module tree and state_dict
layout; with the PyTorch model's weights copied in, the same float32 forward outputs (train and eval mode)
and, in float64, the same gradients of one cross-entropy step and the same parameters and BatchNorm
statistics after the SGD step the repository's main.py takes (momentum 0.9, weight decay 5e-4)."""
import importlib
import os
import sys

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

HERE = os.path.dirname(os.path.abspath(__file__))
ZOO = os.path.join(HERE, "kuangliu_cifar", "models")
sys.path.insert(0, os.path.join(HERE, "..", "tutorials"))
from test_tutorials import to_miniconv  # noqa: E402

sys.path.pop(0)

# every constructor main.py lists or a file's test() builds, the small member of each family
MODELS = ["VGG('VGG11')", "ResNet18()", "PreActResNet18()", "GoogLeNet()", "DenseNet121()", "ResNeXt29_2x64d()",
          "MobileNet()", "MobileNetV2()", "DPN26()", "SENet18()", "ShuffleNetV2(0.5)", "EfficientNetB0()",
          "RegNetX_200MF()", "RegNetY_400MF()", "SimpleDLA()", "DLA()", "PNASNetA()", "PNASNetB()", "LeNet()"]


@pytest.fixture(scope="module")
def zoos(tmp_path_factory):
    """The package imported twice: ``kl_torch`` as written, ``kl_miniconv`` with its imports swapped."""
    root = tmp_path_factory.mktemp("zoo")
    for pkg, convert in (("kl_torch", lambda s: s), ("kl_miniconv", to_miniconv)):
        os.makedirs(root / pkg)
        for name in os.listdir(ZOO):
            if name.endswith(".py"):
                with open(os.path.join(ZOO, name)) as f:
                    (root / pkg / name).write_text(convert(f.read()))
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("kl_torch"), importlib.import_module("kl_miniconv")
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n.split(".")[0] in ("kl_torch", "kl_miniconv")]:
            del sys.modules[name]


@pytest.fixture
def one_thread():
    before = miniconv.get_num_threads(), torch.get_num_threads()
    miniconv.set_num_threads(1)
    torch.set_num_threads(1)
    yield
    miniconv.set_num_threads(before[0])
    torch.set_num_threads(before[1])


def _close(ours, theirs, what, rtol):
    """allclose with an absolute floor of ``rtol`` times the largest magnitude: conv biases in front of a
    BatchNorm have a gradient that is rounding noise around zero in both libraries."""
    a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
    assert a.shape == b.shape, what
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * max(float(np.abs(b).max()), 1e-3), err_msg=what)


def _build(zoos, ctor):
    kt, km = zoos
    torch.manual_seed(0)
    theirs = eval(ctor, vars(kt))
    ours = eval(ctor, vars(km))
    if ctor.startswith("EfficientNet"):  # dropout and drop-connect draw random masks: off for the comparison
        for net in (theirs, ours):
            net.cfg = dict(net.cfg, dropout_rate=0.0)
            for block in net.layers:
                block.drop_rate = 0.0
    return theirs, ours


def _one_step(lib, net, x, y):
    """main.py's training step, then an eval-mode forward; everything returned as NumPy arrays."""
    opt = lib.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    net.train()
    opt.zero_grad()
    out = net(lib.from_numpy(x))
    loss = lib.nn.CrossEntropyLoss()(out, lib.from_numpy(y))
    loss.backward()
    grads = [None if p.grad is None else p.grad.numpy().copy() for p in net.parameters()]  # unused: None
    opt.step()
    net.eval()
    with lib.no_grad():
        out_eval = net(lib.from_numpy(x))
    state = [v.numpy().copy() for v in net.state_dict().values()]
    return {"out": out.detach().numpy(), "loss": loss.item(), "grads": grads, "state": state,
            "eval": out_eval.numpy()}


@pytest.mark.parametrize("ctor", MODELS)
def test_model_matches_pytorch(zoos, ctor, one_thread):
    """float32 forward outputs agree to float32 rounding; the training step is compared in float64 (both
    models ``.double()``), where it must agree to 1e-7: in float32 a BatchNorm output within rounding of
    zero may fall on the other side of a ReLU in either library, which moves a deep network's gradients
    by far more than rounding, in PyTorch's own float32 against float64 too."""
    theirs, ours = _build(zoos, ctor)
    assert repr(ours) == repr(theirs)
    t_state = {k: v.clone() for k, v in theirs.state_dict().items()}  # a copy: forwards move the BN statistics
    o_state = ours.state_dict()
    assert [(k, tuple(v.shape)) for k, v in o_state.items()] == [(k, tuple(v.shape)) for k, v in t_state.items()]
    assert [str(v.dtype).replace("torch.", "").replace("miniconv.", "") for v in o_state.values()] == \
        [str(v.dtype).replace("torch.", "").replace("miniconv.", "") for v in t_state.values()]
    loaded = ours.load_state_dict({k: miniconv.from_numpy(v.numpy().copy()) for k, v in t_state.items()})
    assert list(loaded.missing_keys) == [] and list(loaded.unexpected_keys) == []

    x = np.random.default_rng(0).standard_normal((4, 3, 32, 32)).astype(np.float32)
    y = np.array([3, 1, 4, 1], dtype=np.int64)
    for mode in ("train", "eval"):
        outs = []
        for lib, net in ((torch, theirs), (miniconv, ours)):
            getattr(net, mode)()
            with lib.no_grad():
                outs.append(net(lib.from_numpy(x)).numpy())
        assert outs[1].dtype == np.float32
        _close(outs[1], outs[0], f"float32 {mode}-mode output", rtol=1e-4)

    theirs.load_state_dict(t_state)  # back to the copied weights and statistics
    ours.load_state_dict({k: miniconv.from_numpy(v.numpy().copy()) for k, v in t_state.items()})
    theirs.double()
    ours.double()
    t = _one_step(torch, theirs, x.astype(np.float64), y)
    o = _one_step(miniconv, ours, x.astype(np.float64), y)
    for key in ("out", "loss", "eval"):
        _close(o[key], t[key], key, rtol=1e-7)
    for i, (name, _) in enumerate(theirs.named_parameters()):
        if t["grads"][i] is None:  # EfficientNet's blocks with expand_ratio 1 skip their conv1/bn1
            assert o["grads"][i] is None, name
            continue
        assert o["grads"][i].dtype == np.float64
        _close(o["grads"][i], t["grads"][i], f"grad of {name}", rtol=1e-7)
    for i, name in enumerate(t_state):
        if name.endswith("num_batches_tracked"):
            assert o["state"][i].dtype == np.int64 and o["state"][i].tolist() == t["state"][i].tolist()
        else:
            _close(o["state"][i], t["state"][i], f"{name} after the step", rtol=1e-7)


def test_shufflenet_g2_fails_as_in_pytorch(zoos):
    """The repository's ShuffleNetG2 passes a float channel count (out_planes/4) to Conv2d: PyTorch refuses it
    with a TypeError from torch.empty, and so must miniconv, word for word."""
    kt, km = zoos
    errors = []
    for mod in (kt, km):
        with pytest.raises(TypeError) as info:
            mod.ShuffleNetG2()
        errors.append(str(info.value))
    assert errors[0] == errors[1]


def test_efficientnet_drop_connect_runs_in_training(zoos):
    """drop_connect fills an empty tensor with bernoulli_(p) and scales in place: the masks differ between
    the libraries (different generators), but each output row is either 0 or x / keep_ratio."""
    _, km = zoos
    x = miniconv.from_numpy(np.random.default_rng(1).standard_normal((64, 2, 3, 3)).astype(np.float32))
    miniconv.manual_seed(0)
    out = km.drop_connect(x.clone(), 0.25)
    rows = out.reshape(64, -1).numpy()
    kept = np.abs(rows).sum(1) > 0
    np.testing.assert_allclose(rows[kept], x.reshape(64, -1).numpy()[kept] / 0.75, rtol=1e-6)
    assert 30 < kept.sum() < 64
