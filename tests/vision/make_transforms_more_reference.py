"""Writes tests/vision/reference_transforms_more/ from torchvision (run beside torchvision, see
make_reference.py for the venv):

    /work/venv-tv/bin/python tests/vision/make_transforms_more_reference.py

Records the cases of transforms_more_cases.py (v1 additions) and v2_cases.py (transforms.v2) run with
torchvision: arrays in one compressed arrays.npz, kinds/errors/statistics in reference.json.
"""
import json
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T
from torchvision.transforms import autoaugment as A
from torchvision.transforms import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference_transforms_more")
sys.path.insert(0, HERE)
import transforms_more_cases  # noqa: E402
import v2_cases  # noqa: E402
from torchvision import tv_tensors  # noqa: E402
from torchvision.transforms import v2  # noqa: E402
from torchvision.transforms.v2 import functional as F2  # noqa: E402


class Lib:
    T, F, A, Image = T, F, A, Image
    tensor = staticmethod(torch.from_numpy)
    numpy = staticmethod(lambda t: t.numpy())
    seed = staticmethod(torch.manual_seed)


class LibV2:
    v2, F, tv_tensors, Image = v2, F2, tv_tensors, Image
    tensor = staticmethod(torch.from_numpy)
    numpy = staticmethod(lambda t: t.numpy())
    float32, uint8, int64 = torch.float32, torch.uint8, torch.int64
    apply_op = staticmethod(lambda t, img, op, magnitude: t._apply_image_or_video_transform(
        img, op, magnitude, interpolation=t.interpolation, fill=t._fill))


def main():
    torch.set_num_threads(1)
    arrays, meta = {}, {"torch": torch.__version__, "torchvision": torchvision.__version__}
    inputs = transforms_more_cases.make_inputs()
    kinds = {}
    for name, (arr, kind) in transforms_more_cases.cases(Lib, inputs).items():
        arrays[f"v1/{name}"] = np.ascontiguousarray(arr)
        kinds[name] = kind
    meta["v1.kinds"] = kinds
    meta["v1.errors"] = transforms_more_cases.error_cases(Lib, inputs)
    meta["v1.stats"] = transforms_more_cases.param_statistics(Lib)
    aug, meta["aug.tables"] = transforms_more_cases.autoaugment_cases(Lib, inputs)
    meta["aug.kinds"] = {}
    for name, (arr, kind) in aug.items():
        arrays[f"aug/{name}"] = np.ascontiguousarray(arr)
        meta["aug.kinds"][name] = kind
    res = v2_cases.cases(LibV2, v2_cases.make_inputs())
    arrays.update({f"v2/{k}": np.ascontiguousarray(v) for k, v in res["arrays"].items()})
    meta["v2.kinds"] = res["kinds"]
    meta["v2.errors"] = v2_cases.error_cases(LibV2, v2_cases.make_inputs())
    res, meta["v2.aa_tables"] = v2_cases.autoaugment_cases(LibV2, v2_cases.make_inputs())
    arrays.update({f"v2/{k}": np.ascontiguousarray(v) for k, v in res["arrays"].items()})
    meta["v2.kinds"].update(res["kinds"])
    os.makedirs(OUT, exist_ok=True)
    tmp = os.path.join(OUT, "arrays.tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, os.path.join(OUT, "arrays.npz"))
    tmp = os.path.join(OUT, "reference.json.tmp")
    with open(tmp, "w") as f:
        json.dump(meta, f, separators=(",", ":"), sort_keys=True)
    os.replace(tmp, os.path.join(OUT, "reference.json"))
    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {len(arrays)} arrays to {OUT} ({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
