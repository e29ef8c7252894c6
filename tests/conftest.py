import os
import pathlib

import numpy as np
import pytest

import miniconv

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Real MNIST lives beside the project (../shared/mnist); MINICONV_DATA overrides.
if "MINICONV_DATA" not in os.environ and (ROOT.parent / "shared" / "mnist").is_dir():
    os.environ["MINICONV_DATA"] = str(ROOT.parent / "shared" / "mnist")


@pytest.fixture(autouse=True)
def _seed():
    miniconv.manual_seed(0)
    np.random.seed(0)
    yield
