"""Writes tests/vision/reference_zoo/ (zoo.json + zoo.npz) from torchvision, for test_vision_model_zoo.py:

    /work/venv-tv/bin/python tests/vision/make_zoo_reference.py

(torch 2.14 + torchvision 0.29; the tests need neither). For every builder of zoo_cases.ZOO: its
state_dict layout; with the deterministic state of vision_cases, the eval-mode output and (but for the
large ones) the training-mode output, BatchNorm running statistics after it, and for GRAD_MODELS the
gradients of a fixed linear loss. Then every ``*_Weights`` enum (members, urls, meta, preset
parameters), the ImageClassification presets applied to one image, the exceptions and warnings of
the registry and builders, and the outputs of builders loading checkpoints placed in a hub cache.
Large arrays are stored as samples (fixed random indices) plus row means, to keep the files small.
"""
import contextlib
import json
import os
import sys
import tempfile
import warnings
from enum import Enum

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import models
from torchvision.transforms._presets import ImageClassification

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference_zoo")
sys.path.insert(0, HERE)
import vision_cases
import zoo_cases

arrays, meta = {}, {"torch": torch.__version__, "torchvision": torchvision.__version__}


def put(name, arr):
    arrays[name] = np.ascontiguousarray(arr)


def load_deterministic(m):
    state = vision_cases.deterministic_state([(k, v.shape) for k, v in m.state_dict().items()])
    m.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})


def train_pass(m, x, grad):
    """Training-mode outputs (and gradients of a fixed linear loss) as {kind: array}."""
    out = {}
    m.zero_grad()
    with torch.enable_grad() if grad else torch.no_grad():
        outs = zoo_cases.outputs_list(m(torch.from_numpy(x)))
        for i, o in enumerate(outs):
            out[f"train.{i}"] = o.detach().numpy().copy()
        if grad:
            loss = sum((o * torch.from_numpy(zoo_cases.loss_weights(tuple(o.shape), k))).sum()
                       for k, o in enumerate(outs))
            loss.backward()
            params = list(m.named_parameters())
            out["grad.norms"] = np.array([float(p.grad.norm()) for _, p in params], np.float64)
            out["grad.first"] = params[0][1].grad.numpy().copy()
            out["grad.last"] = params[-1][1].grad.numpy().copy()
    return out


def record_init_stats():
    for name in zoo_cases.INIT_STAT_MODELS:
        torch.manual_seed(0)
        m = getattr(models, name)(**zoo_cases.kwargs(name))
        meta[f"init.{name}"] = {  # 6 significant digits are plenty for statistics
            k: [float(f"{v.float().mean():.6g}"), float(f"{v.float().std():.6g}") if v.numel() > 1 else 0.0]
            for k, v in m.state_dict().items() if v.dtype.is_floating_point}


def record_models():
    for name in zoo_cases.ZOO:
        torch.manual_seed(0)
        m = getattr(models, name)(**zoo_cases.kwargs(name))
        meta[f"layout.{name}"] = [[k, list(v.shape), str(v.dtype).replace("torch.", "").replace("miniconv.", "")]
                                  for k, v in m.state_dict().items()]
        load_deterministic(m)
        x = torch.from_numpy(zoo_cases.model_input(name))
        m.eval()
        with torch.no_grad():
            for i, o in enumerate(zoo_cases.outputs_list(m(x))):
                put(f"eval.{name}.{i}", o.numpy())
        if name in zoo_cases.LARGE:
            continue
        m.train()
        grad = name in zoo_cases.GRAD_MODELS
        x = zoo_cases.train_input(name)
        results = [train_pass(m, x, grad)]
        put(f"bn.{name}", np.array([float(v.double().sum()) for k, v in m.state_dict().items()
                                    if k.endswith(("running_mean", "running_var"))], np.float64))
        for k, v in results[0].items():
            put(f"{k}.{name}", v)
        # the oracle's own sensitivity: the same pass with the input changed by 1e-6 relative, so that
        # tests allow what float rounding can move through training-mode BatchNorm, and no more
        results.append(train_pass(m, x * (1 + 1e-6 * np.random.default_rng(2).standard_normal(x.shape)).astype(
            np.float32), grad))
        for k, v in results[0].items():
            diff = np.abs(results[1][k] - v)
            rel = diff / np.maximum(v, 1e-5 * v.max()) if k == "grad.norms" else diff / max(np.abs(v).max(), 1e-12)
            put(f"sens.{k}.{name}", np.array(float(rel.max())))
        del m
    aux = models.inception.InceptionAux(768, 10)
    meta["layout.inception_aux"] = [[k, list(v.shape)] for k, v in aux.state_dict().items()]
    load_deterministic(aux)
    x = torch.from_numpy(zoo_cases.aux_input())
    with torch.enable_grad():
        y = aux.train()(x)
        put("train.inception_aux", y.detach().numpy())
        (y * torch.from_numpy(zoo_cases.loss_weights(tuple(y.shape), 0))).sum().backward()
        put("grad.inception_aux", aux.conv1.conv.weight.grad.numpy().reshape(-1)[zoo_cases.sample_indices(
            (aux.conv1.conv.weight.numel(),))])
    with torch.no_grad():
        put("eval.inception_aux", aux.eval()(x).numpy())


