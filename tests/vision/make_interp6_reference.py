"""Writes tests/vision/reference_interp6/arrays.npz from torchvision (run beside torchvision, see
make_reference.py for the venv):

    /work/venv-tv/bin/python tests/vision/make_interp6_reference.py

Records the tensor resizes of interp6_resize_cases.py (outputs and input gradients)."""
import json
import os
import sys

import numpy as np
import torch
import torchvision
from torchvision import transforms as T
from torchvision.transforms import InterpolationMode
from torchvision.transforms import functional as F
from torchvision.transforms import v2
from torchvision.transforms.v2 import functional as F2

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reference_interp6")
sys.path.insert(0, HERE)
import interp6_resize_cases  # noqa: E402


class Lib:
    T, F, v2, F2, IM = T, F, v2, F2, InterpolationMode
    tensor = staticmethod(torch.from_numpy)
    leaf = staticmethod(lambda a: torch.tensor(a, requires_grad=True))
    numpy = staticmethod(lambda t: t.detach().numpy())
    grad = staticmethod(lambda x: x.grad.numpy())


def main():
    torch.set_num_threads(1)
    arrays = interp6_resize_cases.cases(Lib, interp6_resize_cases.make_inputs())
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, "arrays.npz"), **{k: np.ascontiguousarray(v) for k, v in arrays.items()})
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "cases": sorted(arrays)}, f,
                  indent=1)


if __name__ == "__main__":
    main()
