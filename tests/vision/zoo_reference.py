"""The reference files written by make_zoo_reference.py (torchvision's results), for the zoo tests."""
import functools
import json
import os

import numpy as np

REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_zoo")


@functools.cache
def ref_meta():
    with open(os.path.join(REF, "zoo.json")) as f:
        return json.load(f)


@functools.cache
def ref_arrays():
    with np.load(os.path.join(REF, "zoo.npz"), allow_pickle=False) as z:
        return dict(z)
