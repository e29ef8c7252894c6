import os
import pathlib

import numpy as np
import pytest

import miniconv

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Real MNIST lives beside the project (../shared/mnist; on the project's machines also
# /work/shared/mnist, for clones made elsewhere); MINICONV_DATA overrides.
if "MINICONV_DATA" not in os.environ:
    for _candidate in (ROOT.parent / "shared" / "mnist", pathlib.Path("/work/shared/mnist")):
        if (_candidate / "train-images-idx3-ubyte.gz").exists():
            os.environ["MINICONV_DATA"] = str(_candidate)
            break


@pytest.fixture(autouse=True)
def _seed():
    miniconv.manual_seed(0)
    np.random.seed(0)
    yield


def pytest_addoption(parser):
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help="differential fuzz suite (tests/test_fuzz_*.py): 20x more examples, random seeds")


@pytest.fixture(autouse=True)
def _distribution_validation_restored():
    """PyTorch's dynamo (torch.compile, torch.cond) turns ``torch.distributions`` argument validation off for the
    whole process the first time it runs (``torch._dynamo.eval_frame.TorchPatcher.patch``): a test that compiles
    would leave every later comparison of distribution errors against an unvalidating PyTorch. Both libraries'
    defaults are put back after each test."""
    import sys

    def flags():
        return [(m.Distribution, m.Distribution._validate_args) for m in
                (sys.modules.get("torch.distributions"), sys.modules.get("miniconv.distributions")) if m is not None]

    before = flags()
    yield
    known = {cls: value for cls, value in before}
    for cls, value in flags():
        cls._validate_args = known.get(cls, __debug__)
