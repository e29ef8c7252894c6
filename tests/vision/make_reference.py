"""Writes tests/vision/reference/ from torchvision: run it beside torchvision (not needed by the tests).

    python3 -m venv /work/venv-tv && /work/venv-tv/bin/pip install torch==2.14.1 torchvision==0.29.1 pillow numpy scipy
    /work/venv-tv/bin/python tests/vision/make_reference.py

The CI installs only torch 2.13, beside which torchvision does not import; so the tests compare
miniconv.vision against these files, produced by torchvision from the same inputs: dataset files written
by vision_formats.py, the transform cases of vision_cases.py, models' state_dict layouts, initialisation
statistics and forward outputs with deterministic weights, make_grid/save_image, and the results of the
tutorial scripts in tests/tutorials/tv*.py. Arrays go to one .npy per entry, the rest to reference.json.
"""
import contextlib
import io
import json
import os
import sys
import tempfile

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import datasets, models, utils
from torchvision import transforms as T
from torchvision.transforms import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference")
sys.path.insert(0, HERE)
import vision_cases  # noqa: E402
import vision_formats  # noqa: E402

arrays, meta = {}, {"torch": torch.__version__, "torchvision": torchvision.__version__}


def put(name, arr):
    arrays[name] = np.ascontiguousarray(arr)


def dataset_record(key, ds):
    imgs = [ds[i][0] for i in range(len(ds))]
    meta[key] = {"len": len(ds), "targets": [int(ds[i][1]) for i in range(len(ds))],
                 "modes": [im.mode for im in imgs], "sizes": [list(im.size) for im in imgs],
                 "classes": list(getattr(ds, "classes", [])),
                 "class_to_idx": dict(getattr(ds, "class_to_idx", {}))}
    for i, im in enumerate(imgs):
        put(f"{key}.{i}", np.asarray(im))


def record_datasets():
    with tempfile.TemporaryDirectory() as root:
        vision_formats.write_all(root)
        for name in ("MNIST", "FashionMNIST", "KMNIST"):
            for train in (True, False):
                dataset_record(f"ds.{name}.{train}", getattr(datasets, name)(root, train=train))
        for split in ("letters", "balanced"):
            dataset_record(f"ds.EMNIST.{split}", datasets.EMNIST(root, split=split, train=True))

        class C10(datasets.CIFAR10):  # the generated files, not the published ones: no MD5 to check
            train_list = [[n, None] for n, _ in datasets.CIFAR10.train_list]
            test_list = [["test_batch", None]]
            meta = dict(datasets.CIFAR10.meta, md5=None)

        class C100(datasets.CIFAR100):
            train_list, test_list = [["train", None]], [["test", None]]
            meta = dict(datasets.CIFAR100.meta, md5=None)

        import tarfile

        for archive in ("cifar-10-python.tar.gz", "cifar-100-python.tar.gz"):
            with tarfile.open(os.path.join(root, archive)) as t:
                t.extractall(root, filter="data")
        for cls, key in ((C10, "CIFAR10"), (C100, "CIFAR100")):
            for train in (True, False):
                dataset_record(f"ds.{key}.{train}", cls(root, train=train))

        class S(datasets.SVHN):
            split_list = {k: [u, f, None] for k, (u, f, _) in datasets.SVHN.split_list.items()}

        for split in ("train", "test"):
            dataset_record(f"ds.SVHN.{split}", S(root, split=split))
        folder = os.path.join(root, "folder")
        ds = datasets.ImageFolder(folder)
        dataset_record("ds.ImageFolder", ds)
        meta["ds.ImageFolder"]["samples"] = [[os.path.relpath(p, folder), t] for p, t in ds.samples]


def record_transforms():
    class Lib:
        pass

    lib = Lib()
    lib.T, lib.F, lib.Image = T, F, Image
    lib.tensor, lib.numpy, lib.seed = torch.from_numpy, (lambda t: t.numpy()), torch.manual_seed
    lib.float32, lib.uint8 = torch.float32, torch.uint8
    inputs = vision_cases.make_inputs()
    kinds = {}
    for name, (arr, kind) in vision_cases.transform_cases(lib, inputs).items():
        put(f"tf.{name}", arr)
        kinds[name] = kind
    meta["tf.kinds"] = kinds
    meta["tf.stats"] = vision_cases.param_statistics(lib)