def jsonable(obj):
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Enum):
        return str(obj)
    return obj


def shared_categories(m):
    """The meta with the ImageNet category list (the same in most entries) stored once, as "IMAGENET"."""
    m = jsonable(m)
    if m.get("categories") == meta["imagenet_categories"]:
        m["categories"] = "IMAGENET"
    return m


def record_weights():
    from torchvision.models._meta import _IMAGENET_CATEGORIES
    meta["imagenet_categories"] = list(_IMAGENET_CATEGORIES)
    out = {}
    for name in sorted(dir(models)):
        enum = getattr(models, name)
        if not (isinstance(enum, type) and issubclass(enum, models.WeightsEnum) and enum is not models.WeightsEnum):
            continue
        if getattr(models, name).__module__.rsplit(".", 1)[-1] not in (
                "resnet", "vgg", "alexnet", "mobilenetv2", "squeezenet", "densenet", "mobilenetv3",
                "shufflenetv2", "googlenet", "inception", "efficientnet"):
            continue
        entries = {}
        for member_name, member in enum.__members__.items():
            t = member.transforms()
            entries[member_name] = {
                "repr": repr(member), "canonical": member.name, "url": member.url,
                "meta": shared_categories(member.meta),
                "transforms": {"crop_size": t.crop_size, "resize_size": t.resize_size, "mean": t.mean, "std": t.std,
                               "interpolation": str(t.interpolation), "antialias": t.antialias},
                "transforms_repr": repr(t)}
        out[name] = entries
        meta.setdefault("weights_order", {})[name] = list(enum.__members__)
    meta["weights"] = out
    meta["list_models"] = models.list_models()
    meta["builder_enums"] = {n: models.get_model_weights(n).__name__ for n in list(zoo_cases.ZOO) + [
        "resnet18", "resnet34", "resnet50", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "mobilenet_v2", "alexnet",
        "efficientnet_b2", "efficientnet_b3", "efficientnet_b4", "efficientnet_b5", "efficientnet_b6",
        "efficientnet_b7", "efficientnet_v2_m", "efficientnet_v2_l"]}


def record_presets():
    arr = zoo_cases.preset_image()
    pil = Image.fromarray(arr)
    tensor = torch.from_numpy(arr).permute(2, 0, 1).contiguous()
    configs = {}
    for entries in meta["weights"].values():
        for e in entries.values():
            t = e["transforms"]
            key = f"{t['crop_size'][0]}_{t['resize_size'][0]}_{t['interpolation'].split('.')[-1]}"
            configs[key] = t
    meta["preset_keys"] = sorted(configs)
    for key, t in configs.items():
        interp = getattr(torchvision.transforms.InterpolationMode, t["interpolation"].split(".")[-1])
        preset = ImageClassification(crop_size=t["crop_size"][0], resize_size=t["resize_size"][0],
                                     interpolation=interp)
        for kind, img in (("pil", pil), ("tensor", tensor), ("batch", tensor[None])):
            y = preset(img).numpy()
            flat = y.reshape(-1)
            put(f"preset.{key}.{kind}.shape", np.array(y.shape))
            put(f"preset.{key}.{kind}.sample", flat[zoo_cases.sample_indices(flat.shape)])
            put(f"preset.{key}.{kind}.rowmean", y.reshape(-1, y.shape[-1]).mean(-1))


def caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            fn()
            exc = None
        except Exception as e:  # noqa: BLE001  (recording torchvision's exception)
            exc = [type(e).__name__, str(e)]
    return {"exception": exc, "warnings": [[type(x.message).__name__, str(x.message)] for x in w]}


def record_errors():
    meta["errors"] = {k: caught(fn) for k, fn in zoo_cases.error_cases(models, torch).items()}


def record_checkpoints():
    """Builders given weights= with a checkpoint (deterministic values) placed in a temporary hub cache."""
    with tempfile.TemporaryDirectory() as hub:
        torch.hub.set_dir(hub)
        os.makedirs(os.path.join(hub, "checkpoints"))
        for name, enum_name, size in zoo_cases.CHECKPOINT_CASES:
            extra = {"aux_logits": True, "init_weights": False} if name == "googlenet" else {}
            m = getattr(models, name)(num_classes=1000, **extra)
            state = vision_cases.deterministic_state([(k, v.shape) for k, v in m.state_dict().items()])
            if name.startswith("densenet"):
                state = zoo_cases.old_densenet_keys(state)
            enum = getattr(models, enum_name)
            path = os.path.join(hub, "checkpoints", os.path.basename(enum.DEFAULT.url))
            torch.save({k: torch.from_numpy(v) for k, v in state.items()}, path)
            x = torch.from_numpy(np.random.default_rng(size).standard_normal((1, 3, size, size)).astype(np.float32))
            with contextlib.redirect_stderr(open(os.devnull, "w")):
                loaded = getattr(models, name)(weights=enum.DEFAULT).eval()
            with torch.no_grad():
                put(f"ckpt.{name}", loaded(x).numpy())
            meta[f"ckpt.{name}.keys"] = len(loaded.state_dict())
            if name == "googlenet":
                meta["ckpt.googlenet.transform_input"] = loaded.transform_input
                meta["ckpt.googlenet.aux_logits_true"] = caught(
                    lambda: models.googlenet(weights="DEFAULT", aux_logits=True))
            if name == "squeezenet1_1":
                meta["ckpt.squeezenet1_1.pretrained_true"] = caught(lambda: models.squeezenet1_1(pretrained=True))
                meta["ckpt.squeezenet1_1.positional_true"] = caught(lambda: models.squeezenet1_1(True))


def record_user_code():
    with tempfile.TemporaryDirectory() as hub:
        torch.hub.set_dir(hub)
        os.makedirs(os.path.join(hub, "checkpoints"))
        m = models.resnet18()
        state = vision_cases.deterministic_state([(k, v.shape) for k, v in m.state_dict().items()])
        torch.save({k: torch.from_numpy(v) for k, v in state.items()},
                   os.path.join(hub, "checkpoints", os.path.basename(models.ResNet18_Weights.DEFAULT.url)))
        ns = {"torch": torch, "torchvision": torchvision, "img": Image.fromarray(zoo_cases.preset_image())}
        exec(zoo_cases.USER_CODE, ns)
        result = ns["result"]
        put("user.probs", result.pop("probs"))
        meta["user"] = result


if __name__ == "__main__":
    torch.set_num_threads(1)
    record_models()
    record_init_stats()
    record_weights()
    record_presets()
    record_errors()
    record_checkpoints()
    record_user_code()
    os.makedirs(OUT, exist_ok=True)
    tmp = os.path.join(OUT, "zoo.npz.tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, os.path.join(OUT, "zoo.npz"))
    tmp = os.path.join(OUT, "zoo.json.tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f, separators=(",", ":"), sort_keys=True)
    os.replace(tmp, os.path.join(OUT, "zoo.json"))
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(arrays)} arrays and zoo.json to {OUT} ({total / 1e6:.2f} MB)")
