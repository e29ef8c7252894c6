"""The reference files written by make_reference.py (torchvision's outputs), for the tests."""
import functools
import json
import os

import numpy as np

REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference")


@functools.lru_cache(maxsize=None)
def meta():
    with open(os.path.join(REF, "reference.json")) as f:
        return json.load(f)


def array(name):
    return np.load(os.path.join(REF, name.replace("/", "__") + ".npy"), allow_pickle=False)