def record_models():
    torch.manual_seed(0)
    meta["models.layout"] = {}
    for name in vision_cases.MODEL_BUILDERS:
        m = getattr(models, name)(num_classes=10)
        meta["models.layout"][name] = [[k, list(v.shape), str(v.dtype).replace("torch.", "").replace("miniconv.", "")]
                                       for k, v in m.state_dict().items()]
        if name in vision_cases.INIT_STAT_MODELS:
            meta[f"models.init.{name}"] = {  # statistics: 6 significant digits are plenty
                k: [float(f"{v.float().mean():.6g}"), float(f"{v.float().std():.6g}") if v.numel() > 1 else 0.0]
                for k, v in m.state_dict().items() if v.dtype.is_floating_point}
        if name in vision_cases.FORWARD_MODELS:
            state = vision_cases.deterministic_state([(k, v.shape) for k, v in m.state_dict().items()])
            m.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
            m.eval()
            with torch.no_grad():
                out = m(torch.from_numpy(vision_cases.model_input(vision_cases.FORWARD_MODELS[name])))
            put(f"models.forward.{name}", out.numpy())


def record_utils():
    rng = np.random.default_rng(3)
    batch = rng.random((5, 3, 6, 7)).astype(np.float32) * 2 - 0.5
    put("utils.input", batch)
    t = torch.from_numpy(batch)
    put("utils.grid_default", utils.make_grid(t).numpy())
    put("utils.grid_nrow2_pad1", utils.make_grid(t, nrow=2, padding=1, pad_value=0.5).numpy())
    put("utils.grid_normalize", utils.make_grid(t, normalize=True).numpy())
    put("utils.grid_norm_range_each", utils.make_grid(t, normalize=True, value_range=(0.0, 1.0), scale_each=True).numpy())
    put("utils.grid_gray_single", utils.make_grid(t[:1, :1]).numpy())
    buf = io.BytesIO()
    utils.save_image(t, buf, format="PNG", nrow=3)
    put("utils.saved_png", np.asarray(Image.open(io.BytesIO(buf.getvalue()))))


def record_tutorials():
    tut = os.path.join(os.path.dirname(HERE), "tutorials")
    sys.path.insert(0, tut)
    for fname in sorted(os.listdir(tut)):
        if fname.startswith("tv") and fname.endswith(".py"):
            src = open(os.path.join(tut, fname)).read()
            ns = {"__name__": "__main__", "__file__": os.path.join(tut, fname)}
            with contextlib.redirect_stdout(io.StringIO()) as out:
                exec(compile(src, fname, "exec"), ns)
            meta[f"tutorial.{fname}"] = {"result": ns["result"], "stdout": out.getvalue()}


if __name__ == "__main__" and sys.argv[1:] == ["--tutorials-only"]:
    # re-record only the tv*.py results, keeping every other entry of reference.json
    torch.set_num_threads(1)
    record_tutorials()
    with open(os.path.join(OUT, "reference.json")) as f:
        kept = {k: v for k, v in json.load(f).items() if not k.startswith("tutorial.")}
    kept.update({k: v for k, v in meta.items() if k.startswith("tutorial.")})
    tmp = os.path.join(OUT, "reference.json.tmp")
    with open(tmp, "w") as f:
        json.dump(kept, f, separators=(",", ":"), sort_keys=True)
    os.replace(tmp, os.path.join(OUT, "reference.json"))
elif __name__ == "__main__":
    torch.set_num_threads(1)
    record_datasets()
    record_transforms()
    record_models()
    record_utils()
    record_tutorials()
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        os.remove(os.path.join(OUT, old))
    for name, arr in arrays.items():
        np.save(os.path.join(OUT, name.replace("/", "__") + ".npy"), arr, allow_pickle=False)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(meta, f, separators=(",", ":"), sort_keys=True)
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(arrays)} arrays and reference.json to {OUT} ({total / 1e6:.2f} MB)")
