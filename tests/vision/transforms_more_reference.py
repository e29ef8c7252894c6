"""The reference files written by make_transforms_more_reference.py (torchvision's outputs)."""
import functools
import json
import os

import numpy as np

REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_transforms_more")


@functools.lru_cache(maxsize=None)
def meta():
    with open(os.path.join(REF, "reference.json")) as f:
        return json.load(f)


@functools.lru_cache(maxsize=None)
def _arrays():
    with np.load(os.path.join(REF, "arrays.npz"), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def array(name):
    return _arrays()[name]
